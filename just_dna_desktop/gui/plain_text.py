"""Text from a file, a name or an error, shown where Qt would read it as rich text.

Qt draws a tooltip's, a label's or a message box's text as HTML when it looks like HTML
(`Qt.mightBeRichText`): a file named `<img src="file:///…" width=900><h1>…` in the input folder
was drawn as a local picture under a fake heading. Every text that comes from outside the program
goes through one of these, so it is shown exactly as written and never obeyed:

- `as_html(text)`: escaped, for a piece of the window's own rich text;
- `tooltip(text)`: a tooltip that shows `text` as written;
- `plain(label)`: a label that never reads its text as HTML;
- `message_box(...)`: a message box whose text and details are plain.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def as_html(text: object) -> str:
    """`text` as rich text that shows it as written (line ends kept)."""
    return html.escape(str(text), quote=False).replace("\n", "<br>")  # (no attributes here)


def tooltip(text: object) -> str:
    """A tooltip showing `text` as written ('' for none). It is rich text on purpose: escaped
    plain text alone would show its `&lt;` entities, and rich text wraps a long line."""
    return f"<p>{as_html(text)}</p>" if text not in (None, "") else ""


def plain(label: QLabel) -> QLabel:
    """`label`, set never to read its text as HTML."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def message_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
                buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
                default: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton
                ) -> QMessageBox.StandardButton:
    """QMessageBox.warning/question/information with a plain-text body; the button pressed."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if default != QMessageBox.StandardButton.NoButton:
        box.setDefaultButton(default)
    return QMessageBox.StandardButton(box.exec())
