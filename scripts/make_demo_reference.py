"""Build the demo's reference slice from the real Ensembl VEP cache slice of chr21.

Input: an Ensembl VEP (release 84, GRCh38) cache `_var.gz` file, one variant per line, fields
separated by single spaces with empty fields kept and trailing empty fields left off; the column
order is `variation_cols` of the cache's `info.txt` (VARIATION_COLS below).
Output: `just_dna_desktop/resources/demo/ensembl_variations/data/homo_sapiens-chr21.parquet`, in the
schema of the Hugging Face dataset `just-dna-seq/ensembl_variations` (same column names, order and
types), SNVs only, sorted by `start`, zstd.

    uv run python scripts/make_demo_reference.py [VAR_GZ] [OUTPUT]

How each column is derived (only from fields of the cache; nothing is invented):
- `chrom` "21"; `start` = start; `end` = end (empty means = start); `id` = variation_name.
- `ref`/`alt`/`alts`: allele_string `REF/ALT1/ALT2...`; `alt` is the ALTs joined with `|`.
  Kept only when every allele is one of A, C, G, T and the variant spans one base (start = end),
  so indels, which need the genome's anchor base that the cache lacks, and odd mappings are dropped.
  Exact duplicate lines of the cache (same name, position and alleles) are kept once.
- `tsa` "SNV" (all rows are SNVs by the rule above).
- `qual` null (a reference has no call quality); `filter` null (not in the cache).
- Source flags, from the variant's own accession (each Ensembl variant has one primary source):
  `dbsnp_156` = name is `rs<digits>`; `cosmic_101` = name is `COSM`/`COSV<digits>`;
  `hgmd-public_20204` = name is an HGMD accession (`C` + one letter + digits, e.g. CM000001);
  `clinvar_202502` = the cache has a ClinVar clinical significance (clin_sig) or a `ClinVar::`
  synonym for it. The source releases of this cache are older (dbSNP 149, COSMIC 80, ClinVar
  201704, HGMD-PUBLIC 20164) than the column names say; the names are kept for schema parity.
- `clin_*`: one flag per value of the comma-separated `clin_sig` (`clin_pathogenic` for
  `pathogenic`, ...); false when the cache has other or no values.
- Evidence flags derived from the cache: `e_cited` = pubmed non-empty; `e_phenotype_or_disease` =
  phenotype_or_disease is 1; `e_1000g` = any 1000 Genomes population (AFR, AMR, EAS, EUR, SAS)
  present; `e_esp` = any ESP population (AA, EA) present; `e_gnomad` = any gnomADe column present;
  `e_freq` = any of those frequencies or a minor allele frequency present.
  Not derivable from this cache, so null (unknown, not false): `e_multiple_observations`,
  `e_topmed`, `e_hapmap`, `e_exac`.
- `ma` = minor_allele, `maf` = minor_allele_freq (f32); `mac` (minor allele count) and `aa`
  (ancestral allele) are not in the cache: null.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from just_dna_desktop.core.reference.schema import CLINICAL_SIGNIFICANCES, REFERENCE_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "tests/data/ensembl_vep84_chr21/chr21_25000001-26000000_var.gz"
DEFAULT_OUTPUT = (ROOT / "just_dna_desktop/resources/demo/ensembl_variations/data"
                  / "homo_sapiens-chr21.parquet")
CHROM = "21"

VARIATION_COLS = (
    "variation_name,failed,somatic,start,end,allele_string,strand,minor_allele,minor_allele_freq,"
    "clin_sig,phenotype_or_disease,pubmed,AFR,AMR,EAS,EUR,SAS,AA,EA,gnomADe,gnomADe_AFR,"
    "gnomADe_AMR,gnomADe_ASJ,gnomADe_EAS,gnomADe_FIN,gnomADe_MID,gnomADe_NFE,gnomADe_REMAINING,"
    "gnomADe_SAS,var_synonyms,AF"
).split(",")
POPULATIONS_1000G = ["AFR", "AMR", "EAS", "EUR", "SAS"]
POPULATIONS_ESP = ["AA", "EA"]
POPULATIONS_GNOMAD = [c for c in VARIATION_COLS if c.startswith("gnomADe")]



def read_cache(path: Path) -> pl.DataFrame:
    """The cache's lines as string columns named by VARIATION_COLS (null where empty or absent)."""
    lines = pl.read_csv(path, has_header=False, separator="\x1f", quote_char=None,
                        new_columns=["line"], schema={"line": pl.String})
    fields = pl.col("line").str.strip_chars_end("\r").str.split(" ")
    df = lines.select(fields.list.get(i, null_on_oob=True).alias(name)
                      for i, name in enumerate(VARIATION_COLS))
    return df.with_columns(pl.all().replace("", None))


def _present(columns: list[str]) -> pl.Expr:
    return pl.any_horizontal(pl.col(c).is_not_null() for c in columns)


def convert(cache: pl.DataFrame) -> pl.DataFrame:
    alleles = pl.col("allele_string").str.split("/")
    start = pl.col("start").cast(pl.UInt32)
    end = pl.coalesce(pl.col("end"), pl.col("start")).cast(pl.UInt32)
    snv = (pl.col("allele_string").str.contains(r"^[ACGT](/[ACGT])+$")) & (start == end)
    df = cache.filter(snv).unique(subset=["variation_name", "start", "allele_string"],
                                  keep="first", maintain_order=True)
    clin_sig = pl.col("clin_sig").fill_null("").str.split(",")
    name = pl.col("variation_name")
    out = df.select(
        chrom=pl.lit(CHROM),
        start=start,
        end=end,
        id=name,
        ref=alleles.list.first(),
        alt=alleles.list.slice(1).list.join("|"),
        alts=alleles.list.slice(1),
        qual=pl.lit(None, pl.Float64),
        filter=pl.lit(None, pl.String),
        cosmic_101=name.str.contains(r"^COS[MV]\d+$"),
        clinvar_202502=pl.col("clin_sig").is_not_null()
        | pl.col("var_synonyms").fill_null("").str.contains("ClinVar::", literal=True),
        dbsnp_156=name.str.contains(r"^rs\d+$"),
        **{"hgmd-public_20204": name.str.contains(r"^C[A-Z]\d+$")},
        tsa=pl.lit("SNV"),
        e_cited=pl.col("pubmed").is_not_null(),
        e_multiple_observations=pl.lit(None, pl.Boolean),
        e_freq=_present(["minor_allele_freq", *POPULATIONS_1000G, *POPULATIONS_ESP,
                         *POPULATIONS_GNOMAD]),
        e_topmed=pl.lit(None, pl.Boolean),
        e_hapmap=pl.lit(None, pl.Boolean),
        e_phenotype_or_disease=pl.col("phenotype_or_disease") == "1",
        e_esp=_present(POPULATIONS_ESP),
        e_gnomad=_present(POPULATIONS_GNOMAD),
        e_1000g=_present(POPULATIONS_1000G),
        e_exac=pl.lit(None, pl.Boolean),
        **{f"clin_{value}": clin_sig.list.contains(value) for value in CLINICAL_SIGNIFICANCES},
        ma=pl.col("minor_allele"),
        maf=pl.col("minor_allele_freq").cast(pl.Float32),
        mac=pl.lit(None, pl.Int32),
        aa=pl.lit(None, pl.String),
    )
    out = out.with_columns(pl.col("e_phenotype_or_disease").fill_null(False))
    rs_number = pl.col("id").str.extract(r"^rs(\d+)$").cast(pl.UInt64)
    out = out.sort([pl.col("start"), rs_number, pl.col("id")], nulls_last=True)
    return out.select(pl.col(name).cast(dtype) for name, dtype in REFERENCE_SCHEMA.items())


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    cache = read_cache(source)
    df = convert(cache)
    output.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(output, compression="zstd", compression_level=14, statistics=True,
                     row_group_size=16_384)
    print(f"{source.name}: {cache.height} variants -> {df.height} SNV rows "
          f"({df['start'].n_unique()} positions), {output.stat().st_size / 2**20:.2f} MB "
          f"-> {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
