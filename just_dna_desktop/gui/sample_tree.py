"""The people -> samples tree view: sample files dropped on a person go to that person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from ..core.workspace.samples import SAMPLE_SUFFIXES, is_sample_name
from .samples_model import SamplesModel

# The file chooser's filter: VCFs and genotyping files (23andMe, AncestryDNA, ...).
GENOME_FILE_FILTER = f"Genome files ({' '.join('*' + s for s in SAMPLE_SUFFIXES)});;All files (*)"


def dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """The local sample files in a drag or a drop (others are ignored)."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls()
            if url.isLocalFile() and is_sample_name(Path(url.toLocalFile()).name)]


class SampleTree(QTreeView):
    """The users -> samples view; files dropped on a user go to that user."""

    files_dropped = Signal(list, str)  # paths, user ("" = none chosen)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setUniformRowHeights(True)
        self.setAnimated(True)
        # Samples are often told apart by their ends (HG00096_exome, HG00096_genome): cut the
        # middle, never the end, when the list is narrow.
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        event.acceptProposedAction() if dropped_paths(event) else event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        event.acceptProposedAction() if dropped_paths(event) else event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if not paths:
            event.ignore()
            return
        index = self.indexAt(event.position().toPoint())
        model = self.model()
        user = model.user_of(index) if isinstance(model, SamplesModel) else None
        event.acceptProposedAction()
        self.files_dropped.emit(paths, user or "")
