"""The results viewer: a paged table of one annotated sample, with filters, columns and export."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMenu, QPushButton, QTableView, QToolButton, QVBoxLayout,
                               QWidget)

from .jobs import Job, JobManager
from .results_model import ResultsModel
from ..core.results_query import write_table

# Columns worth seeing first; the rest stay one click away in the column picker. An rsID run's
# output (a genotyping file) adds the file's own marker ID, the call restated on the reference's
# strand (`genotype`) and how it was matched (`allele_check`).
DEFAULT_COLUMNS = ("marker_id", "chrom", "start", "ref", "alt", "gt", "genotype", "zygosity",
                   "allele_check", "rsid", "tsa", "ma", "maf",
                   "clin_pathogenic", "clin_likely_pathogenic", "clin_risk_factor",
                   "clin_drug_response", "clin_benign", "clinvar_202502")
NO_SAMPLE = "No sample open: click an annotated sample (✓) on the left to see its table"


class ResultsView(QWidget):
    opened = Signal(str)

    def __init__(self, jobs: JobManager | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.jobs = jobs
        self.model = ResultsModel(self, runner=self._run_in_pool if jobs is not None else None)
        self._view_started = time.perf_counter()
        self.open_seconds: float | None = None

        self.title = QLabel(NO_SAMPLE)
        self.title.setObjectName("resultsTitle")
        self.search = QLineEdit(placeholderText="Filter: text, rs12345 or chr21:25000000-25100000")
        self.search.setClearButtonEnabled(True)
        self.clinical = QCheckBox("Clinically flagged")
        self.clinical.setToolTip("Rows where any clin_* flag of Ensembl is set")
        self.rare = QCheckBox("Rare (MAF < 1 %)")
        self.rare.setToolTip("Rows whose minor allele frequency is below 1 %")
        self.columns_button = QToolButton(text="Columns")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_menu = QMenu(self)
        self.columns_button.setMenu(self.columns_menu)
        self.export_button = QPushButton("Export view…")
        self.count = QLabel()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Fixed row heights: the view never measures 5 million rows.
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.horizontalHeader().setDefaultSectionSize(96)
        # Fit columns to the first rows only: measuring every row would page in the whole file.
        self.table.horizontalHeader().setResizeContentsPrecision(60)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.clinical)
        bar.addWidget(self.rare)
        bar.addWidget(self.columns_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

        # Typing re-filters after a short pause, not on every key.
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)
        self.clinical.toggled.connect(self.apply_filter)
        self.rare.toggled.connect(self.apply_filter)
        self.export_button.clicked.connect(self.ask_export)
        self.model.busy.connect(self._busy)
        self.model.view_changed.connect(self._show_count)
        self.model.view_failed.connect(lambda reason: self.count.setText(f"Filter failed: {reason}"))
        self._set_enabled(False)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.search, self.clinical, self.rare, self.columns_button, self.export_button):
            widget.setEnabled(enabled)

    def open(self, path: Path | str, title: str | None = None) -> None:
        started = time.perf_counter()
        self.model.open(path)
        query = self.model.query
        assert query is not None
        wanted = [c for c in DEFAULT_COLUMNS if c in query.columns
                  and (c != "genotype" or "allele_check" in query.columns)]
        if len(wanted) >= 4:
            self.model.set_visible_columns(wanted)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.clinical.setEnabled(bool(query.clinical_columns))
        self.rare.setEnabled(query.has_maf)
        self._build_columns_menu()
        self.title.setText(f"<b>{title or Path(path).parent.name}</b> &nbsp; "
                           f"<span style='color:gray'>{path}</span>")
        self._set_enabled(True)
        self.clinical.setEnabled(bool(query.clinical_columns))
        self.rare.setEnabled(query.has_maf)
        self.apply_filter()
        self.table.resizeColumnsToContents()
        self.open_seconds = time.perf_counter() - started
        self.opened.emit(str(path))

    def close_file(self) -> None:
        self.model.close()
        self.title.setText(NO_SAMPLE)
        self.count.clear()
        self._set_enabled(False)

    def apply_filter(self) -> None:
        if self.model.query is None:
            return
        self._debounce.stop()
        self._view_started = time.perf_counter()
        self.model.set_filter(self.search.text(), self.clinical.isChecked(), self.rare.isChecked())

    def _run_in_pool(self, work, done, failed) -> None:
        """Big files: compute a filter or sort on the pool; the table stays usable meanwhile."""
        assert self.jobs is not None
        job = Job("Filter the table", lambda job: work(), kind="view", quiet=True)
        job.signals.finished.connect(done)
        job.signals.failed.connect(failed)
        self.jobs.submit(job)

    def _busy(self, busy: bool) -> None:
        if busy:
            self._view_started = time.perf_counter()
            self.count.setText("Filtering and sorting…")

    def _show_count(self) -> None:
        query = self.model.query
        if query is None:
            return
        took = time.perf_counter() - self._view_started
        changed = query.row_count != query.total_rows or query.spec.sort_column is not None
        self.count.setText(f"{query.row_count:,} of {query.total_rows:,} rows"
                           + (f" (in {took:.2f} s)" if changed else ""))

    def _build_columns_menu(self) -> None:
        self.columns_menu.clear()
        query = self.model.query
        if query is None:
            return
        visible = set(self.model.visible_columns)
        for name in query.columns:
            action = QAction(name, self.columns_menu, checkable=True, checked=name in visible)
            action.toggled.connect(self._columns_changed)
            self.columns_menu.addAction(action)

    def _columns_changed(self) -> None:
        chosen = [a.text() for a in self.columns_menu.actions() if a.isChecked()]
        self.model.set_visible_columns(chosen)

    def ask_export(self) -> None:
        if self.model.query is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the filtered view", str(Path.home() / "variants.csv"),
            "CSV (*.csv);;TSV (*.tsv);;Parquet (*.parquet)")
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> Job | int:
        """Export the filtered view with the visible columns (on the pool when there is one)."""
        query = self.model.query
        assert query is not None
        columns = self.model.visible_columns
        # A snapshot of the view, so changing the filter meanwhile does not change the export.
        lazy = query.view_frame(columns)
        rows = query.row_count

        def work(job: Job) -> int:
            job.progress(0.1, f"Exporting {rows:,} rows to {path.name}")
            write_table(lazy, path)
            job.progress(1.0, "Exported")
            return rows

        if self.jobs is None:
            return work(Job("export", work))
        job = Job(f"Export {path.name}", work, kind="export")
        job.signals.finished.connect(
            lambda rows: self.count.setText(f"Exported {rows:,} rows to {path}"))
        job.signals.failed.connect(lambda reason: self.count.setText(f"Export failed: {reason}"))
        return self.jobs.submit(job)

