"""The Qt table model over a ResultsQuery: Qt asks for the visible cells only, the query pages them."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

import polars as pl
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ..core.results.columns import column_info, column_label
from ..core.results.query import ResultsQuery, ViewSpec, format_value
from .plain_text import as_html, tooltip

# Above this many rows a filter or sort is computed on the pool (it takes ~0.1-0.6 s on 5 M rows)
# while the table keeps showing the current view.
BACKGROUND_ROWS = 300_000
# runner(work, on_done, on_failed): run `work()` off the GUI thread, then call back on it.
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[str], None]], None]

Index = QModelIndex | QPersistentModelIndex
_NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
            pl.Float32, pl.Float64)


class ResultsModel(QAbstractTableModel):
    busy = Signal(bool)          # a filter or sort is being computed in the background
    view_changed = Signal()      # the rows shown changed (filter or sort applied)
    view_failed = Signal(str)

    def __init__(self, parent=None, runner: Runner | None = None):
        super().__init__(parent)
        self.query: ResultsQuery | None = None
        self.runner = runner
        self._generation = 0  # a newer request makes an older background result moot
        self._visible: list[str] = []
        self._positions: list[int] = []

    # -- what is shown ---------------------------------------------------------------------------
    def open(self, path: Path | str) -> None:
        self._generation += 1
        self._pending = None
        self.last_operation = None
        query = ResultsQuery(path)  # before the reset: a file that cannot be read leaves none open
        self.beginResetModel()
        self.query = query
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

    def set_filter(self, text: str = "", clinical_only: bool = False, rare_only: bool = False,
                   carried_only: bool = False) -> None:
        if self.query is None:
            return
        self.request(replace(self.pending_spec, text=text.strip(), clinical_only=clinical_only,
                             rare_only=rare_only, carried_only=carried_only))

    @property
    def pending_spec(self) -> ViewSpec:
        """The view last asked for (it may still be computing)."""
        return self._pending or (self.query.spec if self.query else ViewSpec())

    _pending: ViewSpec | None = None
    last_operation: tuple[str, float] | None = None  # ("sorted", seconds) of the last request

    def request(self, spec: ViewSpec) -> None:
        """Show `spec`: at once for a small file, through the runner for a big one."""
        query = self.query
        if query is None:
            return
        if spec == self.pending_spec:
            # Nothing changes (a header click asks twice; opening asks for the file as it is).
            if self._pending is None:
                self.view_changed.emit()
            return
        self._generation += 1
        generation = self._generation
        operation = _operation(self.pending_spec, spec)
        started = time.perf_counter()
        trivial = query.filter_expression(spec) is None and spec.sort_column is None
        if self.runner is None or query.total_rows < BACKGROUND_ROWS or trivial:
            self._apply(query, spec, query.row_ids_for(spec), operation, started)
            return
        self._pending = spec
        self.busy.emit(True)

        def done(row_ids: Any) -> None:
            if generation == self._generation and self.query is query:
                self._apply(query, spec, row_ids, operation, started)

        def failed(reason: str) -> None:
            if generation == self._generation:
                self._pending = None
                self.busy.emit(False)
                self.view_failed.emit(reason)

        self.runner(lambda: query.row_ids_for(spec), done, failed)

    def _apply(self, query: ResultsQuery, spec: ViewSpec, row_ids: Any, operation: str = "",
               started: float | None = None) -> None:
        self.beginResetModel()
        query.apply(spec, row_ids)
        self.endResetModel()
        # What the last request did and how long it took, from the request to the rows shown.
        self.last_operation = (operation, time.perf_counter() - started) \
            if operation and started is not None else None
        self._pending = None
        self.busy.emit(False)
        self.view_changed.emit()

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
            value = format_value(self.query.row(index.row())[self._positions[index.column()]])
            # a cell is drawn as plain text, but its tooltip would be read as HTML: escaped
            return tooltip(value) if role == Qt.ItemDataRole.ToolTipRole else value
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
                if not 0 <= section < len(self._visible):
                    return None
                name = self._visible[section]
                return column_label(name, self.query.schema) if self.query is not None else name
            return str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            if self.query is not None and 0 <= section < len(self._visible):
                name = self._visible[section]
                return f"<p><b>{as_html(name)}</b>: {as_html(column_info(name).description)}</p>"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.query is None or not 0 <= column < len(self._visible):
            return
        self.request(replace(self.pending_spec, sort_column=self._visible[column],
                             sort_descending=order == Qt.SortOrder.DescendingOrder))


def _operation(before: ViewSpec, after: ViewSpec) -> str:
    """What a request changes, in words: 'sorted', 'filtered', both, or '' (nothing)."""
    sort = (before.sort_column, before.sort_descending) != (after.sort_column, after.sort_descending)
    filters = replace(before, sort_column=None, sort_descending=False) \
        != replace(after, sort_column=None, sort_descending=False)
    return " and ".join(word for word, changed in (("filtered", filters), ("sorted", sort)) if changed)
