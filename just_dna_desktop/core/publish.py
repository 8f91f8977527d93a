"""Replacing an output and recording its run, as one step nothing can split.

The history and the output must never disagree: whoever replaces the output records the run, at
that moment. `annotate` writes a complete temporary file and hands it to `replace_output`; when a
run is being recorded (`publishing(record)` around the annotation, set by the runner's child and by
the in-process `annotate` command), `record(metadata)` marks it succeeded right after the rename.
Ctrl-C and termination requests (a cancel, the supervisor's death) that arrive in between are
held until both are done, so a run is never "cancelled" or "interrupted" while its output is new.
(A SIGKILL of the annotating process itself in those microseconds is the one gap left.)
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import signal
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

Record = Callable[[dict[str, Any]], None]

_record: contextvars.ContextVar[Record | None] = contextvars.ContextVar("publish_record",
                                                                       default=None)


@contextlib.contextmanager
def publishing(record: Record | None) -> Iterator[None]:
    """While inside, every `replace_output` also calls `record(metadata)` (None: nothing to do)."""
    token = _record.set(record)
    try:
        yield
    finally:
        _record.reset(token)


def replace_output(tmp: Path, path: Path, metadata: dict[str, Any] | None = None) -> None:
    """Rename the finished `tmp` over `path`, then record the run; signals wait until both are done.

    What was written (`output_fingerprint`: size and modification time, added to `metadata`) is
    recorded with the run, so a result changed or damaged afterwards is told from the one the run
    wrote (core/workspace/samples.py).
    """
    record = _record.get()
    with deferred_signals():
        os.replace(tmp, path)
        written = output_fingerprint(path)
        if metadata is not None:
            metadata["output_fingerprint"] = written
        if record is not None:
            record({**(metadata or {}), "output_fingerprint": written})


def output_fingerprint(path: Path) -> dict[str, int]:
    """What identifies a written file cheaply: {"size": bytes, "mtime_ns": modification time}."""
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


@contextlib.contextmanager
def deferred_signals(signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """Hold these signals while inside, then deliver them to the handlers they had.

    Only the main thread receives signals in Python; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[tuple[int, Any]] = []
    previous = {}
    for signum in signums:
        try:
            previous[signum] = signal.signal(signum, lambda n, frame: held.append((n, frame)))
        except (ValueError, OSError):  # not settable here (an embedding without signals)
            pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum, frame in held:
            handler = previous.get(signum)
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)
