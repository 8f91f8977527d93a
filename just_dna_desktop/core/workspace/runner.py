"""Running an annotation job in a child process, supervised from the calling thread.

The child is started with `spawn` (forking after polars has started its threads can deadlock), so
whatever happens to it (a bug, an out-of-memory kill, a cancel) happens to that run only. Progress
and events come back over a pipe; the parent samples the child's memory with a ResourceMonitor, so
even a run that is killed has its peak recorded. `run_job` blocks: call it from a worker thread
(the GUI's QThreadPool, the `watch` loop), with callbacks for progress and events and a CancelToken.
"""

from __future__ import annotations

import _thread
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable


from . import choices
from .history import HistoryError
from ..cancel import CancelToken
from ..housekeeping import sweep
from ..engine.metrics import ResourceMonitor

if TYPE_CHECKING:
    from .history import History

log = logging.getLogger(__name__)
ProgressCallback = Callable[[float, str], None]
EventCallback = Callable[[str, str], None]  # (level, message)
# A job body, run in the child: (job, progress, event) -> metadata. Must be importable by name.
Target = Callable[["AnnotationJob", ProgressCallback, EventCallback], dict]

TERMINATE_GRACE_SECONDS = 1.0  # SIGTERM first (temporary files get removed), then SIGKILL


@dataclass
class AnnotationJob:
    """Everything the child needs to annotate one VCF (plain data: it crosses a process boundary)."""

    vcf: Path
    reference_dir: Path
    output: Path
    user: str | None = None
    sample: str | None = None
    variant_type: str = "all"
    vcf_sample: str | None = None
    ignore_build_mismatch: bool = False
    compression: str = "zstd"
    match_by: str = "auto"  # auto | position | rsid (core/annotate.match_method)
    match_by_reason: str | None = None  # why, when not the engine's choice (a kept choice)
    cache_dir: Path | None = None  # where the annotation modules are installed (core/modules/store)
    annotated: Path | None = None  # a findings job: the annotated output it reads (`output`: the
                                   # findings file it writes)

    def config(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


@dataclass
class RunResult:
    """How a job ended: status succeeded / failed / cancelled, its metadata and error."""

    status: str
    run_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def job_config(job: AnnotationJob, trigger: str, fingerprint: bool = True) -> dict[str, Any]:
    """What a run records about its job, with the input's fingerprint taken now (an annotation's:
    it tells later whether the file changed; a findings run reads the annotated output instead,
    and hashing a genome again for it would be seconds spent on nothing)."""
    from .samples import Fingerprint

    config = job.config()
    config["trigger"] = trigger
    if not fingerprint or not Path(job.vcf).is_file():
        return config  # missing, or a pipe (hashing would swallow it): the annotation says why
    try:
        config["input_fingerprint"] = Fingerprint.of(job.vcf, with_hash=True).to_dict()
    except OSError:
        pass  # gone meanwhile: the annotation says so
    return config


def annotate_target(job: AnnotationJob, progress: ProgressCallback, event: EventCallback) -> dict:
    """The default job body: `annotate_vcf` with the job's options."""
    from ..engine.annotate import annotate_vcf

    return annotate_vcf(job.vcf, job.reference_dir, job.output, user=job.user, sample=job.sample,
                        variant_type=job.variant_type, vcf_sample=job.vcf_sample,
                        ignore_build_mismatch=job.ignore_build_mismatch,
                        match_by=job.match_by, match_reason=job.match_by_reason,
                        compression=job.compression, progress=progress)


def findings_target(job: AnnotationJob, progress: ProgressCallback, event: EventCallback) -> dict:
    """The modules' job body: the sample's findings from its annotated output (`job.output` is
    the findings file), with every usable installed module; the reference join is not redone."""
    from ..modules.findings import update_findings
    from ..modules.store import ModuleStore

    if job.cache_dir is None or job.annotated is None:
        raise ValueError("a findings job needs the modules' cache folder and the annotated output")
    progress(0.0, "reading the modules")
    findings = update_findings(job.annotated, ModuleStore(job.cache_dir))
    for refused in findings.refused:
        event("warning", f"module {refused['name']} not used: {refused['why']}")
    progress(1.0, f"{findings.frame.height} findings")
    return findings.summary()


class _Terminated(BaseException):
    """Raised in the child on SIGTERM so `finally` blocks (temporary files) still run."""


ORPHAN_GRACE_SECONDS = 2.0  # after the supervisor died: time to clean up before a hard exit
EXIT_ORPHANED = 3
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(grace: float = ORPHAN_GRACE_SECONDS) -> None:
    """In the child: end this process when its supervisor dies, however it dies (kill -9 too).

    Linux delivers SIGTERM on the parent's death (prctl); everywhere, a thread waits on the
    parent's sentinel and then asks the main thread to stop the same way. Either way the SIGTERM
    handler unwinds (temporary files removed, the output untouched); if the main thread is stuck
    in native code, the process exits hard after `grace` seconds, and the owner-tagged leftovers
    are swept by the next run.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        except (OSError, AttributeError):
            pass  # the sentinel thread below still covers it

    def wait_for_parent() -> None:
        parent.join()  # returns once the parent is gone (its end of the sentinel pipe closed)
        _thread.interrupt_main(signal.SIGTERM)
        time.sleep(grace)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=wait_for_parent, name="parent-watch", daemon=True).start()


def _child_main(target: Target, job: AnnotationJob, conn: Connection,
                record_to: tuple[str, int, float] | None = None) -> None:
    """The child's body: run `target`, report over `conn`; with `record_to` = (history file, run
    id, seconds to retry a busy history), record the run as succeeded the moment the output is
    replaced (core/publish.py); kept beside the history if it stays busy."""
    # Ctrl-C in a terminal reaches the whole process group: let the parent decide.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminating = False

    def on_term(signum: int, frame: Any) -> None:
        nonlocal terminating
        if not terminating:  # once: a second request must not cut the clean-up short
            terminating = True
            raise _Terminated()

    signal.signal(signal.SIGTERM, on_term)
    _die_with_parent()

    def send(*message: Any) -> None:
        try:
            conn.send(message)
        except (OSError, ValueError):
            pass  # the parent is gone; nothing to tell

    from ..errors import Cancelled, UserError
    from ..publish import publishing

    history = None
    try:
        record = None
        if record_to is not None:
            from .history import History

            history = History(record_to[0], recover=False, retry_for_seconds=record_to[2])

            def record_success(metadata: dict) -> None:  # the moment the output is replaced
                history.finish(record_to[1], status="succeeded", metadata=metadata)

            record = record_success

        with publishing(record):
            metadata = target(job, lambda f, m: send("progress", float(f), str(m)),
                              lambda level, m: send("event", str(level), str(m)))
        send("succeeded", metadata)
    except _Terminated:
        send("cancelled", "cancelled")
    except Cancelled:
        send("cancelled", "cancelled")
    except UserError as exc:
        send("failed", str(exc), None)
    except MemoryError:
        send("failed", "ran out of memory", traceback.format_exc())
    except Exception as exc:  # a bug: keep the traceback in the run's events
        send("failed", f"unexpected {type(exc).__name__}: {exc}", traceback.format_exc())
    finally:
        if history is not None:
            history.close()
        conn.close()


def _death_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "the annotation process did not finish"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"the annotation process was killed by {name}{hint}"
    return f"the annotation process exited with code {exitcode} without a result"


def _stop(process: multiprocessing.process.BaseProcess, grace: float) -> None:
    if process.is_alive():
        process.terminate()
        process.join(grace)
    if process.is_alive():
        process.kill()
    process.join(5)


def run_job(job: AnnotationJob, *, history: "History | None" = None, run_id: int | None = None,
            trigger: str = "manual", partition_key: str | None = None,
            progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
            on_event: EventCallback | None = None, on_start: Callable[[int], None] | None = None,
            target: Target = annotate_target, monitor_interval: float = 0.1,
            terminate_grace: float = TERMINATE_GRACE_SECONDS, kind: str = "annotate") -> RunResult:
    """Annotate in a spawned child and wait for it; never raises for a failed run.

    With `history`, the run is recorded: `run_id` when the caller already recorded (and claimed)
    it, otherwise a new running run. The input's fingerprint (size, mtime, SHA-256) goes into the
    run's config, so the workspace can tell later whether the file changed. `on_start(pid)` is
    called once the child runs. Cancel (via `cancel`) ends the child within about
    `terminate_grace` + a fraction of a second.
    """
    cancel = cancel or CancelToken()

    def event(level: str, message: str) -> None:
        if history is not None and run_id is not None:  # a busy history never holds the run up
            history.add_event(run_id, message, level, wait=False)
        if on_event is not None:
            on_event(level, message)

    chosen, engine_decides = None, job.match_by == "auto"
    if history is not None and partition_key is not None:
        # a method given is kept for the sample; `auto` takes the one kept (core/workspace/choices)
        try:
            job, chosen = choices.decide(history, partition_key, job)
        except HistoryError as exc:  # the run goes on with the method it was given
            log.warning("%s: the kept matching method could not be read or kept (%s)",
                        partition_key, exc)
    config = job_config(job, trigger, fingerprint=kind == "annotate")
    if history is not None:
        if run_id is None:  # one run per partition and per output file, across processes
            run_id = history.record(kind=kind, trigger=trigger, partition_key=partition_key,
                                    user=job.user, sample=job.sample, status="running",
                                    config=config, exclusive=True)
        else:
            history.update(run_id, status="running", config=config)
    sweep(job.output.parent)  # what killed runs left here (ours are owner-tagged)
    if chosen is not None:
        event("info", chosen.describe())

    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    record_to = (str(history.path), run_id, history.retry_for_seconds) \
        if history is not None and run_id is not None else None
    process = ctx.Process(target=_child_main, args=(target, job, sender, record_to), daemon=True,
                          name=f"annotate-{job.user}-{job.sample}")
    started = time.perf_counter()
    try:
        process.start()
    except OSError as exc:
        result = RunResult("failed", run_id, {}, f"could not start the annotation process ({exc})")
        _finish(history, result, event)
        return result
    sender.close()  # the child holds the only writer: EOF on the reader means it is gone
    event("info", f"started {'findings' if kind == 'findings' else 'annotation'} process "
                  f"{process.pid} for {job.vcf}")
    if on_start is not None:
        on_start(process.pid)
    monitor = ResourceMonitor(pid=process.pid, interval=monitor_interval).start()

    outcome: tuple | None = None
    cancelled = False
    try:
        while outcome is None:
            if cancel.cancelled:
                cancelled = True
                _stop(process, terminate_grace)
                break
            ready = wait([receiver, process.sentinel], timeout=0.05)
            if receiver in ready:
                try:
                    message = receiver.recv()
                except (EOFError, OSError):
                    process.join(2)
                    break
                if message[0] == "progress":
                    if history is not None and run_id is not None:
                        history.add_event(run_id, message[2], "info", wait=False)
                    if progress is not None:
                        progress(message[1], message[2])
                elif message[0] == "event":
                    event(message[1], message[2])
                else:
                    outcome = message
            elif process.sentinel in ready and not receiver.poll():
                process.join(2)
                break
        if outcome is not None:
            process.join(5)
            if process.is_alive():
                _stop(process, terminate_grace)
    finally:
        if process.is_alive():  # an exception in a callback: never leave the child behind
            _stop(process, terminate_grace)
        usage = monitor.stop()
        receiver.close()
        if outcome is None or outcome[0] != "succeeded":
            sweep(job.output.parent)  # a killed child cannot clean up; its files are tagged

    wall = round(time.perf_counter() - started, 3)
    process_metrics: dict[str, Any] = {"process_duration_sec": wall}
    if usage is not None:
        process_metrics["process_peak_memory_mb"] = usage.peak_memory_mb
        process_metrics["process_cpu_percent"] = usage.cpu_percent

    if cancelled or (outcome is not None and outcome[0] == "cancelled"):
        result = RunResult("cancelled", run_id, process_metrics, "cancelled")
    elif outcome is None:
        result = RunResult("failed", run_id, process_metrics, _death_reason(process.exitcode))
    elif outcome[0] == "succeeded":
        metadata = dict(outcome[1] or {})
        metadata.update(process_metrics)
        # The child's own figure misses what it used before its monitor started; keep the larger.
        metadata["peak_memory_mb"] = max(metadata.get("peak_memory_mb") or 0.0,
                                         process_metrics.get("process_peak_memory_mb", 0.0))
        result = RunResult("succeeded", run_id, metadata, None)
    else:
        result = RunResult("failed", run_id, process_metrics, outcome[1])
        if outcome[2]:
            event("debug", outcome[2])
    _finish(history, result, event)
    if result.ok and engine_decides and chosen is None and history is not None \
            and partition_key is not None:
        try:  # what the check judged is kept; a busy history only means the next run checks too
            choices.keep_checked(history, partition_key, result.metadata,
                                 config.get("input_fingerprint"))
        except HistoryError as exc:
            log.warning("%s: the matching method was not kept (%s)", partition_key, exc)
    return result


def _finish(history: "History | None", result: RunResult,
            event: Callable[[str, str], None]) -> None:
    if history is not None and result.run_id is not None and not result.ok:
        run = history.get_run(result.run_id)
        if run is not None and run.status == "succeeded":
            # The child replaced the output and recorded it, then died or failed: the output is
            # complete and the history says so; this only adds how the process ended.
            event("warning", f"the annotation process ended after writing its output: "
                             f"{result.error}")
            result.status, result.error = "succeeded", None
            result.metadata = {**run.metadata, **result.metadata}
    if result.ok:
        m = result.metadata
        if "modules" in m:
            event("info", f"succeeded: {m.get('findings', 0)} findings from "
                          f"{len(m['modules'])} module(s), peak "
                          f"{m.get('peak_memory_mb', '?')} MB")
        else:
            event("info", f"succeeded: {m.get('rows_out', '?')} rows, "
                          f"{m.get('alleles_matched', '?')} matched, peak "
                          f"{m.get('peak_memory_mb', '?')} MB")
    else:
        event("warning" if result.status == "cancelled" else "error",
              f"{result.status}: {result.error}")
    if history is not None and result.run_id is not None:
        # When the child already had to keep its record beside a busy history, this one joins
        # it at once rather than waiting minutes more.
        history.finish(result.run_id, status=result.status, metadata=result.metadata,
                       error=result.error, wait=not history.has_pending(result.run_id))
