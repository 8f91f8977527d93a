"""The columns of an annotated result, as data: which group each belongs to, what it means in
plain words, and the named presets the table offers (Essentials, Clinical, Frequencies, All).

Also the columns the results view derives from the file (a readable clinical significance) and the
sort keys that make rsIDs and chromosomes sort as people expect (rs9 before rs10, 2 before 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..engine.rsid_match import FLIPPED
from ..reference.cache import CHROMOSOMES
from ..reference.schema import CLINICAL_SIGNIFICANCES

GROUPS = ("Position", "Genotype", "Clinical", "Frequency", "Evidence", "Other")
CLINICAL_SIGNIFICANCE = "clinical_significance"
# The allele a row of a VCF matched by rsID is about: its rows share a reference row, whose `alt`
# lists every allele, so without it two rows of one record look the same.
ROW_ALLELE = "allele"


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    group: str
    description: str
    always_visible: bool = False  # a row without these cannot be told apart


# Worst first: the order the readable column lists the flags in, and sorts by.
SIGNIFICANCE_ORDER = ("pathogenic", "likely_pathogenic", "risk_factor", "drug_response",
                      "association", "confers_sensitivity", "protective", "histocompatibility",
                      "uncertain_significance", "other", "not_provided", "likely_benign", "benign")
assert sorted(SIGNIFICANCE_ORDER) == sorted(CLINICAL_SIGNIFICANCES)

_EVIDENCE = {
    "e_cited": "cited in the scientific literature", "e_multiple_observations":
    "seen more than once, by independent submitters", "e_freq": "has allele frequency data",
    "e_topmed": "seen in TOPMed", "e_hapmap": "seen in HapMap",
    "e_phenotype_or_disease": "linked to a phenotype or disease", "e_esp": "seen in NHLBI ESP",
    "e_gnomad": "seen in gnomAD", "e_1000g": "seen in the 1000 Genomes Project",
    "e_exac": "seen in ExAC",
}
_SOURCES = {
    "cosmic_101": "Listed in COSMIC (release 101), the catalogue of somatic mutations in cancer",
    "clinvar_202502": "Listed in ClinVar (February 2025 release)",
    "dbsnp_156": "Listed in dbSNP (build 156)",
    "hgmd-public_20204": "Listed in the public HGMD (2020.4)",
}

COLUMNS: dict[str, ColumnInfo] = {c.name: c for c in [
    ColumnInfo("chrom", "Position", "Chromosome (GRCh38)", always_visible=True),
    ColumnInfo("start", "Position", "Position on the chromosome (GRCh38, 1-based). A file on "
                                    "another build, matched by rsID, has its own position in "
                                    "source_pos", always_visible=True),
    ColumnInfo("end", "Position", "Last position of the variant in your file"),
    ColumnInfo("ref", "Position", "Reference allele: the base(s) in the reference genome"),
    ColumnInfo("alt", "Position", "Alternative allele of this row (one row per alternative)"),
    ColumnInfo("id", "Position", "The variant's ID in your file (often its rsID)"),
    ColumnInfo("end_ensembl", "Position", "Last position of the variant in Ensembl"),
    ColumnInfo("source_chrom", "Position", "Chromosome as written in your genotyping file"),
    ColumnInfo("source_pos", "Position", "Position as written in your genotyping file "
                                         "(its own genome build)"),
    ColumnInfo("source_ref", "Position", "Reference allele as written in your VCF (its own "
                                         "genome build, matched by rsID)"),
    ColumnInfo("source_alt", "Position", "Alternative allele as written in your VCF (its own "
                                         "genome build, matched by rsID)"),
    ColumnInfo("rsid", "Position", "The dbSNP rsID the reference gives this allele: the "
                                   "variant's name in databases and papers", always_visible=True),
    ColumnInfo("marker_id", "Position", "The marker's ID in your genotyping file"),
    ColumnInfo(ROW_ALLELE, "Genotype", "The alternative allele this row is about (your VCF's "
                                       "ALT, on the reference's strand): a record with several "
                                       "has a row for each", always_visible=True),
    ColumnInfo("gt", "Genotype", "Genotype as written in your file (0 = reference allele, "
                                 "1 = first alternative; 0/1 one copy, 1/1 two)"),
    ColumnInfo("genotype", "Genotype", "Your two alleles at this position"),
    ColumnInfo("zygosity", "Genotype", "het: one copy of an alternative allele; hom_alt: two; "
                                       "hom_ref: none (you carry the reference allele)"),
    ColumnInfo("allele_check", "Genotype", "How your call was matched to the reference's "
                                           "alleles (strand_flipped: read on the other strand)"),
    ColumnInfo("qual", "Genotype", "Call quality from your file"),
    ColumnInfo("filter", "Genotype", "Filter status from your file (PASS = passed)"),
    ColumnInfo(CLINICAL_SIGNIFICANCE, "Clinical",
               "ClinVar clinical significance in words, worst first (from the clin_* flags). "
               "A flag is about the variant, not a diagnosis: most people carry some."),
    *(ColumnInfo(f"clin_{name}", "Clinical", f"ClinVar lists this variant as {name.replace('_', ' ')}")
      for name in SIGNIFICANCE_ORDER),
    ColumnInfo("ma", "Frequency", "Minor allele: the less common allele worldwide"),
    ColumnInfo("maf", "Frequency", "Minor allele frequency worldwide (1000 Genomes): 0.01 means "
                                   "1 in 100 alleles; below that the variant counts as rare"),
    ColumnInfo("mac", "Frequency", "Minor allele count behind that frequency"),
    ColumnInfo("tsa", "Evidence", "Variant class: SNV (one base), insertion, deletion, indel, "
                                  "substitution"),
    ColumnInfo("aa", "Evidence", "Ancestral allele (the one in our common ancestors)"),
    ColumnInfo("alts", "Evidence", "Every alternative allele Ensembl knows at this position"),
    ColumnInfo("qual_ensembl", "Evidence", "Quality in the Ensembl record (usually empty)"),
    ColumnInfo("filter_ensembl", "Evidence", "Filter in the Ensembl record"),
    *(ColumnInfo(name, "Evidence", f"Evidence: {text}") for name, text in _EVIDENCE.items()),
    *(ColumnInfo(name, "Evidence", text) for name, text in _SOURCES.items()),
]}

PRESETS: dict[str, tuple[str, ...] | None] = {
    # A genotyping file's result adds its own marker ID and how each call was matched.
    "Essentials": ("marker_id", "gt", "chrom", "start", "ref", "alt", ROW_ALLELE, "genotype",
                   "zygosity",
                   "allele_check", "rsid", CLINICAL_SIGNIFICANCE, "maf"),
    "Clinical": ("chrom", "start", "rsid", "genotype", "zygosity", CLINICAL_SIGNIFICANCE,
                 *(f"clin_{name}" for name in SIGNIFICANCE_ORDER), "clinvar_202502"),
    "Frequencies": ("chrom", "start", "ref", "alt", "rsid", "genotype", "zygosity", "ma", "maf",
                    "mac", "tsa"),
    "All": None,  # every column
}
DEFAULT_PRESET = "Essentials"


def column_info(name: str) -> ColumnInfo:
    """What a column is; columns this catalogue does not know are put in Other."""
    known = COLUMNS.get(name)
    if known is not None:
        return known
    if name.startswith("clin_"):
        return ColumnInfo(name, "Clinical", f"ClinVar: {name[5:].replace('_', ' ')}")
    if name.startswith("e_"):
        return ColumnInfo(name, "Evidence", f"Evidence: {name[2:].replace('_', ' ')}")
    return ColumnInfo(name, "Other", name)


def column_label(name: str, schema: dict[str, pl.DataType]) -> str:
    """The header a column shows. A file matched by rsID has two positions: the reference's
    (`chrom`, `start`: where GRCh38 has the rsID) and the file's own (`source_chrom`,
    `source_pos`, on its build), so each says which it is."""
    if "source_pos" in schema:
        if name in ("chrom", "start"):
            return f"{name} (GRCh38)"
        if name in ("source_chrom", "source_pos"):
            return f"{name} (your file)"
    return name


def preset_columns(preset: str, available: list[str]) -> list[str]:
    """The preset's columns among `available`, in `available`'s order, always-visible ones kept."""
    chosen = PRESETS[preset]
    return [c for c in available
            if chosen is None or c in chosen or column_info(c).always_visible]


def grouped(available: list[str]) -> dict[str, list[str]]:
    """`available` by group, in GROUPS order (empty groups left out)."""
    groups: dict[str, list[str]] = {group: [] for group in GROUPS}
    for name in available:
        groups[column_info(name).group].append(name)
    return {group: names for group, names in groups.items() if names}


# -- derived columns and sort keys ----------------------------------------------------------------

def derived_columns(schema: dict[str, pl.DataType]) -> dict[str, pl.Expr]:
    """Columns the view computes from the file's (name -> expression): the allele a row of a VCF
    matched by rsID is about, and the clinical significance in words."""
    derived: dict[str, pl.Expr] = {}
    if "source_alt" in schema:
        derived[ROW_ALLELE] = row_allele(schema)
    flags = [(name, f"clin_{name}") for name in SIGNIFICANCE_ORDER
             if schema.get(f"clin_{name}") == pl.Boolean]
    if flags:
        words = pl.concat_str([pl.when(pl.col(column)).then(pl.lit(name.replace("_", " ")))
                               for name, column in flags], separator=", ", ignore_nulls=True)
        derived[CLINICAL_SIGNIFICANCE] = pl.when(words == "").then(None).otherwise(words)
    return derived


def row_allele(schema: dict[str, pl.DataType]) -> pl.Expr | None:
    """The alternative allele a row is about, on the reference's forward strand, or None for a
    genotyping-chip marker (one row per marker: its genotype names its alleles).

    `alt` for a VCF matched by position (a record's ALT alleles are rows of their own);
    `source_alt` for a VCF matched by rsID (its ALT alleles are rows placed on the same reference
    row, whose `alt` may list several), complemented where the call was restated on the other
    strand."""
    if "source_alt" in schema:
        source_alt = pl.col("source_alt").str.to_uppercase()
        if "allele_check" not in schema:
            return source_alt
        return (pl.when(pl.col("allele_check") == FLIPPED)
                .then(source_alt.str.reverse().str.replace_many(["A", "C", "G", "T"],
                                                                ["T", "G", "C", "A"]))
                .otherwise(source_alt))
    if "allele_check" in schema or "alt" not in schema:
        return None
    return pl.col("alt")


# Also as a genotyping file writes them (source_chrom: "chr1"), so no regex runs per row.
_CHROMOSOME_RANK = {f"{prefix}{name}": rank for rank, name in enumerate(CHROMOSOMES)
                    for prefix in ("", "chr", "Chr", "CHR")}


def sort_keys(name: str, schema: dict[str, pl.DataType]) -> list[pl.Expr]:
    """The expressions a column sorts by: rsIDs by their number, chromosomes in natural order,
    the clinical significance worst first; anything else by its value.

    One numeric key each: values without a number or rank ("rs1;rs2", "i700", GL000220.1) come
    last, in file order (the sort keeps it). A second, text key for them made sorting 5 M rsIDs
    take 2-3 s instead of 0.4-0.5 s (row-encoding every string for a few rows)."""
    if name == CLINICAL_SIGNIFICANCE:
        ranks = [pl.when(pl.col(f"clin_{flag}")).then(pl.lit(rank, pl.UInt8))
                 for rank, flag in enumerate(SIGNIFICANCE_ORDER)
                 if schema.get(f"clin_{flag}") == pl.Boolean]
        return [pl.min_horizontal(ranks)] if ranks else [pl.lit(None)]
    if schema.get(name) == pl.String and name in ("rsid", "id", "marker_id"):
        # "rs" + digits -> the number: a slice and a cast, about twice as fast as a regex.
        column = pl.col(name)
        return [pl.when(column.str.slice(0, 2).is_in(["rs", "RS", "Rs", "rS"]))
                .then(column.str.slice(2).cast(pl.UInt64, strict=False))]
    if schema.get(name) == pl.String and name in ("chrom", "source_chrom"):
        return [pl.col(name).replace_strict(_CHROMOSOME_RANK, default=None,
                                            return_dtype=pl.UInt8)]
    return [pl.col(name)]
