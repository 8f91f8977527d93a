"""The results table's column choices, remembered per column name across samples and restarts.

Kept in a QSettings INI file in the app-state folder (`{home}/window.ini`, beside settings.toml
and the run history), not in settings.toml: widths and ticks are the window's own state, changed
by dragging and clicking, not options anyone edits by hand; and being in the app-state folder,
they follow `--home`/`JUST_DNA_DESKTOP_HOME` like the rest of the program's state (a throw-away
demo workspace forgets them, tests never see the machine's). Without a QSettings they live in
memory only.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings

from ..core.results.columns import DEFAULT_PRESET, column_info, preset_columns

WIDTHS = "results/column_widths"
VISIBLE = "results/visible_columns"
KNOWN = "results/known_columns"  # every column offered when the person last chose


class ColumnMemory:
    def __init__(self, store: QSettings | None = None):
        self.store = store
        self._memory: dict[str, Any] = {}

    def _get(self, key: str, default: Any) -> Any:
        if self.store is None:
            return self._memory.get(key, default)
        raw = self.store.value(key)
        try:
            return json.loads(raw) if isinstance(raw, str) else default
        except ValueError:
            return default

    def _set(self, key: str, value: Any) -> None:
        if self.store is None:
            self._memory[key] = value
        else:
            self.store.setValue(key, json.dumps(value))

    # -- widths -----------------------------------------------------------------------------
    def width(self, name: str) -> int | None:
        value = self._get(WIDTHS, {}).get(name)
        return int(value) if isinstance(value, (int, float)) and value > 0 else None

    def set_width(self, name: str, width: int) -> None:
        widths = self._get(WIDTHS, {})
        widths[name] = int(width)
        self._set(WIDTHS, widths)

    def forget_widths(self) -> None:
        self._set(WIDTHS, {})

    # -- visible columns ----------------------------------------------------------------------
    def visible(self, available: list[str]) -> list[str]:
        """The columns to show of `available`: the person's last choice for the columns they
        were offered then, the default preset for columns they never saw."""
        chosen = set(self._get(VISIBLE, []))
        known = set(self._get(KNOWN, []))
        default = set(preset_columns(DEFAULT_PRESET, available))
        return [c for c in available
                if column_info(c).always_visible or (c in chosen if c in known else c in default)]

    def choose(self, visible: list[str], available: list[str]) -> None:
        """The person picked `visible` among `available`."""
        known = set(self._get(KNOWN, [])) | set(available)
        chosen = (set(self._get(VISIBLE, [])) - set(available)) | set(visible)
        self._set(KNOWN, sorted(known))
        self._set(VISIBLE, sorted(chosen))

    def reset(self) -> None:
        self._set(VISIBLE, [])
        self._set(KNOWN, [])
        self.forget_widths()
