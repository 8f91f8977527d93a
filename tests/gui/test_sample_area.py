"""The Results tab's page alone: the real results, failed and status pages over a real history and
a real annotated file; the window's state context replaced by a fixed one."""

import pytest
from PySide6.QtCore import QModelIndex

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.gui.failed_page import FailedPage
from just_dna_desktop.gui.results_view import ResultsView
from just_dna_desktop.gui.sample_area import SampleArea
from just_dna_desktop.gui.samples_model import SampleEntry, SamplesModel
from just_dna_desktop.gui.status_page import StatusPage

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support")]  # offscreen platform


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "alice" / "genome" / "user_annotated_vcf.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, out, user="alice", sample="genome")
    return out


@pytest.fixture
def area(qtbot, tmp_path):
    history = History(tmp_path / "history.sqlite")
    context = {"running": False, "queued_in": (1, None), "auto": True,
               "waiting_for_reference": False}
    area = SampleArea(ResultsView(), FailedPage(), StatusPage(), history, lambda entry: context)
    qtbot.addWidget(area)
    yield area
    area.results.close_file()
    history.close()


def model_of(*entries, users=()):
    model = SamplesModel()
    model.set_entries(entries, users)
    return model


def test_an_annotated_sample_shows_its_table_and_another_closes_it(area, annotated, tmp_path):
    samples = model_of(SampleEntry("alice", "genome", "annotated", DEMO_VCF, annotated),
                       SampleEntry("bob", "new", "new", DEMO_VCF, tmp_path / "none.parquet"))
    shown = area.show_selection(samples, samples.index_of("alice/genome"))
    assert shown.key == "alice/genome" and area.currentWidget() is area.results
    assert area.results.model.rowCount() >= 132 and area.results.key == "alice/genome"
    assert area.show_selection(samples, samples.index_of("bob/new")) is None
    assert area.results.model.query is None  # closed: never alice's table under bob's name
    assert area.currentWidget() is area.status_page
    assert area.status_page.title.text() == "bob/new: not annotated yet"


def test_a_failed_run_shows_its_reason_and_events(area):
    history = area.history
    run = history.record(partition_key="carol/old", user="carol", sample="old", status="running")
    history.add_event(run, "Reading old.vcf")
    history.update(run, status="failed", error="old.vcf:3: not a number in POS: 'x'")
    samples = model_of(SampleEntry("carol", "old", "failed", DEMO_VCF,
                                   extra={"run": history.list_runs()[0]}))
    assert area.show_selection(samples, samples.index_of("carol/old")) is None
    page = area.failed_page
    assert area.currentWidget() is page and page.title.text() == "carol/old could not be annotated"
    assert "not a number in POS" in page.reason.toPlainText()
    assert "Reading old.vcf" in page.log.toPlainText()


def test_a_person_or_nothing_selected_says_what_to_do(area):
    samples = model_of(SampleEntry("alice", "a"), SampleEntry("alice", "b"), users=["dan"])
    area.show_selection(samples, samples.index_of("alice"))
    assert (area.status_page.title.text(), area.status_page.text.text()) == (
        "alice", "alice has 2 samples: select one to see its results.")
    area.show_selection(samples, samples.index_of("dan"))
    assert area.status_page.text.text().startswith("dan has no samples yet: drop a genome file")
    area.show_selection(samples, QModelIndex())
    assert area.status_page.title.text() == "No sample selected"


def test_a_queued_sample_shows_its_place_and_a_damaged_file_is_said(area, tmp_path):
    damaged = tmp_path / "user_annotated_vcf.parquet"
    damaged.write_bytes(b"not parquet")
    waiting = SampleEntry("erin", "w", "queued", DEMO_VCF)
    samples = model_of(waiting, SampleEntry("erin", "x", "annotated", DEMO_VCF, damaged))
    area.show_selection(samples, samples.index_of("erin/w"))
    area.show_waiting(waiting)
    assert area.status_page.title.text() == "erin/w: queued"
    assert "waits for 1 other sample before it" in area.status_page.text.text()
    assert area.show_selection(samples, samples.index_of("erin/x")) is None
    assert area.status_page.title.text() == "erin/x: the results cannot be opened"
    assert area.status_page.text.text().startswith(f"{damaged}: ")
