"""A failed sample's own page: what went wrong (selectable, in full), what to do, and the run's log.

Shown in place of the results table, so selecting a failed sample never leaves another person's
table on screen. The buttons are the actions that fit the failure: a build mismatch (a run told to
match by position) offers annotating by rsID instead of a command-line flag; one with no rsID to
match by offers matching by position anyway (the window asks first); a file that is no genome file
offers no retry, since only a new file can change the outcome.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from ..core.workspace.failures import (BUILD_MISMATCH, BUILD_MISMATCH_NO_RSID, REFERENCE_DAMAGED,
                                       REFERENCE_MISSING, FailureAdvice)
from .elided_label import heading
from .plain_text import plain

LAST_EVENTS = 30


def _wrapping_text(lines: int) -> QPlainTextEdit:
    """Read-only, selectable text that wraps anywhere (a long path never widens the page)."""
    text = QPlainTextEdit(readOnly=True)
    text.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    text.setMaximumHeight(text.fontMetrics().lineSpacing() * lines + 12)
    return text


class FailedPage(QWidget):
    retry = Signal()
    annotate_by_rsid = Signal()
    annotate_by_position = Signal()
    open_file = Signal()
    reveal_file = Signal()
    show_history = Signal()
    get_reference = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = ""
        self.advice: FailureAdvice | None = None
        self.title = heading()
        self.reason = _wrapping_text(4)
        self.reason.setAccessibleName("Why it failed")
        self.what_to_do = plain(QLabel())
        self.what_to_do.setWordWrap(True)
        self.retry_button = QPushButton("Try again")
        self.rsid_button = QPushButton("Annotate by rsID")
        self.rsid_button.setToolTip("Match each variant by its rsID instead of its position: "
                                    "right whatever genome build the file uses")
        self.position_button = QPushButton("Annotate by position anyway…")
        self.position_button.setToolTip("Match by position although the file is on another "
                                        "genome build: most matches will be wrong")
        self.reference_button = QPushButton("Get the reference…")
        self.open_button = QPushButton("Open the file")
        self.open_button.setToolTip("Open the sample file in the program your computer uses for it")
        self.reveal_button = QPushButton("Show in folder")
        self.history_button = QPushButton("Show history")
        buttons = QHBoxLayout()
        for button, signal in ((self.retry_button, self.retry),
                               (self.rsid_button, self.annotate_by_rsid),
                               (self.position_button, self.annotate_by_position),
                               (self.reference_button, self.get_reference),
                               (self.open_button, self.open_file),
                               (self.reveal_button, self.reveal_file),
                               (self.history_button, self.show_history)):
            button.clicked.connect(signal)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.log_title = plain(QLabel())
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.log.setPlaceholderText("This run left no log.")

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(QLabel("What went wrong:"))
        layout.addWidget(self.reason)
        layout.addWidget(self.what_to_do)
        layout.addLayout(buttons)
        layout.addWidget(self.log_title)
        layout.addWidget(self.log, 1)

    def show_failure(self, key: str, advice: FailureAdvice, events: list,
                     run_id: int | None = None) -> None:
        """Fill the page for sample `key`: its last run's failure (core.workspace.failures.explain_failure)
        with that run's events, or why its file is no genome file (explain_problem, no run)."""
        self.key = key
        self.advice = advice
        self.title.setText(f"{key} could not be annotated")
        self.reason.setPlainText(advice.reason)
        self.what_to_do.setText(advice.advice)
        self.retry_button.setVisible(advice.can_retry)
        self.rsid_button.setVisible(advice.kind == BUILD_MISMATCH)
        self.position_button.setVisible(advice.kind == BUILD_MISMATCH_NO_RSID)
        self.reference_button.setVisible(advice.kind in (REFERENCE_MISSING, REFERENCE_DAMAGED))
        self.history_button.setVisible(run_id is not None)
        shown = events[-LAST_EVENTS:]
        self.log_title.setText(f"The last {len(shown)} events of run #{run_id}:" if run_id else
                               "No run was made: the file was read only far enough to see that.")
        self.log.setVisible(run_id is not None)
        self.log.setPlainText("\n".join(
            f"{time.strftime('%H:%M:%S', time.localtime(e.time))}  {e.level:<7} {e.message}"
            for e in shown))
        first = next(b for b in (self.rsid_button, self.reference_button, self.retry_button,
                                 self.open_button) if b.isVisibleTo(self))
        for button in (self.rsid_button, self.reference_button, self.retry_button, self.open_button):
            button.setDefault(button is first)
