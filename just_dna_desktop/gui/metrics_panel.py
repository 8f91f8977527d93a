"""The metrics panel: a live CPU/memory chart of the running job and the finished run's numbers.

The chart is QtCharts, styled from the palette like the Summary tab's (gui/chart_theme.py): CPU %
on the left axis (100 % per core), resident memory on the right, seconds along the bottom, and
a tooltip with both values at the hovered moment.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import psutil
from PySide6.QtCharts import QChart, QLineSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSizePolicy, QToolTip,
                               QVBoxLayout, QWidget)

from .chart_theme import ThemedChartView
from .elided_label import ElidedLabel
from .plain_text import plain, tooltip

EMPTY_TITLE = "CPU and memory appear here while a job runs"


class MetricsChart(ThemedChartView):
    """CPU % (left scale, 100 % per core) and resident memory (right scale) over time."""

    def __init__(self, parent: QWidget | None = None, capacity: int = 600):
        self.samples: deque[tuple[float, float, float]] = deque(maxlen=capacity)
        # The run's own figure once it has ended (its runner samples more often than this chart):
        # the legend then says the peak the run card and the Runs tab say.
        self.recorded_peak: float | None = None
        self.cpu_ceiling = 100.0 * (psutil.cpu_count() or 1)
        chart = QChart()
        self.cpu_series = QLineSeries(name="CPU %")
        self.memory_series = QLineSeries(name="memory MB")
        self.time_axis = QValueAxis(labelFormat="%.0f s")
        self.time_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.time_axis.setTickAnchor(0.0)
        self.cpu_axis = QValueAxis(labelFormat="%.0f %%", tickCount=5)
        self.memory_axis = QValueAxis(labelFormat="%.0f MB", tickCount=5)
        chart.addAxis(self.time_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.cpu_axis, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(self.memory_axis, Qt.AlignmentFlag.AlignRight)
        for series, axis in ((self.cpu_series, self.cpu_axis), (self.memory_series, self.memory_axis)):
            chart.addSeries(series)
            series.attachAxis(self.time_axis)
            series.attachAxis(axis)
            series.hovered.connect(self._hovered)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        super().__init__(chart, parent)
        self.setMinimumHeight(140)
        self.clear()

    def clear(self) -> None:
        self.recorded_peak = None
        self.samples.clear()
        self.cpu_series.clear()
        self.memory_series.clear()
        self._set_ranges()
        self.cpu_series.setName("CPU %")
        self.memory_series.setName("memory MB")
        self.chart().setTitle(EMPTY_TITLE)

    def add(self, elapsed_sec: float, cpu_percent: float, rss_mb: float) -> None:
        if rss_mb <= 0:
            return  # the process has just ended: no memory is not a reading
        if len(self.samples) == self.samples.maxlen:  # the oldest point leaves the chart too
            self.cpu_series.remove(0)
            self.memory_series.remove(0)
        self.samples.append((elapsed_sec, cpu_percent, rss_mb))
        self.cpu_series.append(elapsed_sec, cpu_percent)
        self.memory_series.append(elapsed_sec, rss_mb)
        self._set_ranges()
        # The legend carries the latest values: no title row above the plot.
        self.chart().setTitle("")
        self.cpu_series.setName(f"CPU {cpu_percent:.0f} %")
        self._name_memory()

    @property
    def peak(self) -> float:
        """The peak the legend shows: the run's recorded one when it has ended, else the highest
        sample drawn."""
        drawn = max((s[2] for s in self.samples), default=0.0)
        return self.recorded_peak if self.recorded_peak is not None else drawn

    def set_recorded_peak(self, peak_mb: float | None) -> None:
        """The ended run's peak memory as its record has it."""
        if peak_mb is None:
            return
        self.recorded_peak = float(peak_mb)
        self._name_memory()
        self._set_ranges()

    def _name_memory(self) -> None:
        if self.samples:
            self.memory_series.setName(f"memory {self.samples[-1][2]:.0f} MB "
                                       f"(peak {self.peak:.0f})")
        elif self.recorded_peak is not None:  # a run too short for the chart to sample
            self.memory_series.setName(f"memory (peak {self.peak:.0f})")

    def _set_ranges(self) -> None:
        start = self.samples[0][0] if self.samples else 0.0
        end = self.samples[-1][0] if self.samples else 0.0
        span = max(end - start, 10.0)
        self.time_axis.setRange(start, start + span)
        self.time_axis.setTickInterval(_nice_step(span / 5))
        self.cpu_axis.setRange(0.0, self.cpu_ceiling)
        self.memory_axis.setRange(0.0, _nice_ceiling(max(self.peak, 64.0)))

    def _hovered(self, point: QPointF, state: bool) -> None:
        if not state or not self.samples:
            QToolTip.hideText()
            return
        nearest = min(self.samples, key=lambda s: abs(s[0] - point.x()))
        QToolTip.showText(QCursor.pos(), f"{nearest[0]:.1f} s: CPU {nearest[1]:.0f} %, "
                                         f"memory {nearest[2]:.0f} MB", self)


def _nice_step(value: float) -> float:
    """1, 2 or 5 times a power of ten, at or above `value`."""
    step = 1.0
    while step * 10 < value:
        step *= 10
    while step > value and step > 1e-3:
        step /= 10
    return next(step * m for m in (1, 2, 5, 10) if step * m >= value)


def _nice_ceiling(value: float) -> float:
    step = 64.0
    while step < value:
        step *= 2
    return step


class MetricsPanel(QWidget):
    """The live chart beside the last finished run's numbers; idle (no job running), one line
    instead: the panel then takes a line of the window, not a third of it (issue 21)."""

    FIELDS = (("duration_sec", "Annotation time", "{:.2f} s"),
              ("process_duration_sec", "Process wall time", "{:.2f} s"), ("cpu_percent", "CPU", "{:.0f} %"),
              ("peak_memory_mb", "Peak memory", "{:.0f} MB"), ("file_size_mb", "Output size", "{:.2f} MB"),
              ("rows_in", "Records in", "{:,}"), ("rows_out", "Result rows", "{:,}"),
              ("alleles_matched", "Matched to an rsID", "{:,}"),
              ("alleles_not_looked_up", "Not looked up", "{:,}"))

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.chart = MetricsChart()
        self.live_title = ElidedLabel("No job running")  # a long failure never widens the window
        box = QGroupBox("Last finished run")
        form = QFormLayout(box)
        form.setVerticalSpacing(1)
        self.values: dict[str, QLabel] = {}
        for key, label, _ in self.FIELDS:
            self.values[key] = plain(QLabel("–"))
            self.values[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, self.values[key])
        self.run_title = ElidedLabel("", mode=Qt.TextElideMode.ElideMiddle)
        form.insertRow(0, "Sample", self.run_title)
        # Never squeezed below what its values need: the chart beside it takes the slack.
        box.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        widest = self.fontMetrics().horizontalAdvance("99,999,999 MB")
        for value in self.values.values():
            value.setMinimumWidth(widest)
        self.box = box
        self.idle_line = ElidedLabel("No job running", mode=Qt.TextElideMode.ElideMiddle)
        self.idle_line.hide()
        live = QVBoxLayout()
        live.addWidget(self.live_title)
        live.addWidget(self.chart, 1)
        live.addWidget(self.idle_line)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(live, 1)
        layout.addWidget(box)
        self.idle = False
        self._last_run: dict[str, Any] = {}

    def set_idle(self, idle: bool) -> None:
        """Idle: the chart and the figures give way to one line about the last run."""
        self.idle = idle
        self.live_title.setVisible(not idle)
        self.chart.setVisible(not idle)
        self.box.setVisible(not idle)
        self.idle_line.setText(idle_text(self._last_run))
        self.idle_line.setVisible(idle and bool(self._last_run))  # the jobs list says the rest
        self.updateGeometry()

    def start(self, title: str) -> None:
        self.chart.clear()
        self.live_title.setText(f"Running: {title}")

    def add_sample(self, sample: Any) -> None:
        self.chart.add(sample.elapsed_sec, sample.cpu_percent, sample.rss_mb)

    def stop(self, message: str) -> None:
        self.live_title.setText(message)

    def show_run(self, metadata: dict[str, Any]) -> None:
        """The finished run's numbers; the chart of that run takes its recorded peak, so the two
        never say different figures."""
        self.chart.set_recorded_peak(metadata.get("peak_memory_mb"))
        self._last_run = dict(metadata)
        self.idle_line.setText(idle_text(self._last_run))
        self.run_title.setText(metadata.get("partition_key") or metadata.get("source_vcf") or "")
        for key, _, fmt in self.FIELDS:
            value = metadata.get(key)
            self.values[key].setText("–" if value is None else fmt.format(value))
        # A partial result says which chromosomes the reference cache lacked.
        missing = metadata.get("reference_chromosomes_missing") or []
        not_looked_up = self.values["alleles_not_looked_up"]
        not_looked_up.setToolTip(tooltip("Partial: the reference cache has no file for "
                                         f"chromosome(s) {', '.join(map(str, missing))}")
                                 if missing else "")
        if missing:
            where = f"chr {', '.join(missing)}" if len(missing) <= 3 else f"{len(missing)} chromosomes"
            not_looked_up.setText(f"{not_looked_up.text()} ({where})")


def idle_text(metadata: dict[str, Any]) -> str:
    """No job running, and the last run's figures in a line."""
    if not metadata:
        return "No job running"
    parts = [f"{metadata[key]:{fmt}}{unit}" for key, fmt, unit in (
        ("duration_sec", ".1f", " s"), ("peak_memory_mb", ".0f", " MB peak"),
        ("alleles_matched", ",", " matched")) if isinstance(metadata.get(key), (int, float))]
    name = metadata.get("partition_key") or ""
    return f"No job running. Last run {name}: {', '.join(parts)}" if parts else "No job running"
