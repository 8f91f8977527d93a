"""The window's commands come from one table: every one works, and no key is used twice."""

import pytest
from PySide6.QtGui import QKeySequence

from just_dna_desktop.gui.actions import ACTIONS, TABLE_ACTIONS, key_sequences, shortcut_rows

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_no_key_is_bound_twice(qapp):
    seen: dict[str, str] = {}
    for spec in ACTIONS + TABLE_ACTIONS:
        for sequence in key_sequences(spec):
            text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            assert text not in seen, f"{text} is bound to {seen[text]} and {spec.id}"
            seen[text] = spec.id
    assert seen["Ctrl+F"] == "find" and seen["F5"] == "rescan" and seen["Ctrl+Tab"] == "next_tab"


def test_every_menu_command_is_connected_and_listed_in_help(make_window):
    window = make_window(auto_annotate=False)
    for spec in ACTIONS:
        action = window.actions[spec.id]
        assert action.receivers("2triggered(bool)") > 0, f"{spec.id} does nothing"
    menu_titles = [a.text() for a in window.menuBar().actions()]
    assert menu_titles == ["&File", "&View", "&Sample", "&Help"]
    listed = {what.split(":")[0] for _, _, what in shortcut_rows()}
    assert {"Filter the table", "Rescan the input folder", "Next tab", "Keyboard shortcuts"} <= listed
