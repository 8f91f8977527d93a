"""The run-history browser: a filterable table of runs and the selected run's details, as labelled
fields and its event log (gui/run_details.py).

Every run is listed with its kind: an annotation (`annotate`), or the annotation modules' findings
(`findings`: the sample's annotated result joined with the installed modules, with no partition of
its own), whose row names its sample and its count of findings and opens the result it read."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLineEdit, QPushButton,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from ..core.workspace.history import RUN_STATUSES, History, Run
from .plain_text import tooltip
from .run_details import RunDetails, output_of, sample_of
from .sample_texts import not_looked_up

Index = QModelIndex | QPersistentModelIndex
ALL_USERS = "All users"
ALL_STATUSES = "All statuses"


def _when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp)) if timestamp else ""


class RunsModel(QAbstractTableModel):
    COLUMNS = ("Time", "User / sample", "Kind", "Status", "Duration", "Peak memory", "Matched")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runs: list[Run] = []

    def set_runs(self, runs: list[Run]) -> None:
        self.beginResetModel()
        self.runs = runs
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self.runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            m = run.metadata or {}
            column = index.column()
            if column == 0:
                return _when(run.started_at or run.created_at)
            if column == 1:
                return sample_of(run)
            if column == 2:
                return f"{run.kind} ({run.trigger})"
            if column == 3:
                return "succeeded, partial" if _partial(run) else run.status
            if column == 4:
                return "" if run.duration_sec is None else f"{run.duration_sec:.1f} s"
            if column == 5:
                peak = m.get("peak_memory_mb")
                return "" if peak is None else f"{peak:.0f} MB"
            if column == 6:
                if run.kind == "findings":
                    found = m.get("findings")
                    return "" if not isinstance(found, int) else \
                        f"{found:,} finding{'' if found == 1 else 's'}"
                matched = m.get("alleles_matched")
                return "" if matched is None else f"{matched:,}"
        if role == Qt.ItemDataRole.ToolTipRole and run.error:  # errors quote files: escaped
            return tooltip(run.error)
        if role == Qt.ItemDataRole.ToolTipRole and _partial(run):
            return tooltip(not_looked_up(run.metadata or {}))
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 3:
            from PySide6.QtGui import QColor

            if _partial(run):  # never the green of a complete result
                return QColor("#e67e22")
            return {"failed": QColor("#c0392b"), "succeeded": QColor("#27ae60"),
                    "interrupted": QColor("#e67e22")}.get(run.status)
        return None


def _partial(run: Any) -> bool:
    """A run that succeeded without looking up some chromosomes (the cache lacked their files)."""
    return run.status == "succeeded" and bool((run.metadata or {}).get("reference_chromosomes_missing"))


class HistoryView(QWidget):
    open_output = Signal(str)  # path of an annotated parquet

    def __init__(self, history: History | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.history = history
        self.model = RunsModel(self)
        self.user_filter = QComboBox()
        self.status_filter = QComboBox()
        self.status_filter.addItems([ALL_STATUSES, *RUN_STATUSES])
        self.text_filter = QLineEdit(placeholderText="Search sample, file or error")
        self.text_filter.setClearButtonEnabled(True)
        self.refresh_button = QPushButton("Refresh")
        self.open_button = QPushButton("Open output")
        self.open_button.setEnabled(False)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.details = RunDetails()

        bar = QHBoxLayout()
        bar.addWidget(self.user_filter)
        bar.addWidget(self.status_filter)
        bar.addWidget(self.text_filter, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.open_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setSizes([300, 200])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

        self.user_filter.currentTextChanged.connect(self.refresh)
        self.status_filter.currentTextChanged.connect(self.refresh)
        self.text_filter.textChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.open_button.clicked.connect(self._open_selected)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)

    def set_users(self, users: list[str]) -> None:
        current = self.user_filter.currentText() or ALL_USERS
        self.user_filter.blockSignals(True)
        self.user_filter.clear()
        self.user_filter.addItems([ALL_USERS, *users])
        self.user_filter.setCurrentText(current if current in users else ALL_USERS)
        self.user_filter.blockSignals(False)

    def refresh(self) -> None:
        if self.history is None:
            return
        user = self.user_filter.currentText()
        status = self.status_filter.currentText()
        runs = self.history.list_runs(user=None if user in ("", ALL_USERS) else user,
                                      status=None if status == ALL_STATUSES else status, limit=2000)
        text = self.text_filter.text().strip().casefold()
        if text:
            runs = [r for r in runs if text in " ".join(
                str(v) for v in (sample_of(r), r.config.get("vcf"), r.error, r.kind, r.trigger)).casefold()]
        selected = self.selected_run()
        self.model.set_runs(runs)
        if selected is not None:
            for row, run in enumerate(runs):
                if run.id == selected.id:
                    self.table.selectRow(row)

    def selected_run(self) -> Run | None:
        index = self.table.currentIndex()
        return self.model.runs[index.row()] if index.isValid() and index.row() < len(self.model.runs) else None

    def _show_details(self, current: QModelIndex, previous: QModelIndex = QModelIndex()) -> None:
        run = self.model.runs[current.row()] if current.isValid() else None
        if run is None or self.history is None:
            self.details.clear()
            self.open_button.setEnabled(False)
            return
        self.details.show_run(run, self.history.events(run.id))
        output = output_of(run)
        self.open_button.setEnabled(output is not None and output.is_file())

    def _open_selected(self) -> None:
        run = self.selected_run()
        output = output_of(run) if run is not None else None
        if output is not None:
            self.open_output.emit(str(output))
