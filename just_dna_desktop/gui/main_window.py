"""The main window: people and samples on the left; results, runs and the reference on the right;
running jobs and their live metrics at the bottom; and a status line that says nothing is uploaded.

Everything slow (scanning the folder, importing, annotating, downloading) is a pool job; the window
only reacts to the jobs' signals. Annotation itself runs in a spawned child (core.runner).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import psutil
from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMenu,
                               QMessageBox, QPushButton, QSplitter, QStackedWidget, QTabWidget,
                               QVBoxLayout, QWidget)

from ..core import settings as core_settings
from ..core.demo import (DEMO_CHIP, DEMO_REFERENCE_DIR, DEMO_USER, DEMO_VCF,
                         demo_chip_sample_name, demo_sample_name)
from ..core.errors import Cancelled, UserError
from ..core.history import History
from ..core.metrics import ResourceMonitor
from ..core.workspace import Sample, Workspace
from .actions import ACTIONS, build_menus, create_actions
from .auto_annotation import FolderWatcher, WindowScheduler
from .help_dialogs import AboutDialog, ShortcutsDialog
from .history_view import HistoryView
from .import_dialog import ImportDialog
from .jobs import Job, JobManager
from .jobs_panel import JobsPanel
from .lineage_view import Node
from .metrics_panel import MetricsPanel
from .reference_panel import ReferencePanel, describe_files, describe_size
from .responsiveness import EventLoopProbe
from .results_view import ResultsView
from .sample_tree import GENOME_FILE_FILTER, SampleTree, dropped_paths
from .samples_model import SampleEntry, SamplesModel
from .settings_dialog import SettingsDialog
from .summary_view import SummaryView
from .welcome import WelcomePage

log = logging.getLogger(__name__)
PRIVACY_NOTE = "Everything stays on this computer: your VCFs and results are never uploaded."
SCAN_INTERVAL_MS = 10_000


class MainWindow(QMainWindow):
    sample_annotated = Signal(str)  # partition key
    samples_refreshed = Signal()

    def __init__(self, settings: core_settings.Settings, *, reference_dir: Path | None = None,
                 demo: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.demo = demo
        self.reference_dir = Path(reference_dir or settings.reference_dir)
        self.setWindowTitle("just-dna desktop" + (" (demo)" if demo else ""))
        self.setAcceptDrops(True)
        self.resize(1280, 820)

        self.jobs = JobManager(parent=self)
        self.history = History(settings.history_file)
        self.workspace = Workspace.from_settings(settings, self.history)
        self.scheduler = self._make_scheduler()
        self._auto_job: Job | None = None
        self._scanning = False
        self._rescan = False
        self._monitors: dict[str, ResourceMonitor] = {}
        self.current_key: str | None = None

        # Left: people and samples.
        self.samples = SamplesModel(self)
        self.tree = SampleTree()
        self.tree.setModel(self.samples)
        # A person's samples are shown as soon as the person appears.
        self.samples.rowsInserted.connect(self._expand_new_users)
        add_button = QPushButton("Add VCF…")
        add_button.clicked.connect(self.choose_files)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(add_button)

        # Right: the first-run guide, or the tabs.
        self.welcome = WelcomePage()
        self.results = ResultsView(self.jobs)
        self.history_view = HistoryView(self.history)
        self.reference_panel = ReferencePanel(self.jobs, self.reference_dir, self._reference_options)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.results, "Results")
        self.tabs.addTab(self.history_view, "Runs")
        self.tabs.addTab(self.reference_panel, "Reference")
        self._add_summary_tab()
        # Above the tabs while the reference is missing: samples cannot be annotated until then.
        self.reference_banner = QLabel()
        self.reference_banner.setWordWrap(True)
        self.reference_banner.setObjectName("referenceBanner")
        self.reference_banner.setStyleSheet(
            "#referenceBanner { background: palette(alternate-base); border: 1px solid #d9822b;"
            " border-radius: 4px; padding: 6px; }")
        get_reference = QPushButton("Get the reference…")
        get_reference.clicked.connect(self._show_reference)
        self.banner = QWidget()
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(0, 0, 0, 4)
        banner_layout.addWidget(self.reference_banner, 1)
        banner_layout.addWidget(get_reference)
        self.banner.hide()
        tabs_page = QWidget()
        tabs_layout = QVBoxLayout(tabs_page)
        tabs_layout.setContentsMargins(0, 0, 0, 0)
        tabs_layout.addWidget(self.banner)
        tabs_layout.addWidget(self.tabs, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(tabs_page)
        self.tabs_page = tabs_page
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 1020])
        self.setCentralWidget(splitter)

        # Bottom: running jobs and their metrics.
        self.jobs_panel = JobsPanel(self.jobs)
        self.metrics = MetricsPanel()
        bottom = QSplitter()
        bottom.addWidget(self.jobs_panel)
        bottom.addWidget(self.metrics)
        bottom.setSizes([420, 860])
        dock = self.jobs_dock = QDockWidget("Jobs and metrics", self)
        dock.setObjectName("jobsDock")
        dock.setWidget(bottom)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [210], Qt.Orientation.Vertical)

        # Status line.
        self.privacy = QLabel(PRIVACY_NOTE)
        self.reference_label = QLabel()
        self.lag_label = QLabel()
        self.lag_label.setToolTip("How late the window's event loop runs (kept under 100 ms)")
        self.lag_label.setMinimumWidth(self.lag_label.fontMetrics().horizontalAdvance("UI delay 9999 ms"))
        self.statusBar().addWidget(self.privacy, 1)
        self.statusBar().addPermanentWidget(self.reference_label)
        self.statusBar().addPermanentWidget(self.lag_label)
        self.probe = EventLoopProbe(parent=self)
        self.probe.delay_ms.connect(self._show_lag)
        self.probe.start()

        self._build_actions()
        self.tree.files_dropped.connect(self.import_files)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.selectionModel().currentChanged.connect(self._sample_selected)
        self.tree.doubleClicked.connect(self._sample_activated)
        self.welcome.add_vcf.connect(self.choose_files)
        self.welcome.get_reference.connect(self._show_reference)
        self.welcome.open_demo.connect(self.open_demo)
        self.reference_panel.changed.connect(self._reference_changed)
        self.history_view.open_output.connect(lambda path: self.open_results(Path(path)))
        self.samples.counts_changed.connect(self._counts_changed)
        self.jobs.job_added.connect(self._job_added)
        for signal in (self.jobs.job_added, self.jobs.job_done):
            signal.connect(lambda *_: self._update_sample_actions())

        self.reference_panel.refresh()
        self._counts_changed(0, 0)
        self.history_view.refresh()
        # The watcher reports new files within seconds; the slow rescan catches removals.
        self.scan_timer = QTimer(self, interval=SCAN_INTERVAL_MS)
        self.scan_timer.timeout.connect(self.refresh_samples)
        self.scan_timer.start()
        self.auto_timer = QTimer(self, interval=1000)
        self.auto_timer.timeout.connect(self._run_due)
        self.auto_timer.start()
        self.watcher = self._start_watcher()
        self.refresh_samples()

    def _make_scheduler(self) -> WindowScheduler:
        scheduler = WindowScheduler.from_settings(self.settings, self.workspace, self.history,
                                                  reference_for=self.reference_for)
        scheduler.reference_dir = self.reference_dir  # the demo window's is the bundled slice
        return scheduler

    def _start_watcher(self) -> FolderWatcher:
        watcher = FolderWatcher(self.settings.input_dir, parent=self)
        watcher.files_ready.connect(self._files_ready)
        try:
            watcher.start()
        except OSError as exc:  # e.g. the inotify limit: the periodic rescan still works
            log.warning("cannot watch %s: %s", self.settings.input_dir, exc)
        return watcher

    # -- menus ---------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        """The commands of gui/actions.py, connected here; menus and Help read the same table."""
        handlers = {
            "add_sample": self.choose_files, "open_demo": self.open_demo,
            "open_data_folder": lambda: _open_folder(self.settings.data_dir),
            "export_view": self.results.ask_export, "settings": self.edit_settings,
            "quit": self.close,
            "tab_results": lambda: self.show_tab(self.results),
            "tab_runs": lambda: self.show_tab(self.history_view),
            "tab_reference": lambda: self.show_tab(self.reference_panel),
            "next_tab": lambda: self.step_tab(1), "previous_tab": lambda: self.step_tab(-1),
            "focus_samples": self.tree.setFocus, "find": self.focus_filter,
            "rescan": self.refresh_samples, "toggle_jobs": self.toggle_jobs,
            "annotate": lambda: self._with_selected(lambda e: self.annotate(e.key)),
            "cancel": lambda: self._with_selected(lambda e: self.cancel(e.key)),
            "show_results": lambda: self._with_selected(self.open_sample),
            "open_output_folder": lambda: self._with_selected(
                lambda e: _open_folder(e.output_path.parent if e.output_path else None)),
            "reveal_input": lambda: self._with_selected(
                lambda e: _open_folder(e.vcf_path.parent if e.vcf_path else None)),
            "show_history": lambda: self._with_selected(lambda e: self.show_history(e.user, e.sample)),
            "getting_started": lambda: self.stack.setCurrentWidget(self.welcome),
            "shortcuts": lambda: ShortcutsDialog(self).exec(),
            "about": lambda: AboutDialog(self.reference_dir, self).exec(),
        }
        handlers.update(self._summary_handlers())
        self.actions = create_actions(self, ACTIONS, handlers)
        self.menus = build_menus(self.menuBar(), self.actions)
        self._update_sample_actions()

    def show_tab(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(self.tabs_page)
        self.tabs.setCurrentWidget(page)

    def step_tab(self, step: int) -> None:
        """Ctrl+Tab / Ctrl+Shift+Tab: the next or previous tab, from wherever the focus is."""
        self.stack.setCurrentWidget(self.tabs_page)
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def focus_filter(self) -> None:
        self.show_tab(self.results)
        self.results.search.setFocus()
        self.results.search.selectAll()

    def toggle_jobs(self) -> None:
        self.jobs_dock.setVisible(not self.jobs_dock.isVisible())

    def selected_entry(self) -> SampleEntry | None:
        return self.samples.entry(self.tree.currentIndex())

    def _with_selected(self, action) -> None:
        entry = self.selected_entry()
        if entry is not None:
            action(entry)

    def _update_sample_actions(self) -> None:
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

    def _reference_changed(self, status: Any) -> None:
        if self.reference_dir == DEMO_REFERENCE_DIR:
            # Never download into (or re-verify) the program's own bundled files.
            for button in (self.reference_panel.download_button, self.reference_panel.verify_button):
                button.setEnabled(False)
                button.setToolTip("This demo window uses the bundled reference slice")
            self.reference_label.setText("Reference: the bundled demo slice")
            self.welcome.set_reference_ready(True, "This demo window uses the small reference slice "
                                             "bundled with the program (chromosome 21, 25-26 Mb).")
            return
        ready = status.status in ("cached", "unverified")
        self.reference_label.setText(f"Reference: {status.status}")
        self.banner.setVisible(status.status == "missing")
        self.reference_banner.setText(
            "The Ensembl reference is not on this computer yet, so samples wait to be annotated. "
            "Download it once (about 14 GB; a few chromosomes are enough to start, see Settings).")
        self.welcome.set_reference_ready(
            ready, f"{describe_files(status.num_files)}, {describe_size(status.total_size_gb)} in "
            f"{status.cache_path}" if status.num_files else
            "About 14 GB from Hugging Face, downloaded once and kept in a cache shared with the "
            "just-dna pipelines.")

    def _counts_changed(self, users: int, samples: int) -> None:
        if samples and self.stack.currentWidget() is self.welcome:
            self.stack.setCurrentWidget(self.tabs_page)
        elif not samples:
            self.stack.setCurrentWidget(self.welcome)
        self.history_view.set_users(self.samples.users)

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
        self.samples_refreshed.emit()

    @staticmethod
    def _entry_of(sample: Sample) -> SampleEntry:
        detail = ""
        run = sample.last_run
        if sample.problem:
            detail = f"Not a genome file: {sample.problem}"
        elif run is not None and run.status == "failed":
            detail = f"Failed: {run.error}"
        elif sample.last_success is not None:
            m = sample.last_success.metadata or {}
            if not isinstance(m.get("rows_out"), int):
                detail = ""
            elif m.get("match_by") == "rsid":
                detail = (f"{m['rows_out']:,} markers by rsID, {m.get('alleles_matched', 0):,} "
                          f"placed, {m.get('strand_flipped', 0):,} strand-flipped, "
                          f"{m.get('mismatched', 0):,} mismatched")
            else:
                detail = f"{m['rows_out']:,} allele rows, {m.get('alleles_matched', '?'):,} matched"
        return SampleEntry(sample.user, sample.sample, sample.state, sample.path, sample.output,
                           detail, extra={"size": sample.size})

    def _refresh_lineage(self) -> None:
        outputs = [Node(e.key, f"{e.state}", {"annotated": "ok", "failed": "error", "running": "running",
                                               "stale": "warn", "partial": "warn"}.get(e.state, "missing"))
                   for e in self.samples.entries()]
        self.reference_panel.lineage.set_graph(self.reference_panel.lineage.source,
                                               self.reference_panel.lineage.cache, outputs)

    def _sample_selected(self, current: QModelIndex, previous: QModelIndex = QModelIndex()) -> None:
        self._update_sample_actions()
        entry = self.samples.entry(current)
        if entry is None:
            return
        self.current_key = entry.key
        if entry.output_path is not None and entry.output_path.is_file():
            self.open_results(entry.output_path, entry.key)

    def _sample_activated(self, index: QModelIndex) -> None:
        entry = self.samples.entry(index)
        if entry is not None and entry.state in ("new", "stale", "failed", "cancelled"):
            self.annotate(entry.key)

    def open_sample(self, entry: SampleEntry) -> None:
        if entry.output_path is not None and entry.output_path.is_file():
            self.open_results(entry.output_path, entry.key)

    def open_results(self, path: Path, title: str | None = None) -> None:
        try:
            self.results.open(path, title)
        except Exception as exc:  # a damaged or foreign file: say so, keep the window
            QMessageBox.warning(self, "Cannot open", f"{path}: {exc}")
            return
        self._summarise(path, title)
        self.statusBar().showMessage(f"Opened {self.results.model.query.total_rows:,} rows in "
                                     f"{self.results.open_seconds:.2f} s", 5000)

    # -- the Summary tab (issue 13) ------------------------------------------------------------
    def _add_summary_tab(self) -> None:
        """The Summary tab, first: what the open sample holds; its clicks filter the table."""
        self.summary_view = SummaryView(self.jobs)
        self.tabs.insertTab(0, self.summary_view, "Summary")
        self.tabs.setCurrentWidget(self.summary_view)
        self.summary_view.filter_requested.connect(self.show_filtered_results)
        self.summary_view.report_written.connect(
            lambda path: self.statusBar().showMessage(f"Report saved: {path}", 10_000))
        # Never another person's summary under this selection: a sample without results clears it.
        self.tree.selectionModel().currentChanged.connect(self._summary_follows_selection)

    def _summary_handlers(self) -> dict[str, Any]:
        return {"tab_summary": lambda: self.show_tab(self.summary_view),
                "export_report": self.export_report}

    def _summarise(self, path: Path, title: str | None) -> None:
        """Summarise the sample just opened; show the Summary unless the person is in the table."""
        self.summary_view.show_sample(path, title)
        in_table = self.stack.currentWidget() is self.tabs_page and self.tabs.currentWidget() is self.results
        self.show_tab(self.results if in_table else self.summary_view)

    def _summary_follows_selection(self, current: QModelIndex, previous: QModelIndex) -> None:
        entry = self.samples.entry(current)
        if entry is not None and not (entry.output_path and entry.output_path.is_file()):
            self.summary_view.clear()

    def show_filtered_results(self, text: str, clinical_only: bool, rare_only: bool) -> None:
        """The results table filtered as the Summary asked (a chromosome, a variant, flagged...)."""
        results = self.results
        for box, checked in ((results.clinical, clinical_only), (results.rare, rare_only)):
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

    def _context_menu(self, point: QPoint) -> None:
        self.sample_menu(self.tree.indexAt(point)).exec(self.tree.viewport().mapToGlobal(point))

    def sample_menu(self, index: QModelIndex) -> QMenu:
        """The tree's context menu for a sample (the Sample menu's commands), a user, or the
        empty space. A sample's menu selects it first, so the commands act on what was clicked."""
        entry = self.samples.entry(index)
        menu = QMenu(self)
        if entry is not None:
            self.tree.setCurrentIndex(index)
            self._update_sample_actions()
            for name in ("annotate", "cancel", "", "show_results", "open_output_folder",
                         "reveal_input", "show_history"):
                menu.addAction(self.actions[name]) if name else menu.addSeparator()
        else:
            user = self.samples.user_of(index)
            if user:
                menu.addAction(f"Add a VCF for {user}…", lambda: self.choose_files(user))
                menu.addAction("Show history", lambda: self.show_history(user))
            else:
                menu.addAction("Add VCF…", self.choose_files)
        return menu

    def show_history(self, user: str, sample: str | None = None) -> None:
        self.history_view.user_filter.setCurrentText(user)
        self.history_view.text_filter.setText(f"{user}/{sample}" if sample else "")
        self.history_view.refresh()
        self.show_tab(self.history_view)

    # -- import ---------------------------------------------------------------------------------
    def choose_files(self, user: str | None = None) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add genome files", str(Path.home()),
                                                GENOME_FILE_FILTER)
        if files:
            self.import_files([Path(f) for f in files], user if isinstance(user, str) else "")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        event.acceptProposedAction() if dropped_paths(event) else event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.import_files(paths, "")

    def import_dialog(self, files: list[Path], user: str) -> ImportDialog:
        """The dialog for these files; a separate method so tests can answer it."""
        taken = {e.key for e in self.samples.entries()}
        return ImportDialog(files, self.samples.users, user or self.current_user(), taken, self)

    def current_user(self) -> str | None:
        return self.samples.user_of(self.tree.currentIndex())

    def import_files(self, files: list[Path], user: str = "") -> None:
        dialog = self.import_dialog(files, user)
        if dialog.exec() != ImportDialog.DialogCode.Accepted:
            return
        self.start_import(dialog.choices())

    def start_import(self, choices: list[tuple[Path, str, str]]) -> Job:
        workspace = self.workspace

        def work(job: Job) -> list[str]:
            keys = []
            for number, (path, user, sample) in enumerate(choices):
                job.cancel_token.raise_if_cancelled()
                job.progress(number / len(choices), f"Copying {path.name}")
                workspace.import_sample(path, user, sample)
                keys.append(f"{user}/{sample}")
            job.progress(1.0, "Imported")
            return keys

        job = Job(f"Import {len(choices)} file{'s' if len(choices) != 1 else ''}", work, kind="import")
        job.signals.finished.connect(self._imported)
        job.signals.failed.connect(lambda reason: self._error("Import failed", reason))
        return self.jobs.submit(job)

    def _imported(self, keys: list[str]) -> None:
        # With auto-annotation on, the watcher sees the new files and the scheduler queues them.
        self.statusBar().showMessage(f"Imported {', '.join(keys)}", 5000)
        self.refresh_samples()

    def open_demo(self) -> None:
        """Import the bundled demo samples (once): the VCF, and the same real calls as a
        23andMe-layout genotyping file; annotate them against the bundled reference slice, the VCF
        first (matched by position), then the genotyping file (by rsID)."""
        demo = [(DEMO_VCF, demo_sample_name()), (DEMO_CHIP, demo_chip_sample_name())]
        keys = [f"{DEMO_USER}/{sample}" for _, sample in demo]
        missing = [(path, DEMO_USER, sample) for (path, sample), key in zip(demo, keys)
                   if not self.samples.index_of(key).isValid()]
        if not missing:
            self.tree.setCurrentIndex(self.samples.index_of(keys[0]))
            self._annotate_in_turn([k for k in keys if (e := self.samples.entry(
                self.samples.index_of(k))) is not None and e.state != "annotated"])
            return
        job = self.start_import(missing)
        # A person asked: annotate now rather than at the automatic pace (one run a minute), and
        # without the real reference too (the demo user falls back to the bundled slice).
        job.signals.finished.connect(
            lambda imported: self._annotate_in_turn([k for k in keys if k in imported]))

    def _annotate_in_turn(self, keys: list[str]) -> None:
        """Annotate these samples one after the other (each once the one before is done)."""
        if not keys:
            return
        first, rest = keys[0], keys[1:]
        if rest:
            def next_one(key: str) -> None:
                if key == first:
                    self.sample_annotated.disconnect(next_one)
                    self._annotate_in_turn(rest)

            self.sample_annotated.connect(next_one)
        self.annotate(first)

    # -- annotation -------------------------------------------------------------------------------
    def reference_for(self, user: str) -> Path:
        """The demo user falls back to the bundled slice while the real reference is missing."""
        if user == DEMO_USER and self.reference_panel.status is not None \
                and self.reference_panel.status.status in ("missing", "incomplete"):
            return DEMO_REFERENCE_DIR
        return self.reference_dir

    def annotate(self, key: str) -> Job | None:
        """Annotate one sample now (a person asked), whatever the automatic policy says."""
        if self.jobs.find(key) is not None:
            return None
        user, _, name = key.partition("/")
        workspace, scheduler = self.workspace, self.scheduler

        def call(progress, cancel, on_event, on_start):
            sample = workspace.sample(user, name)
            if sample is None:
                raise UserError(f"{key}: no such sample in {workspace.input_dir}")
            return scheduler.run_now(sample, progress=progress, cancel=cancel, on_event=on_event,
                                     on_start=on_start)

        return self._submit_run(key, call)

    def _run_due(self) -> Job | None:
        """Start the next automatic run when one is queued and the minimum interval has passed."""
        scheduler = self.scheduler
        queued = scheduler.queued()
        if self._auto_job is not None and not self._auto_job.done or not queued:
            return None
        wait = scheduler.seconds_until_next()
        key = queued[0].key
        if wait is None or wait > 0 or self.jobs.find(key) is not None:
            return None

        def call(progress, cancel, on_event, on_start):
            return scheduler.run_next(progress=progress, cancel=cancel, on_event=on_event,
                                      on_start=on_start)

        self._auto_job = self._submit_run(key, call)
        return self._auto_job

    def _submit_run(self, key: str, call) -> Job:
        """A pool job around a blocking runner call, with the live chart on the child process."""
        monitors = self._monitors

        def work(job: Job) -> dict[str, Any]:
            def on_start(pid: int) -> None:
                # The live chart samples the child; the runner keeps its own figure for the record.
                monitors[key] = ResourceMonitor(pid=pid, interval=0.25, on_sample=job.metrics).start()

            try:
                result = call(job.progress, job.cancel_token,
                              lambda level, message: job.log(message), on_start)
            finally:
                monitor = monitors.pop(key, None)
                if monitor is not None:
                    try:
                        monitor.stop()
                    except psutil.Error:
                        pass  # the child is gone: its summary is the runner's, not this chart's
            if result is None:
                raise Cancelled("not due any more")
            if result.status == "cancelled":
                raise Cancelled("cancelled")
            if not result.ok:
                raise UserError(result.error or "failed")
            return result.metadata

        job = Job(f"Annotate {key}", work, kind="annotate", key=key)
        job.signals.progress.connect(
            lambda fraction, message: self.samples.update_entry(key, state="running", progress=fraction))
        job.signals.finished.connect(lambda metadata: self._annotated(key, metadata))
        job.signals.failed.connect(lambda reason: self._annotation_ended(key, f"{key} failed: {reason}"))
        job.signals.cancelled.connect(lambda: self._annotation_ended(key, f"{key}: cancelled"))
        self.samples.update_entry(key, state="queued", progress=0.0)
        return self.jobs.submit(job)

    # -- automatic annotation -----------------------------------------------------------------------
    def _files_ready(self, paths: list[Path]) -> None:
        """The watcher saw complete new or changed files: show them, and queue what is due."""
        self.refresh_samples()
        if not self.settings.auto_annotate:
            return
        scheduler = self.scheduler
        job = Job("Queue new samples", lambda job: scheduler.offer(paths), kind="scan", quiet=True)
        job.signals.finished.connect(lambda queued: (self.refresh_samples(), self._run_due()))
        self.jobs.submit(job)

    def cancel(self, key: str) -> None:
        job = self.jobs.find(key)
        if job is not None:
            job.cancel()

    def _job_added(self, job: Job) -> None:
        if job.kind == "annotate":
            job.signals.progress.connect(lambda *_: None)  # keeps the row live via the panel
            self.metrics.start(job.title)
            job.signals.metrics.connect(self.metrics.add_sample)

    def _annotated(self, key: str, metadata: dict[str, Any]) -> None:
        self.metrics.stop(f"Finished {key}")
        self.metrics.show_run(metadata)
        self.samples.update_entry(key, state="annotated", progress=None)
        self.history_view.refresh()
        self.refresh_samples()
        if self.current_key in (None, key) or not self.results.model.query:
            index = self.samples.index_of(key)
            if index.isValid():
                self.tree.setCurrentIndex(index)
            self.open_results(Path(metadata["output_file"]), key)
        self.sample_annotated.emit(key)

    def _annotation_ended(self, key: str, message: str) -> None:
        self.metrics.stop(message)
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
        self.workspace = Workspace.from_settings(self.settings, self.history)
        self.scheduler = self._make_scheduler()
        self.watcher.stop()
        self.watcher = self._start_watcher()
        if not self.demo:
            self.reference_dir = self.settings.reference_dir
            self.scheduler.reference_dir = self.reference_dir
            self.reference_panel.set_reference_dir(self.reference_dir)
        self.refresh_samples()

    def _error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        # Window-modal but not blocking: a job's failure never stalls the event loop.
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: Any) -> None:
        busy = [j for j in self.jobs.running if not j.quiet]
        if busy and QMessageBox.question(
                self, "Jobs are running", f"{len(busy)} job(s) are running. Cancel them and quit?"
        ) != QMessageBox.StandardButton.Yes:
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        self.scan_timer.stop()
        self.auto_timer.stop()
        self.watcher.stop()
        self.scheduler.clear_queue()
        self.probe.stop()
        self.jobs.cancel_all()
        self.jobs.wait(15_000)
        self.history.close()


def _open_folder(path: Path | None) -> None:
    if path is not None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
