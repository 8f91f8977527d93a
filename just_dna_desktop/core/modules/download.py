"""Getting modules from their source into the cache, with the reference's transfer machinery.

From a Hub dataset, each module's files are fetched at the commit the listing resolved to
(`core/hub.py`: verified against the Hub's checksums, resumable, cancellable, with progress and a
free-space check first) into a staging folder beside the store, `.incoming/<name>/`, which a
later attempt resumes. When the module has a manifest, it is fetched first and only the files its
artifact lists are fetched after it (a Hub folder may keep files of older uploads). From a local
folder source, the module is copied. Either way the store installs it only once its bytes verify
(`store.ModuleStore.install`), replacing an older copy in one rename.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..cancel import CancelToken
from ..errors import UserError
from ..hub import (MAX_ATTEMPTS, RETRY_WAIT, DiskSpaceError, DownloadError, Progress,
                   ProgressMeter, RemoteFile, RemoteListing, auth_headers, disk_free_bytes,
                   download_lock, fetch_file, file_url, format_bytes, holds, partial_size)
from .format import MANIFEST_NAME, check_module_name
from .sources import AvailableModule
from ..housekeeping import remove, temp_dir
from .store import InstalledModule, ModuleStore, copy_module
from .verify import ModuleRefused, verify_module

INCOMING = ".incoming"


@dataclass
class GetResult:
    name: str
    module: InstalledModule | None = None
    error: str | None = None        # one line: why it was not installed
    bytes_transferred: int = 0


def get_modules(store: ModuleStore, modules: list[AvailableModule], *,
                allow_unverified: bool = False, progress: Callable[[Progress], None] | None = None,
                cancel: CancelToken | None = None, token: str | None = None,
                max_attempts: int = MAX_ATTEMPTS, retry_wait: float = RETRY_WAIT
                ) -> list[GetResult]:
    """Fetch and install each module; a module that fails verification is reported in its result
    and the others go on. Raises DownloadError (no network, disk full, ...) and Cancelled."""
    cancel = cancel or CancelToken()
    for module in modules:
        check_module_name(module.name)
    with download_lock(store.root, "module download"):
        hub_modules = [m for m in modules if m.source.kind == "hub"]
        _check_space(store, hub_modules)
        meter = ProgressMeter(progress, sum(m.size for m in hub_modules),
                              sum(len(m.files) for m in hub_modules))
        results = []
        for module in modules:
            cancel.raise_if_cancelled()
            result = GetResult(module.name)
            before = meter.transferred
            staging = None
            try:
                if module.source.kind == "hub":
                    staged = _fetch(store, module, meter, cancel, token, max_attempts, retry_wait)
                    target = module.source.store_folder(store.cache_dir) / module.path
                    revision = module.commit
                else:
                    verify_module(Path(module.path), cancel)  # a refusal names their file
                    target = module.source.store_folder(store.cache_dir) / module.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    staging = temp_dir(target)
                    staged = staging / module.name
                    copy_module(Path(module.path), staged)
                    revision = None
                result.module = store.install(staged, target, source=module.source.label,
                                              revision=revision, allow_unverified=allow_unverified,
                                              cancel=cancel)
            except DownloadError:
                raise  # the network or the disk: the next module would fail the same way
            except UserError as exc:
                result.error = str(exc)
            finally:
                result.bytes_transferred = meter.transferred - before
                if staging is not None:
                    remove(staging)
            results.append(result)
        meter.emit(force=True, phase="done")
        return results


def incoming_folder(store: ModuleStore, module: AvailableModule) -> Path:
    return module.source.store_folder(store.cache_dir) / INCOMING / module.name


def _fetch(store: ModuleStore, module: AvailableModule, meter: ProgressMeter, cancel: CancelToken,
           token: str | None, max_attempts: int, retry_wait: float) -> Path:
    """The module's files in its staging folder, each verified against the Hub's listing."""
    staging = incoming_folder(store, module)
    staging.mkdir(parents=True, exist_ok=True)
    listing = RemoteListing(module.source.location, module.source.revision, module.commit or "",
                            module.endpoint or "", module.files)
    headers = auth_headers(token)
    by_name = {f.path.rsplit("/", 1)[1]: f for f in module.files}
    wanted = list(by_name)
    if MANIFEST_NAME in by_name:
        _fetch_one(listing, headers, staging, by_name[MANIFEST_NAME], meter, cancel,
                   max_attempts, retry_wait)
        listed = _artifact_names(staging / MANIFEST_NAME)
        missing = [n for n in listed if n not in by_name]
        if missing:
            raise ModuleRefused(f"{module.source.label}: {module.path}/{missing[0]} is listed in "
                                f"the module's manifest but not on the Hub")
        wanted = [MANIFEST_NAME, *listed]
    else:
        wanted = [n for n in wanted if n.endswith(".parquet")]
    skipped = [f for n, f in by_name.items() if n not in wanted]  # older uploads', a logo
    meter.total -= sum(f.size for f in skipped)
    meter.files_total -= len(skipped)
    for name in wanted:
        if name != MANIFEST_NAME:
            _fetch_one(listing, headers, staging, by_name[name], meter, cancel, max_attempts,
                       retry_wait)
    for stale in staging.iterdir():  # files of an earlier attempt at another version
        if stale.name not in wanted:
            remove(stale)
    return staging


def _fetch_one(listing: RemoteListing, headers: dict[str, str], staging: Path, remote: RemoteFile,
               meter: ProgressMeter, cancel: CancelToken, max_attempts: int,
               retry_wait: float) -> None:
    target = staging / remote.path.rsplit("/", 1)[1]
    if holds(target, remote, cancel):
        meter.start_file(remote.path, remote.size, phase="checking")
        meter.file_at(remote.size)
        meter.finish_file()
        return
    target.unlink(missing_ok=True)
    fetch_file(file_url(listing, remote.path), headers, target, remote, meter, cancel,
               max_attempts, retry_wait)
    meter.finish_file()


def _artifact_names(manifest: Path) -> list[str]:
    """The file names a downloaded manifest lists (checked properly when the module verifies)."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        names = [e["name"] for e in data["artifact"]["files"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModuleRefused(f"{manifest}: not a readable module manifest ({exc})") from None
    for name in names:
        if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
            raise ModuleRefused(f"{manifest}: lists an unusable file name ({name!r})")
    return names


def _check_space(store: ModuleStore, modules: list[AvailableModule]) -> None:
    needed = 0
    for module in modules:
        staging = incoming_folder(store, module)
        for remote in module.files:
            target = staging / remote.path.rsplit("/", 1)[1]
            if not (target.is_file() and target.stat().st_size == remote.size):
                needed += remote.size - partial_size(target, remote)
    # The installed copy is replaced by a rename, so the space needed is the download's.
    free = disk_free_bytes(store.root)
    if needed > free:
        raise DiskSpaceError(f"not enough free disk space in {store.root}: the modules need "
                             f"{format_bytes(needed)} more, only {format_bytes(free)} is free")
