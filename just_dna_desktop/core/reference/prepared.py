"""A decode-friendly local copy of each big reference file, made once, beside the downloaded cache.

Why: a whole-genome query has a match in every page of a reference file, so reading it costs the
decoding of every column kept. The published files are zstd level 14 with rsIDs as strings, and
the `id` strings alone are ~40 % of that cost. The prepared copy holds the same
rows and columns, except:
  - `id` becomes `rs` (UInt32, the rs number) when it is exactly `rs<number>`, and stays in `id`
    (mostly null) otherwise; `prepared_id()` rebuilds the original string exactly;
  - `chrom` (constant per file) and `alts` (rebuilt from `alt`) are dropped;
  - lz4 instead of zstd-14, 100 k-row row groups.
Measured on synthetic chr22 (18 M rows, benchmarks/README.md): reading every column at the
positions of a whole-genome query goes from ~0.8 s to ~0.16 s; the copy takes ~6 s to build
(streaming, ~0.8 GB peak) and ~1.13x the original's disk space.

The downloaded files are never touched, so they stay verifiable against their checksums. The copies
live in a sibling folder (`{cache}/ensembl_variations-prepared/`, same relative paths) and carry the
source's size and mtime: a copy whose source changed is rebuilt, and a folder that cannot be written
(a bundled demo reference) simply means reading the published file directly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from ..housekeeping import discard, temp_file

FORMAT_VERSION = 3
# Small files are read directly: preparing them would not pay for itself.
MIN_SOURCE_BYTES = 32 << 20
ROW_GROUP_ROWS = 100_000  # small groups: same speed, less memory in flight
DROPPED = ("chrom", "alts")


def prepared_dir(reference_dir: Path) -> Path:
    return reference_dir.parent / f"{reference_dir.name}-prepared"


def prepared_path(reference_dir: Path, source: Path) -> Path:
    try:
        relative = source.relative_to(reference_dir)
    except ValueError:
        relative = Path(source.name)
    return prepared_dir(reference_dir) / relative


def _stamp(source: Path) -> dict[str, int]:
    st = source.stat()
    return {"version": FORMAT_VERSION, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".source.json")


def is_fresh(source: Path, target: Path) -> bool:
    try:
        return (target.is_file()
                and json.loads(_stamp_path(target).read_text(encoding="utf-8")) == _stamp(source))
    except (OSError, ValueError):
        return False


def build(source: Path, target: Path) -> None:
    """Write the prepared copy of `source` (streaming, bounded memory), then its stamp."""
    schema = pl.read_parquet_schema(source)
    frame = pl.scan_parquet(source).select([n for n in schema if n not in DROPPED])
    if schema.get("id") == pl.String:
        number = pl.col("id").str.strip_prefix("rs").cast(pl.UInt32, strict=False)
        exact = pl.col("id").str.starts_with("rs") & ((pl.lit("rs") + number.cast(pl.String))
                                                     == pl.col("id"))
        frame = frame.with_columns(id=pl.when(exact).then(None).otherwise(pl.col("id")),
                                   rs=pl.when(exact).then(number))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_file(target)  # owner-tagged: swept if this process is killed
    try:
        frame.sink_parquet(tmp, compression="lz4", row_group_size=ROW_GROUP_ROWS, statistics=True)
        _stamp_path(target).unlink(missing_ok=True)
        os.replace(tmp, target)
        _stamp_path(target).write_text(json.dumps(_stamp(source)), encoding="utf-8")
    finally:
        discard(tmp)


def usable_copy(reference_dir: Path, source: Path, build_if_missing: bool = True) -> Path | None:
    """The fresh prepared copy of `source`, building it first if allowed; None to read `source`."""
    if source.stat().st_size < MIN_SOURCE_BYTES:
        return None
    target = prepared_path(reference_dir, source)
    if is_fresh(source, target):
        return target
    if not build_if_missing:
        return None
    try:
        build(source, target)
    except (OSError, pl.exceptions.PolarsError):  # read-only cache, full disk, odd schema
        return None
    return target if is_fresh(source, target) else None


def prepared_id() -> pl.Expr:
    """The original `id` string of a prepared row."""
    return pl.coalesce(pl.lit("rs") + pl.col("rs").cast(pl.String), pl.col("id")).alias("id")
