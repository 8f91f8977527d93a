"""A one-line label that never asks for more width than it gets: long text is elided with "…",
and the whole text is in its tooltip. A status message or a path can then never widen the window.
For text that should be read whole (an error, a path in a form), `wrapping_label` wraps instead,
breaking inside long paths and addresses where it must."""

from __future__ import annotations

import re

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from .plain_text import tooltip
ZERO_WIDTH_SPACE = "\u200b"
_BREAK_AFTER = re.compile(r"([/\\?&=_.:,-])(?=\S)")


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


def breakable(text: str) -> str:
    """`text` with a zero-width space after the separators of its long words (`/`, `.`, `_`,
    ...), so a word-wrapped label can break a path or an address instead of growing to its
    width. Words of 20 characters or fewer are left alone."""
    return " ".join(_BREAK_AFTER.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE, word)
                    if len(word) > 20 else word for word in text.split(" "))


class WrappingLabel(QLabel):
    """A label that wraps its text, long paths and addresses included: it never asks for the
    width of its longest word, and always gets the height its lines need at the width it has
    (a wrapped label in a row of boxes is otherwise given the height of fewer lines, and cut).
    `text()` is the text as set. With `rich`, the text is markup (left as it is)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, rich: bool = False):
        super().__init__(parent)
        self._full = ""
        self._rich = rich
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:  # type: ignore[override]
        self._full = str(text)
        super().setText(self._full if self._rich else breakable(self._full))
        self._fit_height()

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        if self.width() <= 0:
            return
        needed = self.heightForWidth(self.width())
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)
