"""Annotating a VCF: its allele rows left-joined with the reference, one chromosome at a time.

Semantics (DESIGN.md): join exact on (chrom, start, ref, alt); the reference's `|`-joined `alt` is
split like the VCF's; every input allele appears exactly once in the output; when several reference
records share a key the lowest rs number wins. The reference is never joined whole: each chromosome
file is scanned with a `start.is_in(positions)` predicate that polars pushes into the parquet reader,
so only the rows at the sample's positions are materialised. Big files are read from their prepared
copy (core/reference/prepared.py), built once: decoding the published zstd-14 files with string rsIDs is the
floor otherwise, since a whole-genome query has matches in every page.

Memory: a small input is held whole. Above SPILL_ROWS allele rows (a whole genome), the VCF is read
block by block into per-chromosome part files in a temporary folder beside the output, and each
sorted chromosome is annotated in slices of BATCH_ROWS whose results go to part files too, then
streamed into the output: a whole genome peaks under 300 MB (benchmarks/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import polars as pl

from ... import __version__
from ..readers.build import REFERENCE_BUILD
from ..cancel import CancelToken
from ..reference.demo import reference_revision
from ..errors import BuildMismatchError, ReferenceMissingError, UserError, write_failure
from ..reference import prepared
from . import rsid_match
from .build_check import SAMPLE_RSIDS, check_positions
from .ploidy import Ploidy
from ..readers.genotypes import InputFormat, detect_format, iter_markers, own_chromosome
from ..housekeeping import discard, temp_dir, temp_file
from ..publish import replace_output
from .metrics import ResourceMonitor
from ..reference.cache import CHROMOSOMES, find_files, sort_key
from ..reference.cache import reading as reading_reference
from ..readers.vcf import ALLELE_SCHEMA, AlleleBlocks, read_header

JOIN_KEYS = ["start", "ref", "alt"]
# Above this many allele rows (a whole genome is ~5 M), the input waits on disk, split by
# chromosome, and results leave memory slice by slice. (Each row costs ~150 bytes in memory: polars
# keeps 16 bytes per string value, and an allele row has nine of them.)
SPILL_ROWS = 250_000
# Once spilling, buffered input rows go to part files in batches of about this many.
FLUSH_ROWS = 200_000
# A sorted chromosome is annotated in slices of this many allele rows: the reference rows, the join
# and the result in flight scale with the slice, not the chromosome (same speed as whole).
BATCH_ROWS = 100_000
# Reference columns never copied: the join keys and `alts`, which is rebuilt from `alt` (cheaper
# than decoding a list column).
SKIPPED_REFERENCE_COLUMNS = {"chrom", "start", "ref", "alt", "alts"}

# The run's metadata travels inside the output file too (parquet footer, JSON under this key), so a
# result read anywhere (the report, another computer) still says what it could not do.
OUTPUT_METADATA_KEY = "just_dna_desktop"
# Keys of the run's metadata that hold a place on this computer. The local run history keeps them
# whole; the output file, which a person may share, names the input and itself by file name only
# (a full path names the account: /home/alice/...) and leaves the reference's folder out. Results
# written before hold full paths: readers take the name of either (core/results/summary.py).
FILE_NAME_KEYS = ("source_vcf", "output_file")
LOCAL_ONLY_KEYS = ("reference_dir",)

Progress = Callable[[float, str], None]


@dataclass
class ReferenceGaps:
    """Alleles the reference could not look up, by why.

    A chromosome among 1-22/X/Y/MT without a reference file is a gap in this cache (a subset was
    downloaded, or a file is missing): the result is partial until the file arrives. Other contigs
    (`GL000220.1`, `chrUn_...`) are never in the reference: counted, but not a gap to fill.
    """

    missing: dict[str, int] = field(default_factory=dict)
    other: dict[str, int] = field(default_factory=dict)

    def add(self, chrom: str, alleles: int) -> None:
        counts = self.missing if chrom in CHROMOSOMES else self.other
        counts[chrom] = counts.get(chrom, 0) + alleles

    def metadata(self) -> dict[str, Any]:
        return {
            "reference_chromosomes_missing": sorted(self.missing, key=sort_key),
            "alleles_not_looked_up": sum(self.missing.values()),
            "contigs_not_in_reference": sorted(self.other, key=sort_key),
            "alleles_on_other_contigs": sum(self.other.values()),
        }


def read_output_metadata(path: Path | str) -> dict[str, Any]:
    """The run metadata stored in an output file's footer ({} for files written before it was)."""
    path = Path(path)
    try:
        raw = pl.read_parquet_metadata(path).get(OUTPUT_METADATA_KEY)
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise UserError(f"{path}: not a readable parquet file ({exc})") from None
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# Columns every annotation result has, whatever its method or version: what makes an existing
# file one that a run may replace.
RESULT_COLUMNS = ("chrom", "start", "ref", "alt", "zygosity", "rsid")


def check_output_target(output_path: Path, source: Path, only_the_input: bool = False) -> None:
    """Refuse, before anything is written, an output that would replace what a run must never
    replace: the input file itself (or a link to it), a folder, or (unless `only_the_input`) an
    existing file that is not an annotation result (a genome file, a report, a reference file).

    Every run refuses the first two. The last is for an output a person names (`--output`): a
    sample's own result path is replaced whatever it holds (a damaged result is redone there)."""
    if output_path.is_dir():
        raise UserError(f"{output_path}: is a folder; give the output file's name")
    if not output_path.exists():
        return
    try:
        same = source.exists() and os.path.samefile(output_path, source)
    except OSError:
        same = False
    if same:
        raise UserError(f"{output_path}: is the input file itself; writing the result there "
                        "would replace it. Choose another output file")
    if only_the_input:
        return
    try:
        columns = set(pl.read_parquet_schema(output_path))
    except (OSError, pl.exceptions.PolarsError):
        what = "not a parquet file"
    else:
        if set(RESULT_COLUMNS) <= columns:
            return  # an earlier result: replaced by this one, as always
        what = "a parquet file, but not an annotation result"
    raise UserError(f"{output_path}: already exists and is {what}, so it is not replaced; "
                    "choose another output file")


def reference_columns(files: list[Path]) -> dict[str, pl.DataType]:
    """Output names and types of the reference's columns: `id` becomes `rsid`, clashes get `_ensembl`."""
    schema: dict[str, pl.DataType] = {}
    for path in files:
        with reading_reference(path):
            names = pl.read_parquet_schema(path)
        for name, dtype in names.items():
            if name in SKIPPED_REFERENCE_COLUMNS:
                continue
            schema.setdefault(_output_name(name), dtype)
    schema = {"rsid": schema.pop("rsid", pl.String()), **schema}
    schema["alts"] = pl.List(pl.String())
    return schema


def _output_name(name: str) -> str:
    if name == "id":
        return "rsid"
    return f"{name}_ensembl" if name in ALLELE_SCHEMA else name


@dataclass(frozen=True)
class ReferenceSource:
    """One reference file as it is read: its prepared copy when usable, with the published schema."""

    read_path: Path
    schema: dict[str, pl.DataType]
    prepared: bool


def reference_sources(files: list[Path], reference_dir: Path | None = None,
                      announce_build: Callable[[], None] | None = None) -> list[ReferenceSource]:
    """Resolve a chromosome's files once (schema, prepared copy built if missing), not per slice."""
    sources = []
    for path in files:
        copy = None
        if reference_dir is not None:
            if announce_build is not None and path.stat().st_size >= prepared.MIN_SOURCE_BYTES \
                    and not prepared.is_fresh(path, prepared.prepared_path(reference_dir, path)):
                announce_build()
            copy = prepared.usable_copy(reference_dir, path)
        with reading_reference(path):
            schema = dict(pl.read_parquet_schema(path))
        sources.append(ReferenceSource(copy or path, schema, copy is not None))
    return sources


def reference_rows(sources: list[ReferenceSource], positions: pl.Series,
                   variant_type: str = "all") -> tuple[pl.DataFrame, pl.DataFrame]:
    """The reference at `positions` as (keys, payload).

    `keys`: one row per (start, ref, alt) allele key (multi-allelic records split) and `_row`, the
    payload row of the record that wins: the lowest rs number. `payload`: the records' output
    columns (`rsid`, ..., `alts`). Only the rows at the sample's positions are materialised (the
    predicate is pushed into the parquet reader); big files are read from their prepared copy.
    Splitting and choosing touch the few key columns only; the wide payload
    is gathered once, after the join.
    """
    frames = []
    for source in sources:
        schema, scan = source.schema, pl.scan_parquet(source.read_path)
        wanted = [n for n in schema if n not in ("alts", "chrom")]
        wanted_positions = positions.cast(schema["start"])
        # the range lets the reader skip row groups by their statistics (a batch of a sorted input)
        scan = scan.filter(pl.col("start").is_between(wanted_positions.min(), wanted_positions.max())
                           & pl.col("start").is_in(wanted_positions.implode()))
        if variant_type == "SNV" and "tsa" in schema:
            scan = scan.filter(pl.col("tsa") == "SNV")
        if source.prepared and "id" in schema:
            scan = scan.with_columns(prepared.prepared_id())
        with reading_reference(source.read_path, prepared_copy=source.prepared):
            frames.append(scan.select(wanted).collect())
    df = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    df = df.with_columns(alts=pl.col("alt").str.to_uppercase().str.split("|"))
    keys = df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
                     pl.col("start").cast(pl.UInt32), pl.col("ref").str.to_uppercase(), "id",
                     alt="alts").explode("alt")
    # Keys held by several records are rare: only those rows are sorted by rs number.
    repeated = keys.select(pl.struct(JOIN_KEYS).is_duplicated()).to_series()
    if repeated.any():
        rs_number = pl.col("id").str.extract(r"^rs(\d+)$").cast(pl.UInt64, strict=False)
        best = (keys.filter(repeated).sort([rs_number, pl.col("id")], nulls_last=True)
                .unique(subset=JOIN_KEYS, keep="first", maintain_order=True))
        keys = pl.concat([keys.filter(~repeated), best])
    payload = df.drop(JOIN_KEYS)
    payload = payload.rename({n: _output_name(n) for n in payload.columns if n != "alts"})
    return keys.drop("id"), payload


def _gather(payload: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """Payload rows by index; a null index gives a null row (an unmatched allele)."""
    return payload[rows] if payload.height else payload.clear(rows.len())


def annotate_part(part: pl.DataFrame, sources: list[ReferenceSource],
                  variant_type: str = "all") -> pl.DataFrame:
    """One chromosome's allele rows (or a slice of them) with the reference columns added."""
    keys, payload = reference_rows(sources, part["start"].unique(), variant_type)
    # Keys are unique after choosing, so the left join keeps every allele once and in order; only
    # the key columns go through it.
    rows = part.select(JOIN_KEYS).join(keys, on=JOIN_KEYS, how="left", maintain_order="left")["_row"]
    del keys
    return part.hstack(_gather(payload, rows))


def _slices(part: pl.DataFrame) -> list[pl.DataFrame]:
    """Slices of BATCH_ROWS rows (exact even where a position straddles two slices: each slice
    fetches every reference record at its positions and chooses the same winner)."""
    return [part.slice(offset, BATCH_ROWS) for offset in range(0, max(part.height, 1), BATCH_ROWS)]


def check_build(header_build: str | None, path: Path, ignore: bool) -> None:
    if header_build and header_build != REFERENCE_BUILD and not ignore:
        raise BuildMismatchError(
            f"{path}: this VCF looks like {header_build}, but the reference is {REFERENCE_BUILD}; "
            "positions would not match (lift it over, or pass --ignore-build-mismatch)")


MATCH_BY = ("auto", "position", "rsid")


def match_method(fmt: InputFormat, build: str | None, match_by: str, path: Path,
                 ignore_build_mismatch: bool = False) -> str:
    """How this input is matched: `position` or `rsid`.

    `auto`: by position for a GRCh38 VCF (or one that does not say its build), by rsID for a VCF
    on another build and for every genotyping file; `--ignore-build-mismatch` keeps a VCF on
    positions whatever its build. Chip markers are never matched by position.
    """
    if match_by not in MATCH_BY:
        raise UserError(f"unknown match method {match_by!r}: use one of {', '.join(MATCH_BY)}")
    if not fmt.is_vcf:
        if match_by == "position":
            raise UserError(f"{path}: a genotyping file ({fmt.name}) is matched by rsID only: its "
                            "positions are on another build than the reference's "
                            f"{REFERENCE_BUILD}")
        return "rsid"
    if match_by == "auto":
        other_build = build is not None and build != REFERENCE_BUILD
        return "rsid" if other_build and not ignore_build_mismatch else "position"
    if match_by == "position":
        check_build(build, path, ignore_build_mismatch)
    return match_by


def method_reason(fmt: InputFormat, build: str | None, match_by: str,
                  ignore_build_mismatch: bool) -> str:
    """Why match_method chose what it chose, in words for the run's record (a position run of
    `auto` gets the build check's words instead, build_check.BuildCheck.reason)."""
    if match_by != "auto":
        return f"matched by {'rsID' if match_by == 'rsid' else 'position'}, as asked"
    if not fmt.is_vcf:
        return (f"a genotyping file ({fmt.name}): its positions are on another build than the "
                f"reference's {REFERENCE_BUILD}, so it is matched by rsID")
    if ignore_build_mismatch:
        return "matched by position, as asked (the build mismatch ignored)"
    return f"its header says {build}: matched by rsID"


def annotate_vcf(vcf_path: Path | str, reference_dir: Path | str, output_path: Path | str, *,
                 user: str | None = None, sample: str | None = None,
                 variant_type: str = "all", vcf_sample: str | None = None,
                 ignore_build_mismatch: bool = False, match_by: str = "auto",
                 match_reason: str | None = None,
                 compression: str = "zstd", progress: Progress | None = None,
                 cancel: CancelToken | None = None,
                 monitor: ResourceMonitor | None = None) -> dict[str, Any]:
    """Annotate one sample file (a VCF or a genotyping file, told apart by content) into
    `output_path` (written atomically) and return the run's metadata.

    `match_by` `auto` decides the method from the file (match_method); a VCF it would match by
    position is first checked against the reference with a sample of its own rsIDs
    (core/engine/build_check.py) and matched by rsID when its positions are another build's.
    The metadata's `match_by_reason` says why (`match_reason` when the caller chose the method
    for a reason of its own, such as a choice remembered for the sample)."""
    vcf_path, reference_dir, output_path = Path(vcf_path), Path(reference_dir), Path(output_path)
    progress = progress or (lambda fraction, message: None)
    cancel = cancel or CancelToken()
    own_monitor = monitor is None
    monitor = (monitor or ResourceMonitor()) if own_monitor else monitor
    if own_monitor:
        monitor.start()
    try:
        check_output_target(output_path, vcf_path, only_the_input=True)
        files = find_files(reference_dir)
        if not files:
            raise ReferenceMissingError(
                f"{reference_dir}: no reference files here; run `just-dna-desktop reference download`")
        fmt = detect_format(vcf_path)
        # The header alone tells the build: refuse a mismatch before reading a whole genome.
        build = read_header(vcf_path).build if fmt.is_vcf else fmt.build
        method = match_method(fmt, build, match_by, vcf_path, ignore_build_mismatch)
        # auto on a VCF headed for positions: its own rsIDs have the last word (build_check)
        check = match_by == "auto" and method == "position" and not ignore_build_mismatch
        run: dict[str, Any] = {
            "user_name": user,
            "sample_name": sample,
            "partition_key": f"{user}/{sample}" if user and sample else None,
            "source_vcf": str(vcf_path),
            "output_file": str(output_path),
            "input_format": fmt.name,
            "match_by": method,
            "match_by_reason": match_reason or method_reason(fmt, build, match_by,
                                                             ignore_build_mismatch),
            "genome_build": build,
            "variant_type": variant_type,
            "reference_dir": str(reference_dir),
            "reference_revision": reference_revision(reference_dir),
            "program_version": __version__,
        }
        options = dict(variant_type=variant_type, vcf_sample=vcf_sample, compression=compression,
                       progress=progress, cancel=cancel)
        metadata = None
        if method == "position":
            metadata = _annotate_by_position(vcf_path, fmt, files, reference_dir, output_path,
                                             run, check_positions_first=check, **options)
        if metadata is None:  # by rsID from the start, or the check found another build
            run["match_by"] = "rsid"
            metadata = _annotate_by_rsid(vcf_path, fmt, files, reference_dir, output_path, run,
                                         **options)
    finally:
        usage = monitor.stop() if own_monitor else None
    progress(1.0, "Done")
    metadata["file_size_mb"] = round(output_path.stat().st_size / 2**20, 3)
    if usage is not None:
        metadata.update(usage.to_dict())
        metadata.pop("samples", None)
    return metadata


def _reading_progress(path: Path, progress: Progress, cancel: CancelToken) -> Callable[[int], None]:
    def read_progress(done: int) -> None:
        cancel.raise_if_cancelled()
        progress(0.05, f"Reading {path.name}: {done / 1e6:,.0f} MB")

    progress(0.0, f"Reading {path.name}")
    return read_progress


def _annotate_by_position(vcf_path: Path, fmt: InputFormat, files: dict[str, list[Path]],
                          reference_dir: Path, output_path: Path, run: dict[str, Any], *,
                          variant_type: str, vcf_sample: str | None, compression: str,
                          progress: Progress, cancel: CancelToken,
                          check_positions_first: bool = False) -> dict[str, Any] | None:
    """A VCF's allele rows joined on (chrom, start, ref, alt); returns `run` plus its counts.

    With `check_positions_first`, a sample of the file's own rsIDs is looked up once the file is
    read and before anything is joined: None (nothing written) when its positions are another
    build's, and the check's words in `run` either way."""
    read_progress = _reading_progress(vcf_path, progress, cancel)
    columns = reference_columns([p for paths in files.values() for p in paths][:1])
    empty = pl.DataFrame(schema={**ALLELE_SCHEMA, **columns})
    with AlleleBlocks(vcf_path, vcf_sample, on_block=read_progress) as blocks, \
            _AllelesByChromosome(output_path) as alleles:
        header = blocks.header
        for frame in blocks:
            alleles.add(frame)
        cancel.raise_if_cancelled()
        chroms = alleles.chromosomes()
        if check_positions_first:
            progress(0.1, "Checking the file's rsIDs against the reference's positions")
            check = check_positions(
                lambda chrom: alleles.rows_with_ids(chrom, SAMPLE_RSIDS),
                [c for c in chroms if c in files],
                lambda chrom: reference_sources(files[chrom], reference_dir))
            run["build_check"] = check.to_dict()
            run["match_by_reason"] = check.reason()
            if check.other_build:
                progress(0.1, "Its positions are another build's: matching by rsID instead")
                return None
        # A big input goes out one chromosome at a time through temporary part files, so
        # memory holds one chromosome's result, not the genome's.
        spill = alleles.spilled
        parts: list[pl.DataFrame] = []
        part_files: list[Path] = []
        rows_out = matched = own_checked = own_confirmed = 0
        gaps = ReferenceGaps()
        ploidy = Ploidy.of_positions(run["genome_build"])
        for index, chrom in enumerate(chroms):
            cancel.raise_if_cancelled()
            progress(0.1 + 0.8 * index / max(len(chroms), 1), f"Chromosome {chrom}")
            fraction = 0.1 + 0.8 * index / max(len(chroms), 1)
            sources = reference_sources(
                files[chrom], reference_dir,
                lambda: progress(fraction, f"Preparing chromosome {chrom} (one-time)")
            ) if chrom in files else None
            for number, part in enumerate(alleles.batches(chrom)):
                cancel.raise_if_cancelled()
                if sources is not None:
                    part = annotate_part(part, sources, variant_type)
                    checked, confirmed = _own_rsids_confirmed(part)
                    own_checked += checked
                    own_confirmed += confirmed
                else:
                    gaps.add(chrom, part.height)
                ploidy.count(part)
                rows_out += part.height
                matched += part.height - (part["rsid"].null_count()
                                          if "rsid" in part.columns else part.height)
                if spill:
                    part_files.append(_spill(part, empty, output_path, alleles.temp_path(
                        f"out-{index}-{number}.parquet")))
                else:
                    parts.append(part)
                del part
        cancel.raise_if_cancelled()
        metadata: dict[str, Any] = {
            **run,
            "vcf_sample": vcf_sample or (header.samples[0] if header.samples else None),
            "rows_in": header.records,
            "rows_out": rows_out,
            "alleles_matched": matched,
            "own_rsids_checked": own_checked,
            "own_rsids_confirmed": own_confirmed,
            "chromosomes": chroms,
            **gaps.metadata(),
            **header.gvcf_metadata(),
            **ploidy.metadata(),
        }
        progress(0.9, f"Writing {output_path.name}")
        if spill:
            _combine_atomic(part_files, output_path, compression, metadata, ploidy.apply)
        else:
            result = pl.concat([empty, *parts], how="diagonal_relaxed").select(empty.columns)
            write_parquet_atomic(ploidy.apply(result), output_path, compression, metadata)
    return metadata


def _own_rsids_confirmed(part: pl.DataFrame) -> tuple[int, int]:
    """(alleles whose file gives an rsID, those the reference names the same at that position):
    a check of the file's build (core.readers.build.own_rsids_doubt_build)."""
    if "id" not in part.columns or "rsid" not in part.columns:
        return 0, 0
    own = part["id"].str.starts_with("rs").fill_null(False)
    same = (own & (part["id"] == part["rsid"])).fill_null(False)
    return int(own.sum()), int(same.sum())


def _refuse_without_rsids(path: Path, fmt: InputFormat, build: str | None, count: int,
                          example: str | None) -> None:
    """Matching by rsID with no rsID at all would be an empty result that looks like one."""
    if fmt.is_vcf and build not in (None, REFERENCE_BUILD):
        raise BuildMismatchError(
            f"{path}: this VCF looks like {build}, but the reference is {REFERENCE_BUILD}, and none "
            f"of its {count:,} alleles has an rsID to match by instead; lift it over, add "
            "rsIDs (`bcftools annotate`), or pass --ignore-build-mismatch to match positions anyway")
    raise UserError(f"{path}: none of its {count:,} {'alleles' if fmt.is_vcf else 'markers'} "
                    f"has an rsID (the first ID is {example!r}); nothing could be matched by rsID")


# Markers matched in one pass over the reference. A chip file (~0.7 M) is one pass; a GRCh37
# genome VCF (~5 M allele rows) takes several, so memory holds one batch and its matches.
RSID_BATCH_ROWS = 1_000_000

# An rsID run's own columns, before MATCHED_COLUMNS and the reference's: a chip file's marker, or
# a VCF's allele row (its REF/ALT as `source_ref`/`source_alt`, on its own build).
CHIP_COLUMNS = {"marker_id": pl.String, "source_chrom": pl.String, "source_pos": pl.UInt32,
                "gt": pl.String}
VCF_BY_RSID_COLUMNS = {"marker_id": pl.String, "source_chrom": pl.String,
                       "source_pos": pl.UInt32, "source_ref": pl.String, "source_alt": pl.String,
                       "qual": pl.Float64, "filter": pl.String, "gt": pl.String}


def _annotate_by_rsid(path: Path, fmt: InputFormat, files: dict[str, list[Path]],
                      reference_dir: Path, output_path: Path, run: dict[str, Any], *,
                      variant_type: str, vcf_sample: str | None, compression: str,
                      progress: Progress, cancel: CancelToken) -> dict[str, Any]:
    """Markers (or a VCF's allele rows) placed on GRCh38 by their rsID (core/engine/rsid_match.py).

    A chip file is one pass over the reference; an input above RSID_BATCH_ROWS (a GRCh37 genome
    VCF) is matched in batches, each a pass, whose results wait in part files beside the output.
    """
    read_progress = _reading_progress(path, progress, cancel)
    columns = reference_columns([p for paths in files.values() for p in paths][:1])
    own_columns = VCF_BY_RSID_COLUMNS if fmt.is_vcf else CHIP_COLUMNS
    empty = pl.DataFrame(schema={**own_columns, **rsid_match.MATCHED_COLUMNS, **columns})

    def sources_of(chrom: str, paths: list[Path]) -> Callable[[], list[ReferenceSource]]:
        fraction = 0.1 + 0.8 * list(files).index(chrom) / len(files)
        return lambda: reference_sources(paths, reference_dir, lambda: progress(
            fraction, f"Preparing chromosome {chrom} (one-time)"))

    sources = {chrom: sources_of(chrom, paths) for chrom, paths in files.items()}
    counts, gaps, chroms = rsid_match.MatchCounts(), ReferenceGaps(), set()
    ploidy = Ploidy.of_markers(run["genome_build"] or fmt.build)
    example = None  # a marker ID, to show if none is an rsID
    parts: list[pl.DataFrame] = []
    part_files: list[Path] = []
    folder: Path | None = None

    def temp_path(name: str) -> Path:  # the part-file folder beside the output, made when needed
        nonlocal folder
        folder = folder or _temp_folder(output_path)
        return folder / name

    batches = _MarkerBatches(path, fmt, vcf_sample, read_progress, temp_path, output_path)
    try:
        for number, markers in enumerate(batches):
            cancel.raise_if_cancelled()
            for chrom, count in markers["own_chrom"].drop_nulls().value_counts().iter_rows():
                chroms.add(chrom)
                if chrom not in files:
                    gaps.add(chrom, count)

            def lookup_progress(chrom: str, index: int, count: int, number: int = number) -> None:
                progress(0.1 + 0.8 * index / max(count, 1), "Looking up rsIDs on chromosome "
                         f"{chrom}" + (f" (batch {number + 1})" if number else ""))

            result, payload, found = rsid_match.match(markers, sources, variant_type, cancel,
                                                      lookup_progress)
            counts.add(found)
            example = example or markers["marker_id"].drop_nulls().first()
            del markers
            payload = payload.rename({n: _output_name(n) for n in payload.columns})
            part = result.hstack(payload).with_columns(alts=pl.col("alt").str.split("|"))
            del result, payload
            ploidy.count(part)
            if number or parts:  # a second batch: results wait on disk
                for done in parts + [part]:
                    part_files.append(_spill(done, empty, output_path,
                                             temp_path(f"out-{len(part_files)}.parquet")))
                parts = []
            else:
                parts.append(part)
            del part
        if counts.markers_in and counts.without_rsid == counts.markers_in:
            _refuse_without_rsids(path, fmt, run["genome_build"], counts.markers_in, example)
        metadata = {
            **run, "rows_in": batches.rows_in, **batches.extra,
            "rows_out": counts.markers_in,
            "chromosomes": sorted(chroms, key=sort_key),
            **counts.metadata(),
            **gaps.metadata(),
            **ploidy.metadata(),
        }
        cancel.raise_if_cancelled()
        progress(0.9, f"Writing {output_path.name}")
        if part_files:
            _combine_atomic(part_files, output_path, compression, metadata, ploidy.apply)
        else:  # one batch: its columns put in order, without copying them (~150 MB for a chip)
            result = parts[0].select([
                pl.col(n).cast(t) if n in parts[0].columns else pl.lit(None, t).alias(n)
                for n, t in empty.schema.items()])
            del parts
            write_parquet_atomic(ploidy.apply(result), output_path, compression, metadata)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return metadata


def _temp_folder(output_path: Path) -> Path:
    """An owner-tagged folder for part files beside the output (swept if we are killed)."""
    try:
        output_path.parent.mkdir(parents=True, exist_ok=True)
        return temp_dir(output_path)
    except OSError as exc:
        raise write_failure(output_path, exc) from None


class _MarkerBatches:
    """The input's markers (a genotyping file's, or a VCF's allele rows) in batches of at most
    RSID_BATCH_ROWS, with `own_chrom` (the chromosome named the reference's way); after the
    last, `rows_in` (markers, or VCF records) and `extra` metadata (the VCF's sample)."""

    def __init__(self, path: Path, fmt: InputFormat, vcf_sample: str | None,
                 read_progress: Callable[[int], None], temp_path: Callable[[str], Path],
                 output_path: Path) -> None:
        self.path, self.fmt, self.vcf_sample, self.read_progress = path, fmt, vcf_sample, \
            read_progress
        self.temp_path, self.output_path = temp_path, output_path
        self.rows_in = 0
        self.extra: dict[str, Any] = {}

    def _chip_batches(self) -> Iterator[pl.DataFrame]:
        """A genotyping file is read to its end before its first batch is matched, so a file
        with too many markers (core/readers/bounded.py) is refused before any pass over the
        reference; batches after the first wait on disk, and memory holds one."""
        frames: list[pl.DataFrame] = []
        held = 0
        parked: list[Path] = []
        for frame in iter_markers(self.path, self.fmt, on_block=self.read_progress):
            self.rows_in += frame.height
            frames.append(frame)
            held += frame.height
            if held >= RSID_BATCH_ROWS:
                parked.append(self.temp_path(f"markers-{len(parked)}.parquet"))
                _write_temporary(pl.concat(frames), parked[-1], self.output_path)
                frames, held = [], 0
        for path in parked:
            yield _with_own_chromosome(pl.read_parquet(path))
            path.unlink()
        if frames:
            yield _with_own_chromosome(pl.concat(frames))

    def __iter__(self) -> Iterator[pl.DataFrame]:
        if not self.fmt.is_vcf:
            yield from self._chip_batches()
            return
        frames: list[pl.DataFrame] = []
        with AlleleBlocks(self.path, self.vcf_sample, on_block=self.read_progress) as blocks:
            for frame in blocks:
                frames.append(frame.select(
                    marker_id="id", source_chrom="chrom", source_pos="start", source_ref="ref",
                    source_alt="alt", qual="qual", filter="filter", gt="gt",
                    genotype="genotype", own_chrom="chrom"))
                if sum(f.height for f in frames) >= RSID_BATCH_ROWS:
                    yield pl.concat(frames)
                    frames = []
            header = blocks.header
        self.rows_in = header.records
        self.extra = {"vcf_sample": self.vcf_sample or (header.samples[0] if header.samples
                                                        else None), **header.gvcf_metadata()}
        if frames or not self.rows_in:
            yield pl.concat(frames) if frames else pl.DataFrame(schema={
                **VCF_BY_RSID_COLUMNS, "genotype": pl.List(pl.String), "own_chrom": pl.String})


def _with_own_chromosome(markers: pl.DataFrame) -> pl.DataFrame:
    """`own_chrom`: the marker's chromosome named the reference's way (a file names few)."""
    names = markers.select(pl.col("source_chrom").unique()).with_columns(
        own_chrom=own_chromosome(pl.col("source_chrom")))
    return markers.join(names, on="source_chrom", how="left", nulls_equal=True,
                        maintain_order="left")


def _spill(part: pl.DataFrame, empty: pl.DataFrame, output_path: Path, path: Path) -> Path:
    """One chromosome's rows, in the output schema, as a fast temporary file `path`."""
    aligned = (pl.concat([empty, part], how="diagonal_relaxed").select(empty.columns)
               .cast(dict(empty.schema), strict=False))
    _write_temporary(aligned, path, output_path)
    return path


def _write_temporary(df: pl.DataFrame, path: Path, output_path: Path) -> None:
    try:
        df.write_parquet(path, compression="lz4", statistics=False)
    except (OSError, pl.exceptions.ComputeError) as exc:
        discard(path)
        raise write_failure(output_path, exc) from None


class _AllelesByChromosome:
    """The input's allele rows grouped by chromosome (each in input order).

    Small inputs stay in memory. Above SPILL_ROWS the rows go, block by block, to lz4 part files in
    a temporary folder beside the output (removed on close, whatever happened), and each
    chromosome is read back alone: a whole genome's input is never held at once.
    """

    def __init__(self, output_path: Path) -> None:
        self._output = output_path
        self._frames: dict[str, list[pl.DataFrame]] = {}
        self._files: dict[str, list[Path]] = {}
        self._numbers: dict[str, int] = {}  # chromosome names can be anything: files are numbered
        self._last_start: dict[str, int] = {}
        self._unsorted: set[str] = set()
        self._buffered = 0
        self._dir: Path | None = None
        self.rows = 0

    @property
    def spilled(self) -> bool:
        return self._dir is not None

    def add(self, frame: pl.DataFrame) -> None:
        if not frame.height:
            return
        chroms = frame["chrom"]
        if chroms.first() == chroms.last() and (chroms == chroms.first()).all():
            pieces = {(chroms.first(),): frame}  # a sorted VCF's block is mostly one chromosome
        else:
            pieces = frame.partition_by("chrom", as_dict=True, maintain_order=True)
        for (chrom,), part in pieces.items():
            self._frames.setdefault(chrom, []).append(part)
            starts = part["start"]
            if not starts.is_sorted() or starts[0] < self._last_start.get(chrom, 0):
                self._unsorted.add(chrom)
            self._last_start[chrom] = starts[-1]
        self.rows += frame.height
        self._buffered += frame.height
        # the first flush empties memory; later ones batch a few blocks per file
        if self.rows > SPILL_ROWS and (not self.spilled or self._buffered >= FLUSH_ROWS):
            self._flush()

    def _flush(self) -> None:
        for chrom, frames in self._frames.items():
            files = self._files.setdefault(chrom, [])
            number = self._numbers.setdefault(chrom, len(self._numbers))
            path = self.temp_path(f"in-{number}-{len(files)}.parquet")
            _write_temporary(pl.concat(frames, rechunk=False), path, self._output)
            files.append(path)
        self._frames.clear()
        self._buffered = 0

    def rows_with_ids(self, chrom: str, rows: int) -> pl.DataFrame:
        """Up to `rows` of a chromosome's allele rows that have an ID (`id`, `start`), from its
        first rows in memory or on disk: a sample for the build check."""
        frames = [f.select("id", "start").drop_nulls("id") for f in self._frames.get(chrom, [])]
        for path in self._files.get(chrom, []):
            if sum(f.height for f in frames) >= rows:
                break
            frames.append(pl.scan_parquet(path).select("id", "start").drop_nulls("id")
                          .head(rows).collect())
        if not frames:
            return pl.DataFrame(schema={"id": pl.String, "start": pl.UInt32})
        return pl.concat(frames).head(rows)

    def temp_path(self, name: str) -> Path:
        """A path in the temporary folder beside the output (created on first use)."""
        if self._dir is None:
            self._dir = _temp_folder(self._output)
        return self._dir / name

    def chromosomes(self) -> list[str]:
        return sorted({*self._frames, *self._files}, key=sort_key)

    def batches(self, chrom: str) -> Iterator[pl.DataFrame]:
        """One chromosome's rows in input order, in slices when sorted by position (each slice
        then reads few of the reference's row groups); an unsorted chromosome comes whole."""
        files = self._files.pop(chrom, [])
        frames = self._frames.pop(chrom, [])
        if chrom in self._unsorted:
            whole = [pl.read_parquet(files)] if files else []
            yield pl.concat(whole + frames, rechunk=False)
            return
        for path in files:  # one part file at a time: the chromosome is never held whole
            yield from _slices(pl.read_parquet(path))
        if frames:
            yield from _slices(pl.concat(frames, rechunk=False))

    def close(self) -> None:
        self._frames.clear()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "_AllelesByChromosome":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def shareable_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The run's metadata as the output file carries it: no path of this computer in it."""
    shared = {key: value for key, value in metadata.items() if key not in LOCAL_ONLY_KEYS}
    for key in FILE_NAME_KEYS:
        if isinstance(shared.get(key), str):
            shared[key] = Path(shared[key]).name
    return shared


def _footer(metadata: dict[str, Any] | None) -> dict[str, str] | None:
    if metadata is None:
        return None
    return {OUTPUT_METADATA_KEY: json.dumps(shareable_metadata(metadata), default=str)}


def _combine_atomic(part_files: list[Path], path: Path, compression: str,
                    metadata: dict[str, Any] | None = None,
                    transform: Callable[[pl.LazyFrame], pl.LazyFrame] = lambda rows: rows) -> None:
    """Stream the part files into one parquet file (bounded memory), written atomically;
    `transform` changes the rows on the way (haploid calls, once every part was counted)."""
    write_atomic(path, metadata, lambda tmp: transform(pl.scan_parquet(part_files)).sink_parquet(
        tmp, compression=compression, statistics=True, metadata=_footer(metadata)))


def write_parquet_atomic(df: pl.DataFrame, path: Path, compression: str = "zstd",
                         metadata: dict[str, Any] | None = None) -> None:
    """Write to a temporary file in the same folder, then rename: a crash never leaves half a file.

    `metadata` (the run's) goes into the file's footer under OUTPUT_METADATA_KEY.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path.parent}: cannot create the output folder ({exc.strerror})") from None
    write_atomic(path, metadata, lambda tmp: df.write_parquet(
        tmp, compression=compression, statistics=True, metadata=_footer(metadata)))


def write_atomic(path: Path, metadata: dict[str, Any] | None, write: Callable[[Path], None]) -> None:
    """`write` fills a temporary file beside `path`, which then replaces it in one rename."""
    tmp = temp_file(path)
    try:
        write(tmp)
        replace_output(tmp, path, metadata)  # and the run is recorded, if one is
    except (OSError, pl.exceptions.ComputeError) as exc:
        raise write_failure(path, exc) from None
    finally:
        discard(tmp)  # never in place of the error above
