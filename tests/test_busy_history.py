"""A run that ends while another program holds the run history for longer than the retry (issue
22, item 6): the output is written and the run is succeeded, never failed; the record waits beside
the history, every read shows it, and the next write moves it in. Real SQLite locks, held by
another process."""

from __future__ import annotations

import json
import multiprocessing
import os

import polars as pl
import pytest

from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.runner import AnnotationJob, run_job

from workspace_helpers import (HistoryLock, annotate_when_told_target, copy_vcf,
                               make_reference)


@pytest.fixture
def db(tmp_path):
    History(tmp_path / "history.sqlite").close()
    return tmp_path / "history.sqlite"


def test_a_finish_while_locked_is_kept_shown_and_moved_in_later(db):
    history = History(db, retry_for_seconds=0.5)
    run_id = history.record(partition_key="alice/s1", user="alice", sample="s1",
                            status="running")
    with HistoryLock(db):
        assert history.finish(run_id, status="succeeded", metadata={"rows_out": 7}) is False
        history.add_event(run_id, "a progress line", wait=False)
        kept = sorted(p.name for p in history.pending_dir.iterdir())
        assert len(kept) == 2
        # every read shows the kept record, in this process and in another
        other = History(db, recover=False)
        for h in (history, other):
            run = h.get_run(run_id)
            assert (run.status, run.metadata["rows_out"]) == ("succeeded", 7)
            assert [r.id for r in h.list_runs(status="succeeded")] == [run_id]
            assert h.list_runs(status="running") == []
            assert h.runs_by_partition()["alice/s1"][0].status == "succeeded"
            assert "a progress line" in [e.message for e in h.events(run_id)]
        other.close()
    # the next write, by anyone, moves it in first
    later = History(db, recover=False)
    later.record(user="bob")
    assert not history.pending_dir.exists() or list(history.pending_dir.iterdir()) == []
    run = later.get_run(run_id)
    assert (run.status, run.metadata["rows_out"]) == ("succeeded", 7) and run.finished_at
    messages = [e.message for e in later.events(run_id)]
    assert "a progress line" in messages
    assert any(m.startswith("recorded succeeded late") for m in messages)
    later.close()
    history.close()


def _finish_then_exit(path: str, run_id: int) -> None:
    h = History(path, recover=False, retry_for_seconds=0.3)
    assert h.finish(run_id, status="succeeded", metadata={"rows_out": 3}) is False
    os._exit(0)  # gone before the history could take the record


def test_a_kept_record_of_a_gone_process_is_not_called_interrupted(db):
    history = History(db)
    run_id = history.record(partition_key="alice/s1", user="alice", sample="s1",
                            status="running")
    # the run belongs to a process that ends while the history is locked
    history._write(lambda conn: conn.execute(
        "UPDATE runs SET owner = 'gone-host:1:1.00' WHERE id = ?", (run_id,)))
    history.close()
    with HistoryLock(db):
        process = multiprocessing.get_context("spawn").Process(
            target=_finish_then_exit, args=(str(db), run_id))
        process.start()
        process.join(60)
        assert process.exitcode == 0
    opened = History(db)  # start-up recovery: the kept record goes in before anything is judged
    assert opened.recovered == 0
    assert opened.get_run(run_id).status == "succeeded"
    opened.close()


def test_a_run_ending_while_the_history_is_locked_is_succeeded(tmp_path, monkeypatch):
    """The supervised runner (window, watch): locked from the start of the child's work to well
    past the retry. Was: `failed ... stayed busy for 120 s` with the output in place."""
    reference_dir = make_reference(tmp_path / "cache")
    vcf = copy_vcf(tmp_path / "input" / "alice" / "s1.vcf")
    output = tmp_path / "output" / "alice" / "s1" / "user_annotated_vcf.parquet"
    job = AnnotationJob(vcf=vcf, reference_dir=reference_dir, output=output, user="alice",
                        sample="s1")
    go = tmp_path / "go"
    monkeypatch.setenv("JDD_TEST_GO", str(go))
    history = History(tmp_path / "history.sqlite", retry_for_seconds=1.0)
    locks = []

    def lock_then_go(pid: int) -> None:
        locks.append(HistoryLock(history.path))
        go.touch()

    progress = []
    try:
        result = run_job(job, history=history, partition_key="alice/s1", on_start=lock_then_go,
                         target=annotate_when_told_target,
                         progress=lambda f, m: progress.append(m))
        assert result.ok and result.error is None, result.error
        assert pl.read_parquet(output).height == 132
        run = history.get_run(result.run_id)  # still locked: shown from the kept records
        assert run.status == "succeeded" and run.metadata["rows_out"] == 132
        assert run.metadata["output_fingerprint"]["size"] == output.stat().st_size
        assert history.has_pending(result.run_id)
    finally:
        for lock in locks:
            lock.release()
    assert len(locks) == 1 and "Done" in progress
    reopened = History(history.path)
    assert not reopened.has_pending(result.run_id)
    run = reopened.get_run(result.run_id)
    assert run.status == "succeeded" and run.error is None
    messages = [e.message for e in reopened.events(run.id)]
    assert "Done" in messages and any("late" in m for m in messages)
    stored = reopened._read("SELECT status, metadata FROM runs WHERE id = ?", (run.id,))[0]
    assert stored["status"] == "succeeded" and json.loads(stored["metadata"])["rows_out"] == 132
    reopened.close()
    history.close()


def test_annotate_finishing_while_the_history_is_locked_exits_0_and_records_later(
        tmp_path, monkeypatch, capsys):
    """The issue's case, by the command: the history is taken by another program just before
    the output is replaced, and held past the retry. Was: exit 1, `failed ... stayed busy`."""
    from just_dna_desktop.cli import main
    from just_dna_desktop.core.engine import annotate as annotate_module
    from just_dna_desktop.core.workspace import history as history_module

    make_reference(tmp_path / "cache")
    vcf = copy_vcf(tmp_path / "data" / "input" / "users" / "alice" / "s1.vcf")
    db = tmp_path / "data" / "interim" / "history.sqlite"
    monkeypatch.setattr(history_module, "RETRY_FOR_SECONDS", 1.0)
    locks = []
    real_replace = annotate_module.replace_output

    def replace_while_locked(tmp, path, metadata=None):
        locks.append(HistoryLock(db))
        real_replace(tmp, path, metadata)

    monkeypatch.setattr(annotate_module, "replace_output", replace_while_locked)
    try:
        assert main(["annotate", str(vcf), "--json"]) == 0
        captured = capsys.readouterr()
        metadata = json.loads(captured.out)
        assert "is held by another program; this run (#1, succeeded) waits in" in captured.err
        output = tmp_path / "data" / "output" / "users" / "alice" / "s1" / "user_annotated_vcf.parquet"
        assert pl.read_parquet(output).height == metadata["rows_out"] == 132
        # while it is still locked, every command already says succeeded
        assert main(["runs", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(r["id"], r["status"]) for r in listed] == [(1, "succeeded")]
        assert main(["samples", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["samples"][0]["state"] == "annotated"
    finally:
        for lock in locks:
            lock.release()
    with History(db) as history:  # the next opening moves the record in
        assert not history.has_pending(1)
        stored = history._read("SELECT status, error FROM runs WHERE id = 1")[0]
        assert (stored["status"], stored["error"]) == ("succeeded", None)


def test_a_succeeded_run_is_never_made_failed_afterwards(db):
    """Whatever is said of a run after its output was written (its process died, a cancel came
    too late, a Dagster run was stopped), it stays succeeded; the late word is an event."""
    history = History(db, retry_for_seconds=0.5)
    run_id = history.record(user="alice", status="running")
    history.finish(run_id, status="succeeded", metadata={"rows_out": 5})
    history.update(run_id, status="failed", error="the Dagster run was stopped")
    assert history.finish(run_id, status="cancelled", error="cancelled") is True
    with HistoryLock(db):
        assert history.finish(run_id, status="interrupted") is False  # kept beside it
        assert history.get_run(run_id).status == "succeeded"  # and not shown over it
    history.record(user="bob")  # moves the kept record in
    run = history.get_run(run_id)
    assert (run.status, run.error, run.metadata["rows_out"]) == ("succeeded", None, 5)
    late = [e.message for e in history.events(run_id) if e.level == "warning"]
    assert late == ["ended as failed after its output was written (the Dagster run was stopped); "
                    "it stays succeeded",
                    "ended as cancelled after its output was written (cancelled); it stays "
                    "succeeded",
                    "ended as interrupted after its output was written; it stays succeeded"]
    history.close()


def test_kept_records_go_aside_with_their_history(db):
    """A history set aside takes its kept records along: their run numbers are its own, and a
    new history must not give run #1's end to its own run #1."""
    from just_dna_desktop.core.workspace.history import set_aside

    history = History(db, retry_for_seconds=0.3)
    run_id = history.record(user="alice", status="running")
    with HistoryLock(db):
        assert history.finish(run_id, status="succeeded", metadata={"rows_out": 1}) is False
    history.close()
    old = set_aside(db)
    assert (old.parent / (old.name + ".pending")).is_dir()
    fresh = History(db)
    new_run = fresh.record(user="bob", status="running")
    assert new_run == run_id and fresh.get_run(new_run).status == "running"
    fresh.close()


def test_findings_made_while_the_history_is_locked_exit_0_and_record_later(
        tmp_path, monkeypatch, capsys):
    """The same rule for a sample's findings made by the command: written findings are never
    called failed because another program holds the history."""
    from just_dna_desktop.cli import main
    from just_dna_desktop.core.engine import annotate as annotate_module
    from just_dna_desktop.core.modules.store import ModuleStore
    from just_dna_desktop.core.reference.demo import DEMO_MODULES_DIR
    from just_dna_desktop.core.workspace import history as history_module

    make_reference(tmp_path / "cache")
    copy_vcf(tmp_path / "data" / "input" / "users" / "alice" / "s1.vcf")
    assert main(["annotate", str(tmp_path / "data" / "input" / "users" / "alice" / "s1.vcf"),
                 "--json"]) == 0
    capsys.readouterr()
    ModuleStore(tmp_path / "cache").add_folder(DEMO_MODULES_DIR / "clinvar_app_demo")
    db = tmp_path / "data" / "interim" / "history.sqlite"
    monkeypatch.setattr(history_module, "RETRY_FOR_SECONDS", 1.0)
    locks = []
    real_replace = annotate_module.replace_output

    def replace_while_locked(tmp, path, metadata=None):
        locks.append(HistoryLock(db))
        real_replace(tmp, path, metadata)

    monkeypatch.setattr(annotate_module, "replace_output", replace_while_locked)
    try:
        assert main(["findings", "alice/s1", "--json"]) == 0
        captured = capsys.readouterr()
        assert "is held by another program; this run (#2, succeeded) waits in" in captured.err
        assert json.loads(captured.out)["modules"][0]["name"] == "clinvar_app_demo"
        assert locks, "the findings were written through replace_output"
    finally:
        for lock in locks:
            lock.release()
    with History(db) as history:
        run = history.get_run(2)
        assert (run.kind, run.status, run.error) == ("findings", "succeeded", None)
