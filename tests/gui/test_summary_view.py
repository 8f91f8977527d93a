"""The Summary tab: the numbers of core.results.summary drawn as cards and QtCharts charts, computed on the
pool; clicks lead to the filtered table; the report exports; light and dark; and the live metrics
chart on QtCharts."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from just_dna_desktop.core.engine.annotate import OUTPUT_METADATA_KEY, annotate_vcf
from just_dna_desktop.core.reference.cache import sort_key
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.core.results.summary import summarize
from just_dna_desktop.gui.app import dark_palette
from just_dna_desktop.gui.chart_theme import series_color
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.gui.metrics_panel import EMPTY_TITLE, MetricsChart
from just_dna_desktop.gui.summary_view import SummaryView, chromosome_filter

from sample_data import annotate_1000_genomes, write_multi_sample_reference
from test_report import assert_self_contained

# The offscreen platform's notes on size hints and on raising a hover tooltip are not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


@pytest.fixture(scope="module")
def flagged_output(tmp_path_factory) -> Path:
    """A 1000 Genomes sample with a carried, flagged allele; its run record says chromosome X was
    missing from the cache."""
    base = tmp_path_factory.mktemp("summary-view")
    out = base / "bob" / "HG00097" / "user_annotated_vcf.parquet"
    annotate_1000_genomes(write_multi_sample_reference(base / "cache"), out, "HG00097",
                          user="bob", sample="HG00097")
    run = {**json.loads(pl.read_parquet_metadata(out)[OUTPUT_METADATA_KEY]),
           "reference_chromosomes_missing": ["X"], "alleles_not_looked_up": 4}
    pl.read_parquet(out).write_parquet(out, metadata={OUTPUT_METADATA_KEY: json.dumps(run)})
    return out


@pytest.fixture
def view(qtbot):
    jobs = JobManager()
    widget = SummaryView(jobs)
    qtbot.addWidget(widget)
    widget.resize(1100, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    jobs.wait()


def shown(qtbot, view, path, title=None):
    with qtbot.waitSignal(view.summary_shown, timeout=20_000) as blocker:
        job = view.show_sample(path, title)
    assert job.kind == "summary"  # computed on the pool, not on the GUI thread
    return blocker.args[0]


def bar_point(chart, index: int) -> QPoint:
    """Where bar `index` (as Qt draws it) is on the chart view, for a real mouse click."""
    value = chart.bars.at(index)
    point = QPointF(value / 2, index) if chart.horizontal else QPointF(index, value / 2)
    scene = chart.chart().mapToPosition(point, chart.series)
    return chart.mapFromScene(chart.chart().mapToScene(scene))


def test_the_numbers_are_core_summary_s(qtbot, view, flagged_output):
    summary = shown(qtbot, view, flagged_output, "bob/HG00097")
    expected = summarize(flagged_output)
    assert summary.to_dict() == {**expected.to_dict(), "sample": "bob/HG00097"}
    assert view.cards["allele_rows"].value.text() == f"{expected.allele_rows:,}"
    assert view.cards["carried"].value.text() == f"{expected.carried:,}"
    assert view.cards["flagged"].value.text() == f"{expected.clinical['any']:,}"
    assert view.cards["rare"].value.text() == f"{expected.rare_carried:,}"
    chromosomes = view.chromosomes
    # chromosome X was not looked up: it is on the chart, marked, not left out
    assert "X" not in expected.per_chromosome and expected.chromosomes_not_looked_up == ["X"]
    assert chromosomes.labels == sorted({*expected.per_chromosome, "X"}, key=sort_key)
    x = chromosomes.labels.index("X")
    assert [chromosomes.bars.at(i) for i in range(chromosomes.bars.count())] == \
        [float(expected.per_chromosome.get(c, 0)) for c in chromosomes.labels]
    assert chromosomes.gaps == ["X"] and chromosomes.gap_bars.at(x) == chromosomes.value_axis.max()
    assert [chromosomes.gap_bars.at(i) for i in range(len(chromosomes.labels)) if i != x] == \
        [0.0] * (len(chromosomes.labels) - 1)
    assert chromosomes.gap_bars.brush().style() == Qt.BrushStyle.BDiagPattern
    assert "not looked up" in chromosomes.tooltips[x]
    assert [view.maf.bars.at(i) for i in range(view.maf.bars.count())] == \
        [float(b["count"]) for b in expected.maf_histogram]
    # the zygosity of the carried alleles: its bars add up to the "alleles you carry" card
    # (horizontal charts list the first category on top: Qt's bar 0 is the last one)
    assert view.zygosity.labels == list(expected.carried_by_zygosity)
    assert view.zygosity.bars.at(0) == float(list(expected.carried_by_zygosity.values())[-1])
    assert sum(view.zygosity.bars.at(i) for i in range(view.zygosity.bars.count())) \
        == float(view.cards["carried"].value.text().replace(",", ""))
    assert view.types.labels == list(expected.tsa)
    assert view.flagged_model.rowCount() == expected.flagged.height >= 1
    assert view.flagged_model.row(0)["rsid"] == expected.flagged["rsid"][0]
    assert "reference revision" in view.provenance.text() and "HG00097" in view.title.text()


def test_what_the_run_could_not_do_is_on_screen(qtbot, view, flagged_output):
    shown(qtbot, view, flagged_output)
    assert view.status.isVisible()
    assert "Partial result" in view.status.text()
    assert "chromosome X was not looked up" in view.status.text()
    assert "&lt;1&gt;" in view.status.text()  # the contig's name, escaped, not swallowed as a tag


def test_a_complete_demo_has_no_warning(qtbot, view, tmp_path):
    out = tmp_path / "demo.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, out)
    summary = shown(qtbot, view, out)
    assert summary.carried == 2 and not view.status.isVisible()
    assert not view.flagged.isVisible() and "none" in view.flagged_title.text()


def test_clicking_a_bar_a_card_or_a_variant_asks_for_the_filtered_table(qtbot, view, flagged_output):
    summary = shown(qtbot, view, flagged_output)
    chart = view.chromosomes
    qtbot.wait(50)  # the chart lays its bars out
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=bar_point(chart, 0))
    assert blocker.args == [chromosome_filter(chart.labels[0]), False, False, True]
    assert chromosome_filter("1") == "chr1"  # the whole chromosome, by either position
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.mouseClick(view.cards["flagged"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["", True, False, True]
    rect = view.flagged.visualRect(view.flagged_model.index(0, 0))
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.mouseClick(view.flagged.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [summary.flagged["rsid"][0], False, False, True]
    types = view.types
    word = types.labels.index("SNV")
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.mouseClick(types.viewport(), Qt.MouseButton.LeftButton,
                         pos=bar_point(types, len(types.labels) - 1 - word))
    assert blocker.args == ["SNV", False, False, True]
    zygosity = view.zygosity
    with qtbot.waitSignal(view.filter_requested) as blocker:  # the carried rows of that kind
        qtbot.mouseClick(zygosity.viewport(), Qt.MouseButton.LeftButton,
                         pos=bar_point(zygosity, len(zygosity.labels) - 1))
    assert blocker.args == [zygosity.labels[0], False, False, True]


def test_cards_and_bars_are_reached_and_used_by_the_keyboard(qtbot, view, flagged_output):
    """Issue 21: the Summary's cards and bars answered the mouse only."""
    shown(qtbot, view, flagged_output)
    carried = view.cards["carried"]
    carried.setFocus()
    qtbot.waitUntil(carried.hasFocus)
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.keyClick(carried, Qt.Key.Key_Return)
    assert blocker.args == ["", False, False, True]
    # Tab goes on to the next card that leads somewhere; Space follows it
    qtbot.keyClick(carried, Qt.Key.Key_Tab)
    assert view.cards["flagged"].hasFocus()
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.keyClick(view.cards["flagged"], Qt.Key.Key_Space)
    assert blocker.args == ["", True, False, True]
    assert view.cards["allele_rows"].focusPolicy() == Qt.FocusPolicy.NoFocus  # leads nowhere
    # a chart: the arrows walk its bars (highlighted, said in its description), Enter opens one
    chart = view.chromosomes
    chart.setFocus()
    qtbot.waitUntil(chart.hasFocus)
    qtbot.keyClick(chart, Qt.Key.Key_End)
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    last_but_one = len(chart.labels) - 2
    assert chart.current == last_but_one and chart.bars.isBarSelected(last_but_one)
    assert chart.accessibleDescription() == chart.tooltips[last_but_one]
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.keyClick(chart, Qt.Key.Key_Return)
    assert blocker.args == [chromosome_filter(chart.labels[last_but_one]), False, False, True]
    # a horizontal chart walks down with Down, from its first row
    types = view.types
    types.setFocus()
    qtbot.waitUntil(types.hasFocus)
    qtbot.keyClick(types, Qt.Key.Key_Down)
    assert types.current == 0
    word = types.labels[0]
    with qtbot.waitSignal(view.filter_requested) as blocker:
        qtbot.keyClick(types, Qt.Key.Key_Space)
    assert blocker.args == [word, False, False, True]


def test_a_newer_sample_wins_over_a_slower_one(qtbot, view, flagged_output, tmp_path):
    demo = tmp_path / "demo.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, demo)
    view.show_sample(flagged_output, "first")
    with qtbot.waitSignal(view.summary_shown, timeout=20_000):
        view.show_sample(demo, "second")
    view.jobs.wait()
    qtbot.wait(100)
    assert view.summary.sample == "second" and "second" in view.title.text()


def test_a_file_that_cannot_be_summarised_says_why(qtbot, view, tmp_path):
    foreign = tmp_path / "other.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(foreign)
    view.show_sample(foreign)
    qtbot.waitUntil(lambda: "Cannot summarise" in view.message.text(), timeout=10_000)
    assert "not an annotated sample" in view.message.text()
    assert not view.body.isVisible() and not view.export_button.isEnabled()


def test_export_writes_the_self_contained_report(qtbot, view, flagged_output, tmp_path, monkeypatch):
    shown(qtbot, view, flagged_output, "bob/HG00097")
    assert view.suggested_report_path() == flagged_output.parent / "bob_HG00097_report.html"
    target = tmp_path / "saved" / "report"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "HTML report (*.html)")))
    with qtbot.waitSignal(view.report_written, timeout=20_000) as blocker:
        view.export_button.click()
    written = Path(blocker.args[0])
    assert written == target.with_suffix(".html")
    assert_self_contained(written.read_text(encoding="utf-8"))
    assert "Report saved" in view.message.text()


def test_charts_follow_the_palette(qtbot, view, flagged_output):
    shown(qtbot, view, flagged_output)
    chart = view.chromosomes
    light_bar = chart.bars.color()
    assert light_bar == series_color(chart.palette(), 0)
    view.setPalette(dark_palette())
    QApplication.processEvents()
    dark = dark_palette()
    assert chart.bars.color() == series_color(dark, 0) != light_bar
    assert chart.chart().backgroundBrush().color() == dark.color(dark.ColorRole.Base)
    assert chart.value_axis.labelsColor() == dark.color(dark.ColorRole.WindowText)


# -- the live metrics chart ----------------------------------------------------------------------

def test_metrics_chart_plots_cpu_and_memory(qtbot):
    chart = MetricsChart(capacity=5)
    qtbot.addWidget(chart)
    assert chart.chart().title() == EMPTY_TITLE
    for second in range(8):
        chart.add(second * 0.5, 40.0 + second, 100.0 + 10 * second)
    assert chart.cpu_series.count() == chart.memory_series.count() == len(chart.samples) == 5
    assert chart.cpu_series.at(0).x() == 1.5  # the oldest points left with their samples
    assert chart.memory_series.at(4).y() == 170.0
    assert chart.time_axis.min() == 1.5 and chart.time_axis.max() >= 3.5
    assert chart.memory_axis.max() >= 170.0 and chart.cpu_axis.max() == chart.cpu_ceiling
    assert chart.cpu_series.name() == "CPU 47 %" and "peak 170" in chart.memory_series.name()
    chart.add(4.0, 0.0, 0.0)  # the process ended: not a reading
    assert len(chart.samples) == 5
    chart.clear()
    assert chart.cpu_series.count() == 0 and chart.chart().title() == EMPTY_TITLE
