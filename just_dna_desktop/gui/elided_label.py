"""A one-line label that never asks for more width than it gets: long text is elided with "…",
and the whole text is in its tooltip. A status message or a path can then never widen the window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from .plain_text import tooltip


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight):
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Preferred, with no minimum: layouts offer it room for its text, and may give it none.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setText(self, text: str) -> None:  # type: ignore[override]
        self._full = " ".join(str(text).split())  # one line: newlines would grow it downwards
        self._elide()

    def text(self) -> str:  # type: ignore[override]
        """The whole text (what is drawn may be elided)."""
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 4
        return QSize(min(width, 480), super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 0)
        shown = self.fontMetrics().elidedText(self._full, self._mode, width) if width else ""
        super().setText(shown)
        self.setToolTip(tooltip(self._full) if shown != self._full else "")


def heading(scale: float = 1.3) -> ElidedLabel:
    """A page's one-line title: bold, larger, elided."""
    label = ElidedLabel()
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label
