"""The sample area when there is no table to show: nothing or a person selected, or a sample that
is new, queued, running or cancelled. It says where things stand and offers the next step, and it
replaces the table, so another person's results never stay on screen under this selection."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from .elided_label import heading
from .plain_text import plain


class StatusPage(QWidget):
    annotate = Signal()
    cancel = Signal()
    get_reference = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.key: str | None = None
        self.title = heading()
        self.text = plain(QLabel())  # may quote an error about a file
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar(maximum=1000)
        self.bar.hide()
        self.annotate_button = QPushButton("Annotate now")
        self.cancel_button = QPushButton("Cancel")
        self.reference_button = QPushButton("Get the reference…")
        self.annotate_button.clicked.connect(self.annotate)
        self.cancel_button.clicked.connect(self.cancel)
        self.reference_button.clicked.connect(self.get_reference)
        buttons = QHBoxLayout()
        for button in (self.annotate_button, self.cancel_button, self.reference_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.show_message("No sample selected", "Select a sample on the left to see its results.")

    def show_message(self, title: str, text: str, key: str | None = None) -> None:
        """A page with words only (nothing selected, a person selected)."""
        self.show_state(title, text, key)

    def show_state(self, title: str, text: str, key: str | None = None, *,
                   annotate: str | None = None, cancel: bool = False, reference: bool = False,
                   progress: float | None = None) -> None:
        """Title and text, with the buttons asked for: `annotate` is the button's label
        ("Annotate now", "Run now") or None for no button."""
        self.key = key
        self.title.setText(title)
        self.text.setText(text)
        self.annotate_button.setVisible(annotate is not None)
        if annotate is not None:
            self.annotate_button.setText(annotate)
        self.cancel_button.setVisible(cancel)
        self.reference_button.setVisible(reference)
        self.bar.setVisible(progress is not None)
        if progress is not None:
            self.bar.setValue(int(progress * 1000))
            self.bar.setFormat(f"{progress:.0%}")
