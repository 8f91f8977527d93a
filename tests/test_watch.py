"""Discovery and auto-annotation: the watcher's stability rule, and the scheduling policy."""

import collections
import os
import threading
import time

import pytest

from workspace_helpers import (REAL_VCF, copy_vcf, failing_target, make_reference, slow_target,
                               write_chip)

from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.core.workspace.scheduler import Scheduler
from just_dna_desktop.core.workspace.watch import Watcher, WatchService
from just_dna_desktop.core.workspace.samples import Workspace


def wait_for(condition, timeout=20.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


class Collector:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.seen = collections.Counter()

    def __call__(self, paths):
        with self.lock:
            self.calls.append((time.monotonic(), list(paths)))
            self.seen.update(paths)


# -- the watcher ---------------------------------------------------------------------------------


def test_200_files_dropped_at_once_are_each_reported_exactly_once(tmp_path):
    root = tmp_path / "input"
    seen = Collector()
    with Watcher(root, seen, stable_seconds=0.3, poll_interval=0.05):
        time.sleep(0.2)
        expected = set()
        for i in range(200):
            path = root / f"user{i % 5}" / f"s{i}.vcf"
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"##fileformat=VCFv4.2\n# {i}\n")
            expected.add(path)
        (root / "user0" / "photo.jpg").write_text("not named like a sample")
        (root / "user0" / ".s0.vcf.1.part").write_text("an import in progress")
        assert wait_for(lambda: len(seen.seen) >= 200)
        time.sleep(1.0)  # more checks and events come: nothing may be reported twice
        # Reading the files (as annotating does) is not a change.
        for path in list(expected)[:20]:
            path.read_bytes()
        time.sleep(0.5)
    assert set(seen.seen) == expected
    assert max(seen.seen.values()) == 1
    assert len(seen.calls) < 50  # bursts are coalesced into batches


def test_a_folder_moved_in_and_files_present_at_start_are_found(tmp_path):
    root = tmp_path / "input"
    early = copy_vcf(root / "alice" / "early.vcf")
    staging = tmp_path / "staging" / "bob"
    for i in range(30):
        copy_vcf(staging / f"b{i}.vcf.gz")
    seen = Collector()
    with Watcher(root, seen, stable_seconds=0.2, poll_interval=0.05):
        assert wait_for(lambda: early in seen.seen)  # the start-up scan
        os.rename(staging, root / "bob")
        assert wait_for(lambda: len(seen.seen) == 31)
        time.sleep(0.5)
    assert max(seen.seen.values()) == 1


def test_a_slowly_written_file_is_reported_once_complete(tmp_path):
    root = tmp_path / "input"
    path = root / "alice" / "slow.vcf"
    path.parent.mkdir(parents=True)
    seen = Collector()
    content = REAL_VCF.read_bytes()
    chunks = [content[i:i + 600] for i in range(0, len(content), 600)]
    with Watcher(root, seen, stable_seconds=1.0, poll_interval=0.1):
        with open(path, "wb") as handle:
            for chunk in chunks:  # 10 chunks, 0.35 s apart: about 3.5 s of writing
                handle.write(chunk)
                handle.flush()
                time.sleep(0.35)
        finished = time.monotonic()
        assert wait_for(lambda: path in seen.seen, timeout=10)
        time.sleep(0.5)
    assert seen.seen[path] == 1
    reported_at = seen.calls[0][0]
    assert reported_at >= finished + 0.5  # not before the writing stopped (and settled)
    assert path.read_bytes() == content


def test_a_file_changed_after_it_was_reported_is_reported_again(tmp_path):
    root = tmp_path / "input"
    path = copy_vcf(root / "alice" / "s.vcf")
    seen = Collector()
    with Watcher(root, seen, stable_seconds=0.2, poll_interval=0.05) as watcher:
        assert wait_for(lambda: seen.seen[path] == 1)
        assert watcher.stable_files() == [path]
        with open(path, "a") as handle:
            handle.write("21\t25999999\t.\tA\tG\t.\t.\t.\tGT\t0|1\n")
        assert wait_for(lambda: seen.seen[path] == 2)
        path.unlink()
        assert wait_for(lambda: watcher.stable_files() == [])


def test_stop_ends_the_watcher(tmp_path):
    watcher = Watcher(tmp_path / "input", Collector(), stable_seconds=0.1).start()
    started = time.monotonic()
    watcher.stop()
    watcher.stop()
    assert time.monotonic() - started < 3
    assert not any(t.name == "input-watcher" for t in threading.enumerate())


# -- the scheduling policy -----------------------------------------------------------------------


@pytest.fixture
def env(tmp_path):
    history = History(tmp_path / "history.sqlite")
    workspace = Workspace(tmp_path / "input", tmp_path / "output", history)
    reference_dir = make_reference(tmp_path / "cache")
    yield workspace, history, reference_dir
    history.close()


class FakeClock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


def test_policy_queue_once_interval_and_no_retry_of_failures(env):
    workspace, history, reference_dir = env
    clock = FakeClock()
    s1 = copy_vcf(workspace.input_dir / "alice" / "s1.vcf")
    copy_vcf(workspace.input_dir / "alice" / "s2.vcf")
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=60,
                          clock=clock, target=failing_target)
    assert scheduler.seconds_until_next() is None
    assert [s.key for s in scheduler.offer()] == ["alice/s1", "alice/s2"]
    assert scheduler.offer() == []  # already queued
    # The queue is in memory: the history has no row until a run starts.
    assert history.list_runs() == []
    assert {s.key: s.state for s in workspace.scan()} == {"alice/s1": "new", "alice/s2": "new"}
    assert {s.key: s.state for s in scheduler.mark_queued(workspace.scan())} == {
        "alice/s1": "queued", "alice/s2": "queued"}
    assert [(q.key, q.reason) for q in scheduler.queued()] == [("alice/s1", "new"),
                                                               ("alice/s2", "new")]

    assert scheduler.seconds_until_next() == 0.0
    first = scheduler.run_next()
    assert first.status == "failed"
    # the next sample starts as soon as the previous run ends: the interval is per sample
    assert scheduler.seconds_until_next() == 0.0
    second = scheduler.run_next()
    assert second.status == "failed"
    assert [history.get_run(r.run_id).partition_key for r in (first, second)] == [
        "alice/s1", "alice/s2"]
    assert scheduler.seconds_until_next() is None

    # Failed samples are not queued again while their files stay the same...
    clock.now += 61
    assert scheduler.offer() == []
    assert {s.state for s in workspace.scan()} == {"failed"}
    # ...and are once a file changes.
    with open(s1, "a") as handle:
        handle.write("21\t25999999\t.\tA\tG\t.\t.\t.\tGT\t0|1\n")
    assert [s.key for s in scheduler.offer()] == ["alice/s1"]


def test_three_files_dropped_at_once_run_back_to_back_and_a_re_run_keeps_the_interval(env):
    """Issue 21: the third of three files (a 1-second job) started two minutes late, because
    every automatic run waited 60 s after the one before. The interval is the seed sensor's tick:
    it spaces the runs of one sample, not runs of different samples."""
    workspace, history, reference_dir = env
    clock = FakeClock()
    paths = [copy_vcf(workspace.input_dir / "alice" / f"s{i}.vcf") for i in (1, 2, 3)]
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=60,
                          clock=clock)
    assert len(scheduler.offer()) == 3
    results = [scheduler.run_next() for _ in range(3)]  # no time passes between them
    assert [r.status for r in results] == ["succeeded"] * 3
    assert scheduler.run_next() is None and scheduler.seconds_until_next() is None
    # s1 changes right away: its re-run waits out the minute since its own start...
    with open(paths[0], "a") as handle:
        handle.write("21\t25999999\t.\tA\tG\t.\t.\t.\tGT\t0|1\n")
    assert [s.key for s in scheduler.offer()] == ["alice/s1"]
    started = history.get_run(results[0].run_id).started_at
    assert scheduler.seconds_until_next() == pytest.approx(started + 60 - clock.now)
    assert scheduler.run_next() is None and scheduler.is_queued("alice/s1")
    # ...while a new sample queued behind it starts at once
    copy_vcf(workspace.input_dir / "bob" / "b.vcf")
    assert [s.key for s in scheduler.offer()] == ["bob/b"]
    assert scheduler.waits() == {"alice/s1": pytest.approx(started + 60 - clock.now),
                                 "bob/b": 0.0}
    assert history.get_run(scheduler.run_next().run_id).partition_key == "bob/b"
    clock.now = started + 61
    assert history.get_run(scheduler.run_next().run_id).partition_key == "alice/s1"


def test_waiting_samples_leave_no_trace_in_the_history(env):
    """500 waiting samples: no queued rows at start, no cancelled rows when the session ends."""
    workspace, history, reference_dir = env
    for i in range(500):
        path = workspace.input_dir / f"user{i % 10}" / f"s{i:03}.vcf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("##fileformat=VCFv4.2\n")
    for session in range(3):
        scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=3600)
        assert len(scheduler.offer()) == 500
        assert len(scheduler.queued()) == 500
        assert scheduler.clear_queue() == 500
    assert history.list_runs() == []
    assert {s.state for s in workspace.scan()} == {"new"}


def test_two_schedulers_on_one_history_run_each_partition_once(env):
    """The window and `watch` both queue a sample in memory; whoever starts first runs it."""
    workspace, history, reference_dir = env
    copy_vcf(workspace.input_dir / "alice" / "s1.vcf")
    copy_vcf(workspace.input_dir / "alice" / "s2.vcf")
    window = Scheduler(workspace, history, reference_dir, min_interval_seconds=0)
    watch = Scheduler(workspace, history, reference_dir, min_interval_seconds=0)
    assert len(window.offer()) == len(watch.offer()) == 2
    assert window.run_next().ok  # alice/s1
    # `watch` skips s1 (annotated meanwhile) and runs s2.
    result = watch.run_next()
    assert result.ok and history.get_run(result.run_id).partition_key == "alice/s2"
    assert window.run_next() is None and window.queued() == []  # s2 was dealt with elsewhere
    runs = history.list_runs()
    assert sorted(r.partition_key for r in runs) == ["alice/s1", "alice/s2"]
    # A partition running in another process when its turn comes is left to that process.
    copy_vcf(workspace.input_dir / "bob" / "b.vcf")
    assert [s.key for s in window.offer()] == ["bob/b"]
    history.record(partition_key="bob/b", user="bob", sample="b", status="running")
    assert window.run_next() is None and window.queued() == []
    assert [r.status for r in history.list_runs(partition_key="bob/b")] == ["running"]


def test_run_now_takes_a_sample_out_of_the_queue(env):
    workspace, history, reference_dir = env
    copy_vcf(workspace.input_dir / "alice" / "s1.vcf")
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=3600)
    scheduler.offer()
    assert scheduler.is_queued("alice/s1")
    result = scheduler.run_now(workspace.sample("alice", "s1"))
    assert result.ok and not scheduler.is_queued("alice/s1")
    assert [r.trigger for r in history.list_runs()] == ["manual"]


def test_policy_off_queues_nothing_and_only_given_paths_are_offered(env):
    workspace, history, reference_dir = env
    s1 = copy_vcf(workspace.input_dir / "alice" / "s1.vcf")
    copy_vcf(workspace.input_dir / "alice" / "s2.vcf")
    off = Scheduler(workspace, history, reference_dir, auto_annotate=False)
    assert off.offer() == []
    on = Scheduler(workspace, history, reference_dir)
    assert [s.key for s in on.offer([s1])] == ["alice/s1"]  # s2 is not known to be complete


def test_nothing_is_queued_while_the_reference_is_missing(env, tmp_path):
    workspace, history, reference_dir = env
    copy_vcf(workspace.input_dir / "alice" / "s1.vcf")
    scheduler = Scheduler(workspace, history, tmp_path / "no_reference")
    assert scheduler.offer() == [] and scheduler.waiting_for_reference
    scheduler.reference_dir = reference_dir
    assert [s.key for s in scheduler.offer()] == ["alice/s1"]
    assert not scheduler.waiting_for_reference


def test_run_now_skips_the_interval_but_not_a_running_partition(env):
    workspace, history, reference_dir = env
    copy_vcf(workspace.input_dir / "alice" / "s1.vcf")
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=3600)
    scheduler.offer()
    assert scheduler.run_next().ok
    sample = workspace.sample("alice", "s1")
    assert sample.state == "annotated"
    assert scheduler.run_now(sample).ok  # manual: no interval
    history.record(partition_key="alice/s1", status="running")
    from just_dna_desktop.core.workspace.history import PartitionBusyError
    with pytest.raises(PartitionBusyError):
        scheduler.run_now(sample)


# -- the service ---------------------------------------------------------------------------------


def test_service_annotates_a_slow_copy_once_after_it_is_complete(env):
    workspace, history, reference_dir = env
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=0)
    results = []
    path = workspace.input_dir / "alice" / "slow.vcf"
    lines = REAL_VCF.read_bytes().splitlines(keepends=True)
    with WatchService(scheduler, stable_seconds=1.0, poll_interval=0.1, idle_seconds=0.5,
                      on_result=results.append):
        path.parent.mkdir(parents=True)
        with open(path, "wb") as handle:
            for i in range(0, len(lines), 15):  # about 3 s of writing
                handle.write(b"".join(lines[i:i + 15]))
                handle.flush()
                time.sleep(0.3)
        assert wait_for(lambda: results, timeout=30)
        time.sleep(1.5)
    runs = history.list_runs()
    assert len(runs) == 1 and runs[0].status == "succeeded", [r.to_dict() for r in runs]
    assert runs[0].metadata["rows_in"] == 132 and runs[0].partition_key == "alice/slow"
    assert runs[0].config["input_fingerprint"]["size"] == path.stat().st_size
    assert workspace.output_file("alice", "slow").is_file()


def test_service_respects_the_minimum_interval_for_a_sample_not_between_samples(env):
    workspace, history, reference_dir = env
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=30)
    results = []
    with WatchService(scheduler, stable_seconds=0.2, poll_interval=0.05, idle_seconds=0.5,
                      on_result=results.append):
        a = copy_vcf(workspace.input_dir / "alice" / "a.vcf")
        copy_vcf(workspace.input_dir / "bob" / "b.vcf")
        assert wait_for(lambda: len(results) == 2, timeout=40)  # back to back, not 30 s apart
        with open(a, "a") as handle:  # a changes: its re-run waits out its own 30 s
            handle.write("21\t25999999\t.\tA\tG\t.\t.\t.\tGT\t0|1\n")
        assert wait_for(lambda: scheduler.is_queued("alice/a"), timeout=20)
        time.sleep(1.0)
        assert len(results) == 2 and scheduler.is_queued("alice/a")
    runs = sorted(history.list_runs(), key=lambda r: r.started_at)
    assert [r.status for r in runs] == ["succeeded", "succeeded"]
    assert {r.trigger for r in runs} == {"auto"}


def test_stopping_the_service_cancels_the_running_and_queued_runs(env):
    workspace, history, reference_dir = env
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=600,
                          target=slow_target)
    service = WatchService(scheduler, stable_seconds=0.2, poll_interval=0.05,
                           idle_seconds=0.5).start()
    copy_vcf(workspace.input_dir / "alice" / "a.vcf")
    copy_vcf(workspace.input_dir / "alice" / "b.vcf")
    assert wait_for(lambda: history.list_runs(status="running"), timeout=20)
    assert wait_for(lambda: any(e.message == "wrote a partial file"
                                for r in history.list_runs(status="running")
                                for e in history.events(r.id)), timeout=20)
    started = time.monotonic()
    service.stop()
    assert time.monotonic() - started < 3.0
    # The running one is cancelled; the waiting one never had a run.
    assert [r.status for r in history.list_runs()] == ["cancelled"]
    assert scheduler.queued() == []


def test_service_annotates_genotyping_files_by_rsid_and_lists_other_text_as_failed(env):
    """Real watchdog events: a 23andMe zip and a gzipped AncestryDNA file are samples by their
    content, annotated by rsID; a text file that is neither stays failed with the reason."""
    import gzip
    import zipfile

    workspace, history, reference_dir = env
    scheduler = Scheduler(workspace, history, reference_dir, min_interval_seconds=0)
    results = []
    folder = workspace.input_dir / "erin"
    with WatchService(scheduler, stable_seconds=0.3, poll_interval=0.05, idle_seconds=0.3,
                      on_result=results.append) as service:
        folder.mkdir(parents=True)
        chip = write_chip(folder.parent / ".staging.txt")
        with zipfile.ZipFile(folder / "kit.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(chip, "genome_Erin_v5_Full.txt")
        chip.unlink()
        rows = [line.split("\t") for line in REAL_VCF.read_text().splitlines()
                if line and not line.startswith("#")]
        ancestry = "#AncestryDNA raw data download\nrsid\tchromosome\tposition\tallele1\tallele2\n" \
            + "".join(f"{r[2]}\t{r[0]}\t{r[1]}\t{r[3]}\t{r[3]}\n" for r in rows)
        (folder / "ancestry.txt.gz").write_bytes(gzip.compress(ancestry.encode()))
        (folder / "notes.txt").write_text("shopping list\nmilk\n")
        assert wait_for(lambda: len(results) >= 2, timeout=60)
        time.sleep(1.0)
        reported = set(service.watcher.stable_files())
    assert {p.name for p in reported} == {"kit.zip", "ancestry.txt.gz", "notes.txt"}
    runs = {r.partition_key: r for r in history.list_runs()}
    assert set(runs) == {"erin/kit", "erin/ancestry"}  # notes.txt is never run
    for key, fmt in (("erin/kit", "23andme"), ("erin/ancestry", "ancestrydna")):
        run = runs[key]
        assert run.status == "succeeded", run.error
        assert (run.metadata["input_format"], run.metadata["match_by"]) == (fmt, "rsid")
        assert run.metadata["alleles_matched"] == 132
    samples = {s.key: s for s in workspace.scan()}
    assert samples["erin/notes"].state == "failed"
    assert "neither a VCF" in samples["erin/notes"].problem
    assert samples["erin/kit"].state == samples["erin/ancestry"].state == "annotated"
