"""Bar charts as inline SVG text, for the HTML report: no library, no script, nothing to load.

Colours are CSS classes (`bar`, `gap`, `axis`, `grid`, `label`) the report's stylesheet paints, so
one chart serves the screen, dark mode and print. Each bar has a `<title>`: the browser's tooltip.
"""

from __future__ import annotations

import math
from html import escape
from typing import Sequence

FONT_PX = 12
CHAR_PX = 7.0  # an average character at 12 px, to size the label gutters


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum` (steps of 1, 2 or 5 times a power of ten)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1) if maximum >= 1 else step
    top = step * math.ceil(maximum / step)
    return [round(i * step, 10) for i in range(int(round(top / step)) + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3g}"


def column_chart(labels: Sequence[str], values: Sequence[float], *, title: str, x_label: str,
                 y_label: str, width: int = 720, height: int = 260,
                 tooltips: Sequence[str] | None = None,
                 gaps: Sequence[str] = (), gap_note: str = "not looked up") -> str:
    """Vertical bars with a value axis on the left and a category under each bar. Categories in
    `gaps` (chromosomes not looked up) get a dashed frame the plot's height, and `gap_note` in
    their tooltip."""
    ticks = nice_ticks(max(values, default=0))
    left = 12 + FONT_PX + CHAR_PX * max(len(_number(t)) for t in ticks)
    rotate = max((len(label) for label in labels), default=0) * CHAR_PX > (width - left) / max(len(labels), 1)
    bottom = (CHAR_PX * max((len(label) for label in labels), default=1) * 0.72 + 34) if rotate else 40
    top, right = 10, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [_open(width, height, title)]
    parts += _value_axis(ticks, left, top, plot_w, plot_h, horizontal=False)
    slot = plot_w / max(len(labels), 1)
    bar_w = min(max(slot * 0.7, 1), 48)  # a few categories still look like bars, not walls
    for i, (label, value) in enumerate(zip(labels, values)):
        x = left + i * slot + (slot - bar_w) / 2
        h = plot_h * value / ticks[-1]
        tip = tooltips[i] if tooltips else f"{label}: {_number(value)}"
        if label in gaps:
            tip = f"{label}: {gap_note}"
            parts.append(f'<rect class="gap" x="{x:.1f}" y="{top:.1f}" width="{bar_w:.1f}" '
                         f'height="{plot_h:.1f}"><title>{escape(tip)}</title></rect>')
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                     f'height="{h:.1f}"><title>{escape(tip)}</title></rect>')
        cx, cy = left + i * slot + slot / 2, top + plot_h + 14
        if rotate:
            parts.append(f'<text class="label" x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" '
                         f'transform="rotate(-40 {cx:.1f} {cy:.1f})">{escape(label)}</text>')
        else:
            parts.append(f'<text class="label" x="{cx:.1f}" y="{cy:.1f}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<text class="label axis-title" x="{left + plot_w / 2:.1f}" y="{height - 4}" '
                 f'text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text class="label axis-title" x="{FONT_PX}" y="{top + plot_h / 2:.1f}" '
                 f'text-anchor="middle" transform="rotate(-90 {FONT_PX} {top + plot_h / 2:.1f})">'
                 f'{escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def row_chart(labels: Sequence[str], values: Sequence[float], *, title: str, value_label: str,
              width: int = 360, row_height: int = 24, gaps: Sequence[str] = (),
              gap_note: str = "not looked up") -> str:
    """Horizontal bars, one row per category, the value written at the end of each bar (for a
    category in `gaps`, a dashed frame and `gap_note` instead). 360 wide: drawn at full size on a
    phone too."""
    ticks = nice_ticks(max(values, default=0))
    left = 10 + CHAR_PX * max((len(label) for label in labels), default=4)
    right = 14 + CHAR_PX * max((len(_number(v)) for v in values), default=1)
    top, bottom = 6, 22
    plot_w = width - left - right
    height = int(top + bottom + row_height * max(len(labels), 1))
    plot_h = height - top - bottom
    parts = [_open(width, height, title)]
    # Each bar carries its value, so the axis keeps its grid but not its labels (long counts
    # would run into each other).
    parts += _value_axis(ticks, left, top, plot_w, plot_h, horizontal=True, labels=False)
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + i * row_height + row_height * 0.15
        w = plot_w * value / ticks[-1]
        middle = y + row_height * 0.35 + FONT_PX * 0.35
        parts.append(f'<text class="label" x="{left - 6:.1f}" y="{middle:.1f}" '
                     f'text-anchor="end">{escape(label)}</text>')
        if label in gaps:
            parts.append(f'<rect class="gap" x="{left:.1f}" y="{y:.1f}" width="{plot_w:.1f}" '
                         f'height="{row_height * 0.7:.1f}"><title>{escape(label)}: '
                         f'{escape(gap_note)}</title></rect>')
            parts.append(f'<text class="label axis-title" x="{left + 6:.1f}" y="{middle:.1f}">'
                         f'{escape(gap_note)}</text>')
            continue
        parts.append(f'<rect class="bar" x="{left:.1f}" y="{y:.1f}" width="{w:.1f}" '
                     f'height="{row_height * 0.7:.1f}"><title>{escape(label)}: {_number(value)}'
                     f'</title></rect>')
        parts.append(f'<text class="label" x="{left + w + 4:.1f}" y="{middle:.1f}">'
                     f'{_number(value)}</text>')
    parts.append(f'<text class="label axis-title" x="{left + plot_w / 2:.1f}" y="{height - 4}" '
                 f'text-anchor="middle">{escape(value_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
            f'font-size="{FONT_PX}"><title>{escape(title)}</title>')


def _value_axis(ticks: list[float], left: float, top: float, plot_w: float, plot_h: float,
                horizontal: bool, labels: bool = True) -> list[str]:
    """Grid lines and tick labels of the value axis, and the two axis lines."""
    parts = []
    for tick in ticks:
        share = tick / ticks[-1]
        if horizontal:
            x = left + plot_w * share
            parts.append(f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                         f'y2="{top + plot_h:.1f}"/>')
            if labels:
                parts.append(f'<text class="label" x="{x:.1f}" y="{top + plot_h + 14:.1f}" '
                             f'text-anchor="middle">{_number(tick)}</text>')
        else:
            y = top + plot_h - plot_h * share
            parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w:.1f}" '
                         f'y2="{y:.1f}"/>')
            parts.append(f'<text class="label" x="{left - 5:.1f}" y="{y + 4:.1f}" '
                         f'text-anchor="end">{_number(tick)}</text>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h:.1f}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top + plot_h:.1f}" x2="{left + plot_w:.1f}" '
                 f'y2="{top + plot_h:.1f}"/>')
    return parts
