"""A shared result names no folder of this computer (issue 22, item 8): everything that travels
(the output parquet's footer, the HTML report, `report --json`, exported views) names files by
their name only, while the local run history keeps the full paths. The workspace sits in a folder
named after an account, and that name must appear in none of what travels.

Results written before this carried full paths in their footer: they are still read, and what
is made from them (a report, `report --json`) still names files by their name only."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop.cli import main
from just_dna_desktop.core.engine import annotate as annotate_module
from just_dna_desktop.core.engine.annotate import OUTPUT_METADATA_KEY, read_output_metadata
from just_dna_desktop.core.results.query import ResultsQuery, ViewSpec
from just_dna_desktop.core.results.report import write_report
from just_dna_desktop.core.results.summary import summarize

from workspace_helpers import copy_vcf, make_reference, write_chip

ACCOUNT = "alice-secret"
OUTPUT_NAME = "user_annotated_vcf.parquet"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """The app's folders where a person's are: under /home/<account>/."""
    home = tmp_path / "home" / ACCOUNT
    monkeypatch.setenv("JUST_DNA_DESKTOP_DATA_DIR", str(home / "Documents" / "just-dna" / "data"))
    monkeypatch.setenv("JUST_DNA_PIPELINES_CACHE_DIR", str(home / ".cache" / "just-dna-pipelines"))
    make_reference(home / ".cache" / "just-dna-pipelines")
    return home


def data_dir(home: Path) -> Path:
    return home / "Documents" / "just-dna" / "data"


def output_of(home: Path, user: str, sample: str) -> Path:
    return data_dir(home) / "output" / "users" / user / sample / OUTPUT_NAME


def cli(capsys, *args: str) -> str:
    assert main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def annotated(home: Path, capsys, monkeypatch) -> dict[str, Path]:
    """olga's VCF (matched by position; once more through the streaming writer of big inputs)
    and genotyping file (matched by rsID), annotated by the `annotate` command."""
    users = data_dir(home) / "input" / "users" / "olga"
    inputs = {"genome": copy_vcf(users / "genome.vcf"),
              "chip": write_chip(users / "chip.txt"),
              "spilled": copy_vcf(users / "spilled.vcf")}
    for sample, path in inputs.items():
        with monkeypatch.context() as patch:
            if sample == "spilled":
                patch.setattr(annotate_module, "SPILL_ROWS", 2)
            cli(capsys, "annotate", str(path))
    return inputs


def test_nothing_that_travels_names_the_account(home, capsys, monkeypatch, tmp_path):
    inputs = annotated(home, capsys, monkeypatch)
    secret = ACCOUNT.encode()
    for sample, source in inputs.items():
        output = output_of(home, "olga", sample)
        assert ACCOUNT in str(output)  # the test means something
        assert secret not in output.read_bytes(), sample
        footer = read_output_metadata(output)
        assert (footer["source_vcf"], footer["output_file"]) == (source.name, OUTPUT_NAME)
        assert "reference_dir" not in footer and footer["partition_key"] == f"olga/{sample}"
        assert footer["rows_out"] > 0 and footer["program_version"]  # the rest is all there

        # the HTML report, `report --json` of the sample and of the file
        report = home / "Documents" / f"{sample}.html"
        cli(capsys, "report", f"olga/{sample}", "--output", str(report))
        assert secret not in report.read_bytes() and source.name.encode() in report.read_bytes()
        for target in (f"olga/{sample}", str(output)):
            printed = cli(capsys, "report", target, "--json")
            assert ACCOUNT not in printed, target
            numbers = json.loads(printed)
            assert numbers["file"] == OUTPUT_NAME and numbers["run"]["source_file"] == source.name

        # the window's exports: the table's views and the Summary tab's report
        query = ResultsQuery(output)
        for suffix in ("parquet", "csv", "tsv"):
            view = tmp_path / f"{sample}.{suffix}"
            query.export(view)
            assert secret not in view.read_bytes(), view
        carried = ResultsQuery(output)
        carried.show(ViewSpec(carried_only=True))
        assert 0 < carried.export(tmp_path / "carried.parquet") < query.row_count
        assert secret not in (tmp_path / "carried.parquet").read_bytes()
        saved = write_report(summarize(output), tmp_path / f"{sample}-window.html")
        assert secret not in saved.read_bytes()

    # the local history keeps where everything is
    runs = json.loads(cli(capsys, "runs", "--json"))
    assert len(runs) == 3
    for run in runs:
        sample = run["sample"]
        metadata = run["metadata"]
        assert metadata["source_vcf"] == str(inputs[sample])
        assert metadata["output_file"] == str(output_of(home, "olga", sample))
        assert metadata["reference_dir"] == str(home / ".cache" / "just-dna-pipelines"
                                                / "ensembl_variations")
    # and what each run wrote, so a damaged result is still told from a good one
    samples = {s["partition_key"]: s for s in json.loads(cli(capsys, "samples", "--json"))["samples"]}
    assert {samples[f"olga/{s}"]["state"] for s in inputs} == {"annotated"}
    output_of(home, "olga", "chip").write_bytes(b"not any more")
    samples = {s["partition_key"]: s for s in json.loads(cli(capsys, "samples", "--json"))["samples"]}
    assert samples["olga/chip"]["state"] == "damaged"


def test_a_result_written_before_with_full_paths_is_still_read(home, capsys, monkeypatch):
    """Outputs written before this change carry full paths: reading takes the file's name, and
    nothing made from them carries the path further."""
    source = copy_vcf(data_dir(home) / "input" / "users" / "olga" / "genome.vcf")
    cli(capsys, "annotate", str(source))
    output = output_of(home, "olga", "genome")
    old = {**read_output_metadata(output), "source_vcf": str(source), "output_file": str(output),
           "reference_dir": str(home / ".cache" / "just-dna-pipelines" / "ensembl_variations")}
    pl.read_parquet(output).write_parquet(output, metadata={OUTPUT_METADATA_KEY: json.dumps(old)})
    assert ACCOUNT.encode() in output.read_bytes()  # as such a file is
    printed = cli(capsys, "report", str(output), "--json")
    assert ACCOUNT not in printed and json.loads(printed)["run"]["source_file"] == "genome.vcf"
    report = write_report(summarize(output), home / "old.html")
    assert ACCOUNT.encode() not in report.read_bytes() and b"genome.vcf" in report.read_bytes()
    assert summarize(output).run["partition_key"] == "olga/genome"


def test_the_window_says_the_input_by_name_and_its_runs_tab_keeps_the_path(home, capsys,
                                                                          monkeypatch, qtbot):
    from just_dna_desktop.core.workspace.history import History
    from just_dna_desktop.core.workspace.settings import load_settings
    from just_dna_desktop.gui.history_view import HistoryView
    from just_dna_desktop.gui.jobs import JobManager
    from just_dna_desktop.gui.summary_view import SummaryView

    source = copy_vcf(data_dir(home) / "input" / "users" / "olga" / "genome.vcf")
    cli(capsys, "annotate", str(source))
    output = output_of(home, "olga", "genome")
    jobs = JobManager()
    view = SummaryView(jobs)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.summary_shown, timeout=20_000):
        view.show_sample(output, "olga/genome")
    assert "From genome.vcf (vcf" in view.provenance.text()
    assert ACCOUNT not in view.provenance.text()
    jobs.wait()

    with History(load_settings().history_file) as history:
        runs = HistoryView(history)
        qtbot.addWidget(runs)
        runs.refresh()
        runs.table.selectRow(0)
        assert str(source) in runs.details.text()
        assert str(output) in runs.details.text()
