"""The results viewer: a paged table of one annotated sample, with filters, columns and export.

Columns are chosen by group or preset (core/results/columns.py) and remembered per column name
(gui/column_memory.py), widths too, so they follow the column, not its position, across samples
and restarts. A right-click (or Shift+F10) on a row copies it, filters to its position, sorts, or
opens the variant's pages on the web (which the menu says).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl
from PySide6.QtCore import (QItemSelectionModel, QModelIndex, QPoint, QSettings, Qt, QTimer, QUrl,
                            Signal)
from PySide6.QtGui import (QAction, QDesktopServices, QGuiApplication, QKeySequence, QPalette,
                           QShortcut)
from PySide6.QtWidgets import (QApplication, QCheckBox, QFileDialog, QFrame, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMenu, QPushButton, QStackedWidget,
                               QTableView, QToolButton, QVBoxLayout, QWidget)

from ..core.results.links import variant_links
from ..core.results.columns import (DEFAULT_PRESET, PRESETS, column_info, column_label, grouped,
                                    preset_columns)
from ..core.results.query import export_name, format_value, write_table
from .actions import TABLE_ACTIONS, create_actions
from .column_memory import ColumnMemory
from .elided_label import ElidedLabel
from .jobs import Job, JobManager
from .plain_text import plain, tooltip
from .results_model import ResultsModel

NO_SAMPLE = "No sample open: click an annotated sample (✓) on the left to see its table"
MAX_COLUMN_WIDTH = 300
_NUMBERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
# What the widest value of a type looks like (positions reach 248,956,422 on chromosome 1).
_WIDEST = {"integer": "248956422", "float": "0.0001234", "boolean": "\u2713"}


class StayOpenMenu(QMenu):
    """A menu whose check boxes can be ticked one after another without it closing."""

    def showEvent(self, event: Any) -> None:
        # Fusion outlines a menu's check box in the Window colour darkened, which on a dark
        # palette is the menu's own background: unticked boxes vanish. Lighten it here only.
        palette = QApplication.palette()
        if palette.color(QPalette.ColorRole.Window).lightness() < 128:
            palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Mid))
        self.setPalette(palette)
        super().showEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:
        action = self.activeAction()
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        action = self.activeAction()
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().keyPressEvent(event)


class FilterBox(QLineEdit):
    """The filter field; Esc clears it."""

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)


class ResultsView(QWidget):
    opened = Signal(str)
    closed = Signal()
    notice_action = Signal()  # the notice's button (e.g. "Get the reference…")

    def __init__(self, jobs: JobManager | None = None, state: QSettings | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.jobs = jobs
        self.memory = ColumnMemory(state)
        self.model = ResultsModel(self, runner=self._run_in_pool if jobs is not None else None)
        self.open_seconds: float | None = None
        self.path: Path | None = None
        self.key: str | None = None
        self._opened_mtime: int | None = None
        self._applying_widths = False
        self._default_widths: dict[str, int] = {}

        self.title = ElidedLabel(NO_SAMPLE, mode=Qt.TextElideMode.ElideMiddle)
        self.title.setObjectName("resultsTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.notice = plain(QLabel())
        self.notice.setWordWrap(True)
        self.notice_button = QPushButton()
        self.notice_button.clicked.connect(self.notice_action)
        self.notice_bar = QFrame()
        self.notice_bar.setObjectName("resultsNotice")
        self.notice_bar.setStyleSheet("#resultsNotice { background: palette(alternate-base); "
                                      "border: 1px solid #d4ac0d; border-radius: 4px; }")
        notice_layout = QHBoxLayout(self.notice_bar)
        notice_layout.setContentsMargins(6, 4, 6, 4)
        notice_layout.addWidget(self.notice, 1)
        notice_layout.addWidget(self.notice_button)
        self.notice_bar.hide()

        self.search = FilterBox(placeholderText="Filter: text, rs12345 or chr21:25000000-25100000")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Type any text, an rsID (rs1135638) or a position or range "
                               "(chr21:25000000-25100000). Ctrl+F comes here; Esc clears it.")
        self.clinical = QCheckBox("Clinically flagged")
        self.clinical.setToolTip("Alleles you carry that ClinVar lists with any clinical "
                                 "significance (clin_* flags). Ticking it ticks Carried only too; "
                                 "untick that to see the flags at every site, carried or not.")
        self.rare = QCheckBox("Rare (MAF < 1 %)")
        self.rare.setToolTip("Rows whose allele is the site's minor allele, with a frequency "
                             "below 1 %")
        self.carried = QCheckBox("Carried only")
        self.carried.setToolTip("Rows whose alternative allele you carry (one or two copies); "
                                "hides positions where you have the reference allele")
        self.columns_button = QToolButton(text="Columns")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_button.setToolTip("Choose columns by group, or a preset")
        self.columns_menu = StayOpenMenu(self)
        self.columns_menu.setToolTipsVisible(True)
        self.columns_button.setMenu(self.columns_menu)
        self.export_button = QPushButton("Export view…")
        self.export_button.setToolTip("Write the rows and columns shown to CSV, TSV or parquet")
        self.count = ElidedLabel()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        # Tab leaves the table (arrows move between cells), so the keyboard is never trapped.
        self.table.setTabKeyNavigation(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setSectionsMovable(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Fixed row heights: the view never measures 5 million rows.
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header.setDefaultSectionSize(96)

        # Shown instead of an empty grid when the filter matches nothing.
        self.empty_text = plain(QLabel())  # quotes the typed filter
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setWordWrap(True)
        self.clear_button = QPushButton("Clear the filter")
        self.clear_button.clicked.connect(self.clear_filter)
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_text)
        empty_layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.empty = empty
        self.table_stack = QStackedWidget()
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(empty)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        for widget in (self.clinical, self.rare, self.carried, self.columns_button,
                       self.export_button):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.notice_bar)
        layout.addLayout(bar)
        layout.addWidget(self.table_stack, 1)
        layout.addWidget(self.count)

        # Typing re-filters after a short pause, not on every key.
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)
        # A person asks what they carry: the flags of alleles they do not carry (hom-ref rows
        # labelled "likely pathogenic") only when they untick Carried only.
        self.clinical.toggled.connect(self._carried_with_flags)
        for box in (self.clinical, self.rare, self.carried):
            box.toggled.connect(self.apply_filter)
        self.export_button.clicked.connect(self.ask_export)
        self.model.busy.connect(self._busy)
        self.model.view_changed.connect(self._show_count)
        self.model.view_failed.connect(lambda reason: self.count.setText(f"Filter failed: {reason}"))
        self.model.modelReset.connect(self._apply_widths)
        # The keyboard keeps its column across a sort or filter (Alt+Up after Alt+Down works).
        self._current_column: str | None = None
        self.model.modelAboutToBeReset.connect(self._remember_current_column)
        self.model.modelReset.connect(self._restore_current_column)
        header.sectionResized.connect(self._section_resized)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table_actions = create_actions(self.table, TABLE_ACTIONS, {
            "copy_row": self.copy_rows, "copy_rsid": self.copy_rsid,
            "sort_ascending": lambda: self.sort_current(Qt.SortOrder.AscendingOrder),
            "sort_descending": lambda: self.sort_current(Qt.SortOrder.DescendingOrder),
        }, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for keys in ("Shift+F10", "Menu"):
            QShortcut(QKeySequence(keys), self.table, self._keyboard_context_menu,
                      context=Qt.ShortcutContext.WidgetShortcut)
        self._set_enabled(False)

    # -- opening -------------------------------------------------------------------------------
    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.search, self.clinical, self.rare, self.carried, self.columns_button,
                       self.export_button):
            widget.setEnabled(enabled)

    def is_showing(self, path: Path, key: str | None = None) -> bool:
        """Whether this very file (same modification) is open, for `key`."""
        if self.model.query is None or self.path != Path(path) or self.key != key:
            return False
        try:
            return Path(path).stat().st_mtime_ns == self._opened_mtime
        except OSError:
            return False

    def open(self, path: Path | str, title: str | None = None) -> None:
        started = time.perf_counter()
        path = Path(path)
        self.model.open(path)
        query = self.model.query
        assert query is not None
        self.path, self.key = path, title
        self._opened_mtime = path.stat().st_mtime_ns
        self._default_widths: dict[str, int] = {}
        self.model.set_visible_columns(self.memory.visible(query.columns))
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self._build_columns_menu()
        self.title.setText(f"{title or path.parent.name}  ·  {path}")
        self._set_enabled(True)
        self.clinical.setEnabled(bool(query.clinical_columns))
        self.rare.setEnabled(query.has_maf)
        self.carried.setEnabled(query.can_tell_carried)
        self.apply_filter()
        self._apply_widths()
        self.open_seconds = time.perf_counter() - started
        self.opened.emit(str(path))

    def close_file(self) -> None:
        self.model.close()
        self.path = self.key = None
        self.title.setText(NO_SAMPLE)
        self.count.clear()
        self.set_notice("")
        self.table_stack.setCurrentWidget(self.table)
        self._set_enabled(False)
        self.closed.emit()

    def set_notice(self, text: str, action: str | None = None) -> None:
        """A line above the table about what this result could not do (hidden when empty)."""
        self.notice.setText(text)
        self.notice_bar.setVisible(bool(text))
        self.notice_button.setVisible(bool(action))
        self.notice_button.setText(action or "")

    # -- filtering -----------------------------------------------------------------------------
    def apply_filter(self) -> None:
        if self.model.query is None:
            return
        self._debounce.stop()
        self.model.set_filter(self.search.text(), self.clinical.isChecked(), self.rare.isChecked(),
                              self.carried.isChecked())

    def _carried_with_flags(self, checked: bool) -> None:
        if checked and self.carried.isEnabled() and not self.carried.isChecked():
            self.carried.blockSignals(True)  # one filter run, from the clinical box's own signal
            self.carried.setChecked(True)
            self.carried.blockSignals(False)

    def clear_filter(self) -> None:
        for box in (self.clinical, self.rare, self.carried):
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filter()
        self.table.setFocus()

    def _run_in_pool(self, work, done, failed) -> None:
        """Big files: compute a filter or sort on the pool; the table stays usable meanwhile."""
        assert self.jobs is not None
        job = Job("Filter the table", lambda job: work(), kind="view", quiet=True)
        job.signals.finished.connect(done)
        job.signals.failed.connect(failed)
        self.jobs.submit(job)

    def _busy(self, busy: bool) -> None:
        if busy:
            self.count.setText("Filtering and sorting…")

    def _show_count(self) -> None:
        query = self.model.query
        if query is None:
            return
        text = f"{query.row_count:,} of {query.total_rows:,} rows"
        if self.model.last_operation is not None:
            operation, seconds = self.model.last_operation
            text += f" ({operation} in {seconds:.2f} s)"
        self.count.setText(text)
        nothing = query.row_count == 0
        if nothing:
            what = f"“{query.spec.text}”" if query.spec.text else "the ticked filters"
            self.empty_text.setText(f"No rows match {what}." if query.spec.filtered
                                    else "This result has no rows.")
            self.clear_button.setVisible(query.spec.filtered)
        self.table_stack.setCurrentWidget(self.empty if nothing else self.table)

    # -- columns -------------------------------------------------------------------------------
    def _build_columns_menu(self) -> None:
        menu = self.columns_menu
        menu.clear()
        query = self.model.query
        if query is None:
            return
        menu.addSection("Presets")
        for preset in PRESETS:
            shown = preset_columns(preset, query.columns)
            action = menu.addAction(f"{preset} ({len(shown)})",
                                    lambda p=preset: self.use_preset(p))
            action.setToolTip(tooltip(", ".join(shown)))  # column names come from the file
        menu.addAction("Reset columns and widths",
                       self.reset_columns).setToolTip(f"The {DEFAULT_PRESET} preset, widths sized "
                                                      "to their content")
        # One submenu per group: ~50 columns in one list would cover a laptop's screen.
        menu.addSection("Columns by group")
        visible = set(self.model.visible_columns)
        self.group_menus: dict[str, StayOpenMenu] = {}
        for group, names in grouped(query.columns).items():
            sub = self.group_menus[group] = StayOpenMenu(group, menu)
            sub.setToolTipsVisible(True)
            for name in names:
                info = column_info(name)
                action = QAction(name, sub, checkable=True, checked=name in visible)
                action.setToolTip(tooltip(info.description + (" (always shown)"
                                                              if info.always_visible else "")))
                action.setEnabled(not info.always_visible)
                action.toggled.connect(self._columns_ticked)
                sub.addAction(action)
            menu.addMenu(sub)
        self._count_in_group_titles()

    def _column_actions(self) -> list[QAction]:
        return [a for sub in getattr(self, "group_menus", {}).values()
                for a in sub.actions() if a.isCheckable()]

    def _count_in_group_titles(self) -> None:
        """'Clinical (1 of 14)': how many of a group's columns show, without opening it."""
        for group, sub in getattr(self, "group_menus", {}).items():
            actions = [a for a in sub.actions() if a.isCheckable()]
            shown = sum(a.isChecked() for a in actions)
            sub.setTitle(f"{group} ({shown} of {len(actions)})")

    def _columns_ticked(self) -> None:
        self.set_columns([a.text() for a in self._column_actions() if a.isChecked()])

    def set_columns(self, columns: list[str]) -> None:
        """Show these columns (the person chose them: remembered for every sample)."""
        query = self.model.query
        if query is None:
            return
        wanted = [c for c in query.columns if c in columns or column_info(c).always_visible]
        self.memory.choose(wanted, query.columns)
        self.model.set_visible_columns(wanted)
        for action in self._column_actions():
            action.blockSignals(True)
            action.setChecked(action.text() in wanted)
            action.blockSignals(False)
        self._count_in_group_titles()

    def use_preset(self, preset: str) -> None:
        if self.model.query is not None:
            self.set_columns(preset_columns(preset, self.model.query.columns))

    def reset_columns(self) -> None:
        self.memory.reset()
        self.use_preset(DEFAULT_PRESET)
        self._apply_widths()

    def default_width(self, name: str) -> int:
        """A column's width from its type and content: positions are never cut to '2000…'."""
        query = self.model.query
        assert query is not None
        metrics = self.table.fontMetrics()
        header = self._header_width(name)
        dtype = query.schema[name]
        if dtype in _NUMBERS:
            content = metrics.horizontalAdvance(_WIDEST["integer"])
        elif dtype in (pl.Float32, pl.Float64):
            content = metrics.horizontalAdvance(_WIDEST["float"])
        elif dtype == pl.Boolean:
            content = metrics.horizontalAdvance(_WIDEST["boolean"])
        else:  # text: the longest value among the first rows (measured once per file)
            if name in self._default_widths:
                return self._default_widths[name]
            position = query.columns.index(name)
            values = [format_value(query.row(r)[position]) for r in range(min(query.row_count, 200))]
            content = max((metrics.horizontalAdvance(v) for v in values), default=0)
        width = self._default_widths[name] = min(max(header, content + 16), MAX_COLUMN_WIDTH)
        return width

    def _header_width(self, name: str) -> int:
        """Room for the header as shown (`start (GRCh38)` for a file matched by rsID)."""
        assert self.model.query is not None
        label = column_label(name, self.model.query.schema)
        return self.table.horizontalHeader().fontMetrics().horizontalAdvance(label) + 28

    def _apply_widths(self) -> None:
        if self.model.query is None:
            return
        self._applying_widths = True
        try:
            for section, name in enumerate(self.model.visible_columns):
                remembered = self.memory.width(name)
                # a width remembered from other results never cuts this one's header
                self.table.setColumnWidth(section, max(remembered, self._header_width(name))
                                          if remembered else self.default_width(name))
        finally:
            self._applying_widths = False

    def _section_resized(self, section: int, old: int, new: int) -> None:
        columns = self.model.visible_columns
        if not self._applying_widths and 0 <= section < len(columns) and new > 0:
            self.memory.set_width(columns[section], new)  # the person dragged it

    # -- rows: copy, sort, links ---------------------------------------------------------------
    def row_values(self, row: int) -> dict[str, Any]:
        query = self.model.query
        assert query is not None
        return dict(zip(query.columns, query.row(row)))

    def copy_rows(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()}) or \
            ([self.table.currentIndex().row()] if self.table.currentIndex().isValid() else [])
        if not rows:
            return
        columns = self.model.visible_columns
        lines = ["\t".join(columns)]
        for row in rows[:10_000]:
            values = self.row_values(row)
            lines.append("\t".join(format_value(values.get(c)) for c in columns))
        QGuiApplication.clipboard().setText("\n".join(lines))

    def copy_rsid(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            rsid = self.row_values(index.row()).get("rsid")
            if rsid:
                QGuiApplication.clipboard().setText(str(rsid))

    def _remember_current_column(self) -> None:
        index = self.table.currentIndex()
        visible = self.model.visible_columns
        self._current_column = visible[index.column()] \
            if index.isValid() and index.column() < len(visible) else None

    def _restore_current_column(self) -> None:
        name, visible = self._current_column, self.model.visible_columns
        if name in visible and self.model.rowCount():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, visible.index(name)),
                QItemSelectionModel.SelectionFlag.NoUpdate)

    def sort_current(self, order: Qt.SortOrder) -> None:
        """Sort by the current cell's column (the header's click, from the keyboard)."""
        index = self.table.currentIndex()
        if index.isValid():
            self.table.sortByColumn(index.column(), order)

    def filter_to_position(self, row: int) -> None:
        values = self.row_values(row)
        if values.get("chrom") and values.get("start"):
            self.search.setText(f"chr{values['chrom']}:{values['start']}")
            self.apply_filter()

    def row_menu(self, index: QModelIndex) -> QMenu:
        """The menu of one row: copy, filter, sort, and the variant's pages on the web."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        values = self.row_values(index.row())
        rsid = values.get("rsid")
        copy_rsid = menu.addAction(f"Copy {rsid}" if rsid else "Copy rsID", self.copy_rsid)
        copy_rsid.setEnabled(bool(rsid))
        menu.addAction("Copy row", self.copy_rows)
        position = menu.addAction(f"Filter to this position (chr{values.get('chrom')}:"
                                  f"{values.get('start')})",
                                  lambda: self.filter_to_position(index.row()))
        position.setEnabled(bool(values.get("chrom") and values.get("start")))
        name = self.model.visible_columns[index.column()]
        menu.addSection(f"Sort by {name}")
        menu.addAction("Ascending", lambda: self.table.sortByColumn(index.column(),
                                                                    Qt.SortOrder.AscendingOrder))
        menu.addAction("Descending", lambda: self.table.sortByColumn(index.column(),
                                                                     Qt.SortOrder.DescendingOrder))
        links = variant_links(rsid, values.get("chrom"), values.get("start"), values.get("ref"),
                              values.get("alt"))
        menu.addSection("Web pages (open in your browser)")
        if not links:
            menu.addAction("No rsID or allele to look up").setEnabled(False)
        for site, url in links.items():
            action = menu.addAction(f"Open in {site} (web page)",
                                    lambda url=url: QDesktopServices.openUrl(QUrl(url)))
            action.setToolTip(tooltip(f"{url}\nOpens your browser: the site sees which variant "
                                      "you look up, nothing else leaves this computer."))
        return menu

    def _context_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not index.isValid() or self.model.query is None:
            return
        if not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.setCurrentIndex(index)
        self.context_menu = self.row_menu(index)
        self.context_menu.popup(self.table.viewport().mapToGlobal(point))

    def _keyboard_context_menu(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._context_menu(self.table.visualRect(index).center())

    # -- export --------------------------------------------------------------------------------
    def suggested_export_path(self) -> Path:
        """`{person}_{sample}_{view}.csv` in the sample's output folder."""
        user, _, sample = (self.key or "").partition("/")
        folder = self.path.parent if self.path is not None else Path.home()
        return folder / export_name(user or None, sample or None, self.model.pending_spec)

    def ask_export(self) -> None:
        if self.model.query is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the filtered view", str(self.suggested_export_path()),
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
