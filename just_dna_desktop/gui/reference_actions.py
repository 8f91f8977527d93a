"""The reference as the rest of the window sees it: what follows a change of its state (the banner
above the tabs, the status line, the first-run guide; the demo slice's buttons kept off), and which
reference a person's run uses. Getting, downloading and verifying it (with the question before a
download) are the Reference tab's own (gui/reference_panel.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QWidget

from ..core.reference.demo import DEMO_REFERENCE_DIR, DEMO_USER
from .reference_panel import ReferencePanel, describe_files, describe_size
from .welcome import WelcomePage


class ReferenceActions(QObject):
    def __init__(self, panel: ReferencePanel, banner: QWidget, banner_text: QLabel,
                 welcome: WelcomePage, status_label: QLabel, parent: QObject | None = None):
        """`panel` is the Reference tab, whose folder is the one this window annotates with;
        `banner` (holding `banner_text`) shows while the reference is missing; `status_label` is
        the status line's word on it."""
        super().__init__(parent)
        self.panel = panel
        self.banner = banner
        self.banner_text = banner_text
        self.welcome = welcome
        self.status_label = status_label

    def status_changed(self, status: Any) -> None:
        if self.panel.reference_dir == DEMO_REFERENCE_DIR:
            # Never download into (or re-verify) the program's own bundled files.
            for button in (self.panel.download_button, self.panel.verify_button):
                button.setEnabled(False)
                button.setToolTip("This demo window uses the bundled reference slice")
            self.status_label.setText("Reference: the bundled demo slice")
            self.welcome.set_reference_ready(True, "This demo window uses the small reference slice "
                                             "bundled with the program (chromosome 21, 25-26 Mb).")
            return
        ready = status.status in ("cached", "unverified")
        self.status_label.setText(f"Reference: {self.panel.short_status}")
        self.banner.setVisible(status.status == "missing")
        self.banner_text.setText(
            "The Ensembl reference is not on this computer yet, so samples wait to be annotated. "
            "Download it once (about 14 GB; a few chromosomes are enough to start, see Settings).")
        self.welcome.set_reference_ready(
            ready, f"{describe_files(status.num_files)}, {describe_size(status.total_size_gb)} in "
            f"{status.cache_path}" if status.num_files else
            "About 14 GB from Hugging Face, downloaded once and kept in a cache shared with the "
            "just-dna pipelines.")

    def reference_missing(self) -> bool:
        status = self.panel.status
        return self.panel.reference_dir != DEMO_REFERENCE_DIR and status is not None \
            and status.status == "missing"

    def reference_for(self, user: str) -> Path:
        """The demo user falls back to the bundled slice while the real reference is missing."""
        if user == DEMO_USER and self.panel.status is not None \
                and self.panel.status.status in ("missing", "incomplete"):
            return DEMO_REFERENCE_DIR
        return self.panel.reference_dir
