"""The Summary tab in the window: first for an annotated sample, its clicks open the filtered
table, File -> Export report, and never another person's summary under the selection."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from just_dna_desktop.core.reference.demo import DEMO_VCF

from test_report import assert_self_contained

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


@pytest.fixture
def annotated(qtbot, make_window):
    """A window whose alice/HG00096 (the demo) has just been annotated, its summary on screen."""
    window = make_window()
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        window.start_import([(DEMO_VCF, "alice", "HG00096")])
    qtbot.waitUntil(lambda: window.summary_view.summary is not None, timeout=20_000)
    return window


def test_the_summary_is_the_first_tab_and_shows_the_new_result(annotated):
    window = annotated
    assert window.tabs.widget(0) is window.summary_view and window.tabs.tabText(0) == "Summary"
    assert window.tabs.currentWidget() is window.summary_view
    summary = window.summary_view.summary
    assert summary.sample == "alice/HG00096" and summary.carried == 2
    assert window.summary_view.cards["carried"].value.text() == "2"
    assert window.actions["tab_summary"].shortcut().toString() == "Ctrl+1"


def test_a_chromosome_bar_opens_the_table_on_that_chromosome(qtbot, annotated):
    window = annotated
    window.summary_view.chromosomes.bar_clicked.emit(0)
    assert window.tabs.currentWidget() is window.sample_area  # the Results tab, showing the table
    assert window.sample_area.currentWidget() is window.results
    assert window.results.search.text() == "chr21"
    assert window.results.carried.isChecked()  # the bar counts carried alleles: so does the table
    qtbot.waitUntil(lambda: window.results.model.query.spec.text == "chr21")
    assert window.results.model.rowCount() == window.summary_view.summary.per_chromosome["21"] == 2


def test_the_flagged_card_opens_the_clinically_flagged_rows(qtbot, annotated):
    window = annotated
    window.summary_view.cards["flagged"].clicked.emit()
    assert window.tabs.currentWidget() is window.sample_area  # the Results tab, showing the table
    assert window.sample_area.currentWidget() is window.results
    assert window.results.clinical.isChecked() and not window.results.rare.isChecked()
    assert window.results.search.text() == "" and window.results.carried.isChecked()
    qtbot.waitUntil(lambda: window.results.model.query.spec.clinical_only)
    assert window.results.model.rowCount() == window.summary_view.summary.clinical["any"]


def test_file_export_report_writes_it(qtbot, annotated, tmp_path, monkeypatch):
    window = annotated
    target = tmp_path / "alice.html"
    asked = {}

    def save(parent, caption, directory, *rest):
        asked["directory"] = directory
        return str(target), "HTML report (*.html)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
    with qtbot.waitSignal(window.summary_view.report_written, timeout=20_000):
        window.actions["export_report"].trigger()
    assert Path(asked["directory"]).name == "alice_HG00096_report.html"
    assert_self_contained(target.read_text(encoding="utf-8"))
    assert "alice/HG00096" in target.read_text(encoding="utf-8")


def test_export_without_a_sample_says_what_to_do(make_window, monkeypatch):
    window = make_window(auto_annotate=False)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: pytest.fail("no dialog without a summary")))
    window.actions["export_report"].trigger()
    assert "Select an annotated sample first" in window.statusBar().currentMessage()


def test_a_sample_without_results_clears_the_previous_summary(qtbot, annotated):
    """On a family computer, one person's summary never stays under another's selection."""
    window = annotated
    # bob's sample waits for the minimum interval between automatic runs (60 s): no results yet
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000,
                          check_params_cb=lambda: window.samples.index_of("bob/exome").isValid()):
        window.start_import([(DEMO_VCF, "bob", "exome")])
    window.tree.setCurrentIndex(window.samples.index_of("bob/exome"))
    assert window.summary_view.summary is None
    assert not window.summary_view.body.isVisible()
    assert "Click an annotated sample" in window.summary_view.title.text()


def test_a_file_whose_rsids_doubt_its_build_is_offered_annotation_by_rsid(qtbot, make_window,
                                                                          tmp_path):
    """The demo's calls at GRCh37 positions, the header saying nothing, matched by position
    because a person asked: its own rsIDs are not the reference's; the Summary says so and
    offers the other way, which is then kept for the sample."""
    from workspace_helpers import grch37_without_build

    from just_dna_desktop.core.workspace import choices

    window = make_window()
    vcf = grch37_without_build(tmp_path / "old-build.vcf", shift=7)
    window.history.set_choice("carol/old-chip", match_by="position", ignore_build_mismatch=True,
                              chosen_by="person")
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        window.start_import([(vcf, "carol", "old-chip")])
    view = window.summary_view
    qtbot.waitUntil(lambda: view.summary is not None, timeout=20_000)
    # the few positions that hit a variant hit another one (none is the file's own rsID)
    assert view.summary.run["match_by"] == "position" and view.summary.matched < 10
    assert view.summary.run["own_rsids_confirmed"] == 0
    assert "probably on another genome build" in view.status.text()
    assert view.rsid_button.isVisibleTo(view)
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        view.rsid_button.click()
    qtbot.waitUntil(lambda: view.summary is not None and view.summary.run.get("match_by") == "rsid",
                    timeout=20_000)
    assert view.summary.matched == 132 and not view.rsid_button.isVisibleTo(view)
    latest = window.history.list_runs(partition_key="carol/old-chip", limit=1)[0]
    assert latest.status == "succeeded" and latest.trigger == "manual"
    assert choices.kept(window.history, "carol/old-chip").match_by == "rsid"


def test_the_demo_is_not_offered_annotation_by_rsid(annotated):
    view = annotated.summary_view
    assert view.summary is not None and not view.rsid_button.isVisibleTo(view)
