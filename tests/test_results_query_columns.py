"""The Qt-free side of the results table: column groups and presets, the readable clinical
significance, sort keys that follow people's order, Carried only, export names, and failures
told in a window's words."""


import polars as pl
import pytest

from just_dna_desktop.core.engine.annotate import check_build
from just_dna_desktop.core.errors import BuildMismatchError
from just_dna_desktop.core.workspace.failures import (BUILD_MISMATCH, OTHER, REFERENCE_MISSING,
                                                      UNREADABLE_FILE, explain_failure)
from just_dna_desktop.core.results.columns import (PRESETS, column_info, grouped, preset_columns)
from just_dna_desktop.core.results.query import ResultsQuery, ViewSpec, export_name


@pytest.fixture
def result(tmp_path):
    path = tmp_path / "r.parquet"
    pl.DataFrame({
        "chrom": ["10", "2", "X", "1", "GL000220.1"],
        "start": pl.Series([5, 4, 3, 2, 1], dtype=pl.UInt32),
        "alt": ["G", "T", "C", "A", "G"],
        "genotype": [["A", "G"], ["C", "C"], ["C"], None, ["G", "G"]],
        "rsid": ["rs10", "rs9", None, "rs100", "rs1"],
        "clin_benign": [True, False, False, None, False],
        "clin_pathogenic": [True, False, False, None, False],
        "clin_risk_factor": [False, True, False, None, False],
    }).write_parquet(path)
    return path


def test_columns_have_groups_descriptions_and_presets():
    assert column_info("maf").group == "Frequency" and "1 in 100" in column_info("maf").description
    assert column_info("clin_pathogenic").group == "Clinical"
    assert column_info("something_new").group == "Other"
    assert column_info("rsid").always_visible and column_info("chrom").always_visible
    available = ["chrom", "start", "rsid", "zygosity", "maf", "e_cited", "mystery"]
    assert list(grouped(available)) == ["Position", "Genotype", "Frequency", "Evidence", "Other"]
    assert preset_columns("Frequencies", available) == ["chrom", "start", "rsid", "zygosity", "maf"]
    assert preset_columns("All", available) == available and set(PRESETS) == {
        "Essentials", "Clinical", "Frequencies", "All"}


def test_clinical_significance_in_words_worst_first(result):
    query = ResultsQuery(result)
    assert query.columns.index("clinical_significance") == query.columns.index("rsid") + 1
    position = query.columns.index("clinical_significance")
    assert [query.row(i)[position] for i in range(5)] == [
        "pathogenic, benign", "risk factor", None, None, None]
    query.set_sort("clinical_significance")
    assert [query.row(i)[position] for i in range(2)] == ["pathogenic, benign", "risk factor"]
    query.set_filter("risk factor")  # the words are searchable
    assert query.row_count == 1


def test_rsids_and_chromosomes_sort_as_people_expect(result):
    query = ResultsQuery(result)
    query.set_sort("rsid")
    assert [query.row(i)[query.columns.index("rsid")] for i in range(5)] == [
        "rs1", "rs9", "rs10", "rs100", None]
    query.set_sort("chrom")
    assert [query.row(i)[0] for i in range(5)] == ["1", "2", "10", "X", "GL000220.1"]
    query.set_sort("chrom", descending=True)
    assert [query.row(i)[0] for i in range(4)] == ["X", "10", "2", "1"]


def test_ids_without_a_number_and_prefixed_chromosomes_sort_too():
    from just_dna_desktop.core.results.columns import sort_keys

    frame = pl.DataFrame({"marker_id": ["i700", "rs20", "RS3", "rs1;rs2", "rs100"],
                          "source_chrom": ["chrX", "chr10", "CHR2", "chr1", "chrUn_gl1"]})
    by_id = frame.sort(sort_keys("marker_id", frame.schema), nulls_last=True, maintain_order=True)
    assert by_id["marker_id"].to_list() == ["RS3", "rs20", "rs100", "i700", "rs1;rs2"]  # rest: file order
    by_chrom = frame.sort(sort_keys("source_chrom", frame.schema), nulls_last=True)
    assert by_chrom["source_chrom"].to_list() == ["chr1", "CHR2", "chr10", "chrX", "chrUn_gl1"]


def test_carried_only_means_this_rows_alt_is_among_the_persons_alleles(result):
    query = ResultsQuery(result)
    query.set_filter(carried_only=True)
    # A/G carries G, a haploid C carries C, G/G carries G; C/C does not carry T, no call is no
    assert query.row_count == 3
    assert sorted(query.row(i)[0] for i in range(3)) == ["10", "GL000220.1", "X"]


def test_export_names_say_whose_table_and_what_view():
    assert export_name("alice", "HG00096", ViewSpec()) == "alice_HG00096_all.csv"
    spec = ViewSpec(text="chr21:25,000,000-25,100,000", rare_only=True, carried_only=True)
    assert export_name("alice", "my genome", spec, "tsv") == \
        "alice_my-genome_rare-carried-chr21-25-000-000-25-100-000.tsv"
    assert export_name(None, None, ViewSpec(clinical_only=True)) == "clinical.csv"


def test_failures_are_told_without_terminal_advice(tmp_path):
    with pytest.raises(BuildMismatchError) as error:
        check_build("GRCh37", tmp_path / "old.vcf", ignore=False)
    advice = explain_failure(str(error.value))  # the engine's own message is recognised
    assert advice.kind == BUILD_MISMATCH and advice.build == "GRCh37"
    assert "--ignore-build-mismatch" not in advice.reason and "rsID" in advice.advice
    missing = explain_failure(f"{tmp_path}: no reference files here; run `just-dna-desktop "
                              "reference download`")
    assert missing.kind == REFERENCE_MISSING and "`" not in missing.reason
    assert explain_failure("x.vcf:3: POS 'a' is not a number").kind == UNREADABLE_FILE
    assert explain_failure(None).kind == OTHER


def test_every_column_the_engine_writes_is_described(tmp_path):
    """A VCF by position, a genotyping file and a GRCh37 VCF by rsID: no column lands in Other,
    and Essentials shows who, where, what was called and what it means."""
    from just_dna_desktop.core.engine.annotate import annotate_vcf
    from just_dna_desktop.core.reference.demo import DEMO_CHIP, DEMO_REFERENCE_DIR, DEMO_VCF
    from just_dna_desktop.core.results.query import ResultsQuery

    from reference_factory import write_reference, write_vcf

    reference = tmp_path / "ref"
    write_reference(reference, "1", [(100, "rs1", "A", "G")])
    old = write_vcf(tmp_path / "old.vcf", ["1\t1100\trs1\tA\tG\t50\tPASS\t.\tGT\t0/1"],
                    header="##fileformat=VCFv4.1\n##contig=<ID=1,length=249250621>\n")
    essentials = {}
    for name, source, ref in (("vcf", DEMO_VCF, DEMO_REFERENCE_DIR),
                              ("chip", DEMO_CHIP, DEMO_REFERENCE_DIR), ("grch37", old, reference)):
        output = tmp_path / f"{name}.parquet"
        annotate_vcf(source, ref, output)
        columns = ResultsQuery(output).columns
        assert [c for c in columns if column_info(c).group == "Other"] == [], name
        essentials[name] = preset_columns("Essentials", columns)
    assert essentials["vcf"] == ["chrom", "start", "ref", "alt", "gt", "genotype", "zygosity",
                                 "rsid", "clinical_significance", "maf"]
    for name in ("chip", "grch37"):  # matched by rsID: the file's own ID and how it was matched
        assert {"marker_id", "allele_check", "genotype", "rsid", "maf"} <= set(essentials[name])
