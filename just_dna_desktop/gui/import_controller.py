"""Getting genome files into the workspace: the file chooser, files dropped on the window or on the
list, the dialog that names each file's person and sample, and the copy into the input folder (a
pool job). What follows an import (showing the sample, annotating it) is the window's to route."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QWidget

from ..core.workspace.samples import Workspace
from .import_dialog import ImportDialog
from .jobs import Job, JobManager
from .sample_tree import GENOME_FILE_FILTER, dropped_paths
from .samples_model import SamplesModel


class ImportController(QObject):
    imported = Signal(list)  # the keys ("user/sample") copied into the input folder
    error = Signal(str, str)  # title, message

    def __init__(self, workspace: Workspace, jobs: JobManager, samples: SamplesModel,
                 current_user: Callable[[], str | None], parent: QWidget):
        """`samples` names the people and the samples taken; `current_user` is the person
        selected in the list (the dialog's default); `parent` owns the dialogs."""
        super().__init__(parent)
        self.workspace = workspace  # the window sets a new one when the settings change
        self.jobs = jobs
        self.samples = samples
        self.current_user = current_user
        self.dialog_parent = parent

    def choose_files(self, user: str | None = None) -> None:
        files, _ = QFileDialog.getOpenFileNames(self.dialog_parent, "Add genome files",
                                                str(Path.home()), GENOME_FILE_FILTER)
        if files:
            self.import_files([Path(f) for f in files], user if isinstance(user, str) else "")

    def drag_entered(self, event: QDragEnterEvent) -> None:
        event.acceptProposedAction() if dropped_paths(event) else event.ignore()

    def dropped(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.import_files(paths, "")

    def import_dialog(self, files: list[Path], user: str) -> ImportDialog:
        """The dialog for these files; a separate method so tests can answer it."""
        taken = {e.key for e in self.samples.entries()}
        return ImportDialog(files, self.samples.users, user or self.current_user(), taken,
                            self.dialog_parent)

    def import_files(self, files: list[Path], user: str = "") -> None:
        dialog = self.import_dialog(files, user)
        if dialog.exec() != ImportDialog.DialogCode.Accepted:
            return
        self.start_import(dialog.choices())

    def start_import(self, choices: list[tuple[Path, str, str]]) -> Job:
        workspace = self.workspace

        def work(job: Job) -> list[str]:
            keys = []
            for number, (path, user, sample) in enumerate(choices):
                job.cancel_token.raise_if_cancelled()
                job.progress(number / len(choices), f"Copying {path.name}")
                workspace.import_sample(path, user, sample)
                keys.append(f"{user}/{sample}")
            job.progress(1.0, "Imported")
            return keys

        job = Job(f"Import {len(choices)} file{'s' if len(choices) != 1 else ''}", work, kind="import")
        job.signals.finished.connect(self.imported.emit)
        job.signals.failed.connect(lambda reason: self.error.emit("Import failed", reason))
        return self.jobs.submit(job)
