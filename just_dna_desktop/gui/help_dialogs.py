"""Help -> Keyboard shortcuts and Help -> About: read from the actions table and core/reference/sources.py."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from .. import __version__
from ..core.reference.demo import reference_revision
from ..core.reference.sources import DATA_SOURCES, PROGRAM_LICENCE, PROGRAM_URL
from .actions import shortcut_rows
from .screen_fit import fitted


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)
        # A description wraps onto more lines rather than being cut off with "…" (issue 21)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(fitted(self, 720, 520))


def about_html(reference_dir: Path | None) -> str:
    """Version, licence, data sources with their terms, and the reference revision in use."""
    revision = "not downloaded"
    if reference_dir is not None:
        revision = reference_revision(Path(reference_dir)) or (
            "present, revision unknown (no manifest)" if Path(reference_dir).is_dir() else revision)
    try:
        from PySide6 import __version__ as pyside
        import polars

        libraries = f"PySide6 {pyside} (LGPL-3.0), polars {polars.__version__} (MIT)"
    except ImportError:  # pragma: no cover - both are dependencies
        libraries = ""
    sources = "".join(
        f"<li><b>{html.escape(s.name)}</b>: {html.escape(s.what)}.<br>"
        f"Terms: {html.escape(s.licence)}. <a href='{s.url}'>{html.escape(s.url)}</a></li>"
        for s in DATA_SOURCES)
    return (f"<h2>just-dna-desktop {html.escape(__version__)}</h2>"
            "<p>Annotates your genome with the Ensembl variation reference, on this computer. "
            "Nothing is uploaded; the only network use is the reference download (and a variant's "
            "web page, when you ask for one).</p>"
            f"<p>Licence: <a href='{PROGRAM_URL}'>{PROGRAM_LICENCE}</a>. {html.escape(libraries)}</p>"
            f"<p>Reference in use: {html.escape(str(reference_dir or ''))}<br>"
            f"Revision: <code>{html.escape(revision)}</code></p>"
            f"<h3>Data sources</h3><ul>{sources}</ul>")


class AboutDialog(QDialog):
    def __init__(self, reference_dir: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About just-dna-desktop")
        self.text = QLabel(about_html(reference_dir))
        self.text.setWordWrap(True)
        self.text.setOpenExternalLinks(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
