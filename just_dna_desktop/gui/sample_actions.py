"""What a person can do with a sample in the list: the Sample menu's commands (annotate now,
cancel, update its findings, show results, open the output folder, reveal the input file, show its
history, remove it or its person), the list's context menu (by mouse, Shift+F10 or the Menu key),
and the choices that need the person's word first (annotating by position anyway; removing, which
says what is deleted and what is kept). They act on the selected sample; folders open through
`opener`."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from ..core.errors import UserError
from ..core.workspace import removal
from ..core.workspace.history import History
from ..core.workspace.samples import Workspace
from .actions import ACTIONS, create_actions
from .failed_page import FailedPage
from .history_view import HistoryView
from .jobs import Job, JobManager
from .plain_text import message_box
from .sample_tree import SampleTree
from .samples_model import SampleEntry, SamplesModel

SAMPLE_COMMANDS = tuple(spec for spec in ACTIONS if spec.menu == "&Sample")


def open_in_desktop(path: Path) -> None:
    """The file or folder in the desktop's own program for it (a file manager for a folder)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class SampleActions(QObject):
    removed = Signal(str)  # what was removed, in words ("sample alice/first")

    def __init__(self, tree: SampleTree, samples: SamplesModel, jobs: JobManager,
                 history_view: HistoryView, failed_page: FailedPage, *,
                 annotate: Callable[..., Job | None], cancel: Callable[[str], None],
                 open_sample: Callable[[SampleEntry], None],
                 show_tab: Callable[[QWidget], None],
                 choose_files: Callable[..., None], parent: QWidget,
                 workspace: Callable[[], Workspace] | None = None,
                 history: History | None = None,
                 forget_queued: Callable[[str], object] = lambda key: None,
                 opener: Callable[[Path], None] = open_in_desktop,
                 update_findings: Callable[[str], Job | None] | None = None):
        """`annotate(key, **options)` and `cancel(key)` run or stop a sample's annotation;
        `update_findings(key)` makes its modules' findings again; `open_sample` shows its page,
        `show_tab` a tab, `choose_files(user)` the file chooser;
        `workspace()` the workspace now (it changes with the settings), `history` the run
        history and `forget_queued(key)` takes a removed sample out of the automatic queue;
        `parent` owns the commands (their keys work in all of it), menus and questions."""
        super().__init__(parent)
        self.workspace, self.history, self.forget_queued = workspace, history, forget_queued
        self.tree, self.samples, self.jobs = tree, samples, jobs
        self.history_view, self.failed_page = history_view, failed_page
        self.annotate, self.cancel = annotate, cancel
        self.update_findings = update_findings
        self.open_sample, self.show_tab, self.choose_files = open_sample, show_tab, choose_files
        self.parent_widget = parent
        self.opener = opener
        self.context_menu: QMenu | None = None  # the last one shown (kept while it is open)
        self.actions = create_actions(parent, SAMPLE_COMMANDS, {
            "annotate": lambda: self._with_selected(lambda e: self.annotate(e.key)),
            "cancel": lambda: self._with_selected(lambda e: self.cancel(e.key)),
            "update_findings": lambda: self._with_selected(
                lambda e: self.update_findings and self.update_findings(e.key)),
            "show_results": lambda: self._with_selected(self.open_sample),
            "open_output_folder": lambda: self._with_selected(
                lambda e: self._open(e.output_path.parent if e.output_path else None)),
            "reveal_input": lambda: self._with_selected(
                lambda e: self._open(e.vcf_path.parent if e.vcf_path else None)),
            "show_history": lambda: self._with_selected(lambda e: self.show_history(e.user, e.sample)),
            "remove": self.remove_selected,
        })
        self.update()

    def _open(self, path: Path | None) -> None:
        if path is not None:
            self.opener(path)

    def selected_user(self) -> str | None:
        return self.samples.user_of(self.tree.currentIndex())

    def selected_entry(self) -> SampleEntry | None:
        return self.samples.entry(self.tree.currentIndex())

    def _with_selected(self, action) -> None:
        entry = self.selected_entry()
        if entry is not None:
            action(entry)

    def update(self) -> None:
        """The Sample menu's commands are enabled for what the selected sample allows."""
        entry = self.selected_entry()
        running = entry is not None and self.jobs.find(entry.key) is not None
        has_output = bool(entry and entry.output_path and entry.output_path.is_file())
        enabled = {"annotate": entry is not None and not running, "cancel": running,
                   "update_findings": self.update_findings is not None and has_output
                   and not running,
                   "show_results": has_output,
                   "open_output_folder": bool(entry and entry.output_path
                                              and entry.output_path.parent.is_dir()),
                   "reveal_input": entry is not None, "show_history": entry is not None,
                   "remove": self.workspace is not None and not running
                   and (entry is not None or bool(self.selected_user()))}
        for name, value in enabled.items():
            self.actions[name].setEnabled(value)

    def open_input_file(self) -> None:
        """The selected sample's own file (the failed page's Open the file)."""
        self._with_selected(lambda e: self.opener(e.vcf_path))

    def show_context_menu(self, point: QPoint) -> None:
        self.context_menu = self.sample_menu(self.tree.indexAt(point))
        self.context_menu.popup(self.tree.viewport().mapToGlobal(point))

    def show_keyboard_context_menu(self) -> None:
        """Shift+F10 or the Menu key: the selected row's menu, beside that row."""
        index = self.tree.currentIndex()
        rect = self.tree.visualRect(index)
        point = rect.bottomLeft() if index.isValid() else self.tree.viewport().rect().topLeft()
        self.show_context_menu(point)

    def sample_menu(self, index: QModelIndex) -> QMenu:
        """The tree's context menu for a sample (the Sample menu's commands), a user, or the
        empty space. A sample's menu selects it first, so the commands act on what was clicked."""
        entry = self.samples.entry(index)
        menu = QMenu(self.parent_widget)
        if entry is not None:
            self.tree.setCurrentIndex(index)
            self.update()
            for name in ("annotate", "cancel", "update_findings", "", "show_results",
                         "open_output_folder", "reveal_input", "show_history"):
                menu.addAction(self.actions[name]) if name else menu.addSeparator()
            if self.workspace is not None:
                menu.addSeparator()
                remove = menu.addAction("Remove this sample…",
                                        lambda: self.remove(entry.user, entry.sample))
                remove.setEnabled(self.actions["remove"].isEnabled())
        else:
            user = self.samples.user_of(index)
            if user:
                menu.addAction(f"Add a genome file for {user}…", lambda: self.choose_files(user))
                menu.addAction("Show history", lambda: self.show_history(user))
                if self.workspace is not None:
                    menu.addSeparator()
                    menu.addAction(f"Remove {user} and their samples…", lambda: self.remove(user))
            else:
                menu.addAction("Add a genome file…", self.choose_files)
        return menu

    # -- removing -----------------------------------------------------------------------------
    def remove_selected(self) -> None:
        """The Sample menu's Remove…: the selected sample, or the selected person."""
        entry = self.selected_entry()
        if entry is not None:
            self.remove(entry.user, entry.sample)
        elif self.selected_user():
            self.remove(self.selected_user())

    def remove(self, user: str, sample: str | None = None) -> bool:
        """Remove a sample (or a person, with `sample` None) after the person has read what is
        deleted and what is kept; True once done."""
        if self.workspace is None:
            return False
        workspace = self.workspace()
        try:
            plan = removal.plan(workspace, user, sample)
            busy = [s.key for s in plan.samples if self.jobs.find(s.key) is not None]
            if busy:
                raise UserError(f"{', '.join(busy)}: being annotated now; cancel it first, then "
                                "remove it")
        except UserError as exc:
            message_box(self.parent_widget, QMessageBox.Icon.Warning, "Cannot remove", str(exc))
            return False
        if not self.confirm_removal(plan):
            return False
        for item in plan.samples:
            self.forget_queued(item.key)
        try:
            removal.carry_out(workspace, plan, self.history)
        except UserError as exc:
            message_box(self.parent_widget, QMessageBox.Icon.Warning, "Not all removed", str(exc))
        self.removed.emit(plan.what)
        return True

    def confirm_removal(self, plan: removal.Removal) -> bool:
        """Asks, saying what is deleted and what is kept; a separate method so tests can answer."""
        title, text, details = removal_question(plan)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self.parent_widget)
        box.setTextFormat(Qt.TextFormat.PlainText)  # names and paths, shown as written
        box.setInformativeText(details)
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is remove

    def show_history(self, user: str, sample: str | None = None) -> None:
        self.history_view.user_filter.setCurrentText(user)
        self.history_view.text_filter.setText(f"{user}/{sample}" if sample else "")
        self.history_view.refresh()
        self.show_tab(self.history_view)

    def annotate_by_position(self, key: str) -> Job | None:
        """Match a file on another genome build by position after all, once the person has read
        what that means (a file with no rsID has no other way)."""
        if not self.confirm_position_anyway(key):
            return None
        return self.annotate(key, match_by="position", ignore_build_mismatch=True)

    def confirm_position_anyway(self, key: str) -> bool:
        """Asks; a separate method so tests can answer."""
        build = self.failed_page.advice.build if self.failed_page.advice else None
        return QMessageBox.warning(
            self.parent_widget, "Annotate by position anyway?",
            f"{key} is a {build or 'non-GRCh38'} file. Its positions are not the reference's "
            "(GRCh38), so most variants would get another variant's rsID, frequencies and "
            "clinical flags. The result will say so above its table.\n\nAnnotate it by position "
            "anyway?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel) == QMessageBox.StandardButton.Yes


def removal_question(plan: removal.Removal) -> tuple[str, str, str]:
    """(title, question, what is deleted and kept) before a removal."""
    size = plan.size / 2**20
    amount = f"{size:,.1f} MB" if size >= 0.1 else "less than 0.1 MB"
    deleted = "\n".join(f"• {line}" for line in plan.deleted()) or "• nothing but the name"
    kept = "\n".join(f"• {line}" for line in plan.kept())
    return (f"Remove {plan.what}?",
            f"Remove {plan.what} from this computer's workspace? This cannot be undone.",
            f"Deleted ({amount}):\n{deleted}\n\nKept:\n{kept}")
