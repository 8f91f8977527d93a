"""The bundled demo: real HG00096 chr21 calls annotated against the real Ensembl 84 slice, offline."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop import cli
from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.reference.demo import DEMO_CHIP, DEMO_DIR, DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.core.reference.cache import find_files
from just_dna_desktop.core.readers.vcf import read_alleles

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "make_demo_reference.py"
DEMO_PARQUET = DEMO_REFERENCE_DIR / "data" / "homo_sapiens-chr21.parquet"

HF_SCHEMA = {
    "chrom": pl.String, "start": pl.UInt32, "end": pl.UInt32, "id": pl.String, "ref": pl.String,
    "alt": pl.String, "alts": pl.List(pl.String), "qual": pl.Float64, "filter": pl.String,
    "cosmic_101": pl.Boolean, "clinvar_202502": pl.Boolean, "dbsnp_156": pl.Boolean,
    "hgmd-public_20204": pl.Boolean, "tsa": pl.String,
    **{f"e_{n}": pl.Boolean for n in ["cited", "multiple_observations", "freq", "topmed", "hapmap",
                                      "phenotype_or_disease", "esp", "gnomad", "1000g", "exac"]},
    **{f"clin_{n}": pl.Boolean for n in [
        "risk_factor", "protective", "confers_sensitivity", "other", "drug_response",
        "uncertain_significance", "benign", "likely_pathogenic", "pathogenic", "likely_benign",
        "histocompatibility", "not_provided", "association"]},
    "ma": pl.String, "maf": pl.Float32, "mac": pl.Int32, "aa": pl.String,
}


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a non-loopback connection fails the test."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") \
                and not host.startswith("/"):
            raise AssertionError(f"the demo tried to reach the network: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def vcf_ids() -> list[str]:
    return [line.split("\t")[2] for line in DEMO_VCF.read_text().splitlines()
            if line and not line.startswith("#")]


def test_demo_files_ship_with_their_notice():
    notice = (DEMO_DIR / "NOTICE").read_text()
    assert "Apache License, Version 2.0" in notice
    assert "Ensembl/ensembl-vep" in notice and "t/testdata" in notice
    assert find_files(DEMO_REFERENCE_DIR) == {"21": [DEMO_PARQUET]}
    assert DEMO_PARQUET.stat().st_size < 2 * 2**20


def test_demo_reference_has_the_hugging_face_schema_and_snvs_only():
    df = pl.read_parquet(DEMO_PARQUET)
    assert dict(df.schema) == HF_SCHEMA
    assert df.height > 100_000
    assert df["chrom"].unique().to_list() == ["21"]
    assert df["start"].is_sorted()
    assert df["start"].min() > 25_000_000 and df["start"].max() <= 26_000_000
    assert (df["start"] == df["end"]).all()
    assert df["tsa"].unique().to_list() == ["SNV"]
    assert df["ref"].str.contains(r"^[ACGT]$").all()
    assert df["alts"].list.eval(pl.element().str.contains(r"^[ACGT]$")).list.all().all()
    assert (df["alts"].list.join("|") == df["alt"]).all()
    assert df["qual"].null_count() == df.height


def test_demo_reference_flags_come_from_the_cache_fields():
    df = pl.read_parquet(DEMO_PARQUET).filter(pl.col("id").is_in(
        ["rs574523538", "rs189842435", "rs142513484"]))
    rows = {r["id"]: r for r in df.iter_rows(named=True)}
    # rs574523538: `C/T  T 0.0002` and five 1000 Genomes populations, nothing else.
    first = rows["rs574523538"]
    assert (first["ref"], first["alt"], first["ma"]) == ("C", "T", "T")
    assert first["maf"] == pytest.approx(0.0002)
    assert first["e_1000g"] and first["e_freq"] and not first["e_gnomad"]
    assert first["e_multiple_observations"] is None and first["mac"] is None
    # rs189842435: `A/G/T`, no frequencies.
    multi = rows["rs189842435"]
    assert (multi["alt"], multi["alts"]) == ("G|T", ["G", "T"])
    assert not multi["e_freq"] and multi["ma"] is None
    # rs142513484 is the cache's ClinVar test synonym and has gnomADe frequencies.
    assert rows["rs142513484"]["clinvar_202502"] and rows["rs142513484"]["e_gnomad"]
    counts = pl.read_parquet(DEMO_PARQUET).select(
        pl.col("clin_pathogenic", "e_cited", "e_phenotype_or_disease").sum()).row(0)
    assert all(n > 0 for n in counts)


def test_demo_reference_is_reproducible_from_the_script(tmp_path):
    source = Path(__file__).parent / "data/ensembl_vep84_chr21/chr21_25000001-26000000_var.gz"
    import runpy

    module = runpy.run_path(str(SCRIPT))
    out = tmp_path / "chr21.parquet"
    assert module["main"]([str(source), str(out)]) == 0
    assert pl.read_parquet(out).equals(pl.read_parquet(DEMO_PARQUET))


def test_demo_annotation_gives_every_record_its_own_rsid(tmp_path, no_network):
    output = tmp_path / "out.parquet"
    metadata = annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, output, user="demo", sample="HG00096")
    ids = vcf_ids()
    assert len(ids) == 132 and all(i.startswith("rs") for i in ids)
    assert metadata["rows_in"] == 132
    assert metadata["rows_out"] == 132
    assert metadata["alleles_matched"] == 132
    assert metadata["genome_build"] == "GRCh38"
    df = pl.read_parquet(output)
    assert df["id"].to_list() == ids
    assert df["rsid"].to_list() == ids
    assert df["tsa"].unique().to_list() == ["SNV"]
    # the VCF's own genotypes survive: 130 hom-ref, rs1135618 1|1, rs3989369 0|1
    zygosity = dict(zip(df["id"], df["zygosity"]))
    assert zygosity["rs1135618"] == "hom_alt" and zygosity["rs3989369"] == "het"
    assert sum(z == "hom_ref" for z in zygosity.values()) == 130


@pytest.fixture
def temporary_folder():
    """The system's temporary folder: the test's own (conftest)."""
    import tempfile

    folder = Path(tempfile.gettempdir())
    assert folder.name.startswith("jdd-")
    return folder


def test_demo_command_prints_json_metadata(capsys, tmp_path, temporary_folder, no_network):
    assert cli.main(["demo", "--json"]) == 0
    captured = capsys.readouterr()
    metadata = json.loads(captured.out)
    assert metadata["rows_in"] == metadata["rows_out"] == metadata["alleles_matched"] == 132
    assert metadata["partition_key"] == "demo/HG00096_chr21"
    # the slice has no Hub manifest; the result still says what it was compared with
    assert metadata["reference_revision"] == "bundled demo slice (Ensembl VEP 84 test data, chr21)"
    output = Path(metadata["output_file"])
    assert pl.read_parquet(output)["rsid"].to_list() == vcf_ids()
    # a throw-away workspace (issue 21: `demo` wrote into ~/Documents/just-dna/data)
    throw_away = next(temporary_folder.iterdir())
    assert throw_away.name.startswith("just-dna-demo-") and output.is_relative_to(throw_away)


def test_the_demo_never_writes_into_the_persons_workspace_unless_asked(
        capsys, tmp_path, temporary_folder, monkeypatch, no_network):
    own = tmp_path / "data"  # conftest's JUST_DNA_DESKTOP_DATA_DIR: the person's workspace
    home = tmp_path / "my-state"
    monkeypatch.setenv("JUST_DNA_DESKTOP_HOME", str(home))  # even through the environment
    monkeypatch.setenv("JUST_DNA_PIPELINES_INPUT_DIR", str(own / "input" / "users"))
    monkeypatch.setenv("JUST_DNA_PIPELINES_OUTPUT_DIR", str(own / "output" / "users"))
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "demo workspace (throw-away" in out
    assert not own.exists() and not home.exists()
    throw_away = next(temporary_folder.iterdir())
    assert (throw_away / "interim" / "history.sqlite").is_file()
    assert sorted(p.name for p in (throw_away / "output" / "users" / "demo").iterdir()) == [
        "HG00096_chr21", "HG00096_chr21_23andme"]
    # asked for: into the person's own workspace, as the person "demo"
    assert cli.main(["demo", "--in-workspace", "--json"]) == 0
    metadata = json.loads(capsys.readouterr().out)
    assert Path(metadata["output_file"]).is_relative_to(own / "output" / "users" / "demo")
    assert (home / "history.sqlite").is_file()


def test_demo_command_prints_a_summary(capsys, no_network):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "132 in, 132 allele rows out, 132 matched to an rsID" in out
    assert "markers:  132 in, 132 rows out, 132 matched to an rsID" in out


def test_demo_chip_sample_is_the_vcf_calls_in_23andme_layout(tmp_path):
    import runpy

    module = runpy.run_path(str(SCRIPT.with_name("make_demo_chip.py")))
    out = tmp_path / "chip.txt"
    assert module["main"]([str(DEMO_VCF), str(out)]) == 0
    assert out.read_text() == DEMO_CHIP.read_text()
    assert "Not a 23andMe download" in DEMO_CHIP.read_text()
    assert "HG00096_chr21_23andme.txt" in (DEMO_DIR / "NOTICE").read_text()


def test_demo_chip_sample_matched_by_rsid_agrees_with_the_vcf(tmp_path, no_network):
    by_position = tmp_path / "vcf.parquet"
    by_rsid = tmp_path / "chip.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, by_position)
    metadata = annotate_vcf(DEMO_CHIP, DEMO_REFERENCE_DIR, by_rsid)
    assert (metadata["input_format"], metadata["match_by"]) == ("23andme", "rsid")
    assert metadata["markers_in"] == metadata["alleles_matched"] == 132
    assert metadata["strand_flipped"] == metadata["mismatched"] == metadata["no_calls"] == 0
    vcf, chip = pl.read_parquet(by_position), pl.read_parquet(by_rsid)
    assert chip["allele_check"].unique().to_list() == ["ok"]
    assert chip.select("rsid", "chrom", "start", "ref", "genotype", "zygosity").equals(
        vcf.select("rsid", "chrom", "start", "ref", "genotype", "zygosity"))


def test_demo_command_json_has_both_samples(capsys, no_network):
    assert cli.main(["demo", "--json"]) == 0
    metadata = json.loads(capsys.readouterr().out)
    chip = metadata["chip_sample"]
    assert chip["partition_key"] == "demo/HG00096_chr21_23andme"
    assert (chip["input_format"], chip["match_by"], chip["alleles_matched"]) == ("23andme", "rsid",
                                                                                 132)


def test_demo_vcf_reads_as_the_file_says():
    header, alleles = read_alleles(DEMO_VCF)
    assert header.samples == ["HG00096"] and header.build == "GRCh38"
    assert alleles["id"].to_list() == vcf_ids()


def test_the_demo_shows_findings_from_its_own_modules_and_installs_none_for_the_person(
        tmp_path, capsys):
    """The demo installs its bundled test modules in its throw-away workspace only: the person's
    own cache (JUST_DNA_PIPELINES_CACHE_DIR, set by conftest) gets no module."""
    import os

    from just_dna_desktop.core.modules.store import ModuleStore

    assert cli.main(["demo", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    by_name = {m["name"]: m for m in run["findings"]["modules"]}
    assert sorted(by_name) == ["clinvar_app_demo", "pgx_cpic", "traits_demo"]
    assert (by_name["clinvar_app_demo"]["findings"], by_name["clinvar_app_demo"]["verified"]) == \
        (3, True)
    assert run["chip_sample"]["findings"]["findings"] == run["findings"]["findings"] == 3
    assert ModuleStore(Path(os.environ["JUST_DNA_PIPELINES_CACHE_DIR"])).installed() == []
