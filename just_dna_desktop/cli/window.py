"""The window from the command line: its flags on the main command (`--demo`, `--theme`,
`--smoke-test`, `--no-dialogs`), and opening it once the system is known to be able to show it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .common import EXIT_ERROR, print_error


def add_window_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="open the window on a demo workspace")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                        help="the window's colours (default: follow the system)")
    parser.add_argument("--smoke-test", metavar="REPORT.json", type=Path,
                        help="start the app, annotate the demo, write a report and quit")
    parser.add_argument("--no-dialogs", action="store_true",
                        help="window: print start-up problems (a broken settings file or run "
                             "history) instead of asking in a dialog")


def open_window(argv: Sequence[str] | None = None) -> int:
    """Open the window with these arguments (the command line's own when None)."""
    import multiprocessing
    import os

    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    # Said before Qt is imported: a missing library (libxcb-cursor0 on many desktops) would
    # otherwise end in an ImportError or Qt's abort.
    from ..system_packages import window_problem

    problem = window_problem(argv, os.environ)
    if problem:
        print_error(problem)
        return EXIT_ERROR
    try:
        from ..gui.app import run
    except ImportError as exc:
        print_error(f"the window is not available: {exc}")
        return EXIT_ERROR
    return run(argv)
