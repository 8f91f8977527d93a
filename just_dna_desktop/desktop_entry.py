"""The Linux menu entry: install `just-dna-desktop.desktop` and its icon for the current user.

Follows the freedesktop specs: the entry goes to `$XDG_DATA_HOME/applications/`, the icon into
the `hicolor` theme under `$XDG_DATA_HOME/icons/` (default `~/.local/share`). The committed
entry says `Exec=just-dna-desktop`, which only works when that command is on PATH; the installed
copy points at the program actually running (the bundle's binary, or this environment's
launcher), so it works from wherever the person unpacked or installed it.

The entry declares no MIME type on purpose: `.vcf` is also the vCard extension (text/vcard), and
claiming it would offer this program for every address-book file.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .core.errors import UserError
from . import RESOURCES_DIR

APP_ID = "just-dna-desktop"
DESKTOP_FILE = RESOURCES_DIR / f"{APP_ID}.desktop"
ICONS_DIR = RESOURCES_DIR / "icons"
ICON_SVG = ICONS_DIR / f"{APP_ID}.svg"


@dataclass
class InstalledEntry:
    desktop_file: Path
    icons: list[Path] = field(default_factory=list)
    command: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"desktop_file": str(self.desktop_file), "icons": [str(p) for p in self.icons],
                "command": self.command}


def data_home(env: dict[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME`, or `~/.local/share` when it is unset or not absolute (as the spec says)."""
    env = os.environ if env is None else env
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def icon_pngs() -> dict[int, Path]:
    """{size: path} of the rendered PNG icons shipped in resources/icons."""
    found = {}
    for path in ICONS_DIR.glob(f"{APP_ID}-*.png"):
        size = path.stem.rsplit("-", 1)[1]
        if size.isdigit():
            found[int(size)] = path
    return dict(sorted(found.items()))


def launcher_command() -> list[str]:
    """How to start the window of the program that is running now."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle: its own binary
        return [str(Path(sys.executable).resolve())]
    scripts = Path(sys.executable).parent
    for name in (f"{APP_ID}-gui", APP_ID):  # the entry points of an installed/uv environment
        for candidate in (scripts / name, scripts / f"{name}.exe"):
            if candidate.is_file():
                return [str(candidate)]
    return [str(Path(sys.executable).resolve()), "-m", "just_dna_desktop"]


def quote_exec_argument(argument: str) -> str:
    """Quote one argument for an `Exec=` line (Desktop Entry spec, "The Exec key")."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`=")
    if argument and not (set(argument) & reserved):
        return argument.replace("%", "%%")
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    # Inside a desktop-file string value the backslash itself is escaped once more.
    return '"' + escaped.replace("\\", "\\\\").replace("%", "%%") + '"'


def render_entry(template: str, command: list[str]) -> str:
    """The committed entry with `Exec` (and `TryExec`) pointing at `command`."""
    exec_line = " ".join(quote_exec_argument(a) for a in command)
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line}"
        elif line.startswith("TryExec="):
            # TryExec takes a plain path (no quoting rules); it must name the executable itself.
            line = f"TryExec={command[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _targets(base: Path) -> tuple[Path, dict[Path, Path]]:
    desktop = base / "applications" / f"{APP_ID}.desktop"
    hicolor = base / "icons" / "hicolor"
    icons = {source: hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
             for size, source in icon_pngs().items()}
    icons[ICON_SVG] = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    return desktop, icons


def _require_linux() -> None:
    if not sys.platform.startswith("linux"):
        raise UserError("a menu entry is installed this way only on Linux; on macOS drag "
                        "just-dna-desktop.app into Applications, on Windows pin the .exe")


def install(base: Path | None = None, command: list[str] | None = None) -> InstalledEntry:
    """Write the menu entry and the icons for the current user; returns what was written."""
    _require_linux()
    base = data_home() if base is None else base
    command = launcher_command() if command is None else command
    try:
        template = DESKTOP_FILE.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{DESKTOP_FILE}: cannot read the menu entry ({exc.strerror})") from None
    desktop, icons = _targets(base)
    try:
        for source, target in icons.items():
            _write_atomic(target, source.read_bytes())
        _write_atomic(desktop, render_entry(template, command).encode("utf-8"))
    except OSError as exc:
        raise UserError(f"{exc.filename or base}: cannot install the menu entry "
                        f"({exc.strerror})") from None
    _refresh_menus(base)
    return InstalledEntry(desktop_file=desktop, icons=list(icons.values()), command=command)


def uninstall(base: Path | None = None) -> list[Path]:
    """Remove what `install` wrote; returns the files that were there."""
    _require_linux()
    base = data_home() if base is None else base
    desktop, icons = _targets(base)
    removed = []
    for path in [desktop, *icons.values()]:
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh_menus(base)
    return removed


def _refresh_menus(base: Path) -> None:
    # Most desktops watch these folders; the cache tool only speeds that up, so it is optional.
    tool = shutil.which("update-desktop-database")
    if tool:
        import subprocess

        subprocess.run([tool, "-q", str(base / "applications")], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
