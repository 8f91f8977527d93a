"""Outputs that would overwrite inputs (issue 22, item 1): an output that is the input file, a file
in the input folder, or another command's result is refused before anything is written, naming
the file and why; the file itself stays byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from just_dna_desktop.core.engine.annotate import annotate_vcf, check_output_target
from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.results.report import write_report
from just_dna_desktop.core.results.summary import summarize
from just_dna_desktop.core.workspace.outputs import check_output_place
from just_dna_desktop.core.workspace.samples import Workspace

from workspace_helpers import copy_vcf, make_reference, write_chip


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def reference(tmp_path):
    return make_reference(tmp_path / "cache")


def refused(action, path: Path, *words: str) -> None:
    before = digest(path) if path.is_file() else None
    with pytest.raises(UserError) as info:
        action()
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    for word in words:
        assert word in message, message
    if before is not None:
        assert digest(path) == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # nothing half-written


@pytest.mark.parametrize("kind", ["chip", "vcf"])
def test_annotate_never_writes_over_its_input(tmp_path, reference, kind):
    """`annotate me.txt --output me.txt` replaced the genotyping file with parquet, exit 0."""
    source = write_chip(tmp_path / "me.txt") if kind == "chip" else copy_vcf(tmp_path / "me.vcf")
    refused(lambda: annotate_vcf(source, reference, source), source, "is the input file itself")
    link = tmp_path / "link.parquet"
    link.symlink_to(source)
    refused(lambda: annotate_vcf(source, reference, link), link, "is the input file itself")


def test_annotate_replaces_an_earlier_result_and_nothing_else(tmp_path, reference):
    source = write_chip(tmp_path / "me.txt")
    result = tmp_path / "out" / "result.parquet"
    annotate_vcf(source, reference, result)
    annotate_vcf(source, reference, result)  # an earlier result is replaced, as always
    report = write_report(summarize(result), tmp_path / "out" / "report.html")
    refused(lambda: check_output_target(report, source), report, "not a parquet file")
    reference_file = next(reference.rglob("*.parquet"))
    refused(lambda: check_output_target(reference_file, source), reference_file,
            "a parquet file, but not an annotation result")
    refused(lambda: annotate_vcf(source, reference, tmp_path / "out"), tmp_path / "out",
            "is a folder")
    # a sample's own run replaces its result whatever it holds: a damaged one is redone
    result.write_bytes(b"damaged")
    annotate_vcf(source, reference, result)
    assert result.stat().st_size > 1000


def test_a_report_never_writes_over_its_result_or_a_genome_file(tmp_path, reference):
    """`report olga/s --output <olga's input>` replaced it with HTML; `--output` at the sample's
    own result replaced the result."""
    source = write_chip(tmp_path / "me.txt")
    result = tmp_path / "out" / "result.parquet"
    annotate_vcf(source, reference, result)
    summary = summarize(result)
    refused(lambda: write_report(summary, result), result, "is the annotated result this report")
    refused(lambda: write_report(summary, source), source, "is not a report made by "
                                                           "just-dna-desktop")
    report = write_report(summary, tmp_path / "report.html")
    assert write_report(summary, report) == report  # an earlier report is replaced


def test_the_workspace_refuses_its_input_folder_and_other_samples_results(tmp_path):
    workspace = Workspace(tmp_path / "input" / "users", tmp_path / "output" / "users")
    olga = copy_vcf(workspace.input_dir / "olga" / "s.vcf")
    for target in (olga, workspace.input_dir / "olga" / "new.parquet",
                   workspace.input_dir / "report.html"):
        with pytest.raises(UserError, match="is in the input folder .* holds people's genome"):
            check_output_place(workspace, target)
    theirs = workspace.output_file("olga", "s")
    with pytest.raises(UserError, match="is the result of sample olga/s, which only that"):
        check_output_place(workspace, theirs)
    with pytest.raises(UserError, match="is the result of sample olga/s"):
        check_output_place(workspace, theirs, partition="bob/s")
    check_output_place(workspace, theirs, partition="olga/s")  # its own run
    check_output_place(workspace, theirs.with_name("report.html"))  # beside it: a report
    check_output_place(workspace, tmp_path / "elsewhere.parquet")


# ------------------------------------------------------------------ the commands

@pytest.fixture
def olga(tmp_path, reference, capsys):
    """olga/s annotated in the workspace: (her input file, her result)."""
    from just_dna_desktop.cli import main

    source = write_chip(tmp_path / "data" / "input" / "users" / "olga" / "s.txt")
    assert main(["annotate", str(source)]) == 0
    capsys.readouterr()
    return source, tmp_path / "data" / "output" / "users" / "olga" / "s" / "user_annotated_vcf.parquet"


def cli_refused(capsys, argv: list[str], path: Path, *words: str) -> None:
    from just_dna_desktop.cli import main

    before = digest(path) if path.is_file() else None
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and err.count("\n") == 1, err
    assert "unexpected" not in err
    for word in words:
        assert word in err, err
    if before is not None:
        assert digest(path) == before


def runs(capsys) -> list[dict]:
    import json

    from just_dna_desktop.cli import main

    assert main(["runs", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_commands_refuse_before_anything_is_written(tmp_path, olga, capsys):
    source, result = olga
    me = write_chip(tmp_path / "me.txt")
    recorded = len(runs(capsys))
    # the three cases
    cli_refused(capsys, ["annotate", str(me), "--user", "a", "--sample", "me", "--output", str(me)],
                me, "is the input file itself")
    cli_refused(capsys, ["report", "olga/s", "--output", str(source)], source,
                "is in the input folder")
    cli_refused(capsys, ["report", "olga/s", "--output", str(result)], result,
                "is the result of sample olga/s")
    # and their neighbours
    cli_refused(capsys, ["annotate", str(me), "--output", str(source.with_name("x.parquet"))],
                source.with_name("x.parquet"), "is in the input folder")
    cli_refused(capsys, ["annotate", str(me), "--output", str(result)], result,
                "is the result of sample olga/s, which only that sample's own runs write")
    cli_refused(capsys, ["report", str(result), "--output", str(me)], me,
                "is not a report made by just-dna-desktop")
    assert len(runs(capsys)) == recorded  # a refused command records no run either
    assert not source.with_name("x.parquet").exists()


def test_the_commands_still_write_where_they_should(tmp_path, olga, capsys):
    from just_dna_desktop.cli import main

    source, result = olga
    assert main(["annotate", str(source), "--output", str(result)]) == 0  # her own run
    report = tmp_path / "olga.html"
    assert main(["report", "olga/s", "--output", str(report)]) == 0
    assert main(["report", "olga/s", "--output", str(report)]) == 0  # an earlier report
    assert report.read_text().startswith("<!DOCTYPE html>")
