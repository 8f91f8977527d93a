"""The lineage picture: Hugging Face repo -> local reference cache -> each user's annotated outputs.

The desktop form of the pipeline's asset graph: three columns of boxes joined by arrows, each box
coloured by its state (present, missing, stale), drawn with QPainter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

STATE_COLORS = {"ok": QColor("#27ae60"), "missing": QColor("#95a5a6"), "warn": QColor("#e67e22"),
                "error": QColor("#c0392b"), "running": QColor("#2e86de")}


@dataclass
class Node:
    title: str
    detail: str
    state: str = "ok"  # ok | missing | warn | error | running


class LineageView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.source = Node("Hugging Face", "just-dna-seq/ensembl_variations", "ok")
        self.cache = Node("Local reference", "not downloaded", "missing")
        self.outputs: list[Node] = []
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_graph(self, source: Node, cache: Node, outputs: list[Node]) -> None:
        self.source, self.cache, self.outputs = source, cache, outputs
        shown = max(len(outputs), 1)
        self.setMinimumHeight(max(170, 20 + min(shown, 8) * 46))
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        width, height = self.width(), self.height()
        box_w = min(230.0, (width - 80) / 3)
        gap = (width - 3 * box_w) / 4
        box_h = 40.0
        columns = [gap, 2 * gap + box_w, 3 * gap + 2 * box_w]
        middle = height / 2

        source_rect = QRectF(columns[0], middle - box_h / 2, box_w, box_h)
        cache_rect = QRectF(columns[1], middle - box_h / 2, box_w, box_h)
        outputs = self.outputs[:7] or [Node("Users' outputs", "none yet: drop a VCF", "missing")]
        if len(self.outputs) > 7:
            outputs = outputs[:6] + [Node(f"… {len(self.outputs) - 6} more", "", "ok")]
        step = min(box_h + 8, (height - 20) / len(outputs))
        first_y = middle - step * (len(outputs) - 1) / 2 - box_h / 2
        output_rects = [QRectF(columns[2], first_y + i * step, box_w, min(box_h, step - 4))
                        for i in range(len(outputs))]

        self._arrow(painter, source_rect, cache_rect, "download", palette)
        for rect in output_rects:
            self._arrow(painter, cache_rect, rect, "", palette)
        self._box(painter, source_rect, self.source, palette)
        self._box(painter, cache_rect, self.cache, palette)
        for rect, node in zip(output_rects, outputs):
            self._box(painter, rect, node, palette)

    def _box(self, painter: QPainter, rect: QRectF, node: Node, palette: QPalette) -> None:
        color = STATE_COLORS.get(node.state, STATE_COLORS["ok"])
        fill = QColor(color)
        fill.setAlpha(40)
        painter.setPen(QPen(color, 2))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        inner = rect.adjusted(8, 2, -6, -2)
        metrics = painter.fontMetrics()
        title = metrics.elidedText(node.title, Qt.TextElideMode.ElideRight, int(inner.width()))
        if node.detail and rect.height() >= 2 * metrics.height():
            painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), inner.height() / 2),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
            small = painter.font()
            small.setPointSizeF(small.pointSizeF() * 0.85)
            painter.save()
            painter.setFont(small)
            detail = painter.fontMetrics().elidedText(node.detail, Qt.TextElideMode.ElideMiddle,
                                                      int(inner.width()))
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(inner.left(), inner.center().y(), inner.width(), inner.height() / 2),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, detail)
            painter.restore()
        else:
            painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)

    def _arrow(self, painter: QPainter, start: QRectF, end: QRectF, label: str, palette: QPalette) -> None:
        a = QPointF(start.right(), start.center().y())
        b = QPointF(end.left(), end.center().y())
        path = QPainterPath(a)
        dx = (b.x() - a.x()) / 2
        path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
        pen = QPen(palette.color(QPalette.ColorRole.Mid), 1.5)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        head = QPainterPath(b)
        head.lineTo(b.x() - 8, b.y() - 4)
        head.lineTo(b.x() - 8, b.y() + 4)
        head.closeSubpath()
        painter.drawPath(head)
        if label:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(a.x(), a.y() - 18, b.x() - a.x(), 16), Qt.AlignmentFlag.AlignCenter, label)
