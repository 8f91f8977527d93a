"""Chart colours from the window's palette, through one function, light and dark.

Every QtCharts chart of the window (the Summary tab, the live metrics) is styled here: background,
titles, axes, grid and legend from the QPalette, series from `series_color`, which keeps a
hand-picked darker/lighter pair per hue so bars stay readable (about 3:1 against the background)
in both themes. `ThemedChartView` re-applies the style when the palette changes (the app follows
the system's theme live, gui/app.py).
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCharts import QAbstractBarSeries, QChart, QChartView, QXYSeries
from PySide6.QtCore import QEvent, QMargins, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

# (on a light background, on a dark one)
SERIES_COLORS = (
    ("#2e86de", "#5dade2"),  # blue: the main series (carried alleles, CPU)
    ("#d35400", "#f0a35a"),  # orange: the second (memory)
    ("#1e8449", "#58d68d"),  # green
    ("#7d3c98", "#bb8fce"),  # purple
    ("#c0392b", "#ec7063"),  # red
)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


@lru_cache(maxsize=64)
def _color(index: int, dark: bool) -> QColor:
    return QColor(SERIES_COLORS[index % len(SERIES_COLORS)][1 if dark else 0])


def series_color(palette: QPalette, index: int = 0) -> QColor:
    """The colour of series number `index` on this palette."""
    return QColor(_color(index, is_dark(palette)))


def style_chart(chart: QChart, palette: QPalette) -> None:
    """Background, text, axes, grid, legend and series colours of `chart` from `palette`."""
    text = palette.color(QPalette.ColorRole.WindowText)
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    grid = palette.color(QPalette.ColorRole.Mid)
    chart.setBackgroundBrush(QBrush(palette.color(QPalette.ColorRole.Base)))
    chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
    chart.setPlotAreaBackgroundVisible(False)
    chart.setTitleBrush(QBrush(text))
    chart.legend().setLabelColor(text)
    for axis in chart.axes():
        axis.setLabelsColor(text)
        axis.setTitleBrush(QBrush(muted))
        axis.setLinePenColor(muted)
        pen = QPen(grid, 1, Qt.PenStyle.DotLine)
        axis.setGridLinePen(pen)
        axis.setMinorGridLinePen(pen)
    for index, series in enumerate(chart.series()):
        if isinstance(series, QAbstractBarSeries):
            for offset, bar_set in enumerate(series.barSets()):
                color = series_color(palette, index + offset)
                bar_set.setColor(color)
                bar_set.setBorderColor(color)
                bar_set.setLabelColor(text)
        elif isinstance(series, QXYSeries):
            series.setPen(QPen(series_color(palette, index), 2))


class ThemedChartView(QChartView):
    """A chart view that styles its chart from the palette, now and whenever it changes."""

    def __init__(self, chart: QChart, parent: QWidget | None = None):
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.layout().setContentsMargins(0, 0, 0, 0)
        chart.setMargins(QMargins(4, 4, 12, 4))  # room for the last axis label on the right
        self.restyle()

    def restyle(self) -> None:
        style_chart(self.chart(), self.palette())
        self.setBackgroundBrush(QBrush(self.palette().color(QPalette.ColorRole.Base)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.restyle()
        super().changeEvent(event)
