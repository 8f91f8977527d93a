"""The Modules page: the annotation modules installed (what each is, its size and licence, whether
its manifest verified it) and what the sources offer, with Get, Add a folder, Verify and Remove.

The same operations as `modules list|get|add|verify|remove`, on the pool over core.modules: the
sources are listed in a pool job (a source that is offline or fails is said in one line); Get asks
first (what, how big, where, the free space), then shows its bytes and ETA and can be cancelled
(what was fetched is kept, and a later Get resumes it); a module without a manifest is installed
only after the person says to use it unverified; a refused module (bytes that do not match its
manifest) is said in one line naming the file. After every change `changed` is emitted, so the
window rescans and the samples' findings are made again.

Module titles, names, licences and sources come from outside the program: they are set as plain
text (table cells, plain-text labels and message boxes) and escaped in tooltips (gui/plain_text).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QMessageBox, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.errors import UserError
from ..core.hub import Progress, disk_free_bytes, format_bytes
from ..core.modules.sources import AvailableModule, list_available, sources_from
from ..core.modules.store import InstalledModule, ModuleStore, UnverifiedModuleError
from ..core.workspace.settings import Settings
from .jobs import Job, JobManager
from .plain_text import message_box, tooltip

log = logging.getLogger(__name__)

INTRO = ("Annotation modules are curated tables that say what a genotype means: how you may "
         "respond to a medicine, traits, conditions. Their findings appear in each sample's "
         "Summary. A module is used only when its files match its manifest (the list of files "
         "and checksums its authors published), and is checked again before each use.")
INSTALLED_COLUMNS = ("Module", "Version", "Rows", "Size", "Licence", "Checked", "From")
AVAILABLE_COLUMNS = ("Module", "Size", "From", "Manifest", "Installed")
UNVERIFIED_WORD = "UNVERIFIED"  # as `modules list` writes it
VISIBLE_ROWS = 6  # rows a table shows before it scrolls
WARN = QColor("#c0392b")


def plain_question(parent: QWidget, title: str, text: str, yes: str, *, warning: bool = False,
                   default_yes: bool = True) -> bool:
    """Ask with a plain-text body (module names are not HTML) and a button saying what it does
    (`yes`: "Get", "Remove"); True when it was pressed."""
    box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Question,
                      title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(accept if default_yes else box.button(QMessageBox.StandardButton.Cancel))
    box.exec()
    return box.clickedButton() is accept


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def get_question(modules: list[AvailableModule], folder: Path, free: int) -> tuple[str, str]:
    """(title, text) of the question before a Get: what, how big, from where, into where, and the
    free space there; a Get that cannot fit says so (and asks nothing)."""
    total = sum(m.size for m in modules)
    sources = _listed(sorted({m.source.label for m in modules}))
    count = f"{len(modules)} annotation module{'s' if len(modules) != 1 else ''}"
    lines = [f"{count} ({_listed([m.name for m in modules])}): {format_bytes(total)} from "
             f"{sources}, into {folder}.",
             f"Free space on that disk: {format_bytes(free)}."]
    if total > free:
        lines.append(f"That is not enough: {format_bytes(total - free)} more is needed. Free some "
                     "space, or put the cache on another disk (Settings).")
        return "Not enough free space", "\n\n".join(lines)
    lines.append("Each module is checked against its manifest before it is used. An interrupted "
                 "download resumes where it stopped. Get them now?" if len(modules) > 1 else
                 "The module is checked against its manifest before it is used. An interrupted "
                 "download resumes where it stopped. Get it now?")
    return f"Get {count}?", "\n\n".join(lines)


def unverified_question(names: list[str]) -> tuple[str, str]:
    """(title, text) asking whether to use modules that came without a manifest."""
    one = len(names) == 1
    subject = f"{_listed(names)} {'has' if one else 'have'}"
    return ("Use it unverified?" if one else "Use them unverified?",
            f"{subject} no manifest: no list of files and checksums from {'its' if one else 'their'} "
            "authors, so nobody can check that the files are the ones they published, unchanged. "
            f"{'It' if one else 'They'} would be marked {UNVERIFIED_WORD} wherever "
            f"{'its' if one else 'their'} findings appear.\n\n"
            "Use a module without a manifest only if you trust where it comes from. "
            f"Use {'it' if one else 'them'} unverified?")


def remove_question(module: InstalledModule) -> tuple[str, str]:
    version = f", version {module.version}" if module.version else ""
    return (f"Remove {module.title}?",
            f"{module.title} ({module.name}{version}) is deleted from this computer: its folder "
            f"{module.folder} ({format_bytes(module.size)}).\n\n"
            "Results made with it keep saying they were made with it. Each sample's findings are "
            "made again without it.")


@dataclass
class Listing:
    """What the sources offer now, and the sources that could not be asked."""

    available: list[AvailableModule] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)   # (source, one line why)
    counts: dict[str, int] = field(default_factory=dict)            # source -> modules offered


def list_sources(settings: Settings, token: str | None) -> Listing:
    """Every source of the settings, each asked on its own: one that fails is a line, not a stop."""
    listing = Listing()
    try:
        sources = sources_from(settings.module_sources)
    except UserError as exc:
        listing.problems.append(("module_sources", str(exc)))
        return listing
    for source in sources:
        try:
            offered = list_available(source, token=token)
        except UserError as exc:
            listing.problems.append((source.label, _one_line(str(exc))))
            continue
        except Exception as exc:  # noqa: BLE001 - a source's fault is a line on the page
            log.warning("listing %s failed", source.label, exc_info=True)
            listing.problems.append((source.label, _one_line(f"{type(exc).__name__}: {exc}")))
            continue
        listing.counts[source.label] = len(offered)
        known = {m.name for m in listing.available}
        listing.available += [m for m in offered if m.name not in known]  # the first source wins
    return listing


def _one_line(text: str) -> str:
    return " ".join(text.split())


class ModulesPanel(QWidget):
    changed = Signal()          # modules were installed, removed or verified
    update_all = Signal()       # "Update every sample's findings"

    def __init__(self, jobs: JobManager, settings: Callable[[], Settings],
                 parent: QWidget | None = None):
        """`settings()` gives the settings in force (the cache, module_sources, the token)."""
        super().__init__(parent)
        self.jobs = jobs
        self._settings = settings
        self.job: Job | None = None          # the get, add, verify or remove under way
        self.list_job: Job | None = None
        self.listing: Listing | None = None
        self.installed: list[InstalledModule] = []
        self.refused: dict[str, str] = {}    # name -> why, from the last Verify

        intro = QLabel(INTRO)
        intro.setWordWrap(True)

        self.installed_table = self._table(INSTALLED_COLUMNS, stretch=(0, 6))
        self.installed_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_button = QPushButton("Add a folder…")
        self.add_button.setToolTip("Install a module folder compiled by just-dna-compiler "
                                   "(weights.parquet and manifest.json)")
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Hash every installed module's files again and compare them "
                                      "with what was installed")
        self.remove_button = QPushButton("Remove…")
        self.update_button = QPushButton("Update every sample's findings")
        self.update_button.setToolTip("Make the findings of every annotated sample whose modules "
                                      "changed; with automatic annotation on, this happens by "
                                      "itself")
        installed_box = QGroupBox("Installed")
        installed_layout = QVBoxLayout(installed_box)
        installed_layout.addWidget(self.installed_table)
        installed_layout.addWidget(self.where)
        installed_layout.addLayout(_row(self.add_button, self.verify_button, self.remove_button,
                                        None, self.update_button))

        self.available_table = self._table(AVAILABLE_COLUMNS, stretch=(0, 2))
        self.available_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.sources = QLabel("Not looked at yet.")
        self.sources.setWordWrap(True)
        self.sources.setTextFormat(Qt.TextFormat.PlainText)
        self.sources.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.get_button = QPushButton("Get…")
        self.get_button.setToolTip("Download the selected modules, check them, install them")
        self.get_all_button = QPushButton("Get all…")
        self.list_button = QPushButton("Look again")
        self.list_button.setToolTip("Ask the sources (Settings: module_sources) what they offer")
        available_box = QGroupBox("Offered by the sources")
        available_layout = QVBoxLayout(available_box)
        available_layout.addWidget(self.available_table)
        available_layout.addWidget(self.sources)
        available_layout.addLayout(_row(self.get_button, self.get_all_button, None,
                                        self.list_button))

        self.bar = QProgressBar(maximum=1000)
        self.bar.hide()
        self.progress_label = QLabel()
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_label.setWordWrap(True)
        self.progress_label.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.message = QLabel()
        self.message.setObjectName("modulesMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        # What is under way, and what came of it, above the tables: in view on a small screen.
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(_row(self.bar, self.cancel_button))
        layout.addWidget(self.progress_label)
        layout.addWidget(self.message)
        layout.addWidget(installed_box)
        layout.addWidget(available_box)
        layout.addStretch(1)

        self.add_button.clicked.connect(self.ask_add_folder)
        self.verify_button.clicked.connect(self.verify)
        self.remove_button.clicked.connect(self.ask_remove)
        self.update_button.clicked.connect(self.update_all)
        self.get_button.clicked.connect(lambda: self.ask_get(self.selected_available()))
        self.get_all_button.clicked.connect(
            lambda: self.ask_get(self.listing.available if self.listing else []))
        self.list_button.clicked.connect(self.list_sources)
        self.cancel_button.clicked.connect(self.cancel)
        self.installed_table.itemSelectionChanged.connect(self._update_buttons)
        self.available_table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()

    @staticmethod
    def _table(columns: tuple[str, ...], stretch: tuple[int, ...]) -> QTableWidget:
        table = QTableWidget(0, len(columns))
        table.setHorizontalHeaderLabels(list(columns))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # Never wider than the page: long titles and paths are cut with "…" and shown on hover.
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = table.horizontalHeader()
        for column in range(len(columns)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column in stretch
                                        else QHeaderView.ResizeMode.ResizeToContents)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        return table

    @staticmethod
    def _fit_rows(table: QTableWidget) -> None:
        """As tall as its rows, up to VISIBLE_ROWS (then it scrolls), so the page stays short."""
        rows = max(2, min(table.rowCount(), VISIBLE_ROWS))
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                             + rows * table.verticalHeader().defaultSectionSize())

    def settings(self) -> Settings:
        return self._settings()

    def store(self) -> ModuleStore:
        return ModuleStore(self.settings().cache_dir)

    def token(self) -> str | None:
        return self.settings().options.get("token") or os.environ.get("HF_TOKEN")

    # -- what is shown ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.listing is None and self.list_job is None:
            self.list_sources()  # the first look at the page asks the sources (one request each)

    def refresh(self) -> None:
        """The installed modules, read from the store's record (a small file: at once)."""
        store = self.store()
        try:
            self.installed = store.installed()
        except UserError as exc:
            self.installed = []
            self.say(str(exc))
        table = self.installed_table
        table.setRowCount(len(self.installed))
        for row, module in enumerate(self.installed):
            refused = self.refused.get(module.name)
            checked = "REFUSED" if refused else "verified" if module.verified else UNVERIFIED_WORD
            cells = (module.title, module.version or "–", f"{module.rows:,}",
                     format_bytes(module.size), module.license or "not stated", checked,
                     module.source)
            tips = (f"{module.title} ({module.name})", None, None, None, None,
                    refused or ("Its files match its manifest" if module.verified else
                                "It came without a manifest: its files cannot be verified, and "
                                "you chose to use it anyway"), module.source)
            for column, (text, tip) in enumerate(zip(cells, tips)):
                item = QTableWidgetItem(text)
                if tip:
                    item.setToolTip(tooltip(tip))
                if column == 5 and (refused or not module.verified):
                    item.setForeground(WARN)
                if column in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, item)
        self._fit_rows(table)
        count = len(self.installed)
        self.where.setText(f"{count} installed, kept in {store.root}" if count else
                           "None installed yet: get one below, or add a folder of your own.")
        self._show_listing()
        self._update_buttons()

    def _show_listing(self) -> None:
        listing = self.listing
        table = self.available_table
        if listing is None:
            table.setRowCount(0)
            self._fit_rows(table)
            return
        here = {m.name: m for m in self.installed}
        table.setRowCount(len(listing.available))
        for row, module in enumerate(listing.available):
            installed = here.get(module.name)
            status = (installed.version or "yes") if installed else ""
            checked = "yes" if module.has_manifest else f"none: {UNVERIFIED_WORD}"
            for column, text in enumerate((module.name, format_bytes(module.size),
                                           module.source.label, checked, status)):
                item = QTableWidgetItem(text)
                if column in (0, 2):
                    item.setToolTip(tooltip(module.path if column == 0 else text))
                if column == 3 and not module.has_manifest:
                    item.setForeground(WARN)
                table.setItem(row, column, item)
        self._fit_rows(table)
        lines = [f"{source}: {count} module{'s' if count != 1 else ''}"
                 for source, count in listing.counts.items()]
        lines += [f"Could not look at {source}: {why}" for source, why in listing.problems]
        self.sources.setText("\n".join(lines) or "No sources (Settings: module_sources).")

    def _update_buttons(self) -> None:
        busy = self.job is not None
        chosen = bool(self.available_table.selectionModel().selectedRows())
        offered = bool(self.listing and self.listing.available)
        self.get_button.setEnabled(not busy and chosen)
        self.get_all_button.setEnabled(not busy and offered)
        self.add_button.setEnabled(not busy)
        self.verify_button.setEnabled(not busy and bool(self.installed))
        self.remove_button.setEnabled(not busy and self.selected_installed() is not None)
        self.list_button.setEnabled(self.list_job is None)

    def selected_installed(self) -> InstalledModule | None:
        rows = self.installed_table.selectionModel().selectedRows()
        return self.installed[rows[0].row()] if rows and rows[0].row() < len(self.installed) \
            else None

    def selected_available(self) -> list[AvailableModule]:
        if self.listing is None:
            return []
        rows = sorted(index.row() for index in self.available_table.selectionModel().selectedRows())
        return [self.listing.available[row] for row in rows if row < len(self.listing.available)]

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- listing the sources --------------------------------------------------------------------
    def list_sources(self) -> Job:
        settings, token = self.settings(), self.token()
        self.sources.setText("Asking the sources what they offer…")
        job = Job("List the module sources", lambda job: list_sources(settings, token),
                  kind="modules-list", quiet=True)
        job.signals.finished.connect(self._listed)
        job.signals.failed.connect(lambda reason: self._listed(
            Listing(problems=[("the sources", _one_line(reason))])))
        self.list_job = job
        self._update_buttons()
        return self.jobs.submit(job)

    def _listed(self, listing: Listing) -> None:
        self.list_job = None
        self.listing = listing
        self._show_listing()
        self._update_buttons()

    # -- jobs that change what is installed ----------------------------------------------------------
    def _start(self, job: Job, on_done: Callable[[Any], None]) -> Job:
        self.job = job
        self.say("")
        self.bar.setValue(0)
        self.bar.show()
        self.progress_label.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(lambda result: self._ended(lambda: on_done(result)))
        job.signals.failed.connect(lambda reason: self._ended(lambda: self.say(reason)))
        job.signals.cancelled.connect(lambda: self._ended(lambda: self.say(
            "Cancelled. What was downloaded is kept: Get resumes it.")))
        self._update_buttons()
        return self.jobs.submit(job)

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.progress_label.setText(message)

    def _ended(self, then: Callable[[], None]) -> None:
        self.job = None
        self.bar.hide()
        self.cancel_button.hide()
        self.progress_label.clear()
        self.progress_label.hide()
        self.refresh()
        then()
        self._update_buttons()
        self.changed.emit()  # also after a failure: a module may have been installed before it

    def cancel(self) -> None:
        if self.job is not None:
            self.progress_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
            self.job.cancel()

    # -- Get ------------------------------------------------------------------------------------
    def ask_get(self, modules: list[AvailableModule]) -> Job | None:
        """Ask with the size and the free space; ask again about modules without a manifest;
        then get them."""
        if not modules or self.job is not None:
            return None
        store = self.store()
        folder = modules[0].source.store_folder(store.cache_dir)
        if not self.confirm_get(modules, folder, disk_free_bytes(folder)):
            return None
        unverified = [m.name for m in modules if not m.has_manifest]
        allow = bool(unverified) and self.confirm_unverified(unverified)
        if unverified and not allow:
            modules = [m for m in modules if m.has_manifest]
            if not modules:
                self.say("Nothing fetched: the modules chosen have no manifest.")
                return None
        return self.get(modules, allow_unverified=allow)

    def confirm_get(self, modules: list[AvailableModule], folder: Path, free: int) -> bool:
        """Asks (a separate method so tests can answer); a Get that cannot fit only says so."""
        title, text = get_question(modules, folder, free)
        if sum(m.size for m in modules) > free:
            message_box(self, QMessageBox.Icon.Warning, title, text)
            return False
        return plain_question(self, title, text, "Get")

    def confirm_unverified(self, names: list[str]) -> bool:
        title, text = unverified_question(names)
        return plain_question(self, title, text, "Use unverified", warning=True, default_yes=False)

    def get(self, modules: list[AvailableModule], allow_unverified: bool = False) -> Job:
        from ..core.modules.download import get_modules

        store, token = self.store(), self.token()

        def work(job: Job) -> list[Any]:
            def progress(report: Progress) -> None:
                job.progress(report.fraction, report.describe())

            return get_modules(store, modules, allow_unverified=allow_unverified,
                               progress=progress, cancel=job.cancel_token, token=token)

        names = ", ".join(m.name for m in modules)
        return self._start(Job(f"Get modules: {names}", work, kind="modules"), self._got)

    def _got(self, results: list[Any]) -> None:
        self.say("\n".join(installed_line(r.module) if r.module is not None else r.error
                           for r in results))

    # -- Add a folder -----------------------------------------------------------------------------
    def ask_add_folder(self) -> Job | None:
        folder = self.choose_folder()
        return self.add_folder(folder) if folder else None

    def choose_folder(self) -> Path | None:
        """The file chooser (a separate method so tests can answer)."""
        chosen = QFileDialog.getExistingDirectory(self, "Add a compiled module folder",
                                                  str(Path.home()))
        return Path(chosen) if chosen else None

    def add_folder(self, folder: Path, allow_unverified: bool = False) -> Job | None:
        if self.job is not None:
            return None
        store = self.store()

        def work(job: Job) -> InstalledModule | UnverifiedModuleError:
            job.progress(0.0, f"Checking {folder}")
            try:
                return store.add_folder(folder, allow_unverified=allow_unverified,
                                        cancel=job.cancel_token)
            except UnverifiedModuleError as exc:
                return exc  # the person is asked, then it is added again

        return self._start(Job(f"Add module {folder.name}", work, kind="modules"),
                           lambda result: self._added(folder, result))

    def _added(self, folder: Path, result: InstalledModule | UnverifiedModuleError) -> None:
        if isinstance(result, InstalledModule):
            self.say(installed_line(result))
        elif self.confirm_unverified([folder.name]):
            self.add_folder(folder, allow_unverified=True)
        else:
            self.say(f"{folder.name} was not added: it has no manifest.")

    # -- Verify, Remove -----------------------------------------------------------------------------
    def verify(self) -> Job | None:
        if self.job is not None:
            return None
        store = self.store()
        total = sum(m.size for m in self.installed) or 1

        def work(job: Job) -> list[tuple[str, str | None]]:
            done = [0]

            def on_bytes(n: int) -> None:
                done[0] += n
                job.progress(min(done[0] / total, 1.0), f"Checking {format_bytes(done[0])} of "
                                                        f"{format_bytes(total)}")

            return store.verify_all(cancel=job.cancel_token, on_bytes=on_bytes)

        return self._start(Job("Verify the modules", work, kind="modules"), self._verified)

    def _verified(self, results: list[tuple[str, str | None]]) -> None:
        self.refused = {name: why for name, why in results if why}
        self.refresh()
        if not results:
            self.say("No modules installed.")
        elif not self.refused:
            self.say(f"All {len(results)} module{'s' if len(results) != 1 else ''} match what "
                     "was installed.")
        else:
            self.say("\n".join(f"{name} is refused and will not be used: {why}"
                               for name, why in self.refused.items()))

    def ask_remove(self) -> Job | None:
        module = self.selected_installed()
        if module is None or self.job is not None or not self.confirm_remove(module):
            return None
        store = self.store()
        return self._start(Job(f"Remove module {module.name}", lambda job: store.remove(module.name),
                               kind="modules"),
                           lambda removed: self.say(f"Removed {removed.title}; results made with "
                                                    "it keep saying so."))

    def confirm_remove(self, module: InstalledModule) -> bool:
        title, text = remove_question(module)
        return plain_question(self, title, text, "Remove", warning=True, default_yes=False)


def installed_line(module: InstalledModule) -> str:
    """One line per module installed, in `modules get`'s words."""
    trust = "verified" if module.verified else f"{UNVERIFIED_WORD} (no manifest)"
    version = f" {module.version}" if module.version else ""
    return f"Installed {module.title}{version} ({trust}) from {module.source}"


def _row(*widgets: QWidget | None) -> QHBoxLayout:
    """Widgets side by side; None is the stretch between them."""
    row = QHBoxLayout()
    for widget in widgets:
        if widget is None:
            row.addStretch(1)
        else:
            row.addWidget(widget)
    return row
