"""A module's bytes checked against its manifest, as the just-dna format defines it.

The manifest's `artifact` lists every parquet file with `"sha256:<hex>"` and its size in bytes, and
an artifact digest over that list: the entries `{name, sha256, size}` sorted by name, serialised
as compact JSON with sorted keys (`json.dumps(..., sort_keys=True, separators=(",", ":"))`), hashed
with sha256 and written `"sha256:<hex>"` (just-dna-format 0.7 `integrity.artifact_digest`; the same
since 0.4). Here each file is hashed again and the digest recomputed from what is on disk; a module
passes only when every file, the list and the digest agree, and it is for GRCh38.

A module with no manifest cannot be verified: it is reported as such (`Verification.verified`
false), never refused, because the person may choose to use it marked "unverified". Anything that
does not match is refused (`ModuleRefused`, one line naming the file). The same digest, computed
over a module's own parquet files, also fingerprints an unverified module for staleness.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..cancel import CancelToken
from ..errors import UserError
from ..hub import sha256_of
from .format import MANIFEST_NAME, SUPPORTED_BUILD, is_supported_build, read_manifest


class ModuleRefused(UserError):
    """A module whose files do not match its manifest, or that is not for GRCh38: never used."""


@dataclass(frozen=True)
class Verification:
    verified: bool     # every file matches a manifest
    digest: str        # the manifest's artifact digest, else the one computed over the files
    files: dict[str, dict[str, Any]]   # name -> {size, sha256 (hex)} as hashed now


def artifact_digest(entries: list[dict[str, Any]]) -> str:
    """The format's digest of a list of {name, sha256 ("sha256:<hex>"), size} entries."""
    listing = sorted(({"name": e["name"], "sha256": e["sha256"], "size": e["size"]}
                      for e in entries), key=lambda e: e["name"])
    text = json.dumps(listing, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_module(folder: Path, cancel: CancelToken | None = None,
                  on_bytes: Callable[[int], None] | None = None) -> Verification:
    """Hash the module's files and check them against its manifest; raises ModuleRefused."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        files = {p.name: _hashed(p, cancel, on_bytes) for p in _parquet_files(folder)}
        return Verification(False, artifact_digest(_entries(files)), files)
    manifest_path = folder / MANIFEST_NAME
    build = manifest.get("genome_build") or SUPPORTED_BUILD
    if not is_supported_build(build):
        raise ModuleRefused(f"{manifest_path}: the module is for {build}; the reference and every "
                            f"result here are {SUPPORTED_BUILD}")
    artifact = manifest.get("artifact")
    listed = artifact.get("files") if isinstance(artifact, dict) else None
    if not isinstance(listed, list) or not listed:
        raise ModuleRefused(f"{manifest_path}: lists no files to verify (no artifact.files)")
    files: dict[str, dict[str, Any]] = {}
    for entry in listed:
        name, sha, size = _entry(entry, manifest_path)
        path = folder / name
        if not path.is_file():
            raise ModuleRefused(f"{path}: missing (the manifest lists it)")
        if path.stat().st_size != size:
            raise ModuleRefused(f"{path}: {path.stat().st_size:,} bytes, the manifest says "
                                f"{size:,}: the file was changed or cut short")
        hashed = _hashed(path, cancel, on_bytes)
        if "sha256:" + hashed["sha256"] != sha:
            raise ModuleRefused(f"{path}: its sha256 does not match the manifest: the file was "
                                f"changed after the module was compiled")
        files[name] = hashed
    for path in _parquet_files(folder):  # every table a reader may open, not the lead alone
        if path.name not in files:
            raise ModuleRefused(f"{path}: not listed in the manifest, so it cannot be trusted")
    digest = artifact.get("digest")
    if artifact_digest(_entries(files)) != digest:
        raise ModuleRefused(f"{manifest_path}: the artifact digest does not match the files it "
                            f"lists: the manifest was changed")
    return Verification(True, str(digest), files)


def _entry(entry: Any, manifest_path: Path) -> tuple[str, str, int]:
    if not isinstance(entry, dict):
        raise ModuleRefused(f"{manifest_path}: a file entry is not an object")
    name, sha, size = entry.get("name"), entry.get("sha256"), entry.get("size")
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ModuleRefused(f"{manifest_path}: a file entry has an unusable name ({name!r})")
    if not isinstance(sha, str) or not sha.startswith("sha256:") or \
            not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ModuleRefused(f"{manifest_path}: the entry for {name} has no usable sha256 and size")
    return name, sha, size


def _hashed(path: Path, cancel: CancelToken | None,
            on_bytes: Callable[[int], None] | None) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": sha256_of(path, on_bytes, cancel)}


def _entries(files: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": name, "sha256": "sha256:" + f["sha256"], "size": f["size"]}
            for name, f in files.items()]


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix == ".parquet")
