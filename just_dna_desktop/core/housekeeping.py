"""Temporary files and folders named after their owner, and sweeping those whose owner is gone.

An annotation writes beside its output (hidden part files, a spill folder, the file it renames into
place); a reference file's prepared copy and an import are written the same way. A process killed
with -9 cannot clean up, so every such name carries its owner: pid, the process's start time (a
reused pid is not mistaken for it, as in `history.this_owner`) and a short hash of the host name
(a folder shared over the network may hold another computer's live files, which are left alone):

    .user_annotated_vcf.parquet.4242-171234567890-1a2b3c.k3j2h1.tmp

`sweep(folder)` removes the ones whose owner is gone: renamed to a garbage name first, then deleted,
so a half-deleted folder never looks live and a second sweeper never trips on it. It runs before
each run of a partition (on the output's folder) and at start-up of the window and `watch`
(`sweep_workspace`), which also sweeps the `just-dna-demo-*` folders of `--demo` windows.

Names from before this scheme (`.user_annotated_vcf.parquet.<random>.tmp/`) carry no start time;
they are swept once their owner pid is gone or a day has passed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterable

import psutil

TEMP_SUFFIXES = ("tmp", "part")
DEMO_PREFIX = "just-dna-demo-"
GARBAGE_PREFIX = ".just-dna-garbage-"
LEGACY_MAX_AGE_SECONDS = 24 * 3600

_TAG = r"(?P<pid>\d+)-(?P<start>\d+)-(?P<host>[0-9a-f]{6})"
_TAGGED = re.compile(rf"^\..+\.{_TAG}\.[A-Za-z0-9_]+\.(?:{'|'.join(TEMP_SUFFIXES)})$")
_DEMO = re.compile(rf"^{re.escape(DEMO_PREFIX)}{_TAG}-")
# Before owner tags: `.{name}.{pid}.{ns}.tmp` files and `.{name}.{random}.tmp` spill folders.
_LEGACY = re.compile(r"^\.user_annotated_vcf\.parquet\.(?:(?P<pid>\d+)\.\d+|[A-Za-z0-9_]{8})\.tmp$")
_LEGACY_DEMO = re.compile(rf"^{re.escape(DEMO_PREFIX)}[A-Za-z0-9_]{{8}}$")

_tags: dict[int, str] = {}


def _host_hash(host: str | None = None) -> str:
    return hashlib.sha1((host or socket.gethostname()).encode()).hexdigest()[:6]


def owner_tag() -> str:
    """`{pid}-{start time in 1/100 s}-{host hash}` of this process."""
    pid = os.getpid()
    if pid not in _tags:
        started = psutil.Process(pid).create_time()
        _tags[pid] = f"{pid}-{round(started * 100)}-{_host_hash()}"
    return _tags[pid]


def temp_file(beside: Path, suffix: str = "tmp") -> Path:
    """A hidden, owner-tagged name in `beside`'s folder for a file that will become `beside`."""
    return beside.with_name(f".{beside.name}.{owner_tag()}.{time.monotonic_ns()}.{suffix}")


def temp_dir(beside: Path) -> Path:
    """A new hidden, owner-tagged folder in `beside`'s folder (for part files)."""
    return Path(tempfile.mkdtemp(prefix=f".{beside.name}.{owner_tag()}.", suffix=".tmp",
                                 dir=beside.parent))


def demo_dir(parent: Path | None = None) -> Path:
    """A new owner-tagged `--demo` workspace in `parent` (the system's temporary folder)."""
    return Path(tempfile.mkdtemp(prefix=f"{DEMO_PREFIX}{owner_tag()}-", dir=parent))


# Linux gives a process's start time as the boot time of /proc/stat (whole seconds, moved by one
# when the wall clock is adjusted: an NTP sync) plus its ticks since boot, so a live process's
# start can read a second off what it read before; a tight tolerance then took every live owner
# for dead (its temporary files swept, its run marked interrupted). A pid reused within this
# long of its first owner's start would need the whole pid space to wrap in that time.
START_TOLERANCE_SECONDS = 1.5


def process_started(pid: int, started: float) -> bool:
    """Whether process `pid` lives (not a zombie: dead, just not reaped) and is the one that
    started at Unix time `started` (not another process given the same pid since)."""
    try:
        process = psutil.Process(pid)
        return abs(process.create_time() - started) <= START_TOLERANCE_SECONDS \
            and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _owner_alive(pid: int, start_cs: int, host: str) -> bool | None:
    if host != _host_hash():
        return None  # another computer's: cannot tell, so it is not ours to remove
    return process_started(pid, start_cs / 100)


def _old(path: Path) -> bool:
    try:
        return time.time() - path.lstat().st_mtime > LEGACY_MAX_AGE_SECONDS
    except OSError:
        return False


def is_leftover(path: Path) -> bool:
    """Whether `path` is one of our temporary names whose owner is gone (safe to remove)."""
    name = path.name
    if name.startswith(GARBAGE_PREFIX):
        return True
    match = _TAGGED.match(name) or _DEMO.match(name)
    if match:
        return _owner_alive(int(match["pid"]), int(match["start"]), match["host"]) is False
    match = _LEGACY.match(name)
    if match:
        if match["pid"] is not None and not psutil.pid_exists(int(match["pid"])):
            return True
        return _old(path)
    return bool(_LEGACY_DEMO.match(name)) and _old(path)


def discard(path: Path) -> None:
    """Remove a temporary file if possible; a failure here must never hide the error being
    handled (a read-only folder refuses even this), and the file is swept later anyway."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def remove(path: Path) -> bool:
    """Rename to a garbage name, then delete (a file or a whole folder); False if it stays."""
    garbage = path if path.name.startswith(GARBAGE_PREFIX) else \
        path.with_name(f"{GARBAGE_PREFIX}{uuid.uuid4().hex}")
    try:
        if garbage != path:
            os.rename(path, garbage)
        if garbage.is_dir() and not garbage.is_symlink():
            shutil.rmtree(garbage)
        else:
            garbage.unlink()
    except FileNotFoundError:
        return True  # someone else swept it first
    except OSError:
        return False  # read-only or busy (Windows): the next sweep tries again
    return True


def sweep(folder: Path) -> list[Path]:
    """Remove the leftovers directly inside `folder`; returns their (original) paths."""
    removed = []
    try:
        entries = [Path(entry.path) for entry in os.scandir(folder)
                   if entry.name.startswith((".", DEMO_PREFIX))]
    except OSError:
        return removed
    for path in entries:
        if is_leftover(path) and remove(path):
            removed.append(path)
    return removed


def sweep_workspace(input_dir: Path, output_dir: Path, trees: Iterable[Path] = (),
                    demo_parent: Path | None = None) -> list[Path]:
    """The start-up sweep: every sample's output folder, each user's input folder (imports),
    every folder of `trees` (the prepared reference copies), and the system's temporary folder
    (`--demo` workspaces)."""
    folders: list[Path] = [Path(demo_parent or tempfile.gettempdir())]
    for root, depth in ((Path(output_dir), 2), (Path(input_dir), 1)):
        folders += _folders(root, depth)
    for tree in map(Path, trees):
        folders += [Path(dirpath) for dirpath, _, _ in os.walk(tree)] if tree.is_dir() else []
    removed: list[Path] = []
    for folder in folders:
        removed += sweep(folder)
    return removed


def _folders(root: Path, depth: int) -> Iterable[Path]:
    """Visible sub-folders exactly `depth` levels below `root` (links are not followed)."""
    level = [root]
    for _ in range(depth):
        below = []
        for folder in level:
            try:
                below += [Path(e.path) for e in os.scandir(folder)
                          if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
            except OSError:
                continue
        level = below
    return level
