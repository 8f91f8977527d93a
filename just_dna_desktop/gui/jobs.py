"""The bridge between slow work and the window: jobs on a QThreadPool that report through signals.

Each job is a QRunnable whose signals QObject is created here, on the GUI thread, so the signals
are delivered to the window through queued connections whatever thread emits them. The manager
keeps a reference to every running job (a QRunnable nobody references would be collected while
the pool still runs it) and offers `await manager.run(job)` for coroutine flows on the qasync loop.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..core.cancel import CancelToken
from ..core.errors import Cancelled, UserError

log = logging.getLogger(__name__)


class JobSignals(QObject):
    progress = Signal(float, str)   # fraction 0..1, what is happening
    message = Signal(str)           # a line for the event log
    metrics = Signal(object)        # a core.engine.metrics.Sample of the running work
    finished = Signal(object)       # the work's result
    failed = Signal(str)            # one-line reason
    cancelled = Signal()


class Job(QRunnable):
    """One piece of work: `work(job)` runs on a pool thread and may call job.progress/metrics."""

    def __init__(self, title: str, work: Callable[["Job"], Any], kind: str = "job",
                 key: str | None = None, quiet: bool = False):
        super().__init__()
        self.setAutoDelete(False)  # Python owns it; the manager drops it when it is done
        self.title = title
        self.kind = kind
        self.key = key  # e.g. the partition key `user/sample`
        self.quiet = quiet  # housekeeping (a folder scan): not listed in the jobs panel
        self.signals = JobSignals()
        self.cancel_token = CancelToken()
        self.fraction = 0.0
        self.status_message = "Waiting"
        self.state = "queued"  # queued | running | succeeded | failed | cancelled
        self.result: Any = None
        self.error: str | None = None
        self._work = work

    # Called from the worker thread.
    def progress(self, fraction: float, message: str) -> None:
        self.fraction, self.status_message = fraction, message
        self.signals.progress.emit(fraction, message)

    def log(self, message: str) -> None:
        self.signals.message.emit(message)

    def metrics(self, sample: Any) -> None:
        self.signals.metrics.emit(sample)

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def done(self) -> bool:
        return self.state in ("succeeded", "failed", "cancelled")

    def run(self) -> None:
        self.state = "running"
        try:
            self.cancel_token.raise_if_cancelled()
            result = self._work(self)
        except Cancelled:
            self.state = "cancelled"
            self.signals.cancelled.emit()
        except UserError as exc:
            self.state, self.error = "failed", str(exc)
            self.signals.failed.emit(self.error)
        except Exception as exc:  # a bug: keep the window alive, log the traceback
            log.error("job %s failed:\n%s", self.title, traceback.format_exc())
            self.state, self.error = "failed", f"unexpected {type(exc).__name__}: {exc}"
            self.signals.failed.emit(self.error)
        else:
            self.state, self.result = "succeeded", result
            self.signals.finished.emit(result)


class JobManager(QObject):
    """Submits jobs, keeps them alive while they run, and tells the window when the set changes."""

    job_added = Signal(object)
    job_done = Signal(object)
    _ended = Signal(object)  # id() of a job whose run has returned (emitted on its pool thread)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = pool or QThreadPool(self)
        self.running: list[Job] = []
        self.closed = False
        self._ended.connect(self._done)

    def submit(self, job: Job) -> Job:
        """Start `job` on the pool; once the manager is closed, the job never starts (a late
        signal, e.g. a failure that asks for a rescan, must not outlive the window)."""
        if self.closed:
            job.state = "cancelled"
            return job
        self.running.append(job)
        self.job_added.emit(job)
        # The pool gets a function, not the QRunnable (PySide's pool keeps every runnable started
        # with autoDelete off for as long as it lives), and the function lets go of the job
        # before it says the job ended: the job (a QObject's owner) must be freed on the GUI
        # thread, by `_done`, never on the pool's (a crash when it was). The end is said on the
        # same thread after the job's own outcome signal, so every slot of that signal, connected
        # before or after submit, has run when the job is let go.
        holder, key = [job], id(job)

        def run_then_end() -> None:
            ran = holder.pop()
            try:
                ran.run()
            finally:
                del ran
                self._ended.emit(key)

        self.pool.start(run_then_end)
        return job

    def _done(self, key: int) -> None:
        job = next((j for j in self.running if id(j) == key), None)
        if job is not None:
            self.running.remove(job)
            self.job_done.emit(job)

    def find(self, key: str) -> Job | None:
        return next((j for j in self.running if j.key == key and not j.done), None)

    async def run(self, job: Job) -> Any:
        """Submit `job` and await its result on the qasync loop (raises on failure or cancel)."""
        future: asyncio.Future = asyncio.get_event_loop().create_future()

        def settle(setter: Callable[[], None]) -> None:
            if not future.done():
                setter()

        job.signals.finished.connect(lambda result: settle(lambda: future.set_result(result)))
        job.signals.failed.connect(lambda reason: settle(lambda: future.set_exception(UserError(reason))))
        job.signals.cancelled.connect(lambda: settle(lambda: future.set_exception(Cancelled())))
        self.submit(job)
        return await future

    def cancel_all(self) -> None:
        for job in list(self.running):
            job.cancel()

    def close(self) -> None:
        """Cancel every job and start no more (the window is closing)."""
        self.closed = True
        self.cancel_all()

    def wait(self, msecs: int = 10_000) -> bool:
        return self.pool.waitForDone(msecs)
