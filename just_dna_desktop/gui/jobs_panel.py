"""The list of running jobs: each with its title, a progress bar, its message and a cancel button."""

from __future__ import annotations

from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from .jobs import Job, JobManager


class JobRow(QWidget):
    def __init__(self, job: Job, parent: QWidget | None = None):
        super().__init__(parent)
        self.job = job
        self.title = QLabel(f"<b>{job.title}</b>")
        self.bar = QProgressBar(maximum=1000)
        self.bar.setTextVisible(True)
        self.message = QLabel(job.status_message)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this job; the previous result, if any, stays as it was")
        self.cancel_button.clicked.connect(self._cancel)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        job.signals.progress.connect(self._progress)
        job.signals.message.connect(self.message.setText)

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.bar.setFormat(f"{fraction:.0%}")
        self.message.setText(message)

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.message.setText("Cancelling…")
        self.job.cancel()


class JobsPanel(QWidget):
    def __init__(self, manager: JobManager, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: dict[int, JobRow] = {}
        self.empty = QLabel("No jobs running.")
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.empty)
        self._layout.addStretch(1)
        manager.job_added.connect(self.add)
        manager.job_done.connect(self.remove)

    def add(self, job: Job) -> None:
        if job.quiet:
            return
        row = JobRow(job, self)
        self.rows[id(job)] = row
        self._layout.insertWidget(self._layout.count() - 1, row)
        self.empty.hide()

    def remove(self, job: Job) -> None:
        row = self.rows.pop(id(job), None)
        if row is not None:
            row.deleteLater()
        self.empty.setVisible(not self.rows)
