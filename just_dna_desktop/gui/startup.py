"""Start-up problems shown with the way out, before the window opens.

A window started by a double-click has no terminal: a broken settings file or run history must be
said in a dialog, with buttons that fix the cause (open the settings file, move the broken history
aside and start a new one, open the folder of a read-only one), not printed to stderr. Each check
loops until the problem is gone or the person chooses Quit. `ask` decides how to ask: the dialog,
or `ask_by_printing` for scripts, tests and offscreen runs, so nothing ever waits for a click that
cannot come.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ..core.workspace import settings as core_settings
from ..core.errors import UserError
from ..core.workspace.history import History, HistoryError, set_aside

OPEN_SETTINGS = "Open the settings file"
USE_DEFAULTS = "Continue with defaults for these"
MOVE_ASIDE = "Move it aside and start a new history"
OPEN_FOLDER = "Open its folder"
TRY_AGAIN = "Try again"
QUIT = "Quit"


@dataclass
class StartupProblem:
    title: str
    message: str         # the reason and what each way out does, as plain text
    actions: list[str]   # the ways out, the default first; QUIT is always one of them
    path: Path | None = None
    errors: list[str] = field(default_factory=list)  # one line each, for printing (as the CLI)


Ask = Callable[[StartupProblem], str]


class StartupDialog(QMessageBox):
    """One start-up problem: the reason as selectable text, and a button per way out."""

    def __init__(self, problem: StartupProblem, parent: QWidget | None = None):
        super().__init__(QMessageBox.Icon.Critical, problem.title, problem.title, parent=parent)
        self.setWindowTitle(f"just-dna-desktop: {problem.title}")
        self.setInformativeText(problem.message)
        self.setTextFormat(Qt.TextFormat.PlainText)  # the message quotes paths and errors
        for label in self.findChildren(QLabel):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Qt names its labels: widen the text (long paths), not the icon
        self.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 520px; }")
        self.buttons_by_action: dict[str, Any] = {}
        for action in problem.actions:
            role = (QMessageBox.ButtonRole.RejectRole if action == QUIT
                    else QMessageBox.ButtonRole.AcceptRole)
            self.buttons_by_action[action] = self.addButton(action, role)
        self.setDefaultButton(self.buttons_by_action[problem.actions[0]])
        self.setEscapeButton(self.buttons_by_action[QUIT])

    def choose(self) -> str:
        """Show it and wait; the action of the button pressed (Quit if closed)."""
        self.exec()
        clicked = self.clickedButton()
        return next((action for action, button in self.buttons_by_action.items()
                     if button is clicked), QUIT)


def ask_with_dialog(problem: StartupProblem) -> str:
    return StartupDialog(problem).choose()


def ask_by_printing(problem: StartupProblem) -> str:
    """Say it on stderr (one `error:` line, then the ways out) and give up: nobody can click."""
    if sys.stderr is not None:
        for line in problem.errors or [problem.message.split("\n\n")[0]]:
            print(f"error: {' '.join(line.split())}", file=sys.stderr)
        ways = [a for a in problem.actions if a not in (QUIT, TRY_AGAIN)]
        if ways:
            print(f"  (the window offers: {'; '.join(ways)})", file=sys.stderr)
    return QUIT


def default_ask(no_dialogs: bool = False) -> Ask:
    """Dialogs, unless asked not to or nobody can see them (an offscreen platform)."""
    platform = QGuiApplication.platformName() if QGuiApplication.instance() else ""
    return ask_by_printing if no_dialogs or platform in ("offscreen", "minimal") \
        else ask_with_dialog


def _open(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def load_settings(flags: Mapping[str, Any], ask: Ask) -> core_settings.Settings | None:
    """The settings, once the settings file is usable or the person chose defaults; None: quit."""
    opened = False
    while True:
        problems: list[str] = []
        settings = core_settings.load_settings(flags, problems=problems)
        if not problems:
            return settings
        actions = [OPEN_SETTINGS, USE_DEFAULTS, QUIT] if not opened \
            else [TRY_AGAIN, OPEN_SETTINGS, USE_DEFAULTS, QUIT]
        prefix = f"{settings.settings_file}: "
        listed = "\n".join(f"• {p.removeprefix(prefix)}" for p in problems)
        choice = ask(StartupProblem(
            "The settings file has a problem",
            f"In {settings.settings_file}:\n{listed}\n\nFix it in a text editor and save it, "
            f"then {TRY_AGAIN.lower()}; or continue with the default value of each setting "
            "named above (the file is left as it is).",
            actions, settings.settings_file, problems))
        if choice == USE_DEFAULTS:
            return settings
        if choice == QUIT:
            return None
        if choice == OPEN_SETTINGS:
            _open(settings.settings_file)
            opened = True


# What each kind of history trouble (core.workspace.history.HistoryError.kind) offers.
_HISTORY_ACTIONS = {
    "corrupt": [MOVE_ASIDE, QUIT],
    "newer": [QUIT, MOVE_ASIDE],
    "read-only": [OPEN_FOLDER, TRY_AGAIN, QUIT],
    "full": [OPEN_FOLDER, TRY_AGAIN, QUIT],
    "cannot-open": [OPEN_FOLDER, TRY_AGAIN, QUIT],
    "busy": [TRY_AGAIN, QUIT],
}
_HISTORY_TITLES = {
    "corrupt": "The run history is damaged",
    "newer": "The run history is from a newer version",
    "read-only": "The run history is read-only",
    "full": "The disk holding the run history is full",
    "busy": "The run history is busy",
}


def check_history(path: Path, ask: Ask) -> tuple[bool, Path | None]:
    """(whether the window may start, where a broken history was moved to, if it was)."""
    moved_to = None
    while True:
        try:
            with History(path) as history:
                history.check_writable()
            return True, moved_to
        except HistoryError as exc:
            kind = exc.kind
            actions = _HISTORY_ACTIONS.get(kind, [TRY_AGAIN, QUIT])
            notes = {MOVE_ASIDE: "Moving it aside keeps the old file beside it, renamed "
                                 "history.broken-<date>.sqlite; the window starts with an empty "
                                 "history, and results on disk stay as they are.",
                     OPEN_FOLDER: "Open its folder to fix the file's permissions or free some "
                                  f"space, then {TRY_AGAIN.lower()}."}
            message = "\n\n".join([str(exc)] + [notes[a] for a in actions if a in notes])
            choice = ask(StartupProblem(_HISTORY_TITLES.get(kind, "The run history cannot be used"),
                                        message, actions, path, [str(exc)]))
            if choice == QUIT:
                return False, moved_to
            if choice == MOVE_ASIDE:
                moved_to = set_aside(path)
            elif choice == OPEN_FOLDER:
                _open(path.parent)


def report_failure(exc: UserError, ask: Ask) -> None:
    """Any other expected failure while the window is being built: said, then quit."""
    ask(StartupProblem("just-dna-desktop cannot start", str(exc), [QUIT], errors=[str(exc)]))
