"""The metrics panel: a live CPU/memory chart of the running job and the finished run's numbers.

The chart is painted by hand (a few hundred points, two lines): lighter than QtCharts and the same
on every platform and theme.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import psutil
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

CPU_COLOR = QColor("#2e86de")
MEMORY_COLOR = QColor("#e67e22")


class MetricsChart(QWidget):
    """CPU % (left scale, 100 % per core) and resident memory (right scale) over time."""

    def __init__(self, parent: QWidget | None = None, capacity: int = 600):
        super().__init__(parent)
        self.samples: deque[tuple[float, float, float]] = deque(maxlen=capacity)
        self.cpu_ceiling = 100.0 * (psutil.cpu_count() or 1)
        self.setMinimumHeight(120)

    def clear(self) -> None:
        self.samples.clear()
        self.update()

    def add(self, elapsed_sec: float, cpu_percent: float, rss_mb: float) -> None:
        self.samples.append((elapsed_sec, cpu_percent, rss_mb))
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        grid = palette.color(QPalette.ColorRole.Mid)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        metrics = self.fontMetrics()
        left, right = metrics.horizontalAdvance("200 %") + 8, metrics.horizontalAdvance("9999 MB") + 8
        top, bottom = metrics.height(), metrics.height() + 4
        plot = QRectF(left, top, max(self.width() - left - right, 10),
                      max(self.height() - top - bottom, 10))
        painter.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
        for i in range(5):
            y = plot.top() + plot.height() * i / 4
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QPen(grid, 1))
        painter.drawRect(plot)

        peak_mb = max((s[2] for s in self.samples), default=0.0)
        memory_ceiling = _nice_ceiling(max(peak_mb, 64.0))
        painter.setPen(CPU_COLOR)
        painter.drawText(QRectF(0, plot.top() - metrics.height(), left - 4, metrics.height()),
                         Qt.AlignmentFlag.AlignRight, f"{self.cpu_ceiling:.0f} %")
        painter.drawText(QRectF(0, plot.bottom() - metrics.height(), left - 4, metrics.height()),
                         Qt.AlignmentFlag.AlignRight, "0 %")
        painter.setPen(MEMORY_COLOR)
        painter.drawText(QRectF(plot.right() + 4, plot.top() - metrics.height(), right, metrics.height()),
                         Qt.AlignmentFlag.AlignLeft, f"{memory_ceiling:.0f} MB")
        painter.drawText(QRectF(plot.right() + 4, plot.bottom() - metrics.height(), right,
                                metrics.height()), Qt.AlignmentFlag.AlignLeft, "0 MB")

        if len(self.samples) < 2:
            painter.setPen(text)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "CPU and memory appear here while a job runs")
            return
        t0, t1 = self.samples[0][0], self.samples[-1][0]
        span = max(t1 - t0, 1e-6)
        for position, ceiling, color in ((1, self.cpu_ceiling, CPU_COLOR), (2, memory_ceiling, MEMORY_COLOR)):
            path = QPainterPath()
            for i, sample in enumerate(self.samples):
                x = plot.left() + plot.width() * (sample[0] - t0) / span
                y = plot.bottom() - plot.height() * min(sample[position] / ceiling, 1.0)
                path.moveTo(x, y) if i == 0 else path.lineTo(x, y)
            painter.setPen(QPen(color, 2))
            painter.drawPath(path)
        last = self.samples[-1]
        painter.setPen(text)
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignLeft,
                         f"{span:.1f} s   CPU {last[1]:.0f} %   memory {last[2]:.0f} MB (peak {peak_mb:.0f})")


def _nice_ceiling(value: float) -> float:
    step = 64.0
    while step < value:
        step *= 2
    return step


class MetricsPanel(QWidget):
    """The live chart on top, the last finished run's numbers below."""

    FIELDS = (("duration_sec", "Annotation time", "{:.2f} s"),
              ("process_duration_sec", "Process wall time", "{:.2f} s"), ("cpu_percent", "CPU", "{:.0f} %"),
              ("peak_memory_mb", "Peak memory", "{:.0f} MB"), ("file_size_mb", "Output size", "{:.2f} MB"),
              ("rows_in", "VCF records", "{:,}"), ("rows_out", "Allele rows", "{:,}"),
              ("alleles_matched", "Matched to an rsID", "{:,}"))

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.chart = MetricsChart()
        self.live_title = QLabel("No job running")
        box = QGroupBox("Last finished run")
        form = QFormLayout(box)
        form.setVerticalSpacing(1)
        self.values: dict[str, QLabel] = {}
        for key, label, _ in self.FIELDS:
            self.values[key] = QLabel("–")
            self.values[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, self.values[key])
        self.run_title = QLabel("")
        form.insertRow(0, "Sample", self.run_title)
        # Never squeezed below what its values need: the chart beside it takes the slack.
        box.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        widest = self.fontMetrics().horizontalAdvance("99,999,999 MB")
        for value in self.values.values():
            value.setMinimumWidth(widest)
        live = QVBoxLayout()
        live.addWidget(self.live_title)
        live.addWidget(self.chart, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(live, 1)
        layout.addWidget(box)

    def start(self, title: str) -> None:
        self.chart.clear()
        self.live_title.setText(f"Running: {title}")

    def add_sample(self, sample: Any) -> None:
        self.chart.add(sample.elapsed_sec, sample.cpu_percent, sample.rss_mb)

    def stop(self, message: str) -> None:
        self.live_title.setText(message)

    def show_run(self, metadata: dict[str, Any]) -> None:
        self.run_title.setText(metadata.get("partition_key") or metadata.get("source_vcf") or "")
        for key, _, fmt in self.FIELDS:
            value = metadata.get(key)
            self.values[key].setText("–" if value is None else fmt.format(value))
