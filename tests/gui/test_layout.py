"""A layout that holds: long texts never widen the window, everything fits 1024×640, and the
jobs and metrics dock can be closed from View, is remembered, and comes back when a job starts."""

import pytest

from just_dna_desktop.core.reference.demo import DEMO_VCF
from just_dna_desktop.core.workspace.failures import explain_failure
from just_dna_desktop.gui.jobs import Job

from window_helpers import activate, add_sample, as_shown, inside, rescan, select

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support")]  # offscreen platform

LONG_PATH = "/home/someone/" + "a-very-long-folder-name-" * 60 + "genome.vcf"


def small_window_with_a_sample(qtbot, make_window):
    window = make_window(auto_annotate=False)
    add_sample(window, "alice/genome", DEMO_VCF)
    rescan(qtbot, window)
    window.resize(1024, 640)
    activate(qtbot, window)
    select(window, "alice/genome")
    window.actions["tab_results"].trigger()  # selecting an annotated sample shows its Summary
    return window


def test_long_messages_never_widen_the_window(qtbot, make_window):
    window = small_window_with_a_sample(qtbot, make_window)
    failure = f"alice/genome failed: {LONG_PATH}: this VCF looks like GRCh37, but the reference is GRCh38"
    window.metrics.stop(failure)  # the header that once pushed Columns and Export off-screen
    window.metrics.show_run({"partition_key": None, "source_vcf": LONG_PATH, "rows_out": 10**9})
    window.results.set_notice("Partial result: " + ", ".join(str(c) for c in range(1, 23)) * 3)
    window.results.count.setText(f"Exported 1,234 rows to {LONG_PATH}")
    window.results.title.setText(f"alice/genome  ·  {LONG_PATH}")
    window.statusBar().showMessage(failure)
    window.jobs.submit(Job(f"Annotate {LONG_PATH}", lambda job: job.cancel_token.wait(5)))
    window.reference_panel.fields["path"].setText(LONG_PATH)
    window.failed_page.show_failure("alice/genome", explain_failure(failure), [])
    window.status_page.show_state("alice/genome: queued", failure)
    qtbot.wait(100)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 640
    assert (window.width(), window.height()) == (1024, 640)
    for widget in (window.results.columns_button, window.results.export_button,
                   window.metrics.values["alleles_matched"]):
        assert inside(window, widget), widget
    assert window.metrics.live_title.text() == failure  # whole, in the tooltip when elided
    assert as_shown(window.metrics.live_title.toolTip()) == failure
    window.jobs.cancel_all()
    window.jobs.wait()


def test_a_long_queue_never_grows_the_window(qtbot, make_window):
    """A queued sample is a row in the jobs dock: 20 of them made the window taller than the
    screen (the dock's panel had no scroll area)."""
    from just_dna_desktop.gui.jobs_panel import MAX_QUEUE_ROWS

    window = small_window_with_a_sample(qtbot, make_window)
    window.jobs_panel.set_queue([(f"person{i:03}/sample", None) for i in range(300)])
    qtbot.wait(100)
    assert len(window.jobs_panel.queue_rows) == MAX_QUEUE_ROWS
    assert window.minimumSizeHint().height() <= 640
    assert (window.width(), window.height()) == (1024, 640)
    assert inside(window, window.results.export_button)
    assert window.jobs_dock.height() < 640 // 2


def test_everything_fits_1024_by_640(qtbot, make_window):
    window = small_window_with_a_sample(qtbot, make_window)
    for widget in (window.results.search, window.results.carried, window.results.columns_button,
                   window.results.export_button, window.tree):
        assert inside(window, widget), widget
    for action in ("tab_runs", "tab_reference"):
        window.actions[action].trigger()
        qtbot.wait(20)
    assert inside(window, window.reference_panel.download_button)
    window.actions["tab_summary"].trigger()
    qtbot.waitUntil(lambda: window.summary_view.summary is not None, timeout=20_000)
    assert inside(window, window.summary_view.export_button)
    assert window.size().width() == 1024


def test_the_jobs_dock_closes_from_view_is_remembered_and_returns_for_a_job(qtbot, make_window):
    window = small_window_with_a_sample(qtbot, make_window)
    table = window.results.table
    rows_before = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    toggle = window.actions["toggle_jobs"]
    assert toggle.isChecked() and toggle.text() == "&Jobs and metrics"
    toggle.trigger()
    qtbot.wait(50)
    assert window.jobs_dock.isHidden() and not toggle.isChecked()
    rows_after = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows_after >= rows_before + 2  # (idle, the panel was a line already)
    window.ui_state.sync()

    again = make_window(auto_annotate=False)  # the next start: still closed
    activate(qtbot, again)
    assert again.jobs_dock.isHidden() and not again.actions["toggle_jobs"].isChecked()
    job = again.jobs.submit(Job("Download the reference", lambda job: job.cancel_token.wait(5)))
    assert again.jobs_dock.isVisible()  # shown again while something runs
    job.cancel()
    again.jobs.wait()
    assert again.ui_state.value("window/jobs_dock_visible") == "false"  # the person's choice stays
