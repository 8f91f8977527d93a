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
from just_dna_desktop.core.workspace.history import History, PartitionBusyError
from just_dna_desktop.core.workspace.runner import AnnotationJob, run_job


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


# -- the child never outlives its supervisor; history and output never disagree ------------------

SUPERVISOR = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import workspace_helpers
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.runner import AnnotationJob, run_job

vcf, reference_dir, output, history_file, pid_file, target = sys.argv[2:8]
job = AnnotationJob(vcf=Path(vcf), reference_dir=Path(reference_dir), output=Path(output),
                    user="alice", sample="s1")

def on_event(level, message):
    if message == "wrote a partial file":
        Path(pid_file).write_text(str(child[0]))

child = []
run_job(job, history=History(history_file), partition_key="alice/s1",
        target=getattr(workspace_helpers, target), on_start=child.append, on_event=on_event)
"""


def _alive(pid):
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("target", ["slow_target", "undying_slow_target"])
def test_killing_the_supervisor_ends_its_child_and_the_next_run_sweeps_its_files(setup, tmp_path,
                                                                              target):
    """kill -9 of a real supervising process (as of `watch`): its annotation child ends too, on
    Linux by the parent-death signal, everywhere by the thread watching the parent's sentinel
    (`undying_slow_target` switches the signal off to prove the thread alone suffices)."""
    import subprocess
    import sys
    from pathlib import Path

    job, history = setup
    assert run_job(job, history=history, partition_key="alice/s1").ok
    old_bytes = job.output.read_bytes()
    pid_file = tmp_path / "child.pid"
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(Path(__file__).parent), str(job.vcf),
         str(job.reference_dir), str(job.output), str(history.path), str(pid_file), target])
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert len(list(job.output.parent.iterdir())) == 3  # output, half file, spill folder
        supervisor.kill()
        supervisor.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the annotation child outlived its supervisor"
    finally:
        supervisor.kill()
    assert job.output.read_bytes() == old_bytes
    # The next start marks the dead run interrupted; the next run of the partition sweeps.
    assert History(history.path).recovered == 1
    assert run_job(job, history=history, partition_key="alice/s1").ok
    assert [p.name for p in job.output.parent.iterdir()] == [job.output.name]


def test_a_child_that_dies_after_replacing_the_output_leaves_the_run_succeeded(setup):
    """Whoever replaces the output records the run: the parent's view of the death changes
    nothing about a run whose output is on disk."""
    from workspace_helpers import annotate_then_die_target

    job, history = setup
    result = run_job(job, history=history, partition_key="alice/s1",
                     target=annotate_then_die_target)
    assert result.ok, result.error
    run = history.get_run(result.run_id)
    assert run.status == "succeeded" and run.error is None
    assert run.metadata["rows_out"] == pl.read_parquet(job.output).height == 132
    assert any("ended after writing its output" in e.message and "SIGKILL" in e.message
               for e in history.events(run.id))


def test_termination_waits_until_the_output_and_its_record_are_both_done(tmp_path):
    from just_dna_desktop.core.publish import deferred_signals, publishing, replace_output

    seen = []
    tmp, output = tmp_path / ".out.tmp", tmp_path / "out.parquet"
    tmp.write_bytes(b"new")

    def record(metadata):
        os.kill(os.getpid(), signal.SIGTERM)  # arrives between the rename and the record
        time.sleep(0.05)
        seen.append(("recorded", output.read_bytes(), metadata))

    def on_term(signum, frame):
        seen.append(("terminated",))

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with publishing(record):
            replace_output(tmp, output, {"rows_out": 1})
        with deferred_signals():
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    written = output.stat()
    assert seen == [("recorded", b"new", {"rows_out": 1, "output_fingerprint": {
        "size": 3, "mtime_ns": written.st_mtime_ns}}), ("terminated",)]
