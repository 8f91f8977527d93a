"""Fetching the Ensembl reference from the Hugging Face Hub into the cache, verified, resumable.

The transfer itself is `core/hub.py`'s (listing with checksums, resume, retries, cancel). Here: which
files are the reference (one per chromosome, in any layout the dataset has had), a chosen subset of
chromosomes, what a download would cost before it starts, one download per cache at a time, the
cache's manifest (a file whose entry still matches its size and mtime is trusted without
re-hashing), and the prepared copies built right after the files arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import prepared, cache as reference
from ..cancel import CancelToken
# The transfer and its errors and progress, named here too: the window, the command line and the
# tests know them as the reference download's.
from ..hub import (MAX_ATTEMPTS, RETRY_WAIT, AuthError, ChecksumError,  # noqa: F401
                   ConnectionFailedError, DiskSpaceError, DownloadError, NotFoundError,
                   OfflineError, Progress, ProgressMeter, RemoteFile, RemoteListing, auth_headers,
                   disk_free_bytes, download_lock, fetch_file, file_url, format_bytes,
                   format_duration, hub_endpoint, is_offline, list_dataset, partial_size,
                   sha256_of)

DEFAULT_REPO = "just-dna-seq/ensembl_variations"


# --- errors ---------------------------------------------------------------------------------------

def list_remote(repo_id: str = DEFAULT_REPO, revision: str = "main", *, endpoint: str | None = None,
                token: str | None = None) -> RemoteListing:
    """The dataset's reference files at `revision`, with LFS size + sha256 and the resolved commit."""
    everything = list_dataset(repo_id, revision, endpoint=endpoint, token=token)
    files = []
    for remote in everything.files:
        if reference.chromosome_of(remote.path) is None:
            continue
        if not remote.sha256:
            # The reference files are all LFS; without a sha256 we could not verify one.
            raise DownloadError(f"{repo_id}@{revision}: {remote.path} has no LFS checksum to verify")
        files.append(remote)
    # The current layout is flat (data/homo_sapiens-chrN.parquet); older revisions had folders.
    flat = [f for f in files if f.path.startswith("data/") and f.path.count("/") == 1]
    chosen = sorted(flat or files, key=lambda f: reference.sort_key(reference.chromosome_of(f.path) or ""))
    if not chosen:
        raise NotFoundError(f"{repo_id}@{revision} holds no reference parquet files")
    return RemoteListing(repo_id, revision, everything.commit, everything.endpoint, tuple(chosen))


def select_files(listing: RemoteListing, chromosomes: list[str] | None) -> list[RemoteFile]:
    if chromosomes is None:
        return list(listing.files)
    chosen = [f for f in listing.files if reference.chromosome_of(f.path) in chromosomes]
    absent = sorted(set(chromosomes) - {reference.chromosome_of(f.path) for f in chosen},
                    key=reference.sort_key)
    if absent:
        raise NotFoundError(f"{listing.repo_id}@{listing.requested_revision} has no file for "
                            f"chromosome(s) {', '.join(absent)}")
    return chosen


# --- what a download would do ---------------------------------------------------------------------

@dataclass(frozen=True)
class DownloadPlan:
    """What `download_reference` would fetch, looked up before it starts (the window asks first)."""

    repo_id: str
    revision: str              # the commit the requested revision resolves to
    chromosomes: list[str]     # the chosen ones, in order
    available: int             # files the revision holds (all chromosomes)
    total_bytes: int           # the chosen files' size
    to_download_bytes: int     # what is not here yet (a partly downloaded file resumes)
    free_bytes: int            # on the disk that holds the cache
    subset: bool = False       # chromosomes were chosen (not "all")

    @property
    def enough_space(self) -> bool:
        return self.to_download_bytes <= self.free_bytes


def plan_download(reference_dir: Path, *, repo_id: str = DEFAULT_REPO, revision: str = "main",
                  chromosomes: str | Iterable[str | int] | None = "all",
                  endpoint: str | None = None, token: str | None = None) -> DownloadPlan:
    """The download's size and the free space, from the Hub's listing and the cache; fetches
    nothing. A file already here at its full size counts as present (the download checks it)."""
    reference_dir = Path(reference_dir)
    listing = list_remote(repo_id, revision, endpoint=endpoint, token=token)
    chosen = reference.parse_chromosomes(chromosomes)
    selected = select_files(listing, chosen)

    def still_needed(remote: RemoteFile) -> int:
        target = reference_dir / remote.path
        if target.is_file() and target.stat().st_size == remote.size:
            return 0
        return remote.size - partial_size(reference_dir / remote.path, remote)

    return DownloadPlan(listing.repo_id, listing.commit,
                        [reference.chromosome_of(f.path) or f.path for f in selected],
                        len(listing.files), sum(f.size for f in selected),
                        sum(still_needed(f) for f in selected), disk_free_bytes(reference_dir),
                        chosen is not None)


# --- the download ---------------------------------------------------------------------------------

@dataclass
class DownloadResult:
    repo_id: str
    revision: str  # commit sha
    requested_revision: str
    fetched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already cached and verified
    bytes_transferred: int = 0
    duration_sec: float = 0.0
    status: reference.ReferenceStatus | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.to_dict() if self.status else None
        return data


def download_reference(reference_dir: Path, *, repo_id: str = DEFAULT_REPO, revision: str = "main",
                       chromosomes: str | Iterable[str | int] | None = "all",
                       progress: Callable[[Progress], None] | None = None,
                       cancel: CancelToken | None = None, endpoint: str | None = None,
                       token: str | None = None, max_attempts: int = MAX_ATTEMPTS,
                       retry_wait: float = RETRY_WAIT) -> DownloadResult:
    """Bring the cache up to `repo_id@revision` for the chosen chromosomes; returns what it did.

    Files already verified are skipped; partial ones resume. Raises DownloadError subclasses with a
    one-line message for every expected failure and Cancelled when `cancel` fires.
    """
    started = time.monotonic()
    cancel = cancel or CancelToken()
    reference_dir = Path(reference_dir)
    if is_offline():
        state = reference.status(reference_dir).status
        raise OfflineError(f"offline mode is on (HF_HUB_OFFLINE): cannot download the reference; "
                           f"the local cache at {reference_dir} is {state}")
    listing = list_remote(repo_id, revision, endpoint=endpoint, token=token)
    selected = select_files(listing, reference.parse_chromosomes(chromosomes))
    cancel.raise_if_cancelled()
    reference_dir.mkdir(parents=True, exist_ok=True)
    with download_lock(reference_dir):
        return _sync(reference_dir, listing, selected, progress, cancel, token, max_attempts,
                     retry_wait, started)


def _sync(reference_dir: Path, listing: RemoteListing, selected: list[RemoteFile],
          progress: Callable[[Progress], None] | None, cancel: CancelToken, token: str | None,
          max_attempts: int, retry_wait: float, started: float) -> DownloadResult:
    """The download proper, under the cache's lock."""
    repo_id, revision = listing.repo_id, listing.requested_revision
    manifest = reference.read_manifest(reference_dir)
    recorded: dict[str, dict[str, Any]] = dict(manifest.get("files") or {})
    if manifest.get("repo_id") not in (None, repo_id):
        recorded = {}  # checksums of another dataset vouch for nothing here
    recorded = {path: entry for path, entry in recorded.items() if (reference_dir / path).is_file()}
    still_expected = [p for p in manifest.get("expected") or [] if p in recorded]
    expected = sorted(set(still_expected) | {f.path for f in selected},
                      key=lambda p: reference.sort_key(reference.chromosome_of(p) or p))

    def save() -> None:
        reference.write_manifest(reference_dir, {
            "repo_id": repo_id, "revision": listing.commit, "requested_revision": revision,
            "expected": expected, "files": recorded,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds")})

    result = DownloadResult(repo_id, listing.commit, revision)
    save()

    # Lazy: trust verified files; hash files nobody vouched for before fetching them again.
    to_check = [f for f in selected if not _vouched(reference_dir, f, recorded.get(f.path))]
    result.skipped = [f.path for f in selected if f not in to_check]
    to_fetch = []
    checker = ProgressMeter(progress, sum(f.size for f in to_check), len(to_check))
    for remote in to_check:
        target = reference_dir / remote.path
        if target.is_file() and target.stat().st_size == remote.size:
            checker.start_file(remote.path, remote.size, phase="checking")
            digest = sha256_of(target, checker.received, cancel)
            checker.finish_file()
            if digest == remote.sha256:
                recorded[remote.path] = reference.manifest_entry(target, digest)
                result.skipped.append(remote.path)
                continue
        recorded.pop(remote.path, None)  # whatever is there now is not what this revision holds
        to_fetch.append(remote)
    save()

    have = {f.path: partial_size(reference_dir / f.path, f) for f in to_fetch}
    needed = sum(f.size - have[f.path] for f in to_fetch)
    free = disk_free_bytes(reference_dir)
    if needed > free:
        raise DiskSpaceError(f"not enough free disk space in {reference_dir}: the reference needs "
                             f"{format_bytes(needed)} more, only {format_bytes(free)} is free")

    headers = auth_headers(token)
    meter = ProgressMeter(progress, sum(f.size for f in to_fetch), len(to_fetch))
    for remote in to_fetch:
        before = meter.transferred
        target = reference_dir / remote.path
        digest = fetch_file(file_url(listing, remote.path), headers, target, remote, meter, cancel,
                            max_attempts, retry_wait)
        recorded[remote.path] = reference.manifest_entry(target, digest)
        result.bytes_transferred += meter.transferred - before
        result.fetched.append(remote.path)
        save()
        meter.finish_file()
    _prepare_copies(reference_dir, selected, progress, cancel)
    meter.emit(force=True, phase="done")
    result.duration_sec = round(time.monotonic() - started, 3)
    result.status = reference.status(reference_dir)
    return result


def _prepare_copies(reference_dir: Path, selected: list[RemoteFile],
                    progress: Callable[[Progress], None] | None, cancel: CancelToken) -> None:
    """Build the decode-friendly copies now (core/reference/prepared.py), so no annotation pays for them.

    Optional by design: a copy that cannot be built (full disk) is simply read from the original.
    """
    todo = [f for f in selected
            if f.size >= prepared.MIN_SOURCE_BYTES
            and not prepared.is_fresh(reference_dir / f.path,
                                      prepared.prepared_path(reference_dir, reference_dir / f.path))]
    meter = ProgressMeter(progress, sum(f.size for f in todo), len(todo))
    for remote in todo:
        cancel.raise_if_cancelled()
        meter.start_file(remote.path, remote.size, phase="preparing")
        prepared.usable_copy(reference_dir, reference_dir / remote.path)
        meter.file_at(remote.size)
        meter.finish_file()


def _vouched(reference_dir: Path, remote: RemoteFile, entry: dict[str, Any] | None) -> bool:
    return bool(entry) and entry.get("sha256") == remote.sha256 and entry.get("size") == remote.size \
        and reference.is_vouched(reference_dir / remote.path, entry)


def verify_reference(reference_dir: Path, progress: Callable[[Progress], None] | None = None,
                     cancel: CancelToken | None = None) -> reference.VerifyReport:
    """`reference.verify` (re-hash everything, no network) reporting through the same Progress."""
    recorded = reference.read_manifest(Path(reference_dir)).get("files") or {}
    total = sum(int(entry.get("size") or 0) for entry in recorded.values())
    meter = ProgressMeter(progress, total, len(recorded))

    def on_progress(path: str, done: int, size: int) -> None:
        if path != meter.file:
            if meter.file is not None:
                meter.finish_file()
            meter.start_file(path, size, phase="checking")
        meter.file_at(done)

    report = reference.verify(Path(reference_dir), on_progress, cancel)
    if meter.file is not None:
        meter.finish_file()
    meter.emit(force=True, phase="done")
    return report
