"""gVCF input: reference blocks and the <NON_REF>/<*> placeholders are not variants, so they are
not rows; the run says how many it skipped and that the input was a gVCF."""

import json

import polars as pl
import pytest

from workspace_helpers import REAL_VCF

from just_dna_desktop.cli import main
from just_dna_desktop.core.engine.annotate import annotate_vcf, read_output_metadata
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR
from just_dna_desktop.core.readers.vcf import AlleleBlocks, read_alleles

# GATK HaplotypeCaller -ERC GVCF, trimmed: blocks between the demo sample's real variants.
GATK_HEADER = """##fileformat=VCFv4.2
##ALT=<ID=NON_REF,Description="Represents any possible alternative allele not already represented at this location by REF and ALT">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">
##GVCFBlock0-20=minGQ=0(inclusive),maxGQ=20(exclusive)
##INFO=<ID=END,Number=1,Type=Integer,Description="Stop position of the interval">
##contig=<ID=chr21,length=46709983>
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	NA12878
"""
GATK_BODY = [
    "chr21\t25585700\t.\tA\t<NON_REF>\t.\t.\tEND=25585732\tGT:DP:GQ\t0/0:31:90",
    "chr21\t25585733\t.\tC\tT,<NON_REF>\t812.6\t.\tDP=30\tGT:DP:GQ\t0/1:30:99",
    "chr21\t25585734\t.\tG\t<NON_REF>\t.\t.\tEND=25587700\tGT:DP:GQ\t0/0:28:60",
    "chr21\t25587701\t.\tT\tC,<NON_REF>\t1203.1\t.\tDP=33\tGT:DP:GQ\t1/1:33:99",
    "chr21\t25587702\t.\tT\t<NON_REF>\t.\t.\tEND=25587757\tGT:DP:GQ\t0/0:27:45",
    "chr21\t25587758\t.\tG\tA,<NON_REF>\t40.2\t.\tDP=12\tGT:DP:GQ\t1/2:12:20",
    "chr21\t25587759\t.\tC\t<NON_REF>\t.\t.\tEND=25588858\tGT:DP:GQ\t./.:0:0",
]


def write_gvcf(path, header=GATK_HEADER, body=GATK_BODY):
    path.write_text(header + "".join(line + "\n" for line in body))
    return path


def test_reference_blocks_and_placeholders_are_not_rows(tmp_path):
    header, alleles = read_alleles(write_gvcf(tmp_path / "s.g.vcf"))
    assert alleles.select("start", "ref", "alt").rows() == [
        (25585733, "C", "T"), (25587701, "T", "C"), (25587758, "G", "A")]
    # Genotypes are read against the full ALT list: 1/2 is the A and the placeholder.
    assert alleles["genotype"].to_list() == [["C", "T"], ["C", "C"], ["A", "<NON_REF>"]]
    assert alleles["zygosity"].to_list() == ["het", "hom_alt", "het"]
    assert header.records == 3
    assert header.gvcf_metadata() == {"gvcf": True, "reference_blocks_skipped": 4,
                                      "symbolic_alleles_skipped": 3}


def test_a_gvcf_run_records_what_it_skipped_and_matches_the_real_variants(tmp_path, capsys):
    path = write_gvcf(tmp_path / "s.g.vcf")
    output = tmp_path / "out.parquet"
    assert main(["annotate", str(path), "--output", str(output), "--cache-dir",
                 str(DEMO_REFERENCE_DIR.parent)]) == 0
    out = capsys.readouterr().out
    assert "gVCF:     4 reference blocks and 3 <NON_REF>/<*> alleles skipped (not variants)" in out
    table = pl.read_parquet(output)
    assert table.height == 3 and "<NON_REF>" not in table["alt"].to_list()
    assert table["rsid"].to_list() == ["rs142513484", "rs187353664", "rs116645811"]
    meta = read_output_metadata(output)
    assert (meta["gvcf"], meta["reference_blocks_skipped"], meta["symbolic_alleles_skipped"],
            meta["rows_in"], meta["rows_out"]) == (True, 4, 3, 3, 3)


def test_bcftools_style_star_blocks_are_recognised_without_a_header_line(tmp_path):
    body = ["21\t25585700\t.\tA\t<*>\t0\t.\tEND=25585732\tGT\t0/0",
            "21\t25585733\t.\tC\tT,<*>\t50\t.\t.\tGT\t0/1",
            "21\t25585734\t.\tg\t<non_ref>\t.\t.\tEND=25585800\tGT\t0/0",  # odd spelling
            "21\t25585801\t.\tC\t<*>,<NON_REF>\t.\t.\t.\tGT\t0/0"]
    header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n"
    head, alleles = read_alleles(write_gvcf(tmp_path / "b.vcf", header, body))
    assert alleles["alt"].to_list() == ["T"]
    assert head.gvcf_metadata() == {"gvcf": True, "reference_blocks_skipped": 3,
                                    "symbolic_alleles_skipped": 1}


def test_a_plain_vcf_says_it_is_not_a_gvcf(tmp_path):
    metadata = annotate_vcf(REAL_VCF, DEMO_REFERENCE_DIR, tmp_path / "out.parquet")
    assert (metadata["gvcf"], metadata["reference_blocks_skipped"],
            metadata["symbolic_alleles_skipped"]) == (False, 0, 0)


def test_other_symbolic_alleles_stay_rows(tmp_path):
    body = ["21\t100\t.\tC\t<DEL>,<NON_REF>\t.\t.\t.\tGT\t0/1",
            "21\t200\t.\tC\t*,<*>\t.\t.\t.\tGT\t0/1"]
    header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n"
    head, alleles = read_alleles(write_gvcf(tmp_path / "d.vcf", header, body))
    assert alleles["alt"].to_list() == ["<DEL>", "*"]  # kept, unmatched (DESIGN.md)
    assert head.symbolic_alleles_skipped == 2 and head.reference_blocks_skipped == 0


@pytest.mark.parametrize("block_bytes", [200, 1 << 20])
def test_blocks_across_reading_blocks_are_counted_once(tmp_path, monkeypatch, block_bytes):
    from just_dna_desktop.core.readers import vcf

    monkeypatch.setattr("just_dna_desktop.core.readers.bounded.BLOCK_BYTES", block_bytes)
    body = []
    for i in range(500):
        body.append(f"21\t{1000 + 10 * i}\t.\tA\t<NON_REF>\t.\t.\tEND={1008 + 10 * i}\tGT\t0/0")
        body.append(f"21\t{1009 + 10 * i}\t.\tA\tG,<NON_REF>\t9\t.\t.\tGT\t0/1")
    path = write_gvcf(tmp_path / "many.g.vcf", GATK_HEADER.replace("chr21,", "21,"), body)
    with AlleleBlocks(path) as blocks:
        rows = sum(frame.height for frame in blocks)
    assert rows == 500
    assert blocks.header.gvcf_metadata() == {"gvcf": True, "reference_blocks_skipped": 500,
                                             "symbolic_alleles_skipped": 500}


def test_the_json_metadata_carries_the_gvcf_keys(tmp_path, capsys):
    path = write_gvcf(tmp_path / "s.g.vcf")
    assert main(["annotate", str(path), "--output", str(tmp_path / "o.parquet"), "--json",
                 "--cache-dir", str(DEMO_REFERENCE_DIR.parent)]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["gvcf"] is True and meta["reference_blocks_skipped"] == 4
