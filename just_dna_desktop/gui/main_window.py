"""The main window: people and samples on the left; the sample's summary and results, runs, the
reference and the annotation modules on the right;
running jobs and their live metrics at the bottom; and a status line that says nothing is uploaded.

The window builds its parts (one file per panel) and the concerns that act on them, each in a file
of its own and given only what it works with: importing (import_controller.py), annotating and the
queue (annotation_queue.py), what follows the reference's state (reference_actions.py), what a
person does with a sample (sample_actions.py) and the Results tab's page for the selection
(sample_area.py). It connects them in one place (_connect_signals) and keeps what is the window's
own: which page and tab show, the samples list's scan, the dock, settings and closing.

Everything slow (scanning the folder, importing, annotating, downloading) is a pool job; the window
only reacts to the jobs' signals. Annotation itself runs in a spawned child (core.workspace.runner).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDockWidget, QHBoxLayout, QLabel, QMainWindow, QMessageBox,
                               QPushButton, QScrollArea, QSplitter, QStackedWidget, QTabWidget,
                               QVBoxLayout, QWidget)

from ..core.workspace import settings as core_settings
from ..core.reference.demo import (DEMO_CHIP, DEMO_USER, DEMO_VCF, demo_chip_sample_name,
                                   demo_sample_name)
from ..core.errors import UserError
from ..core.workspace.history import History
from ..core.workspace.samples import Sample, Workspace
from .actions import ACTIONS, build_menus, create_actions
from .annotation_queue import AnnotationQueue
from .auto_annotation import FolderWatcher, WindowScheduler
from .failed_page import FailedPage
from .findings_view import modules_state
from .help_dialogs import AboutDialog, ShortcutsDialog
from .history_view import HistoryView
from .import_controller import ImportController
from .jobs import Job, JobManager
from .jobs_panel import JobsPanel
from .lineage_view import Node
from .metrics_panel import MetricsPanel
from .modules_panel import ModulesPanel
from .plain_text import message_box
from .reference_actions import ReferenceActions
from .reference_panel import ReferencePanel
from .responsiveness import EventLoopProbe
from .results_view import ResultsView
from .sample_actions import SampleActions, open_in_desktop
from .sample_area import SampleArea
from .sample_tree import SampleTree
from .screen_fit import fitted, keep_within
from .sample_texts import entry_detail
from .samples_model import SampleEntry, SamplesModel
from .settings_dialog import SettingsDialog
from .summary_view import SummaryView
from .status_page import StatusPage
from .welcome import WelcomePage

log = logging.getLogger(__name__)
PRIVACY_NOTE = "Everything stays on this computer: your genome files and results are never uploaded."
SCAN_INTERVAL_MS = 10_000
UI_STATE_FILE = "window.ini"
DOCK_VISIBLE = "window/jobs_dock_visible"
DOCK_BUSY_HEIGHT = 230  # the jobs, the live chart and the run's figures
QWIDGETSIZE_MAX = (1 << 24) - 1


class MainWindow(QMainWindow):
    sample_annotated = Signal(str)  # partition key
    samples_refreshed = Signal()
    # The sample whose results the Results tab shows now (a SampleEntry), or None when it shows
    # no table: other per-sample views (a summary) follow it, so they never show someone else's.
    sample_shown = Signal(object)

    def __init__(self, settings: core_settings.Settings, *, reference_dir: Path | None = None,
                 demo: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.demo = demo
        self.reference_dir = Path(reference_dir or settings.reference_dir)
        self.setWindowTitle("just-dna desktop" + (" (demo)" if demo else ""))
        self.setAcceptDrops(True)
        self.resize(fitted(self, 1280, 820))  # within the screen's available area

        self.jobs = JobManager(parent=self)
        self.history = History(settings.history_file)
        # The window's own state (columns, the dock): see gui/column_memory.py for why here.
        self.ui_state = QSettings(str(settings.state_dir / UI_STATE_FILE), QSettings.Format.IniFormat)
        self.workspace = self._make_workspace()
        self._scanning = False
        self._rescan = False
        self.current_key: str | None = None
        self._chosen_page: QWidget | None = None  # the page the person last asked for
        self._closing = False
        self._select_after_scan: str | None = None  # a sample the person just added
        self._shown_key: str | None = None  # the sample whose table is shown (sample_shown)
        self._scanned_once = False

        splitter = QSplitter()
        splitter.addWidget(self._build_samples_side())
        splitter.addWidget(self._build_pages())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 1020])
        self.setCentralWidget(splitter)
        self._build_jobs_dock()
        self._build_status_line()
        self._build_controllers()
        self._build_actions()
        self._connect_signals()
        self._start()

    # -- parts ------------------------------------------------------------------------------------
    def _build_samples_side(self) -> QWidget:
        """Left: people and samples."""
        self.samples = SamplesModel(self)
        self.tree = SampleTree()
        self.tree.setModel(self.samples)
        self.add_button = QPushButton("Add a genome file…")
        self.add_button.setToolTip("A VCF, or a genotyping service's raw data (23andMe, AncestryDNA, ...)")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.add_button)
        return left

    def _build_pages(self) -> QWidget:
        """Right: the first-run guide, or the tabs. The Results tab shows the selected sample: its
        table, its failure, or where it stands; never the table of a sample not selected."""
        self.welcome = WelcomePage()
        self.loading = QLabel("Looking for samples…")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.results = ResultsView(self.jobs, self.ui_state)
        self.failed_page = FailedPage()
        self.status_page = StatusPage()
        self.sample_area = SampleArea(self.results, self.failed_page, self.status_page,
                                      self.history, self._state_context)
        self.history_view = HistoryView(self.history)
        self.reference_panel = ReferencePanel(self.jobs, self.reference_dir, self._reference_options)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.sample_area, "Results")
        self.tabs.addTab(self.history_view, "Runs")
        # Scrolls rather than setting a minimum height for the whole window (small screens).
        self.tabs.addTab(_scrolling(self.reference_panel), "Reference")
        self.modules_panel = ModulesPanel(self.jobs, lambda: self.settings)
        self.tabs.addTab(_scrolling(self.modules_panel), "Modules")
        self._add_summary_tab()
        # Above the tabs while the reference is missing: samples cannot be annotated until then.
        self.reference_banner = QLabel()
        self.reference_banner.setWordWrap(True)
        self.reference_banner.setObjectName("referenceBanner")
        self.reference_banner.setStyleSheet(
            "#referenceBanner { background: palette(alternate-base); border: 1px solid #d9822b;"
            " border-radius: 4px; padding: 6px; }")
        self.get_reference_button = QPushButton("Get the reference…")
        self.banner = QWidget()
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(0, 0, 0, 4)
        banner_layout.addWidget(self.reference_banner, 1)
        banner_layout.addWidget(self.get_reference_button)
        self.banner.hide()
        tabs_page = QWidget()
        tabs_layout = QVBoxLayout(tabs_page)
        tabs_layout.setContentsMargins(0, 0, 0, 0)
        tabs_layout.addWidget(self.banner)
        tabs_layout.addWidget(self.tabs, 1)
        self.stack = QStackedWidget()
        for page in (self.loading, self.welcome, tabs_page):
            self.stack.addWidget(page)
        self.tabs_page = tabs_page
        return self.stack

    def _build_jobs_dock(self) -> None:
        """Bottom: running jobs and their metrics."""
        self.jobs_panel = JobsPanel(self.jobs)
        self.metrics = MetricsPanel()
        bottom = QSplitter()
        jobs_scroll = QScrollArea()  # queued samples are rows: they must never grow the window
        jobs_scroll.setWidget(self.jobs_panel)
        jobs_scroll.setWidgetResizable(True)
        jobs_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        bottom.addWidget(jobs_scroll)
        bottom.addWidget(self.metrics)
        bottom.setSizes([420, 860])
        dock = self.jobs_dock = QDockWidget("Jobs and metrics", self)
        dock.setObjectName("jobsDock")
        dock.setWidget(bottom)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        # Idle, a line or two (nothing runs, nothing waits): the window's height is the results'
        # (issue 21: the idle panel took a third of a 640-pixel window).
        self._dock_busy: bool | None = None
        self._fit_dock()
        # Closable (View → Jobs and metrics brings it back), remembered, and back when a job starts.
        self._dock_by_program = False
        if self.ui_state.value(DOCK_VISIBLE, "true") == "false":
            dock.hide()

    def _build_status_line(self) -> None:
        self.privacy = QLabel(PRIVACY_NOTE)
        self.reference_label = QLabel()
        self.lag_label = QLabel()
        self.lag_label.setToolTip("How late the window's event loop runs (kept under 100 ms)")
        self.lag_label.setMinimumWidth(self.lag_label.fontMetrics().horizontalAdvance("UI delay 9999 ms"))
        self.statusBar().addWidget(self.privacy, 1)
        self.statusBar().addPermanentWidget(self.reference_label)
        self.statusBar().addPermanentWidget(self.lag_label)
        self.probe = EventLoopProbe(parent=self)
        # The watcher reports new files within seconds; the slow rescan catches removals.
        self.scan_timer = QTimer(self, interval=SCAN_INTERVAL_MS)
        self.auto_timer = QTimer(self, interval=1000)

    def _build_controllers(self) -> None:
        """The concerns that act on the parts: each gets what it works with, never the window."""
        self.reference_actions = ReferenceActions(self.reference_panel, self.banner,
                                                  self.reference_banner, self.welcome,
                                                  self.reference_label, parent=self)
        # Which reference a run uses is the reference actions' to say (the demo's fallback).
        self.scheduler = self._make_scheduler()
        self.importer = ImportController(self.workspace, self.jobs, self.samples, self.current_user,
                                         parent=self)
        self.queue = AnnotationQueue(self.settings, self.workspace, self.scheduler, self.jobs,
                                     self.samples, self.metrics, self.jobs_panel, parent=self)
        self.sample_actions = SampleActions(
            self.tree, self.samples, self.jobs, self.history_view, self.failed_page,
            annotate=self.queue.annotate, cancel=self.queue.cancel, open_sample=self.open_sample,
            show_tab=self.show_tab, choose_files=self.importer.choose_files, parent=self,
            workspace=lambda: self.workspace, history=self.history,
            forget_queued=lambda key: self.scheduler.dequeue(key),
            update_findings=self.queue.update_findings)

    def _connect_signals(self) -> None:
        """Every connection between the window's parts, in one place."""
        # The people and samples list.
        self.samples.rowsInserted.connect(self._expand_new_users)  # a person's samples show at once
        self.samples.counts_changed.connect(self._counts_changed)
        self.samples.dataChanged.connect(self._entry_changed)
        self.tree.selectionModel().currentChanged.connect(self._sample_selected)
        self.tree.activated.connect(self._sample_activated)  # Enter, or a double click
        self.scan_timer.timeout.connect(self.refresh_samples)

        # Importing: the button, the first-run guide, files dropped on the list.
        self.add_button.clicked.connect(self.importer.choose_files)
        self.welcome.add_vcf.connect(self.importer.choose_files)
        self.welcome.open_demo.connect(self.open_demo)
        self.tree.files_dropped.connect(self.importer.import_files)
        self.importer.imported.connect(self._imported)
        self.importer.error.connect(self._error)

        # Annotation and the queue.
        self.auto_timer.timeout.connect(self.queue.run_due)
        self.auto_timer.timeout.connect(self.queue.show_queue)
        self.auto_timer.timeout.connect(self._show_queued_sample)
        self.auto_timer.timeout.connect(self._fit_dock)
        for signal in (self.jobs.job_added, self.jobs.job_done):
            signal.connect(lambda *_: self._fit_dock())
        self.jobs_panel.run_now.connect(self.queue.run_queued)
        self.jobs.job_added.connect(self._job_added)
        self.jobs.job_added.connect(self.queue.show_metrics_of)
        self.queue.annotated.connect(self._annotated)
        self.queue.ended.connect(self._annotation_ended)
        self.queue.rescan_wanted.connect(self.refresh_samples)

        # The reference: every "Get the reference" leads to its tab; its state to the banner.
        for signal in (self.get_reference_button.clicked, self.welcome.get_reference,
                       self.failed_page.get_reference, self.status_page.get_reference,
                       self.results.notice_action):
            signal.connect(self._show_reference)
        self.reference_panel.changed.connect(self.reference_actions.status_changed)

        # Sample actions: the context menu, the failed and status pages' buttons, the menu's state.
        sample_actions = self.sample_actions
        self.tree.customContextMenuRequested.connect(sample_actions.show_context_menu)
        for keys in ("Shift+F10", "Menu"):
            QShortcut(QKeySequence(keys), self.tree, sample_actions.show_keyboard_context_menu,
                      context=Qt.ShortcutContext.WidgetShortcut)
        failed, status = self.failed_page, self.status_page
        failed.retry.connect(lambda: self.queue.annotate(failed.key))
        failed.annotate_by_rsid.connect(lambda: self.queue.annotate(failed.key, match_by="rsid"))
        failed.annotate_by_position.connect(lambda: sample_actions.annotate_by_position(failed.key))
        failed.open_file.connect(sample_actions.open_input_file)
        failed.reveal_file.connect(lambda: sample_actions.actions["reveal_input"].trigger())
        failed.show_history.connect(lambda: sample_actions.actions["show_history"].trigger())
        status.annotate.connect(lambda: status.key and self.queue.annotate(status.key))
        status.cancel.connect(lambda: status.key and self.queue.cancel(status.key))
        for signal in (self.jobs.job_added, self.jobs.job_done):
            signal.connect(lambda *_: sample_actions.update())
        sample_actions.removed.connect(self._removed)

        # The Summary tab: always of the file the table shows, cleared with it, so another
        # person's summary never stays under this selection; its clicks filter the table.
        self.summary_view.filter_requested.connect(self.show_filtered_results)
        self.summary_view.annotate_by_rsid.connect(
            lambda key: self.queue.annotate(key, match_by="rsid"))
        self.summary_view.report_written.connect(
            lambda path: self.statusBar().showMessage(f"Report saved: {path}", 10_000))
        self.results.opened.connect(
            lambda path: self.summary_view.show_sample(Path(path), self.results.key))
        self.results.closed.connect(self.summary_view.clear)

        # The annotation modules: a change rescans and queues the samples whose findings are due;
        # the Summary's findings follow, and lead to the Modules page or to Update findings.
        findings = self.summary_view.findings
        findings.modules_page_requested.connect(lambda: self.show_tab(self.modules_panel))
        findings.update_requested.connect(self.queue.update_findings)
        self.modules_panel.changed.connect(self.queue.offer_all)
        self.modules_panel.changed.connect(self.summary_view.reload_findings)
        self.modules_panel.update_all.connect(self.queue.update_all_findings)
        self.queue.findings_queued.connect(self._findings_queued)
        self.queue.findings_updated.connect(self._findings_updated)

        # The run history, the dock and the status line.
        self.history_view.open_output.connect(lambda path: self.open_results(Path(path)))
        self.jobs_dock.visibilityChanged.connect(self._dock_visibility_changed)
        self.probe.delay_ms.connect(self._show_lag)

    def _start(self) -> None:
        self.probe.start()
        self.reference_panel.refresh()
        self._update_page()
        self._update_sample_area()
        self.history_view.refresh()
        self.scan_timer.start()
        self.auto_timer.start()
        self.watcher = self._start_watcher()
        self.refresh_samples()

    def _make_workspace(self) -> Workspace:
        workspace = Workspace.from_settings(self.settings, self.history)
        # States follow the reference this window annotates with (the demo's bundled slice).
        workspace.reference_dir = self.reference_dir
        return workspace

    def _make_scheduler(self) -> WindowScheduler:
        scheduler = WindowScheduler.from_settings(
            self.settings, self.workspace, self.history,
            reference_for=self.reference_actions.reference_for)
        scheduler.reference_dir = self.reference_dir  # the demo window's is the bundled slice
        return scheduler

    def _start_watcher(self) -> FolderWatcher:
        watcher = FolderWatcher(self.settings.input_dir, parent=self)
        watcher.files_ready.connect(self.queue.files_ready)
        try:
            watcher.start()
        except OSError as exc:  # e.g. the inotify limit: the periodic rescan still works
            log.warning("cannot watch %s: %s", self.settings.input_dir, exc)
        return watcher

    # -- menus ---------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        """The commands of gui/actions.py, connected here; menus and Help read the same table."""
        handlers = {
            "add_sample": self.importer.choose_files, "open_demo": self.open_demo,
            "add_demo": self.add_demo,
            "open_data_folder": lambda: open_in_desktop(self.settings.data_dir),
            "export_view": self.results.ask_export, "settings": self.edit_settings,
            "quit": self.close,
            "tab_results": lambda: self.show_tab(self.results),
            "tab_runs": lambda: self.show_tab(self.history_view),
            "tab_reference": lambda: self.show_tab(self.reference_panel),
            "tab_modules": lambda: self.show_tab(self.modules_panel),
            "next_tab": lambda: self.step_tab(1), "previous_tab": lambda: self.step_tab(-1),
            "focus_samples": self.tree.setFocus, "find": self.focus_filter,
            "rescan": self.refresh_samples, "toggle_jobs": self.toggle_jobs,
            "getting_started": lambda: self.choose_page(self.welcome),
            "shortcuts": lambda: ShortcutsDialog(self).exec(),
            "about": lambda: AboutDialog(self.reference_dir, self).exec(),
        }
        handlers.update(self._summary_handlers())
        # The Sample menu's commands are the sample actions' own.
        own = create_actions(self, [s for s in ACTIONS if s.id not in self.sample_actions.actions],
                             handlers)
        self.actions = {s.id: own.get(s.id) or self.sample_actions.actions[s.id] for s in ACTIONS}
        self.actions["toggle_jobs"].setCheckable(True)
        self.actions["toggle_jobs"].setChecked(not self.jobs_dock.isHidden())
        self.menus = build_menus(self.menuBar(), self.actions)

    def show_tab(self, page: QWidget) -> None:
        """The person asked for a tab (a menu, a button): the tab holding `page`."""
        self.choose_page(self.tabs_page)
        while page is not None and self.tabs.indexOf(page) < 0:
            page = page.parentWidget()
        if page is not None:
            self.tabs.setCurrentWidget(page)

    def step_tab(self, step: int) -> None:
        """Ctrl+Tab / Ctrl+Shift+Tab: the next or previous tab, from wherever the focus is."""
        self.choose_page(self.tabs_page)
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def focus_filter(self) -> None:
        self.show_tab(self.results)
        self.results.search.setFocus()
        self.results.search.selectAll()

    def toggle_jobs(self) -> None:
        self.jobs_dock.setVisible(self.jobs_dock.isHidden())

    def _dock_visibility_changed(self, visible: bool) -> None:
        self.actions["toggle_jobs"].setChecked(not self.jobs_dock.isHidden())
        # Remember what the person chose; not what the program did, nor a minimised window.
        if not self._dock_by_program and self.isVisible() and not self.isMinimized() \
                and not self._closing:
            self.ui_state.setValue(DOCK_VISIBLE, "false" if self.jobs_dock.isHidden() else "true")

    def _fit_dock(self) -> None:
        """The jobs panel: compact while nothing runs or waits, full (jobs, live chart, figures)
        while something does."""
        busy = any(not job.quiet for job in self.jobs.running) or bool(self.jobs_panel.queue_rows)
        if busy == self._dock_busy:
            return
        self._dock_busy = busy
        self.metrics.set_idle(not busy)
        dock = self.jobs_dock
        if busy:
            dock.setMaximumHeight(QWIDGETSIZE_MAX)
            self.resizeDocks([dock], [DOCK_BUSY_HEIGHT], Qt.Orientation.Vertical)
        else:  # its title and a line
            idle = 3 * self.fontMetrics().height() + 16
            dock.setMaximumHeight(idle)
            self.resizeDocks([dock], [idle], Qt.Orientation.Vertical)

    def _show_dock_for_job(self) -> None:
        if self.jobs_dock.isHidden():
            self._dock_by_program = True
            try:
                self.jobs_dock.show()
            finally:
                self._dock_by_program = False

    def _expand_new_users(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            for row in range(first, last + 1):
                self.tree.expand(self.samples.index(row, 0))

    def _show_reference(self) -> None:
        self.show_tab(self.reference_panel)

    # -- status ---------------------------------------------------------------------------------
    def _show_lag(self, delay_ms: float) -> None:
        if self.probe.samples % 10 == 0:
            self.lag_label.setText(f"UI delay {delay_ms:.0f} ms")

    def _reference_options(self) -> dict[str, Any]:
        return dict(self.settings.options)

    def _counts_changed(self, users: int, samples: int) -> None:
        self._update_page()
        self.history_view.set_users(self.samples.users)

    # -- pages ------------------------------------------------------------------------------------
    def _update_page(self) -> None:
        """The one place that decides what the right side shows: the page the person last asked
        for; else, before the first scan, a loading page; else the first-run guide while there is
        no sample, the tabs once there is one. A rescan alone never takes a page away."""
        if self._chosen_page is not None:
            page = self._chosen_page
        elif not self._scanned_once:
            page = self.loading
        elif self.samples.entries():
            page = self.tabs_page
        else:
            page = self.welcome
        self.stack.setCurrentWidget(page)

    def choose_page(self, page: QWidget) -> None:
        """The person asked for `page` (a menu, a button): it stays until they ask for another."""
        self._chosen_page = page
        self._update_page()

    def _entry_changed(self, first: QModelIndex, last: QModelIndex, roles: Any = ()) -> None:
        """A sample's state changed: redo its page if it is the one selected."""
        current = self.tree.currentIndex()
        if current.isValid() and current.parent() == first.parent() \
                and first.row() <= current.row() <= last.row():
            self._update_sample_area()
            self.sample_actions.update()

    def _update_sample_area(self, by_person: bool = False) -> None:
        """The Results tab for the selection (gui/sample_area.py), the sample's tab to follow it,
        and sample_shown when the table now shows another sample (or none)."""
        had_table = self.sample_area.currentWidget() is self.results
        shown = self.sample_area.show_selection(self.samples, self.tree.currentIndex())
        self._follow_sample_tab(had_table, by_person)
        if (shown and shown.key) != self._shown_key:
            self._shown_key = shown and shown.key
            self.sample_shown.emit(shown)

    def _follow_sample_tab(self, had_table: bool, by_person: bool) -> None:
        """Which of the sample's tabs shows: the Summary first for an annotated sample, the
        Results tab (its failure, where it stands) for the others. Another tab (Runs, Reference)
        is left only when the person picked a sample, never because a state changed."""
        table = self.sample_area.currentWidget() is self.results
        current = self.tabs.currentWidget()
        on_sample = current in (self.summary_view, self.sample_area)
        if not by_person and not on_sample:
            return
        if table and (not had_table or not on_sample):
            self.tabs.setCurrentWidget(self.summary_view)
        elif not table:
            self.tabs.setCurrentWidget(self.sample_area)

    def _state_context(self, entry: SampleEntry) -> dict[str, Any]:
        """What describe_state needs to know beyond the entry: the queue and the reference."""
        job = self.jobs.find(entry.key)
        return {"running": job is not None and job.state == "running",
                "queued_in": self.queue.queued_in(entry.key),
                "auto": bool(self.settings.auto_annotate),
                "waiting_for_reference": self.reference_actions.reference_missing()}

    # -- samples ---------------------------------------------------------------------------------
    def refresh_samples(self) -> None:
        """Scan the input folder on the pool and update the tree (coalesced: one scan at a time)."""
        if self._scanning:
            self._rescan = True
            return
        self._scanning = True
        workspace, scheduler = self.workspace, self.scheduler
        # Queued comes from the scheduler's in-memory queue, not from the history.
        job = Job("Scan the input folder", lambda job: scheduler.mark_queued(workspace.scan()),
                  kind="scan", quiet=True)
        job.signals.finished.connect(self._scanned)
        job.signals.failed.connect(lambda reason: self._scan_done())
        self.jobs.submit(job)

    def _scan_done(self) -> None:
        self._scanning = False
        if self._rescan:
            self._rescan = False
            self.refresh_samples()

    def _scanned(self, samples: list[Sample]) -> None:
        entries = []
        for sample in samples:
            entry = self._entry_of(sample)
            job = self.jobs.find(sample.key)
            if job is not None and job.kind == "annotate":
                entry.state = "running" if job.state == "running" else "queued"
                entry.progress = job.fraction
            entries.append(entry)
        users = [p.name for p in sorted(self.settings.input_dir.iterdir())
                 if p.is_dir() and not p.name.startswith(".")] if self.settings.input_dir.is_dir() else []
        self.samples.set_entries(entries, users)
        self._refresh_lineage()
        self._scan_done()
        if not self._scanned_once:
            self._scanned_once = True
            self._update_page()
            self._update_sample_area()
        wanted = self.samples.index_of(self._select_after_scan) if self._select_after_scan else None
        if wanted is not None and wanted.isValid():
            self._select_after_scan = None
            self.tree.setCurrentIndex(wanted)
            self.show_tab(self.sample_area)
        self.samples_refreshed.emit()

    @staticmethod
    def _entry_of(sample: Sample) -> SampleEntry:
        return SampleEntry(sample.user, sample.sample, sample.state, sample.path, sample.output,
                           entry_detail(sample.state, sample.last_run, sample.last_success,
                                        sample.problem, sample.damage),
                           extra={"size": sample.size, "run": sample.last_run,
                                  "good": sample.last_success, "problem": sample.problem})

    def _refresh_lineage(self) -> None:
        outputs = [Node(e.key, f"{e.state}", {"annotated": "ok", "failed": "error", "running": "running",
                                               "stale": "warn", "partial": "warn",
                                               "damaged": "error",
                                               "doubtful": "warn"}.get(e.state, "missing"))
                   for e in self.samples.entries()]
        self.reference_panel.lineage.set_graph(self.reference_panel.lineage.source,
                                               self.reference_panel.lineage.cache, outputs)

    def _sample_selected(self, current: QModelIndex, previous: QModelIndex = QModelIndex()) -> None:
        entry = self.samples.entry(current)
        self.current_key = entry.key if entry is not None else None
        self.sample_actions.update()
        self._update_sample_area(by_person=True)

    def _sample_activated(self, index: QModelIndex) -> None:
        """Enter (or a double click) on a sample opens its page and puts the keyboard there."""
        entry = self.samples.entry(index)
        if entry is not None:
            self.open_sample(entry)

    def open_sample(self, entry: SampleEntry) -> None:
        index = self.samples.index_of(entry.key)
        if index.isValid() and index != self.tree.currentIndex():
            self.tree.setCurrentIndex(index)
        self.show_tab(self.sample_area)
        self.sample_area.focus_page()

    def open_results(self, path: Path, title: str | None = None) -> None:
        """Open an output file (from the run history): as its sample's page when it is one."""
        entry = next((e for e in self.samples.entries() if e.output_path == path), None)
        if entry is not None:
            self.open_sample(entry)
            return
        self.tree.setCurrentIndex(QModelIndex())  # an ad hoc file belongs to no one in the tree
        try:
            self.sample_area.show_file(path, title)
        except Exception as exc:  # a damaged or foreign file: say so, keep the window
            message_box(self, QMessageBox.Icon.Warning, "Cannot open", f"{path}: {exc}")
            return
        self.show_tab(self.results)

    # -- the Summary tab (issue 13) ------------------------------------------------------------
    def _add_summary_tab(self) -> None:
        """The Summary tab, first: what the open sample holds; its clicks filter the table."""
        self.summary_view = SummaryView(
            self.jobs, lambda output: modules_state(output, self.workspace.modules_now()))
        self.tabs.insertTab(0, self.summary_view, "Summary")
        self.tabs.setCurrentWidget(self.summary_view)

    def _summary_handlers(self) -> dict[str, Any]:
        return {"tab_summary": lambda: self.show_tab(self.summary_view),
                "export_report": self.export_report}

    def show_filtered_results(self, text: str, clinical_only: bool, rare_only: bool,
                              carried_only: bool = False) -> None:
        """The results table filtered as the Summary asked (a chromosome, a variant, flagged...)."""
        results = self.results
        for box, checked in ((results.clinical, clinical_only), (results.rare, rare_only),
                             (results.carried, carried_only)):
            box.blockSignals(True)
            box.setChecked(checked and box.isEnabled())
            box.blockSignals(False)
        results.search.setText(text)
        results.apply_filter()
        self.show_tab(results)

    def export_report(self) -> None:
        if self.summary_view.summary is None:
            self.statusBar().showMessage("Select an annotated sample first: the report is of "
                                         "the sample the Summary shows", 8000)
            self.show_tab(self.summary_view)
            return
        self.summary_view.ask_export()

    # -- import (gui/import_controller.py) ------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.importer.drag_entered(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.importer.dropped(event)

    def current_user(self) -> str | None:
        return self.samples.user_of(self.tree.currentIndex())

    def start_import(self, choices: list[tuple[Path, str, str]]) -> Job:
        """Copy these (file, user, sample) into the workspace; the window shows them once done."""
        return self.importer.start_import(choices)

    def _imported(self, keys: list[str]) -> None:
        # With auto-annotation on, the watcher sees the new files and the scheduler queues them.
        self.statusBar().showMessage(f"Imported {', '.join(keys)}", 5000)
        if keys:
            self._select_after_scan = keys[0]  # the person added it: show it once it is listed
            self.choose_page(self.tabs_page)
        self.refresh_samples()

    def open_demo(self) -> None:
        """Open the demo: in the demo window, its samples here; in a person's own window, a demo
        window of its own on a throw-away workspace, so theirs never gets a demo person unless
        they ask (File → Add the demo to my workspace)."""
        if self.demo:
            self.add_demo()
        else:
            self.launch_demo()

    def launch_demo(self) -> bool:
        """Start the demo window (a process of its own); True once started."""
        from PySide6.QtCore import QProcess

        from .app import demo_command

        program, arguments = demo_command()
        started = QProcess.startDetached(program, arguments)
        started = started[0] if isinstance(started, tuple) else started
        self.statusBar().showMessage("Opening the demo in a window of its own (a throw-away "
                                     "workspace)…" if started else
                                     "The demo window could not be started", 10_000)
        return bool(started)

    def add_demo(self) -> None:
        """Import the bundled demo samples (once): the VCF, and the same real calls as a
        23andMe-layout genotyping file; annotate them against the bundled reference slice, the VCF
        first (matched by position), then the genotyping file (by rsID)."""
        demo = [(DEMO_VCF, demo_sample_name()), (DEMO_CHIP, demo_chip_sample_name())]
        keys = [f"{DEMO_USER}/{sample}" for _, sample in demo]
        missing = [(path, DEMO_USER, sample) for (path, sample), key in zip(demo, keys)
                   if not self.samples.index_of(key).isValid()]
        if not missing:
            entry = self.samples.entry(self.samples.index_of(keys[0]))
            if entry is not None:  # the person asked for the demo: show it
                self.choose_page(self.tabs_page)
                self.open_sample(entry)
            self.queue.annotate_in_turn([k for k in keys if (e := self.samples.entry(
                self.samples.index_of(k))) is not None and e.state != "annotated"])
            return
        job = self.start_import(missing)
        # A person asked: annotate now rather than at the automatic pace (one run a minute), and
        # without the real reference too (the demo user falls back to the bundled slice).
        job.signals.finished.connect(
            lambda imported: self.queue.annotate_in_turn([k for k in keys if k in imported]))

    # -- annotation (gui/annotation_queue.py) ------------------------------------------------------
    def annotate(self, key: str, **job_options: Any) -> Job | None:
        """Annotate one sample now (a person asked); see AnnotationQueue.annotate."""
        return self.queue.annotate(key, **job_options)

    def _show_queued_sample(self) -> None:
        """The selected sample's place in the queue and its countdown (every second)."""
        self.sample_area.show_waiting(self.samples.entry(self.tree.currentIndex()))

    def _job_added(self, job: Job) -> None:
        if not job.quiet:
            self._show_dock_for_job()  # hidden by the person, back while something runs

    def _annotated(self, key: str) -> None:
        self.history_view.refresh()
        self.refresh_samples()
        if self.summary_view.key == key:
            # Its Summary may have opened with the result, before its findings were made (they
            # follow in the same run): read them again.
            self.summary_view.reload_findings()
        if self.current_key is None:
            # Nobody else is selected: show this one (its page updates as its state changes).
            index = self.samples.index_of(key)
            if index.isValid():
                self.tree.setCurrentIndex(index)
        self.sample_annotated.emit(key)

    def _removed(self, what: str) -> None:
        self.statusBar().showMessage(f"Removed {what}", 10_000)
        self.history_view.refresh()
        self.refresh_samples()

    def _findings_updated(self, key: str) -> None:
        self.history_view.refresh()
        if self.summary_view.key == key:
            self.summary_view.reload_findings()

    def _findings_queued(self, keys: list[str]) -> None:
        """Update every sample's findings: what it queued, on the Modules page."""
        self.modules_panel.say(
            f"Making the findings of {len(keys)} sample{'s' if len(keys) != 1 else ''} again: "
            f"{', '.join(keys)}." if keys else "Every sample's findings are up to date.")

    def _annotation_ended(self, key: str, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        self.history_view.refresh()
        self.refresh_samples()

    # -- settings ---------------------------------------------------------------------------------
    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        try:
            dialog.save()
            self.settings = core_settings.load_settings()
        except UserError as exc:
            self._error("Settings not saved", str(exc))
            return
        if not self.demo:
            self.reference_dir = self.settings.reference_dir
        self.workspace = self._make_workspace()
        self.importer.workspace = self.workspace
        self.scheduler = self._make_scheduler()
        self.queue.use(self.settings, self.workspace, self.scheduler)
        self.watcher.stop()
        self.watcher = self._start_watcher()
        if not self.demo:
            self.reference_panel.set_reference_dir(self.reference_dir)
        self.modules_panel.listing = None  # the sources may be others now: asked when next shown
        self.modules_panel.refresh()
        self.refresh_samples()

    def _error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        # Window-modal but not blocking: a job's failure never stalls the event loop.
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the message quotes files and errors
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        keep_within(self)  # the whole frame on the screen, where the platform lets us

    # -- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: Any) -> None:
        if self._closing:  # already shut down (jobs cancelled): nothing to ask
            event.accept()
            return
        busy = [j for j in self.jobs.running if not j.quiet]
        if busy and QMessageBox.question(
                self, "Jobs are running", f"{len(busy)} job(s) are running. Cancel them and quit?"
        ) != QMessageBox.StandardButton.Yes:
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        self._closing = True
        self.scan_timer.stop()
        self.auto_timer.stop()
        self.watcher.stop()
        self.scheduler.clear_queue()
        self.probe.stop()
        self.jobs.close()
        self.jobs.wait(15_000)
        self.history.close()


def _scrolling(page: QWidget) -> QScrollArea:
    """A tab's page that scrolls rather than setting a minimum height for the window."""
    scroll = QScrollArea()
    scroll.setWidget(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll
