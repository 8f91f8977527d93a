"""When samples get annotated: the auto-annotation policy of the settings file.

- With `auto_annotate` on, a sample in state new, stale or damaged is queued automatically. The queue lives
  in this object's memory, not in the run history: a run is recorded when it starts, so a session
  with 500 waiting samples writes nothing for them (and leaves nothing to cancel when it closes).
  `mark_queued` shows the queue in a scan; `queued()` lists it for a window or `watch`.
- Runs go one at a time: each due sample starts as soon as the previous run ends. The minimum
  interval (`min_interval_seconds`, the seed sensor's tick) only spaces the runs of one sample:
  a sample started less than that ago (by anyone, in any process sharing the history) waits,
  so a file that keeps changing is not annotated over and over, while three new files dropped
  at once run back to back.
- A partition never has two runs at once, across processes too: starting a run is an exclusive
  insert in the history's transaction, and a sample that another process is running, or has dealt
  with meanwhile, leaves the queue when its turn comes.
- A failed sample is not queued again until its file changes (its state stays `failed`).
- Nothing is queued while the reference is missing (`waiting_for_reference`).
- Manual runs (`run_now`) skip the interval but not the one-run-per-partition rule.
- Annotation modules: every annotation is followed at once by its findings (a run of kind
  `findings` in the child process: the sample's annotated output joined with the installed
  modules). A sample whose findings are out of date (a module added, updated or removed) is
  queued for its findings alone (reason `modules`): seconds of work, so no interval applies, and
  the reference join is not redone. Findings runs carry no partition key: they never change a
  sample's annotation state, and they refuse to start while the sample's output is being written.

The scheduler is plain synchronous code: the `watch` loop or a GUI worker calls `offer`, then
`run_next` when `seconds_until_next()` says so. The queue is guarded by a lock, so a window may
read it from the GUI thread while a pool thread offers or runs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from ..cancel import CancelToken
from .history import PartitionBusyError
from ..reference.cache import find_files
from .runner import AnnotationJob, EventCallback, ProgressCallback, RunResult, Target, \
    annotate_target, run_job
from .runner import findings_target
from .samples import DAMAGED, NEW, QUEUED, STALE, Sample, Workspace

if TYPE_CHECKING:
    from .history import History

AUTO = "auto"
MANUAL = "manual"
ADHOC = "adhoc"
# annotated automatically (also by the Dagster sensor, pipelines/)
DUE_STATES = (NEW, STALE, DAMAGED)
MODULES = "modules"  # the reason of a sample queued for its findings alone


@dataclass(frozen=True)
class QueuedSample:
    """A sample waiting for its automatic run (in memory only)."""

    user: str
    sample: str
    reason: str       # the state that queued it: new, stale or damaged; or `modules` (findings)
    queued_at: float  # Unix time

    @property
    def key(self) -> str:
        return f"{self.user}/{self.sample}"


class Scheduler:
    """Queues due samples and starts their runs, one at a time, as the policy allows."""

    def __init__(self, workspace: Workspace, history: "History", reference_dir: Path, *,
                 auto_annotate: bool = True, min_interval_seconds: float = 60.0,
                 variant_type: str = "all", compression: str = "zstd",
                 clock: Callable[[], float] = time.time, target: Target = annotate_target):
        self.workspace = workspace
        self.history = history
        self.reference_dir = Path(reference_dir)
        self.auto_annotate = auto_annotate
        self.min_interval_seconds = float(min_interval_seconds)
        self.variant_type = variant_type
        self.compression = compression
        self.clock = clock
        self.target = target
        self.queue: list[QueuedSample] = []  # oldest first; read it through queued()
        self._lock = threading.Lock()
        self.waiting_for_reference = False

    @classmethod
    def from_settings(cls, settings, workspace: Workspace, history: "History",
                      **overrides) -> "Scheduler":
        options = dict(auto_annotate=settings.auto_annotate,
                       min_interval_seconds=settings.min_interval_seconds,
                       variant_type=settings.variant_type, compression=settings.compression)
        options.update(overrides)
        return cls(workspace, history, settings.reference_dir, **options)

    # -- queueing -----------------------------------------------------------------------------

    def offer(self, paths: Iterable[Path] | None = None) -> list[Sample]:
        """Rescan and queue the due samples among `paths` (all samples when None); returns them.

        Give only files known to be complete (the Watcher's ready files): a sample whose file is
        still being written must not be queued.
        """
        if not self.auto_annotate:
            return []
        # Without a reference every run would fail, and failed samples wait for their file to
        # change: better not to start them at all until the reference is there.
        self.waiting_for_reference = not find_files(self.reference_dir)
        wanted = None if paths is None else {Path(p).absolute() for p in paths}
        queued = []
        now = self.clock()
        for sample in self.workspace.scan():
            if sample.findings_due and sample.state not in DUE_STATES:
                reason = MODULES
            elif sample.state in DUE_STATES and not self.waiting_for_reference:
                reason = sample.state
            else:
                continue
            if wanted is not None and sample.path.absolute() not in wanted:
                continue
            with self._lock:
                if any(q.key == sample.key for q in self.queue):
                    continue
                self.queue.append(QueuedSample(sample.user, sample.sample, reason, now))
            queued.append(sample)
        return queued

    def queued(self) -> list[QueuedSample]:
        """The waiting samples, next first (a copy: safe to keep)."""
        with self._lock:
            return list(self.queue)

    def is_queued(self, key: str) -> bool:
        with self._lock:
            return any(q.key == key for q in self.queue)

    def mark_queued(self, samples: list[Sample]) -> list[Sample]:
        """Show the queue in a scan: due samples waiting here become `queued`."""
        with self._lock:
            waiting = {q.key for q in self.queue}
        for sample in samples:
            if sample.key in waiting and sample.state in DUE_STATES:
                sample.state = QUEUED
        return samples

    def dequeue(self, key: str) -> bool:
        """Take one sample out of the queue (it is offered again when it next changes)."""
        with self._lock:
            before = len(self.queue)
            self.queue[:] = [q for q in self.queue if q.key != key]
            return len(self.queue) != before

    def clear_queue(self) -> int:
        """Forget every waiting sample (the window or `watch` stops); returns how many."""
        with self._lock:
            count = len(self.queue)
            self.queue.clear()
        return count

    # -- timing -----------------------------------------------------------------------------------

    def seconds_until_next(self) -> float | None:
        """How long until an automatic run may start; None when nothing is queued."""
        waits = self.waits()
        return min(waits.values()) if waits else None

    def waits(self) -> dict[str, float]:
        """Each queued sample's wait, in queue order: 0 for a sample that may start now, else
        the rest of the minimum interval since its own last run started. A sample queued for its
        findings alone never waits: seconds of work, and no reference join."""
        queued = self.queued()
        if not queued:
            return {}
        started = self.history.last_started_by_partition()
        now = self.clock()
        return {q.key: max(0.0, started[q.key] + self.min_interval_seconds - now)
                if q.key in started and q.reason != MODULES else 0.0 for q in queued}

    # -- running -----------------------------------------------------------------------------------

    def run_next(self, *, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None, on_event: EventCallback | None = None,
                 on_start: Callable[[int], None] | None = None) -> RunResult | None:
        """Start the first queued sample that is still due and whose own interval has passed;
        blocks until its run ends. None if nothing was due."""
        waits = self.waits()
        if not any(wait == 0 for wait in waits.values()):
            return None
        samples = {s.key: s for s in self.workspace.scan()}  # one scan, however many are skipped
        for item in [q for q in self.queued() if q.reason == MODULES]:
            self.dequeue(item.key)
            sample = samples.get(item.key)
            if sample is not None and sample.findings_due and sample.state not in DUE_STATES:
                return self.run_findings(sample, trigger=AUTO, progress=progress, cancel=cancel,
                                         on_event=on_event, on_start=on_start)
        for item in self.queued():
            if waits.get(item.key, 0.0) > 0:
                continue  # ran a moment ago: waits its turn in the queue
            self.dequeue(item.key)
            sample = samples.get(item.key)
            if sample is None or sample.state not in DUE_STATES:
                continue  # its file went away, or someone else annotated or is annotating it
            try:
                run_id = self.history.record(
                    trigger=AUTO, partition_key=sample.key, user=sample.user,
                    sample=sample.sample, status="running", exclusive=True,
                    config={"output": str(self.workspace.output_file(sample.user, sample.sample))})
            except PartitionBusyError:
                continue  # another process started it just now: it is theirs
            self.history.add_event(run_id, f"queued as a {item.reason} sample at "
                                            f"{time.strftime('%H:%M:%S', time.localtime(item.queued_at))}")
            return self._run(sample, run_id, AUTO, progress, cancel, on_event, on_start)
        return None

    def run_now(self, sample: Sample, *, options: dict | None = None,
                progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None, on_event: EventCallback | None = None,
                on_start: Callable[[int], None] | None = None) -> RunResult:
        """Annotate one sample now (a person asked); PartitionBusyError if it is already running.
        `options` change the job (`match_by`, `ignore_build_mismatch`): a method chosen so is
        kept for the sample and used by its later runs (core/workspace/choices.py)."""
        run_id = self.history.record(
            trigger=MANUAL, partition_key=sample.key, user=sample.user, sample=sample.sample,
            status="running", exclusive=True,
            config={"output": str(self.workspace.output_file(sample.user, sample.sample))})
        self.dequeue(sample.key)
        return self._run(sample, run_id, MANUAL, progress, cancel, on_event, on_start, options)

    def job_for(self, sample: Sample) -> AnnotationJob:
        return AnnotationJob(vcf=sample.path, reference_dir=self.reference_dir,
                             output=self.workspace.output_file(sample.user, sample.sample),
                             user=sample.user, sample=sample.sample,
                             variant_type=self.variant_type, compression=self.compression,
                             cache_dir=self.workspace.modules_dir)

    def run_findings(self, sample: Sample, *, trigger: str = MANUAL,
                     progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                     on_event: EventCallback | None = None,
                     on_start: Callable[[int], None] | None = None) -> RunResult:
        """The sample's findings from its annotated output and the installed modules, now."""
        from ..modules.findings import findings_path

        annotation = self.job_for(sample)
        job = AnnotationJob(vcf=sample.path, reference_dir=self.reference_dir,
                            output=findings_path(annotation.output), user=sample.user,
                            sample=sample.sample, cache_dir=self.workspace.modules_dir,
                            annotated=annotation.output)
        return run_job(job, history=self.history, trigger=trigger, progress=progress,
                       cancel=cancel, on_event=on_event, on_start=on_start,
                       target=findings_target, kind="findings")

    def _run(self, sample: Sample, run_id: int, trigger: str, progress, cancel, on_event,
             on_start, options: dict | None = None) -> RunResult:
        try:
            job = self.job_for(sample)
            if options:
                job = replace(job, **options)
        except Exception as exc:
            self.history.update(run_id, status="failed", error=str(exc))
            return RunResult("failed", run_id, {}, str(exc))
        result = run_job(job, history=self.history, run_id=run_id, trigger=trigger,
                         partition_key=sample.key, progress=progress, cancel=cancel,
                         on_event=on_event, on_start=on_start, target=self.target)
        if result.ok and self.workspace.modules_dir is not None and \
                (cancel is None or not cancel.cancelled):
            from ..modules.findings import findings_due

            modules = self.workspace.modules_now() or ([], [])
            if findings_due(job.output, *modules):
                self.run_findings(sample, trigger=trigger, progress=progress, cancel=cancel,
                                  on_event=on_event, on_start=on_start)
        return result
