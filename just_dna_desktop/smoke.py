"""`just-dna-desktop --smoke-test REPORT.json`: prove a build works, end to end, without a person.

Starts Qt, builds the main window and does what its "Open the demo" action does, in a temporary
workspace: import the bundled demo VCF, annotate it in the spawned child process the app always
uses (core.workspace.runner), record the run in the history, and draw the Summary tab (QtCharts) with the
demo's numbers (core.results.summary, under `"summary"`). Then writes a JSON report and quits. It is
meant for the frozen bundle (CI runs it offscreen and under Xvfb), where the usual failures are
a missing Qt plugin, a resource file left out, or a `spawn` child that cannot start; each of
those ends up in the report as `"ok": false` with the reason, never as a hang: a deadline stops
the run.

Works when `sys.stdout`/`sys.stderr` are None (a windowed Windows/macOS app has no console).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from . import __version__

DEADLINE_SECONDS = 300.0
SUMMARY_SECONDS = 60.0
# Environment the app reads its folders from: pointed into the temporary workspace, so the smoke
# test never touches the person's real data, settings, history or reference cache.
WORKSPACE_ENV = ("JUST_DNA_DESKTOP_DATA_DIR", "JUST_DNA_DESKTOP_HOME",
                 "JUST_DNA_PIPELINES_CACHE_DIR", "JUST_DNA_PIPELINES_INPUT_DIR",
                 "JUST_DNA_PIPELINES_OUTPUT_DIR", "HF_HOME", "HF_HUB_OFFLINE")


def ensure_streams() -> list[str]:
    """Give a windowed app (stdout/stderr None) somewhere harmless to print to; returns which."""
    replaced = []
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
            replaced.append(name)
    return replaced


def _isolate(workspace: Path) -> dict[str, str | None]:
    saved = {name: os.environ.get(name) for name in WORKSPACE_ENV}
    for name in WORKSPACE_ENV:
        os.environ.pop(name, None)
    os.environ["JUST_DNA_DESKTOP_DATA_DIR"] = str(workspace / "data")
    os.environ["JUST_DNA_PIPELINES_CACHE_DIR"] = str(workspace / "cache")
    os.environ["HF_HOME"] = str(workspace / "hf_home")
    os.environ["HF_HUB_OFFLINE"] = "1"  # the demo needs no network; nothing may try
    return saved


def _restore(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def base_report() -> dict[str, Any]:
    return {
        "ok": False,
        "frozen": bool(getattr(sys, "frozen", False)),
        "platform": platform.platform(),
        "sys_platform": sys.platform,
        "python": platform.python_version(),
        "version": __version__,
        "executable": sys.executable,
        "qt": None,
        "pyside": None,
        "qpa": None,
        "window": None,
        "matched": None,
        "error": None,
    }


def write_report(path: Path, report: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run_smoke_test(report_path: Path, deadline: float = DEADLINE_SECONDS) -> int:
    """Run the whole check and write the report; 0 if it passed, 1 if not."""
    missing_streams = ensure_streams()
    report = base_report()
    report["streams_were_none"] = missing_streams
    started = time.perf_counter()
    saved_env: dict[str, str | None] = {}
    workspace = tempfile.TemporaryDirectory(prefix="just-dna-smoke-")
    try:
        saved_env = _isolate(Path(workspace.name))
        report["workspace"] = workspace.name
        _run(report, deadline)
    except BaseException as exc:  # whatever broke goes into the report
        report["ok"] = False
        report["error"] = report["error"] or f"{type(exc).__name__}: {exc}"
        report["traceback"] = traceback.format_exc()
        if isinstance(exc, KeyboardInterrupt):
            raise
    finally:
        report["elapsed_sec"] = round(time.perf_counter() - started, 3)
        write_report(report_path, report)
        _restore(saved_env)
        workspace.cleanup()
    return 0 if report["ok"] else 1


def _run(report: dict[str, Any], deadline: float) -> None:
    import asyncio

    from .system_packages import window_problem

    problem = window_problem(sys.argv[1:], os.environ)  # before Qt aborts the whole process
    if problem:
        raise RuntimeError(problem)
    import PySide6
    import qasync
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from . import RESOURCES_DIR
    from .core.workspace.settings import load_settings

    report["qt"] = qVersion()
    report["pyside"] = PySide6.__version__
    report["resources_dir"] = str(RESOURCES_DIR)
    report["resources_found"] = (RESOURCES_DIR / "demo").is_dir()

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "just-dna-desktop"])
    report["qpa"] = QApplication.platformName()
    from .gui import app as gui_app
    from .gui.gc_guard import collect_on_gui_thread
    from .gui.main_window import MainWindow

    icon = QIcon(str(gui_app.ICON))
    report["icon_loaded"] = not icon.isNull()
    app.setWindowIcon(icon)
    gui_app.apply_theme(app)
    collect_on_gui_thread(app)

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(load_settings(), demo=True)
    report["window"] = type(window).__name__
    report["window_title"] = window.windowTitle()
    try:
        window.show()
        with loop:
            key = loop.run_until_complete(asyncio.wait_for(_open_demo(window), deadline))
            summary = loop.run_until_complete(_summary_shown(window, key))
            _check_summary_tab(report, window, summary)
    except asyncio.TimeoutError:
        raise TimeoutError(f"the demo was not annotated within {deadline:.0f} s") from None
    finally:
        window.shutdown()  # cancels what still runs; close() would ask the person first
        window.deleteLater()
    _check_run(report, window, key)


async def _open_demo(window: Any) -> str:
    """What "Open the demo" does in the window: import the demo VCF, then annotate it (auto).

    Returns the partition key once the window reports it annotated; raises if a job fails.
    """
    import asyncio

    done: asyncio.Future = asyncio.get_running_loop().create_future()

    def settle(error: str | None = None, key: str | None = None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(RuntimeError(error))
        else:
            done.set_result(key)

    def watch(job: Any) -> None:
        job.signals.failed.connect(lambda reason: settle(f"{job.title} failed: {reason}"))
        job.signals.cancelled.connect(lambda: settle(f"{job.title} was cancelled"))

    window.jobs.job_added.connect(watch)
    window.sample_annotated.connect(lambda key: settle(key=key))
    window.open_demo()
    for job in list(window.jobs.running):  # any job submitted before the connection above
        watch(job)
    return await done


async def _summary_shown(window: Any, key: str) -> Any:
    """The SampleSummary the Summary tab shows for `key`, once it is on screen."""
    import asyncio

    view = window.summary_view
    if view.summary is not None and view.summary.sample == key:
        return view.summary
    shown: asyncio.Future = asyncio.get_running_loop().create_future()
    view.summary_shown.connect(
        lambda summary: shown.done() or summary.sample != key or shown.set_result(summary))
    try:
        return await asyncio.wait_for(shown, SUMMARY_SECONDS)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{key}: annotated, but the Summary tab showed nothing within "
                           f"{SUMMARY_SECONDS:.0f} s ({view.message.text() or 'no message'})") \
            from None


def _check_summary_tab(report: dict[str, Any], window: Any, summary: Any) -> None:
    """The Summary tab drew the demo's numbers with QtCharts (a bundle without them fails here)."""
    view = window.summary_view
    report["summary"] = summary.to_dict()
    chart = view.chromosomes
    report["summary_tab"] = {
        "current": window.tabs.currentWidget() is view,
        "chromosome_bars": [chart.bars.at(i) for i in range(chart.bars.count())],
        "rendered": not chart.grab().isNull(),
    }
    if chart.bars.count() != len(summary.per_chromosome) or not report["summary_tab"]["rendered"]:
        raise RuntimeError(f"the Summary tab did not draw the summary: {report['summary_tab']}")


def _check_run(report: dict[str, Any], window: Any, key: str) -> None:
    import polars as pl

    from .core.workspace.history import History

    with History(window.settings.history_file) as history:
        runs = history.list_runs(partition_key=key, kind="annotate", limit=1)
    if not runs:
        raise RuntimeError(f"{key}: annotated, but the run history has no run for it")
    run = runs[0]
    metadata = run.metadata
    output = Path(metadata["output_file"])
    rows = pl.scan_parquet(output).select(pl.len()).collect().item()
    matched = int(metadata["alleles_matched"])
    report.update({
        "matched": matched,
        "partition_key": key,
        "rows_in": metadata.get("rows_in"),
        "rows_out": metadata.get("rows_out"),
        "output_rows": rows,
        "annotation_via": "MainWindow.open_demo -> core.workspace.runner.run_job (spawn child process)",
        "run_id": run.id,
        "run_status": run.status,
        "run_trigger": run.trigger,
        "duration_sec": metadata.get("duration_sec"),
        "process_duration_sec": metadata.get("process_duration_sec"),
        "peak_memory_mb": metadata.get("peak_memory_mb"),
    })
    if run.status != "succeeded":
        raise RuntimeError(f"{key}: the run history says {run.status!r}, not 'succeeded'")
    if report.get("summary", {}).get("allele_rows") != rows:
        raise RuntimeError(f"{output}: {rows} rows, but the summary counted "
                           f"{report.get('summary', {}).get('allele_rows')}")
    if rows != metadata.get("rows_out") or matched <= 0:
        raise RuntimeError(f"{output}: {rows} rows written, {metadata.get('rows_out')} reported, "
                           f"{matched} matched")
    report["ok"] = True
