"""The list of jobs: each running job with its title, a progress bar, its message and a cancel
button; then the samples queued for automatic annotation (or for their modules' findings alone),
with when they start and "Run now"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from .elided_label import ElidedLabel
from .jobs import Job, JobManager

# Queued samples listed one by one; the rest in one line. A row each for 500 samples held ~80 MB
# in the window (the soak: 260 -> 177 MB) for a list nobody scrolls (the samples list marks each).
MAX_QUEUE_ROWS = 20
# What a queued sample waits for.
ANNOTATION, FINDINGS = "annotation", "findings"


class JobRow(QWidget):
    def __init__(self, job: Job, parent: QWidget | None = None):
        super().__init__(parent)
        self.job = job
        self.title = ElidedLabel(job.title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.bar = QProgressBar(maximum=1000)
        self.bar.setTextVisible(True)
        self.message = ElidedLabel(job.status_message)
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


class QueueRow(QWidget):
    """A sample waiting for its automatic run: its name (cut in the middle when narrow) and when
    it starts (never cut: the countdown is what a person looks for)."""

    def __init__(self, key: str, run_now: Signal, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.waits_for = ANNOTATION
        self.name = ElidedLabel(f"{key}:", mode=Qt.TextElideMode.ElideMiddle)
        self.when = QLabel()
        self.run_button = QPushButton("Run now")
        self.run_button.setToolTip("Start it now instead of waiting for its turn")
        self.run_button.clicked.connect(lambda: run_now.emit(key))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.when)
        layout.addWidget(self.run_button)

    def set_wait(self, place: int, seconds: float | None) -> None:
        """`seconds` until it may start (None while another annotation runs, or for a sample
        behind others)."""
        if seconds is not None and seconds >= 0.5:
            when = f"starts in {seconds:.0f} s"
        elif place == 0 and seconds is not None:
            when = "starting"
        elif place == 0:
            when = "next"  # after the running annotation (one at a time)
        else:
            when = f"after {place} other{'s' if place != 1 else ''}"
        what = "findings queued" if self.waits_for == FINDINGS else "queued"
        self.when.setText(f"{what}, {when}")

    def description(self) -> str:
        """The whole line, as a person reads it."""
        return f"{self.key}: {self.when.text()}"


class JobsPanel(QWidget):
    run_now = Signal(str)  # a queued sample's key

    def __init__(self, manager: JobManager, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: dict[int, JobRow] = {}
        self.queue_rows: dict[str, QueueRow] = {}
        self.empty = QLabel("No jobs running.")
        self.more = QLabel()  # the rest of a long queue, in one line
        self.more.hide()
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.empty)
        self._layout.addWidget(self.more)
        self._layout.addStretch(1)
        manager.job_added.connect(self.add)
        manager.job_done.connect(self.remove)

    def add(self, job: Job) -> None:
        if job.quiet:
            return
        row = JobRow(job, self)
        self.rows[id(job)] = row
        self._layout.insertWidget(len(self.rows) - 1, row)
        self._update_empty()

    def remove(self, job: Job) -> None:
        row = self.rows.pop(id(job), None)
        if row is not None:
            row.deleteLater()
        self._update_empty()

    def set_queue(self, waiting: list[tuple]) -> None:
        """The automatic queue in order: (key, seconds until it may start[, what it waits for:
        ANNOTATION, the default, or FINDINGS])."""
        shown = waiting[:MAX_QUEUE_ROWS]
        keys = {item[0] for item in shown}
        for key in [k for k in self.queue_rows if k not in keys]:
            self.queue_rows.pop(key).deleteLater()
        for place, (key, seconds, *what) in enumerate(shown):
            row = self.queue_rows.get(key)
            if row is None:
                row = self.queue_rows[key] = QueueRow(key, self.run_now, self)
                self._layout.insertWidget(self._layout.indexOf(self.more), row)
            row.waits_for = what[0] if what else ANNOTATION
            row.set_wait(place, seconds)
        rest = len(waiting) - len(shown)
        self.more.setText(f"… and {rest:,} more queued (the samples list shows each)")
        self.more.setVisible(rest > 0)
        self._update_empty()

    def _update_empty(self) -> None:
        self.empty.setVisible(not self.rows and not self.queue_rows)
