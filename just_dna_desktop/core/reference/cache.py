"""The local copy of the Ensembl variation reference: where its files are and what state it is in.

Every layout the dataset has had is accepted, found by chromosome from the file name:
`data/homo_sapiens-chr1.parquet` (current, `alt` joined with `|`), `data/SNV/homo_sapiens-chr1.parquet`,
`splitted_variants/SNV/snp-chr1.parquet` and `snp-chr1.parquet` (older, one folder per variant type).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..cancel import CancelToken
from ..hub import PARTIAL_SUFFIX, sha256_of  # noqa: F401  (sha256_of: the cache's checksum)
from ..errors import ReferenceDamagedError, UserError

CHROMOSOMES = [str(i) for i in range(1, 23)] + ["X", "Y", "MT"]
EXPECTED_FILES = [f"data/homo_sapiens-chr{c}.parquet" for c in CHROMOSOMES]

# Written by the downloader beside the files: repo, revision (commit sha), the expected paths and,
# per verified file, {size, sha256, mtime_ns}; the stat lets a later run trust the file unhashed.
MANIFEST_NAME = ".just-dna-manifest.json"

_CHROM_IN_NAME = re.compile(r"chr(\d{1,2}|X|Y|MT|M)\.parquet$", re.IGNORECASE)


def chromosome_of(file_name: str) -> str | None:
    match = _CHROM_IN_NAME.search(file_name)
    if not match:
        return None
    chrom = match.group(1).upper()
    return "MT" if chrom == "M" else chrom.lstrip("0") or chrom


def sort_key(chrom: str) -> tuple[int, str]:
    """Natural chromosome order: 1..22, X, Y, MT, then anything else by name."""
    if chrom in CHROMOSOMES:
        return CHROMOSOMES.index(chrom), ""
    return len(CHROMOSOMES), chrom


def parse_chromosomes(value: str | Iterable[str | int] | None) -> list[str] | None:
    """'all' (or nothing) -> None; '21,22,MT', ['21', 22, 'chrX'] -> ['21', '22', 'MT', 'X'] in order."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    items = [item.strip() for item in items if item.strip()]
    if not items or [i.lower() for i in items] == ["all"]:
        return None
    chosen = set()
    for item in items:
        chrom = chromosome_of(f"chr{item.removeprefix('chr').removeprefix('CHR')}.parquet")
        if chrom not in CHROMOSOMES:
            raise UserError(f"unknown chromosome {item!r}: use 1-22, X, Y, MT, or all")
        chosen.add(chrom)
    return sorted(chosen, key=sort_key)


@dataclass
class ReferenceStatus:
    """What the cache holds, judged without hashing and without the network.

    status: cached (every expected file present and vouched for by the manifest), unverified (all
    present, but some were never verified or changed since: run `reference verify` or `download`),
    incomplete (some missing or partly downloaded), missing (nothing there at all).
    """

    cache_path: str
    num_files: int
    total_size_gb: float
    status: str  # cached | unverified | incomplete | missing
    revision: str | None = None
    repo_id: str | None = None
    chromosomes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)  # found corrupt by `verify`, not fetched since

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(reference_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((reference_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def write_manifest(reference_dir: Path, manifest: dict[str, Any]) -> None:
    reference_dir.mkdir(parents=True, exist_ok=True)
    tmp = reference_dir / (MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, reference_dir / MANIFEST_NAME)


def find_files(reference_dir: Path) -> dict[str, list[Path]]:
    """Parquet files by chromosome, in every known layout; partial downloads are ignored."""
    found: dict[str, list[Path]] = {}
    if not reference_dir.is_dir():
        return found
    for path in sorted(reference_dir.rglob("*.parquet")):
        chrom = chromosome_of(path.name)
        if chrom is not None and path.is_file():
            found.setdefault(chrom, []).append(path)
    return dict(sorted(found.items(), key=lambda item: sort_key(item[0])))


@contextlib.contextmanager
def reading(path: Path, prepared_copy: bool = False) -> Iterator[None]:
    """Around a read of one reference file: a file that cannot be read (truncated, corrupted)
    becomes one line naming it and saying what to do, instead of a parquet decoder's message."""
    import polars as pl

    try:
        yield
    except (OSError, pl.exceptions.ComputeError, pl.exceptions.PanicException) as exc:
        reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
        reason = reason.removeprefix("parquet: ").splitlines()[0] if reason else type(exc).__name__
        if prepared_copy:
            raise ReferenceDamagedError(
                f"{path}: this prepared copy of a reference file is damaged ({reason}); delete "
                "it and run again (it is rebuilt from the downloaded file)") from None
        raise ReferenceDamagedError(
            f"{path}: this reference file is damaged ({reason}); run `just-dna-desktop reference "
            "verify`, then `just-dna-desktop reference download` to fetch it again") from None


def expected_files(reference_dir: Path) -> list[str]:
    """Repo paths this cache should hold: the manifest's choice when there is one."""
    manifest = read_manifest(reference_dir)
    wanted = manifest.get("expected")
    return list(wanted) if wanted else list(EXPECTED_FILES)


# --- verification -----------------------------------------------------------------------------

def manifest_entry(path: Path, sha256: str) -> dict[str, Any]:
    """What the manifest records for a verified file: the stat lets later runs trust it unhashed."""
    info = path.stat()
    return {"size": info.st_size, "sha256": sha256, "mtime_ns": info.st_mtime_ns}


def is_vouched(path: Path, entry: dict[str, Any] | None) -> bool:
    """True when the manifest verified this very file: same size and modification time since.

    A file rewritten, truncated or copied over after verification no longer matches, so it is
    never taken for cached on trust; nor is one that `verify` found corrupt.
    """
    if not entry or "sha256" not in entry or entry.get("corrupt"):
        return False
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_size == entry.get("size") and info.st_mtime_ns == entry.get("mtime_ns")


@dataclass
class VerifyReport:
    """The outcome of re-hashing every reference file on disk against the manifest."""

    cache_path: str
    ok: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)  # size or sha256 differs from the manifest
    unknown: list[str] = field(default_factory=list)  # on disk, but no recorded checksum to compare
    missing: list[str] = field(default_factory=list)  # recorded or expected, not on disk
    bytes_hashed: int = 0

    @property
    def passed(self) -> bool:
        return not (self.corrupt or self.missing or self.unknown)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data


def verify(reference_dir: Path, on_progress: Callable[[str, int, int], None] | None = None,
           cancel: CancelToken | None = None) -> VerifyReport:
    """Re-hash every reference file against the manifest; no network.

    Good files get their manifest entry refreshed (so a mere `touch` does not demote them);
    corrupt ones keep their expected checksum, marked corrupt, so every later `verify` and
    `status` still says so until `download` fetches them again.
    `on_progress(repo_path, file_bytes_done, file_size)` reports hashing.
    """
    manifest = read_manifest(reference_dir)
    recorded: dict[str, dict[str, Any]] = dict(manifest.get("files") or {})
    report = VerifyReport(cache_path=str(reference_dir))
    on_disk = {p.relative_to(reference_dir).as_posix(): p
               for paths in find_files(reference_dir).values() for p in paths}
    wanted = set(recorded) | set(manifest.get("expected") or [])
    report.missing = sorted((wanted - set(on_disk)), key=_path_order)
    for rel in sorted(on_disk, key=_path_order):
        path = on_disk[rel]
        entry = recorded.get(rel)
        if not entry or not entry.get("sha256"):
            report.unknown.append(rel)
            continue
        size = path.stat().st_size
        done = 0

        def counted(n: int, rel: str = rel, size: int = size) -> None:
            nonlocal done
            done += n
            if on_progress is not None:
                on_progress(rel, done, size)

        if on_progress is not None:
            on_progress(rel, 0, size)
        digest = sha256_of(path, counted, cancel) if size == entry.get("size") else None
        report.bytes_hashed += done
        if digest == entry["sha256"]:
            report.ok.append(rel)
            recorded[rel] = manifest_entry(path, digest)
        else:
            report.corrupt.append(rel)
            recorded[rel] = {**entry, "corrupt": True}
    for rel in report.missing:
        recorded.pop(rel, None)
    if manifest or recorded:
        manifest["files"] = recorded
        write_manifest(reference_dir, manifest)
    return report


def _path_order(rel: str) -> tuple[tuple[int, str], str]:
    return sort_key(chromosome_of(rel) or rel), rel


def status(reference_dir: Path) -> ReferenceStatus:
    """The cache's state from file names, sizes and times only: fast, offline, never hashes."""
    files = find_files(reference_dir)
    all_files = [p for paths in files.values() for p in paths]
    size = sum(p.stat().st_size for p in all_files)
    manifest = read_manifest(reference_dir)
    recorded = manifest.get("files") or {}
    present = {p.relative_to(reference_dir).as_posix(): p for p in all_files}
    if manifest.get("expected"):
        wanted = list(manifest["expected"])
        missing = [f for f in wanted if f not in present]
        in_use = [f for f in wanted if f in present]
    else:
        # Without a manifest, a chromosome counts as present in any layout.
        missing = [f for f in EXPECTED_FILES if chromosome_of(f) not in files]
        in_use = sorted(present, key=_path_order)
    unverified = [f for f in in_use if not is_vouched(present[f], recorded.get(f))]
    corrupt = [f for f in in_use if (recorded.get(f) or {}).get("corrupt")]
    partial = (sorted(p.relative_to(reference_dir).as_posix()
                      for p in reference_dir.rglob("*" + PARTIAL_SUFFIX))
               if reference_dir.is_dir() else [])
    if not all_files and not partial:
        state = "missing"
    elif missing or partial or corrupt:
        state = "incomplete"
    elif unverified:
        state = "unverified"
    else:
        state = "cached"
    return ReferenceStatus(cache_path=str(reference_dir), num_files=len(all_files),
                           total_size_gb=round(size / 1e9, 3), status=state,
                           revision=manifest.get("revision"), repo_id=manifest.get("repo_id"),
                           chromosomes=list(files), missing=missing, unverified=unverified,
                           partial=partial, corrupt=corrupt)
