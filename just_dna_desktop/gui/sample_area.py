"""The Results tab's page for the selected sample: its table (annotated, partial, stale), its
failure with what to do, or where it stands (new, queued, running, waiting for the reference).
Anything but the table closes the table first, so one person's genome never stays on screen under
another's name. Which tab shows it, and what follows, is the window's to route."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QStackedWidget, QWidget

from ..core.workspace.failures import explain_failure, explain_problem
from ..core.workspace.history import History
from .failed_page import FailedPage
from .results_view import ResultsView
from .sample_texts import describe_state, result_notice
from .samples_model import SampleEntry, SamplesModel
from .status_page import StatusPage

# States whose existing output the Results tab shows (being redone: the previous result).
RESULT_STATES = ("annotated", "partial", "doubtful", "stale", "queued", "running")


class SampleArea(QStackedWidget):
    def __init__(self, results: ResultsView, failed_page: FailedPage, status_page: StatusPage,
                 history: History, state_context: Callable[[SampleEntry], dict[str, Any]],
                 parent: QWidget | None = None):
        """`history` gives a failed run's events; `state_context(entry)` what describe_state
        needs beyond the entry (running, its place in the queue, the reference)."""
        super().__init__(parent)
        self.results, self.failed_page, self.status_page = results, failed_page, status_page
        self.history = history
        self.state_context = state_context
        for page in (status_page, results, failed_page):
            self.addWidget(page)

    def show_selection(self, samples: SamplesModel, index: QModelIndex) -> SampleEntry | None:
        """The page for the selected row (a sample, a person, or nothing); returns the sample
        whose table shows now, or None."""
        entry = samples.entry(index)
        # A result being redone stays readable meanwhile; a failed one gets the failure page.
        shows_results = entry is not None and entry.state in RESULT_STATES \
            and entry.output_path is not None and entry.output_path.is_file()
        if not shows_results and self.results.model.query is not None:
            self.results.close_file()
        if entry is None:
            user = samples.user_of(index)
            if user:
                count = samples.rowCount(index)
                self.status_page.show_message(
                    user, f"{user} has {count} sample{'s' if count != 1 else ''}: select one to see "
                          "its results." if count else f"{user} has no samples yet: drop a genome "
                          "file on the name, or use Add a genome file.")
            else:
                self.status_page.show_message("No sample selected",
                                              "Select a sample on the left to see its results.")
            self.setCurrentWidget(self.status_page)
        elif shows_results:
            self._show_results_of(entry)
        elif entry.state == "failed":
            run = entry.extra.get("run")
            problem = entry.extra.get("problem")  # the file is no genome file: no run was made
            if problem or run is None:
                self.failed_page.show_failure(
                    entry.key, explain_problem(entry.vcf_path, problem) if problem
                    else explain_failure(entry.detail), [])
            else:
                self.failed_page.show_failure(entry.key, explain_failure(run.error),
                                              self.history.events(run.id), run.id)
            self.setCurrentWidget(self.failed_page)
        else:
            self.status_page.show_state(**describe_state(entry, **self.state_context(entry)))
            self.setCurrentWidget(self.status_page)
        return entry if self.currentWidget() is self.results else None

    def _show_results_of(self, entry: SampleEntry) -> None:
        path = entry.output_path
        assert path is not None
        if not self.results.is_showing(path, entry.key):
            try:
                self.results.open(path, entry.key)
            except Exception as exc:  # a damaged or foreign file: say so, keep the window
                self.results.close_file()
                self.status_page.show_message(f"{entry.key}: the results cannot be opened",
                                              f"{path}: {exc}", entry.key)
                self.setCurrentWidget(self.status_page)
                return
        self.results.set_notice(*result_notice(entry))
        self.setCurrentWidget(self.results)

    def show_waiting(self, entry: SampleEntry | None) -> None:
        """A queued sample's place and countdown, again (they change by the second)."""
        if entry is not None and entry.state == "queued" \
                and self.currentWidget() is self.status_page:
            self.status_page.show_state(**describe_state(entry, **self.state_context(entry)))

    def show_file(self, path: Path, title: str | None = None) -> None:
        """An output file that is no listed sample's (from the run history); raises when it
        cannot be read."""
        self.results.open(path, title)
        self.results.set_notice("")
        self.setCurrentWidget(self.results)

    def focus_page(self) -> None:
        """The keyboard to what the page offers first: the table, the reason, or Annotate."""
        page = self.currentWidget()
        if page is self.results:
            self.results.table.setFocus()
        elif page is self.failed_page:
            self.failed_page.reason.setFocus()
        elif self.status_page.annotate_button.isVisibleTo(self.status_page):
            self.status_page.annotate_button.setFocus()
