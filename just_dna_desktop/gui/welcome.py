"""The first-run page: what the program does, and the three ways to start."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

from .elided_label import WrappingLabel

from .plain_text import as_html


class WelcomePage(QWidget):
    add_vcf = Signal()
    get_reference = Signal()
    open_demo = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        title = WrappingLabel("<h1>Annotate your genome, on this computer</h1>", rich=True)
        intro = WrappingLabel(
            "Drop a genome file anywhere on this window: a VCF (<code>.vcf</code>, "
            "<code>.vcf.gz</code>) or a genotyping service's raw data as it came (23andMe, "
            "AncestryDNA, MyHeritage, FamilyTreeDNA, Living DNA: <code>.txt</code>, <code>.csv"
            "</code>, <code>.zip</code>). Each variant is matched with the Ensembl variation "
            "reference: its rsID, allele frequencies and clinical flags. Your file is never "
            "uploaded.", rich=True)
        steps = QHBoxLayout()
        self.reference_step = self._step(
            "1. Get the reference", "About 14 GB from Hugging Face, downloaded once and kept in a "
            "cache shared with the just-dna pipelines.", "Get the reference…", self.get_reference)
        steps.addWidget(self.reference_step)
        steps.addWidget(self._step(
            "2. Add a genome file", "Drag a file onto the window, or choose one. Pick whose "
            "genome it is; annotation starts on its own.", "Add a genome file…", self.add_vcf))
        steps.addWidget(self._step(
            "Or try the demo", "132 real variants of a 1000 Genomes sample with a small slice of "
            "the reference: no download needed.", "Open the demo", self.open_demo))
        self.drop_hint = QLabel("Drop genome files here (VCF, 23andMe, AncestryDNA, ...)")
        self.drop_hint.setObjectName("dropHint")
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setMinimumHeight(70)
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setStyleSheet("#dropHint { border: 2px dashed palette(mid); border-radius: 10px;"
                                     " color: palette(placeholder-text); font-size: 15pt; }")
        # In a short window the page scrolls; its text is never cut (issue 21, 1024x640)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(steps)
        layout.addSpacing(8)
        layout.addWidget(self.drop_hint, 1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

    def _step(self, heading: str, text: str, button_text: str, signal) -> QFrame:
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        label = WrappingLabel(f"<h3>{heading}</h3>{text}", rich=True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        button = QPushButton(button_text)
        button.clicked.connect(signal)
        box = QVBoxLayout(frame)
        box.addWidget(label, 1)
        box.addWidget(button)
        frame.button = button  # type: ignore[attr-defined]
        frame.label = label  # type: ignore[attr-defined]
        return frame

    def set_reference_ready(self, ready: bool, text: str) -> None:
        label = self.reference_step.label  # type: ignore[attr-defined]
        # the text names the cache folder: escaped
        label.setText(f"<h3>1. Get the reference {'✓' if ready else ''}</h3>{as_html(text)}")
        self.reference_step.button.setEnabled(not ready)  # type: ignore[attr-defined]
