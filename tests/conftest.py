"""Shared test set-up: offscreen Qt, and every path the app uses inside a temporary folder."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from just_dna_desktop.system_packages import tests_problem  # noqa: E402  (no Qt in it)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Before pytest-qt imports PySide6: on a machine without Qt's system libraries, one line
    naming them and the command that installs them, instead of an INTERNALERROR traceback."""
    problem = tests_problem()
    if problem:
        pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path, monkeypatch):
    """No test ever reads or writes the real Documents, cache or settings of the machine."""
    for name in ("JUST_DNA_PIPELINES_CACHE_DIR", "JUST_DNA_PIPELINES_INPUT_DIR",
                 "JUST_DNA_PIPELINES_OUTPUT_DIR", "JUST_DNA_DESKTOP_HOME", "HF_TOKEN",
                 "HF_ENDPOINT", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUST_DNA_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUST_DNA_PIPELINES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    # The system's temporary folder too, one per test: throw-away demo workspaces go there, and a
    # start-up sweep (the window's, `watch`'s) removes the dead ones it finds: never another
    # test's. Short, beside the real one (a browser's socket path must stay under 108 bytes).
    import shutil
    import tempfile
    from pathlib import Path

    temporary = Path(tempfile.mkdtemp(prefix="jdd-"))
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    yield tmp_path
    shutil.rmtree(temporary, ignore_errors=True)
