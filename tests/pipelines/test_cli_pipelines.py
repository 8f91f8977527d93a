"""`just-dna-desktop pipelines`: `dagster dev` on the same folders, with its own DAGSTER_HOME.

Starting the real UI takes half a minute and four processes, so here Popen is replaced and what
it is given is checked; the definitions it loads are exercised for real by the other tests
(test_multiprocess.py loads them by module name, as `dagster dev -m` does)."""

import signal
import subprocess
import sys

import dagster as dg
import yaml

from just_dna_desktop import cli


REAL_POPEN = subprocess.Popen


class FakeDagsterDev:
    """Stands in for `dagster dev` only; anything else (platformdirs asks xdg-user-dir) is real."""

    started: list["FakeDagsterDev"] = []

    def __new__(cls, command, *args, **kwargs):
        if command[1:3] != ["-m", "dagster"]:
            return REAL_POPEN(command, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, command, env):
        self.command, self.env = command, env
        FakeDagsterDev.started.append(self)

    def wait(self):
        return 0

    def terminate(self):
        pass


def run_pipelines(monkeypatch, *argv) -> FakeDagsterDev:
    FakeDagsterDev.started = []
    monkeypatch.setattr(subprocess, "Popen", FakeDagsterDev)
    assert cli.main(list(argv)) == 0
    [started] = FakeDagsterDev.started
    return started


def test_dagster_dev_starts_on_the_module_with_dagster_home_beside_the_app_state(
        monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    data = tmp_path / "lab-data"
    sigterm = signal.getsignal(signal.SIGTERM)
    dev = run_pipelines(monkeypatch, "--data-dir", str(data), "pipelines", "--port", "3999")
    assert dev.command == [sys.executable, "-m", "dagster", "dev", "-m",
                           "just_dna_desktop.pipelines", "--host", "127.0.0.1", "--port", "3999"]
    home = data / "interim" / "dagster"
    assert dev.env["DAGSTER_HOME"] == str(home)
    assert dev.env["JUST_DNA_DESKTOP_DATA_DIR"] == str(data)  # the flag reaches the code server
    assert "JUST_DNA_PIPELINES_OUTPUT_DIR" not in dev.env  # not given: resolved there the same way
    assert "http://127.0.0.1:3999" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) == sigterm  # forwarded to dagster dev, then restored

    # dagster.yaml: written on first run, commented, valid, private and one run per sample.
    text = (home / "dagster.yaml").read_text()
    assert text.startswith("# Dagster instance settings") and "postgres" in text
    config = yaml.safe_load(text)
    assert config["telemetry"] == {"enabled": False}
    assert config["concurrency"]["runs"]["tag_concurrency_limits"] == [
        {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]
    with dg.DagsterInstance.from_config(str(home)) as instance:  # Dagster itself accepts it
        queue = instance.get_concurrency_config().run_queue_config  # what the daemon obeys
        assert queue.max_concurrent_runs == 2 and len(queue.tag_concurrency_limits) == 1

    # Never overwritten; an explicit DAGSTER_HOME wins.
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    run_pipelines(monkeypatch, "--data-dir", str(data), "pipelines")
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    dev = run_pipelines(monkeypatch, "pipelines", "--host", "0.0.0.0")
    assert dev.env["DAGSTER_HOME"] == str(tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "dagster.yaml").is_file()
    assert dev.command[-4:] == ["--host", "0.0.0.0", "--port", "3005"]
