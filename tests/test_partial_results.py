"""A result says what it could not look up: chromosomes the reference cache lacks are `partial`,
never a plain success, in the run metadata, the output file's footer, the CLI and the sample state;
and the sample is redone once a missing chromosome file arrives."""

from __future__ import annotations

import json

import polars as pl
import pytest

from just_dna_desktop.cli import main
from just_dna_desktop.core.engine import annotate as annotate_module
from just_dna_desktop.core.engine.annotate import annotate_vcf, read_output_metadata
from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.samples import Fingerprint, Workspace

from reference_factory import write_reference, write_vcf
from workspace_helpers import REAL_VCF, copy_vcf, vcf_records


def rec(chrom, pos, ref="A", alt="G", gt="0/1"):
    return f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT\t{gt}"


@pytest.fixture
def chr21_only(tmp_path):
    ref = tmp_path / "ref"
    write_reference(ref, "21", [(100, "rs100", "A", "G")])
    return ref


def mixed_sample(path):
    return write_vcf(path, [
        rec("chr21", 100), rec("chr21", 101),
        rec("chr22", 5), rec("chr22", 6, alt="G,T", gt="1/2"),   # 3 allele rows on 22
        rec("chrX", 9),
        rec("GL000220.1", 7), rec("chrUn_KI270742v1", 8),
    ])


def test_missing_chromosomes_are_counted_not_called_unmatched(tmp_path, chr21_only):
    out = tmp_path / "out.parquet"
    meta = annotate_vcf(mixed_sample(tmp_path / "s.vcf"), chr21_only, out)
    assert meta["reference_chromosomes_missing"] == ["22", "X"]
    assert meta["alleles_not_looked_up"] == 4
    assert meta["contigs_not_in_reference"] == ["GL000220.1", "Un_KI270742v1"]  # named as normalised
    assert meta["alleles_on_other_contigs"] == 2
    assert meta["alleles_matched"] == 1 and meta["rows_out"] == 8
    assert (meta["input_format"], meta["match_by"]) == ("vcf", "position")
    # every row is still in the output, none dropped
    assert pl.read_parquet(out).height == 8


def test_a_complete_result_says_so(tmp_path, chr21_only):
    vcf = write_vcf(tmp_path / "s.vcf", [rec("21", 100), rec("21", 300)])
    meta = annotate_vcf(vcf, chr21_only, tmp_path / "out.parquet")
    assert meta["reference_chromosomes_missing"] == [] and meta["alleles_not_looked_up"] == 0
    assert meta["contigs_not_in_reference"] == [] and meta["alleles_on_other_contigs"] == 0


@pytest.mark.parametrize("spill", [False, True])
def test_the_output_file_carries_the_run_metadata(tmp_path, chr21_only, monkeypatch, spill):
    if spill:  # the streaming writer of big inputs, forced on a small one
        monkeypatch.setattr(annotate_module, "SPILL_ROWS", 2)
    out = tmp_path / "out.parquet"
    meta = annotate_vcf(mixed_sample(tmp_path / "s.vcf"), chr21_only, out)
    stored = read_output_metadata(out)
    assert stored["reference_chromosomes_missing"] == ["22", "X"]
    assert stored["alleles_not_looked_up"] == 4
    # everything known before the file was written is there, with the same values
    for key in ("rows_in", "rows_out", "alleles_matched", "program_version",
                "reference_revision", "input_format", "match_by", "chromosomes"):
        assert stored[key] == meta[key], key
    # ... but places on this computer by name only (the full paths stay in the run's record)
    assert (stored["source_vcf"], stored["output_file"]) == ("s.vcf", "out.parquet")
    assert meta["source_vcf"] == str(tmp_path / "s.vcf") and "reference_dir" not in stored
    assert pl.read_parquet(out).height == 8


def test_reading_metadata_of_old_and_foreign_files(tmp_path):
    old = tmp_path / "old.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(old)
    assert read_output_metadata(old) == {}
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    with pytest.raises(UserError, match="junk.parquet"):
        read_output_metadata(junk)
    with pytest.raises(UserError, match="not found"):
        read_output_metadata(tmp_path / "absent.parquet")


def test_partial_sample_becomes_stale_when_the_missing_file_arrives(tmp_path):
    reference_dir = tmp_path / "cache" / "ensembl_variations"
    write_reference(reference_dir, "22", [(10, "rs1", "A", "G")])
    history = History(tmp_path / "state" / "history.sqlite")
    ws = Workspace(tmp_path / "input", tmp_path / "output", history, reference_dir=reference_dir)
    path = copy_vcf(ws.input_dir / "alice" / "s1.vcf")
    output = ws.output_file("alice", "s1")
    meta = annotate_vcf(path, reference_dir, output)
    assert meta["reference_chromosomes_missing"] == ["21"]
    run_id = history.record(partition_key="alice/s1", user="alice", sample="s1", status="running",
                            config={"input_fingerprint": Fingerprint.of(path, True).to_dict()})
    history.update(run_id, status="succeeded", metadata=meta)

    [sample] = ws.scan()
    assert sample.state == "partial"
    assert sample.to_dict()["reference_chromosomes_missing"] == ["21"]
    assert sample.to_dict()["alleles_not_looked_up"] == 132

    write_reference(reference_dir, "21", vcf_records())  # the missing chromosome arrives
    assert ws.scan()[0].state == "stale"
    history.close()


def test_the_cli_says_partial_everywhere(tmp_path, capsys):
    """The issue's case: a chr21 sample against a chr22-only cache."""
    write_reference(tmp_path / "cache" / "ensembl_variations", "22", [(10, "rs1", "A", "G")])
    flags = ["--data-dir", str(tmp_path / "data"), "--cache-dir", str(tmp_path / "cache")]
    sample = tmp_path / "data" / "input" / "users" / "alice" / "hg.vcf"
    copy_vcf(sample)

    assert main([*flags, "annotate", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "PARTIAL" in out and "132 allele rows on chromosome(s) 21 were not looked up" in out
    assert "--chromosomes 21" in out

    assert main([*flags, "samples"]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("alice/hg"))
    assert "partial" in line and "chromosome(s) 21" in line

    assert main([*flags, "samples", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)["samples"]
    assert entry["state"] == "partial"
    assert (entry["reference_chromosomes_missing"], entry["alleles_not_looked_up"]) == (["21"], 132)

    assert main([*flags, "runs", "--json"]) == 0
    [run] = json.loads(capsys.readouterr().out)
    assert run["status"] == "succeeded"
    assert run["metadata"]["reference_chromosomes_missing"] == ["21"]
    assert main([*flags, "runs"]) == 0
    assert "partial: 132 not looked up (chromosome(s) 21)" in capsys.readouterr().out


def test_the_real_sample_against_its_chromosome_is_complete(tmp_path, capsys):
    write_reference(tmp_path / "cache" / "ensembl_variations", "21", vcf_records())
    flags = ["--data-dir", str(tmp_path / "data"), "--cache-dir", str(tmp_path / "cache")]
    assert main([*flags, "annotate", str(REAL_VCF), "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["reference_chromosomes_missing"] == [] and meta["alleles_matched"] == 132
    assert main([*flags, "annotate", str(REAL_VCF)]) == 0
    assert "PARTIAL" not in capsys.readouterr().out
