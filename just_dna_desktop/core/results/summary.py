"""What one annotated sample holds: the numbers a person asks first, and what the run could not do.

`summarize(path)` is the one function the Summary tab, `report` (JSON and HTML) and the smoke test
share. It reads the output parquet once, in chunks of CHUNK_ROWS rows (memory stays bounded), and
decodes only the columns the numbers and the flagged rows need (never the reference's 30 others):
each chunk is tallied, its carried flagged rows kept. Decoding is the floor, and each column is
decoded once (two separate queries, one for the counts and one for the flagged rows, cost twice
the CPU); benchmarks/summary.py times it on a 5-million-row genome.

Definitions (issue 13):
- carried: the allele rows the person carries (core.results.query.carried_expression, which the
  table's "Carried only" filter uses too): zygosity `het`, `hom_alt` or `haploid_alt`, and, for a
  record with several ALT alleles, only the alleles in the person's genotype (a `0/1` call at
  `A -> C,G` carries C, not G; every ALT allele of a record shares the record's zygosity);
- carried_by_zygosity: the carried rows by zygosity (het, hom_alt, haploid_alt), summing to
  `carried` (`zygosity` counts every row, carried or not: a `0/1` call at `A -> C,G` is one het
  row for C and one for G, of which only C is carried);
- clinical: per Ensembl `clin_*` flag, the carried rows where it is true, and `any` of them;
- rare_carried: carried rows whose allele is itself rare: the site's minor allele (`ma`), with
  its frequency (`maf`) below 1 % (core.results.query.rare_expression); carrying the common
  allele of a rare site is not carrying something rare;
- per_chromosome, the MAF histogram and the variant types (`tsa`) are of carried rows too;
  chromosomes the run could not look up are listed apart (`chromosomes_not_looked_up`).
The run's own record (the output's footer, core.engine.annotate.read_output_metadata) says what could not
be looked up. The annotation modules' findings, when they have run for the sample (the findings
file beside the output), come along arranged for a person (core.results.sample_findings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from ..engine.annotate import read_output_metadata
from ..readers.build import own_rsids_doubt_build
from ..errors import UserError
from ..layout import sample_name
from ..reference.cache import sort_key
from ..reference.schema import CLINICAL_SIGNIFICANCES
# The table's Rare and Carried only filters: a click on a number shows the rows it counted.
from .query import carried_expression, rare_expression
from .sample_findings import SampleFindings, read_sample_findings

# Histogram bins of the minor allele frequency of the carried alleles' sites (0.5 at most, by
# definition).
MAF_EDGES = (0.0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
# The order a person reads clinical flags in: what may matter most first.
FLAG_ORDER = ("pathogenic", "likely_pathogenic", "risk_factor", "drug_response",
              "confers_sensitivity", "association", "protective", "histocompatibility",
              "uncertain_significance", "other", "not_provided", "likely_benign", "benign")
assert sorted(FLAG_ORDER) == sorted(CLINICAL_SIGNIFICANCES)
REQUIRED_COLUMNS = ("chrom", "start", "ref", "alt", "zygosity", "rsid")
# The flagged-variant table's columns (those present), in the order the report shows them.
FLAGGED_COLUMNS = ("rsid", "chrom", "start", "ref", "alt", "gt", "genotype", "zygosity", "maf",
                   "ma", "tsa", "marker_id", "allele_check")
# Rows read at a time: the columns a summary decodes take about 150 bytes a row in memory.
CHUNK_ROWS = 500_000
UNMATCHED = "not in reference"  # the `tsa` bucket of carried alleles the reference lacks
# The zygosity bucket of rows matched by rsID whose call could not be judged: not placed on any
# reference row, or fitting none of its alleles (core/engine/rsid_match.py).
NOT_JUDGED = "not judged"


@dataclass
class SampleSummary:
    """The numbers of one sample (keys as in issue 13), the flagged rows and the run's limits."""

    sample: str
    path: Path
    allele_rows: int
    matched: int
    zygosity: dict[str, int]
    carried: int
    carried_by_zygosity: dict[str, int]
    clinical: dict[str, int]
    rare_carried: int
    per_chromosome: dict[str, int]
    maf_histogram: list[dict[str, Any]]
    maf_unknown: int
    tsa: dict[str, int]
    run: dict[str, Any] = field(default_factory=dict)
    limitations: list[str] = field(default_factory=list)
    flagged: pl.DataFrame = field(default_factory=pl.DataFrame)
    # what the annotation modules say (the findings file beside the output); None: not run
    findings: SampleFindings | None = None

    @property
    def partial(self) -> bool:
        return bool(self.run.get("reference_chromosomes_missing"))

    @property
    def chromosomes_not_looked_up(self) -> list[str]:
        """The sample's chromosomes the reference cache lacked when it was annotated."""
        return list(self.run.get("reference_chromosomes_missing") or [])

    def to_dict(self) -> dict[str, Any]:
        """The numbers as JSON-ready data (`report --json`, the smoke test). The result file by
        its name only: what a person shares must not carry the folders (and account) it sat in."""
        return {
            "sample": self.sample,
            "file": self.path.name,
            "allele_rows": self.allele_rows,
            "matched": self.matched,
            "zygosity": self.zygosity,
            "carried": self.carried,
            "carried_by_zygosity": self.carried_by_zygosity,
            "clinical": self.clinical,
            "rare_carried": self.rare_carried,
            "per_chromosome": self.per_chromosome,
            "chromosomes_not_looked_up": self.chromosomes_not_looked_up,
            "maf_histogram": {"bins": self.maf_histogram, "unknown": self.maf_unknown},
            "tsa": self.tsa,
            "partial": self.partial,
            "limitations": self.limitations,
            "run": self.run,
            "findings": self.findings.to_dict() if self.findings is not None else None,
        }


def summarize(path: Path | str, sample: str | None = None,
              run: dict[str, Any] | None = None) -> SampleSummary:
    """The summary of one annotated output file.

    `run` is the run's metadata when the file's footer has none (an output written before the
    footer existed: the caller may have it from the run history).
    """
    path = Path(path)
    schema = _schema(path)
    run = read_output_metadata(path) or dict(run or {})
    tally = _Tally(schema)
    try:
        total = pl.scan_parquet(path).select(pl.len()).collect().item()
        for offset in range(0, total, CHUNK_ROWS):
            # the slice goes into the reader: only this chunk's row groups are read
            tally.add(pl.scan_parquet(path).slice(offset, CHUNK_ROWS).select(tally.columns).collect())
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UserError(f"{path}: cannot read it ({_first_line(exc)})") from None
    summary = tally.summary(sample or sample_name(path, run), path)
    summary.run = _run_record(run, path)
    summary.limitations = limitations(summary.run, has_metadata=bool(run))
    try:
        summary.findings = read_sample_findings(path, summary.sample)
    except UserError as exc:  # the numbers still stand: say why the findings are missing
        summary.limitations.append(f"The annotation modules' findings cannot be read: {exc}")
    return summary


class _Tally:
    """The numbers of the chunks seen so far, and their carried, clinically flagged rows."""

    def __init__(self, schema: dict[str, pl.DataType]):
        self.clinical = sorted((c for c in schema if c.startswith("clin_") and schema[c] == pl.Boolean),
                               key=lambda c: _flag_rank(c.removeprefix("clin_")))
        # `gt` only stands in for a missing `genotype`: not decoded when there is one
        self.display = [c for c in FLAGGED_COLUMNS if c in schema
                        and not (c == "gt" and "genotype" in schema)]
        wanted = ("genotype", "source_alt", "allele_check", "maf", "ma", "tsa", *self.display,
                  *self.clinical)
        self.columns = list(dict.fromkeys(c for c in (*REQUIRED_COLUMNS, *wanted) if c in schema))
        self.schema = schema
        carried = pl.col("_carried")
        maf = pl.col("maf") if "maf" in schema else pl.lit(None, pl.Float32)
        last = len(MAF_EDGES) - 2
        self.sums = {
            "allele_rows": pl.len(),
            "matched": pl.col("rsid").is_not_null().sum(),
            "carried": carried.sum(),
            "rare_carried": (carried & rare_expression(schema)).sum(),
            "maf_unknown": (carried & maf.is_null()).sum(),
            **{f"bin{i}": (carried & (maf >= low) & (True if i == last else maf < high)).sum()
               for i, (low, high) in enumerate(zip(MAF_EDGES, MAF_EDGES[1:]))},
        }
        self.any_flag = (pl.any_horizontal([pl.col(c).fill_null(False) for c in self.clinical])
                         if self.clinical else pl.lit(False))
        self.tsa = (pl.col("tsa").fill_null(UNMATCHED) if "tsa" in schema
                    else pl.repeat(UNMATCHED, pl.len())).alias("tsa")
        self.totals = {key: 0 for key in self.sums}
        self.zygosity: dict[str | None, int] = {}
        self.carried_zygosity: dict[str | None, int] = {}
        self.per_chromosome: dict[str, int] = {}
        self.types: dict[str, int] = {}
        self.flagged: list[pl.DataFrame] = []

    def add(self, chunk: pl.DataFrame) -> None:
        chunk = chunk.with_columns(_carried=carried_expression(self.schema))
        for key, value in chunk.select(**self.sums).row(0, named=True).items():
            self.totals[key] += int(value or 0)
        by_zygosity = chunk.group_by("zygosity").agg(pl.len(), pl.col("_carried").sum())
        _add_counts(self.zygosity, by_zygosity.select("zygosity", "len").rows())
        _add_counts(self.carried_zygosity, by_zygosity.filter(pl.col("_carried") > 0)
                    .select("zygosity", "_carried").rows())
        # Markers placed on no chromosome (an rsID the reference lacks) are never carried.
        _add_counts(self.per_chromosome, chunk.drop_nulls("chrom").group_by("chrom")
                    .agg(pl.col("_carried").sum()).rows())
        # (no filtered copy of the chunk: it would copy every column, genotype lists included)
        _add_counts(self.types, chunk.select(self.tsa.filter(pl.col("_carried")).value_counts())
                    .unnest("tsa").rows())
        self.flagged.append(chunk.filter(pl.col("_carried") & self.any_flag)
                            .select(*self.display, *self.clinical))

    def summary(self, sample: str, path: Path) -> SampleSummary:
        totals = self.totals
        flagged = _sorted_flagged(pl.concat(self.flagged) if self.flagged else pl.DataFrame(
            schema={c: self.schema[c] for c in (*self.display, *self.clinical)}), self.clinical)
        clinical = {c: int(flagged[c].sum()) for c in self.clinical}
        clinical["any"] = flagged.height
        return SampleSummary(
            sample=sample, path=path,
            allele_rows=totals["allele_rows"], matched=totals["matched"],
            zygosity=_largest_first({NOT_JUDGED if k is None else k: v
                                     for k, v in self.zygosity.items()}),
            carried=totals["carried"],
            carried_by_zygosity=_largest_first(self.carried_zygosity),
            clinical=clinical,
            rare_carried=totals["rare_carried"],
            per_chromosome={c: self.per_chromosome[c] for c in sorted(self.per_chromosome,
                                                                        key=sort_key)},
            maf_histogram=[{"from": low, "to": high, "count": totals[f"bin{i}"]}
                           for i, (low, high) in enumerate(zip(MAF_EDGES, MAF_EDGES[1:]))],
            maf_unknown=totals["maf_unknown"],
            tsa=_largest_first(self.types),
            flagged=flagged.drop(self.clinical),
        )


def _add_counts(counts: dict, rows: list[tuple[Any, Any]]) -> None:
    for key, value in rows:
        counts[key] = counts.get(key, 0) + int(value or 0)


def _largest_first(counts: dict[str, int]) -> dict[str, int]:
    """Largest count first, ties by name."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def _sorted_flagged(flagged: pl.DataFrame, clinical_columns: list[str]) -> pl.DataFrame:
    """The flagged rows with `flags` (their names, most serious first), most serious row first,
    then by position.

    The flags are read as one bit pattern per row, and each distinct pattern (a few dozen) is
    named once: building a list per row from 13 columns took 0.35 s for 100 k rows.
    """
    if not clinical_columns:  # columns are in FLAG_ORDER: bit i is the i-th most serious flag
        return flagged.with_columns(flags=pl.lit([], pl.List(pl.String)))
    bits = pl.sum_horizontal([pl.col(c).fill_null(False).cast(pl.UInt32) * (1 << i)
                              for i, c in enumerate(clinical_columns)]).alias("_bits")
    flagged = flagged.with_columns(bits)
    names = pl.DataFrame(
        [(b, [c.removeprefix("clin_") for i, c in enumerate(clinical_columns) if b >> i & 1],
          _flag_rank(next(c for i, c in enumerate(clinical_columns) if b >> i & 1)[5:]))
         for b in flagged["_bits"].unique().to_list()],
        schema={"_bits": pl.UInt32, "flags": pl.List(pl.String), "_rank": pl.Int32}, orient="row")
    chrom_rank = pl.col("chrom").replace_strict(
        {c: i for i, c in enumerate(_CHROMOSOME_ORDER)}, default=len(_CHROMOSOME_ORDER),
        return_dtype=pl.Int32)
    return (flagged.join(names, on="_bits", how="left", maintain_order="left")
            .with_columns(_chrom_rank=chrom_rank)
            .sort(["_rank", "_chrom_rank", "chrom", "start"], maintain_order=True)
            .drop("_bits", "_rank", "_chrom_rank"))


_CHROMOSOME_ORDER = [str(n) for n in range(1, 23)] + ["X", "Y", "MT"]


def _flag_rank(name: str) -> int:
    return FLAG_ORDER.index(name) if name in FLAG_ORDER else len(FLAG_ORDER)


def _schema(path: Path) -> dict[str, pl.DataType]:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        schema = dict(pl.read_parquet_schema(path))
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UserError(f"{path}: not a parquet file ({_first_line(exc)})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in schema]
    if missing:
        raise UserError(f"{path}: not an annotated sample (no {', '.join(missing)} column"
                        f"{'s' if len(missing) > 1 else ''})")
    return schema


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# What of the run's metadata a summary carries: how it was made, and what it could not do. Paths
# stay out (the report is a document a person may share); the input's file name is enough.
RUN_KEYS = ("partition_key", "vcf_sample", "input_format", "match_by", "match_by_reason",
            "haploid_x_y", "calls_read_as_haploid", "genome_build",
            "variant_type", "rows_in", "rows_out", "alleles_matched",
            "reference_chromosomes_missing", "alleles_not_looked_up", "contigs_not_in_reference",
            "alleles_on_other_contigs", "own_rsids_checked", "own_rsids_confirmed", "markers_in",
            "no_calls", "without_rsid",
            "strand_flipped", "mismatched", "gvcf", "reference_blocks_skipped",
            "symbolic_alleles_skipped", "reference_repo", "reference_revision", "program_version")


# What each key must hold. A result's footer is read from a file that may come from anywhere (an
# older version, another program, a hand edit): a value of another type is left out, as if the
# run had not recorded it, never a crash in the report ("many" where a count belongs).
COUNT_KEYS = ("rows_in", "rows_out", "alleles_matched", "alleles_not_looked_up",
              "alleles_on_other_contigs", "own_rsids_checked", "own_rsids_confirmed", "markers_in",
              "no_calls", "without_rsid", "strand_flipped", "mismatched",
              "reference_blocks_skipped", "symbolic_alleles_skipped", "calls_read_as_haploid")
NAME_LIST_KEYS = ("reference_chromosomes_missing", "contigs_not_in_reference")
FLAG_KEYS = ("gvcf", "haploid_x_y")


def _checked(key: str, value: Any) -> Any:
    """`value` as the type `key` holds, or None when it cannot be one."""
    if key in COUNT_KEYS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
            else None
    if key in NAME_LIST_KEYS:  # chromosome names: numbers written as numbers are still names
        if not isinstance(value, list):
            return None
        return [str(v) for v in value if isinstance(v, (str, int)) and not isinstance(v, bool)]
    if key in FLAG_KEYS:
        return value if isinstance(value, bool) else None
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) \
        else None


def _run_record(run: dict[str, Any], path: Path) -> dict[str, Any]:
    record = {key: _checked(key, run[key]) for key in RUN_KEYS if key in run}
    record = {key: value for key, value in record.items() if value is not None}
    source = run.get("source_vcf") or run.get("source_file")
    if isinstance(source, str) and source:  # a name, or a full path in results written before
        record["source_file"] = Path(source).name
    try:
        written = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        record["output_written"] = written.isoformat(timespec="seconds")
    except OSError:
        pass
    return record


def limitations(run: dict[str, Any], has_metadata: bool = True) -> list[str]:
    """What the run could not do, as sentences a person can read (empty: nothing left out)."""
    if not has_metadata:
        return ["This file carries no record of how it was made (it was written by an older "
                "version): which reference revision it used, and whether every chromosome was "
                "looked up, is unknown. Annotate it again to know."]
    notes = []
    if "reference_chromosomes_missing" not in run:
        notes.append("This result was made by an earlier version that did not record whether "
                     "every chromosome was looked up. Annotate it again to know.")
    missing = list(run.get("reference_chromosomes_missing") or [])
    if missing:
        alleles = run.get("alleles_not_looked_up")
        count = (f"{alleles:,} allele{'' if alleles == 1 else 's'}" if isinstance(alleles, int)
                 else "their alleles")
        notes.append(f"Partial: chromosome{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                     f"{'were' if len(missing) > 1 else 'was'} not looked up (the reference "
                     f"cache lacks {'them' if len(missing) > 1 else 'it'}): {count} "
                     f"{'has' if alleles == 1 else 'have'} no "
                     "annotation. Download the missing reference files and annotate again.")
    others = run.get("alleles_on_other_contigs")
    if others:
        contigs = list(run.get("contigs_not_in_reference") or [])
        named = f" ({', '.join(contigs[:5])}{', …' if len(contigs) > 5 else ''})" if contigs else ""
        notes.append(f"{others:,} allele{' lies' if others == 1 else 's lie'} on contigs the "
                     f"reference does not cover{named}; {'it stays' if others == 1 else 'they stay'}"
                     " unannotated.")
    if run.get("variant_type") == "SNV":
        notes.append("Only single-nucleotide variants were looked up (the variant type setting "
                     "is SNV): insertions, deletions and other types have no annotation.")
    build = run.get("genome_build")
    if build and build != "GRCh38" and run.get("match_by", "position") == "position":
        notes.append(f"The input says it is {build}, but it was matched by position against the "
                     "GRCh38 reference: its matches may be wrong.")
    elif own_rsids_doubt_build(run):
        notes.append(f"Only {run['own_rsids_confirmed']:,} of the {run['own_rsids_checked']:,} "
                     "rsIDs written in the file name the variant the GRCh38 reference has at their "
                     "position: the file is probably on another genome build (such as GRCh37), "
                     "whatever its header says, and its matches by position are then wrong. "
                     "Matching it by rsID avoids this.")
    for key, one, many in (
            ("without_rsid", "marker has no rsID, so it could not be placed on GRCh38 and has no "
                             "annotation", "markers have no rsID, so they could not be placed on "
                                           "GRCh38 and have no annotation"),
            ("mismatched", "call does not match the reference's alleles on either strand; it is "
                           "kept, marked `mismatch`", "calls do not match the reference's alleles "
                                                      "on either strand; they are kept, marked "
                                                      "`mismatch`"),
            ("no_calls", "marker was not called by the chip (a no-call)",
             "markers were not called by the chip (no-calls)")):
        value = run.get(key)
        if isinstance(value, int) and value > 0:
            notes.append(f"{value:,} {one if value == 1 else many}.")
    return notes


def maf_bin_label(low: float, high: float) -> str:
    """`0.1–0.5 %`, `1–5 %`, `40–50 %`: a bin as a person reads it."""
    def percent(value: float) -> str:
        number = value * 100
        return f"{number:g}" if math.isclose(number, round(number, 1)) else f"{number:.2g}"
    return f"{percent(low)}–{percent(high)} %"
