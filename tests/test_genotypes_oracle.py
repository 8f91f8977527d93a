"""Our genotype-file reader against an independent one: the `snps` package (BSD, dev-only), on the
vendor fixtures of its own test suite (tests/data/snps/, unchanged).

For every layout we claim to read, both readers must give the same (rsid, chromosome, position,
genotype) rows, plain, gzipped and zipped. Where we differ by design, the difference is spelled out
per file: we never drop a marker (snps drops markers without a chromosome or position, and
CircleDNA's non-rs markers), since an rsID needs neither. Layouts we do not read get one clear
error, never an empty table.
"""

from __future__ import annotations

import gzip
import math
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from snps.io import Reader

from just_dna_desktop.core.readers.genotypes import GenotypeFileError, detect_format, own_chromosome, \
    read_markers

CORPUS = Path(__file__).parent / "data" / "snps"
# snps's own deprecation noise under a newer pandas is not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::Warning:snps")


def kept_by_snps_anyway(row: tuple) -> bool:
    return True


def has_place(row: tuple) -> bool:
    """snps drops a marker without a chromosome or a position (we keep it: its rsID places it)."""
    return row[1] is not None and row[2] is not None


def is_called_rsid(row: tuple) -> bool:
    """snps keeps only CircleDNA's called rsID markers (we keep every marker)."""
    return row[0].startswith("rs") and row[3] is not None


# file -> (our format name, which of our rows snps keeps too)
SUPPORTED = {
    "23andme.txt": ("23andme", has_place),
    "23andme_allele.txt": ("23andme", kept_by_snps_anyway),
    "23andme_win.txt": ("23andme", has_place),
    "23mofang.txt": ("23mofang", kept_by_snps_anyway),
    "DNALand.txt": ("dnaland", kept_by_snps_anyway),
    "GRCh37.csv": ("generic", kept_by_snps_anyway),
    "GRCh37_PAR.csv": ("generic", kept_by_snps_anyway),
    "GRCh38.csv": ("generic", kept_by_snps_anyway),
    "NCBI36.csv": ("generic", kept_by_snps_anyway),
    "ancestry.txt": ("ancestrydna", kept_by_snps_anyway),
    "ancestry_mt.txt": ("ancestrydna", kept_by_snps_anyway),
    "ancestry_multi_sep.txt": ("ancestrydna", kept_by_snps_anyway),
    "chromosomes.csv": ("generic", kept_by_snps_anyway),
    "circledna.txt": ("circledna", is_called_rsid),
    "duplicate_rsids.csv": ("generic", kept_by_snps_anyway),
    "ftdna.csv": ("ftdna", kept_by_snps_anyway),
    "ftdna_famfinder.csv": ("ftdna", kept_by_snps_anyway),
    "generic.csv": ("generic", kept_by_snps_anyway),
    "generic.tsv": ("generic", kept_by_snps_anyway),
    "generic_extra_column.tsv": ("generic", kept_by_snps_anyway),
    "generic_header_comment.tsv": ("generic", kept_by_snps_anyway),
    "generic_multi_rsid.tsv": ("generic", kept_by_snps_anyway),
    "generic_no_header.tsv": ("generic", kept_by_snps_anyway),
    "generic_non_standard_columns.tsv": ("generic", kept_by_snps_anyway),
    "genesforgood.txt": ("genesforgood", kept_by_snps_anyway),
    "livingdna.csv": ("livingdna", kept_by_snps_anyway),
    "mapmygenome.txt": ("generic", kept_by_snps_anyway),  # nothing in it names the vendor
    "mapmygenome_alt_header.txt": ("generic", kept_by_snps_anyway),
    "mapmygenome_new_format.txt": ("mapmygenome", kept_by_snps_anyway),
    "myheritage.csv": ("myheritage", kept_by_snps_anyway),
    "myheritage_extra_quotes.csv": ("myheritage", kept_by_snps_anyway),
    "plink.txt": ("generic", kept_by_snps_anyway),
    "sano_dtc.txt": ("sano", kept_by_snps_anyway),
    "sano_dtc_no_comments.txt": ("generic", kept_by_snps_anyway),
    "selfdecode.txt": ("selfdecode", kept_by_snps_anyway),
}
# Files our reader refuses, and the words of the one-line reason.
REFUSED = {
    "codigo46.txt": "Illumina GenomeStudio report",  # snps needs a downloaded GSA name map
    "sano.txt": "Illumina GenomeStudio report",      # ... and a dbSNP strand list
    "discrepant_snps.csv": "neither a VCF",          # a table of expectations, not calls
    "empty.txt": "the file is empty",
    "generic.fa": "FASTA",
}
VCFS = {"testvcf.vcf", "testvcf_chr_prefix.vcf", "testvcf_multi_sample.vcf", "testvcf_phased.vcf",
        "unannotated_testvcf.vcf"}
# Read as generic, but its IDs are `1:101`-style names (snps maps them with a downloaded table):
# annotating it is refused (tests/test_rsid_match.py), since none is an rsID.
NAMES_NOT_RSIDS = {"tellmeGen.txt"}


def chrom(name: str | None) -> str | None:
    return None if name is None else pl.select(own_chromosome(pl.lit(name, pl.String))).item()


def ours(path: Path) -> set[tuple]:
    _, df = read_markers(path)
    rows = set()
    for r in df.iter_rows(named=True):
        called = [a for a in r["genotype"] if a is not None]
        genotype = "".join(a or "-" for a in r["genotype"]) if called else None
        rows.add((r["marker_id"], chrom(r["source_chrom"]), r["source_pos"], genotype))
    return rows


def theirs(path: Path) -> set[tuple]:
    rows = set()
    for rsid, row in Reader(str(path)).read()["snps"].iterrows():
        genotype = row["genotype"]
        if isinstance(genotype, float) and math.isnan(genotype):
            genotype = None
        rows.add((rsid, chrom(str(row["chrom"])), int(row["pos"]), genotype))
    return rows


def test_every_fixture_is_accounted_for():
    names = {p.name for p in CORPUS.iterdir()} - {"LICENSE", "README.md"}
    assert names == set(SUPPORTED) | set(REFUSED) | VCFS | NAMES_NOT_RSIDS
    assert "BSD 3-Clause" in (CORPUS / "LICENSE").read_text()


def compressed(path: Path, tmp_path: Path, how: str) -> Path:
    if how == "plain":
        return path
    if how == "gzip":
        target = tmp_path / (path.name + ".gz")
        with open(path, "rb") as src, gzip.open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return target
    target = tmp_path / "download.zip"  # the name says nothing: content decides
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, path.name)
    return target


@pytest.mark.parametrize("how", ["plain", "gzip", "zip"])
@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_same_rows_as_snps(name, how, tmp_path):
    expected_format, snps_keeps = SUPPORTED[name]
    path = compressed(CORPUS / name, tmp_path, how)
    fmt = detect_format(path)
    assert (fmt.name, fmt.compression) == (expected_format, {"plain": "none"}.get(how, how))
    mine, oracle = ours(path), theirs(CORPUS / name)
    assert oracle, "the oracle read nothing: the comparison would prove nothing"
    assert {row for row in mine if snps_keeps(row)} == oracle
    dropped_by_snps = {row for row in mine if not snps_keeps(row)}
    assert dropped_by_snps == mine - oracle  # and nothing else differs


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unsupported_layouts_are_refused_in_one_line(name):
    path = CORPUS / name
    with pytest.raises(GenotypeFileError) as info:
        read_markers(path)
    message = str(info.value)
    assert message.startswith(f"{path}") and REFUSED[name] in message and "\n" not in message


@pytest.mark.parametrize("name", sorted(VCFS))
def test_vcfs_are_told_apart_by_content(name, tmp_path):
    renamed = tmp_path / "genome.txt"
    shutil.copyfile(CORPUS / name, renamed)
    assert detect_format(renamed).is_vcf
