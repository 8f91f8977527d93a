"""A result damaged after its run (issue 22, item 4): each run records what it wrote (size and
modification time of the output), and a result that no longer matches is `damaged`, said in
`samples` and `watch`, and annotated again automatically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from just_dna_desktop.cli import main
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.samples import Workspace
from just_dna_desktop.core.workspace.scheduler import Scheduler

from workspace_helpers import WatchProcess, copy_vcf, make_reference

OUTPUT_NAME = "user_annotated_vcf.parquet"


@pytest.fixture
def data(tmp_path):
    make_reference(tmp_path / "cache")
    return tmp_path / "data"


def annotated(data: Path, capsys) -> Path:
    """alice/s1 annotated by the `annotate` command; its output."""
    vcf = copy_vcf(data / "input" / "users" / "alice" / "s1.vcf")
    assert main(["annotate", str(vcf)]) == 0
    capsys.readouterr()
    return data / "output" / "users" / "alice" / "s1" / OUTPUT_NAME


def samples_json(capsys) -> dict:
    assert main(["samples", "--json"]) == 0
    return {s["partition_key"]: s for s in json.loads(capsys.readouterr().out)["samples"]}


DAMAGES = {
    "random bytes": lambda data: os.urandom(len(data)),
    "cut in half": lambda data: data[: len(data) // 2],
    "emptied": lambda data: b"",
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_result_is_said_damaged_not_annotated(data, capsys, damage):
    output = annotated(data, capsys)
    assert samples_json(capsys)["alice/s1"]["state"] == "annotated"
    written = output.stat()
    output.write_bytes(DAMAGES[damage](output.read_bytes()))
    if damage == "random bytes":  # the same size, and even the same time: the size is not enough
        os.utime(output, ns=(written.st_atime_ns, written.st_mtime_ns + 1))
    sample = samples_json(capsys)["alice/s1"]
    assert sample["state"] == "damaged", sample
    assert sample["damage"].startswith("the result is not the file run #1 wrote (")
    assert {"random bytes": "modified afterwards", "cut in half": "bytes, not the",
            "emptied": "it is empty"}[damage] in sample["damage"]
    assert main(["samples"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.split()[:2] == ["alice/s1", "damaged"] and sample["damage"] in line, line
    # `report` says so instead of failing on the file (or reporting the wrong one)
    assert main(["report", "alice/s1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {output}: the result is not the file run #1 wrote") \
        and "annotate alice/s1 again" in err


def test_what_a_run_wrote_is_recorded_with_it(data, capsys):
    output = annotated(data, capsys)
    with History(data / "interim" / "history.sqlite") as history:
        run = history.list_runs()[0]
    st = output.stat()
    assert run.metadata["output_fingerprint"] == {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def test_the_supervised_runner_records_it_too_and_a_damaged_sample_is_due(data):
    vcf = copy_vcf(data / "input" / "users" / "bob" / "s2.vcf")
    with History(data / "interim" / "history.sqlite") as history:
        workspace = Workspace(data / "input" / "users", data / "output" / "users", history)
        scheduler = Scheduler(workspace, history, data.parent / "cache" / "ensembl_variations",
                              min_interval_seconds=0)
        sample = workspace.sample("bob", "s2")
        result = scheduler.run_now(sample)
        assert result.ok, result.error
        output = workspace.output_file("bob", "s2")
        st = output.stat()
        assert history.get_run(result.run_id).metadata["output_fingerprint"] == \
            {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
        assert workspace.sample("bob", "s2").state == "annotated"
        assert scheduler.offer() == []

        output.write_bytes(output.read_bytes()[:100])
        assert [s.key for s in scheduler.offer()] == ["bob/s2"]
        again = scheduler.run_next()
        assert again is not None and again.ok and again.run_id != result.run_id
        assert workspace.sample("bob", "s2").state == "annotated"
    assert vcf.is_file()


def test_a_result_from_before_fingerprints_is_trusted_as_before(data, capsys):
    """Runs recorded before this (no `output_fingerprint`) keep their state."""
    output = annotated(data, capsys)
    with History(data / "interim" / "history.sqlite") as history:
        run = history.list_runs()[0]
        metadata = {k: v for k, v in run.metadata.items() if k != "output_fingerprint"}
        conn = history._connection()
        conn.execute("UPDATE runs SET metadata = ? WHERE id = ?", (json.dumps(metadata), run.id))
    os.utime(output)  # a newer output than the input: trusted, as before
    assert samples_json(capsys)["alice/s1"]["state"] == "annotated"


def test_watch_says_damaged_and_annotates_it_again(data, tmp_path, capsys):
    output = annotated(data, capsys)
    with WatchProcess(tmp_path, "--stable-seconds", "0.3", "--min-interval", "0") as watch:
        assert "watching" in watch.line()
        watch.until(lambda line: line.startswith("ready:"))
        output.write_bytes(b"")
        queued = watch.until(lambda line: line.startswith("queued:"))
        done = watch.until(lambda line: line.startswith(("succeeded", "failed")))
        watch.stop()
    assert queued.startswith("queued: alice/s1 (damaged: the result is not the file run #1 "
                             "wrote (it is empty)"), watch.lines
    assert done.startswith("succeeded: alice/s1"), watch.lines
    assert output.stat().st_size > 1000
    assert samples_json(capsys)["alice/s1"]["state"] == "annotated"
