"""The reference panel: what the local Ensembl cache holds, where it came from, and getting it.

Download and Verify run as pool jobs over core.reference.download / core.reference.cache.verify; their progress
(bytes, speed, ETA) comes back through the job's signals.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QMessageBox,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from ..core.reference import cache as reference
from ..core.reference.demo import DEMO_REFERENCE_DIR
from ..core.reference.download import DownloadPlan, format_bytes
from .elided_label import WrappingLabel
from .jobs import Job, JobManager
from .lineage_view import LineageView, Node
from .plain_text import message_box

STATUS_TEXT = {
    "cached": ("ok", "Ready: every file present and verified"),
    "unverified": ("warn", "Present, not verified yet"),
    "incomplete": ("warn", "Incomplete: some files are missing or partly downloaded"),
    "missing": ("missing", "Not downloaded"),
}
DEMO_TEXT = ("The bundled demo slice: chromosome 21, 25-26 Mb, enough for the demo samples. "
             "Your own samples need the full reference, downloaded into your cache.")


def chosen_subset(reference_dir: Path) -> list[str] | None:
    """The chromosomes a download was told to fetch (`--chromosomes`, Settings) when they are not
    all of them; None for the whole reference or a cache without a manifest."""
    expected = reference.read_manifest(reference_dir).get("expected") or []
    chosen = sorted({c for c in map(reference.chromosome_of, expected) if c},
                    key=reference.sort_key)
    return chosen if chosen and len(chosen) < len(reference.CHROMOSOMES) else None


def describe_status(status: reference.ReferenceStatus, reference_dir: Path) -> tuple[str, str, str]:
    """(lineage state, the Status line, a few words for the status bar): the demo slice named as
    such, a chosen subset named as a choice, never as 'incomplete' when all it chose is there."""
    if Path(reference_dir) == DEMO_REFERENCE_DIR:
        return "ok", DEMO_TEXT, "the bundled demo slice"
    state, text = STATUS_TEXT.get(status.status, ("warn", status.status))
    subset = chosen_subset(Path(reference_dir)) if status.status != "missing" else None
    if subset is None:
        return state, text, status.status
    names = ", ".join(subset)
    which = f"chromosome{'s' if len(subset) != 1 else ''} {names}"
    if status.status == "incomplete":
        return (state, f"Incomplete: of the chosen {which}, {len(status.missing)} file"
                       f"{'s are' if len(status.missing) != 1 else ' is'} missing or partly "
                       "downloaded", f"incomplete ({names})")
    ready = "ready" if status.status == "cached" else "present, not verified yet"
    return (state, f"A chosen subset, {ready}: {which}. Samples' other chromosomes are not "
                   "looked up (their results say partial); choose more in Settings, then "
                   "Download.", f"{ready} (chromosomes {names})")


def describe_size(gigabytes: float) -> str:
    return f"{gigabytes:.3g} GB" if gigabytes >= 0.1 else f"{gigabytes * 1000:.3g} MB"


def describe_files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


class ReferencePanel(QWidget):
    changed = Signal(object)  # the new ReferenceStatus

    def __init__(self, jobs: JobManager, reference_dir: Path,
                 options: Callable[[], dict[str, Any]] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.jobs = jobs
        self.reference_dir = Path(reference_dir)
        self._options = options or (lambda: {})
        self.job: Job | None = None
        self.status: reference.ReferenceStatus | None = None
        self.short_status = ""  # for the status bar (describe_status)

        box = QGroupBox("Ensembl variation reference (GRCh38)")
        form = QFormLayout(box)
        self.fields: dict[str, WrappingLabel] = {}
        for key, label in (("status", "Status"), ("path", "Folder"), ("files", "Files"),
                           ("size", "Size"), ("revision", "Revision"), ("chromosomes", "Chromosomes")):
            self.fields[key] = WrappingLabel("–")
            self.fields[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, self.fields[key])

        self.lineage = LineageView()
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("About 14 GB from Hugging Face; resumes where it stopped")
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Re-hash every file against the checksums recorded at download")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.bar = QProgressBar(maximum=1000)
        self.bar.hide()
        # an error can be long (an address, a path): it wraps, never widens the page (issue 21)
        self.progress_label = WrappingLabel()
        buttons = QHBoxLayout()
        for button in (self.download_button, self.verify_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addLayout(buttons)
        layout.addWidget(self.bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(QLabel("<b>Where the data comes from</b>"))
        layout.addWidget(self.lineage, 1)

        self.download_button.clicked.connect(self.ask_download)
        self.verify_button.clicked.connect(self.verify)
        self.cancel_button.clicked.connect(self.cancel)

    def set_reference_dir(self, reference_dir: Path) -> None:
        self.reference_dir = Path(reference_dir)
        self.refresh()

    def refresh(self, outputs: list[Node] | None = None) -> reference.ReferenceStatus:
        status = reference.status(self.reference_dir)
        self.status = status
        state, text, self.short_status = describe_status(status, self.reference_dir)
        self.fields["status"].setText(text)
        self.fields["path"].setText(status.cache_path)
        self.fields["files"].setText(f"{status.num_files}" + (f" ({len(status.missing)} missing)"
                                                              if status.missing else ""))
        self.fields["size"].setText(describe_size(status.total_size_gb))
        self.fields["revision"].setText(status.revision or "unknown (no manifest)")
        if self.reference_dir == DEMO_REFERENCE_DIR:  # a slice, not a cache missing files
            self.fields["files"].setText(f"{status.num_files}")
            self.fields["revision"].setText("bundled with the program: a slice of Ensembl release "
                                            "84, from the Ensembl VEP test data")
        self.fields["chromosomes"].setText(", ".join(status.chromosomes) or "none")
        repo = status.repo_id or self._options().get("reference_repo", "just-dna-seq/ensembl_variations")
        self.lineage.set_graph(
            Node("Hugging Face", repo, "ok"),
            Node("Local cache", f"{describe_files(status.num_files)}, {describe_size(status.total_size_gb)}",
                 state),
            outputs if outputs is not None else self.lineage.outputs)
        self.changed.emit(status)
        return status

    # -- jobs ------------------------------------------------------------------------------
    def _start(self, job: Job) -> None:
        self.job = job
        for button in (self.download_button, self.verify_button):
            button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.bar.setValue(0)
        self.bar.show()
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(lambda result: self._done("Done."))
        job.signals.failed.connect(lambda reason: self._done(f"Failed: {reason}"))
        job.signals.cancelled.connect(lambda: self._done("Cancelled; what was downloaded is kept."))
        self.jobs.submit(job)

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.progress_label.setText(message)

    def _done(self, message: str) -> None:
        self.job = None
        self.download_button.setEnabled(True)
        self.verify_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.bar.hide()
        self.progress_label.setText(message)
        self.refresh()

    def cancel(self) -> None:
        if self.job is not None:
            self.progress_label.setText("Cancelling…")
            self.job.cancel()

    def ask_download(self) -> Job:
        """Look up what the download would fetch (the Hub's listing, on the pool), then ask
        with its size and the free space before anything is downloaded."""
        from ..core.reference import download

        source = self._hub_source()
        reference_dir = self.reference_dir

        def work(job: Job) -> DownloadPlan:
            return download.plan_download(reference_dir, **source)

        self.download_button.setEnabled(False)
        self.progress_label.setText("Looking up the download's size…")
        job = Job("Look up the reference's size", work, kind="download-size", quiet=True)
        job.signals.finished.connect(self._planned)
        job.signals.failed.connect(lambda reason: self._done(f"Failed: {reason}"))
        return self.jobs.submit(job)

    def _hub_source(self) -> dict[str, Any]:
        """What to fetch from where, as the settings say: the same for the size and the download."""
        from ..core.reference import download

        options = self._options()
        return {"repo_id": options.get("reference_repo", download.DEFAULT_REPO),
                "revision": options.get("reference_revision", "main"),
                "chromosomes": options.get("reference_chromosomes", "all"),
                "token": options.get("token") or os.environ.get("HF_TOKEN")}

    def _planned(self, plan: DownloadPlan) -> None:
        self.download_button.setEnabled(True)
        self.progress_label.setText("")
        if self.confirm_download(plan):
            self.download()

    def confirm_download(self, plan: DownloadPlan) -> bool:
        """Asks (a separate method so tests can answer); a download that cannot fit only says so."""
        title, text = download_question(plan, self.reference_dir)
        if not plan.enough_space:
            message_box(self, QMessageBox.Icon.Warning, title, text)
            return False
        return message_box(
            self, QMessageBox.Icon.Question, title, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Yes) == QMessageBox.StandardButton.Yes

    def download(self) -> None:
        from ..core.reference import download

        source = self._hub_source()
        reference_dir = self.reference_dir

        def work(job: Job) -> Any:
            return download.download_reference(
                reference_dir, **source, progress=lambda p: job.progress(p.fraction, p.describe()),
                cancel=job.cancel_token)

        self._start(Job("Download the reference", work, kind="download"))

    def verify(self) -> None:
        reference_dir = self.reference_dir
        if not hasattr(reference, "verify"):
            message_box(self, QMessageBox.Icon.Information, "Verify",
                        "Verification is not available in this version.")
            return

        def work(job: Job) -> Any:
            def on_progress(path: str, done: int, size: int) -> None:
                job.progress(done / size if size else 1.0, f"Checking {Path(path).name}")

            return reference.verify(reference_dir, on_progress=on_progress, cancel=job.cancel_token)

        self._start(Job("Verify the reference", work, kind="verify"))


def download_question(plan: DownloadPlan, reference_dir: Path) -> tuple[str, str]:
    """(title, text) of the question before a download: what, how big, where, and the room."""
    what = (f"all {plan.available} chromosome files" if not plan.subset else
            f"chromosome{'s' if len(plan.chromosomes) != 1 else ''} {', '.join(plan.chromosomes)}")
    lines = [f"The Ensembl variation reference ({what}): {format_bytes(plan.total_bytes)} from "
             f"{plan.repo_id} (revision {plan.revision[:10]}), into {reference_dir}."]
    if plan.to_download_bytes < plan.total_bytes:
        lines.append(f"Still to download: {format_bytes(plan.to_download_bytes)} (the rest is "
                     "already here).")
    lines.append(f"Free space on that disk: {format_bytes(plan.free_bytes)}.")
    if not plan.enough_space:
        lines.append(f"That is not enough: {format_bytes(plan.to_download_bytes - plan.free_bytes)} "
                     "more is needed. Free some space, choose fewer chromosomes in Settings, or "
                     "put the reference cache on another disk (Settings).")
        return "Not enough free space", "\n\n".join(lines)
    lines.append("It runs in the background and resumes where it stopped if interrupted. "
                 "Download it now?")
    return "Download the reference?", "\n\n".join(lines)
