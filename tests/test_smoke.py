"""`--smoke-test REPORT.json` from source (CI runs the same check on the frozen bundle).

Each case runs in a child Python, as the bundle does: the smoke test owns its QApplication and its
qasync loop, and starts the annotation in a `spawn` grandchild.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from just_dna_desktop import smoke


def run_python(code: str, tmp_path: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=timeout)


def test_smoke_test_annotates_the_demo_with_no_console(tmp_path):
    report_path = tmp_path / "reports" / "smoke.json"
    # A windowed app on Windows/macOS has sys.stdout and sys.stderr set to None.
    code = ("import sys; sys.stdout = None; sys.stderr = None\n"
            "from just_dna_desktop.cli import main\n"
            f"sys.exit(main(['--smoke-test', {str(report_path)!r}]))\n")
    result = run_python(code, tmp_path)
    assert report_path.is_file(), result.stderr
    report = json.loads(report_path.read_text())
    assert result.returncode == 0, report

    assert report["ok"] is True and report["error"] is None
    assert report["frozen"] is False
    assert report["streams_were_none"] == ["stdout", "stderr"]
    assert report["qpa"] == "offscreen" and report["qt"].startswith("6.")
    assert report["window"] == "MainWindow" and report["icon_loaded"] is True
    assert report["matched"] == 132 and report["rows_in"] == 132
    assert report["output_rows"] == report["rows_out"] == 132
    assert report["run_status"] == "succeeded"
    assert "spawn" in report["annotation_via"]
    assert report["peak_memory_mb"] > 0
    # The Summary tab drew the demo's numbers (core.results.summary's), with QtCharts.
    summary = report["summary"]
    assert summary["sample"] == "demo/HG00096_chr21" and summary["allele_rows"] == 132
    assert summary["carried"] == 2 and summary["zygosity"] == {"hom_ref": 130, "het": 1, "hom_alt": 1}
    assert summary["clinical"]["any"] == 0 and summary["partial"] is False
    assert report["summary_tab"] == {"current": True, "chromosome_bars": [2.0], "rendered": True}
    # The temporary workspace is gone, and the person's folders (here: conftest's) were not used.
    assert not Path(report["workspace"]).exists()
    assert not (tmp_path / "data").exists() and not (tmp_path / "cache").exists()


def test_a_failure_is_reported_not_raised(tmp_path):
    report_path = tmp_path / "smoke.json"
    code = ("import sys\n"
            "from just_dna_desktop import smoke\n"
            "async def broken(window):\n"
            "    raise RuntimeError('Annotate demo failed: no reference')\n"
            "smoke._open_demo = broken\n"
            f"sys.exit(smoke.run_smoke_test({str(report_path)!r}))\n")
    result = run_python(code, tmp_path)
    assert result.returncode == 1
    report = json.loads(report_path.read_text())
    assert report["ok"] is False
    assert report["error"] == "RuntimeError: Annotate demo failed: no reference"
    assert "Traceback" in report["traceback"]
    assert report["window"] == "MainWindow"  # it got that far


def test_a_hang_ends_at_the_deadline(tmp_path):
    report_path = tmp_path / "smoke.json"
    code = ("import asyncio, sys\n"
            "from just_dna_desktop import smoke\n"
            "async def never(window):\n"
            "    await asyncio.sleep(3600)\n"
            "smoke._open_demo = never\n"
            f"sys.exit(smoke.run_smoke_test({str(report_path)!r}, deadline=1.0))\n")
    result = run_python(code, tmp_path, timeout=60)
    assert result.returncode == 1
    report = json.loads(report_path.read_text())
    assert report["ok"] is False
    assert "not annotated within 1 s" in report["error"]


def test_report_is_written_even_when_qt_cannot_start(monkeypatch, tmp_path):
    def no_qt(report, deadline):
        raise ImportError("libEGL.so.1: cannot open shared object file")

    monkeypatch.setattr(smoke, "_run", no_qt)
    report_path = tmp_path / "r.json"
    assert smoke.run_smoke_test(report_path) == 1
    report = json.loads(report_path.read_text())
    assert report["ok"] is False and "libEGL" in report["error"]
    assert report["frozen"] is False and report["platform"] and report["version"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_workspace_environment_is_restored(monkeypatch, tmp_path):
    monkeypatch.setenv("JUST_DNA_PIPELINES_INPUT_DIR", "/somewhere/users")
    before = {name: os.environ.get(name) for name in smoke.WORKSPACE_ENV}
    seen = {}

    def look(report, deadline):
        seen.update({name: os.environ.get(name) for name in smoke.WORKSPACE_ENV})
        report["ok"] = True

    monkeypatch.setattr(smoke, "_run", look)
    assert smoke.run_smoke_test(tmp_path / "r.json") == 0
    assert seen["JUST_DNA_PIPELINES_INPUT_DIR"] is None  # not the person's input folder
    assert seen["HF_HUB_OFFLINE"] == "1"
    assert seen["JUST_DNA_DESKTOP_DATA_DIR"].startswith(tempfile_root())
    assert {name: os.environ.get(name) for name in smoke.WORKSPACE_ENV} == before


def tempfile_root() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_ensure_streams_replaces_only_missing_ones(monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)
    err = sys.stderr
    assert smoke.ensure_streams() == ["stdout"]
    print("goes nowhere")  # must not raise
    assert sys.stderr is err
    sys.stdout.close()
