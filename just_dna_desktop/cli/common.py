"""What every command shares: exit codes, the folder flags and the settings they resolve to, JSON
on stdout, and the one line `error: …` that an expected failure becomes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def add_path_flags(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    # A command's own flags must not erase the same flags given before the command, so only the
    # top level sets defaults (None); a command's flags are present only when given.
    default = None if top_level else argparse.SUPPRESS
    group = parser.add_argument_group("folders (override environment and settings file)")
    group.add_argument("--data-dir", type=Path, default=default,
                       help="data folder (input/, output/, interim/)")
    group.add_argument("--cache-dir", type=Path, default=default, help="reference cache root")
    group.add_argument("--input-dir", type=Path, default=default, help="input `users` folder")
    group.add_argument("--output-dir", type=Path, default=default, help="output `users` folder")
    group.add_argument("--home", dest="state_dir", type=Path, default=default,
                       help="app-state folder (history, settings file)")


def settings_from_flags(args: argparse.Namespace):
    """The settings, with the folders (and the variant type, the minimum interval) a command was
    given overriding the environment and the settings file."""
    from ..core.workspace.settings import load_settings

    flags = {name: getattr(args, name, None)
             for name in ("data_dir", "state_dir", "cache_dir", "input_dir", "output_dir")}
    if getattr(args, "variant_type", None):
        flags["variant_type"] = args.variant_type
    if getattr(args, "min_interval", None) is not None:
        flags["min_interval_seconds"] = args.min_interval  # checked like the file's (nan, inf)
    return load_settings(flags)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def print_error(message: str) -> None:
    if sys.stderr is not None:
        from ..core.workspace.names import printable

        print(f"error: {printable(' '.join(message.split()))}", file=sys.stderr)


def run_command(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """`run(args)`, its expected failures one `error: …` line (exit 1), Ctrl-C exit 130."""
    try:
        return run(args)
    except KeyboardInterrupt:
        print_error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`… | head`): not an error. Point stdout at nothing so the
        # interpreter's final flush does not complain either.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # expected failures are UserError; anything else is a bug
        from ..core.errors import Cancelled, UserError

        if args.debug:
            raise
        if isinstance(exc, Cancelled):
            print_error("cancelled")
            return EXIT_INTERRUPTED
        if isinstance(exc, UserError):
            print_error(str(exc))
            return EXIT_ERROR
        print_error(f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
        return EXIT_ERROR


def transfer_progress_bar():
    """A download/verify progress bar on a terminal (the reference's and the modules'); None when
    stderr is not one (or is None)."""
    stream = sys.stderr
    if stream is None or not stream.isatty():
        return None

    def show(progress) -> None:
        import shutil

        columns = max(40, shutil.get_terminal_size((100, 20)).columns - 1)
        width = 20
        filled = int(width * min(1.0, progress.fraction))
        line = f"[{'#' * filled}{'.' * (width - filled)}] {progress.fraction:4.0%} {progress.describe()}"
        stream.write(f"\r{line[:columns]:<{columns}}")
        if progress.phase == "done":
            stream.write("\n")
        stream.flush()

    return show
