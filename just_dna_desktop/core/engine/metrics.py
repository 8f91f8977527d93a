"""Resource metrics of a running job: wall time, CPU % and sampled peak memory of a process tree.

Peak memory is sampled while the job runs (not read at start and end), so a short spike in the
middle of a join is seen; children (the annotation subprocess) are included.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable

import psutil


@dataclass
class Sample:
    elapsed_sec: float
    cpu_percent: float  # since the previous sample, 100 = one core busy
    rss_mb: float


@dataclass
class ResourceUsage:
    duration_sec: float
    cpu_percent: float  # average over the run, 100 = one core busy
    peak_memory_mb: float
    samples: int

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


class ResourceMonitor:
    """Samples a process and its children on a background thread; use as a context manager."""

    def __init__(self, pid: int | None = None, interval: float = 0.1,
                 on_sample: Callable[[Sample], None] | None = None):
        # A process that is already gone is not an error: its usage is what was sampled (nothing).
        try:
            self._process: psutil.Process | None = psutil.Process(pid)
        except psutil.Error:
            self._process = None
        self._interval = interval
        self._on_sample = on_sample
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._child_cpu: dict[int, float] = {}
        self._peak_rss = 0
        self._samples = 0
        self._start_wall = 0.0
        self._start_cpu = 0.0
        self._last: Sample | None = None
        self._last_cpu = 0.0
        self.usage: ResourceUsage | None = None

    def __enter__(self) -> "ResourceMonitor":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> "ResourceMonitor":
        self._start_wall = time.perf_counter()
        self._start_cpu = self._total_cpu()
        self._last_cpu = self._start_cpu
        self._sample()
        self._thread = threading.Thread(target=self._run, name="resource-monitor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> ResourceUsage:
        if self.usage is not None:
            return self.usage
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        wall = max(time.perf_counter() - self._start_wall, 1e-9)
        cpu = self._total_cpu() - self._start_cpu
        self.usage = ResourceUsage(duration_sec=round(wall, 3),
                                   cpu_percent=round(100.0 * cpu / wall, 1),
                                   peak_memory_mb=round(self._peak_rss / 2**20, 1),
                                   samples=self._samples)
        return self.usage

    @property
    def latest(self) -> Sample | None:
        return self._last

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _total_cpu(self) -> float:
        """CPU seconds of the tree; the last known value once the process has gone."""
        if self._process is None:
            return self._last_cpu
        try:
            t = self._process.cpu_times()
        except psutil.Error:
            return self._last_cpu
        # children_* count children that have already exited and been waited for.
        own = t.user + t.system + t.children_user + t.children_system
        return own + sum(self._child_cpu.values())

    def _sample(self) -> None:
        if self._process is None:
            return
        try:
            rss = self._process.memory_info().rss
            children = self._process.children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            try:
                with child.oneshot():
                    rss += child.memory_info().rss
                    t = child.cpu_times()
                    self._child_cpu[child.pid] = t.user + t.system
            except psutil.Error:
                # Gone between listing and reading: its CPU moves into children_* once waited.
                self._child_cpu.pop(child.pid, None)
        live = {c.pid for c in children}
        for pid in list(self._child_cpu):
            if pid not in live:
                del self._child_cpu[pid]
        self._peak_rss = max(self._peak_rss, rss)
        self._samples += 1
        elapsed = time.perf_counter() - self._start_wall
        total_cpu = self._total_cpu()
        if self._last is None:
            cpu_pct = 0.0
        else:
            dt = max(elapsed - self._last.elapsed_sec, 1e-9)
            cpu_pct = 100.0 * max(total_cpu - self._last_cpu, 0.0) / dt
        self._last_cpu = total_cpu
        self._last = Sample(elapsed_sec=round(elapsed, 3), cpu_percent=round(cpu_pct, 1),
                            rss_mb=round(rss / 2**20, 1))
        if self._on_sample is not None:
            self._on_sample(self._last)
