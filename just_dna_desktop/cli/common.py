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


def run_recorded(history, run_id: int, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`work()`, which replaces its output through core/publish.py, as run `run_id` of `history`
    (an annotation, or a sample's findings, made in this process): succeeded the moment its output
    is replaced, failed or cancelled if it raises before; its metadata recorded at the end. A
    history held by another program never turns a written result into a failure: the record
    waits beside it (`History.finish`), and the person is told. Returns `work`'s metadata."""
    from ..core.errors import Cancelled
    from ..core.publish import publishing

    published: list[bool] = []  # True: in the history; False: kept beside it (busy)

    def record(footer: dict[str, Any]) -> None:  # the moment the output is replaced
        published.append(history.finish(run_id, status="succeeded", metadata=footer))

    try:
        with publishing(record):
            metadata = work()
    except BaseException as exc:
        if not published:  # a run whose output was replaced stays succeeded
            cancelled = isinstance(exc, (Cancelled, KeyboardInterrupt))
            error = "cancelled" if cancelled else str(exc) or type(exc).__name__
            record_quietly(lambda: history.update(
                run_id, status="cancelled" if cancelled else "failed", error=error))
        raise
    # size and usage too; at once beside the history when it was busy a moment ago
    recorded = history.finish(run_id, status="succeeded", metadata=metadata, wait=all(published))
    if not (recorded and all(published)) and sys.stderr is not None:
        print(f"note: the run history {history.path} is held by another program; this run "
              f"(#{run_id}, succeeded) waits in {history.pending_dir} and goes into the "
              "history as soon as it is free", file=sys.stderr)
    return metadata


def record_quietly(write: Callable[[], Any]) -> None:
    """Record a failure if the history lets us; the failure itself is what the person must see."""
    try:
        write()
    except Exception:  # e.g. the disk that failed the annotation fails the history write too
        pass


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
