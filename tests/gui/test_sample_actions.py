"""The sample actions alone: a real list, model, pool, Runs tab (over a real history) and failed
page; the window's callbacks and the desktop's opener replaced by ones that note what they get."""

import threading

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QMessageBox, QWidget

from just_dna_desktop.core.workspace.failures import explain_failure
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.gui.failed_page import FailedPage
from just_dna_desktop.gui.history_view import HistoryView
from just_dna_desktop.gui.jobs import Job, JobManager
from just_dna_desktop.gui.sample_actions import SampleActions
from just_dna_desktop.gui.sample_tree import SampleTree
from just_dna_desktop.gui.samples_model import SampleEntry, SamplesModel

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


class Made:
    """The sample actions and what their collaborators were asked to do."""

    def __init__(self, qtbot, tmp_path):
        self.parent = QWidget()
        qtbot.addWidget(self.parent)
        self.vcf = tmp_path / "input" / "alice" / "genome.vcf"
        self.output = tmp_path / "output" / "alice" / "genome" / "user_annotated_vcf.parquet"
        for path in (self.vcf, self.output):
            path.parent.mkdir(parents=True)
            path.write_bytes(b"x")
        self.samples = SamplesModel(self.parent)
        self.samples.set_entries(
            [SampleEntry("alice", "genome", "annotated", self.vcf, self.output),
             SampleEntry("bob", "new", "new", tmp_path / "input" / "bob" / "new.vcf",
                         tmp_path / "output" / "bob" / "new" / "user_annotated_vcf.parquet")],
            users=["carol"])
        self.tree = SampleTree(self.parent)
        self.tree.setModel(self.samples)
        self.jobs = JobManager(parent=self.parent)
        self.history = History(tmp_path / "history.sqlite")
        self.history_view = HistoryView(self.history, self.parent)
        self.history_view.set_users(self.samples.users)
        self.failed_page = FailedPage(self.parent)
        self.calls, self.opened = [], []
        self.actions = SampleActions(
            self.tree, self.samples, self.jobs, self.history_view, self.failed_page,
            annotate=lambda key, **options: self.calls.append(("annotate", key, options)),
            cancel=lambda key: self.calls.append(("cancel", key)),
            open_sample=lambda entry: self.calls.append(("open_sample", entry.key)),
            show_tab=lambda page: self.calls.append(("show_tab", page)),
            choose_files=lambda user=None: self.calls.append(("choose_files", user)),
            parent=self.parent, opener=self.opened.append,
            update_findings=lambda key: self.calls.append(("update_findings", key)))

    def select(self, key):
        self.tree.setCurrentIndex(self.samples.index_of(key))
        self.actions.update()

    def enabled(self):
        return {name for name, action in self.actions.actions.items() if action.isEnabled()}


@pytest.fixture
def made(qtbot, tmp_path):
    made = Made(qtbot, tmp_path)
    yield made
    made.jobs.close()
    made.jobs.wait(10_000)
    made.history.close()


def test_folders_and_files_open_where_the_sample_is(made):
    made.select("alice/genome")
    made.actions.actions["open_output_folder"].trigger()
    made.actions.actions["reveal_input"].trigger()
    made.actions.open_input_file()
    assert made.opened == [made.output.parent, made.vcf.parent, made.vcf]
    made.actions.actions["show_results"].trigger()
    assert made.calls == [("open_sample", "alice/genome")]


def test_the_commands_are_enabled_for_what_the_selected_sample_allows(qtbot, made):
    assert made.enabled() == set()  # nothing selected
    made.select("bob/new")  # no result yet, no output folder
    assert made.enabled() == {"annotate", "reveal_input", "show_history"}
    made.select("alice/genome")
    assert made.enabled() == {"annotate", "update_findings", "show_results",
                              "open_output_folder", "reveal_input", "show_history"}
    made.actions.actions["update_findings"].trigger()  # the modules' findings of its result
    assert made.calls.pop() == ("update_findings", "alice/genome")
    started = threading.Event()

    def work(job):
        started.set()
        job.cancel_token.wait(10)
        job.cancel_token.raise_if_cancelled()

    job = made.jobs.submit(Job("Annotate alice/genome", work, kind="annotate", key="alice/genome"))
    made.actions.update()  # the window calls it when a job is added or done
    assert "cancel" in made.enabled() and "annotate" not in made.enabled()
    made.actions.actions["cancel"].trigger()
    assert made.calls == [("cancel", "alice/genome")]
    with qtbot.waitSignal(job.signals.cancelled, timeout=10_000):
        job.cancel()


def test_the_context_menus_of_a_sample_a_person_and_the_empty_space(made):
    menu = made.actions.sample_menu(made.samples.index_of("bob/new"))
    assert made.actions.selected_entry().key == "bob/new"  # the menu acts on what was clicked
    assert [a.text() for a in menu.actions() if a.text()] == [
        "&Annotate now", "&Cancel", "Update &findings", "Show &results", "Open &output folder",
        "Reveal &input file", "Show &history"]
    menu.actions()[0].trigger()
    assert made.calls == [("annotate", "bob/new", {})]

    person = made.actions.sample_menu(made.samples.index_of("carol"))
    add, history = person.actions()
    assert (add.text(), history.text()) == ("Add a genome file for carol…", "Show history")
    add.trigger()
    assert made.calls[-1] == ("choose_files", "carol")

    empty = made.actions.sample_menu(QModelIndex())
    assert [a.text() for a in empty.actions()] == ["Add a genome file…"]


def test_show_history_filters_the_runs_to_the_sample_and_shows_the_tab(made):
    for key in ("alice/genome", "bob/new"):
        user, _, sample = key.partition("/")
        made.history.record(partition_key=key, user=user, sample=sample, status="succeeded")
    made.select("alice/genome")
    made.actions.actions["show_history"].trigger()
    assert made.history_view.user_filter.currentText() == "alice"
    assert made.history_view.text_filter.text() == "alice/genome"
    assert [run.partition_key for run in made.history_view.model.runs] == ["alice/genome"]
    assert made.calls == [("show_tab", made.history_view)]


def test_annotating_by_position_asks_first_naming_the_files_build(made, monkeypatch, tmp_path):
    made.failed_page.show_failure("alice/genome", explain_failure(
        f"{tmp_path}/genome.vcf: this VCF looks like GRCh37, but the reference is GRCh38, and "
        "none of its 132 alleles has an rsID to match by instead; lift it over"), [])
    asked = []

    def answer(reply):
        def warning(parent, title, text, buttons, default):
            asked.append((title, text, default))
            return reply
        return staticmethod(warning)

    monkeypatch.setattr(QMessageBox, "warning", answer(QMessageBox.StandardButton.Cancel))
    assert made.actions.annotate_by_position("alice/genome") is None
    assert made.calls == []  # declined: nothing runs
    title, text, default = asked[0]
    assert title == "Annotate by position anyway?"
    assert text.startswith("alice/genome is a GRCh37 file.")
    assert default == QMessageBox.StandardButton.Cancel  # Enter does not say yes
    monkeypatch.setattr(QMessageBox, "warning", answer(QMessageBox.StandardButton.Yes))
    made.actions.annotate_by_position("alice/genome")
    assert made.calls == [("annotate", "alice/genome",
                           {"match_by": "position", "ignore_build_mismatch": True})]
