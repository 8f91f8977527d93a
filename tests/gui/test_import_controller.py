"""The import controller alone: a temporary workspace, the real jobs pool and samples model, and a
plain widget for its dialogs (the dialog is answered as a person would)."""

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QWidget

from just_dna_desktop.core.reference.demo import DEMO_VCF
from just_dna_desktop.core.workspace.samples import Workspace
from just_dna_desktop.gui.import_controller import ImportController
from just_dna_desktop.gui.import_dialog import ImportDialog
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.gui.samples_model import SampleEntry, SamplesModel

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def importer(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    samples = SamplesModel(parent)
    samples.set_entries([SampleEntry("alice", "a")], users=["bob"])
    jobs = JobManager(parent=parent)
    workspace = Workspace(tmp_path / "input", tmp_path / "output")
    yield ImportController(workspace, jobs, samples, lambda: "alice", parent)
    jobs.close()
    jobs.wait(10_000)


@pytest.fixture
def answered(monkeypatch):
    """Every import dialog is accepted as filled in; what it offered is kept."""
    seen = []

    def accept(dialog):
        seen.append((dialog.user(), dialog.choices(), dialog.validate()))
        return ImportDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", accept)
    return seen


def mime_of(*paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(mime):
    return QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)


def test_a_dropped_file_is_copied_for_the_selected_person_and_reported(qtbot, importer, answered,
                                                                      tmp_path):
    dropped = tmp_path / "My Genome.vcf"
    dropped.write_bytes(DEMO_VCF.read_bytes())
    mime = mime_of(dropped)  # the event does not own it
    with qtbot.waitSignal(importer.imported, timeout=10_000) as blocker:
        importer.dropped(drop(mime))
    assert answered == [("alice", [(dropped, "alice", "My Genome")], [])]
    assert blocker.args == [["alice/My Genome"]]
    copied = tmp_path / "input" / "alice" / "My Genome.vcf"
    assert copied.read_bytes() == DEMO_VCF.read_bytes()
    assert dropped.is_file()  # a copy: the person's own file stays where it was


def test_the_dialog_knows_the_samples_already_taken(importer, answered, tmp_path):
    dropped = tmp_path / "a.vcf"
    dropped.write_bytes(DEMO_VCF.read_bytes())
    dialog = importer.import_dialog([dropped], "")
    assert dialog.user() == "alice"  # the person selected in the list
    assert any("already has a sample 'a'" in problem for problem in dialog.validate())


def test_a_file_that_is_no_genome_file_is_refused_with_its_name(qtbot, importer, answered, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\nmilk\n")
    imported = []
    importer.imported.connect(imported.append)
    with qtbot.waitSignal(importer.error, timeout=10_000) as blocker:
        importer.start_import([(notes, "bob", "notes")])
    title, message = blocker.args
    assert title == "Import failed" and str(notes) in message
    assert imported == [] and not (tmp_path / "input" / "bob").exists()


def test_only_genome_files_are_accepted_as_a_drag(importer, tmp_path):
    vcf, pdf = tmp_path / "genome.vcf.gz", tmp_path / "letter.pdf"

    def drag(mime):
        return QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                               Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)

    mimes = mime_of(vcf), mime_of(pdf)  # the events do not own them
    taken, refused = drag(mimes[0]), drag(mimes[1])
    importer.drag_entered(taken)
    importer.drag_entered(refused)
    assert taken.isAccepted() and not refused.isAccepted()


def test_the_file_chooser_imports_for_the_person_it_was_opened_for(qtbot, importer, answered,
                                                                   monkeypatch, tmp_path):
    chosen = tmp_path / "exome.vcf"
    chosen.write_bytes(DEMO_VCF.read_bytes())
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *args: ([str(chosen)], "Genome files")))
    with qtbot.waitSignal(importer.imported, timeout=10_000) as blocker:
        importer.choose_files("bob")
    assert blocker.args == [["bob/exome"]]
    assert (tmp_path / "input" / "bob" / "exome.vcf").is_file()
