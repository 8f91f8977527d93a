"""Memory soak: the window on many samples with auto-annotation on, for minutes; RSS over time.

The window's own process is measured (annotation runs in spawned children, measured apart by the
runner). A leak shows as a steady slope after the first minute or two; a cache that fills shows as
a curve that flattens. `--tracemalloc` adds the Python allocations that grew most between the
first and the last sample, to say where a slope comes from.

    uv run python benchmarks/soak_window.py                      # 500 samples, 10 minutes
    uv run python benchmarks/soak_window.py --minutes 3 --auto off
    uv run python benchmarks/soak_window.py --minutes 4 --tracemalloc
    uv run python benchmarks/soak_window.py --minutes 4 --min-interval 3 --trim   # runs back to back

Runs offscreen unless QT_QPA_PLATFORM says otherwise (xvfb-run works too).
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_workspace(folder: Path, samples: int, auto: bool, min_interval: float) -> None:
    from just_dna_desktop.core.workspace import settings as core_settings
    from just_dna_desktop.core.reference.demo import DEMO_VCF

    os.environ["JUST_DNA_DESKTOP_DATA_DIR"] = str(folder / "data")
    os.environ["JUST_DNA_PIPELINES_CACHE_DIR"] = str(folder / "cache")
    for name in ("JUST_DNA_DESKTOP_HOME", "JUST_DNA_PIPELINES_INPUT_DIR",
                 "JUST_DNA_PIPELINES_OUTPUT_DIR"):
        os.environ.pop(name, None)
    settings = core_settings.load_settings()
    core_settings.write_settings(settings.settings_file, {"auto_annotate": auto,
                                                          "min_interval_seconds": min_interval})
    users = max(1, samples // 10)
    data = DEMO_VCF.read_bytes()
    for i in range(samples):
        path = settings.input_dir / f"person{i % users:03}" / f"sample{i:04}.vcf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) in MB per minute."""
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] / 60 for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--auto", choices=("on", "off"), default="on")
    parser.add_argument("--min-interval", type=float, default=60.0,
                        help="seconds between automatic runs (the settings default: 60)")
    parser.add_argument("--every", type=float, default=15.0, help="seconds between RSS samples")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--trim", action="store_true",
                        help="return freed memory to the system (glibc malloc_trim) before each "
                             "sample: what stays is held, not just kept by the allocator")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="jdd-soak-"))
    make_workspace(work, args.samples, args.auto == "on", args.min_interval)
    if args.tracemalloc:
        tracemalloc.start(10)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from just_dna_desktop.core.workspace import settings as core_settings
    from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR
    from just_dna_desktop.gui.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    from just_dna_desktop.gui.gc_guard import collect_on_gui_thread

    collect_on_gui_thread(app)  # as the window's start does
    window = MainWindow(core_settings.load_settings(), reference_dir=DEMO_REFERENCE_DIR)
    window.show()
    me = psutil.Process()
    started = time.monotonic()
    points: list[tuple[float, float]] = []
    snapshots = []

    trim = _malloc_trim() if args.trim else None

    def sample() -> None:
        elapsed = time.monotonic() - started
        if trim is not None:
            gc.collect()
            trim(0)
        rss = me.memory_info().rss / 2**20
        runs = len(window.history.list_runs())
        queued = len(window.scheduler.queued())
        points.append((elapsed, rss))
        print(f"{elapsed / 60:5.1f} min  RSS {rss:7.1f} MB  runs {runs:4}  queued {queued:4}  "
              f"python objects {len(gc.get_objects()):,}", flush=True)
        # compared from the first minute on: the start (500 queue rows, the first scan) is no leak
        if args.tracemalloc and ((not snapshots and elapsed >= 60)
                                 or elapsed >= args.minutes * 60 - args.every):
            snapshots.append(tracemalloc.take_snapshot())
        if elapsed >= args.minutes * 60:
            app.quit()

    timer = QTimer(interval=int(args.every * 1000))
    timer.timeout.connect(sample)
    timer.start()
    QTimer.singleShot(0, sample)
    print(f"{args.samples} samples, auto-annotation {args.auto}, min interval "
          f"{args.min_interval:g} s, {args.minutes:g} min{', trimmed' if trim else ''}; "
          f"load {os.getloadavg()[0]:.1f}",
          flush=True)
    app.exec()
    window.shutdown()
    window.close()

    warm = [p for p in points if p[0] >= 60] or points
    print(f"\nRSS {points[0][1]:.0f} MB at start, {points[-1][1]:.0f} MB at the end; slope after "
          f"the first minute {slope_mb_per_min(warm):+.2f} MB/min; load {os.getloadavg()[0]:.1f}")
    if len(snapshots) >= 2:
        print("\nPython allocations that grew most (tracemalloc):")
        for stat in snapshots[-1].compare_to(snapshots[0], "traceback")[:8]:
            print(f"  {stat.size_diff / 2**20:+.2f} MB in {stat.count_diff:+,} blocks")
            for line in stat.traceback.format()[-6:]:
                print(f"      {line}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _malloc_trim():
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        sys.exit("--trim needs glibc (Linux)")


if __name__ == "__main__":
    sys.exit(main())
