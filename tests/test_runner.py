"""The job runner: a spawned child per annotation; killing or cancelling it fails only that run."""

import os
import signal
import threading
import time

import polars as pl
import pytest

from workspace_helpers import (copy_vcf, deaf_target, failing_target, make_reference,
                               slow_target)

from just_dna_desktop.core.cancel import CancelToken
from just_dna_desktop.core.history import History, PartitionBusyError
from just_dna_desktop.core.runner import AnnotationJob, run_job


@pytest.fixture
def setup(tmp_path):
    reference_dir = make_reference(tmp_path / "cache")
    vcf = copy_vcf(tmp_path / "input" / "alice" / "s1.vcf")
    output = tmp_path / "output" / "alice" / "s1" / "user_annotated_vcf.parquet"
    job = AnnotationJob(vcf=vcf, reference_dir=reference_dir, output=output, user="alice",
                        sample="s1")
    history = History(tmp_path / "history.sqlite")
    yield job, history
    history.close()


def test_a_run_annotates_in_a_child_and_records_its_metrics(setup):
    job, history = setup
    progress, pids = [], []
    result = run_job(job, history=history, partition_key="alice/s1",
                     progress=lambda f, m: progress.append((f, m)), on_start=pids.append)
    assert result.ok, result.error
    assert pids and pids[0] != os.getpid()
    assert progress[0][0] == 0.0 and progress[-1] == (1.0, "Done")
    assert pl.read_parquet(job.output).height == 132
    m = result.metadata
    assert (m["rows_in"], m["rows_out"], m["alleles_matched"]) == (132, 132, 132)
    assert m["process_peak_memory_mb"] > 10 and m["peak_memory_mb"] >= m["process_peak_memory_mb"]
    assert m["duration_sec"] > 0 and m["process_duration_sec"] >= m["duration_sec"]

    run = history.get_run(result.run_id)
    assert run.status == "succeeded" and run.partition_key == "alice/s1"
    assert run.metadata["rows_out"] == 132 and run.metadata["peak_memory_mb"] > 10
    fingerprint = run.config["input_fingerprint"]
    assert fingerprint["size"] == job.vcf.stat().st_size and len(fingerprint["sha256"]) == 64
    messages = [e.message for e in history.events(run.id)]
    assert messages[0].startswith("started annotation process") and "Done" in messages
    assert messages[-1].startswith("succeeded")


def test_an_expected_failure_in_the_child_fails_the_run_with_its_message(setup, tmp_path):
    job, history = setup
    job.vcf = tmp_path / "not_there.vcf"
    result = run_job(job, history=history)
    assert result.status == "failed" and "not_there.vcf: file not found" in result.error
    assert history.get_run(result.run_id).error == result.error
    assert not job.output.exists()

    result = run_job(job, history=history, target=failing_target)
    assert result.status == "failed" and "deliberately broken" in result.error


def _kill_when_partial_written(events, pids, sig):
    def on_event(level, message):
        events.append(message)
        if message == "wrote a partial file":
            os.kill(pids[0], sig)
    return on_event


def test_a_child_killed_mid_run_fails_only_its_run_and_keeps_the_old_output(setup):
    job, history = setup
    first = run_job(job, history=history, partition_key="alice/s1")
    assert first.ok
    old_bytes = job.output.read_bytes()

    events, pids = [], []
    started = time.monotonic()
    result = run_job(job, history=history, partition_key="alice/s1", target=slow_target,
                     on_start=pids.append,
                     on_event=_kill_when_partial_written(events, pids, signal.SIGKILL))
    assert time.monotonic() - started < 30
    assert result.status == "failed"
    assert "killed by SIGKILL" in result.error and "out of memory" in result.error
    run = history.get_run(result.run_id)
    assert run.status == "failed" and run.error == result.error
    assert run.metadata["process_peak_memory_mb"] > 0  # sampled while it lived
    assert job.output.read_bytes() == old_bytes
    assert [p.name for p in job.output.parent.iterdir()] == [job.output.name]  # no leftovers
    assert history.get_run(first.run_id).status == "succeeded"

    # The next run of that partition is not blocked by the dead one.
    assert run_job(job, history=history, partition_key="alice/s1").ok


def test_cancel_ends_the_child_within_two_seconds(setup):
    job, history = setup
    cancel = CancelToken()
    cancelled_at = []

    def on_event(level, message):
        if message == "wrote a partial file":
            cancelled_at.append(time.monotonic())
            cancel.cancel()

    pids = []
    result = run_job(job, history=history, target=slow_target, cancel=cancel,
                     on_event=on_event, on_start=pids.append)
    elapsed = time.monotonic() - cancelled_at[0]
    assert result.status == "cancelled" and elapsed < 2.0, elapsed
    assert history.get_run(result.run_id).status == "cancelled"
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)  # gone, and reaped
    assert not job.output.parent.exists() or list(job.output.parent.iterdir()) == []


def test_cancel_kills_a_child_that_ignores_sigterm_within_two_seconds(setup):
    job, history = setup
    cancel = CancelToken()
    cancelled_at = []

    def on_event(level, message):
        if message == "deaf now":
            cancelled_at.append(time.monotonic())
            cancel.cancel()

    result = run_job(job, history=history, target=deaf_target, cancel=cancel, on_event=on_event)
    assert result.status == "cancelled" and time.monotonic() - cancelled_at[0] < 2.0


def test_cancel_from_another_thread_while_waiting(setup):
    job, history = setup
    cancel = CancelToken()
    threading.Timer(1.0, cancel.cancel).start()
    started = time.monotonic()
    result = run_job(job, history=history, target=slow_target, cancel=cancel)
    assert result.status == "cancelled" and time.monotonic() - started < 3.5


def test_a_partition_already_running_is_refused(setup):
    job, history = setup
    history.record(partition_key="alice/s1", status="running")
    with pytest.raises(PartitionBusyError):
        run_job(job, history=history, partition_key="alice/s1")
    assert not job.output.exists()
