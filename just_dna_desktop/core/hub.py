"""Files from a Hugging Face Hub dataset into a folder of ours: listed, fetched, verified, resumable.

`huggingface_hub` does what it is good at: listing a dataset's files at a revision with their size,
LFS sha256 or git blob id (and the commit that revision resolves to), building file URLs and auth
headers, honouring HF_ENDPOINT, HF_TOKEN (or the stored login) and HF_HUB_OFFLINE. The bytes we move
ourselves, over the same HTTP session, because the files must land at our own paths with no second
copy in the Hub's blob cache, and because a 1 GB file over a flaky line must resume where it stopped:

- each file streams into `<file>.incomplete`, hashed while written; a rerun re-hashes the partial
  bytes and asks for the rest with an HTTP Range request;
- size and checksum (LFS sha256, or git's blob sha1 for small files kept in git) are checked
  before the file is renamed into place; a mismatch deletes the partial file and fetches it once
  more, then fails with a clear message;
- dropped connections are retried with backoff while they make progress, and give up after a few
  attempts in a row that make none;
- a CancelToken stops the transfer within a fraction of a second, keeping the partial bytes.

The reference (`reference/download.py`) and annotation modules (`modules/download.py`) both fetch
through here. Every failure a person can meet is a `DownloadError` (a UserError) with a one-line
message; the token is never put in a message or a log.
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
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .cancel import CancelToken
from .errors import Cancelled, UserError

REPO_TYPE = "dataset"
MAX_ATTEMPTS = 5  # attempts in a row without progress before a file is given up
RETRY_WAIT = 0.5  # seconds before the first retry; doubles each time, up to RETRY_WAIT_MAX
RETRY_WAIT_MAX = 8.0
CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 60.0  # a stalled connection counts as dropped after this long
PROGRESS_INTERVAL = 0.1  # at most this often a progress callback (GUI signals are not free)
CANCEL_POLL = 0.1
HASH_CHUNK = 1 << 20
PARTIAL_SUFFIX = ".incomplete"
LOCK_NAME = ".just-dna-download.lock"


# --- errors ---------------------------------------------------------------------------------------

class DownloadError(UserError):
    """Files could not be fetched from the Hub; the message says why and what to do."""


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
    sha256: str | None  # of the content, for files in LFS (every parquet file)
    blob_id: str | None = None  # git's blob sha1, for small files kept in git itself (JSON, text)

    def verifiable(self) -> bool:
        return bool(self.sha256 or self.blob_id)


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


def list_dataset(repo_id: str, revision: str = "main", *, endpoint: str | None = None,
                 token: str | None = None,
                 settings: tuple[str, str] = ("reference_repo", "reference_revision / --revision")
                 ) -> RemoteListing:
    """Every file of the dataset at `revision`, with its size and checksum, and the commit the
    revision resolves to (fetches are pinned to it). `settings`: see `explain`."""
    from huggingface_hub import HfApi

    endpoint = hub_endpoint(endpoint)
    if is_offline():
        raise OfflineError(f"offline mode is on (HF_HUB_OFFLINE): cannot list {repo_id} on {endpoint}")
    try:
        info = HfApi(endpoint=endpoint, token=token).dataset_info(
            repo_id, revision=revision, files_metadata=True, timeout=CONNECT_TIMEOUT + READ_TIMEOUT)
    except (_http().HTTPError, OSError) as exc:  # HTTP, network and offline-mode errors
        raise explain(exc, repo_id, revision, endpoint, token, settings) from None
    if not info.sha:
        raise DownloadError(f"{endpoint} did not say which commit {repo_id}@{revision} is")
    files = []
    for sibling in info.siblings or []:
        if sibling.lfs is not None:
            files.append(RemoteFile(sibling.rfilename, int(sibling.lfs.size), sibling.lfs.sha256))
        elif sibling.size is not None:
            files.append(RemoteFile(sibling.rfilename, int(sibling.size), None, sibling.blob_id))
    return RemoteListing(repo_id, revision, info.sha, endpoint, tuple(files))


def file_url(listing: RemoteListing, path: str) -> str:
    """The URL of `path` at the listing's commit (never a moving branch)."""
    from huggingface_hub import hf_hub_url

    return hf_hub_url(listing.repo_id, path, repo_type=REPO_TYPE, revision=listing.commit,
                      endpoint=listing.endpoint)


def auth_headers(token: str | None) -> dict[str, str]:
    from huggingface_hub.utils import build_hf_headers

    return build_hf_headers(token=token)


def partial_path(target: Path) -> Path:
    return target.with_name(target.name + PARTIAL_SUFFIX)


def partial_size(target: Path, remote: RemoteFile) -> int:
    """Bytes an interrupted fetch of `remote` left beside `target` (0 if none, or too many)."""
    try:
        size = partial_path(target).stat().st_size
    except OSError:
        return 0
    return size if size <= remote.size else 0


def sha256_of(path: Path, on_bytes: Callable[[int], None] | None = None,
              cancel: CancelToken | None = None, hasher: Any = None) -> str:
    """Hex sha256 of a file, read in chunks; `on_bytes(n)` after each, cancellable between them.

    Pass a `hasher` to continue hashing into it.
    """
    hasher = hasher if hasher is not None else hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            if cancel is not None:
                cancel.raise_if_cancelled()
            hasher.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return hasher.hexdigest()


@contextlib.contextmanager
def download_lock(folder: Path, what: str = "download") -> Iterator[None]:
    """One download into `folder` at a time (the window and the command line may both try)."""
    from filelock import FileLock, Timeout

    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise DownloadError(f"another {what} into {folder} is running: wait for it to finish or "
                            f"cancel it") from None
    try:
        yield
    finally:
        lock.release()


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


# --- disk space -----------------------------------------------------------------------------------

def disk_free_bytes(path: Path) -> int:
    """Free bytes on the disk holding `path` (or its nearest existing parent). Tests replace this."""
    path = Path(path)
    while not path.exists() and path.parent != path:
        path = path.parent
    return shutil.disk_usage(path).free


# --- fetching one file ---------------------------------------------------------------------------

class _Retry(Exception):
    """A transfer attempt that failed in a way worth retrying (dropped, timed out, 5xx)."""


@dataclass
class _Partial:
    """The `.incomplete` file and the hashes of exactly the bytes it holds: sha256 always (what a
    manifest records), and git's blob sha1 for a file the listing vouches for only by that."""

    path: Path
    hasher: Any
    size: int
    blob: Any = None

    @classmethod
    def empty(cls, path: Path, remote: RemoteFile) -> "_Partial":
        blob = None
        if not remote.sha256:
            blob = hashlib.sha1(b"blob %d\0" % remote.size)
        return cls(path, hashlib.sha256(), 0, blob)

    def update(self, chunk: bytes) -> None:
        self.hasher.update(chunk)
        if self.blob is not None:
            self.blob.update(chunk)
        self.size += len(chunk)

    def matches(self, remote: RemoteFile) -> bool:
        if remote.sha256:
            return self.hasher.hexdigest() == remote.sha256
        return self.blob is not None and self.blob.hexdigest() == remote.blob_id

    def mismatch(self, remote: RemoteFile) -> str:
        if remote.sha256:
            return f"sha256 {self.hasher.hexdigest()[:12]}..., expected {remote.sha256[:12]}..."
        got = self.blob.hexdigest() if self.blob is not None else "?"
        return f"git blob {got[:12]}..., expected {(remote.blob_id or '')[:12]}..."


def fetch_file(url: str, headers: dict[str, str], target: Path, remote: RemoteFile,
               meter: ProgressMeter, cancel: CancelToken, max_attempts: int = MAX_ATTEMPTS,
               retry_wait: float = RETRY_WAIT) -> str:
    """Download one file into place through `<target>.incomplete`, verified against the listing's
    checksum before the rename; returns the file's sha256 (hex)."""
    if is_offline():  # huggingface_hub's session only knows the setting it was imported with
        raise OfflineError(f"offline mode is on (HF_HUB_OFFLINE): cannot download {remote.path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    meter.start_file(remote.path, remote.size)
    part = _resume(partial_path(target), remote, meter, cancel)
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
        if part.size == remote.size and part.matches(remote):
            os.replace(part.path, target)
            return part.hasher.hexdigest()
        part.path.unlink(missing_ok=True)
        bad_checksums += 1
        if bad_checksums > 1:
            raise ChecksumError(
                f"{remote.path} arrived corrupt twice ({part.mismatch(remote)}); the bad copy was "
                f"deleted, try again later")
        part = _Partial.empty(part.path, remote)
        meter.file_at(0)


def _size_on_disk(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def holds(path: Path, remote: RemoteFile, cancel: CancelToken | None = None) -> bool:
    """Whether the file at `path` is `remote` (its size, and its LFS sha256 or git blob id): a
    file fetched before is kept, not fetched again."""
    if not path.is_file() or path.stat().st_size != remote.size:
        return False
    part = _Partial.empty(path, remote)
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            if cancel is not None:
                cancel.raise_if_cancelled()
            part.update(chunk)
    return part.matches(remote)


def _resume(path: Path, remote: RemoteFile, meter: ProgressMeter, cancel: CancelToken) -> _Partial:
    """Re-hash the bytes an earlier attempt left; a partial longer than the file is dropped."""
    part = _Partial.empty(path, remote)
    meter.file_at(0)
    size = _size_on_disk(path)
    if size > remote.size:
        path.unlink()
        size = 0
    if size:
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                cancel.raise_if_cancelled()
                part.update(chunk)
                meter.file_at(meter.file_done + len(chunk))
    return part


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
                fresh = _Partial.empty(part.path, remote)
                part.hasher, part.blob, part.size = fresh.hasher, fresh.blob, 0
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
                    part.update(chunk)
                    meter.received(len(chunk))
                    cancel.raise_if_cancelled()
    except OfflineModeIsEnabled:
        raise OfflineError(f"offline mode is on (HF_HUB_OFFLINE): cannot download {remote.path}") from None
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

    reader = threading.Thread(target=pump, name="hub-download-reader", daemon=True)
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


def explain(exc: Exception, repo_id: str, revision: str, endpoint: str, token: str | None,
            settings: tuple[str, str] = ("reference_repo", "reference_revision / --revision")
            ) -> Exception:
    """A one-line DownloadError for whatever listing the repo raised (the token never appears);
    `settings` names where the repo id and the revision came from, for the advice."""
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
                             f"check {settings[1]}")
    if code in (401, 403):
        return AuthError(_auth_message(code, repo_id, token_sent))
    if isinstance(exc, RepositoryNotFoundError) or code == 404:
        return NotFoundError(f"dataset {repo_id} not found on {endpoint} (404): check {settings[0]}")
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
