"""The Summary tab: what one annotated sample holds, before its 50-column table.

First what the annotation modules say about it (gui/findings_view.py: medicines, a section per
module, what could not be checked); then numbers as cards, carried alleles per chromosome (those
not looked up marked), the allele-frequency spectrum, the zygosity and variant types of the carried
alleles as QtCharts charts (styled by gui/chart_theme.py), the carried alleles with a clinical flag,
and what the run could not do. Cards and bars are reached with Tab and used with the arrows, Enter
or Space. The numbers come from core.results.summary, computed on the
pool; this widget only draws them. Clicking a bar, a card or a flagged variant asks the window to
show the results table filtered to it (`filter_requested`); "Export report…" writes core.results.report's
HTML file.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any, Callable

import polars as pl
from PySide6.QtCharts import (QBarCategoryAxis, QBarSeries, QBarSet, QCategoryAxis, QChart,
                              QHorizontalBarSeries, QStackedBarSeries, QValueAxis)
from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPointF, Qt,
                            QUrl, Signal)
from PySide6.QtGui import QBrush, QCursor, QDesktopServices, QKeyEvent, QPalette, QPen
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QScrollArea, QSizePolicy, QTableView, QToolTip,
                               QVBoxLayout, QWidget)

from ..core.errors import UserError
from ..core.readers.build import result_doubt
from ..core.reference.cache import CHROMOSOMES, sort_key
from ..core.results.query import RARE_MAF
from ..core.results.report import write_report
from ..core.results.sample_findings import SampleFindings, read_sample_findings
from ..core.results.summary import (MAF_EDGES, NOT_JUDGED, UNMATCHED, SampleSummary,
                                    maf_bin_label, summarize)
from .chart_theme import ThemedChartView, series_color
from .findings_view import FindingsView, ModulesState
from .jobs import Job, JobManager
from .plain_text import tooltip

NO_SAMPLE = "Click an annotated sample (✓) on the left to see what it holds."
ACTIVATE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
GAP_NOTE = "not looked up (the reference cache lacked it)"
Index = QModelIndex | QPersistentModelIndex


class Card(QFrame):
    """One number and what it counts; clickable when it leads somewhere."""

    clicked = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("summaryCard")
        self.setStyleSheet("#summaryCard { background: palette(alternate-base); border: 1px solid "
                           "palette(mid); border-radius: 6px; } "
                           "#summaryCard:focus { border: 2px solid palette(highlight); }")
        self.value = QLabel("–")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value.setFont(font)
        self.caption = QLabel(caption)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.clickable = False

    def set_clickable(self, clickable: bool, tip: str = "") -> None:
        self.clickable = clickable
        self.setCursor(Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor)
        self.setToolTip(tip if clickable else "")
        # Tab reaches a card that leads somewhere; Enter or Space follows it
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if clickable else Qt.FocusPolicy.NoFocus)
        self.setAccessibleName(f"{self.value.text()} {self.caption.text()}")
        self.setAccessibleDescription(tip if clickable else "")

    def mouseReleaseEvent(self, event: Any) -> None:
        if self.clickable and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.clickable and event.key() in ACTIVATE_KEYS:
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class BarChart(ThemedChartView):
    """Bars over categories (vertical or horizontal) with a value axis, tooltips and clicks.

    With `edges` it is a histogram: the bars touch, and the axis names the bin edges (n + 1
    short labels between the bars) rather than each bin.
    """

    bar_clicked = Signal(int)

    def __init__(self, title: str, value_title: str, horizontal: bool = False,
                 edges: list[str] | None = None, gaps: bool = False,
                 parent: QWidget | None = None):
        self.horizontal = horizontal
        self.edges = edges
        self.labels: list[str] = []
        self.values: list[int] = []
        self.tooltips: list[str] = []
        self.gaps: list[str] = []
        self.current: int | None = None  # the bar the keyboard is on (a data index)
        chart = QChart()
        chart.setTitle(title)
        chart.legend().hide()
        # With gaps, a second, hatched set stacks on the first: a category not looked up gets a
        # frame the plot's height (an empty slot would read as "none carried").
        self.series = QHorizontalBarSeries() if horizontal else (
            QStackedBarSeries() if gaps else QBarSeries())
        self.bars = QBarSet(value_title)
        self.series.append(self.bars)
        self.gap_bars: QBarSet | None = None
        if gaps:
            self.gap_bars = QBarSet("not looked up")
            self.series.append(self.gap_bars)
        self.series.setBarWidth(0.7)
        chart.addSeries(self.series)
        self.category_axis = QBarCategoryAxis() if edges is None else _edge_axis(edges)
        self.value_title = value_title
        self.value_axis = QValueAxis(titleText=value_title, labelFormat="%.0f")
        chart.addAxis(self.category_axis,
                      Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.value_axis,
                      Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.category_axis)
        self.series.attachAxis(self.value_axis)
        self.category_axis.setTruncateLabels(False)  # "sequence_alteration", not "…"
        if horizontal:
            self.series.setLabelsVisible(True)
            self.series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
            self.series.setLabelsPrecision(4)
            # each bar carries its value: the axis's own labels would only crowd a narrow chart
            self.value_axis.setLabelsVisible(False)
        self.series.hovered.connect(self._hovered)
        self.series.clicked.connect(lambda index, _set: self.bar_clicked.emit(index))
        super().__init__(chart, parent)
        self.setMinimumHeight(210)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(title)

    def set_data(self, labels: list[str], values: list[int], tooltips: list[str] | None = None,
                 gaps: list[str] | None = None) -> None:
        """`gaps`: categories not looked up (drawn hatched, the plot's height)."""
        # Horizontal bars read top-down in the order given; Qt draws the first category lowest.
        order = list(reversed(range(len(labels)))) if self.horizontal else list(range(len(labels)))
        self.labels, self.values = list(labels), list(values)
        self.gaps = [g for g in gaps or [] if g in self.labels]
        self.current = None
        self.bars.deselectAllBars()
        self.tooltips = list(tooltips) if tooltips else [f"{l}: {v:,}" for l, v in zip(labels, values)]
        # Big counts are drawn in thousands or millions, so axis labels stay short (the tooltips
        # keep the exact numbers).
        peak = max(values, default=0)
        scale, unit = next((s, u) for s, u in ((1_000_000, " M"), (1_000, " k"), (1, ""))
                           if peak >= 10 * s or s == 1)
        self.value_axis.setLabelFormat(f"%.0f{unit}")
        if self.horizontal:
            self.series.setLabelsFormat(f"@value{unit}")
        self.bars.remove(0, self.bars.count())
        self.bars.append([values[i] / scale for i in order])
        if self.edges is not None:
            self.series.setBarWidth(0.95)
        else:
            # A few categories stay bars, not walls (the width is a share of each category's slot).
            self.series.setBarWidth(min(0.7, 0.7 * max(len(labels), 1) / (5 if self.horizontal else 8)))
            self._set_categories([labels[i] for i in order])
        top = _nice_top(math.ceil(peak / scale))
        self.value_axis.setRange(0, top)
        self.value_axis.setTickCount(_tick_count(top))
        if self.gap_bars is not None:
            self.gap_bars.remove(0, self.gap_bars.count())
            self.gap_bars.append([top - values[i] / scale if labels[i] in self.gaps else 0
                                  for i in order])
        self.restyle()

    def restyle(self) -> None:
        super().restyle()
        palette = self.palette()
        # the keyboard's bar: the second series colour (orange), never a blue like the bars'
        self.bars.setSelectedColor(series_color(palette, 1))
        # the keyboard's chart: framed in the highlight colour
        self.chart().setBackgroundPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2)
                                      if self.hasFocus() else QPen(Qt.PenStyle.NoPen))
        if getattr(self, "gap_bars", None) is not None:
            muted = palette.color(QPalette.ColorRole.PlaceholderText)
            self.gap_bars.setBrush(QBrush(muted, Qt.BrushStyle.BDiagPattern))
            self.gap_bars.setBorderColor(muted)

    # -- the keyboard: arrows move between bars, Enter or Space clicks one ---------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        count = len(self.labels)
        back, forward = ((Qt.Key.Key_Up, Qt.Key.Key_Down) if self.horizontal
                         else (Qt.Key.Key_Left, Qt.Key.Key_Right))
        key = event.key()
        if count and key in (back, forward, Qt.Key.Key_Home, Qt.Key.Key_End):
            current = -1 if self.current is None else self.current
            target = {back: current - 1, forward: current + 1, Qt.Key.Key_Home: 0,
                      Qt.Key.Key_End: count - 1}[key]
            self.set_current(min(max(target, 0), count - 1))
            return
        if count and key in ACTIVATE_KEYS:
            if self.current is None:
                self.set_current(0)
            self.bar_clicked.emit(self.drawn_of(self.current))
            return
        super().keyPressEvent(event)

    def set_current(self, index: int) -> None:
        """Put the keyboard on bar `index` (data order): highlighted, its tooltip shown."""
        self.current = index
        self.bars.deselectAllBars()
        drawn = self.drawn_of(index)
        self.bars.selectBar(drawn)
        self.setAccessibleDescription(self.tooltips[index])
        value = self.bars.at(drawn)
        point = QPointF(value / 2, drawn) if self.horizontal else QPointF(drawn, value / 2)
        scene = self.chart().mapToScene(self.chart().mapToPosition(point, self.series))
        QToolTip.showText(self.mapToGlobal(self.mapFromScene(scene)),
                          html.escape(self.tooltips[index]), self)

    def drawn_of(self, index: int) -> int:
        """The bar Qt draws for data index `index` (the inverse of index_of)."""
        return len(self.labels) - 1 - index if self.horizontal else index

    def focusOutEvent(self, event: Any) -> None:
        self.bars.deselectAllBars()
        QToolTip.hideText()
        super().focusOutEvent(event)
        self.restyle()

    def focusInEvent(self, event: Any) -> None:
        super().focusInEvent(event)
        self.restyle()
        if self.current is not None and self.current < len(self.labels):
            self.set_current(self.current)

    def _set_categories(self, labels: list[str]) -> None:
        self.category_axis.clear()
        # Axis labels are rich text: a contig named `<1>` would vanish unescaped.
        self.category_axis.append([html.escape(label) for label in labels] or [""])

    def index_of(self, drawn: int) -> int:
        """The data index of the bar Qt calls `drawn`."""
        return len(self.labels) - 1 - drawn if self.horizontal else drawn

    def _hovered(self, state: bool, drawn: int, _set: QBarSet) -> None:
        if state and 0 <= drawn < len(self.labels):
            QToolTip.showText(QCursor.pos(), html.escape(self.tooltips[self.index_of(drawn)]), self)
        else:
            QToolTip.hideText()


def _edge_axis(edges: list[str]) -> QCategoryAxis:
    """An axis over bars 0..n-1 whose labels sit on the n + 1 edges between them."""
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    axis.setStartValue(-0.5)
    axis.append(html.escape(edges[0]), -0.4999)  # the first edge: a category of no width
    for index, edge in enumerate(edges[1:]):
        axis.append(html.escape(edge), index + 0.5)
    axis.setRange(-0.5, len(edges) - 1.5)
    return axis


def _nice_top(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at or above `value` (at least 1)."""
    top, factors, step = 1, (2, 2.5, 2), 0
    while top < value:
        top = int(top * factors[step % 3])
        step += 1
    return top


def _tick_count(top: int) -> int:
    """Ticks on round numbers from 0 to `top` (1, 2 or 5 times a power of ten)."""
    leading = int(str(top)[0])
    if top < 10:
        return {1: 2, 2: 3, 5: 6}[leading]
    return {1: 6, 2: 5, 5: 6}[leading]


class FlaggedModel(QAbstractTableModel):
    """The carried alleles with a clinical flag, most serious first (core.results.summary's order).

    Reads its rows from the summary's polars frame as Qt asks for them (a genome can have tens of
    thousands): nothing is converted up front on the GUI thread.
    """

    COLUMNS = ("rsID", "position", "change", "genotype", "zygosity", "MAF", "flags")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame = pl.DataFrame()
        self._cached: tuple[int, dict[str, Any]] | None = None

    def set_frame(self, frame: pl.DataFrame) -> None:
        self.beginResetModel()
        self.frame, self._cached = frame, None
        self.endResetModel()

    def row(self, index: int) -> dict[str, Any]:
        if self._cached is None or self._cached[0] != index:
            self._cached = (index, self.frame.row(index, named=True))
        return self._cached[1]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.frame.height

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def cell(self, row: dict[str, Any], column: int) -> str:
        if column == 0:
            return row.get("rsid") or ""
        if column == 1:
            return f"{row['chrom']}:{row['start']:,}"
        if column == 2:
            return f"{row['ref']}>{row['alt']}"
        if column == 3:
            genotype = row.get("genotype")
            return "/".join("." if g is None else g for g in genotype) if genotype else (row.get("gt") or "")
        if column == 4:
            return row.get("zygosity") or ""
        if column == 5:
            maf = row.get("maf")
            return "" if maf is None else f"{maf:.4g}"
        return ", ".join(f.replace("_", " ") for f in row.get("flags") or [])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:  # values from the file: escaped
            return tooltip(self.cell(row, index.column()))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None


def variant_filter(row: dict[str, Any]) -> str:
    """The results filter that finds one flagged allele: its rsID, else its position."""
    rsid = row.get("rsid")
    return rsid if rsid else f"chr{row['chrom']}:{row['start']}"


def chromosome_filter(chrom: str) -> str:
    """The results filter for a whole chromosome, `chr21` (which also finds the rows the
    reference could not look up, by the file's own chromosome); another contig: its name."""
    return f"chr{chrom}" if chrom in CHROMOSOMES else chrom


def provenance(summary: SampleSummary) -> str:
    """One line: what made this result, from which file, and when."""
    run = summary.run
    parts = []
    if run.get("source_file"):
        how = ", ".join(str(run[k]) for k in ("input_format", "genome_build") if run.get(k))
        matched = f"matched by {run['match_by']}" if run.get("match_by") else ""
        parts.append(f"From {run['source_file']}" + (f" ({how})" if how else "")
                     + (f", {matched}" if matched else ""))
    parts.append(f"reference revision {run.get('reference_revision') or 'unknown'}")
    parts.append(f"annotated by just-dna-desktop {run['program_version']}"
                 if run.get("program_version") else "annotated by an unknown version")
    if run.get("output_written"):
        parts.append(f"written {run['output_written'].replace('T', ' ')[:16]} UTC")
    return html.escape(" · ".join(parts))


class SummaryView(QWidget):
    # text, clinically flagged only, rare only, carried only: what the results table should show
    # (the numbers and charts are of carried alleles, so their clicks show carried rows only)
    filter_requested = Signal(str, bool, bool, bool)
    summary_shown = Signal(object)   # the SampleSummary now on screen
    report_written = Signal(str)
    annotate_by_rsid = Signal(str)   # the sample's key: its own rsIDs doubt its build

    def __init__(self, jobs: JobManager | None = None,
                 modules_state: Callable[[Path], ModulesState] | None = None,
                 parent: QWidget | None = None):
        """`modules_state(output)` says where a result's findings stand against the modules
        installed now (called on the pool); without it, nothing is said about them."""
        super().__init__(parent)
        self.jobs = jobs
        self.modules_state = modules_state
        self.summary: SampleSummary | None = None
        self._generation = 0

        self.title = QLabel(NO_SAMPLE)
        self.title.setObjectName("summaryTitle")
        self.title.setWordWrap(True)
        self.provenance = QLabel()
        self.provenance.setWordWrap(True)
        self.provenance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setObjectName("summaryStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.export_button = QPushButton("Export report…")
        self.export_button.setToolTip("Save this summary as one HTML file that loads nothing "
                                      "from the network; it prints, too")
        self.export_button.clicked.connect(self.ask_export)
        self.key: str | None = None  # the workspace sample shown (None: a file from elsewhere)
        self.rsid_button = QPushButton("Annotate by rsID")
        self.rsid_button.setToolTip("Match this file's markers by their rsIDs, which name the same "
                                    "variant on every genome build, instead of by position")
        self.rsid_button.clicked.connect(lambda: self.key and self.annotate_by_rsid.emit(self.key))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.message.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.findings = FindingsView()

        self.cards = {key: Card(caption) for key, caption in (
            ("allele_rows", "allele rows"),
            ("matched", "known to Ensembl (have an rsID)"),
            ("carried", "alleles you carry (het, hom-alt, haploid alt)"),
            ("flagged", "carried, with a clinical flag"),
            ("rare", "carried, and rare (the minor allele, MAF < 1 %)"),
        )}
        self.cards["flagged"].clicked.connect(
            lambda: self.filter_requested.emit("", True, False, True))
        self.cards["rare"].clicked.connect(lambda: self.filter_requested.emit("", False, True, True))
        self.cards["carried"].clicked.connect(
            lambda: self.filter_requested.emit("", False, False, True))

        self.chromosomes = BarChart("Carried alleles per chromosome", "carried alleles",
                                    gaps=True)
        self.maf = BarChart("How common are the sites you carry? (minor allele frequency, %)",
                            "carried alleles", edges=[f"{100 * edge:g}" for edge in MAF_EDGES])
        # of the carried alleles, so its bars add up to the "alleles you carry" card
        self.zygosity = BarChart("Zygosity of the alleles you carry", "carried alleles",
                                 horizontal=True)
        self.types = BarChart("Variant types (carried)", "carried alleles", horizontal=True)
        self.chromosomes.bar_clicked.connect(self._chromosome_clicked)
        self.maf.bar_clicked.connect(self._maf_clicked)
        self.zygosity.bar_clicked.connect(lambda drawn: self._word_clicked(self.zygosity, drawn))
        self.types.bar_clicked.connect(lambda drawn: self._word_clicked(self.types, drawn))

        self.flagged_title = QLabel("<b>Carried alleles with a clinical flag</b>")
        self.flagged_model = FlaggedModel(self)
        self.flagged = QTableView()
        self.flagged.setModel(self.flagged_model)
        self.flagged.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.flagged.setAlternatingRowColors(True)
        self.flagged.verticalHeader().hide()
        header_view = self.flagged.horizontalHeader()
        # Sized once per sample from its first rows (never by measuring tens of thousands).
        header_view.setResizeContentsPrecision(100)
        self.flagged.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header_view.setSectionResizeMode(len(FlaggedModel.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.flagged.setWordWrap(False)
        self.flagged.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.flagged.setMinimumHeight(180)
        self.flagged.setToolTip("Click a variant to see it in the results table")
        self.flagged.clicked.connect(self._variant_clicked)
        self.flagged_note = QLabel("A flag says what has been reported about a variant somewhere, "
                                   "not what it means for you: a genetic counsellor or doctor can "
                                   "say that.")
        self.flagged_note.setWordWrap(True)

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        cards = QHBoxLayout()
        for card in self.cards.values():
            cards.addWidget(card)
        breakdowns = QHBoxLayout()
        breakdowns.addWidget(self.maf, 3)
        breakdowns.addWidget(self.zygosity, 2)
        breakdowns.addWidget(self.types, 2)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(cards)
        body.addWidget(self.chromosomes)
        body.addLayout(breakdowns)
        body.addWidget(self.flagged_title)
        body.addWidget(self.flagged_note)
        body.addWidget(self.flagged, 1)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(header)
        layout.addWidget(self.provenance)
        layout.addWidget(self.status)
        layout.addWidget(self.rsid_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        layout.addWidget(self.findings)
        layout.addWidget(self.body, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.clear()

    # -- what is shown ------------------------------------------------------------------------
    def clear(self) -> None:
        self._generation += 1
        self.summary = None
        self.title.setText(NO_SAMPLE)
        self.provenance.clear()
        self.status.clear()
        self.status.hide()
        self.rsid_button.hide()
        self.key = None
        self.message.clear()
        self.findings.clear()
        self.body.hide()
        self.export_button.setEnabled(False)

    def show_sample(self, path: Path | str, title: str | None = None,
                    run: dict[str, Any] | None = None) -> Job | SampleSummary | None:
        """Summarise `path` on the pool (at once without one) and show it when done."""
        self._generation += 1
        generation = self._generation
        path = Path(path)
        self.key = title
        self.rsid_button.hide()
        self.title.setText(f"<b>{html.escape(title or path.parent.name)}</b>")
        self.provenance.clear()
        self.message.setText("Counting…")
        self.export_button.setEnabled(False)
        modules_state = self.modules_state

        def work(job: Job) -> tuple[SampleSummary, ModulesState | None]:
            summary = summarize(path, sample=title, run=run)
            return summary, modules_state(path) if modules_state else None

        if self.jobs is None:
            try:
                result = work(Job("summary", work))
            except Exception as exc:  # noqa: BLE001 - shown, as the pool job would
                self._failed(generation, str(exc))
                return None
            self._done(generation, result)
            return result[0]
        job = Job(f"Summarise {title or path.name}", work, kind="summary", quiet=True)
        job.signals.finished.connect(lambda summary: self._done(generation, summary))
        job.signals.failed.connect(lambda reason: self._failed(generation, reason))
        return self.jobs.submit(job)

    def _failed(self, generation: int, reason: str) -> None:
        if generation != self._generation:
            return
        self.body.hide()
        self.status.hide()
        self.message.setText(f"Cannot summarise this sample: {html.escape(reason)}")

    def _done(self, generation: int, result: tuple[SampleSummary, ModulesState | None]) -> None:
        if generation != self._generation:
            return  # another sample was chosen meanwhile
        summary, state = result
        self.summary = summary
        self.message.clear()
        self.title.setText(f"<b>{html.escape(summary.sample)}</b>")
        self.provenance.setText(provenance(summary))
        self._show_status(summary)
        self._show_numbers(summary)
        self._show_charts(summary)
        flagged = summary.flagged
        self.flagged_model.set_frame(flagged)
        self.flagged.resizeColumnsToContents()
        self.flagged_title.setText(f"<b>Carried alleles with a clinical flag ({flagged.height:,})</b>"
                                   + ("" if flagged.height else ": none"))
        self.flagged.setVisible(bool(flagged.height))
        self.findings.show_findings(summary.findings, state, self.key)
        self.body.show()
        self.export_button.setEnabled(True)
        self.summary_shown.emit(summary)

    def _show_status(self, summary: SampleSummary) -> None:
        # Matched by position although its own rsIDs say another build: offer the other way.
        self.rsid_button.setVisible(self.key is not None and result_doubt(summary.run) is not None)
        if not summary.limitations:
            self.status.hide()
            return
        heading = ("Partial result: some of this sample was not looked up." if summary.partial
                   else "What this result could not do:")
        items = "".join(f"<li>{html.escape(note)}</li>" for note in summary.limitations)
        self.status.setText(f"<b>{heading}</b><ul style='margin: 2px 0 0 -20px'>{items}</ul>")
        self.status.setStyleSheet("#summaryStatus { background: palette(alternate-base); "
                                  f"border-left: 4px solid {'#d9822b' if summary.partial else '#888'};"
                                  " padding: 6px; }")
        self.status.show()

    def _show_numbers(self, summary: SampleSummary) -> None:
        share = f" ({100 * summary.matched / summary.allele_rows:.0f} %)" if summary.allele_rows else ""
        values = {"allele_rows": f"{summary.allele_rows:,}", "matched": f"{summary.matched:,}{share}",
                  "carried": f"{summary.carried:,}", "flagged": f"{summary.clinical.get('any', 0):,}",
                  "rare": f"{summary.rare_carried:,}"}
        for key, value in values.items():
            self.cards[key].value.setText(value)
        self.cards["flagged"].set_clickable(bool(summary.clinical), "Show the clinically flagged "
                                            "rows in the results table")
        self.cards["carried"].set_clickable(True, "Show the alleles you carry in the results "
                                                  "table")
        self.cards["rare"].set_clickable(True, "Show the rare alleles you carry (the site's minor "
                                               "allele, MAF < 1 %) in the results table")

    def _show_charts(self, summary: SampleSummary) -> None:
        gaps = summary.chromosomes_not_looked_up
        chromosomes = sorted({*summary.per_chromosome, *gaps}, key=sort_key)
        counts = [summary.per_chromosome.get(c, 0) for c in chromosomes]
        self.chromosomes.set_data(
            chromosomes, counts,
            [f"chromosome {c}: " + (GAP_NOTE if c in gaps else f"{n:,} carried alleles")
             + " (click to show its rows)" for c, n in zip(chromosomes, counts)], gaps)
        bins = summary.maf_histogram
        labels = [maf_bin_label(b["from"], b["to"]).removesuffix(" %") for b in bins]
        tips = [f"MAF {label} %: {b['count']:,} carried alleles"
                + (" (rare: click to show the rare rows)" if b["to"] <= RARE_MAF else "")
                for label, b in zip(labels, bins)]
        if summary.maf_unknown:
            tips = [f"{tip}; {summary.maf_unknown:,} carried alleles have no frequency" for tip in tips]
        self.maf.set_data(labels, [b["count"] for b in bins], tips)
        carried = summary.carried_by_zygosity
        self.zygosity.set_data(list(carried), list(carried.values()),
                               [f"{k}: {v:,} carried alleles (click to show them)"
                                for k, v in carried.items()])
        self.types.set_data(list(summary.tsa), list(summary.tsa.values()),
                            [f"{k}: {v:,} carried alleles" + ("" if k == UNMATCHED
                                                               else " (click to show the rows)")
                             for k, v in summary.tsa.items()])

    def reload_findings(self) -> Job | SampleFindings | None:
        """The findings of the sample shown, read again (they were made again, or the modules
        changed): only they, not the numbers (a genome's take seconds)."""
        summary = self.summary
        if summary is None:
            return None
        generation, key, modules_state = self._generation, self.key, self.modules_state

        def work(job: Job) -> tuple[SampleFindings | None, ModulesState | None]:
            found = read_sample_findings(summary.path, summary.sample)
            return found, modules_state(summary.path) if modules_state else None

        def done(result: tuple[SampleFindings | None, ModulesState | None]) -> None:
            if generation == self._generation and self.summary is summary:
                summary.findings = result[0]  # the report exported next says the same
                self.findings.show_findings(result[0], result[1], key)

        def failed(reason: str) -> None:
            if generation == self._generation:
                self.message.setText("The annotation modules' findings cannot be read: "
                                     f"{html.escape(reason)}")

        if self.jobs is None:
            try:
                done(work(Job("findings", work)))
            except UserError as exc:
                failed(str(exc))
            return summary.findings
        job = Job(f"Read the findings of {summary.sample}", work, kind="summary", quiet=True)
        job.signals.finished.connect(done)
        job.signals.failed.connect(failed)
        return self.jobs.submit(job)

    # -- clicks lead to the table -------------------------------------------------------------
    def _chromosome_clicked(self, drawn: int) -> None:
        chrom = self.chromosomes.labels[self.chromosomes.index_of(drawn)]
        self.filter_requested.emit(chromosome_filter(chrom), False, False, True)

    def _maf_clicked(self, drawn: int) -> None:
        if self.summary is not None and self.summary.maf_histogram[drawn]["to"] <= RARE_MAF:
            self.filter_requested.emit("", False, True, True)

    def _word_clicked(self, chart: BarChart, drawn: int) -> None:
        word = chart.labels[chart.index_of(drawn)]
        if word not in (UNMATCHED, NOT_JUDGED):
            self.filter_requested.emit(word, False, False, True)

    def _variant_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.filter_requested.emit(variant_filter(self.flagged_model.row(index.row())),
                                       False, False, True)

    # -- the report ---------------------------------------------------------------------------
    def suggested_report_path(self) -> Path:
        assert self.summary is not None
        name = self.summary.sample.replace("/", "_") + "_report.html"
        folder = self.summary.path.parent
        return (folder if folder.is_dir() else Path.home()) / name

    def ask_export(self) -> None:
        if self.summary is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the report",
                                              str(self.suggested_report_path()),
                                              "HTML report (*.html)")
        if path:
            self.export(Path(path) if Path(path).suffix else Path(path).with_suffix(".html"))

    def export(self, path: Path) -> Job | Path:
        """Write the HTML report of the summary on screen (on the pool when there is one)."""
        summary = self.summary
        assert summary is not None

        def work(job: Job) -> Path:
            return write_report(summary, path)

        if self.jobs is None:
            written = work(Job("report", work))
            self._written(written)
            return written
        job = Job(f"Export report {path.name}", work, kind="export")
        job.signals.finished.connect(self._written)
        job.signals.failed.connect(lambda reason: self.message.setText(
            f"Report not saved: {html.escape(reason)}"))
        return self.jobs.submit(job)

    def _written(self, path: Path) -> None:
        url = QUrl.fromLocalFile(str(path)).toString()
        self.message.setText(f"Report saved: <a href='{url}'>{html.escape(str(path))}</a>")
        self.report_written.emit(str(path))


