"""The findings in the Summary tab alone, over real findings: a sample annotated by the engine and
joined with three real modules (a traits module, a drug table, an unverified panel; one set with
HTML in its words), and a module of thousands of findings arranged by the core."""

import sys
from pathlib import Path

import polars as pl
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices

from just_dna_desktop.core.modules.findings import FINDING_COLUMNS
from just_dna_desktop.core.results.plain_words import (DETAILS_FOLD, NOT_A_DIAGNOSIS,
                                                       drug_advice)
from just_dna_desktop.core.results.sample_findings import arrange, read_sample_findings
from just_dna_desktop.gui.findings_view import (DEFAULT_SHOWN, DRUG_SHOWN, NO_MODULES, NOT_RUN,
                                                OUT_OF_DATE, SHOW_STEP, FindingsView,
                                                ModulesState)

sys.path.insert(0, str(Path(__file__).parent.parent))
from window_helpers import activate  # noqa: E402
from findings_words_data import (HOSTILE, annotated_sample, install, run_findings,  # noqa: E402
                                 standard_modules)

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


def findings_of(base: Path, hostile: bool = False):
    output = annotated_sample(base)
    run_findings(output, install(base, standard_modules(base, hostile=hostile)))
    return read_sample_findings(output)


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    return findings_of(tmp_path_factory.mktemp("findings-view"))


@pytest.fixture
def view(qtbot):
    widget = FindingsView()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    return widget


def text_of(view) -> str:
    return view.browser.toPlainText()


def test_medicines_first_then_each_module_then_what_could_not_be_checked(view, found):
    view.show_findings(found, ModulesState(3, False), "alice/s1")
    assert view.browser.isVisibleTo(view) and not view.notice.isVisibleTo(view)
    text = text_of(view)
    at, order = 0, []
    for part in (
        "What your genome says", "Medicines", "Clopidogrel · well established",
        drug_advice("clopidogrel"), "From Drug responses 2.1.0",
        "One copy of CYP2C19*2: clopidogrel is activated less than usual.",
        "What each module says", "Traits and more 1.0.0",
        "Late-onset Alzheimer's disease: you have two copies of a variant in APOE.",
        "Lactase persistence: you have one copy of a variant in MCM6.",
        "Panel (unverified)", "What could not be checked"):
        at = text.index(part, at)  # each after the one before
        order.append(at)
    assert text.rstrip().endswith(NOT_A_DIAGNOSIS)
    # the evidence word with the meaning; the module that said nothing about a medicine
    assert "How sure: likely · In this module's scoring: lowers risk" in text
    assert "From Traits and more 1.0.0: no finding about clopidogrel for your genotypes." in text
    # what could not be checked: each module's curator and licence, and the unverified one named
    assert "Panel (unverified) · curator not stated · licence not stated" in text
    assert "Panel is unverified: it came without a manifest" in text
    assert "Of its 5 sites: 1 not in your file, 1 filtered out by your file's quality check." \
        in text
    assert "A VCF usually lists only the places where you differ" in text
    # details stay folded, and no rsID is said outside them
    assert "rs429358" not in text and text.count(f"▸ {DETAILS_FOLD}") == found.count


def test_details_fold_open_with_pubmed_links_that_open_only_when_clicked(view, found, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    view.show_findings(found, ModulesState(3, False), "alice/s1")
    lactase = next(f for s in found.sections for f in s.general if f.row["gene"] == "MCM6")
    href = f"fold:{view.page.number(lactase)}"
    view.browser.anchorClicked.emit(QUrl(href))
    text = text_of(view)
    assert f"▾ {DETAILS_FOLD}" in text
    for line in ("rsID: rs4988235 dbSNP", "genotype: A/G (het)",
                 "position (GRCh38): 2:135,851,076, reference allele G", "gene: MCM6",
                 "studies: PubMed 11788828, PubMed 15106124",
                 "module: Traits and more (traits) version 1.0.0"):
        assert line in text, line
    assert "https://pubmed.ncbi.nlm.nih.gov/11788828/" in view.browser.toHtml()
    assert opened == []  # nothing opened by showing it
    view.browser.anchorClicked.emit(QUrl("https://pubmed.ncbi.nlm.nih.gov/11788828/"))
    assert opened == ["https://pubmed.ncbi.nlm.nih.gov/11788828/"]
    view.browser.anchorClicked.emit(QUrl(href))  # and it folds again
    assert "rsID: rs4988235" not in text_of(view)


def test_text_from_modules_is_shown_as_written_never_as_html(qtbot, view, tmp_path):
    found = findings_of(tmp_path, hostile=True)
    view.show_findings(found, ModulesState(3, False), "alice/s1")
    text, markup = text_of(view), view.browser.toHtml()
    assert HOSTILE in text  # the conclusion and the drug's name, letter for letter
    assert "Traits <b>and</b> more 1.0.0" in text
    assert "<img" not in markup and "<script" not in markup and "<b>and</b>" not in markup


def test_the_keyboard_reaches_the_folds_and_opens_them(qtbot, view, found):
    view.show_findings(found, ModulesState(3, False), "alice/s1")
    activate(qtbot, view)
    view.browser.setFocus()
    qtbot.keyClick(view.browser, Qt.Key.Key_Tab)
    assert view.browser.textCursor().charFormat().anchorHref() == "legend:"
    qtbot.keyClick(view.browser, Qt.Key.Key_Return)  # the four words' meanings, unfolded
    assert "well established: a prescribing guideline" in text_of(view)
    assert view.browser.hasFocus() and view.browser.textCursor().hasSelection()  # still there
    qtbot.keyClick(view.browser, Qt.Key.Key_Tab)
    href = view.browser.textCursor().charFormat().anchorHref()
    assert href.startswith("fold:")
    qtbot.keyClick(view.browser, Qt.Key.Key_Return)
    assert f"▾ {DETAILS_FOLD}" in text_of(view)


def test_it_wraps_long_words_and_grows_instead_of_scrolling(qtbot, view, found):
    long_word = "x" * 400
    found.sections[0].general[0].row["conclusion"] = long_word
    view.show_findings(found, ModulesState(3, False), "alice/s1")
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    browser = view.browser
    qtbot.waitUntil(lambda: browser.height() >= browser.document().size().height())
    assert browser.document().size().width() <= browser.viewport().width()
    assert not browser.horizontalScrollBar().isVisible()
    assert not browser.verticalScrollBar().isVisible()


def test_thousands_of_findings_show_the_first_ones_then_all_in_steps(view):
    count = 1_800
    frame = pl.DataFrame([{"module": "panel", "rsid": f"rs{i + 1}", "chrom": "1", "start": i + 1,
                           "ref": "A", "genotype": "A/G", "zygosity": "het", "priority": "high",
                           "weight": -1.0, "conclusion": f"Finding number {i}.", "gene": f"G{i}",
                           "phenotype": "Something", "pmids": []} for i in range(count)],
                         schema_overrides={c: t for c, t in FINDING_COLUMNS.items()
                                           if c in ("start", "weight", "pmids")})
    metadata = {"modules": [{"name": "panel", "title": "A big panel", "verified": True,
                             "version": "2.0", "sites": count, "findings": count}]}
    big = arrange(frame, metadata, "alice/genome")
    view.show_findings(big, ModulesState(1, False), "alice/genome")

    def shown() -> int:
        return text_of(view).count("Finding number ")

    assert shown() == DEFAULT_SHOWN
    assert f"Show {SHOW_STEP:,} more findings of this module ({count - DEFAULT_SHOWN:,} not " \
           "shown yet)" in text_of(view)
    view.browser.anchorClicked.emit(QUrl("more:module:0"))
    assert shown() == DEFAULT_SHOWN + SHOW_STEP
    assert f"Show all {count:,} findings of this module" in text_of(view)
    view.browser.anchorClicked.emit(QUrl("more:module:0"))
    assert shown() == count and "Show all" not in text_of(view)
    # Let go of the 1,800 findings here: freed when the next test's event loop deletes the widget,
    # their deallocations would cut the collector's count that test_gc_guard relies on.
    view.clear()


def test_a_medicine_with_many_findings_shows_its_first_ones_then_all(view):
    rows = [{"module": "pgx", "rsid": f"rs{i + 1}", "chrom": "1", "start": i + 1, "ref": "A",
             "genotype": "A/G", "zygosity": "het", "drug": "warfarin", "evidence_level": "1A",
             "conclusion": f"Warfarin finding {i}.", "gene": f"G{i}", "pmids": []}
            for i in range(12)]
    frame = pl.DataFrame(rows, schema_overrides={"start": pl.Int64, "pmids": pl.List(pl.Utf8)})
    metadata = {"modules": [{"name": "pgx", "title": "Drugs", "verified": True, "sites": 12,
                             "drugs": ["warfarin"]}]}
    view.show_findings(arrange(frame, metadata, "alice/genome"), ModulesState(1, False), "x")
    assert text_of(view).count("Warfarin finding ") == DRUG_SHOWN
    assert "Show all 12 findings about warfarin" in text_of(view)
    view.browser.anchorClicked.emit(QUrl("more:drug:0"))
    assert "Show all 12 findings about warfarin" not in text_of(view)
    assert text_of(view).count("Warfarin finding ") == 12


def test_nothing_yet_is_said_plainly_with_the_way_forward(qtbot, view, found, tmp_path):
    view.show_findings(None, ModulesState(0, False), "alice/s1")
    assert view.notice.text() == NO_MODULES and not view.browser.isVisibleTo(view)
    assert view.modules_button.isVisibleTo(view) and not view.update_button.isVisibleTo(view)
    with qtbot.waitSignal(view.modules_page_requested):
        view.modules_button.click()

    view.show_findings(None, ModulesState(2, True), "alice/s1")
    assert view.notice.text() == NOT_RUN and view.update_button.isVisibleTo(view)
    with qtbot.waitSignal(view.update_requested) as asked:
        view.update_button.click()
    assert asked.args == ["alice/s1"]

    view.show_findings(found, ModulesState(3, True), "alice/s1")  # made with other modules
    assert view.notice.text() == OUT_OF_DATE and view.update_button.isVisibleTo(view)
    assert view.browser.isVisibleTo(view)  # the older findings stay readable meanwhile

    view.show_findings(None, ModulesState(2, True), None)  # a file that is no sample of the list
    assert view.notice.text().startswith(NOT_RUN) and not view.update_button.isVisibleTo(view)
