"""When samples get annotated: the auto-annotation policy of the settings file.

- With `auto_annotate` on, a sample in state new or stale is queued automatically (a queued run in
  the history, so the GUI and `watch` see each other's queues).
- At most one automatic run starts per `min_interval_seconds`, counted start to start across
  every process sharing the history.
- A partition never has two runs at once: queuing and claiming are checked in the history's
  transactions, not just in this process's memory.
- A failed sample is not queued again until its file changes (its state stays `failed`).
- Nothing is queued while the reference is missing (`waiting_for_reference`).
- Manual runs (`run_now`) skip the interval but not the one-run-per-partition rule.

The scheduler is plain synchronous code: the `watch` loop or a GUI worker calls `offer`, then
`run_next` when `seconds_until_next()` says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .cancel import CancelToken
from .history import PartitionBusyError
from .reference import find_files
from .runner import AnnotationJob, EventCallback, ProgressCallback, RunResult, Target, \
    annotate_target, run_job
from .workspace import NEW, STALE, Sample, Workspace

if TYPE_CHECKING:
    from .history import History

AUTO = "auto"
MANUAL = "manual"
ADHOC = "adhoc"


@dataclass
class QueuedRun:
    run_id: int
    user: str
    sample: str

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
        self.queue: list[QueuedRun] = []
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
        if self.waiting_for_reference:
            return []
        wanted = None if paths is None else {Path(p).absolute() for p in paths}
        queued = []
        for sample in self.workspace.scan():
            if sample.state not in (NEW, STALE):
                continue
            if wanted is not None and sample.path.absolute() not in wanted:
                continue
            if any(q.key == sample.key for q in self.queue):
                continue
            try:
                run_id = self.history.record(trigger=AUTO, partition_key=sample.key,
                                             user=sample.user, sample=sample.sample,
                                             status="queued", exclusive=True,
                                             config={"vcf": str(sample.path)})
            except PartitionBusyError:
                continue  # another process has it queued or running
            self.history.add_event(run_id, f"queued: {sample.state} sample {sample.path}")
            self.queue.append(QueuedRun(run_id, sample.user, sample.sample))
            queued.append(sample)
        return queued

    def cancel_queued(self, reason: str = "the service stopped") -> int:
        """Drop every queued run of this scheduler (recorded as cancelled)."""
        count = 0
        for item in self.queue:
            self.history.update(item.run_id, status="cancelled", error=reason)
            count += 1
        self.queue.clear()
        return count

    # -- timing -----------------------------------------------------------------------------------

    def seconds_until_next(self) -> float | None:
        """How long until an automatic run may start; None when nothing is queued."""
        if not self.queue:
            return None
        last = self.history.last_started(trigger=AUTO)
        if last is None:
            return 0.0
        return max(0.0, last + self.min_interval_seconds - self.clock())

    # -- running -----------------------------------------------------------------------------------

    def run_next(self, *, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None, on_event: EventCallback | None = None,
                 on_start: Callable[[int], None] | None = None) -> RunResult | None:
        """Start the first queued run if the interval allows; blocks until it ends. None if not due."""
        wait = self.seconds_until_next()
        if wait is None or wait > 0:
            return None
        for item in list(self.queue):
            sample = self.workspace.sample(item.user, item.sample)
            if sample is None or sample.state != "queued" or sample.last_run is None \
                    or sample.last_run.id != item.run_id:
                # Its file went away or someone else dealt with it.
                self.queue.remove(item)
                self.history.update(item.run_id, status="cancelled",
                                    error="the sample changed or disappeared before its turn")
                continue
            if not self.history.claim(item.run_id):
                continue  # that partition is running elsewhere: try the next one
            self.queue.remove(item)
            return self._run(sample, item.run_id, AUTO, progress, cancel, on_event, on_start)
        return None

    def run_now(self, sample: Sample, *, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None, on_event: EventCallback | None = None,
                on_start: Callable[[int], None] | None = None) -> RunResult:
        """Annotate one sample now (a person asked); PartitionBusyError if it is already running."""
        for item in [q for q in self.queue if q.key == sample.key]:
            self.queue.remove(item)
            self.history.update(item.run_id, status="cancelled", error="replaced by a manual run")
        run_id = self.history.record(trigger=MANUAL, partition_key=sample.key, user=sample.user,
                                     sample=sample.sample, status="running", exclusive=True)
        return self._run(sample, run_id, MANUAL, progress, cancel, on_event, on_start)

    def job_for(self, sample: Sample) -> AnnotationJob:
        return AnnotationJob(vcf=sample.path, reference_dir=self.reference_dir,
                             output=self.workspace.output_file(sample.user, sample.sample),
                             user=sample.user, sample=sample.sample,
                             variant_type=self.variant_type, compression=self.compression)

    def _run(self, sample: Sample, run_id: int, trigger: str, progress, cancel, on_event,
             on_start) -> RunResult:
        try:
            job = self.job_for(sample)
        except Exception as exc:
            self.history.update(run_id, status="failed", error=str(exc))
            return RunResult("failed", run_id, {}, str(exc))
        return run_job(job, history=self.history, run_id=run_id, trigger=trigger,
                       partition_key=sample.key, progress=progress, cancel=cancel,
                       on_event=on_event, on_start=on_start, target=self.target)
