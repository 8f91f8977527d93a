"""What the annotation modules say about a sample, in its Summary tab: the findings as
core.results.sample_findings arranges them and in core.results.plain_words' words (the report's).

First the medicines (each with its evidence word and the one sentence about medicines, then a row
per module that spoke of it, and the modules that said nothing about it); then a section per
module, most important first: each finding as the result in plain words, what it means and how
sure, and folded "Details for a professional" (rsID, genotype, GRCh38 position, gene, studies with
their PubMed links, weight, module and version). Last, what could not be checked and "This is not
a diagnosis." Unverified modules are marked wherever they are named. When there is nothing to say
yet (no modules installed, or they have not run for this sample, or the modules changed since),
a line says so with the way forward: the Modules page, or Update findings.

A genome can have thousands of findings: each module and the list of medicines show their first
DEFAULT_SHOWN, each medicine its first DRUG_SHOWN findings, then "Show all" (SHOW_STEP more at a
time), so the first drawing of a genome's findings stays a few hundred milliseconds. The text is one
document in a browser as tall as its text, so the Summary scrolls as a whole, wraps at any width,
and Tab reaches every fold and link (Enter opens it). Module text is untrusted: every piece of it
is escaped into the document (gui/plain_text.as_html), which loads no resource, and a link
opens only when clicked.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Qt, Signal
from PySide6.QtGui import QDesktopServices, QTextCursor, QTextOption
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QTextBrowser, QVBoxLayout, QWidget)

from ..core.results.links import dbsnp_url, pubmed_url
from ..core.results.plain_words import (DETAIL_LABELS, DETAILS_FOLD, EVIDENCE_LADDER,
                                        EVIDENCE_MEANING, FINDINGS_HEADING, FINDINGS_INTRO,
                                        LADDER_INTRO, MATCHED_BY_WORDS,
                                        MEDICINES_HEADING, MEDICINES_INTRO, MODULES_HEADING,
                                        NO_EXPLANATION, NO_FINDINGS, NO_MEDICINE_FINDING,
                                        NOT_A_DIAGNOSIS, NOT_CHECKED_HEADING, NOT_STATED, SCORING,
                                        about_medicines, findings_count, how_sure_label,
                                        not_in_file_in_words,
                                        nothing_about, reference_allele_in_words, sites_in_words,
                                        weight_in_words)
from ..core.results.sample_findings import DrugGroup, Finding, ModuleSection, SampleFindings
from .plain_text import as_html

DEFAULT_SHOWN = 20   # findings per module, and medicines, before "Show all"
DRUG_SHOWN = 5       # findings about one medicine before its "Show all"
SHOW_STEP = 1000     # at most this many more per click: ~0.2 s to lay out, whatever the genome

NO_MODULES = ("No annotation modules are installed, so nothing here says yet what your genotypes "
              "mean. Modules (how you may respond to medicines, traits, conditions) are on the "
              "Modules page.")
NOT_RUN = "The annotation modules have not looked at this sample yet."
OUT_OF_DATE = "The annotation modules changed since these findings were made."
NOT_A_SAMPLE = " (This file is not one of the samples in the list, so they cannot run for it.)"
STYLE = """
h2 { font-size: x-large; margin-top: 6px; margin-bottom: 4px; }
h3 { font-size: large; margin-top: 16px; margin-bottom: 4px; }
h4 { margin-top: 12px; margin-bottom: 2px; }
p { margin-top: 1px; margin-bottom: 1px; }
p.result { margin-top: 10px; }
p.detail { margin-left: 18px; }
p.more { margin-top: 8px; }
p.last { margin-top: 10px; margin-bottom: 14px; }
"""


@dataclass(frozen=True)
class ModulesState:
    """The sample's findings against the modules installed now."""

    installed: int   # modules usable now
    due: bool        # the findings are missing or were made with other modules or another result


def modules_state(output: Path, modules: tuple[list, list] | None) -> ModulesState:
    """From the workspace's `modules_now()` ((usable, refused), or None without a modules cache)."""
    from ..core.modules.findings import findings_due

    if modules is None:
        return ModulesState(0, False)
    try:
        return ModulesState(len(modules[0]), findings_due(Path(output), *modules))
    except OSError:
        return ModulesState(len(modules[0]), False)


def e(value: Any) -> str:
    """Text from a module (or anything not the program's own), as text in the document."""
    return as_html(value)


@dataclass
class FindingsPage:
    """What the document shows of one sample's findings: how many of each part, and which folds
    are open. `render()` is the document (a function of this state, so a click redraws it)."""

    findings: SampleFindings
    shown: dict[str, int] = field(default_factory=dict)   # part ("drugs", "module:<i>") -> count
    opened: set[int] = field(default_factory=set)          # findings whose details are open
    legend: bool = False                                    # the four words' meanings, open

    def __post_init__(self) -> None:
        # Every finding gets a number for its fold (the same object under two medicines: one).
        numbered: dict[int, int] = {}
        for group in self.findings.drugs_found:
            for source in group.sources:
                for finding in source.findings:
                    numbered.setdefault(id(finding), len(numbered))
        for section in self.findings.sections:
            for finding in section.general:
                numbered.setdefault(id(finding), len(numbered))
        self._numbers = numbered

    def count(self, part: str) -> int:
        return self.shown.get(part, DRUG_SHOWN if part.startswith("drug:") else DEFAULT_SHOWN)

    def show_more(self, part: str, total: int) -> None:
        self.shown[part] = min(total, self.count(part) + SHOW_STEP)

    def number(self, finding: Finding) -> int:
        return self._numbers[id(finding)]

    def render(self) -> str:
        found = self.findings
        parts = [f"<h2>{FINDINGS_HEADING}</h2>",
                 f"<p>{e(findings_count(found.count, len(found.sections)))}: {e(FINDINGS_INTRO)} "
                 f"{NOT_A_DIAGNOSIS}</p>",
                 f"<p><a href='legend:'>{'▾' if self.legend else '▸'} {e(LADDER_INTRO)}</a></p>"]
        if self.legend:
            parts += [f"<p class='detail'><b>{word}</b>: {e(EVIDENCE_MEANING[word])}</p>"
                      for word in EVIDENCE_LADDER]
        parts += self._medicines()
        parts += self._modules()
        parts += self._not_checked()
        return "".join(parts)

    def _medicines(self) -> list[str]:
        found = self.findings
        quiet = found.drugs_not_found()
        if not found.drugs:
            return []
        groups = found.drugs_found
        parts = [f"<h3>{MEDICINES_HEADING}</h3>",
                 f"<p>{e(MEDICINES_INTRO) if groups else NO_MEDICINE_FINDING}</p>"]
        for index, group in enumerate(groups[:self.count("drugs")]):
            parts += self._drug(group, f"drug:{index}")
        parts += self._more("drugs", len(groups), "medicines")
        if quiet:
            parts.append(f"<p class='more'>{e(quiet)}</p>")
        return parts

    def _drug(self, group: DrugGroup, part: str) -> list[str]:
        """A medicine: its rows, one per module, with at most count(part) findings in all."""
        parts = [f"<h4>{e(group.heading)} · {e(group.evidence)}</h4>", f"<p>{e(group.advice)}</p>"]
        left = self.count(part)
        for source in group.sources:
            if left <= 0:
                break
            parts.append(f"<p class='result'><b>From {_module(source.section)}</b></p>")
            parts += [self._finding(finding, source.section, finding.result_under(group.name),
                                    first=False) for finding in source.findings[:left]]
            left -= len(source.findings)
        parts += self._more(part, _drug_findings(group), f"findings about {group.name}")
        parts += [f"<p class='result'>From {_module(section)}: {e(nothing_about(group.name))}.</p>"
                  for section in group.nothing_from]
        return parts

    def _modules(self) -> list[str]:
        found = self.findings
        if not found.sections:
            return []
        parts = [f"<h3>{MODULES_HEADING}</h3>"]
        for index, section in enumerate(found.sections):
            count = len(section.findings)
            parts.append(f"<h4>{_module(section)}</h4>")
            parts.append(f"<p>{count:,} finding{'' if count == 1 else 's'}</p>" if count else
                         f"<p>{NO_FINDINGS} {e(sites_in_words(section.about))}</p>")
            medicines = len(section.about_medicines)
            if medicines:
                parts.append(f"<p>{e(about_medicines(medicines))}</p>")
            general = section.general
            part = f"module:{index}"
            parts += [self._finding(finding, section) for finding in general[:self.count(part)]]
            parts += self._more(part, len(general), "findings of this module")
        return parts

    def _more(self, part: str, total: int, what: str) -> list[str]:
        shown = self.count(part)
        if total <= shown:
            return []
        rest = total - shown
        text = (f"Show all {total:,} {what}" if rest <= SHOW_STEP else
                f"Show {SHOW_STEP:,} more {what} ({rest:,} not shown yet)")
        return [f"<p class='more'><a href='more:{part}'>{text}</a></p>"]

    def _finding(self, finding: Finding, section: ModuleSection, result: str | None = None,
                 first: bool = True) -> str:
        conclusion = finding.row.get("conclusion")
        meaning = conclusion.strip() if isinstance(conclusion, str) and conclusion.strip() \
            else NO_EXPLANATION
        effect = f" · {SCORING}: {e(finding.effect)}" if finding.effect else ""
        number = self.number(finding)
        opened = number in self.opened
        parts = [f"<p class='{'result' if first else ''}'><b>{e(result or finding.result)}</b></p>",
                 f"<p>{e(meaning)}</p>",
                 f"<p>{how_sure_label(finding.row)}: <b>{e(finding.evidence)}</b>{effect}</p>",
                 f"<p><a href='fold:{number}'>{'▾' if opened else '▸'} {DETAILS_FOLD}</a></p>"]
        if opened:
            parts += [f"<p class='detail'>{e(label)}: {value}</p>"
                      for label, value in details(finding, section)]
        return "".join(parts)

    def _not_checked(self) -> list[str]:
        found = self.findings
        parts = [f"<h3>{NOT_CHECKED_HEADING}</h3>", f"<p>{e(not_in_file_in_words(found.match_by))}</p>"]
        for section in found.sections:
            about = section.about
            who = " · ".join(f"{label} {e(value) if value else NOT_STATED}" for label, value in (
                ("curator", about.get("curator")), ("licence", about.get("license"))))
            parts.append(f"<p class='result'><b>{_module(section)}</b> · {who}</p>"
                         f"<p>{e(sites_in_words(about))}</p>")
        parts += [f"<p class='result'>{e(note)}</p>" for note in found.not_checked()]
        parts.append(f"<p class='last'><b>{NOT_A_DIAGNOSIS}</b></p>")
        return parts


def _drug_findings(group: DrugGroup) -> int:
    return sum(len(source.findings) for source in group.sources)


def _module(section: ModuleSection) -> str:
    """A module named as everywhere (the core's label marks an unverified one), with its version."""
    version = section.about.get("version")
    return e(section.label) + (f" {e(version)}" if version else "")


def _link(text: str, url: str | None) -> str:
    return f"<a href='{html.escape(url, quote=True)}'>{e(text)}</a>" if url else e(text)


def details(finding: Finding, section: ModuleSection) -> list[tuple[str, str]]:
    """(label, value as document text) for a professional, in the report's labels and order."""
    row = finding.row

    def text(value: Any) -> str:
        return e(value) if value not in (None, "") else f"<i>{NOT_STATED}</i>"

    rsid = row.get("rsid")
    zygosity = row.get("zygosity")
    start = row.get("start")
    position = (f"{e(row.get('chrom'))}:{start:,}" if row.get("chrom") and isinstance(start, int)
                else f"<i>{NOT_STATED}</i>") + e(reference_allele_in_words(row.get("ref")))
    studies = ", ".join(_link(f"PubMed {pmid}" if pubmed_url(pmid) else str(pmid), pubmed_url(pmid))
                        for pmid in row.get("pmids") or [])
    version = section.about.get("version")
    items = [("rsid", text(rsid) + (f" {_link('dbSNP', dbsnp_url(rsid))}" if dbsnp_url(rsid) else "")),
             ("genotype", text(row.get("genotype")) + (f" ({e(zygosity)})" if zygosity else "")),
             ("position", position), ("gene", text(row.get("gene"))),
             ("phenotype", text(row.get("phenotype"))), ("category", text(row.get("category"))),
             ("pmids", studies or f"<i>{NOT_STATED}</i>"),
             ("weight", text(weight_in_words(row.get("weight")))),
             *((key, text(row.get(key))) for key in ("state", "direction", "clin_sig",
                                                     "evidence_level", "stat_significance")),
             *((key, text(row.get(key))) for key in ("drug", "response", "phenotype_category")
               if row.get(key)),
             ("priority", text(row.get("priority"))),
             ("matched_by", text(MATCHED_BY_WORDS.get(row.get("matched_by"),
                                                      row.get("matched_by")))),
             ("module", f"{e(section.label)} ({e(section.name)})"
                        + (f" version {e(version)}" if version else ""))]
    return [(DETAIL_LABELS[key], value) for key, value in items]


class FittedBrowser(QTextBrowser):
    """A text browser as tall as its text, in a page that scrolls as a whole: it wraps at its
    width (anywhere, for a word longer than the line), never scrolls itself, loads nothing a
    document names, and keeps the link the keyboard is on in view of the page around it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)  # the page's own background
        self.document().setDefaultStyleSheet(STYLE)
        self.document().setDocumentMargin(0)  # aligned with the page's other text
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.cursorPositionChanged.connect(self._keep_in_view)

    def loadResource(self, kind: int, name: QUrl) -> Any:
        return None  # nothing is fetched, whatever a text says

    def _fit(self, *_: Any) -> None:
        margins = self.contentsMargins()
        height = math.ceil(self.document().size().height()) + margins.top() + margins.bottom()
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def _keep_in_view(self) -> None:
        """Tab moved to a link: the page scrolls to it (this browser never scrolls itself)."""
        if not self.hasFocus():
            return
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is not None and area.widget() is not None:
            where = self.viewport().mapTo(area.widget(), self.cursorRect().center())
            area.ensureVisible(where.x(), where.y(), 0, 80)

    def select_anchor(self, href: str) -> bool:
        """Put the keyboard back on the link to `href` (after the document was redrawn)."""
        block = self.document().begin()
        while block.isValid():
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                if fragment.isValid() and fragment.charFormat().anchorHref() == href:
                    cursor = QTextCursor(self.document())
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(),
                                       QTextCursor.MoveMode.KeepAnchor)
                    self.setTextCursor(cursor)
                    return True
                fragments += 1
            block = block.next()
        return False


class FindingsView(QWidget):
    modules_page_requested = Signal()
    update_requested = Signal(str)   # the sample's key: make its findings again

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.key: str | None = None
        self.page: FindingsPage | None = None
        self.notice = QLabel()
        self.notice.setObjectName("findingsNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setStyleSheet("#findingsNotice { background: palette(alternate-base); "
                                  "border-left: 4px solid #2e86de; padding: 6px; }")
        self.update_button = QPushButton("Update findings")
        self.update_button.setToolTip("Run the installed modules over this sample's result now "
                                      "(the reference join is not redone)")
        self.modules_button = QPushButton("Open the Modules page")
        self.update_button.clicked.connect(lambda: self.key and self.update_requested.emit(self.key))
        self.modules_button.clicked.connect(self.modules_page_requested)
        self.browser = FittedBrowser()
        self.browser.anchorClicked.connect(self._clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.update_button)
        buttons.addWidget(self.modules_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)
        layout.addWidget(self.browser)
        self.clear()

    def clear(self) -> None:
        self.page = None
        self.key = None
        self.browser.clear()
        for widget in (self.notice, self.update_button, self.modules_button, self.browser):
            widget.hide()

    def show_findings(self, findings: SampleFindings | None, state: ModulesState | None,
                      key: str | None) -> None:
        """The sample's findings (None: the modules never ran for it) and where they stand
        against the modules installed now (None: not known)."""
        self.key = key
        state = state or ModulesState(0, False)
        empty = findings is None or not (findings.sections or findings.refused)
        if empty and not state.installed:
            notice = NO_MODULES
        elif empty:
            notice = NOT_RUN
        elif state.due:
            notice = OUT_OF_DATE
        else:
            notice = None
        if notice is not None and notice != NO_MODULES and key is None:
            notice += NOT_A_SAMPLE
        self.notice.setText(notice or "")
        self.notice.setVisible(notice is not None)
        self.modules_button.setVisible(notice == NO_MODULES)
        self.update_button.setVisible(notice in (NOT_RUN, OUT_OF_DATE) and key is not None)
        self.page = None if empty else FindingsPage(findings)
        self.browser.setVisible(self.page is not None)
        self._draw()

    def _draw(self, keep: str | None = None) -> None:
        if self.page is None:
            self.browser.clear()
            return
        self.browser.setHtml(self.page.render())
        if keep is not None and self.browser.hasFocus():
            self.browser.select_anchor(keep)

    def _clicked(self, url: QUrl) -> None:
        """A fold, a "Show all", or a web page (opened only now, in the person's browser)."""
        page, href = self.page, url.toString()
        if url.scheme() == "https":
            QDesktopServices.openUrl(url)
            return
        if page is None:
            return
        kind, _, value = href.partition(":")
        if kind == "fold" and value.isdigit():
            page.opened ^= {int(value)}
        elif kind == "legend":
            page.legend = not page.legend
        elif kind == "more":
            page.show_more(value, self._total(value))
        else:
            return
        self._draw(keep=href)

    def _total(self, part: str) -> int:
        found = self.page.findings if self.page else None
        if found is None:
            return 0
        if part == "drugs":
            return len(found.drugs_found)
        if part.startswith("drug:"):
            index = part.removeprefix("drug:")
            groups = found.drugs_found
            return _drug_findings(groups[int(index)]) if index.isdigit() and \
                int(index) < len(groups) else 0
        index = part.removeprefix("module:")
        sections = found.sections
        return len(sections[int(index)].general) if index.isdigit() and int(index) < len(sections) \
            else 0
