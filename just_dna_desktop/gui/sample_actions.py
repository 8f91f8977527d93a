"""What a person can do with a sample in the list: the Sample menu's commands (annotate now,
cancel, show results, open the output folder, reveal the input file, show its history), the list's
context menu (by mouse, Shift+F10 or the Menu key), and the failed-sample page's choices that need
the person's word first. They act on the selected sample; folders open through `opener`."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QModelIndex, QObject, QPoint, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from .actions import ACTIONS, create_actions
from .failed_page import FailedPage
from .history_view import HistoryView
from .jobs import Job, JobManager
from .sample_tree import SampleTree
from .samples_model import SampleEntry, SamplesModel

SAMPLE_COMMANDS = tuple(spec for spec in ACTIONS if spec.menu == "&Sample")


def open_in_desktop(path: Path) -> None:
    """The file or folder in the desktop's own program for it (a file manager for a folder)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class SampleActions(QObject):
    def __init__(self, tree: SampleTree, samples: SamplesModel, jobs: JobManager,
                 history_view: HistoryView, failed_page: FailedPage, *,
                 annotate: Callable[..., Job | None], cancel: Callable[[str], None],
                 open_sample: Callable[[SampleEntry], None],
                 show_tab: Callable[[QWidget], None],
                 choose_files: Callable[..., None], parent: QWidget,
                 opener: Callable[[Path], None] = open_in_desktop):
        """`annotate(key, **options)` and `cancel(key)` run or stop a sample's annotation;
        `open_sample` shows its page, `show_tab` a tab, `choose_files(user)` the file chooser;
        `parent` owns the commands (their keys work in all of it), menus and questions."""
        super().__init__(parent)
        self.tree, self.samples, self.jobs = tree, samples, jobs
        self.history_view, self.failed_page = history_view, failed_page
        self.annotate, self.cancel = annotate, cancel
        self.open_sample, self.show_tab, self.choose_files = open_sample, show_tab, choose_files
        self.parent_widget = parent
        self.opener = opener
        self.context_menu: QMenu | None = None  # the last one shown (kept while it is open)
        self.actions = create_actions(parent, SAMPLE_COMMANDS, {
            "annotate": lambda: self._with_selected(lambda e: self.annotate(e.key)),
            "cancel": lambda: self._with_selected(lambda e: self.cancel(e.key)),
            "show_results": lambda: self._with_selected(self.open_sample),
            "open_output_folder": lambda: self._with_selected(
                lambda e: self._open(e.output_path.parent if e.output_path else None)),
            "reveal_input": lambda: self._with_selected(
                lambda e: self._open(e.vcf_path.parent if e.vcf_path else None)),
            "show_history": lambda: self._with_selected(lambda e: self.show_history(e.user, e.sample)),
        })
        self.update()

    def _open(self, path: Path | None) -> None:
        if path is not None:
            self.opener(path)

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
                   "show_results": has_output,
                   "open_output_folder": bool(entry and entry.output_path
                                              and entry.output_path.parent.is_dir()),
                   "reveal_input": entry is not None, "show_history": entry is not None}
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
            for name in ("annotate", "cancel", "", "show_results", "open_output_folder",
                         "reveal_input", "show_history"):
                menu.addAction(self.actions[name]) if name else menu.addSeparator()
        else:
            user = self.samples.user_of(index)
            if user:
                menu.addAction(f"Add a genome file for {user}…", lambda: self.choose_files(user))
                menu.addAction("Show history", lambda: self.show_history(user))
            else:
                menu.addAction("Add a genome file…", self.choose_files)
        return menu

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
