"""The reference panel: status, Download with progress over a loopback hub, Verify, Cancel."""

import sys
from pathlib import Path

import pytest

from just_dna_desktop.core import download, reference
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.gui.reference_panel import ReferencePanel

sys.path.insert(0, str(Path(__file__).parent.parent))
from hub_server import HubServer  # noqa: E402

# Qt warnings fail the tests; the offscreen platform's note about size hints is not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]

FILES = {f"data/homo_sapiens-chr{c}.parquet": bytes([i]) * 200_000 for i, c in enumerate(("21", "22"))}


@pytest.fixture
def hub(monkeypatch):
    server = HubServer().start()
    server.add_repo(download.DEFAULT_REPO, FILES)
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()


@pytest.fixture
def panel(qtbot, tmp_path):
    jobs = JobManager()
    widget = ReferencePanel(jobs, tmp_path / "cache" / "ensembl_variations",
                            lambda: {"reference_chromosomes": "21,22"})
    qtbot.addWidget(widget)
    yield widget
    jobs.cancel_all()
    jobs.wait()


def test_download_then_verify(qtbot, hub, panel):
    assert panel.refresh().status == "missing"
    assert panel.fields["status"].text() == "Not downloaded"
    messages = []
    panel.download_button.click()
    panel.job.signals.progress.connect(lambda f, m: messages.append(m))
    assert panel.cancel_button.isEnabled() and not panel.download_button.isEnabled()
    with qtbot.waitSignal(panel.changed, timeout=20_000):
        pass
    assert panel.job is None and panel.progress_label.text() == "Done."
    assert sorted(reference.find_files(panel.reference_dir)) == ["21", "22"]
    assert panel.fields["files"].text() == "2"
    assert any("/" in m and "B" in m for m in messages), messages  # bytes done / total
    panel.verify_button.click()
    with qtbot.waitSignal(panel.changed, timeout=20_000):
        pass
    assert panel.progress_label.text() == "Done."


def test_cancel_a_download(qtbot, hub, panel):
    hub.slow["data/homo_sapiens-chr21.parquet"] = 0.05
    panel.download_button.click()
    with qtbot.waitSignal(panel.job.signals.progress, timeout=10_000):
        pass
    with qtbot.waitSignal(panel.changed, timeout=20_000):
        panel.cancel_button.click()
    assert panel.progress_label.text().startswith("Cancelled")
    assert panel.status.status != "cached"
