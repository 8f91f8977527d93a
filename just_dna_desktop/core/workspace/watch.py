"""Watching the input folder: new or changed sample files, reported once they are complete.

A copy in progress produces a burst of events and a file that is still growing. The Watcher only
notes which paths were touched; a checker thread reports a file once its size and mtime have stayed
the same for `stable_seconds`, and reports it again only if it changes afterwards. A full scan at
start-up (and every `rescan_seconds`, in case the OS dropped events) catches files added while
nothing was watching.

`WatchService` is the headless `watch` command: Watcher + Scheduler + runner in one loop thread.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..cancel import CancelToken
from .samples import is_sample_name

if TYPE_CHECKING:
    from .runner import RunResult
    from .scheduler import Scheduler

Signature = tuple[int, int]  # (size, mtime_ns)


def _signature(path: Path) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns) if not os.path.isdir(path) else None


class Watcher:
    """Reports `{root}/{user}/{sample}.vcf[.gz]` (or `.txt`, `.csv`, `.zip`... genotyping) files
    that appeared or changed, once stable.

    `on_change(paths)` is called from the checker thread with a batch of ready files; keep it
    short (set an event, emit a Qt signal). `stable_files()` lists every file reported and
    unchanged since.
    """

    def __init__(self, root: Path | str, on_change: Callable[[list[Path]], None], *,
                 stable_seconds: float = 2.0, poll_interval: float = 0.25,
                 rescan_seconds: float = 30.0, use_polling: bool = False):
        self.root = Path(root).absolute()
        self.on_change = on_change
        self.stable_seconds = stable_seconds
        self.poll_interval = poll_interval
        self.rescan_seconds = rescan_seconds
        self.use_polling = use_polling
        self._lock = threading.Lock()
        self._dirty: set[Path] = set()
        self._dirty_dirs: set[Path] = set()
        self._pending: dict[Path, tuple[Signature, float]] = {}
        self._emitted: dict[Path, Signature] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> "Watcher":
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        self.root.mkdir(parents=True, exist_ok=True)
        observer = PollingObserver(timeout=1) if self.use_polling else Observer()
        observer.schedule(_Handler(self), str(self.root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._mark_dir(self.root)  # the start-up scan
        self._thread = threading.Thread(target=self._run, name="input-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching; safe to call twice."""
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
            self._observer = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> "Watcher":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what is known ----------------------------------------------------------------------------

    def stable_files(self) -> list[Path]:
        """Files reported ready whose size and mtime are still what they were then."""
        with self._lock:
            emitted = dict(self._emitted)
        return sorted(p for p, sig in emitted.items() if _signature(p) == sig)

    def is_sample_path(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return False
        return len(relative.parts) == 2 and not relative.parts[0].startswith(".") \
            and is_sample_name(relative.parts[1])

    # -- events (observer thread) -------------------------------------------------------------------

    def _mark(self, path: Path) -> None:
        if self.is_sample_path(path):
            with self._lock:
                self._dirty.add(path)

    def _mark_dir(self, path: Path) -> None:
        with self._lock:
            self._dirty_dirs.add(path)

    # -- checking (checker thread) ------------------------------------------------------------------

    def _run(self) -> None:
        next_rescan = time.monotonic() + self.rescan_seconds
        while not self._stop.wait(self.poll_interval):
            if time.monotonic() >= next_rescan:
                self._mark_dir(self.root)
                next_rescan = time.monotonic() + self.rescan_seconds
            try:
                ready = self._check()
            except Exception:  # never let one odd file end the watching
                continue
            if ready and not self._stop.is_set():
                self.on_change(ready)

    def _expand_dirs(self, dirs: set[Path]) -> set[Path]:
        found: set[Path] = set()
        for folder in dirs:
            depth = len(folder.relative_to(self.root).parts) if folder != self.root else 0
            if depth == 0:
                candidates = [u / f for u in _list(folder) if u.is_dir() for f in _list(u)]
            elif depth == 1:
                candidates = _list(folder)
            else:
                continue
            found.update(p for p in candidates if self.is_sample_path(p))
        return found

    def _check(self) -> list[Path]:
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            dirs, self._dirty_dirs = self._dirty_dirs, set()
        dirty |= self._expand_dirs(dirs)
        now = time.monotonic()
        for path in dirty:
            if path not in self._pending:
                self._pending[path] = ((-1, -1), now)
        ready: list[Path] = []
        for path, (old_sig, since) in list(self._pending.items()):
            sig = _signature(path)
            if sig is None:  # gone (or a folder): forget it
                del self._pending[path]
                with self._lock:
                    self._emitted.pop(path, None)
                continue
            if sig != old_sig:
                self._pending[path] = (sig, now)
                continue
            if now - since < self.stable_seconds:
                continue
            del self._pending[path]
            with self._lock:
                if self._emitted.get(path) == sig:
                    continue  # touched by an event, but not changed: already reported
                self._emitted[path] = sig
            ready.append(path)
        return sorted(ready)


def _list(folder: Path) -> list[Path]:
    try:
        return [Path(entry.path) for entry in os.scandir(folder)]
    except OSError:
        return []


class _Handler:
    """watchdog's handler protocol without subclassing (so importing this module stays cheap)."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    # Opening or reading a file (our own hashing and annotating do) says nothing new.
    IGNORED = ("opened", "closed_no_write")

    def dispatch(self, event) -> None:
        if event.event_type in self.IGNORED:
            return
        for raw in (getattr(event, "src_path", None), getattr(event, "dest_path", None)):
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            if event.is_directory:
                if event.event_type in ("created", "moved"):
                    self.watcher._mark_dir(path)
            else:
                self.watcher._mark(path)


class WatchService:
    """The headless `watch`: discover stable files, queue due samples, run them one by one.

    Runs in its own thread; `stop()` cancels the current run (within ~2 s), forgets the queued
    ones (they were never in the history) and stops watching.
    """

    def __init__(self, scheduler: "Scheduler", *, stable_seconds: float = 2.0,
                 poll_interval: float = 0.25, idle_seconds: float = 5.0,
                 log: Callable[[str], None] | None = None,
                 on_result: Callable[["RunResult"], None] | None = None):
        self.scheduler = scheduler
        self.idle_seconds = idle_seconds
        self.log = log or (lambda message: None)
        self.on_result = on_result
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._cancel = CancelToken()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._reported: list[Path] = []  # from the watcher's thread, said by the loop
        self.watcher = Watcher(scheduler.workspace.input_dir, self._on_change,
                               stable_seconds=stable_seconds, poll_interval=poll_interval)

    def _on_change(self, paths: list[Path]) -> None:
        with self._lock:
            self._reported.extend(paths)
        self._wake.set()

    def _say_what_came(self) -> None:
        """Each file the watcher reported: `ready:`, or `ignored: … (why)` when it is no sample
        (an unusable name, a link to another sample's file, a duplicate...)."""
        with self._lock:
            paths, self._reported = self._reported, []
        if not paths:
            return
        workspace = self.scheduler.workspace
        workspace.files()  # fills `rejected`, with the reasons
        reasons = {r.path.absolute(): r.reason for r in workspace.rejected}
        for path in paths:
            reason = reasons.get(path.absolute())
            self.log(f"ignored: {path} ({reason})" if reason else f"ready: {path}")

    def start(self) -> "WatchService":
        self.watcher.start()
        self._thread = threading.Thread(target=self._loop, name="watch-service", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._cancel.cancel()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.watcher.stop()
        self.scheduler.clear_queue()

    def __enter__(self) -> "WatchService":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        timeout: float | None = self.idle_seconds
        waiting = False
        while not self._stopping.is_set():
            self._wake.wait(timeout)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self._say_what_came()
                for sample in self.scheduler.offer(self.watcher.stable_files()):
                    self.log(f"queued: {sample.key} ({sample.state}"
                             + (f": {sample.damage})" if sample.damage else ")"))
                if self.scheduler.waiting_for_reference != waiting:
                    waiting = self.scheduler.waiting_for_reference
                    self.log(f"no reference in {self.scheduler.reference_dir}: waiting for it "
                             "(`just-dna-desktop reference download`)" if waiting
                             else "reference found")
                result = self.scheduler.run_next(
                    cancel=self._cancel,
                    on_start=lambda pid: self.log(f"annotating (process {pid})"))
            except Exception as exc:  # a history or disk problem: report, keep watching
                self.log(f"error: {exc}")
                result = None
                self._stopping.wait(1.0)
            if result is not None:
                self._report(result)
            wait = self.scheduler.seconds_until_next()
            timeout = self.idle_seconds if wait is None else min(max(wait, 0.05),
                                                                 self.idle_seconds)

    def _report(self, result: "RunResult") -> None:
        run = self.scheduler.history.get_run(result.run_id) if result.run_id else None
        key = run.partition_key if run else "?"
        if result.ok:
            m = result.metadata
            self.log(f"{result.status}: {key} -> {m.get('output_file')} ({m.get('rows_out')} rows, "
                     f"{m.get('duration_sec')} s, peak {m.get('peak_memory_mb')} MB)")
        else:
            self.log(f"{result.status}: {key}: {result.error}")
        if self.on_result is not None:
            self.on_result(result)
