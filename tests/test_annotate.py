"""The annotation semantics of DESIGN.md, rule by rule, on tiny references in the real schema."""

from __future__ import annotations

import polars as pl
import pytest

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.cancel import CancelToken
from just_dna_desktop.core.errors import BuildMismatchError, Cancelled, ReferenceMissingError

from reference_factory import write_reference, write_vcf


def rec(chrom, pos, ref, alt, gt="0/1", rsid="."):
    return f"{chrom}\t{pos}\t{rsid}\t{ref}\t{alt}\t50\tPASS\t.\tGT\t{gt}"


@pytest.fixture
def reference(tmp_path):
    ref = tmp_path / "ref"
    write_reference(ref, "21", [
        (100, "rs100", "A", "G"),
        (200, "rs200", "C", "T|G"),          # multi-allelic reference row
        (300, "rs10", "G", "A"),             # duplicate key: rs9 must win over rs10 (numeric)
        (300, "rs9", "G", "A"),
        (300, "rs8", "G", "C|A"),            # ... and rs8 (multi-allelic row sharing G>A) beats both
        (400, "rs400", "T", "TA"),           # anchored insertion
        (500, "rs500", "C", "A"),
    ])
    write_reference(ref, "MT", [(73, "rs3087742", "A", "G")])
    write_reference(ref, "X", [(9, "rs77", "C", "T")])
    return ref


def run(tmp_path, reference, records, **kw):
    vcf = write_vcf(tmp_path / "in.vcf", records)
    out = tmp_path / "out" / "user_annotated_vcf.parquet"
    meta = annotate_vcf(vcf, reference, out, **kw)
    return meta, pl.read_parquet(out)


def rsids(df):
    return {(r["chrom"], r["start"], r["ref"], r["alt"]): r["rsid"] for r in df.iter_rows(named=True)}


def test_multiallelic_input_gives_one_row_per_alt(tmp_path, reference):
    meta, df = run(tmp_path, reference, [rec("21", 100, "A", "G,T", "1/2")])
    assert df.height == 2 and meta["rows_in"] == 1 and meta["rows_out"] == 2
    got = rsids(df)
    assert got[("21", 100, "A", "G")] == "rs100"
    assert got[("21", 100, "A", "T")] is None
    assert df["genotype"].to_list() == [["G", "T"], ["G", "T"]]
    assert df["zygosity"].to_list() == ["het", "het"]


def test_multiallelic_reference_is_split(tmp_path, reference):
    _, df = run(tmp_path, reference, [rec("21", 200, "C", "G")])
    assert df["rsid"].to_list() == ["rs200"]
    assert df["alts"].to_list() == [["T", "G"]]


def test_multiallelic_on_both_sides(tmp_path, reference):
    _, df = run(tmp_path, reference, [rec("21", 200, "C", "T,G,A", "1/2")])
    assert rsids(df) == {("21", 200, "C", "T"): "rs200", ("21", 200, "C", "G"): "rs200",
                         ("21", 200, "C", "A"): None}


def test_duplicate_reference_keys_lowest_rs_number_wins_without_multiplying(tmp_path, reference):
    meta, df = run(tmp_path, reference, [rec("21", 300, "G", "A"), rec("21", 300, "G", "C")])
    assert df.height == 2 and meta["alleles_matched"] == 2
    assert rsids(df) == {("21", 300, "G", "A"): "rs8", ("21", 300, "G", "C"): "rs8"}


def test_lowest_rs_number_is_numeric_not_text(tmp_path):
    ref = tmp_path / "ref"
    write_reference(ref, "21", [(300, "rs10", "G", "A"), (300, "rs9", "G", "A")])
    _, df = run(tmp_path, ref, [rec("21", 300, "G", "A")])
    assert df["rsid"].to_list() == ["rs9"]


@pytest.mark.parametrize("name,expected", [
    ("chr21", "21"), ("CHR21", "21"), ("21", "21"),
    ("chrM", "MT"), ("M", "MT"), ("MT", "MT"), ("chrMT", "MT"), ("chrx", "X"), ("X", "X"),
])
def test_chromosome_names_are_normalised(tmp_path, reference, name, expected):
    pos, ref, alt, rsid = {"21": (100, "A", "G", "rs100"), "MT": (73, "A", "G", "rs3087742"),
                           "X": (9, "C", "T", "rs77")}[expected]
    _, df = run(tmp_path, reference, [rec(name, pos, ref, alt)], ignore_build_mismatch=True)
    assert df["chrom"].to_list() == [expected]
    assert df["rsid"].to_list() == [rsid]


def test_mixed_chr_naming_in_one_file(tmp_path, reference):
    _, df = run(tmp_path, reference, [rec("chr21", 100, "A", "G"), rec("21", 500, "C", "A"),
                                      rec("chrM", 73, "A", "G")])
    assert sorted(df["rsid"].to_list()) == ["rs100", "rs3087742", "rs500"]


def test_lower_case_alleles_match(tmp_path, reference):
    _, df = run(tmp_path, reference, [rec("21", 100, "a", "g")])
    assert df.select("ref", "alt", "rsid").row(0) == ("A", "G", "rs100")


def test_non_joinable_alleles_are_kept_unmatched(tmp_path, reference):
    records = [rec("21", 100, "A", "*"), rec("21", 100, "A", "<DEL>"), rec("21", 500, "C", "."),
               rec("21", 500, "C", "C[2:321682["), rec("21", 600, "G", "A", "./.")]
    meta, df = run(tmp_path, reference, records)
    assert df.height == 5 and meta["alleles_matched"] == 0
    assert df["rsid"].null_count() == 5
    assert set(df["alt"].to_list()) == {"*", "<DEL>", ".", "C[2:321682[", "A"}


def test_every_record_is_kept_hom_ref_missing_filtered_and_unknown_contigs(tmp_path, reference):
    records = [rec("21", 100, "A", "G", "0/0"), rec("21", 100, "A", "G", "./."),
               "21\t500\t.\tC\tA\t3\tLowQual\t.\tGT\t0|1", rec("GL000192.1", 5, "A", "T")]
    meta, df = run(tmp_path, reference, records)
    assert meta["rows_in"] == 4 and df.height == 4
    assert df["zygosity"].to_list()[:2] == ["hom_ref", "missing"]
    assert "LowQual" in df["filter"].to_list()
    assert "GL000192.1" in df["chrom"].to_list()


def test_indels_match_exactly(tmp_path, reference):
    _, df = run(tmp_path, reference, [rec("21", 400, "T", "TA"), rec("21", 400, "T", "TAA")])
    assert rsids(df) == {("21", 400, "T", "TA"): "rs400", ("21", 400, "T", "TAA"): None}


def test_snv_variant_type_restricts_the_reference(tmp_path, reference):
    _, df = run(tmp_path, reference, [rec("21", 400, "T", "TA"), rec("21", 100, "A", "G")],
                variant_type="SNV")
    assert rsids(df) == {("21", 400, "T", "TA"): None, ("21", 100, "A", "G"): "rs100"}


def test_output_columns_follow_the_design(tmp_path, reference):
    _, df = run(tmp_path, reference, [rec("21", 100, "A", "G")])
    assert df.columns[:12] == ["chrom", "start", "end", "id", "ref", "alt", "qual", "filter",
                               "gt", "genotype", "zygosity", "rsid"]
    for clash in ("end_ensembl", "qual_ensembl", "filter_ensembl"):
        assert clash in df.columns
    for column in ("tsa", "maf", "clin_pathogenic", "e_1000g", "hgmd-public_20204", "alts"):
        assert column in df.columns
    assert df.schema["start"] == pl.UInt32 and df.schema["maf"] == pl.Float32


def test_output_order_follows_chromosomes_then_input(tmp_path, reference):
    records = [rec("chrX", 9, "C", "T"), rec("21", 500, "C", "A"), rec("21", 100, "A", "G")]
    _, df = run(tmp_path, reference, records)
    assert df.select("chrom", "start").rows() == [("21", 500), ("21", 100), ("X", 9)]


def test_metadata_reports_the_run(tmp_path, reference):
    meta, df = run(tmp_path, reference, [rec("21", 100, "A", "G"), rec("21", 101, "A", "G")],
                   user="alice", sample="s1")
    assert meta["partition_key"] == "alice/s1"
    assert (meta["rows_in"], meta["rows_out"], meta["alleles_matched"]) == (2, 2, 1)
    assert meta["peak_memory_mb"] > 10 and meta["duration_sec"] > 0
    assert meta["file_size_mb"] > 0 and meta["genome_build"] == "GRCh38"


def test_progress_is_reported_per_chromosome(tmp_path, reference):
    seen = []
    run(tmp_path, reference, [rec("21", 100, "A", "G"), rec("chrX", 9, "C", "T")],
        progress=lambda f, m: seen.append((f, m)))
    messages = [m for _, m in seen]
    assert "Chromosome 21" in messages and "Chromosome X" in messages
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_cancel_stops_before_writing(tmp_path, reference):
    token = CancelToken()
    out = tmp_path / "out.parquet"

    def cancel_on_chromosome(fraction, message):
        if message.startswith("Chromosome"):
            token.cancel()

    vcf = write_vcf(tmp_path / "in.vcf", [rec("21", 100, "A", "G"), rec("X", 9, "C", "T")])
    with pytest.raises(Cancelled):
        annotate_vcf(vcf, reference, out, progress=cancel_on_chromosome, cancel=token)
    assert not out.exists()


def test_interrupted_write_keeps_the_previous_output(tmp_path, reference, monkeypatch):
    meta, first = run(tmp_path, reference, [rec("21", 100, "A", "G")])
    out = tmp_path / "out" / "user_annotated_vcf.parquet"
    before = out.read_bytes()

    def crash_midway(self, file, **kwargs):
        with open(file, "wb") as handle:
            handle.write(b"PAR1 half a file")
        raise KeyboardInterrupt  # the process dies while writing

    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, reference, [rec("21", 500, "C", "A")])
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_build_mismatch_by_position_is_refused_unless_overridden(tmp_path, reference):
    vcf = write_vcf(tmp_path / "b37.vcf", [rec("21", 100, "A", "G")],
                    header="##fileformat=VCFv4.1\n##contig=<ID=21,length=48129895>\n")
    with pytest.raises(BuildMismatchError, match="GRCh37"):
        annotate_vcf(vcf, reference, tmp_path / "o.parquet", match_by="position")
    # by default it would be matched by rsID, but it has none: refused too, saying why
    with pytest.raises(BuildMismatchError, match="none of its 1 alleles has an rsID"):
        annotate_vcf(vcf, reference, tmp_path / "o.parquet")
    assert not (tmp_path / "o.parquet").exists()
    meta = annotate_vcf(vcf, reference, tmp_path / "o.parquet", ignore_build_mismatch=True)
    assert meta["alleles_matched"] == 1 and meta["match_by"] == "position"


def test_missing_reference_is_a_clear_error(tmp_path):
    vcf = write_vcf(tmp_path / "in.vcf", [rec("21", 100, "A", "G")])
    with pytest.raises(ReferenceMissingError, match="reference download"):
        annotate_vcf(vcf, tmp_path / "nothing", tmp_path / "o.parquet")


def test_older_single_allele_layout_is_read(tmp_path):
    ref = tmp_path / "ref"
    write_reference(ref, "21", [(100, "rs100", "A", "G")],
                    relative="splitted_variants/SNV/snp-chr{chrom}.parquet")
    _, df = run(tmp_path, ref, [rec("chr21", 100, "A", "G")])
    assert df["rsid"].to_list() == ["rs100"]


def test_build_mismatch_is_refused_before_the_body_is_read(tmp_path, reference):
    # A broken data line would be a VcfError if the body were parsed first.
    vcf = write_vcf(tmp_path / "b37.vcf", ["21\tnot-a-position\t.\tA\tG\t.\t.\t.\tGT\t0/1"],
                    header="##fileformat=VCFv4.1\n##reference=hs37d5.fa\n")
    with pytest.raises(BuildMismatchError, match="GRCh37"):
        annotate_vcf(vcf, reference, tmp_path / "o.parquet", match_by="position")


def test_cancel_while_reading_the_vcf(tmp_path, reference):
    token = CancelToken()

    def cancel_while_reading(fraction, message):
        if message.startswith("Reading in.vcf:"):
            token.cancel()

    vcf = write_vcf(tmp_path / "in.vcf", [rec("21", 100, "A", "G")])
    with pytest.raises(Cancelled):
        annotate_vcf(vcf, reference, tmp_path / "o.parquet", progress=cancel_while_reading,
                     cancel=token)
    assert not (tmp_path / "o.parquet").exists()
