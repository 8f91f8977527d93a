"""Matching by rsID: genotyping-chip markers and non-GRCh38 VCF rows placed on GRCh38 by the
reference row that carries their rsID. No liftover, no chain file: an rsID names the same variant
on every build. (docs/design-notes.md, "Matching by rsID", has the rules with their reasons.)

- Only the input's own ID is used, when it is an rsID (`rs` + digits; the first of a list such as
  `rs1;rs2`). Internal IDs (`i7001234`) and absent IDs stay unmatched; positions are never used.
- An rsID on several reference rows: the row on the marker's own chromosome wins, then the lowest
  start; at the same start, the row that explains the call best (as written, then complemented),
  then the shortest REF, then ALT.
- The call is restated in the row's forward-strand alleles: as written when every called allele is
  among the row's REF/ALTs (`ok`); complemented when only the complements are (`strand_flipped`);
  otherwise kept as written (`mismatch`). An A/T or C/G SNP is its own complement, so a flip can
  never be seen on one: it is taken as written, never flipped. 23andMe's `I`/`D` become the row's
  longest / shortest allele (an insertion row's ALT, a deletion row's ALT); on a row whose alleles
  all have one length they cannot be placed (`mismatch`).
- Zygosity relative to the row's REF with the VCF words (`hom_ref`, `het`, `hom_alt`,
  `haploid_ref`, `haploid_alt`), `missing` for a no-call, null when it cannot be judged
  (unmatched, or a mismatch). Nothing is dropped: one output row per input row.

Speed: an rsID is on any chromosome, so every reference file is read, but only its `rs` column in
full: the scan of each file's prepared copy (UInt32 rs numbers, core/reference/prepared.py) carries an
`rs.is_in(wanted)` predicate that the parquet reader applies before decoding the other columns,
so only matching rows are materialised. The rules run once per distinct (call, REF, ALT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl

from ..reference import prepared
from ..cancel import CancelToken
from ..reference.cache import reading

# Output columns of an rsID run that come before the reference's own (`rsid`, ...).
MATCHED_COLUMNS = {
    "chrom": pl.String, "start": pl.UInt32, "ref": pl.String, "alt": pl.String,
    "genotype": pl.List(pl.String), "zygosity": pl.String, "allele_check": pl.String,
}
OK, FLIPPED, MISMATCH = "ok", "strand_flipped", "mismatch"
_FIT = {OK: 0, None: 0, FLIPPED: 1, MISMATCH: 2}
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


_RS_ID = r"(?i)^\s*rs(\d+)\s*(?:[;,]|$)"


def rs_numbers(ids: pl.Series) -> pl.Series:
    """The rs number of each ID that is an rsID (`rs123`; also `RS123` and the first of
    `rs1;rs2`), else null. The plain `rs<digits>` form is parsed without a regex (10x faster over a
    chip's 650 k IDs); only the other IDs go through one."""
    numbers = pl.select(pl.when(ids.str.starts_with("rs"))
                        .then(ids.str.slice(2).cast(pl.UInt32, strict=False))).to_series()
    others = numbers.is_null() & ids.is_not_null()
    if others.any():
        numbers = numbers.scatter(others.arg_true(), ids.filter(others).str.extract(_RS_ID, 1)
                                  .cast(pl.UInt32, strict=False))
    return numbers.alias("rs")


@dataclass
class MatchCounts:
    """What an rsID run found, for its metadata."""

    markers_in: int = 0
    no_calls: int = 0
    without_rsid: int = 0
    alleles_matched: int = 0
    strand_flipped: int = 0
    mismatched: int = 0

    def add(self, other: "MatchCounts") -> None:
        for name, value in other.__dict__.items():
            setattr(self, name, getattr(self, name) + value)

    def metadata(self) -> dict[str, int]:
        return dict(self.__dict__)


def restate(call: list[str | None], ref: str, alt: str) -> tuple[str | None, list[str | None],
                                                                  str | None]:
    """(allele_check, genotype, zygosity) of one call placed on one reference row."""
    called = [a for a in call if a is not None]
    if not called:
        return None, call, "missing"
    alleles = [ref.upper(), *alt.upper().split("|")]
    if {"I", "D"} & set(called):  # 23andMe's indel calls name no bases: never complemented
        placed = _place_indels(call, alleles)
        if placed is not None and all(a in alleles for a in placed if a is not None):
            return OK, placed, _zygosity(placed, alleles[0])
        return MISMATCH, call, None
    if all(a in alleles for a in called):
        return OK, call, _zygosity(call, alleles[0])
    flipped = [None if a is None else _complement(a) for a in call]
    if all(a in alleles for a in flipped if a is not None):
        return FLIPPED, flipped, _zygosity(flipped, alleles[0])
    return MISMATCH, call, None


def _place_indels(call: list[str | None], alleles: list[str]) -> list[str | None] | None:
    """`I` -> the row's longest allele, `D` -> its shortest; None when that is not one allele."""
    lengths = sorted({len(a) for a in alleles})
    longest = [a for a in alleles if len(a) == lengths[-1]]
    shortest = [a for a in alleles if len(a) == lengths[0]]
    if len(lengths) == 1 or ("I" in call and len(longest) > 1) \
            or ("D" in call and len(shortest) > 1):
        return None
    return [longest[0] if a == "I" else shortest[0] if a == "D" else a for a in call]


def _complement(allele: str) -> str:
    return allele.translate(_COMPLEMENT)[::-1]


def _zygosity(genotype: list[str | None], ref: str) -> str:
    if any(a is None for a in genotype):
        return "missing"  # a half call, like a VCF's `0/.`
    if len(genotype) == 1:
        return "haploid_ref" if genotype[0] == ref else "haploid_alt"
    if all(a == ref for a in genotype):
        return "hom_ref"
    return "hom_alt" if len(set(genotype)) == 1 else "het"


def candidates(sources: list, wanted: pl.Series, variant_type: str) -> pl.DataFrame:
    """Rows of one chromosome's reference files whose rs number is wanted (all columns but
    `chrom`/`alts`, plus `rs`). Only these rows are decoded beyond the `rs` (or `id`) column."""
    frames = []
    for source in sources:
        schema, scan = source.schema, pl.scan_parquet(source.read_path)
        if source.prepared:
            scan = scan.filter(pl.col("rs").is_in(wanted.implode())).with_columns(
                prepared.prepared_id())
        else:  # a small or unprepared file: the published `id` strings
            ids = pl.select(pl.lit("rs") + wanted.cast(pl.String)).to_series()
            scan = scan.filter(pl.col("id").is_in(ids.implode())).with_columns(
                rs=pl.col("id").str.slice(2).cast(pl.UInt32))
        if variant_type == "SNV" and "tsa" in schema:
            scan = scan.filter(pl.col("tsa") == "SNV")
        with reading(source.read_path, prepared_copy=source.prepared):  # damaged: named
            frames.append(scan.select([n for n in schema if n not in ("alts", "chrom")] + ["rs"])
                          .collect())
    return pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]


def match(markers: pl.DataFrame, sources_by_chrom: dict[str, Callable[[], list]],
          variant_type: str = "all", cancel: CancelToken | None = None,
          progress: Callable[[str, int, int], None] | None = None
          ) -> tuple[pl.DataFrame, pl.DataFrame, MatchCounts]:
    """Place `markers` (columns `marker_id`, `own_chrom`, `genotype` and any to keep) on the
    reference by rsID.

    `sources_by_chrom[chrom]()` gives that chromosome's reference sources (annotate.ReferenceSource;
    called once, when its turn comes, so a prepared copy is built only then). Returns the markers
    with MATCHED_COLUMNS (in input order, none dropped), the reference payload gathered for them
    (one row each, null where unmatched; columns as the reference names them), and the counts.
    """
    cancel = cancel or CancelToken()
    markers = markers.rechunk().with_row_index("_m").with_columns(rs_numbers(markers["marker_id"])
                                                       .alias("_rs"))
    wanted = markers["_rs"].drop_nulls().unique()
    keys, payloads, offset = [], [], 0
    for index, (chrom, sources) in enumerate(sources_by_chrom.items()):
        cancel.raise_if_cancelled()
        if progress is not None:
            progress(chrom, index, len(sources_by_chrom))
        if not wanted.len():
            break
        found = candidates(sources(), wanted, variant_type)
        keys.append(found.select(
            pl.int_range(offset, offset + found.height, dtype=pl.UInt32).alias("_row"),
            pl.lit(chrom, pl.String).alias("chrom"), pl.col("start").cast(pl.UInt32),
            pl.col("ref").str.to_uppercase(), pl.col("alt").str.to_uppercase(), "rs"))
        payloads.append(found.drop("start", "ref", "alt", "rs"))
        offset += found.height
    cancel.raise_if_cancelled()
    # One chunk each: joining a 61-chunk frame took 25x the time and 2 GB (polars 2.1).
    chosen = _choose(markers, pl.concat(keys, rechunk=True) if keys else None)
    result = markers.join(chosen, on="_m", how="left", maintain_order="left")
    no_call = pl.col("genotype").list.eval(pl.element().is_null()).list.all().fill_null(True)
    result = result.with_columns(
        genotype=pl.coalesce("_genotype", "genotype"),
        zygosity=pl.when(pl.col("_row").is_not_null()).then(pl.col("_zygosity"))
        .when(no_call).then(pl.lit("missing")).otherwise(None),
    )
    counts = MatchCounts(
        markers_in=result.height,
        no_calls=result.select(no_call.sum()).item(),
        without_rsid=result["_rs"].null_count(),
        alleles_matched=result.height - result["_row"].null_count(),
        strand_flipped=(result["allele_check"] == FLIPPED).sum(),
        mismatched=(result["allele_check"] == MISMATCH).sum(),
    )
    # one chunk: gathering at random rows from 25-61 chunks is ~3x slower
    payload = pl.concat(payloads, how="diagonal_relaxed", rechunk=True) if payloads \
        else pl.DataFrame()
    del payloads
    rows = result["_row"]
    gathered = payload[rows] if payload.height else payload.clear(rows.len())
    del payload
    result = result.drop("_m", "_rs", "_row", "_genotype", "_zygosity")
    return result, gathered, counts


def _choose(markers: pl.DataFrame, keys: pl.DataFrame | None) -> pl.DataFrame:
    """Per marker, the reference row its rsID is placed on, with the restated call."""
    schema = {"_m": pl.UInt32, "_row": pl.UInt32, **{n: MATCHED_COLUMNS[n] for n in
              ("chrom", "start", "ref", "alt")}, "allele_check": pl.String,
              "_genotype": pl.List(pl.String), "_zygosity": pl.String}
    if keys is None or not keys.height:
        return pl.DataFrame(schema=schema)
    pairs = markers.select("_m", "_rs", "own_chrom", "genotype").join(
        keys, left_on="_rs", right_on="rs", how="inner")
    combos = pairs.select("genotype", "ref", "alt").unique()
    restated = [restate(call, ref, alt) for call, ref, alt in combos.iter_rows()]
    combos = combos.with_columns(
        allele_check=pl.Series([r[0] for r in restated], dtype=pl.String),
        _genotype=pl.Series([r[1] for r in restated], dtype=pl.List(pl.String)),
        _zygosity=pl.Series([r[2] for r in restated], dtype=pl.String),
        _fit=pl.Series([_FIT[r[0]] for r in restated], dtype=pl.UInt8),
    )
    pairs = pairs.join(combos, on=["genotype", "ref", "alt"], how="left", nulls_equal=True)
    # An rsID on several rows is rare: only those markers' candidates are sorted.
    several = pairs["_m"].is_duplicated()
    if several.any():
        elsewhere = ~(pl.col("chrom") == pl.col("own_chrom")).fill_null(False)
        best = (pairs.filter(several)
                .sort(["_m", elsewhere, "start", "_fit", pl.col("ref").str.len_chars(), "alt"])
                .unique(subset="_m", keep="first", maintain_order=True))
        pairs = pl.concat([pairs.filter(~several), best])
    return pairs.select(list(schema))
