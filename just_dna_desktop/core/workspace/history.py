"""The run history: one SQLite file shared by the GUI, the CLI and the `watch` service.

Several processes write at once, so: WAL (readers never block the writer), a busy timeout, every
write in a `BEGIN IMMEDIATE` transaction (a deferred one that later needs to write can fail at
once with "database is locked", whatever the timeout), and a retry loop around that, so a busy
database costs a wait, never a lost run or an error in a person's face. Each thread and each
process gets its own connection (sqlite3 connections must not cross threads or forks).

Schema versions live in `PRAGMA user_version`; `MIGRATIONS[n]` takes version n to n + 1.

A run that ends while another program holds the file for longer than the retry (minutes) is not
lost nor called otherwise: `finish` (and `add_event(..., wait=False)`) keeps the record in a small
file in `{history}.pending/` beside it. Every read shows those records as if they were in the
file, and the next write transaction, by any process, moves them in first. The output and the
history never disagree, even while the history cannot be written.
"""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

import psutil

from ..errors import UserError
from ..housekeeping import process_started

RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
ACTIVE_STATUSES = ("queued", "running")
FINISHED_STATUSES = ("succeeded", "failed", "cancelled", "interrupted")
EVENT_LEVELS = ("debug", "info", "warning", "error")

BUSY_TIMEOUT_MS = 5_000
QUICK_TIMEOUT_MS = 200  # a write that need not wait: tried this long, then kept beside the file
SQLITE_MAX_INT = 2**63 - 1
RETRY_FOR_SECONDS = 120.0
# After the file was found busy, writes that need not wait go straight to the pending records for
# this long (a run's progress events must not each wait for the busy timeout).
BUSY_BACKOFF_SECONDS = 5.0
PENDING_SUFFIX = ".pending"

MIGRATIONS: list[str] = [
    # 0 -> 1: runs and their events.
    """
    CREATE TABLE runs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        kind          TEXT NOT NULL,
        trigger       TEXT NOT NULL,
        partition_key TEXT,
        user          TEXT,
        sample        TEXT,
        status        TEXT NOT NULL,
        created_at    REAL NOT NULL,
        started_at    REAL,
        finished_at   REAL,
        owner         TEXT,
        config        TEXT NOT NULL DEFAULT '{}',
        metadata      TEXT NOT NULL DEFAULT '{}',
        error         TEXT
    );
    CREATE INDEX runs_partition ON runs (partition_key, id);
    CREATE INDEX runs_status ON runs (status);
    CREATE INDEX runs_user ON runs (user, id);
    CREATE TABLE events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        time    REAL NOT NULL,
        level   TEXT NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX events_run ON events (run_id, id);
    """,
    # 1 -> 2: how a sample is matched, kept until changed (core/workspace/choices.py).
    """
    CREATE TABLE sample_choices (
        partition_key         TEXT PRIMARY KEY,
        match_by              TEXT NOT NULL,
        ignore_build_mismatch INTEGER NOT NULL DEFAULT 0,
        chosen_by             TEXT NOT NULL,
        reason                TEXT,
        input_fingerprint     TEXT,
        chosen_at             REAL NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

T = TypeVar("T")


class HistoryError(UserError):
    """The history file cannot be used; `kind` says why, so a window can offer the way out:

    corrupt (damaged, or not a history at all), newer (written by a newer version), read-only,
    full (its disk), busy (held by another program for minutes), cannot-open, io, other.
    """

    def __init__(self, message: str, kind: str = "other", path: Path | None = None):
        super().__init__(message)
        self.kind = kind
        self.path = path


# SQLite's primary result codes (qutebrowser's sql.py does the same) -> what a person can do.
_KINDS = {"CORRUPT": "corrupt", "NOTADB": "corrupt", "READONLY": "read-only", "PERM": "read-only",
          "FULL": "full", "BUSY": "busy", "LOCKED": "busy", "CANTOPEN": "cannot-open",
          "IOERR": "io"}
_ADVICE = {
    "corrupt": "it is damaged; move it aside and start a new one (the old file is kept)",
    "read-only": "it is read-only, so no run can be recorded; make the file and its folder "
                 "writable",
    "full": "the disk holding it is full; free some space",
    "busy": "another program holds it; close it, or wait and try again",
    "cannot-open": "it cannot be opened; check that its folder exists and is writable",
}


def history_error(path: Path, exc: BaseException) -> HistoryError:
    """An sqlite3 (or OS) error about the history file as a HistoryError with its kind."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    kind = _KINDS.get(name.removeprefix("SQLITE_").split("_")[0], "other")
    if kind == "other" and isinstance(exc, OSError):
        kind = "read-only" if isinstance(exc, PermissionError) else "io"
    if kind in ("cannot-open", "io", "other") and path.exists() \
            and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        kind = "read-only"  # SQLite says "unable to open" when it cannot create its -shm file
    advice = _ADVICE.get(kind, "")
    return HistoryError(f"{path}: cannot use the run history ({exc}){'; ' + advice if advice else ''}",
                        kind, path)


def set_aside(path: Path | str) -> Path:
    """Move a broken history file (and its -wal/-shm companions) aside, keeping them, so a new one
    can start; returns where the old file went."""
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.broken-{stamp}{path.suffix}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.stem}.broken-{stamp}-{number}{path.suffix}")
    # (its kept records too: their run numbers are this file's, not a new one's)
    for suffix in ("-wal", "-shm", PENDING_SUFFIX):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, target.with_name(target.name + suffix))
    os.replace(path, target)
    return target


class PartitionBusyError(UserError):
    """Another run of the same `{user}/{sample}` is already queued or running."""


class OutputBusyError(PartitionBusyError):
    """Another run is writing the same output file now (ad-hoc runs included)."""


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file (links, `..` and case on Windows resolved)."""
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


class _RolledBack(Exception):
    """Ends a probing transaction without committing it."""


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Run:
    id: int
    kind: str
    trigger: str
    partition_key: str | None
    user: str | None
    sample: str | None
    status: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    owner: str | None
    config: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def duration_sec(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return round(self.finished_at - self.started_at, 3)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: times as ISO 8601 UTC."""
        return {
            "id": self.id, "kind": self.kind, "trigger": self.trigger,
            "partition_key": self.partition_key, "user": self.user, "sample": self.sample,
            "status": self.status, "created_at": iso(self.created_at),
            "started_at": iso(self.started_at), "finished_at": iso(self.finished_at),
            "duration_sec": self.duration_sec, "config": self.config, "metadata": self.metadata,
            "error": self.error,
        }


@dataclass
class Event:
    id: int
    run_id: int
    time: float
    level: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "run_id": self.run_id, "time": iso(self.time),
                "level": self.level, "message": self.message}


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


_started: dict[int, float] = {}


def this_owner() -> str:
    """Who runs a job: host, pid and the process's start time (so a reused pid is not mistaken)."""
    pid = os.getpid()
    if pid not in _started:
        _started[pid] = psutil.Process(pid).create_time()
    return f"{socket.gethostname()}:{pid}:{_started[pid]:.2f}"


def owner_alive(owner: str | None) -> bool | None:
    """True/False for an owner on this host; None when it lives on another host (cannot tell)."""
    if not owner:
        return False
    try:
        host, pid_text, started_text = owner.rsplit(":", 2)
        pid, started = int(pid_text), float(started_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return None
    return process_started(pid, started)


class History:
    """The run history in one SQLite file; safe to share between threads (one connection each)."""

    def __init__(self, path: Path | str, *, recover: bool = True,
                 retry_for_seconds: float | None = None):
        self.path = Path(path)
        self.retry_for_seconds = RETRY_FOR_SECONDS if retry_for_seconds is None \
            else retry_for_seconds
        self.pending_dir = self.path.with_name(self.path.name + PENDING_SUFFIX)
        self._busy_until = 0.0  # monotonic time until which the file is taken to be busy
        self._lock = threading.Lock()
        # One connection per thread, by the thread's id. Not a threading.local: on a thread
        # Python did not start (Qt's pool) each call gets a fresh thread state, so a local is
        # empty every time, and a connection was opened (and kept) per call.
        self._by_thread: dict[int, sqlite3.Connection] = {}
        self._migrated = False
        self._pid = os.getpid()
        self.recovered = 0
        self._connection()
        if recover:
            self.apply_pending()
            self.recovered = self.recover_interrupted()

    # -- connections ---------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # forked: the parent's connections must not be touched
            self._by_thread = {}
            self._pid = os.getpid()
        thread = threading.get_ident()
        conn = self._by_thread.get(thread)
        if conn is not None:
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=True)
        except (OSError, sqlite3.Error) as exc:
            raise history_error(self.path, exc) from None
        conn.row_factory = sqlite3.Row
        self._retry(lambda: self._configure(conn))
        with self._lock:
            self._by_thread[thread] = conn
        if not self._migrated:
            self._retry(lambda: self._migrate(conn))
            self._migrated = True
        return conn

    @staticmethod
    def _configure(conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            # A file system without shared memory (some network drives): still correct, slower.
            conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: the run history was written by a newer version of "
                               f"just-dna-desktop (schema {version}, this one knows "
                               f"{SCHEMA_VERSION}); update the program, or move the file aside "
                               "and start a new one", "newer", self.path)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            # Read again inside the lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def check_writable(self) -> None:
        """Raise HistoryError (kind read-only, full, ...) when runs could not be recorded.

        Reading works on a read-only file, so a window would otherwise start and then fail at
        its first run: this tries a write that is rolled back.
        """
        def attempt(conn: sqlite3.Connection) -> None:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA user_version = {int(version)}")
            raise _RolledBack()

        try:
            self._write(attempt)
        except _RolledBack:
            pass

    def close(self) -> None:
        """Close every connection this object opened (call from the owning thread at shutdown)."""
        with self._lock:
            connections, self._by_thread = list(self._by_thread.values()), {}
        for conn in connections:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- retries ---------------------------------------------------------------------------------

    def _retry(self, action: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.retry_for_seconds
        delay = 0.01
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise history_error(self.path, exc) from None
                if time.monotonic() > deadline:
                    raise HistoryError(f"{self.path}: the run history stayed busy for "
                                       f"{self.retry_for_seconds:.0f} s; is another program "
                                       "holding it open?", "busy", self.path) from None
            except sqlite3.IntegrityError:
                raise  # a bug (an event for a run that does not exist), not the file's fault
            except sqlite3.DatabaseError as exc:
                raise history_error(self.path, exc) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)

    def _write(self, action: Callable[[sqlite3.Connection], T], wait: bool = True) -> T:
        """Run `action` in one IMMEDIATE transaction, retried as a whole while the file is busy
        (without `wait`: tried once). Records kept while the file was busy go in first, in the
        same transaction, and their files are removed once it is committed."""
        conn = self._connection()
        applied: list[Path] = []

        def attempt() -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                applied[:] = self._apply_pending(conn)
                result = action(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        if wait:
            result = self._retry(attempt)
        else:  # one short try: the caller keeps the record itself if the file is busy
            conn.execute(f"PRAGMA busy_timeout = {QUICK_TIMEOUT_MS}")
            try:
                result = attempt()
            except sqlite3.IntegrityError:
                raise
            except sqlite3.DatabaseError as exc:
                raise history_error(self.path, exc) from None
            finally:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        for path in applied:
            try:
                path.unlink()
            except OSError:
                pass  # another process took it: applying one twice changes nothing
        return result

    # -- records kept while the file is busy ------------------------------------------------------

    def _pending(self) -> list[tuple[Path, dict[str, Any]]]:
        """The kept records, oldest first (none, nearly always: one failed scandir)."""
        try:
            names = sorted(e.name for e in os.scandir(self.pending_dir)
                           if e.name.endswith(".json"))
        except OSError:
            return []
        records = []
        for name in names:
            try:
                record = json.loads((self.pending_dir / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # being written (never: they are renamed into place) or gone
            if isinstance(record, dict) and isinstance(record.get("run_id"), int):
                records.append((self.pending_dir / name, record))
        return records

    def _keep(self, record: dict[str, Any]) -> None:
        """Write one record to the pending folder, atomically (renamed into place)."""
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{random.getrandbits(32):08x}.json"
        tmp = self.pending_dir / f".{name}.tmp"
        tmp.write_text(json.dumps(record, default=str), encoding="utf-8")
        os.replace(tmp, self.pending_dir / name)

    def _apply_pending(self, conn: sqlite3.Connection) -> list[Path]:
        """Move the kept records into the file (inside the caller's transaction)."""
        applied = []
        for path, record in self._pending():
            if record.get("kind") == "event":
                if conn.execute("SELECT 1 FROM runs WHERE id = ?", (record["run_id"],)).fetchone():
                    conn.execute("INSERT INTO events (run_id, time, level, message) "
                                 "VALUES (?, ?, ?, ?)", (record["run_id"], record.get("time"),
                                                         record.get("level", "info"),
                                                         str(record.get("message", ""))))
            else:
                self._apply_finish(conn, record)
            applied.append(path)
        return applied

    def _apply_finish(self, conn: sqlite3.Connection, record: dict[str, Any]) -> None:
        row = conn.execute("SELECT status, metadata FROM runs WHERE id = ?",
                           (record["run_id"],)).fetchone()
        if row is None:
            return
        if _keeps_succeeded(conn, record["run_id"], row["status"], record["status"],
                            record.get("error")):
            return
        metadata = {**json.loads(row["metadata"] or "{}"), **(record.get("metadata") or {})}
        conn.execute("UPDATE runs SET status = ?, finished_at = ?, metadata = ?, "
                     "error = COALESCE(?, error) WHERE id = ?",
                     (record["status"], record.get("finished_at"),
                      json.dumps(metadata, default=str), record.get("error"), record["run_id"]))
        conn.execute("INSERT INTO events (run_id, time, level, message) VALUES (?, ?, 'info', ?)",
                     (record["run_id"], time.time(),
                      f"recorded {record['status']} late: the run history was busy when it "
                      "ended"))

    def has_pending(self, run_id: int) -> bool:
        """Whether a record of this run waits beside the file (it was busy when the run ended)."""
        return any(record["run_id"] == run_id for _, record in self._pending())

    def apply_pending(self) -> int:
        """Move the records kept while the file was busy into it now, if it lets us at once;
        returns how many there were (0 when none, or when it is still busy)."""
        count = len(self._pending())
        if not count:
            return 0
        try:
            self._write(lambda conn: None, wait=False)
        except HistoryError:
            return 0
        return count

    def _overlay(self, runs: list[Run]) -> list[Run]:
        """`runs` as the kept records say they ended (what the file will say once it can)."""
        for _, record in self._pending():
            if record.get("kind") == "event":
                continue
            for run in runs:
                if run.id == record["run_id"] and not (
                        run.status == "succeeded" and record["status"] != "succeeded"):
                    run.status = record["status"]
                    run.finished_at = record.get("finished_at")
                    run.metadata = {**run.metadata, **(record.get("metadata") or {})}
                    run.error = record.get("error") or run.error
        return runs

    def finish(self, run_id: int, *, status: str, metadata: dict[str, Any] | None = None,
               error: str | None = None, wait: bool = True) -> bool:
        """Record how a run ended. True once it is in the file; False when the file stayed busy
        (for the retry's minutes; without `wait`, at once): the record is then kept beside it
        and shown by every read until it goes in. A finished run is never lost, nor called
        failed because the history was busy."""
        if status not in FINISHED_STATUSES:
            raise ValueError(f"not a finished status: {status!r}")
        busy = HistoryError(f"{self.path}: the run history is busy", "busy", self.path)
        if wait or time.monotonic() >= self._busy_until:
            try:
                self._change(run_id, status, metadata, None, error, wait)
                return True
            except HistoryError as exc:
                if exc.kind != "busy":
                    raise
                busy = exc
                self._busy_until = time.monotonic() + BUSY_BACKOFF_SECONDS
        try:
            self._keep({"kind": "finish", "run_id": run_id, "status": status,
                        "metadata": metadata or {}, "error": error, "finished_at": time.time()})
        except OSError:
            raise busy from None  # nowhere to keep it either: the busy file is the reason
        return False

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        conn = self._connection()
        return self._retry(lambda: conn.execute(sql, tuple(params)).fetchall())

    # -- runs ------------------------------------------------------------------------------------

    def record(self, *, kind: str = "annotate", trigger: str = "manual",
               partition_key: str | None = None, user: str | None = None,
               sample: str | None = None, status: str = "queued",
               config: dict[str, Any] | None = None, exclusive: bool = False) -> int:
        """Add a run and return its id.

        With `exclusive`, refuse with PartitionBusyError when the same partition already has a
        run in the way (queuing is refused by a queued or running run, starting only by a running
        one), and with OutputBusyError when a running run writes the same output file
        (`config["output"]`), ad-hoc runs included. Check and insert are one transaction.
        """
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        now = time.time()

        def insert(conn: sqlite3.Connection) -> int:
            if exclusive and partition_key is not None:
                blocking = ("running",) if status == "running" else ACTIVE_STATUSES
                busy = conn.execute(
                    "SELECT id, status FROM runs WHERE partition_key = ? AND status IN "
                    f"({', '.join('?' * len(blocking))}) ORDER BY id DESC LIMIT 1",
                    (partition_key, *blocking)).fetchone()
                if busy is not None:
                    raise PartitionBusyError(f"{partition_key} already has a {busy['status']} "
                                             f"run (#{busy['id']})")
            output = (config or {}).get("output") if exclusive else None
            if output:
                for row in conn.execute("SELECT id, config FROM runs WHERE status = 'running'"):
                    other = json.loads(row["config"] or "{}").get("output")
                    if other and same_file(other, output):
                        raise OutputBusyError(f"{output}: run #{row['id']} is writing this file "
                                              "now; wait for it to finish, or choose another "
                                              "output")
            cursor = conn.execute(
                "INSERT INTO runs (kind, trigger, partition_key, user, sample, status, created_at,"
                " started_at, owner, config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, trigger, partition_key, user, sample, status, now,
                 now if status == "running" else None, this_owner(),
                 json.dumps(config or {}, default=str)))
            return int(cursor.lastrowid)

        return self._write(insert)

    def claim(self, run_id: int) -> bool:
        """Move a queued run to running, unless its partition already has a running run."""
        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE runs SET status = 'running', started_at = ?, owner = ? "
                "WHERE id = ? AND status = 'queued' AND (partition_key IS NULL OR NOT EXISTS ("
                " SELECT 1 FROM runs AS other WHERE other.partition_key = runs.partition_key"
                " AND other.status = 'running'))",
                (time.time(), this_owner(), run_id))
            return cursor.rowcount == 1

        return self._write(update)

    def update(self, run_id: int, *, status: str | None = None,
               metadata: dict[str, Any] | None = None, config: dict[str, Any] | None = None,
               error: str | None = None) -> None:
        """Change a run; `metadata`/`config` are merged into what is stored. Finishing stamps the time."""
        if status is not None and status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        self._change(run_id, status, metadata, config, error)

    def _change(self, run_id: int, status: str | None, metadata: dict[str, Any] | None,
                config: dict[str, Any] | None, error: str | None, wait: bool = True) -> None:
        def change(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT status, config, metadata, started_at FROM runs "
                               "WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise KeyError(run_id)
            sets: dict[str, Any] = {}
            now = time.time()
            new_status, new_error = status, error
            if _keeps_succeeded(conn, run_id, row["status"], status, error):
                new_status = new_error = None
            if new_status is not None:
                sets["status"] = new_status
                if new_status == "running" and row["started_at"] is None:
                    sets["started_at"] = now
                if new_status in FINISHED_STATUSES:
                    sets["finished_at"] = now
            if metadata is not None:
                sets["metadata"] = json.dumps({**json.loads(row["metadata"]), **metadata},
                                              default=str)
            if config is not None:
                sets["config"] = json.dumps({**json.loads(row["config"]), **config}, default=str)
            if new_error is not None:
                sets["error"] = new_error
            if sets:
                assignments = ", ".join(f"{name} = ?" for name in sets)
                conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?",
                             (*sets.values(), run_id))

        self._write(change, wait)

    def add_event(self, run_id: int, message: str, level: str = "info",
                  wait: bool = True) -> None:
        """Append one line to a run's event log. Without `wait` (a running job's progress),
        a busy file keeps the line beside it instead of holding the job up."""
        if level not in EVENT_LEVELS:
            level = "info"
        now = time.time()

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO events (run_id, time, level, message) VALUES (?, ?, ?, ?)",
                         (run_id, now, level, message))

        if wait:
            self._write(insert)
            return
        if time.monotonic() >= self._busy_until:
            try:
                self._write(insert, wait=False)
                return
            except HistoryError as exc:
                if exc.kind != "busy":
                    raise
                self._busy_until = time.monotonic() + BUSY_BACKOFF_SECONDS
        try:
            self._keep({"kind": "event", "run_id": run_id, "time": now, "level": level,
                        "message": message})
        except OSError:
            pass  # a progress line is not worth failing a run for

    def get_run(self, run_id: int) -> Run | None:
        rows = self._read("SELECT * FROM runs WHERE id = ?", (run_id,))
        return self._overlay([_run(rows[0])])[0] if rows else None

    def list_runs(self, *, user: str | None = None, partition_key: str | None = None,
                  status: str | Iterable[str] | None = None, kind: str | None = None,
                  trigger: str | None = None, limit: int | None = None) -> list[Run]:
        """Runs, newest first, filtered by any of the given fields."""
        where, params = [], []
        for column, value in (("user", user), ("partition_key", partition_key), ("kind", kind),
                              ("trigger", trigger)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        statuses = None if status is None else [status] if isinstance(status, str) \
            else list(status)
        # Kept records change statuses: then the status is filtered after they are laid over.
        kept = bool(self._pending())
        if statuses is not None and not kept:
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        sql = "SELECT * FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        limit = None if limit is None else max(0, min(int(limit), SQLITE_MAX_INT))  # any count
        if limit is not None and not (kept and statuses is not None):
            sql += " LIMIT ?"
            params.append(limit)
        runs = self._overlay([_run(row) for row in self._read(sql, params)])
        if statuses is not None and kept:
            runs = [run for run in runs if run.status in statuses][:limit]
        return runs

    def runs_by_partition(self, per_partition: int = 20) -> dict[str, list[Run]]:
        """The latest runs of every partition, newest first (for working out sample states)."""
        rows = self._read(
            "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY partition_key "
            "ORDER BY id DESC) AS n FROM runs WHERE partition_key IS NOT NULL) "
            "WHERE n <= ? ORDER BY id DESC", (per_partition,))
        grouped: dict[str, list[Run]] = {}
        for run in self._overlay([_run(row) for row in rows]):
            grouped.setdefault(run.partition_key, []).append(run)
        return grouped

    def last_started_by_partition(self) -> dict[str, float]:
        """When each partition's latest run started (any trigger), as Unix times."""
        rows = self._read("SELECT partition_key, MAX(started_at) FROM runs WHERE partition_key "
                          "IS NOT NULL AND started_at IS NOT NULL GROUP BY partition_key")
        return {row[0]: float(row[1]) for row in rows}

    # -- what was chosen for a sample --------------------------------------------------------------

    def choice(self, partition_key: str) -> dict[str, Any] | None:
        """The matching method kept for a partition, or None."""
        rows = self._read("SELECT * FROM sample_choices WHERE partition_key = ?", (partition_key,))
        if not rows:
            return None
        row = dict(rows[0])
        row["ignore_build_mismatch"] = bool(row["ignore_build_mismatch"])
        row["input_fingerprint"] = json.loads(row["input_fingerprint"] or "null")
        return row

    def set_choice(self, partition_key: str, *, match_by: str, ignore_build_mismatch: bool,
                   chosen_by: str, reason: str | None = None,
                   input_fingerprint: dict[str, Any] | None = None) -> None:
        self._write(lambda conn: conn.execute(
            "INSERT OR REPLACE INTO sample_choices (partition_key, match_by, "
            "ignore_build_mismatch, chosen_by, reason, input_fingerprint, chosen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (partition_key, match_by, int(ignore_build_mismatch), chosen_by, reason,
             None if input_fingerprint is None else json.dumps(input_fingerprint), time.time())))

    def forget_choice(self, partition_key: str) -> None:
        self._write(lambda conn: conn.execute(
            "DELETE FROM sample_choices WHERE partition_key = ?", (partition_key,)))

    def events(self, run_id: int) -> list[Event]:
        """A run's event log, oldest first."""
        rows = self._read("SELECT * FROM events WHERE run_id = ? ORDER BY id", (run_id,))
        events = [Event(id=r["id"], run_id=r["run_id"], time=r["time"], level=r["level"],
                        message=r["message"]) for r in rows]
        kept = [record for _, record in self._pending()
                if record.get("kind") == "event" and record["run_id"] == run_id]
        return events + [Event(id=-1 - i, run_id=run_id, time=r.get("time") or 0.0,
                               level=str(r.get("level", "info")), message=str(r.get("message")))
                         for i, r in enumerate(kept)]

    def recover_interrupted(self) -> int:
        """Mark queued/running runs whose owning process is gone `interrupted`; returns how many.

        A run owned by a live process (the GUI while `watch` starts, say) is left alone, so this
        is safe to call from every process at start-up.
        """
        rows = self._read("SELECT id, owner FROM runs WHERE status IN ('queued', 'running')")
        dead = [row["id"] for row in rows if owner_alive(row["owner"]) is False]
        if not dead:
            return 0

        def mark(conn: sqlite3.Connection) -> int:
            count = 0
            now = time.time()
            for run_id in dead:
                cursor = conn.execute(
                    "UPDATE runs SET status = 'interrupted', finished_at = ?, error = COALESCE("
                    "error, 'the program running it stopped before it finished') "
                    "WHERE id = ? AND status IN ('queued', 'running')", (now, run_id))
                if cursor.rowcount:
                    count += 1
                    conn.execute("INSERT INTO events (run_id, time, level, message) "
                                 "VALUES (?, ?, 'warning', ?)",
                                 (run_id, now, "marked interrupted at start-up: its process is gone"))
            return count

        return self._write(mark)


def _keeps_succeeded(conn: sqlite3.Connection, run_id: int, stored: str, status: str | None,
                     error: str | None) -> bool:
    """A succeeded run has its output in place: whatever is said of it later (its process died,
    a cancel came too late) never makes it failed. True when `status` is such a late word; it is
    kept as an event instead."""
    if stored != "succeeded" or status not in ("failed", "cancelled", "interrupted"):
        return False
    conn.execute("INSERT INTO events (run_id, time, level, message) VALUES (?, ?, 'warning', ?)",
                 (run_id, time.time(), f"ended as {status} after its output was written"
                                       + (f" ({error})" if error else "") + "; it stays succeeded"))
    return True


def _run(row: sqlite3.Row) -> Run:
    return Run(id=row["id"], kind=row["kind"], trigger=row["trigger"],
               partition_key=row["partition_key"], user=row["user"], sample=row["sample"],
               status=row["status"], created_at=row["created_at"], started_at=row["started_at"],
               finished_at=row["finished_at"], owner=row["owner"],
               config=json.loads(row["config"] or "{}"),
               metadata=json.loads(row["metadata"] or "{}"), error=row["error"])
