"""A VCF's own rsIDs check its build. Before anything is written, a sample of them is looked up
on the file's own chromosomes: a file on another build that does not say so (no ##contig, no
##reference) is matched by rsID with no flag, and the run's record says why. Matched by position
all the same (the person asked), the whole-file count says it in the metadata, the CLI summary
and the summary's limitations."""

import json

import polars as pl

from just_dna_desktop.cli import main
from just_dna_desktop.core.engine import annotate as annotate_module
from just_dna_desktop.core.engine.annotate import annotate_vcf, read_output_metadata
from just_dna_desktop.core.readers.build import own_rsids_doubt_build
from just_dna_desktop.core.reference.demo import DEMO_DIR, DEMO_VCF
from just_dna_desktop.core.results.summary import summarize

from workspace_helpers import grch37_without_build

DOUBT = "probably on another genome build"


def annotate(vcf, output, capsys, *flags):
    assert main(["annotate", str(vcf), "--cache-dir", str(DEMO_DIR), "--output", str(output),
                 *flags]) == 0
    return capsys.readouterr().out


def test_a_file_on_its_build_confirms_its_rsids(tmp_path, capsys):
    output = tmp_path / "demo.parquet"
    meta = json.loads(annotate(DEMO_VCF, output, capsys, "--json"))
    assert meta["match_by"] == "position"
    assert meta["build_check"] == {"rsids_checked": 132, "rsids_at_their_position": 132,
                                   "chromosomes": ["21"]}
    assert meta["match_by_reason"].startswith("132 of 132 of the file's own rsIDs checked on "
                                              "chromosome 21 are where the GRCh38 reference")
    assert (meta["own_rsids_checked"], meta["own_rsids_confirmed"]) == (132, 132)
    assert not own_rsids_doubt_build(meta)
    assert "BUILD?" not in annotate(DEMO_VCF, output, capsys)
    assert not any(DOUBT in note for note in summarize(output).limitations)


def test_a_grch37_file_that_does_not_say_so_is_matched_by_rsid_with_no_flag(tmp_path, capsys):
    vcf, output = grch37_without_build(tmp_path / "old-build.vcf"), tmp_path / "old.parquet"
    meta = json.loads(annotate(vcf, output, capsys, "--json"))
    assert meta["genome_build"] is None
    assert meta["match_by"] == "rsid"
    assert meta["build_check"]["rsids_checked"] == 132
    assert meta["build_check"]["rsids_at_their_position"] == 0
    assert "0 of 132 of the file's own rsIDs" in meta["match_by_reason"]
    assert "matched by rsID" in meta["match_by_reason"]
    # every call lands on its own variant, at its GRCh38 position
    assert meta["alleles_matched"] == 132
    table = pl.read_parquet(output)
    assert (table["source_pos"].cast(pl.Int64) - table["start"].cast(pl.Int64)).unique().to_list() \
        == [1000]
    # the output's own record says the same (the Summary and report read it)
    footer = read_output_metadata(output)
    assert footer["match_by"] == "rsid" and footer["match_by_reason"] == meta["match_by_reason"]
    assert not any(DOUBT in note for note in summarize(output).limitations)
    # nothing but the output was written beside it (no position result, no leftovers)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["old-build.vcf",
                                                                         "old.parquet"]


def test_a_header_that_says_grch38_is_checked_too(tmp_path, capsys):
    vcf = grch37_without_build(tmp_path / "old-build.vcf", header_lines=("##reference=GRCh38",))
    meta = json.loads(annotate(vcf, tmp_path / "out.parquet", capsys, "--json"))
    assert meta["genome_build"] == "GRCh38" and meta["match_by"] == "rsid"


def test_too_few_rsids_to_judge_stay_on_positions_and_say_so(tmp_path, capsys):
    vcf = grch37_without_build(tmp_path / "old-build.vcf", keep=40)
    meta = json.loads(annotate(vcf, tmp_path / "out.parquet", capsys, "--json"))
    assert meta["match_by"] == "position"
    assert meta["build_check"]["rsids_checked"] == 40
    assert "too few to judge" in meta["match_by_reason"]


def test_the_check_reads_a_spilled_input_from_its_part_files(tmp_path, monkeypatch):
    monkeypatch.setattr(annotate_module, "SPILL_ROWS", 0)  # every row waits on disk
    monkeypatch.setattr(annotate_module, "FLUSH_ROWS", 10)
    meta = annotate_vcf(grch37_without_build(tmp_path / "old-build.vcf"), DEMO_DIR,
                        tmp_path / "out.parquet")
    assert meta["match_by"] == "rsid" and meta["build_check"]["rsids_checked"] == 132


def test_position_by_request_is_still_said_to_be_doubtful(tmp_path, capsys):
    vcf = grch37_without_build(tmp_path / "old-build.vcf", shift=7)
    output = tmp_path / "old.parquet"
    meta = json.loads(annotate(vcf, output, capsys, "--json", "--match-by", "position"))
    assert meta["genome_build"] is None and meta["match_by"] == "position"
    assert meta["match_by_reason"] == "matched by position, as asked"
    assert "build_check" not in meta  # the person chose: nothing checked in advance
    assert meta["own_rsids_checked"] == 132 and meta["own_rsids_confirmed"] == 0
    assert own_rsids_doubt_build(meta)
    out = annotate(vcf, output, capsys, "--match-by", "position")
    assert "BUILD?    only 0 of the file's 132 rsIDs are the reference's at their position" in out
    notes = [note for note in summarize(output).limitations if DOUBT in note]
    assert len(notes) == 1 and notes[0].startswith("Only 0 of the 132 rsIDs written in the file")


def test_too_few_rsids_to_judge_or_none_checked_is_no_doubt():
    assert not own_rsids_doubt_build({"own_rsids_checked": 49, "own_rsids_confirmed": 0})
    assert own_rsids_doubt_build({"own_rsids_checked": 50, "own_rsids_confirmed": 24})
    assert not own_rsids_doubt_build({"own_rsids_checked": 50, "own_rsids_confirmed": 25})
    assert not own_rsids_doubt_build({})  # an older run, or a run by rsID
