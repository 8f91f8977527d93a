"""The local copy of the Ensembl variation reference: where its files are and what state it is in.

Every layout the dataset has had is accepted, found by chromosome from the file name:
`data/homo_sapiens-chr1.parquet` (current, `alt` joined with `|`), `data/SNV/homo_sapiens-chr1.parquet`,
`splitted_variants/SNV/snp-chr1.parquet` and `snp-chr1.parquet` (older, one folder per variant type).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHROMOSOMES = [str(i) for i in range(1, 23)] + ["X", "Y", "MT"]
EXPECTED_FILES = [f"data/homo_sapiens-chr{c}.parquet" for c in CHROMOSOMES]

# Written by the downloader beside the files: repo, revision and the verified size + sha256 of each.
MANIFEST_NAME = ".just-dna-manifest.json"
PARTIAL_SUFFIX = ".incomplete"

_CHROM_IN_NAME = re.compile(r"chr(\d{1,2}|X|Y|MT|M)\.parquet$", re.I)


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


@dataclass
class ReferenceStatus:
    cache_path: str
    num_files: int
    total_size_gb: float
    status: str  # cached | missing | incomplete
    revision: str | None = None
    repo_id: str | None = None
    chromosomes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(reference_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((reference_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


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


def expected_files(reference_dir: Path) -> list[str]:
    """Repo paths this cache should hold: the manifest's choice when there is one."""
    manifest = read_manifest(reference_dir)
    wanted = manifest.get("expected")
    return list(wanted) if wanted else list(EXPECTED_FILES)


def status(reference_dir: Path) -> ReferenceStatus:
    files = find_files(reference_dir)
    all_files = [p for paths in files.values() for p in paths]
    size = sum(p.stat().st_size for p in all_files)
    manifest = read_manifest(reference_dir)
    present = {p.relative_to(reference_dir).as_posix() for p in all_files}
    if manifest.get("expected"):
        missing = [f for f in manifest["expected"] if f not in present]
    else:
        # Without a manifest, a chromosome counts as present in any layout.
        missing = [f for f in EXPECTED_FILES if chromosome_of(f) not in files]
    partial = any(reference_dir.rglob("*" + PARTIAL_SUFFIX)) if reference_dir.is_dir() else False
    if not all_files:
        state = "missing"
    elif missing or partial:
        state = "incomplete"
    else:
        state = "cached"
    return ReferenceStatus(cache_path=str(reference_dir), num_files=len(all_files),
                           total_size_gb=round(size / 1e9, 3), status=state,
                           revision=manifest.get("revision"), repo_id=manifest.get("repo_id"),
                           chromosomes=list(files), missing=missing)
