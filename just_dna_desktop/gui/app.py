"""Starting the window: the QApplication, the qasync event loop, the theme, and `--demo`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from .. import RESOURCES_DIR
from ..core.errors import UserError
from ..core.workspace import settings as core_settings
from ..core.housekeeping import demo_dir, sweep_workspace
from ..core.modules.store import ModuleStore
from ..core.reference.prepared import prepared_dir
from . import startup
from .gc_guard import collect_on_gui_thread

log = logging.getLogger(__name__)
ICON = RESOURCES_DIR / "icons" / "just-dna-desktop-256.png"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="just-dna-desktop", add_help=True)
    parser.add_argument("--demo", action="store_true",
                        help="open a throw-away workspace with the bundled demo VCF and reference")
    parser.add_argument("--data-dir", type=Path, help="the data folder (input, output, interim)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--no-dialogs", action="store_true",
                        help="print start-up problems instead of asking in a dialog (scripts)")
    args, _unknown = parser.parse_known_args(list(argv))  # Qt's own -style etc. pass through
    return args


def dark_palette() -> QPalette:
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#2b2d30", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#3a3c40",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#2e86de",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#3a3c40",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#8c8f94",
        QPalette.ColorRole.Mid: "#5a5d62", QPalette.ColorRole.Link: "#5dade2",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d82"))
    return palette


def apply_theme(app: QApplication, theme: str = "system") -> None:
    """Light or dark as asked, or as the system says (and follow it when it changes)."""
    app.setStyle("Fusion")  # the same widgets everywhere; respects the palette fully
    hints = app.styleHints()

    def update(*_: object) -> None:
        dark = theme == "dark" or (theme == "system"
                                   and hints.colorScheme() == Qt.ColorScheme.Dark)
        app.setPalette(dark_palette() if dark else app.style().standardPalette())

    update()
    if theme == "system":
        hints.colorSchemeChanged.connect(update)


def demo_command() -> tuple[str, list[str]]:
    """(program, arguments) that open this program's demo window: a process of its own, on a
    throw-away workspace removed when it closes (the bundled app is its own program)."""
    if getattr(sys, "frozen", False):
        return sys.executable, ["--demo"]
    return sys.executable, ["-m", "just_dna_desktop", "--demo"]


def demo_workspace(base: Path | None = None) -> Path:
    """A data folder for `--demo`: a fresh temporary one (owner-tagged, so a killed window's is
    swept at the next start) unless a folder is given."""
    return Path(base) if base else demo_dir()


def create_window(args: argparse.Namespace, ask: startup.Ask | None = None):
    """The main window, once the settings file and the run history are usable; None when the
    person chose to quit instead (`ask` puts each start-up problem to them)."""
    from ..core.reference.demo import DEMO_REFERENCE_DIR
    from .main_window import MainWindow

    ask = ask or startup.default_ask(args.no_dialogs)
    flags = {}
    if args.demo:  # all of it there: the environment must not point it at the person's own
        flags.update(core_settings.folders_inside(demo_workspace(args.data_dir)))
    elif args.data_dir:
        flags["data_dir"] = args.data_dir
    settings = startup.load_settings(flags, ask)
    if settings is None:
        return None
    usable, moved_to = startup.check_history(settings.history_file, ask)
    if not usable:
        return None
    # Leftovers of killed runs and windows (their owners are gone; live ones are never touched).
    sweep_workspace(settings.input_dir, settings.output_dir,
                    [prepared_dir(settings.reference_dir),
                     *ModuleStore(settings.cache_dir).trees()])
    if args.demo:  # its own modules too (test data), so it shows findings with no download
        from ..core.modules.store import install_demo_modules

        install_demo_modules(ModuleStore(settings.cache_dir))
    window = MainWindow(settings, reference_dir=DEMO_REFERENCE_DIR if args.demo else None,
                        demo=args.demo)
    if moved_to is not None:
        window.statusBar().showMessage(f"Started a new run history; the old one is {moved_to}",
                                       30_000)
    if args.demo:
        window.open_demo()
    return window


def run(argv: Sequence[str]) -> int:
    """Open the window and run until it is closed; returns the exit code."""
    import qasync

    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("watchdog").setLevel(logging.INFO)  # its debug output is every inotify event
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "just-dna-desktop"])
    app.setApplicationName("just-dna-desktop")
    app.setOrganizationName("just-dna")
    app.setDesktopFileName("just-dna-desktop")
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))
    apply_theme(app, args.theme)
    collect_on_gui_thread(app)

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    ask = startup.default_ask(args.no_dialogs)
    try:
        window = create_window(args, ask)
    except UserError as exc:
        startup.report_failure(exc, ask)
        return 1
    if window is None:
        return 1
    window.show()
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    if args.demo and not args.data_dir:
        # The throw-away demo workspace goes with the window.
        shutil.rmtree(window.settings.data_dir, ignore_errors=True)
    return 0
