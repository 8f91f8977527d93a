"""The reference panel: status, Download with progress over a loopback hub, Verify, Cancel."""

import sys
from pathlib import Path

import pytest

from just_dna_desktop.core.reference import download, cache as reference
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR
from just_dna_desktop.gui.reference_panel import ReferencePanel, download_question

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


def confirmed_download(qtbot, panel, answer=True):
    """Click Download and answer its question; returns the plan it asked about."""
    asked = []
    panel.confirm_download = lambda plan: asked.append(plan) or answer
    panel.download_button.click()
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    return asked[0]


def test_download_then_verify(qtbot, hub, panel):
    assert panel.refresh().status == "missing"
    assert panel.fields["status"].text() == "Not downloaded"
    messages = []
    confirmed_download(qtbot, panel)
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
    confirmed_download(qtbot, panel)
    with qtbot.waitSignal(panel.job.signals.progress, timeout=10_000):
        pass
    with qtbot.waitSignal(panel.changed, timeout=20_000):
        panel.cancel_button.click()
    assert panel.progress_label.text().startswith("Cancelled")
    assert panel.status.status != "cached"


def test_the_download_asks_first_with_its_size_and_the_free_space(qtbot, hub, panel, monkeypatch):
    plan = confirmed_download(qtbot, panel, answer=False)
    assert panel.job is None and not panel.reference_dir.exists()  # declined: nothing fetched
    assert plan.chromosomes == ["21", "22"] and plan.total_bytes == plan.to_download_bytes == 400_000
    title, text = download_question(plan, panel.reference_dir)
    assert title == "Download the reference?"
    assert "(chromosomes 21, 22): 400.0 KB" in text and "Free space on that disk: " in text
    monkeypatch.setattr(download, "disk_free_bytes", lambda path: 1_000)
    tight = download.plan_download(panel.reference_dir, chromosomes="21,22")
    title, text = download_question(tight, panel.reference_dir)
    assert not tight.enough_space and title == "Not enough free space"
    assert "399.0 KB more is needed" in text and "fewer chromosomes in Settings" in text


def test_the_full_reference_is_asked_about_by_its_size(qtbot, hub, tmp_path):
    plan = download.plan_download(tmp_path / "cache", chromosomes="all")
    title, text = download_question(plan, tmp_path / "cache")
    assert text.startswith("The Ensembl variation reference (all 2 chromosome files): 400.0 KB")


def test_a_chosen_subset_and_the_demo_slice_are_named_as_such(qtbot, hub, panel):
    confirmed_download(qtbot, panel)
    qtbot.waitUntil(lambda: panel.job is None and panel.status.num_files == 2, timeout=20_000)
    assert panel.status.status in ("cached", "unverified")
    text = panel.fields["status"].text()
    assert text.startswith("A chosen subset") and "chromosomes 21, 22" in text
    assert "Incomplete" not in text and "Settings" in text
    assert panel.short_status.endswith("(chromosomes 21, 22)")
    demo = ReferencePanel(panel.jobs, DEMO_REFERENCE_DIR)
    qtbot.addWidget(demo)
    demo.refresh()
    assert demo.fields["status"].text().startswith("The bundled demo slice")
    assert demo.short_status == "the bundled demo slice"
    assert demo.fields["files"].text() == "1" and "release 84" in demo.fields["revision"].text()


def test_a_long_download_error_wraps_and_never_widens_the_page(qtbot, panel, monkeypatch):
    """Issue 21: an offline download error widened the Reference page at 1024x640, with a
    horizontal scroll bar."""
    from PySide6.QtWidgets import QScrollArea

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/a/very/long/mirror/path/of/the/hub/"
                                      "that/a/lab/configured/for/its/own/network")
    page = QScrollArea()
    page.setWidgetResizable(True)
    page.setWidget(panel)
    qtbot.addWidget(page)
    page.resize(700, 600)  # the Reference tab's width in a 1024 px window
    page.show()
    panel.download_button.click()
    qtbot.waitUntil(lambda: panel.progress_label.text().startswith("Failed:"), timeout=20_000)
    assert "cannot reach http://127.0.0.1:9/a/very/long/mirror" in panel.progress_label.text()
    qtbot.wait(50)
    assert panel.minimumSizeHint().width() <= page.viewport().width()
    assert not page.horizontalScrollBar().isVisible()
    assert panel.progress_label.height() > panel.progress_label.fontMetrics().height() * 1.5
    page.takeWidget()  # the fixture's panel: the fixture ends it
