"""The Qt table model over a ResultsQuery: Qt asks for the visible cells only, the query pages them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import polars as pl
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from .results_query import ResultsQuery, format_value

Index = QModelIndex | QPersistentModelIndex
_NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
            pl.Float32, pl.Float64)


class ResultsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.query: ResultsQuery | None = None
        self._visible: list[str] = []
        self._positions: list[int] = []

    # -- what is shown ---------------------------------------------------------------------------
    def open(self, path: Path | str) -> None:
        self.beginResetModel()
        self.query = ResultsQuery(path)
        self._set_visible(self.query.columns)
        self.endResetModel()

    def close(self) -> None:
        self.beginResetModel()
        self.query = None
        self._set_visible([])
        self.endResetModel()

    @property
    def visible_columns(self) -> list[str]:
        return list(self._visible)

    def set_visible_columns(self, columns: Sequence[str]) -> None:
        self.beginResetModel()
        self._set_visible([c for c in (self.query.columns if self.query else []) if c in columns])
        self.endResetModel()

    def _set_visible(self, columns: Sequence[str]) -> None:
        self._visible = list(columns)
        all_columns = self.query.columns if self.query else []
        self._positions = [all_columns.index(c) for c in self._visible]

    def set_filter(self, text: str = "", clinical_only: bool = False, rare_only: bool = False) -> None:
        if self.query is None:
            return
        self.beginResetModel()
        self.query.set_filter(text, clinical_only, rare_only)
        self.endResetModel()

    # -- QAbstractTableModel -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() or self.query is None:
            return 0
        return self.query.row_count

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.query is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self.query.row(index.row())[self._positions[index.column()]]
            return format_value(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            dtype = self.query.schema[self._visible[index.column()]]
            if dtype in _NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if dtype == pl.Boolean:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self._visible[section] if 0 <= section < len(self._visible) else None
            return str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            if self.query is not None and 0 <= section < len(self._visible):
                name = self._visible[section]
                return f"{name} ({self.query.schema[name]})"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.query is None or not 0 <= column < len(self._visible):
            return
        self.beginResetModel()
        self.query.set_sort(self._visible[column], order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()
