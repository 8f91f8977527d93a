"""Annotating samples: now (a person asked), in turn, or when the automatic queue says one is due;
each run a pool job around a spawned child (core.workspace.runner), its live CPU and memory on the
metrics panel, its waiting place in the jobs panel, its state in the samples list.

The annotation modules' findings run the same way, as a `findings` job listed like an annotation:
inside every annotation's run, after it; and alone when a sample's findings are due (a module was
added, updated or removed): the automatic queue's `modules` items, which never wait, or a person's
"Update findings" for one sample or for all. A findings run never changes a sample's state in the
list.

What follows a run (the run history, a rescan, selecting the sample) is the window's to route."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import psutil
from PySide6.QtCore import QObject, QTimer, Signal

from ..core.engine.metrics import ResourceMonitor
from ..core.errors import Cancelled, UserError
from ..core.workspace.failures import explain_failure
from ..core.workspace.samples import Workspace, result_state
from ..core.workspace.scheduler import AUTO, DUE_STATES, MANUAL, MODULES
from ..core.workspace.settings import Settings
from .auto_annotation import WindowScheduler
from .jobs import Job, JobManager
from .jobs_panel import ANNOTATION, FINDINGS, JobsPanel
from .metrics_panel import MetricsPanel
from .sample_texts import metadata_detail
from .samples_model import SamplesModel


RUN_KINDS = ("annotate", "findings")  # jobs around a child process: one at a time
NOT_DUE = object()  # what a queued findings run returns when it had nothing left to do


class AnnotationQueue(QObject):
    annotated = Signal(str)  # the key, once its row says annotated (or partial)
    ended = Signal(str, str)  # the key and what to say: its run failed or was cancelled
    rescan_wanted = Signal()  # new files were seen or queued: the samples list should follow
    findings_updated = Signal(str)  # the key whose findings were just made again
    findings_queued = Signal(list)  # the keys Update every sample's findings queued

    def __init__(self, settings: Settings, workspace: Workspace, scheduler: WindowScheduler,
                 jobs: JobManager, samples: SamplesModel, metrics: MetricsPanel,
                 jobs_panel: JobsPanel, parent: QObject | None = None):
        super().__init__(parent)
        # The window gives new ones when the settings change (use()).
        self.settings, self.workspace, self.scheduler = settings, workspace, scheduler
        self.jobs = jobs
        self.samples = samples
        self.metrics = metrics
        self.jobs_panel = jobs_panel
        self._auto_job: Job | None = None
        self._monitors: dict[str, ResourceMonitor] = {}

    def use(self, settings: Settings, workspace: Workspace, scheduler: WindowScheduler) -> None:
        self.settings, self.workspace, self.scheduler = settings, workspace, scheduler

    def annotate_in_turn(self, keys: list[str]) -> None:
        """Annotate these samples one after the other (each once the one before is done)."""
        if not keys:
            return
        first, rest = keys[0], keys[1:]
        if rest:
            def next_one(key: str) -> None:
                if key == first:
                    self.annotated.disconnect(next_one)
                    self.annotate_in_turn(rest)

            self.annotated.connect(next_one)
        self.annotate(first)

    def annotate(self, key: str, **job_options: Any) -> Job | None:
        """Annotate one sample now (a person asked), whatever the automatic policy says.
        `job_options` choose how (match_by, ignore_build_mismatch): a method chosen so is kept
        for the sample and used by its later runs, manual or automatic (core/workspace/choices)."""
        if not key or self.jobs.find(key) is not None:
            return None
        user, _, name = key.partition("/")
        workspace, scheduler = self.workspace, self.scheduler

        def call(progress, cancel, on_event, on_start):
            sample = workspace.sample(user, name)
            if sample is None:
                raise UserError(f"{key}: no such sample in {workspace.input_dir}")
            return scheduler.run_now(sample, options=job_options or None, progress=progress,
                                     cancel=cancel, on_event=on_event, on_start=on_start)

        return self._submit_run(key, call)

    def run_due(self) -> Job | None:
        """Start the next automatic run: the first queued sample that may start (one not run
        less than the minimum interval ago), as soon as no other automatic run is going; a
        sample waiting for its findings alone first (the scheduler's own order)."""
        scheduler = self.scheduler
        if self._auto_job is not None and not self._auto_job.done:
            return None
        for waiting in [q for q in scheduler.queued() if q.reason == MODULES]:
            if self.jobs.find(waiting.key) is not None:
                scheduler.dequeue(waiting.key)  # being annotated: its findings follow in that run
                continue
            self._auto_job = self._submit_run(
                waiting.key, self._findings_call(waiting.key, AUTO, queued=True), "findings")
            return self._auto_job
        key = next((key for key, wait in scheduler.waits().items()
                    if wait == 0 and self.jobs.find(key) is None), None)
        if key is None:
            return None

        def call(progress, cancel, on_event, on_start):
            return scheduler.run_next(progress=progress, cancel=cancel, on_event=on_event,
                                      on_start=on_start)

        self._auto_job = self._submit_run(key, call)
        return self._auto_job

    # -- findings alone ----------------------------------------------------------------------
    def update_findings(self, key: str) -> Job | None:
        """Make one sample's findings again now (a person asked), from its annotated output."""
        if not key or self.jobs.find(key) is not None:
            return None
        self.scheduler.dequeue(key)
        return self._submit_run(key, self._findings_call(key, MANUAL, queued=False), "findings")

    def update_all_findings(self) -> Job:
        """Queue every annotated sample whose findings are due, for its findings alone (a person
        asked: whether automatic annotation is on does not matter); they run one after the other
        and wait in the jobs panel meanwhile."""
        workspace, scheduler = self.workspace, self.scheduler

        def work(job: Job) -> list[str]:
            due = [s for s in workspace.scan() if s.findings_due and s.state not in DUE_STATES]
            return [s.key for s in scheduler.queue_findings(due)]

        def queued(keys: list[str]) -> None:
            self.show_queue()
            self.run_due()
            self.findings_queued.emit(keys)

        job = Job("Queue the samples whose findings are due", work, kind="scan", quiet=True)
        job.signals.finished.connect(queued)
        return self.jobs.submit(job)

    def offer_all(self) -> None:
        """The annotation modules changed: the list follows, and with automatic annotation on,
        every sample whose findings are now due is queued (and starts at once)."""
        self.rescan_wanted.emit()
        if not self.settings.auto_annotate:
            return
        scheduler = self.scheduler
        job = Job("Queue samples", lambda job: scheduler.offer(), kind="scan", quiet=True)
        job.signals.finished.connect(lambda queued: (self.rescan_wanted.emit(), self.run_due()))
        self.jobs.submit(job)

    def run_queued(self, key: str) -> Job | None:
        """A waiting sample's "Run now": its findings alone when that is what it waits for."""
        waiting = next((q for q in self.scheduler.queued() if q.key == key), None)
        if waiting is not None and waiting.reason == MODULES:
            return self.update_findings(key)
        return self.annotate(key)

    def _findings_call(self, key: str, trigger: str, queued: bool) -> Callable[..., Any]:
        """The runner call of a findings run. A queued sample whose findings are no longer due
        (annotated again meanwhile, or its file changed: its annotation makes them) leaves the
        queue, and nothing runs."""
        user, _, name = key.partition("/")
        workspace, scheduler = self.workspace, self.scheduler

        def call(progress, cancel, on_event, on_start):
            if queued:
                scheduler.dequeue(key)
            sample = workspace.sample(user, name)
            if sample is None:
                raise UserError(f"{key}: no such sample in {workspace.input_dir}")
            if queued and (not sample.findings_due or sample.state in DUE_STATES):
                return NOT_DUE
            if not sample.output.is_file():
                raise UserError(f"{key}: not annotated yet, so the modules have nothing to read")
            return scheduler.run_findings(sample, trigger=trigger, progress=progress,
                                          cancel=cancel, on_event=on_event, on_start=on_start)

        return call

    # -- the job around a run ----------------------------------------------------------------
    def _submit_run(self, key: str, call, kind: str = "annotate") -> Job:
        """A pool job around a blocking runner call, with the live chart on the child process."""
        monitors = self._monitors

        def work(job: Job) -> dict[str, Any] | None:
            def on_start(pid: int) -> None:
                # The live chart samples the child; the runner keeps its own figure for the record.
                monitors[key] = ResourceMonitor(pid=pid, interval=0.25, on_sample=job.metrics).start()

            try:
                result = call(job.progress, job.cancel_token,
                              lambda level, message: job.log(message), on_start)
            finally:
                monitor = monitors.pop(key, None)
                if monitor is not None:
                    try:
                        monitor.stop()
                    except psutil.Error:
                        pass  # the child is gone: its summary is the runner's, not this chart's
            if result is NOT_DUE:
                return None
            if result is None:
                raise Cancelled("not due any more")
            if result.status == "cancelled":
                raise Cancelled("cancelled")
            if not result.ok:
                raise UserError(result.error or "failed")
            return result.metadata

        if kind == "findings":
            job = Job(f"Findings for {key}", work, kind="findings", key=key)
            job.signals.finished.connect(lambda summary: self._found(key, summary))
            job.signals.failed.connect(lambda reason: self._annotation_ended(
                key, f"{key}: the modules' findings failed: {reason}"))
            job.signals.cancelled.connect(
                lambda: self._annotation_ended(key, f"{key}: findings cancelled"))
            return self.jobs.submit(job)
        job = Job(f"Annotate {key}", work, kind="annotate", key=key)
        job.signals.progress.connect(
            lambda fraction, message: self.samples.update_entry(key, state="running", progress=fraction))
        job.signals.finished.connect(lambda metadata: self._annotated(key, metadata))
        job.signals.failed.connect(lambda reason: self._annotation_ended(
            key, f"{key} failed: {explain_failure(reason).reason}"))
        job.signals.cancelled.connect(lambda: self._annotation_ended(key, f"{key}: cancelled"))
        self.samples.update_entry(key, state="queued", progress=0.0)
        return self.jobs.submit(job)

    # -- automatic annotation -----------------------------------------------------------------------
    def files_ready(self, paths: list[Path]) -> None:
        """The watcher saw complete new or changed files: show them, and queue what is due."""
        self.rescan_wanted.emit()
        if not self.settings.auto_annotate:
            return
        scheduler = self.scheduler
        job = Job("Queue new samples", lambda job: scheduler.offer(paths), kind="scan", quiet=True)
        job.signals.finished.connect(lambda queued: (self.rescan_wanted.emit(), self.run_due()))
        self.jobs.submit(job)

    def show_queue(self) -> None:
        """Samples waiting for their automatic run, with when they start (every second)."""
        waits = self._waits()
        findings = {q.key for q in self.scheduler.queued() if q.reason == MODULES}
        self.jobs_panel.set_queue([(key, wait, FINDINGS if key in findings else ANNOTATION)
                                   for key, wait in waits.items() if self.jobs.find(key) is None])

    def queued_in(self, key: str) -> tuple[int, float | None] | None:
        """(place in this window's automatic queue, seconds until it may start) or None."""
        waits = self._waits()
        if key not in waits:
            return None
        return list(waits).index(key), waits[key]

    def _waits(self) -> dict[str, float | None]:
        """Each queued sample's wait, in the order they will start: those that may start now (in
        queue order), then those waiting out their own interval (soonest first). While an
        annotation runs (one at a time), None for those that may start: they wait for it, not for
        a clock."""
        waits = self.scheduler.waits()
        running = any(job.kind in RUN_KINDS for job in self.jobs.running)
        order = sorted(waits, key=lambda key: (waits[key] > 0, waits[key]))  # stable: queue order
        return {key: None if running and not waits[key] else waits[key] for key in order}

    def cancel(self, key: str) -> None:
        job = self.jobs.find(key)
        if job is not None:
            job.cancel()

    def show_metrics_of(self, job: Job) -> None:
        """A job was submitted: an annotation's or findings' CPU and memory go to the live chart."""
        if job.kind in RUN_KINDS:
            job.signals.progress.connect(lambda *_: None)  # keeps the row live via the panel
            self.metrics.start(job.title)
            job.signals.metrics.connect(self.metrics.add_sample)

    def _annotated(self, key: str, metadata: dict[str, Any]) -> None:
        state = result_state(metadata)  # never plainly annotated when partial or doubtful
        self.metrics.stop(f"Finished {key}" + ("" if state == "annotated" else f" ({state})"))
        self.metrics.show_run(metadata)
        self.samples.update_entry(key, state=state, progress=None,
                                  detail=metadata_detail(metadata))
        self.annotated.emit(key)
        QTimer.singleShot(0, self.run_due)  # the next due sample starts as this one ends

    def _found(self, key: str, summary: dict[str, Any] | None) -> None:
        if summary is None:
            self.metrics.stop(f"{key}: its findings were already up to date")
        else:
            count = summary.get("findings", 0)
            self.metrics.stop(f"Finished the findings for {key}: {count:,} "
                              f"finding{'' if count == 1 else 's'}")
            self.findings_updated.emit(key)
        QTimer.singleShot(0, self.run_due)

    def _annotation_ended(self, key: str, message: str) -> None:
        self.metrics.stop(message)
        self.ended.emit(key, message)
        QTimer.singleShot(0, self.run_due)
