"""The annotation queue alone, with a stand-in for the scheduler that runs in this process: each
run reports half way, starts the live metrics on this process, and waits until the test lets it
end or it is cancelled (a findings run ends at once). The pool, the samples model and both panels
are the real ones."""

import os
import threading
from dataclasses import dataclass, replace

import pytest
from PySide6.QtWidgets import QWidget

from just_dna_desktop.core.reference.demo import DEMO_VCF
from just_dna_desktop.core.workspace.runner import RunResult
from just_dna_desktop.core.workspace.samples import Workspace
from just_dna_desktop.core.workspace.settings import load_settings
from just_dna_desktop.gui.annotation_queue import AnnotationQueue
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.gui.jobs_panel import JobsPanel
from just_dna_desktop.gui.metrics_panel import MetricsPanel
from just_dna_desktop.gui.samples_model import SampleEntry, SamplesModel

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


@dataclass
class Waiting:
    user: str
    sample: str
    reason: str = "new"

    @property
    def key(self) -> str:
        return f"{self.user}/{self.sample}"


class FakeScheduler:
    """What the queue asks of a WindowScheduler, without a child process or a history."""

    def __init__(self):
        self.queue: list[Waiting] = []
        self.wait: dict[str, float] = {}  # seconds until a sample may run again (its interval)
        self.runs: list[tuple[str, str, dict]] = []  # (key, trigger, the run's options)
        self.gates: dict[str, threading.Event] = {}
        self.outcomes: dict[str, RunResult] = {}

    def queued(self):
        return list(self.queue)

    def waits(self):
        # findings alone never wait (as the core's scheduler)
        return {item.key: 0.0 if item.reason == "modules" else self.wait.get(item.key, 0.0)
                for item in self.queue}

    def run_now(self, sample, *, options=None, progress, cancel, on_event, on_start):
        return self._run(sample.key, "manual", progress, cancel, on_event, on_start, options)

    def run_next(self, *, progress, cancel, on_event, on_start):
        due = next(item for item in self.queue if not self.wait.get(item.key))
        self.queue.remove(due)
        return self._run(due.key, "auto", progress, cancel, on_event, on_start)

    def run_findings(self, sample, *, trigger, progress, cancel, on_event, on_start):
        self.runs.append((sample.key, trigger, {"findings": True}))
        on_start(os.getpid())
        progress(1.0, "3 findings")
        return RunResult("succeeded", 2, {"findings": 3, "modules": []})

    def dequeue(self, key):
        self.queue[:] = [q for q in self.queue if q.key != key]

    def let_end(self, key: str) -> None:
        self.gates.setdefault(key, threading.Event()).set()

    def _run(self, key, trigger, progress, cancel, on_event, on_start, options=None):
        self.runs.append((key, trigger, dict(options or {})))
        on_start(os.getpid())
        on_event("info", f"annotating {key}")
        progress(0.5, "half way")
        gate = self.gates.setdefault(key, threading.Event())
        while not gate.wait(0.02):
            if cancel.cancelled:
                return RunResult("cancelled")
        return self.outcomes.get(key, RunResult("succeeded", 1, {"rows_out": 132,
                                                                 "alleles_matched": 120}))


@pytest.fixture
def parts(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    workspace = Workspace(tmp_path / "input", tmp_path / "output")
    for name in ("a", "b"):
        path = workspace.input_dir / "alice" / f"{name}.vcf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(DEMO_VCF.read_bytes())
    samples = SamplesModel(parent)
    samples.set_entries([SampleEntry("alice", "a"), SampleEntry("alice", "b")])
    jobs = JobManager(parent=parent)
    metrics, jobs_panel = MetricsPanel(parent), JobsPanel(jobs, parent)
    scheduler = FakeScheduler()
    queue = AnnotationQueue(load_settings(), workspace, scheduler, jobs, samples, metrics,
                            jobs_panel, parent=parent)
    jobs.job_added.connect(queue.show_metrics_of)  # as the window wires it
    yield queue, scheduler
    for gate in scheduler.gates.values():
        gate.set()
    jobs.close()
    jobs.wait(10_000)


def state(queue, key):
    return queue.samples.entry(queue.samples.index_of(key)).state


def test_annotate_now_runs_once_shows_its_progress_and_metrics_then_says_annotated(qtbot, parts):
    queue, scheduler = parts
    job = queue.annotate("alice/a", match_by="rsid")
    assert job is not None and state(queue, "alice/a") == "queued"
    assert queue.annotate("alice/a") is None  # already under way: not twice
    qtbot.waitUntil(lambda: state(queue, "alice/a") == "running", timeout=10_000)
    assert scheduler.runs == [("alice/a", "manual", {"match_by": "rsid"})]
    assert queue.metrics.live_title.text() == "Running: Annotate alice/a"
    qtbot.waitUntil(lambda: len(queue.metrics.chart.samples) >= 1, timeout=10_000)  # this process
    with qtbot.waitSignal(queue.annotated, timeout=10_000) as blocker:
        scheduler.let_end("alice/a")
    assert blocker.args == ["alice/a"]
    entry = queue.samples.entry(queue.samples.index_of("alice/a"))
    assert (entry.state, entry.progress) == ("annotated", None)
    assert entry.detail == "132 allele rows, 120 matched to an rsID"
    assert queue.metrics.live_title.text() == "Finished alice/a"


def test_cancel_ends_the_run_and_says_so(qtbot, parts):
    queue, scheduler = parts
    queue.annotate("alice/b")
    qtbot.waitUntil(lambda: state(queue, "alice/b") == "running", timeout=10_000)
    annotated = []
    queue.annotated.connect(annotated.append)
    with qtbot.waitSignal(queue.ended, timeout=10_000) as blocker:
        queue.cancel("alice/b")
    assert blocker.args == ["alice/b", "alice/b: cancelled"]
    assert annotated == [] and queue.jobs.find("alice/b") is None
    assert queue.metrics.live_title.text() == "alice/b: cancelled"


def test_a_failed_run_is_said_in_plain_words(qtbot, parts):
    queue, scheduler = parts
    scheduler.outcomes["alice/a"] = RunResult("failed", 1, {}, "alice/a.vcf: the disk is full")
    scheduler.let_end("alice/a")
    with qtbot.waitSignal(queue.ended, timeout=10_000) as blocker:
        queue.annotate("alice/a")
    key, message = blocker.args
    assert key == "alice/a" and message.startswith("alice/a failed: ")
    assert "disk is full" in message


def test_the_queue_starts_one_due_run_at_a_time_and_shows_who_waits(qtbot, parts):
    """Runs go back to back; only a sample annotated a moment ago waits out its own interval,
    and the samples behind it start first (issue 21: each waited a minute after the one before)."""
    queue, scheduler = parts
    scheduler.queue = [Waiting("alice", "a"), Waiting("alice", "b")]
    scheduler.wait = {"alice/a": 42.0, "alice/b": 42.0}
    assert queue.run_due() is None  # not yet: both ran a moment ago
    scheduler.wait = {"alice/a": 42.0}  # a ran 18 s ago; b is new
    queue.show_queue()
    rows = queue.jobs_panel.queue_rows
    assert list(rows) == ["alice/b", "alice/a"]  # in the order they will start
    assert rows["alice/b"].description() == "alice/b: queued, starting"
    assert rows["alice/a"].description() == "alice/a: queued, starts in 42 s"
    assert queue.queued_in("alice/a") == (1, 42.0) and queue.queued_in("alice/c") is None
    first = queue.run_due()
    assert first is not None and first.key == "alice/b"
    assert queue.run_due() is None  # one automatic run at a time
    qtbot.waitUntil(lambda: state(queue, "alice/b") == "running", timeout=10_000)
    queue.show_queue()
    assert list(rows) == ["alice/a"] and rows["alice/a"].description() == \
        "alice/a: queued, starts in 42 s"  # its own interval, not the running one's
    scheduler.wait = {}
    queue.show_queue()
    assert rows["alice/a"].description() == "alice/a: queued, next"  # after the running one
    assert queue.queued_in("alice/a") == (0, None)
    with qtbot.waitSignal(queue.annotated, timeout=10_000):
        scheduler.let_end("alice/b")
    # the next due sample starts as the previous one ends, without waiting for a clock
    qtbot.waitUntil(lambda: len(scheduler.runs) == 2, timeout=10_000)
    assert [(key, trigger) for key, trigger, _ in scheduler.runs] == [("alice/b", "auto"),
                                                                       ("alice/a", "auto")]


def test_samples_annotated_in_turn_start_one_after_the_other(qtbot, parts):
    queue, scheduler = parts
    queue.annotate_in_turn(["alice/a", "alice/b"])
    qtbot.waitUntil(lambda: state(queue, "alice/a") == "running", timeout=10_000)
    assert queue.jobs.find("alice/b") is None  # waits for the first
    with qtbot.waitSignal(queue.annotated, timeout=10_000,
                          check_params_cb=lambda key: key == "alice/b"):
        scheduler.let_end("alice/a")
        qtbot.waitUntil(lambda: queue.jobs.find("alice/b") is not None, timeout=10_000)
        scheduler.let_end("alice/b")
    assert [key for key, _, _ in scheduler.runs] == ["alice/a", "alice/b"]


def test_new_files_are_queued_and_started_only_with_automatic_annotation_on(qtbot, parts, tmp_path):
    queue, scheduler = parts
    offered = []

    def offer(paths):  # on the pool, as the real one scans
        offered.append(paths)
        scheduler.queue.append(Waiting("alice", "a"))
        return []

    scheduler.offer = offer
    rescans = []
    queue.rescan_wanted.connect(lambda: rescans.append(1))
    path = tmp_path / "input" / "alice" / "a.vcf"
    queue.files_ready([path])
    qtbot.waitUntil(lambda: len(scheduler.runs) == 1, timeout=10_000)  # started on the pool
    assert offered == [[path]] and len(rescans) == 2  # shown at once, and again once queued
    assert scheduler.runs[0][:2] == ("alice/a", "auto")
    settings = queue.settings
    queue.use(replace(settings, options={**settings.options, "auto_annotate": False}),
              queue.workspace, scheduler)
    queue.files_ready([path])
    assert offered == [[path]] and len(rescans) == 3  # shown, not queued


def test_a_sample_s_findings_alone_run_as_a_findings_job_and_leave_its_state(qtbot, parts):
    queue, scheduler = parts
    output = queue.workspace.output_file("alice", "a")
    output.parent.mkdir(parents=True)
    output.write_bytes(b"an annotated result")  # what the findings read (the fake reads nothing)
    added = []
    queue.jobs.job_added.connect(added.append)
    with qtbot.waitSignal(queue.findings_updated, timeout=10_000) as blocker:
        job = queue.update_findings("alice/a")
        assert queue.update_findings("alice/a") is None  # not twice at once
    assert blocker.args == ["alice/a"]
    assert (job.kind, job.title, job.key) == ("findings", "Findings for alice/a", "alice/a")
    assert added == [job]  # listed in the jobs panel like an annotation
    assert scheduler.runs == [("alice/a", "manual", {"findings": True})]
    assert state(queue, "alice/a") == "new"  # a findings run never changes the sample's state
    assert queue.metrics.live_title.text() == "Finished the findings for alice/a: 3 findings"


def test_a_queued_findings_run_goes_first_says_what_it_waits_for_and_runs_now(qtbot, parts):
    queue, scheduler = parts
    scheduler.queue = [Waiting("alice", "a"), Waiting("alice", "b", "modules")]
    scheduler.wait = {"alice/a": 30.0}  # a ran a moment ago; findings alone never wait
    queue.show_queue()
    rows = queue.jobs_panel.queue_rows
    assert list(rows) == ["alice/b", "alice/a"]
    assert rows["alice/b"].description() == "alice/b: findings queued, starting"
    assert rows["alice/a"].description() == "alice/a: queued, starts in 30 s"
    output = queue.workspace.output_file("alice", "b")
    output.parent.mkdir(parents=True)
    output.write_bytes(b"an annotated result")
    queue.jobs_panel.run_now.connect(queue.run_queued)  # as the window wires it
    with qtbot.waitSignal(queue.findings_updated, timeout=10_000):
        rows["alice/b"].run_button.click()  # "Run now": its findings, not a new annotation
    assert scheduler.runs == [("alice/b", "manual", {"findings": True})]
    assert [q.key for q in scheduler.queue] == ["alice/a"]


def test_a_queued_findings_run_no_longer_due_runs_nothing(qtbot, parts):
    """The automatic queue's `modules` item starts at once, before the annotation waiting for its
    interval; the sample's findings are not due any more (here: no modules at all), so it only
    leaves the queue."""
    queue, scheduler = parts
    scheduler.queue = [Waiting("alice", "a"), Waiting("alice", "b", "modules")]
    scheduler.wait = {"alice/a": 30.0}
    updated = []
    queue.findings_updated.connect(updated.append)
    job = queue.run_due()
    assert job is not None and (job.kind, job.key) == ("findings", "alice/b")
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    assert job.state == "succeeded" and job.result is None and updated == []
    assert scheduler.runs == [] and [q.key for q in scheduler.queue] == ["alice/a"]
    assert queue.run_due() is None  # the annotation still waits for its interval
