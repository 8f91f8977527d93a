"""Big inputs leave memory one chromosome at a time: the output is the same as in one piece."""

from __future__ import annotations

import polars as pl

from just_dna_desktop.core import annotate
from just_dna_desktop.core.annotate import annotate_vcf

from reference_factory import write_reference, write_vcf


def rec(chrom, pos, ref, alt, gt="0/1"):
    return f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT\t{gt}"


def test_spilled_output_equals_in_memory_output(tmp_path, monkeypatch):
    ref = tmp_path / "ref"
    write_reference(ref, "21", [(100, "rs100", "A", "G"), (200, "rs200", "C", "T|G"),
                                (300, "rs10", "G", "A"), (300, "rs9", "G", "A")])
    write_reference(ref, "X", [(9, "rs77", "C", "T")])
    vcf = write_vcf(tmp_path / "in.vcf", [
        rec("chr21", 100, "A", "G,T", "1/2"), rec("chr21", 200, "C", "G"), rec("chr21", 300, "G", "A"),
        rec("chrX", 9, "C", "T", "1"), rec("chrUn_1", 5, "A", "C"), rec("chr2", 7, "G", "T", "./.")])
    whole = annotate_vcf(vcf, ref, tmp_path / "whole.parquet")
    monkeypatch.setattr(annotate, "SPILL_ROWS", 0)
    spilled = annotate_vcf(vcf, ref, tmp_path / "out" / "spilled.parquet")
    a, b = pl.read_parquet(tmp_path / "whole.parquet"), pl.read_parquet(tmp_path / "out" / "spilled.parquet")
    assert b.equals(a) and a.height == 7
    assert (spilled["rows_out"], spilled["alleles_matched"]) == (whole["rows_out"], whole["alleles_matched"]) == (7, 4)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["spilled.parquet"]  # no parts left
