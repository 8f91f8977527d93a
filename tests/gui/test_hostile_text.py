"""File content rendered as HTML in the window (issue 22, item 3): text from a file, a name or an
error is shown as written wherever Qt would read rich text (tooltips, labels, message boxes,
the failed page, the Runs tab), never drawn as markup: no local picture, no fake heading."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QWidget

from just_dna_desktop.core.engine.annotate import OUTPUT_METADATA_KEY
from just_dna_desktop.core.workspace.failures import explain_failure, explain_problem
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.gui.elided_label import ElidedLabel
from just_dna_desktop.gui.failed_page import FailedPage
from just_dna_desktop.gui.history_view import HistoryView
from just_dna_desktop.gui.results_model import ResultsModel
from just_dna_desktop.gui.samples_model import SampleEntry, SamplesModel
from just_dna_desktop.gui.startup import StartupDialog, StartupProblem
from just_dna_desktop.gui.status_page import StatusPage

from window_helpers import add_sample, as_shown, rescan, select

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support")]  # offscreen platform

HOSTILE = ('<img src="file:///usr/share/icons/hicolor/256x256/apps/x.png" width=900>'
           "<h1>Your genome is damaged, call 0800 000 000</h1>")


def assert_shown_as_written(text: str, expected: str = HOSTILE) -> None:
    """No tag of the hostile text reaches Qt, and what Qt draws holds it character for
    character."""
    assert "<img" not in text and "<h1" not in text, text
    assert expected in as_shown(text), as_shown(text)


def tooltip_size(qtbot, text: str) -> tuple[int, int]:
    """The size of the tooltip Qt really shows for `text`."""
    QToolTip.showText(QPoint(10, 10), text)
    tip = next(w for w in QApplication.topLevelWidgets()
               if w.inherits("QTipLabel") and w.isVisible())
    size = tip.sizeHint()
    tip.grab().save("/tmp/issue22-tooltip.png")
    QToolTip.hideText()
    return size.width(), size.height()


def test_the_sample_tree_tooltip_shows_a_hostile_first_line_as_text(qtbot, tmp_path):
    """The issue's case: the detail (the file's first line, quoted in why it is no genome
    file) and the path went into the tooltip unescaped: 908x1380 px with the picture."""
    model = SamplesModel()
    detail = f"Not a genome file: line 1: neither a VCF nor a genotyping file; found {HOSTILE!r}"
    model.set_entries([SampleEntry("erin", "notes", "failed", Path(f"/data/erin/{HOSTILE}.txt"),
                                   detail=detail)])
    tip = model.data(model.index_of("erin/notes"), Qt.ItemDataRole.ToolTipRole)
    assert_shown_as_written(tip)
    assert as_shown(tip).splitlines()[0] == "erin/notes"  # the key stays bold, on its own line
    width, height = tooltip_size(qtbot, tip)
    assert width < 900 and height < 300, (width, height)
    user_tip = model.data(model.index_of("erin"), Qt.ItemDataRole.ToolTipRole)
    assert as_shown(user_tip).startswith("erin: 1 sample")


def test_the_runs_tab_error_tooltip_shows_the_error_as_text(qtbot, tmp_path):
    history = History(tmp_path / "h.sqlite")
    run = history.record(partition_key="erin/notes", user="erin", sample="notes",
                         status="running")
    history.update(run, status="failed", error=f"/data/erin/notes.txt:1: found {HOSTILE}")
    view = HistoryView(history)
    qtbot.addWidget(view)
    view.refresh()
    tip = view.model.data(view.model.index(0, 3), Qt.ItemDataRole.ToolTipRole)
    assert_shown_as_written(tip)
    history.close()


def test_an_elided_labels_tooltip_shows_its_text_as_written(qtbot):
    label = ElidedLabel(f"alice/genome failed: {HOSTILE}")
    qtbot.addWidget(label)
    label.resize(120, 20)
    label.show()
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert_shown_as_written(label.toolTip())


def test_the_failed_and_status_pages_never_read_markup(qtbot):
    page = FailedPage()
    qtbot.addWidget(page)
    page.show_failure("erin/notes", explain_failure(f"/data/erin/notes.vcf:3: {HOSTILE}"), [],
                      run_id=None)
    page.show_failure("erin/notes", explain_problem(f"/data/erin/{HOSTILE}.txt", f"line 1: found {HOSTILE}"), [])
    status = StatusPage()
    qtbot.addWidget(status)
    status.show_message("erin/notes: the results cannot be opened", f"/x.parquet: {HOSTILE}")
    for widget in (page, status):
        for label in widget.findChildren(QLabel):
            if "<img" in label.text():
                assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert HOSTILE in status.text.text()


def test_a_start_up_message_box_shows_paths_as_written(qtbot, tmp_path):
    dialog = StartupDialog(StartupProblem("The run history cannot be used",
                                          f"{tmp_path}/{HOSTILE}/history.sqlite: damaged",
                                          ["Quit"]))
    qtbot.addWidget(dialog)
    labels = [label for label in dialog.findChildren(QLabel) if "<img" in label.text()]
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)


def test_a_results_cell_tooltip_shows_the_value_as_written(qtbot, tmp_path):
    """A marker ID (any column) written by the file reaches the table's tooltip escaped; the
    column header's tooltip too (a column name comes from the file)."""
    path = tmp_path / "result.parquet"
    pl.DataFrame({"chrom": ["21"], "start": [100], "ref": ["A"], "alt": ["G"],
                  "zygosity": ["het"], "rsid": [None], "marker_id": [HOSTILE],
                  HOSTILE: ["x"]}).write_parquet(
        path, metadata={OUTPUT_METADATA_KEY: json.dumps({"rows_out": 1})})
    model = ResultsModel()
    model.open(path)
    model.set_visible_columns(["marker_id", HOSTILE])
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10_000)
    assert_shown_as_written(model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole))
    assert model.data(model.index(0, 0)) == HOSTILE  # the cell itself is drawn as plain text
    assert_shown_as_written(model.headerData(1, Qt.Orientation.Horizontal,
                                             Qt.ItemDataRole.ToolTipRole))
    model.close()


# ------------------------------------------------------------------ the whole window

def widgets_showing(window, needle: str) -> list[str]:
    """Every place in the window where Qt would draw `needle` as markup: a tooltip holding it
    raw, or a label holding it raw and not set to plain text."""
    found = []
    for widget in [window, *window.findChildren(QWidget)]:
        if needle in widget.toolTip():
            found.append(f"{type(widget).__name__} tooltip: {widget.toolTip()[:80]}")
        if isinstance(widget, QLabel) and needle in widget.text() \
                and widget.textFormat() != Qt.TextFormat.PlainText:
            found.append(f"QLabel {widget.objectName()}: {widget.text()[:80]}")
    return found


def test_a_hostile_file_in_the_input_folder_is_text_everywhere_in_the_window(qtbot, make_window):
    """The issue's file: its first line is a picture of a local file and a fake heading. The
    tree's tooltip, the failed page and every label and tooltip of the window show it as text."""
    window = make_window(auto_annotate=False)
    folder = window.settings.input_dir / "erin"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text(HOSTILE + "\nmore\n")
    rescan(qtbot, window)
    index = window.samples.index_of("erin/notes")
    tip = window.samples.data(index, Qt.ItemDataRole.ToolTipRole)
    assert_shown_as_written(tip, HOSTILE[:60])
    select(window, "erin/notes")
    window.show()
    qtbot.waitExposed(window)
    assert window.sample_area.currentWidget() is window.failed_page
    assert "<img" in window.failed_page.reason.toPlainText()  # the reason quotes it, as text
    assert widgets_showing(window, "<img") == []
    window.grab().save("/tmp/issue22-hostile-window.png")


def test_a_damaged_result_is_said_in_the_window(qtbot, make_window):
    """Item 4 in the window: the tree, its tooltip and the page say `damaged`, offer to annotate
    it again, and never open the damaged file as a table."""
    from just_dna_desktop.core.reference.demo import DEMO_VCF

    window = make_window(auto_annotate=False)
    add_sample(window, "alice/genome", DEMO_VCF)
    rescan(qtbot, window)
    output = window.workspace.output_file("alice", "genome")
    assert window.samples.entry(window.samples.index_of("alice/genome")).state == "annotated"
    output.write_bytes(output.read_bytes()[:100])
    rescan(qtbot, window)
    index = window.samples.index_of("alice/genome")
    assert window.samples.entry(index).state == "damaged"
    tip = as_shown(window.samples.data(index, Qt.ItemDataRole.ToolTipRole))
    assert "Damaged: the result is not the file run #1 wrote" in tip, tip
    select(window, "alice/genome")
    window.show()
    qtbot.waitExposed(window)
    page = window.status_page
    assert window.sample_area.currentWidget() is page
    assert page.title.text() == "alice/genome: result damaged"
    assert "cut short or emptied" in page.text.text() and page.annotate_button.isVisibleTo(page)
    window.grab().save("/tmp/issue22-damaged-window.png")
