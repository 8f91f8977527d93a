"""Automatic annotation in the window: the core folder watcher and scheduler, bridged to Qt.

The watcher (watchdog, in core.workspace.watch) reports complete files from its own thread; here they become
a Qt signal, delivered on the GUI thread. The scheduler is the core policy (runs one after another,
a sample again only after the minimum interval, never two runs of a partition, failed samples wait
for a changed file, a method chosen for a sample kept), with two window-specific twists: the demo
person's sample uses the bundled reference slice while the real reference is not there, and a
person may queue samples for their findings alone (Update findings) with automatic annotation off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from ..core.workspace.runner import AnnotationJob
from ..core.workspace.scheduler import MODULES, QueuedSample, Scheduler
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

    def queue_findings(self, samples: list[Sample]) -> list[Sample]:
        """Queue these samples for their findings alone (reason `modules`), whether automatic
        annotation is on or not: a person asked. A sample already waiting stays where it is."""
        now = self.clock()
        queued = []
        with self._lock:
            for sample in samples:
                if any(q.key == sample.key for q in self.queue):
                    continue
                self.queue.append(QueuedSample(sample.user, sample.sample, MODULES, now))
                queued.append(sample)
        return queued

    def job_for(self, sample: Sample) -> AnnotationJob:
        job = super().job_for(sample)
        if self.reference_for is not None:
            job.reference_dir = Path(self.reference_for(sample.user))
        return job
