"""Fetching the Ensembl reference from the Hugging Face Hub into the cache, verified, resumable.

`huggingface_hub` does what it is good at: listing the dataset's files at a revision with their LFS
size and sha256 (and the commit sha that revision resolves to), building file URLs and auth headers,
honouring HF_ENDPOINT, HF_TOKEN (or the stored login) and HF_HUB_OFFLINE. The bytes we move
ourselves, over the same HTTP session, because the files must land at
`{cache}/ensembl_variations/<repo path>` with no second copy in the Hub's blob cache, and because
a 1 GB file over a flaky line must resume where it stopped:

- each file streams into `<file>.incomplete`, hashed while written; a rerun re-hashes the partial
  bytes and asks for the rest with an HTTP Range request;
- size and sha256 are checked before the file is renamed into place; a mismatch deletes the partial
  file and fetches it once more, then fails with a clear message;
- a file whose manifest entry still matches its size and mtime is trusted without re-hashing;
- dropped connections are retried with backoff while they make progress, and give up after a few
  attempts in a row that make none;
- a CancelToken stops the transfer within a fraction of a second, keeping the partial bytes.

Every failure a person can meet is a `DownloadError` (a UserError) with a one-line message. The
token is never put in a message, a log or the manifest.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import hashlib
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import prepared, cache as reference
from ..cancel import CancelToken
from ..errors import Cancelled, UserError

DEFAULT_REPO = "just-dna-seq/ensembl_variations"
REPO_TYPE = "dataset"
MAX_ATTEMPTS = 5  # attempts in a row without progress before a file is given up
RETRY_WAIT = 0.5  # seconds before the first retry; doubles each time, up to RETRY_WAIT_MAX
RETRY_WAIT_MAX = 8.0
CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 60.0  # a stalled connection counts as dropped after this long
PROGRESS_INTERVAL = 0.1
LOCK_NAME = ".just-dna-download.lock"  # at most this often a progress callback (GUI signals are not free)
CANCEL_POLL = 0.1


# --- errors ---------------------------------------------------------------------------------------

class DownloadError(UserError):
    """The reference could not be fetched; the message says why and what to do."""


class OfflineError(DownloadError):
    """No network, or offline mode (HF_HUB_OFFLINE) is on."""


class AuthError(DownloadError):
    """401/403: a token is needed, or the one given was refused."""


class NotFoundError(DownloadError):
    """404: wrong repo id, revision or file."""


class DiskSpaceError(DownloadError):
    """Not enough free space before starting, or the disk filled up while writing."""


class ChecksumError(DownloadError):
    """A file kept arriving with the wrong size or sha256."""


class ConnectionFailedError(DownloadError):
    """The connection dropped repeatedly without making progress."""


# --- what the Hub has -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteFile:
    path: str  # path inside the repo, e.g. data/homo_sapiens-chr21.parquet
    size: int
    sha256: str


@dataclass(frozen=True)
class RemoteListing:
    repo_id: str
    requested_revision: str
    commit: str  # the commit sha the revision resolved to; downloads are pinned to it
    endpoint: str
    files: tuple[RemoteFile, ...]


def hub_endpoint(endpoint: str | None = None) -> str:
    """The Hub to talk to: explicit, else HF_ENDPOINT as set now, else huggingface_hub's default."""
    if endpoint:
        return endpoint.rstrip("/")
    if os.environ.get("HF_ENDPOINT"):
        return os.environ["HF_ENDPOINT"].rstrip("/")
    from huggingface_hub import constants

    return constants.ENDPOINT.rstrip("/")


def is_offline() -> bool:
    """HF_HUB_OFFLINE as huggingface_hub read it at import, or as it is set now."""
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE", "").strip().upper()
    return constants.is_offline_mode() or value in {"1", "ON", "YES", "TRUE"}


def list_remote(repo_id: str = DEFAULT_REPO, revision: str = "main", *, endpoint: str | None = None,
                token: str | None = None) -> RemoteListing:
    """The dataset's reference files at `revision`, with LFS size + sha256 and the resolved commit."""
    from huggingface_hub import HfApi

    endpoint = hub_endpoint(endpoint)
    if is_offline():
        raise OfflineError(f"offline mode is on (HF_HUB_OFFLINE): cannot list {repo_id} on {endpoint}")
    try:
        info = HfApi(endpoint=endpoint, token=token).dataset_info(
            repo_id, revision=revision, files_metadata=True, timeout=CONNECT_TIMEOUT + READ_TIMEOUT)
    except (_http().HTTPError, OSError) as exc:  # HTTP, network and offline-mode errors
        raise _explain(exc, repo_id, revision, endpoint, token) from None
    if not info.sha:
        raise DownloadError(f"{endpoint} did not say which commit {repo_id}@{revision} is")
    files = []
    for sibling in info.siblings or []:
        if reference.chromosome_of(sibling.rfilename) is None:
            continue
        if sibling.lfs is None or sibling.size is None:
            # The reference files are all LFS; without a sha256 we could not verify one.
            raise DownloadError(f"{repo_id}@{revision}: {sibling.rfilename} has no LFS checksum to verify")
        files.append(RemoteFile(sibling.rfilename, int(sibling.lfs.size), sibling.lfs.sha256))
    # The current layout is flat (data/homo_sapiens-chrN.parquet); older revisions had folders.
    flat = [f for f in files if f.path.startswith("data/") and f.path.count("/") == 1]
    chosen = sorted(flat or files, key=lambda f: reference.sort_key(reference.chromosome_of(f.path) or ""))
    if not chosen:
        raise NotFoundError(f"{repo_id}@{revision} holds no reference parquet files")
    return RemoteListing(repo_id, revision, info.sha, endpoint, tuple(chosen))


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


# --- progress -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """One progress report, shared by the GUI and the CLI. Bytes count what is fetched this run
    plus what an interrupted run left behind; `speed` only counts bytes moved over the network."""

    phase: str  # checking (hashing what is on disk) | downloading | preparing | done
    file: str | None  # repo path of the current file
    file_done: int
    file_total: int
    done: int
    total: int
    files_done: int
    files_total: int
    speed: float  # bytes per second over the last few seconds
    eta_seconds: float | None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def file_fraction(self) -> float:
        return self.file_done / self.file_total if self.file_total else 1.0

    def describe(self) -> str:
        """A short line such as 'chr21 3/25  1.2/2.6 GB  12.3 MB/s  ETA 2m03s'."""
        name = Path(self.file).name if self.file else ""
        parts = [f"{name} {min(self.files_done + 1, self.files_total)}/{self.files_total}".strip(),
                 f"{format_bytes(self.done)}/{format_bytes(self.total)}"]
        if self.phase in ("checking", "preparing"):
            parts.append(self.phase)
        elif self.speed > 0:
            parts.append(f"{format_bytes(self.speed)}/s")
        if self.eta_seconds is not None and self.phase == "downloading":
            parts.append(f"ETA {format_duration(self.eta_seconds)}")
        return "  ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProgressMeter:
    """Turns byte counts into throttled Progress reports with a sliding-window speed and ETA."""

    WINDOW = 5.0

    def __init__(self, callback: Callable[[Progress], None] | None, total: int, files_total: int,
                 clock: Callable[[], float] = time.monotonic):
        self.callback = callback
        self.total = total
        self.files_total = files_total
        self.done = 0
        self.files_done = 0
        self.transferred = 0
        self.phase = "downloading"
        self.file: str | None = None
        self.file_done = 0
        self.file_total = 0
        self._clock = clock
        self._samples: collections.deque[tuple[float, int]] = collections.deque()
        self._last_emit = -1e9

    def start_file(self, path: str, size: int, phase: str = "downloading") -> None:
        self.file, self.file_total, self.file_done, self.phase = path, size, 0, phase
        self.emit(force=True)

    def file_at(self, file_done: int) -> None:
        """The current file now holds `file_done` good bytes (e.g. a partial file just re-hashed)."""
        self.done += file_done - self.file_done
        self.file_done = file_done
        self.emit()

    def received(self, n: int) -> None:
        self.transferred += n
        self.file_at(self.file_done + n)

    def finish_file(self) -> None:
        self.files_done += 1
        self.emit(force=True)

    def speed(self) -> float:
        now = self._clock()
        self._samples.append((now, self.transferred))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.WINDOW:
            self._samples.popleft()
        first_time, first_bytes = self._samples[0]
        elapsed = now - first_time
        return (self.transferred - first_bytes) / elapsed if elapsed > 0 else 0.0

    def emit(self, force: bool = False, phase: str | None = None) -> None:
        if self.callback is None:
            return
        now = self._clock()
        if not force and now - self._last_emit < PROGRESS_INTERVAL:
            return
        self._last_emit = now
        speed = self.speed()
        remaining = max(0, self.total - self.done)
        eta = remaining / speed if speed > 0 else (0.0 if remaining == 0 else None)
        self.callback(Progress(phase or self.phase, self.file, self.file_done, self.file_total,
                               self.done, self.total, self.files_done, self.files_total, speed, eta))


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


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
        return remote.size - _partial_size(reference_dir, remote)

    return DownloadPlan(listing.repo_id, listing.commit,
                        [reference.chromosome_of(f.path) or f.path for f in selected],
                        len(listing.files), sum(f.size for f in selected),
                        sum(still_needed(f) for f in selected), disk_free_bytes(reference_dir),
                        chosen is not None)


# --- disk space -----------------------------------------------------------------------------------

def disk_free_bytes(path: Path) -> int:
    """Free bytes on the disk holding `path` (or its nearest existing parent). Tests replace this."""
    path = Path(path)
    while not path.exists() and path.parent != path:
        path = path.parent
    return shutil.disk_usage(path).free


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
    with _download_lock(reference_dir):
        return _sync(reference_dir, listing, selected, progress, cancel, token, max_attempts,
                     retry_wait, started)


@contextlib.contextmanager
def _download_lock(reference_dir: Path) -> Iterator[None]:
    """One download per cache at a time (the window and the command line may both try)."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(reference_dir / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise DownloadError(f"another download into {reference_dir} is running: wait for it "
                            f"to finish or cancel it") from None
    try:
        yield
    finally:
        lock.release()


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
            digest = reference.sha256_of(target, checker.received, cancel)
            checker.finish_file()
            if digest == remote.sha256:
                recorded[remote.path] = reference.manifest_entry(target, digest)
                result.skipped.append(remote.path)
                continue
        recorded.pop(remote.path, None)  # whatever is there now is not what this revision holds
        to_fetch.append(remote)
    save()

    have = {f.path: _partial_size(reference_dir, f) for f in to_fetch}
    needed = sum(f.size - have[f.path] for f in to_fetch)
    free = disk_free_bytes(reference_dir)
    if needed > free:
        raise DiskSpaceError(f"not enough free disk space in {reference_dir}: the reference needs "
                             f"{format_bytes(needed)} more, only {format_bytes(free)} is free")

    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    headers = build_hf_headers(token=token)
    meter = ProgressMeter(progress, sum(f.size for f in to_fetch), len(to_fetch))
    for remote in to_fetch:
        url = hf_hub_url(repo_id, remote.path, repo_type=REPO_TYPE, revision=listing.commit,
                         endpoint=listing.endpoint)
        before = meter.transferred
        recorded[remote.path] = _fetch_file(url, headers, reference_dir / remote.path, remote, meter,
                                            cancel, max_attempts, retry_wait)
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


def _partial_path(target: Path) -> Path:
    return target.with_name(target.name + reference.PARTIAL_SUFFIX)


def _partial_size(reference_dir: Path, remote: RemoteFile) -> int:
    try:
        size = _partial_path(reference_dir / remote.path).stat().st_size
    except OSError:
        return 0
    return size if size <= remote.size else 0


class _Retry(Exception):
    """A transfer attempt that failed in a way worth retrying (dropped, timed out, 5xx)."""


@dataclass
class _Partial:
    """The `.incomplete` file and the sha256 of exactly the bytes it holds."""

    path: Path
    hasher: Any
    size: int


def _fetch_file(url: str, headers: dict[str, str], target: Path, remote: RemoteFile,
                meter: ProgressMeter, cancel: CancelToken, max_attempts: int,
                retry_wait: float) -> dict[str, Any]:
    """Download one file into place, verified; returns its manifest entry."""
    target.parent.mkdir(parents=True, exist_ok=True)
    meter.start_file(remote.path, remote.size)
    part = _resume(_partial_path(target), remote, meter, cancel)
    bad_checksums = 0
    failures = 0
    while True:
        if part.size < remote.size:
            before = part.size
            try:
                _transfer(url, headers, part, remote, meter, cancel)
            except _Retry as exc:
                if _size_on_disk(part.path) != part.size:
                    part = _resume(part.path, remote, meter, cancel)  # a write was cut short
                failures = 0 if part.size > before else failures + 1
                if failures >= max_attempts:
                    raise ConnectionFailedError(
                        f"downloading {remote.path} failed {failures} times in a row ({exc}); "
                        f"{format_bytes(part.size)} of {format_bytes(remote.size)} are kept: run the "
                        f"download again to resume") from None
                if cancel.wait(min(RETRY_WAIT_MAX, retry_wait * 2 ** max(0, failures - 1))):
                    raise Cancelled("cancelled") from None
                continue
        digest = part.hasher.hexdigest()
        if part.size == remote.size and digest == remote.sha256:
            os.replace(part.path, target)
            return reference.manifest_entry(target, remote.sha256)
        part.path.unlink(missing_ok=True)
        bad_checksums += 1
        if bad_checksums > 1:
            raise ChecksumError(
                f"{remote.path} arrived corrupt twice (sha256 {digest[:12]}..., expected "
                f"{remote.sha256[:12]}...); the bad copy was deleted, try again later")
        part = _Partial(part.path, hashlib.sha256(), 0)
        meter.file_at(0)


def _size_on_disk(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _resume(path: Path, remote: RemoteFile, meter: ProgressMeter, cancel: CancelToken) -> _Partial:
    """Re-hash the bytes an earlier attempt left; a partial longer than the file is dropped."""
    hasher = hashlib.sha256()
    meter.file_at(0)
    size = _size_on_disk(path)
    if size > remote.size:
        path.unlink()
        size = 0
    if size:
        reference.sha256_of(path, lambda n: meter.file_at(meter.file_done + n), cancel, hasher)
    return _Partial(path, hasher, size)


def _transfer(url: str, headers: dict[str, str], part: _Partial, remote: RemoteFile,
              meter: ProgressMeter, cancel: CancelToken) -> None:
    """One HTTP request for the bytes after `part.size`, appended to the partial file as they come."""
    from huggingface_hub.errors import OfflineModeIsEnabled
    from huggingface_hub.utils import get_session

    http = _http()

    request_headers = dict(headers)
    if part.size:
        request_headers["Range"] = f"bytes={part.size}-"
    timeout = http.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    try:
        with get_session().stream("GET", url, headers=request_headers, timeout=timeout,
                                  follow_redirects=True) as response:
            code = response.status_code
            if code == 416 and part.size == remote.size:
                return  # every byte was already there
            if code in (401, 403):
                raise AuthError(_auth_message(code, remote.path, "authorization" in headers))
            if code == 404:
                raise NotFoundError(f"{remote.path} not found on the Hub (404): check the repo and revision")
            if code >= 400:
                raise _Retry(f"the server answered {code}")
            if part.size and code == 200:
                # The server ignored the Range request: start this file over.
                part.path.unlink(missing_ok=True)
                part.hasher, part.size = hashlib.sha256(), 0
                meter.file_at(0)
            elif code == 206:
                start = _content_range_start(response.headers.get("content-range"))
                if start != part.size:
                    raise _Retry(f"asked for bytes from {part.size}, got a range from {start}")
            with open(part.path, "ab") as out:
                for chunk in _chunks(response, cancel):
                    if part.size + len(chunk) > remote.size:
                        raise _Retry("the server sent more bytes than the file has")
                    out.write(chunk)
                    part.hasher.update(chunk)
                    part.size += len(chunk)
                    meter.received(len(chunk))
                    cancel.raise_if_cancelled()
    except OfflineModeIsEnabled:
        raise OfflineError("offline mode is on (HF_HUB_OFFLINE): cannot download the reference") from None
    except http.TransportError as exc:
        raise _Retry(_network_reason(exc)) from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            raise DiskSpaceError(f"the disk is full while writing {part.path}: free some space and run "
                                 f"the download again (the bytes so far are kept)") from None
        raise
    if part.size < remote.size:
        raise _Retry(f"the connection closed after {part.size} of {remote.size} bytes")


def _http() -> Any:
    """The HTTP library behind huggingface_hub's session: httpx2 (hub 2.x) or httpx (hub 1.x)."""
    try:
        import httpx2
        return httpx2
    except ImportError:  # pragma: no cover - huggingface_hub 1.x
        import httpx
        return httpx


_END = object()


def _chunks(response: Any, cancel: CancelToken) -> Iterator[bytes]:
    """The response body, read on a helper thread so a stalled socket never delays a cancel.

    The consumer waits on a small queue in short slices and checks the token between them; on
    cancel it leaves, the response is closed, and the reader thread ends with it.
    """
    items: queue.Queue[Any] = queue.Queue(maxsize=8)
    stop = threading.Event()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                items.put(item, timeout=CANCEL_POLL)
                return
            except queue.Full:
                continue

    def pump() -> None:
        try:
            for chunk in response.iter_bytes():  # as it arrives, not re-chunked
                if stop.is_set():
                    return
                put(chunk)
            put(_END)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)

    reader = threading.Thread(target=pump, name="reference-download-reader", daemon=True)
    reader.start()
    try:
        while True:
            try:
                item = items.get(timeout=CANCEL_POLL)
            except queue.Empty:
                cancel.raise_if_cancelled()
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _content_range_start(value: str | None) -> int | None:
    # "bytes 100-999/1000"
    try:
        return int(value.split()[1].split("-")[0]) if value else None
    except (IndexError, ValueError):
        return None


# --- error messages -------------------------------------------------------------------------------

def _auth_message(code: int, what: str, token_sent: bool) -> str:
    if token_sent:
        return (f"the Hub refused the token for {what} ({code}): check that HF_TOKEN (or your "
                f"`hf auth login`) is valid and can read this dataset")
    return (f"the Hub needs a token for {what} ({code}): set HF_TOKEN or run `hf auth login`, "
            f"and check the repo id")


def _network_reason(exc: Exception) -> str:
    name = type(exc).__name__
    text = " ".join(str(exc).split())
    return f"{name}: {text}" if text else name


def _explain(exc: Exception, repo_id: str, revision: str, endpoint: str, token: str | None) -> Exception:
    """A one-line DownloadError for whatever listing the repo raised (the token never appears)."""
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
    from huggingface_hub.utils import get_token

    http = _http()
    what = f"{repo_id}@{revision}"
    if isinstance(exc, OfflineModeIsEnabled):
        return OfflineError(f"offline mode is on (HF_HUB_OFFLINE): cannot list {what}")
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None)
    token_sent = bool(token or get_token())
    if isinstance(exc, GatedRepoError):
        return AuthError(f"{repo_id} is gated: accept its conditions on {endpoint} and set HF_TOKEN")
    if isinstance(exc, RevisionNotFoundError):
        return NotFoundError(f"revision {revision!r} not found in {repo_id} on {endpoint} (404): "
                             f"check reference_revision / --revision")
    if code in (401, 403):
        return AuthError(_auth_message(code, repo_id, token_sent))
    if isinstance(exc, RepositoryNotFoundError) or code == 404:
        return NotFoundError(f"dataset {repo_id} not found on {endpoint} (404): check reference_repo")
    if isinstance(exc, HfHubHTTPError) and code is not None:
        return DownloadError(f"the Hub at {endpoint} answered {code} for {what}: try again later")
    if isinstance(exc, (http.ConnectError, http.ConnectTimeout)):
        return OfflineError(f"cannot reach {endpoint}: no network connection? ({_network_reason(exc)})")
    if isinstance(exc, http.TransportError):
        return ConnectionFailedError(f"the connection to {endpoint} failed while listing {what} "
                                     f"({_network_reason(exc)})")
    if isinstance(exc, UserError):
        return exc
    return DownloadError(f"could not list {what} on {endpoint}: {type(exc).__name__}: {exc}")


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
