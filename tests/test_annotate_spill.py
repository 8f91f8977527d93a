"""Big inputs leave memory one chromosome at a time: the output is the same as in one piece."""

from __future__ import annotations

import polars as pl
import pytest

from just_dna_desktop.core.engine import annotate
from just_dna_desktop.core.readers import vcf as vcf_module
from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.cancel import CancelToken
from just_dna_desktop.core.errors import Cancelled

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


def records():
    # chr21 sorted, with two records at 300 (they fall in different slices when BATCH_ROWS is 1)
    return [rec("chr21", 100, "A", "G,T", "1/2"), rec("chr21", 200, "C", "G"),
            rec("chr21", 300, "G", "A"), rec("chr21", 300, "G", "C", "1/1"),
            rec("chrX", 9, "C", "T", "1"), rec("chrUn_1", 5, "A", "C"), rec("chr2", 7, "G", "T", "./.")]


def reference(tmp_path):
    ref = tmp_path / "ref"
    write_reference(ref, "21", [(100, "rs100", "A", "G"), (200, "rs200", "C", "T|G"),
                                (300, "rs10", "G", "A"), (300, "rs9", "G", "A|C")])
    write_reference(ref, "X", [(9, "rs77", "C", "T")])
    return ref


def test_streamed_input_and_sliced_chromosomes_equal_the_in_memory_output(tmp_path, monkeypatch):
    ref, vcf = reference(tmp_path), write_vcf(tmp_path / "in.vcf", records())
    whole = annotate_vcf(vcf, ref, tmp_path / "whole.parquet")
    expected = pl.read_parquet(tmp_path / "whole.parquet")
    assert expected.filter(pl.col("start") == 300)["rsid"].to_list() == ["rs9", "rs9"]
    # every input row spilled in its own part file, every chromosome annotated one row at a time
    monkeypatch.setattr(annotate, "SPILL_ROWS", 0)
    monkeypatch.setattr(annotate, "FLUSH_ROWS", 1)
    monkeypatch.setattr(annotate, "BATCH_ROWS", 1)
    monkeypatch.setattr("just_dna_desktop.core.readers.bounded.BLOCK_BYTES", 40)  # a block per line or two
    written = []
    real_write = annotate._write_temporary
    monkeypatch.setattr(annotate, "_write_temporary",
                        lambda df, path, out: (written.append(path.name), real_write(df, path, out)))
    streamed = annotate_vcf(vcf, ref, tmp_path / "out" / "streamed.parquet")
    assert pl.read_parquet(tmp_path / "out" / "streamed.parquet").equals(expected)
    assert sum(n.startswith("in-") for n in written) >= 5
    assert sum(n.startswith("out-") for n in written) == 8  # one per allele row
    for key in ("rows_in", "rows_out", "alleles_matched", "chromosomes"):
        assert streamed[key] == whole[key]
    assert (whole["rows_in"], whole["rows_out"], whole["alleles_matched"]) == (7, 8, 5)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["streamed.parquet"]


def test_unsorted_chromosome_is_annotated_whole(tmp_path, monkeypatch):
    ref = reference(tmp_path)
    vcf = write_vcf(tmp_path / "in.vcf", [rec("21", 300, "G", "A"), rec("21", 100, "A", "G")])
    monkeypatch.setattr(annotate, "BATCH_ROWS", 1)
    sizes = []
    real = annotate.annotate_part
    monkeypatch.setattr(annotate, "annotate_part",
                        lambda part, *a: (sizes.append(part.height), real(part, *a))[1])
    annotate_vcf(vcf, ref, tmp_path / "out.parquet")
    assert sizes == [2]
    assert pl.read_parquet(tmp_path / "out.parquet")["rsid"].to_list() == ["rs9", "rs100"]


@pytest.mark.parametrize("failure", ["cancel", "error"])
def test_temporary_files_go_whatever_happens(tmp_path, monkeypatch, failure):
    ref, vcf = reference(tmp_path), write_vcf(tmp_path / "in.vcf", records())
    monkeypatch.setattr(annotate, "SPILL_ROWS", 0)
    token = CancelToken()
    seen = []

    def progress(fraction, message):
        seen.append(message)
        if message == "Chromosome X":  # input parts and chr21's output part exist by now
            assert any(p.name.endswith(".tmp") for p in (tmp_path / "out").iterdir())
            if failure == "cancel":
                token.cancel()
            else:
                monkeypatch.setattr(annotate, "annotate_part", boom)

    def boom(*args):
        raise RuntimeError("boom")

    with pytest.raises(Cancelled if failure == "cancel" else RuntimeError):
        annotate_vcf(vcf, ref, tmp_path / "out" / "o.parquet", progress=progress, cancel=token)
    assert "Chromosome X" in seen
    assert list((tmp_path / "out").iterdir()) == []
