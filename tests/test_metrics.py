"""The resource monitor: sampled peak memory, CPU %, and a watched process that goes away."""

import multiprocessing
import time

from just_dna_desktop.core.engine.metrics import ResourceMonitor


def _hold_memory(megabytes: int, seconds: float) -> None:
    block = bytearray(megabytes * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1  # touch every page so it is resident
    time.sleep(seconds)


def test_peak_of_a_child_is_sampled_while_it_runs():
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_hold_memory, args=(200, 1.5))
    samples = []
    with ResourceMonitor(interval=0.05, on_sample=samples.append) as monitor:
        child.start()
        child.join()
    # The child's 200 MB came and went in the middle; start and end readings would miss it.
    assert monitor.usage.peak_memory_mb > 200
    # Relative to the peak: the test process itself may be large (Qt and polars loaded by others).
    assert samples[-1].rss_mb < monitor.usage.peak_memory_mb - 150
    assert monitor.usage.duration_sec >= 1.5


def test_busy_process_reports_cpu():
    # Judged against this process's own CPU clock, not an expected figure: on a loaded machine a
    # busy loop gets far less than one core, and the monitor must say what it really got.
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with ResourceMonitor(interval=0.05) as monitor:
        while time.process_time() - cpu0 < 0.5:
            pass
    own = 100.0 * (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    assert monitor.usage.cpu_percent > 5
    assert abs(monitor.usage.cpu_percent - own) < max(15.0, 0.25 * own)


def test_a_watched_process_that_exits_is_not_an_error():
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_hold_memory, args=(50, 0.5))
    child.start()
    monitor = ResourceMonitor(pid=child.pid, interval=0.05).start()
    child.join()
    time.sleep(0.2)
    usage = monitor.stop()
    assert usage.peak_memory_mb > 50

    gone = ResourceMonitor(pid=child.pid).start().stop()
    assert gone.peak_memory_mb == 0
