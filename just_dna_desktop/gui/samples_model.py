"""The users -> samples tree: a two-level Qt model fed with the workspace's samples.

Rows are updated in place (insert/remove/dataChanged, never a reset), so a live feed from the
folder watcher keeps the person's selection and expanded users. Internal ids: 0 marks a user row;
`n + 1` marks a sample row under user number n.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

from .plain_text import as_html, tooltip

Index = QModelIndex | QPersistentModelIndex
USER_ROW = 0

KEY_ROLE = Qt.ItemDataRole.UserRole + 1    # "user/sample" for samples, "user" for users
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 3  # the SampleEntry

# state -> (colour, glyph, what it means)
STATES = {
    "new": ("#2e86de", "+", "New: not annotated yet"),
    "queued": ("#7f8c8d", "…", "Queued: waiting for its turn"),
    "running": ("#2e86de", "▶", "Annotating"),
    "annotated": ("#27ae60", "✓", "Annotated"),
    "partial": ("#d4ac0d", "◐", "Partial: the reference lacks some of this sample's chromosomes, "
                             "so their variants were not looked up"),
    "doubtful": ("#d35400", "?", "Doubtful: its matches may be wrong (the file seems to be on "
                                 "another genome build than the one it was matched by); its "
                                 "Summary says why and offers Annotate by rsID"),
    "failed": ("#c0392b", "!", "Failed"),
    "stale": ("#e67e22", "↻", "Stale: the VCF or the reference changed since it was annotated"),
    "damaged": ("#d35400", "⚠", "Damaged: its result file changed after it was written, so it "
                                "is annotated again"),
    "cancelled": ("#7f8c8d", "×", "Cancelled"),
}


@dataclass
class SampleEntry:
    user: str
    sample: str
    state: str = "new"
    vcf_path: Path | None = None
    output_path: Path | None = None
    detail: str = ""        # the failure reason, the last run's summary, ...
    progress: float | None = None  # 0..1 while running
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.user}/{self.sample}"


def state_icon(state: str, size: int = 16) -> QIcon:
    color, glyph, _ = STATES.get(state, STATES["new"])
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(color), 1))
    painter.setBrush(QColor(color))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    font = QFont()
    font.setPixelSize(int(size * 0.7))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, glyph)
    painter.end()
    return QIcon(pixmap)


class SamplesModel(QAbstractItemModel):
    counts_changed = Signal(int, int)  # users, samples

    def __init__(self, parent=None):
        super().__init__(parent)
        self._users: list[str] = []
        self._samples: dict[str, list[SampleEntry]] = {}
        self._icons: dict[str, QIcon] = {}

    # -- feeding -----------------------------------------------------------------------------
    def set_entries(self, entries: Iterable[SampleEntry], users: Iterable[str] = ()) -> None:
        """Make the tree show exactly these samples (and these users, even with no sample yet)."""
        wanted: dict[str, dict[str, SampleEntry]] = {u: {} for u in users}
        for entry in entries:
            wanted.setdefault(entry.user, {})[entry.sample] = entry
        for row in reversed(range(len(self._users))):
            if self._users[row] not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                user = self._users.pop(row)
                del self._samples[user]
                self.endRemoveRows()
        for user in sorted(wanted, key=str.casefold):
            if user not in self._samples:
                row = self._insertion_row(self._users, user)
                self.beginInsertRows(QModelIndex(), row, row)
                self._users.insert(row, user)
                self._samples[user] = []
                self.endInsertRows()
            self._merge_samples(user, wanted[user])
        self.counts_changed.emit(len(self._users), sum(len(s) for s in self._samples.values()))

    def _merge_samples(self, user: str, wanted: dict[str, SampleEntry]) -> None:
        parent = self.index(self._users.index(user), 0)
        rows = self._samples[user]
        for row in reversed(range(len(rows))):
            if rows[row].sample not in wanted:
                self.beginRemoveRows(parent, row, row)
                rows.pop(row)
                self.endRemoveRows()
        present = {e.sample: i for i, e in enumerate(rows)}
        for name in sorted(wanted, key=str.casefold):
            entry = wanted[name]
            if name in present:
                row = [e.sample for e in rows].index(name)
                if rows[row] != entry:
                    rows[row] = entry
                    changed = self.index(row, 0, parent)
                    self.dataChanged.emit(changed, changed)
            else:
                row = self._insertion_row([e.sample for e in rows], name)
                self.beginInsertRows(parent, row, row)
                rows.insert(row, entry)
                self.endInsertRows()

    @staticmethod
    def _insertion_row(names: list[str], name: str) -> int:
        for row, existing in enumerate(names):
            if existing.casefold() > name.casefold():
                return row
        return len(names)

    def update_entry(self, key: str, **changes: Any) -> None:
        """Change one sample's fields (state, progress, detail) and repaint just that row."""
        index = self.index_of(key)
        if not index.isValid():
            return
        entry = self._samples[self._users[index.parent().row()]][index.row()]
        for name, value in changes.items():
            setattr(entry, name, value)
        self.dataChanged.emit(index, index)

    # -- lookups -----------------------------------------------------------------------------
    @property
    def users(self) -> list[str]:
        return list(self._users)

    def entries(self) -> list[SampleEntry]:
        return [e for u in self._users for e in self._samples[u]]

    def entry(self, index: Index) -> SampleEntry | None:
        if not index.isValid() or index.internalId() == USER_ROW:
            return None
        return self._samples[self._users[index.internalId() - 1]][index.row()]

    def user_of(self, index: Index) -> str | None:
        if not index.isValid():
            return None
        if index.internalId() == USER_ROW:
            return self._users[index.row()]
        return self._users[index.internalId() - 1]

    def index_of(self, key: str) -> QModelIndex:
        user, _, sample = key.partition("/")
        if user not in self._samples:
            return QModelIndex()
        user_index = self.index(self._users.index(user), 0)
        if not sample:
            return user_index
        for row, entry in enumerate(self._samples[user]):
            if entry.sample == sample:
                return self.index(row, 0, user_index)
        return QModelIndex()

    # -- QAbstractItemModel ------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, USER_ROW) if row < len(self._users) else QModelIndex()
        if parent.internalId() != USER_ROW or parent.row() >= len(self._users):
            return QModelIndex()
        samples = self._samples[self._users[parent.row()]]
        return self.createIndex(row, 0, parent.row() + 1) if row < len(samples) else QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == USER_ROW:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, USER_ROW)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._users)
        if parent.column() != 0 or parent.internalId() != USER_ROW:
            return 0
        return len(self._samples[self._users[parent.row()]])

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.internalId() == USER_ROW:
            return base | Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if section == 0 and orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "People and samples"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == USER_ROW:
            user = self._users[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                return user
            if role == KEY_ROLE:
                return user
            if role == Qt.ItemDataRole.ToolTipRole:
                count = len(self._samples[user])
                return tooltip(f"{user}: {count} sample{'s' if count != 1 else ''}. Drop a VCF "
                               "here to add one.")
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        entry = self.entry(index)
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if entry.state == "running" and entry.progress is not None:
                return f"{entry.sample}  ({entry.progress:.0%})"
            return entry.sample
        if role == Qt.ItemDataRole.DecorationRole:
            if entry.state not in self._icons:
                self._icons[entry.state] = state_icon(entry.state)
            return self._icons[entry.state]
        if role == Qt.ItemDataRole.ToolTipRole:
            # The detail (a failure, a file's first line) and the path come from files: escaped.
            meaning = STATES.get(entry.state, ("", "", entry.state))[2]
            lines = [meaning + (f" ({entry.progress:.0%})" if entry.state == "running"
                                and entry.progress is not None else "")]
            if entry.detail:
                lines.append(entry.detail)
            if entry.vcf_path:
                lines.append(f"File: {entry.vcf_path}")
            return f"<p><b>{as_html(entry.key)}</b><br>{'<br>'.join(map(as_html, lines))}</p>"
        if role == KEY_ROLE:
            return entry.key
        if role == STATE_ROLE:
            return entry.state
        if role == ENTRY_ROLE:
            return entry
        return None
