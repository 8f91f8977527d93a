"""Automatic annotation in the window: the core folder watcher and scheduler, bridged to Qt.

The watcher (watchdog, in core.workspace.watch) reports complete files from its own thread; here they become
a Qt signal, delivered on the GUI thread. The scheduler is the core policy (runs one after another,
a sample again only after the minimum interval, never two runs of a partition, failed samples wait
for a changed file, a method chosen for a sample kept), with one window-specific twist: the demo
person's sample uses the bundled reference slice while the real reference is not there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from ..core.workspace.runner import AnnotationJob
from ..core.workspace.scheduler import Scheduler
from ..core.workspace.watch import Watcher
from ..core.workspace.samples import Sample


class FolderWatcher(QObject):
    files_ready = Signal(list)  # paths of sample files that appeared or changed, now complete

    def __init__(self, root: Path, stable_seconds: float = 2.0, parent: QObject | None = None):
        super().__init__(parent)
        # Emitting from the watcher's thread is safe: the signal is queued to this object's thread.
        self._watcher = Watcher(root, self.files_ready.emit, stable_seconds=stable_seconds)
        self.running = False

    def start(self) -> None:
        self._watcher.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self._watcher.stop()
            self.running = False


class WindowScheduler(Scheduler):
    def __init__(self, *args, reference_for: Callable[[str], Path] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference_for = reference_for

    def job_for(self, sample: Sample) -> AnnotationJob:
        job = super().job_for(sample)
        if self.reference_for is not None:
            job.reference_dir = Path(self.reference_for(sample.user))
        return job
