"""Modules in the window: the bundled demo annotated with a real compiled module shows its three
findings in the Summary; adding or removing a module on the Modules page rescans and the queue
makes the samples' findings again (a `findings` job, a `findings` run); with automatic
annotation off, Update findings does it for one sample or for all; and the pages fit 1024×640."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QScrollArea

from just_dna_desktop.core.modules.store import ModuleStore
from just_dna_desktop.core.reference.demo import DEMO_MODULES_DIR
from just_dna_desktop.core.reference.demo import DEMO_VCF
from just_dna_desktop.gui.findings_view import NO_MODULES, NOT_RUN

from hub_server import HubServer
from window_helpers import activate, add_sample, inside, rescan, select

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]

COMPILED = DEMO_MODULES_DIR  # the test modules, compiled by just-dna-compiler
# What the APP region panel says about the demo sample (HG00096), as `findings` prints it.
DEMO_RESULTS = (
    "Alzheimer disease: you have no copy of a variant in APP: both your copies match the "
    "reference genome.",
    "No condition recorded: you have two copies of a variant in MRPL39.",
    "No condition recorded: you have one copy of a variant in MRPL39.")


@pytest.fixture(autouse=True)
def empty_hub(monkeypatch):
    """The Modules page asks its sources when first shown: a loopback Hub without the dataset,
    never the real one. (Not HF_HUB_OFFLINE: huggingface_hub keeps the value it read at import
    for the rest of the process, which made later tests offline.)"""
    server = HubServer().start()
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()


def findings_text(window) -> str:
    view = window.summary_view.findings
    return view.browser.toPlainText() if view.page is not None else ""


def shows_demo_findings(window) -> bool:
    text = findings_text(window)
    return all(result in text for result in DEMO_RESULTS)


def add_module(qtbot, window, name: str) -> None:
    """Add a compiled module on the Modules page, as a person would."""
    panel = window.modules_panel
    panel.choose_folder = lambda: COMPILED / name
    with qtbot.waitSignal(panel.changed, timeout=30_000):
        panel.add_button.click()
    assert panel.message.text().startswith("Installed "), panel.message.text()


def test_the_demo_annotated_with_a_module_shows_its_three_findings(qtbot, make_window):
    window = make_window(auto_annotate=False)
    ModuleStore(window.settings.cache_dir).add_folder(COMPILED / "clinvar_app_demo")
    target = window.settings.input_dir / "alice" / "demo.vcf"
    target.parent.mkdir(parents=True)
    target.write_bytes(DEMO_VCF.read_bytes())
    rescan(qtbot, window)
    with qtbot.waitSignal(window.sample_annotated, timeout=120_000):
        window.annotate("alice/demo")  # the engine in its child process, then the findings
    select(window, "alice/demo")
    qtbot.waitUntil(lambda: shows_demo_findings(window), timeout=20_000)
    text = findings_text(window)
    assert text.startswith("What your genome says\n3 findings from 1 annotation module")
    assert "APP region panel (ClinVar, test data) 0.1.0" in text
    # the APP row is about a variant the demo does not carry: its word grades the variant
    assert ("How sure this variant matters (you do not carry it): likely · In this module's "
            "scoring: no effect known") in text
    assert text.rstrip().endswith("This is not a diagnosis.")
    assert not window.summary_view.findings.notice.isVisibleTo(window)

    # The Runs tab lists the findings run with its kind, its sample and its findings.
    window.history_view.refresh()
    model = window.history_view.model
    rows = [[model.data(model.index(r, c)) for c in (1, 2, 3, 6)] for r in range(model.rowCount())]
    assert rows == [["alice/demo", "findings (manual)", "succeeded", "3 findings"],
                    ["alice/demo", "annotate (manual)", "succeeded", "132"]]
    window.history_view.table.selectRow(0)
    assert window.history_view.open_button.isEnabled()  # opens the result the findings read
    details = window.history_view.details.text()
    assert details.startswith(f"Run: #{window.history_view.model.runs[0].id}: findings, succeeded")
    assert "Sample: alice/demo" in details and "Findings: 3" in details
    assert "Modules: APP region panel (ClinVar, test data) 0.1.0: 3 findings" in details


def test_a_module_added_or_removed_makes_the_queue_run_the_findings_alone(qtbot, make_window):
    window = make_window()  # automatic annotation on
    add_sample(window, "alice/demo", DEMO_VCF)  # annotated before any module was installed
    rescan(qtbot, window)
    window.show()
    qtbot.waitExposed(window)
    select(window, "alice/demo")
    view = window.summary_view.findings
    qtbot.waitUntil(lambda: view.notice.text() == NO_MODULES, timeout=20_000)
    with qtbot.waitSignal(view.modules_page_requested):
        view.modules_button.click()
    assert window.tabs.currentWidget().widget() is window.modules_panel  # the Modules page
    qtbot.waitUntil(lambda: window.modules_panel.listing is not None, timeout=20_000)
    assert window.modules_panel.sources.text().startswith(
        "Could not look at just-dna-seq/annotators: ")  # one line, no traceback
    assert len(window.modules_panel.sources.text().splitlines()) == 1

    output = window.workspace.output_file("alice", "demo")
    annotated_at = output.stat().st_mtime_ns
    jobs = []
    window.jobs.job_added.connect(jobs.append)
    with qtbot.waitSignal(window.queue.findings_updated, timeout=60_000) as blocker:
        add_module(qtbot, window, "clinvar_app_demo")
    assert blocker.args == ["alice/demo"]
    found = next(j for j in jobs if j.kind == "findings")
    assert found.title == "Findings for alice/demo" and not found.quiet  # in the jobs panel
    assert output.stat().st_mtime_ns == annotated_at  # the reference join was not redone
    run = window.history.list_runs(limit=1)[0]
    assert (run.kind, run.trigger, run.partition_key, run.status) == \
        ("findings", "auto", None, "succeeded")
    qtbot.waitUntil(lambda: shows_demo_findings(window), timeout=20_000)
    assert window.samples.entry(window.samples.index_of("alice/demo")).state == "annotated"

    # Removed: the findings are made again, to say no module was used.
    panel = window.modules_panel
    panel.confirm_remove = lambda module: True
    panel.installed_table.selectRow(0)
    with qtbot.waitSignal(window.queue.findings_updated, timeout=60_000):
        panel.remove_button.click()
    qtbot.waitUntil(lambda: view.notice.text() == NO_MODULES, timeout=20_000)
    assert not view.browser.isVisibleTo(window)


def test_with_automatic_annotation_off_update_findings_for_one_or_for_all(qtbot, make_window):
    window = make_window(auto_annotate=False)
    for key in ("alice/demo", "bob/demo"):
        add_sample(window, key, DEMO_VCF)
    rescan(qtbot, window)
    select(window, "alice/demo")
    view = window.summary_view.findings
    qtbot.waitUntil(lambda: view.notice.text() == NO_MODULES, timeout=20_000)
    add_module(qtbot, window, "clinvar_app_demo")
    qtbot.waitUntil(lambda: view.notice.text() == NOT_RUN, timeout=20_000)  # nothing ran by itself
    assert window.scheduler.queued() == [] and not [r for r in window.history.list_runs()
                                                    if r.kind == "findings"]
    assert view.update_button.isVisibleTo(window)
    with qtbot.waitSignal(window.queue.findings_updated, timeout=60_000):
        view.update_button.click()
    qtbot.waitUntil(lambda: shows_demo_findings(window), timeout=20_000)
    assert window.actions["update_findings"].isEnabled()  # also in the Sample menu

    # The Modules page's button: every sample whose findings are due (bob's), in turn.
    panel = window.modules_panel
    with qtbot.waitSignal(window.queue.findings_updated, timeout=60_000) as blocker:
        panel.update_button.click()
    assert blocker.args == ["bob/demo"]
    assert panel.message.text() == "Making the findings of 1 sample again: bob/demo."
    runs = [(r.user, r.sample, r.trigger) for r in window.history.list_runs() if r.kind == "findings"]
    assert sorted(runs) == [("alice", "demo", "manual"), ("bob", "demo", "auto")]
    panel.update_button.click()  # again: nothing is due now
    qtbot.waitUntil(lambda: panel.message.text() == "Every sample's findings are up to date.",
                    timeout=20_000)


def test_the_summary_s_findings_and_the_modules_page_fit_1024_by_640(qtbot, make_window):
    window = make_window(auto_annotate=False)
    store = ModuleStore(window.settings.cache_dir)
    for name in ("clinvar_app_demo", "pgx_cpic", "traits_demo"):
        store.add_folder(COMPILED / name)
    add_sample(window, "alice/demo", DEMO_VCF)
    rescan(qtbot, window)
    window.resize(1024, 640)
    activate(qtbot, window)
    select(window, "alice/demo")
    view = window.summary_view.findings
    qtbot.waitUntil(lambda: view.update_button.isVisible(), timeout=20_000)
    with qtbot.waitSignal(window.queue.findings_updated, timeout=60_000):
        view.update_button.click()
    qtbot.waitUntil(lambda: shows_demo_findings(window), timeout=20_000)
    view.browser.anchorClicked.emit(QUrl("fold:0"))  # a professional's details, open
    qtbot.wait(100)
    assert (window.width(), window.height()) == (1024, 640)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 640
    summary_scroll = window.summary_view.findChild(QScrollArea)
    assert not summary_scroll.horizontalScrollBar().isVisible()
    assert view.browser.document().size().width() <= view.browser.viewport().width()
    assert inside(window, window.summary_view.export_button)

    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)  # View → Modules
    page = window.tabs.currentWidget()
    assert page.widget() is window.modules_panel
    qtbot.wait(100)
    assert not page.horizontalScrollBar().isVisible()
    for button in (window.modules_panel.add_button, window.modules_panel.verify_button,
                   window.modules_panel.remove_button, window.modules_panel.update_button):
        assert inside(page.viewport(), button), button.text()
