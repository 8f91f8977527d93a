"""The window started with a broken settings file or run history: a dialog with the reason and
the way out (print-only when nobody can click), never a silent exit or stall."""

import subprocess
import sys

import pytest
from PySide6.QtCore import QTimer

from just_dna_desktop.core.workspace import settings as core_settings
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.gui import startup
from just_dna_desktop.gui.app import create_window, parse_args

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


class Person:
    """Answers start-up problems as a person would, and remembers what was asked."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = []

    def __call__(self, problem):
        self.asked.append(problem)
        return self.answers.pop(0)


@pytest.fixture
def data(tmp_path):
    return tmp_path / "data"


def window_for(qtbot, data, person):
    window = create_window(parse_args(["--data-dir", str(data)]), person)
    if window is not None:
        qtbot.addWidget(window)
    return window


def test_a_broken_settings_file_offers_to_open_it_or_use_defaults(qtbot, data, monkeypatch):
    settings_file = core_settings.load_settings({"data_dir": data}).settings_file
    settings_file.write_text('input_dir = ["a"]\nmin_interval_seconds = nan\n')
    opened = []
    monkeypatch.setattr(startup, "_open", opened.append)
    person = Person(startup.OPEN_SETTINGS, startup.USE_DEFAULTS)
    window = window_for(qtbot, data, person)
    try:
        first, second = person.asked
        assert first.path == settings_file and first.actions[0] == startup.OPEN_SETTINGS
        assert f"In {settings_file}:\n• input_dir must be a folder path in quotes" in first.message
        assert "min_interval_seconds must be a number of seconds >= 0, not nan" in first.message
        assert opened == [settings_file]
        assert second.actions[0] == startup.TRY_AGAIN  # after opening it, try again comes first
        assert window.settings.input_dir == data / "input" / "users"  # the default, not ./['a']
        assert window.settings.min_interval_seconds == 60
    finally:
        window.shutdown()


def test_fixing_the_file_and_trying_again_starts_the_window(qtbot, data, monkeypatch):
    settings_file = core_settings.load_settings({"data_dir": data}).settings_file
    settings_file.write_text("auto_annotate = maybe\n")
    monkeypatch.setattr(startup, "_open", lambda path: path.write_text("auto_annotate = false\n"))
    person = Person(startup.OPEN_SETTINGS, startup.TRY_AGAIN)
    window = window_for(qtbot, data, person)
    try:
        assert len(person.asked) == 1 and "not valid TOML" in person.asked[0].message
        assert window.settings.auto_annotate is False
    finally:
        window.shutdown()


def test_a_damaged_history_is_moved_aside_keeping_the_old_file(qtbot, data):
    history_file = core_settings.load_settings({"data_dir": data}).history_file
    history_file.write_bytes(b"not a database at all" * 200)
    person = Person(startup.MOVE_ASIDE)
    window = window_for(qtbot, data, person)
    try:
        (problem,) = person.asked
        assert problem.title == "The run history is damaged" and problem.path == history_file
        assert problem.actions == [startup.MOVE_ASIDE, startup.QUIT]
        assert "keeps the old file" in problem.message
        kept = list(history_file.parent.glob("history.broken-*.sqlite"))
        assert len(kept) == 1 and kept[0].read_bytes() == b"not a database at all" * 200
        assert window.history.list_runs() == []  # a new history
        assert str(kept[0]) in window.statusBar().currentMessage()
    finally:
        window.shutdown()


def test_a_read_only_history_is_said_and_quitting_starts_nothing(qtbot, data):
    from workspace_helpers import read_only

    history_file = core_settings.load_settings({"data_dir": data}).history_file
    History(history_file).close()
    person = Person(startup.TRY_AGAIN, startup.QUIT)
    with read_only(history_file.parent):
        assert window_for(qtbot, data, person) is None
    assert [p.title for p in person.asked] == ["The run history is read-only"] * 2
    assert "no run can be recorded" in person.asked[0].message
    assert person.asked[0].actions == [startup.OPEN_FOLDER, startup.TRY_AGAIN, startup.QUIT]


def test_the_dialog_shows_the_reason_and_a_button_per_way_out(qtbot):
    problem = startup.StartupProblem("The run history is damaged", "history.sqlite: damaged",
                                     [startup.MOVE_ASIDE, startup.QUIT])
    dialog = startup.StartupDialog(problem)
    qtbot.addWidget(dialog)
    assert dialog.informativeText() == "history.sqlite: damaged"
    assert [b.text() for b in dialog.buttons()] == [startup.MOVE_ASIDE, startup.QUIT] or \
        sorted(b.text() for b in dialog.buttons()) == sorted([startup.MOVE_ASIDE, startup.QUIT])
    assert dialog.defaultButton().text() == startup.MOVE_ASIDE
    QTimer.singleShot(0, lambda: dialog.buttons_by_action[startup.MOVE_ASIDE].click())
    assert dialog.choose() == startup.MOVE_ASIDE
    dialog = startup.StartupDialog(problem)
    qtbot.addWidget(dialog)
    QTimer.singleShot(0, dialog.reject)  # closed with Escape or the title bar
    assert dialog.choose() == startup.QUIT


def test_the_program_prints_instead_when_nobody_can_click(data):
    """`just-dna-desktop --no-dialogs` (and any offscreen start) never waits for a click."""
    settings_file = core_settings.load_settings({"data_dir": data}).settings_file
    settings_file.write_text('input_dir = ["a"]\n')
    result = subprocess.run([sys.executable, "-m", "just_dna_desktop", "--no-dialogs",
                             "--data-dir", str(data)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {settings_file}: input_dir must be a folder path"), lines
    assert "the window offers: Open the settings file" in lines[1]
    assert not (data / "['a']").exists()
