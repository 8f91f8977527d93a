"""The window fits a small screen (issue 21, tried at 1024x640 and 1280x800): it opens within the
screen's available area, wraps text instead of cutting it, keeps the idle jobs panel to a line,
cuts sample names in the middle, never widens a page with an error, and keeps the queue's
countdown and the shortcut descriptions whole. Each check at both sizes; the opening size on a
real (offscreen) screen of that size, in a process of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics

from just_dna_desktop.core.reference.demo import DEMO_VCF

from window_helpers import add_sample, rescan

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support")]

SIZES = [(1024, 640), (1280, 800)]
PROJECT = Path(__file__).resolve().parents[2]

OPEN_ON_A_SCREEN = """
import json, sys
from PySide6.QtWidgets import QApplication
from just_dna_desktop.gui.app import create_window, parse_args
app = QApplication(["just-dna-desktop"])
window = create_window(parse_args(["--no-dialogs", "--data-dir", sys.argv[1]]))
window.show()
app.processEvents()
area, frame = window.screen().availableGeometry(), window.frameGeometry()
hint = window.minimumSizeHint()
print(json.dumps({"area": [area.x(), area.y(), area.width(), area.height()],
                  "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
                  "minimum": [hint.width(), hint.height()]}))
window.shutdown()
"""


@pytest.mark.parametrize("width, height", SIZES)
def test_the_window_opens_within_the_screens_available_area(width, height, tmp_path):
    """Issue 21: it opened at 1280x820 on a 1024x640 screen."""
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [{
        "name": "screen", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screens}",
               PYTHONPATH=str(PROJECT))
    result = subprocess.run([sys.executable, "-c", OPEN_ON_A_SCREEN, str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["area"] == [0, 0, width, height]
    assert QRect(*shown["area"]).contains(QRect(*shown["frame"])), shown
    assert shown["minimum"][0] <= width and shown["minimum"][1] <= height, shown


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def window(request, qtbot, make_window):
    window = make_window(auto_annotate=False)
    window.resize(*request.param)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_first_run_cards_wrap_their_whole_text(qtbot, window):
    """Issue 21: at 1024x640 the cards cut their text mid-line."""
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
    qtbot.wait(50)
    for step in window.welcome.findChildren(type(window.welcome.reference_step)):
        label = getattr(step, "label", None)
        if label is None:
            continue
        assert label.height() >= label.heightForWidth(label.width()), label.text()


def test_the_idle_jobs_panel_takes_a_line_not_a_third(qtbot, window):
    """Issue 21: the idle jobs panel took a third of the height (about 9 table rows remained)."""
    add_sample(window, "alice/genome", DEMO_VCF)
    rescan(qtbot, window)
    window.tree.setCurrentIndex(window.samples.index_of("alice/genome"))
    window.show_tab(window.results)
    qtbot.wait(100)
    dock = window.jobs_dock
    assert dock.isVisible() and dock.height() <= 4 * window.fontMetrics().height() + 20
    table = window.results.table
    rows = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows >= (17 if window.height() < 700 else 24), rows


def test_sample_names_are_cut_in_the_middle(qtbot, window):
    """Issue 21: two samples showed as the same "HG00096_..."."""
    names = ("HG00096_chr21_sample_exome", "HG00096_chr21_sample_genome")
    for name in names:
        add_sample(window, f"alice/{name}", DEMO_VCF)
    rescan(qtbot, window)
    assert window.tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    width = 90  # a narrow list
    metrics = QFontMetrics(window.tree.font())
    shown = [metrics.elidedText(n, window.tree.textElideMode(), width) for n in names]
    assert shown[0] != shown[1]  # told apart by their ends, not "HG00096_..." twice
    assert all("…" in text and text.endswith(name[-3:]) for text, name in zip(shown, names))


@pytest.mark.parametrize("width, height", SIZES)
def test_a_download_error_never_widens_the_reference_page(width, height, qtbot, make_window,
                                                          monkeypatch, tmp_path):
    """Issue 21: an offline download error widened the Reference page with a horizontal bar."""
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/" + "/".join(["mirror"] * 12))
    window = make_window(auto_annotate=False,
                         reference_dir=tmp_path / "cache" / "ensembl_variations")
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    window.show_tab(window.reference_panel)
    panel = window.reference_panel
    panel.download_button.click()
    qtbot.waitUntil(lambda: panel.progress_label.text().startswith("Failed:"), timeout=20_000)
    qtbot.wait(100)
    scroll = window.tabs.currentWidget()
    assert not scroll.horizontalScrollBar().isVisible()
    assert panel.width() <= scroll.viewport().width()


def test_the_countdown_and_the_shortcut_descriptions_are_whole(qtbot, window):
    """Issue 21: the queue's countdown and the shortcut descriptions were cut off."""
    from just_dna_desktop.gui.help_dialogs import ShortcutsDialog

    long_key = "somebody-with-a-long-name/" + "a-sample-with-a-very-long-name-indeed"
    window.jobs_panel.set_queue([(long_key, 3599.0)])
    qtbot.wait(100)
    row = window.jobs_panel.queue_rows[long_key]
    assert row.when.text() == "queued, starts in 3599 s"
    assert row.when.width() >= row.when.sizeHint().width()  # never cut
    assert row.name.shown_text() != row.name.text()  # the name gives way, cut in the middle
    window.jobs_panel.set_queue([])
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= window.width() and dialog.height() <= window.height()
    table = dialog.table
    column = table.columnWidth(2)
    metrics = QFontMetrics(table.font())
    for r in range(table.rowCount()):
        text = table.item(r, 2).text()
        needed = metrics.boundingRect(QRect(0, 0, column - 8, 10_000),
                                      int(Qt.TextFlag.TextWordWrap), text).height()
        assert table.rowHeight(r) >= needed, text
