"""Windows and dialogs open within the screen's available area (issue 21: the window opened at
1280x820 on a 1024x640 screen, taller than the screen). Sizes are wishes, shrunk to fit."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# Room left around a window for its frame and title bar, and a dialog's for its parent's.
FRAME_MARGIN = QSize(16, 48)


def available_area(widget: QWidget | None = None) -> QRect | None:
    """The available geometry of the screen `widget` is on (the primary one before it is)."""
    screen = None
    if widget is not None:
        screen = (widget.parentWidget() or widget).screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fitted(widget: QWidget | None, width: int, height: int) -> QSize:
    """`width` x `height`, or less where the available area is smaller (frame included)."""
    area = available_area(widget)
    if area is None:
        return QSize(width, height)
    return QSize(min(width, area.width() - FRAME_MARGIN.width()),
                 min(height, area.height() - FRAME_MARGIN.height()))


def keep_within(window: QWidget) -> None:
    """Move a shown window so its frame is inside the available area (as far as it fits)."""
    area = available_area(window)
    if area is None:
        return
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), max(area.right() - frame.width() + 1, area.x()))
    y = min(max(frame.y(), area.y()), max(area.bottom() - frame.height() + 1, area.y()))
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)
