"""The QThreadPool bridge: results, failures and cancel arrive as signals; coroutines can await jobs."""

import asyncio
import threading

import pytest

from just_dna_desktop.core.errors import Cancelled, UserError
from just_dna_desktop.gui.jobs import Job, JobManager

# Qt warnings fail the tests.
pytestmark = pytest.mark.qt_log_level_fail("WARNING")


def test_signals_arrive_on_the_gui_thread_and_running_jobs_are_kept(qtbot):
    manager = JobManager()
    gui_thread = threading.get_ident()
    seen = []

    def work(job):
        seen.append(threading.get_ident())
        job.progress(0.5, "half")
        return 42

    job = Job("answer", work)
    progress = []
    job.signals.progress.connect(lambda f, m: progress.append((f, m, threading.get_ident())))
    with qtbot.waitSignal(job.signals.finished, timeout=5_000) as blocker:
        manager.submit(job)
        assert job in manager.running
    assert blocker.args == [42] and job.state == "succeeded"
    assert seen[0] != gui_thread and progress == [(0.5, "half", gui_thread)]
    qtbot.waitUntil(lambda: not manager.running)


def test_failures_and_cancel(qtbot):
    manager = JobManager()
    failing = Job("bad", lambda job: (_ for _ in ()).throw(UserError("x.vcf:3: not a VCF")))
    with qtbot.waitSignal(failing.signals.failed, timeout=5_000) as blocker:
        manager.submit(failing)
    assert blocker.args == ["x.vcf:3: not a VCF"]
    bug = Job("bug", lambda job: 1 / 0)
    with qtbot.waitSignal(bug.signals.failed, timeout=5_000) as blocker:
        manager.submit(bug)
    assert blocker.args[0].startswith("unexpected ZeroDivisionError")

    started = threading.Event()

    def slow(job):
        started.set()
        while not job.cancel_token.wait(0.01):
            pass
        job.cancel_token.raise_if_cancelled()

    job = manager.submit(Job("slow", slow, key="a/b"))
    assert started.wait(5) and manager.find("a/b") is job
    with qtbot.waitSignal(job.signals.cancelled, timeout=5_000):
        manager.cancel_all()
    assert job.state == "cancelled"


def test_a_coroutine_awaits_jobs_on_the_qasync_loop(qapp):
    import qasync

    manager = JobManager()

    async def flow():
        size = await manager.run(Job("measure", lambda job: 3))
        doubled = await manager.run(Job("double", lambda job: size * 2))
        with pytest.raises(Cancelled):
            job = Job("cancelled", lambda job: job.cancel_token.raise_if_cancelled())
            job.cancel()
            await manager.run(job)
        return doubled

    loop = qasync.QEventLoop(qapp, already_running=False)
    try:
        assert loop.run_until_complete(flow()) == 6
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def test_a_closed_manager_starts_nothing(qtbot):
    """A failure's handler that asks for a rescan while the window closes must not start a job
    whose signals would reach a deleted window."""
    manager = JobManager()
    ran = threading.Event()
    manager.close()
    job = manager.submit(Job("late scan", lambda job: ran.set()))
    manager.wait(2_000)
    assert not ran.is_set() and job.state == "cancelled" and manager.running == []


def test_finished_jobs_are_let_go(qtbot):
    """A finished job and its result are freed (the window's memory grew ~5 MB/min: every folder
    scan's 500 samples stayed alive, held by the pool and by a cycle through a signal)."""
    import gc
    import weakref

    manager = JobManager()
    refs, late = [], []
    gate = threading.Event()
    for i in range(20):
        job = Job(f"scan {i}", lambda job: gate.wait(10) and [object() for _ in range(1000)])
        manager.submit(job)
        # A slot connected after submit still runs, with the job alive until it has.
        job.signals.finished.connect(lambda result: late.append(len(result)))
        refs.append(weakref.ref(job))
    del job
    gate.set()
    qtbot.waitUntil(lambda: not manager.running and len(late) == 20, timeout=10_000)
    qtbot.wait(50)
    gc.collect()
    assert [r for r in refs if r() is not None] == []
    assert late == [1000] * 20


def test_pool_jobs_reading_the_history_share_a_connection_per_thread(qtbot, tmp_path):
    """Pool threads are Qt's, not Python's: each call into Python there gets a fresh thread state,
    so a threading.local is empty every time. The history opened (and kept) one more SQLite
    connection per folder scan: ~130 kB each, the window's memory growing with every run."""
    import gc
    import sqlite3

    from just_dna_desktop.core.workspace.history import History

    history = History(tmp_path / "history.sqlite")
    manager = JobManager()

    def open_connections() -> int:
        gc.collect()
        return sum(isinstance(o, sqlite3.Connection) for o in gc.get_objects())

    before = open_connections()
    done = []
    for i in range(30):  # one at a time, as the window's scans come
        manager.submit(Job(f"scan {i}", lambda job: done.append(history.list_runs())))
        qtbot.waitUntil(lambda: len(done) == i + 1 and not manager.running, timeout=5_000)
    assert done == [[]] * 30
    assert open_connections() - before <= manager.pool.maxThreadCount()
    history.close()


def test_a_long_queue_lists_the_first_samples_and_counts_the_rest(qtbot):
    from just_dna_desktop.gui.jobs_panel import MAX_QUEUE_ROWS, JobsPanel

    panel = JobsPanel(JobManager())
    qtbot.addWidget(panel)
    waiting = [(f"person{i % 50:03}/sample{i:04}", 30.0 if i == 0 else None) for i in range(500)]
    panel.set_queue(waiting)
    assert list(panel.queue_rows) == [key for key, _ in waiting[:MAX_QUEUE_ROWS]]
    assert panel.queue_rows["person000/sample0000"].description() == \
        "person000/sample0000: queued, starts in 30 s"
    assert panel.more.isVisibleTo(panel)
    assert panel.more.text() == f"… and {500 - MAX_QUEUE_ROWS} more queued (the samples list shows each)"
    panel.set_queue(waiting[1:MAX_QUEUE_ROWS])  # the first has started; the rest fit
    assert list(panel.queue_rows) == [key for key, _ in waiting[1:MAX_QUEUE_ROWS]]
    assert not panel.more.isVisibleTo(panel)
    assert panel.queue_rows["person001/sample0001"].description() == "person001/sample0001: queued, next"


def test_jobs_are_freed_on_the_gui_thread(qtbot):
    """A job owns a QObject (its signals): freed on a pool thread, it crashed the program (a
    segfault in a pool thread's garbage collection). The pool's function lets go of the job before
    it reports the end, so the manager, on the GUI thread, holds the last reference."""
    import gc

    freed_on = []

    class Watched(Job):
        def __del__(self):
            freed_on.append(threading.get_ident())

    manager = JobManager()
    done = []
    manager.job_done.connect(lambda job: done.append(job.title))
    # Threads that want the GIL make each pool thread wait for it after the job's last signal,
    # while the GUI thread handles that signal: the order in which a busy machine runs them.
    stop = threading.Event()
    busy = [threading.Thread(target=lambda: [None for _ in iter(stop.is_set, True)]) for _ in range(2)]
    for thread in busy:
        thread.start()
    try:
        for i in range(50):
            manager.submit(Watched(f"job {i}", lambda job: sum(range(1000))))
        qtbot.waitUntil(lambda: len(done) == 50, timeout=10_000)
    finally:
        stop.set()
        for thread in busy:
            thread.join()
    qtbot.wait(50)
    gc.collect()
    assert len(freed_on) == 50
    assert set(freed_on) == {threading.get_ident()}
