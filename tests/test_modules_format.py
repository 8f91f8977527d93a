"""Reading a module in every layout the just-dna format has had (core/modules/format.py): the
module the real compiler wrote (tests/data/module_example), the first Hub modules, 0.4 drug
tables, and files that are no module at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop.core.modules import format as fmt
from just_dna_desktop.core.modules.format import ModuleError

from module_factory import row, write_hub_module, write_module, write_pharm_module

EXAMPLE = Path(__file__).parent / "data" / "module_example"


@pytest.fixture
def example(tmp_path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "example_pgx_traits"))


def test_the_compiled_module_as_the_compiler_wrote_it(example):
    info = fmt.describe(example)
    assert (info.name, info.title, info.version, info.license, info.curator, info.genome_build,
            info.lead, info.rows, info.has_manifest) == (
        "example_pgx_traits", "Example PGx and Traits", "0.1.0", "CC0-1.0",
        "just-dna-desktop-notes", "GRCh38", "weights.parquet", 12, True)
    assert info.digest == "sha256:69d309df2b6bf13d8573c79f0b8b1e62b24891f8abc1bdd26b353e89e8793efe"
    assert info.size == sum(p.stat().st_size for p in example.iterdir())

    lead = fmt.read_lead_table(example)
    assert lead.height == 12
    assert lead.filter(pl.col("rsid") == "rs4244285").select(
        "chrom", "start", "ref", "genotype", "alleles", "phased", "weight", "state").rows() == [
        ("10", 94781859, "G", "G/G", ["G", "G"], False, 0.0, "neutral"),
        ("10", 94781859, "G", "A/G", ["A", "G"], False, -0.5, "risk"),
        ("10", 94781859, "G", "A/A", ["A", "A"], False, -1.0, "risk"),
    ]
    assert lead.filter(pl.col("rsid") == "rs4988235", pl.col("genotype") == "G/G")[
        "requires_callable"].to_list() == [True]
    assert lead["variant_key"].to_list()[:3] == ["rs4244285"] * 3
    assert lead["clin_sig"].to_list()[0] == "drug_response"
    # columns the 0.7 weights do not have are there, null
    assert lead["drug"].null_count() == 12 and lead["evidence_level"].null_count() == 12

    notes = fmt.read_annotations(example)
    assert notes.filter(pl.col("key") == "rs9923231").select("genotype", "gene", "phenotype",
                                                              "category").rows() == [
        ("C/C", "VKORC1", "Warfarin dose requirement", "drug_response"),
        ("C/T", "VKORC1", "Warfarin dose requirement", "drug_response"),
        ("T/T", "VKORC1", "Warfarin dose requirement", "drug_response"),
    ]
    studies = fmt.read_studies(example)
    assert dict(studies.rows()) == {"rs1801133": ["7647779"], "rs4244285": ["23698643"],
                                    "rs4988235": ["11788828"], "rs9923231": ["15930419"]}


def test_an_old_hub_module_without_manifest(tmp_path):
    folder = write_hub_module(tmp_path / "longevitymap", [
        row("rs7412", "19", 44908822, "C", "T", "C/T", 0.5, "protective", gene="APOE",
            phenotype="Longevity", category="lipids"),
        row("rs7412", "19", 44908822, "C", "T", "T/T", 1.0, "protective", gene="APOE",
            phenotype="Longevity", category="lipids"),
        row("RS429358", "19", 44908684, "t", "C", "C/T", -0.5, "significant", gene="APOE",
            phenotype="Longevity", category="lipids"),
    ])
    info = fmt.describe(folder)
    assert (info.name, info.title, info.version, info.license, info.genome_build, info.digest,
            info.has_manifest, info.rows) == (
        "longevitymap", "Longevitymap", None, None, "GRCh38", None, False, 3)
    lead = fmt.read_lead_table(folder)
    assert lead.select("rsid", "ref", "genotype", "phased", "variant_key", "locus_count").rows() == [
        ("rs7412", "C", "C/T", False, None, None),
        ("rs7412", "C", "T/T", False, None, None),
        ("rs429358", "T", "C/T", False, None, None),   # rsID lower case, REF upper case
    ]
    notes = fmt.read_annotations(folder)
    # keyed by rsID only, one row per weights row: repeated, no genotype
    assert notes.rows() == [("rs7412", None, "APOE", "Longevity", "lipids")] * 2 + [
        ("rs429358", None, "APOE", "Longevity", "lipids")]
    assert fmt.read_studies(folder) is None


def test_a_0_4_drug_table_leads(tmp_path):
    folder = write_pharm_module(tmp_path / "pharmgkb", [
        {"rsid": "rs4244285", "chrom": "10", "start": 94781859, "ref": "G", "alts": "A",
         "genotype": "A/G", "drug": "clopidogrel", "gene": "CYP2C19", "evidence_level": "1A",
         "conclusion": "reduced activation"},
        {"rsid": "rs4244285", "chrom": "10", "start": 94781859, "ref": "G", "alts": "A",
         "genotype": "A/G", "drug": "citalopram", "gene": "CYP2C19", "evidence_level": "2A",
         "conclusion": "higher exposure"},
        {"rsid": "rs1065852", "chrom": "22", "start": 42130692, "ref": "G", "alts": "A",
         "genotype": "G|A", "drug": "codeine", "gene": "CYP2D6", "conclusion": "phased row"},
    ])
    # a drug table leads when there is no weights.parquet
    assert fmt.lead_table_of(folder) == "pharm_variants.parquet"
    info = fmt.describe(folder)
    assert (info.lead, info.rows, info.has_manifest, info.version) == (
        "pharm_variants.parquet", 3, True, "1.0.0")
    lead = fmt.read_lead_table(folder)
    assert lead.select("start", "genotype", "alleles", "phased", "drug", "gene",
                       "evidence_level").rows() == [
        (94781859, "A/G", ["A", "G"], False, "clopidogrel", "CYP2C19", "1A"),
        (94781859, "A/G", ["A", "G"], False, "citalopram", "CYP2C19", "2A"),
        (42130692, "G|A", ["G", "A"], True, "codeine", "CYP2D6", "1A"),
    ]
    assert lead.schema["start"] == pl.Int64


def test_a_drug_table_genotype_written_unsorted_is_read_sorted(tmp_path):
    # 0.4 sorted with plain sorted(); a hand-written table may not have: the key is one spelling
    folder = write_pharm_module(tmp_path / "drugs", [
        {"rsid": "rs1", "chrom": "1", "start": 5, "ref": "C", "alts": "T", "genotype": "T/C",
         "drug": "x", "conclusion": "c"},
        {"rsid": "rs1", "chrom": "1", "start": 5, "ref": "C", "alts": "T", "genotype": " c / t ",
         "drug": "y", "conclusion": "c"},
    ], manifest=False)
    assert fmt.read_lead_table(folder)["genotype"].to_list() == ["C/T", "C/T"]


@pytest.mark.parametrize("written, read", [
    ("chr1", "1"), ("CHR1", "1"), ("1", "1"), ("chrX", "X"), ("chrM", "MT"), ("M", "MT"),
    ("chrMT", "MT"), ("MT", "MT"), (" chr22 ", "22"),
])
def test_chromosome_names_are_read_the_readers_way(tmp_path, written, read):
    folder = write_module(tmp_path / "m", [row("rs1", written, 10, "A", "G", "A/G", 1, "risk")])
    assert fmt.read_lead_table(folder)["chrom"].to_list() == [read]


def test_genotype_keys_phased_hemizygous_and_unreadable_rows(tmp_path):
    folder = write_module(tmp_path / "m", [
        row("rs1", "1", 10, "A", "G", "A|G", 1, "risk"),
        row("rs1", "1", 10, "A", "G", "G|A", -1, "risk"),
        row("rs2", "X", 20, "C", "T", "T", 1, "risk"),
        row("rs3", "1", 30, "a", "g", "a/g", 1, "risk"),
        row("rs4", "1", 40, "A", "G", "A/G/T", 1, "risk"),   # three alleles: the format forbids it
        row("rs5", "1", 50, "A", "G", "/", 1, "risk"),       # no allele at all
    ], manifest=False)
    lead = fmt.read_lead_table(folder)
    assert lead.select("rsid", "genotype", "phased").rows() == [
        ("rs1", "A|G", True), ("rs1", "G|A", True), ("rs2", "T", False), ("rs3", "A/G", False)]


def test_a_folder_without_a_lead_table_is_no_module(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "annotations.parquet").write_bytes(b"")
    assert not fmt.is_module(tmp_path / "x")
    with pytest.raises(ModuleError, match=rf"^{tmp_path / 'x'}: not a module"):
        fmt.describe(tmp_path / "x")


@pytest.mark.parametrize("name", ["weights.parquet", "annotations.parquet", "studies.parquet"])
@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_an_unreadable_parquet_is_one_line_naming_it(tmp_path, name, damage):
    folder = write_module(tmp_path / "m", [row("rs1", "1", 10, "A", "G", "A/G", 1, "risk")],
                          pmids={"rs1": ["123"]})
    path = folder / name
    data = path.read_bytes()
    path.write_bytes({"garbage": b"PAR1 this is not a parquet file at all" * 10,
                      "truncated": data[:len(data) // 2], "empty": b""}[damage])
    readers = {"weights.parquet": lambda: (fmt.describe(folder), fmt.read_lead_table(folder)),
               "annotations.parquet": lambda: fmt.read_annotations(folder),
               "studies.parquet": lambda: fmt.read_studies(folder)}
    with pytest.raises(ModuleError) as caught:
        readers[name]()
    message = str(caught.value)
    assert message.startswith(f"{path}: not a readable parquet file")
    assert "\n" not in message


def test_a_lead_table_without_genotype_is_one_line_naming_it(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    pl.DataFrame({"rsid": ["rs1"], "weight": [1.0]}).write_parquet(folder / "weights.parquet")
    with pytest.raises(ModuleError, match=rf"^{folder / 'weights.parquet'}: has no genotype column$"):
        fmt.read_lead_table(folder)


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "the manifest is not valid JSON"),
    (b"[1, 2, 3]", "the manifest is not a JSON object"),
    (b"\xff\xfe\x00garbage", "cannot read the manifest"),
    (b"", "the manifest is not valid JSON"),
])
def test_an_unreadable_manifest_is_one_line_naming_it_never_no_manifest(example, content, reason):
    (example / "manifest.json").write_bytes(content)
    for read in (fmt.read_manifest, fmt.describe):
        with pytest.raises(ModuleError) as caught:
            read(example)
        message = str(caught.value)
        assert message.startswith(f"{example / 'manifest.json'}: {reason}")
        assert "\n" not in message


def test_manifest_fields_of_the_wrong_kind_are_not_taken(example):
    manifest = json.loads((example / "manifest.json").read_text())
    manifest["identity"] = ["not", "a", "mapping"]
    manifest["display"] = {"title": {"nested": True}}
    manifest["license"] = None
    (example / "manifest.json").write_text(json.dumps(manifest))
    info = fmt.describe(example)
    assert (info.name, info.title, info.license, info.version) == (
        "example_pgx_traits", "Example pgx traits", None, None)


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../x", ".hidden", "a b", "x" * 65,
                                  "a\\b", "é"])
def test_module_names_that_could_lead_elsewhere_are_refused(name):
    with pytest.raises(fmt.UserError, match="is not allowed"):
        fmt.check_module_name(name)


@pytest.mark.parametrize("name", ["longevitymap", "pgx_2", "a.b-c", "A1", "x" * 64])
def test_ordinary_module_names_pass(name):
    assert fmt.check_module_name(name) == name
