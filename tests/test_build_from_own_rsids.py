"""A VCF's own rsIDs check its build: a file on another build that does not say so (no ##contig,
no ##reference) is matched by position like a GRCh38 one, and its matches are wrong; the run says
so in its metadata, the CLI summary and the summary's limitations."""

import json

from just_dna_desktop.cli import main
from just_dna_desktop.core.readers.build import own_rsids_doubt_build
from just_dna_desktop.core.reference.demo import DEMO_DIR, DEMO_VCF
from just_dna_desktop.core.results.summary import summarize

DOUBT = "probably on another genome build"


def annotate(vcf, output, capsys, *flags):
    assert main(["annotate", str(vcf), "--cache-dir", str(DEMO_DIR), "--output", str(output),
                 *flags]) == 0
    return capsys.readouterr().out


def shifted_without_build(tmp_path, shift=7):
    """The demo's real calls, every position moved as another build moves them, headers gone."""
    lines = []
    for line in DEMO_VCF.read_text().splitlines():
        if line.startswith("##contig") or line.startswith("##reference"):
            continue
        if not line.startswith("#"):
            fields = line.split("\t")
            fields[1] = str(int(fields[1]) + shift)
            line = "\t".join(fields)
        lines.append(line)
    path = tmp_path / "old-build.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_file_on_its_build_confirms_its_rsids(tmp_path, capsys):
    output = tmp_path / "demo.parquet"
    meta = json.loads(annotate(DEMO_VCF, output, capsys, "--json"))
    assert (meta["own_rsids_checked"], meta["own_rsids_confirmed"]) == (132, 132)
    assert not own_rsids_doubt_build(meta)
    assert "BUILD?" not in annotate(DEMO_VCF, output, capsys)
    assert not any(DOUBT in note for note in summarize(output).limitations)


def test_another_build_that_does_not_say_so_is_said(tmp_path, capsys):
    vcf, output = shifted_without_build(tmp_path), tmp_path / "old.parquet"
    meta = json.loads(annotate(vcf, output, capsys, "--json"))
    assert meta["genome_build"] is None and meta["match_by"] == "position"
    assert meta["own_rsids_checked"] == 132 and meta["own_rsids_confirmed"] == 0
    assert own_rsids_doubt_build(meta)
    out = annotate(vcf, output, capsys)
    assert "BUILD?    only 0 of the file's 132 rsIDs are the reference's at their position" in out
    notes = [note for note in summarize(output).limitations if DOUBT in note]
    assert len(notes) == 1 and notes[0].startswith("Only 0 of the 132 rsIDs written in the file")
    # matched by rsID instead, the same calls land on their variants again
    meta = json.loads(annotate(vcf, tmp_path / "by-rsid.parquet", capsys, "--json",
                               "--match-by", "rsid"))
    assert meta["alleles_matched"] == 132


def test_too_few_rsids_to_judge_or_none_checked_is_no_doubt():
    assert not own_rsids_doubt_build({"own_rsids_checked": 49, "own_rsids_confirmed": 0})
    assert own_rsids_doubt_build({"own_rsids_checked": 50, "own_rsids_confirmed": 24})
    assert not own_rsids_doubt_build({"own_rsids_checked": 50, "own_rsids_confirmed": 25})
    assert not own_rsids_doubt_build({})  # an older run, or a run by rsID
