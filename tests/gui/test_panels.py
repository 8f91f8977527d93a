"""The smaller panels: run history filters and details, settings saved to the file, export job."""

import polars as pl
import pytest
from PySide6.QtCore import Qt

from just_dna_desktop.core.workspace import settings as core_settings
from just_dna_desktop.core.workspace.history import History
from just_dna_desktop.gui.history_view import HistoryView
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.gui.metrics_panel import MetricsPanel
from just_dna_desktop.gui.responsiveness import EventLoopProbe
from just_dna_desktop.gui.results_view import ResultsView
from just_dna_desktop.gui.settings_dialog import SettingsDialog

# Qt warnings fail the tests; the offscreen platform's note about size hints is not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_history_filters_and_details(qtbot, tmp_path):
    history = History(tmp_path / "h.sqlite")
    ok = history.record(partition_key="alice/g1", user="alice", sample="g1", status="running",
                        config={"vcf": "/x/g1.vcf"})
    history.add_event(ok, "reading g1.vcf")
    history.update(ok, status="succeeded", metadata={"alleles_matched": 1234, "peak_memory_mb": 88.0,
                                                     "output_file": str(tmp_path / "none.parquet")})
    bad = history.record(partition_key="bob/b1", user="bob", sample="b1", status="running")
    history.update(bad, status="failed", error="b1.vcf:3: not a VCF")
    view = HistoryView(history)
    qtbot.addWidget(view)
    view.set_users(["alice", "bob"])
    view.refresh()
    assert view.model.rowCount() == 2
    view.user_filter.setCurrentText("alice")
    assert [r.partition_key for r in view.model.runs] == ["alice/g1"]
    assert view.model.data(view.model.index(0, 6)) == "1,234"
    view.user_filter.setCurrentText("All users")
    view.status_filter.setCurrentText("failed")
    assert [r.id for r in view.model.runs] == [bad]
    view.status_filter.setCurrentText("All statuses")
    view.text_filter.setText("not a vcf")
    assert [r.id for r in view.model.runs] == [bad]
    view.text_filter.setText("")
    view.table.selectRow(1)
    shown = view.details.text()
    assert "reading g1.vcf" in shown
    # labelled fields, not raw JSON (issue 21)
    assert "Matched to an rsID: 1,234" in shown and "Peak memory: 88.00 MB" in shown
    assert "{" not in shown and '"alleles_matched"' not in shown
    sections = [section for section, _, _ in view.details.rows]
    assert sections.index("Run") < sections.index("Result") < sections.index("Resources")
    assert not view.open_button.isEnabled()  # its output file does not exist
    partial = history.record(partition_key="carol/c1", user="carol", sample="c1", status="running")
    history.update(partial, status="succeeded", metadata={
        "alleles_matched": 1, "reference_chromosomes_missing": ["22"], "alleles_not_looked_up": 2})
    view.refresh()
    row = [r.id for r in view.model.runs].index(partial)
    status = view.model.index(row, 3)
    assert view.model.data(status) == "succeeded, partial"  # never a plain green success
    assert "2 allele rows on chromosome 22 were not looked up" in \
        view.model.data(status, Qt.ItemDataRole.ToolTipRole)
    history.close()


def test_settings_dialog_writes_the_settings_file(qtbot):
    settings = core_settings.load_settings()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.auto.setChecked(False)
    dialog.interval.setValue(5)
    dialog.variant_type.setCurrentText("SNV")
    dialog.save()
    again = core_settings.load_settings()
    assert (again.auto_annotate, again.min_interval_seconds, again.variant_type) == (False, 5, "SNV")
    assert again.input_dir == settings.input_dir


def test_export_runs_as_a_job(qtbot, tmp_path):
    path = tmp_path / "r.parquet"
    pl.DataFrame({"chrom": ["1", "1", "2"], "start": [1, 2, 3], "rsid": ["rs1", None, "rs3"],
                  "ref": ["A", "C", "G"], "alt": ["G", "T", "A"], "ma": ["G", "T", "G"],
                  "maf": [0.5, 0.001, 0.2], "clin_pathogenic": [False, True, None]}).write_parquet(path)
    jobs = JobManager()
    view = ResultsView(jobs)
    qtbot.addWidget(view)
    view.open(path)
    assert view.count.text() == "3 of 3 rows"
    view.rare.setChecked(True)
    assert view.model.rowCount() == 1
    out = tmp_path / "rare.tsv"
    job = view.export(out)
    with qtbot.waitSignal(job.signals.finished, timeout=10_000) as blocker:
        pass
    assert blocker.args == [1]
    assert out.read_text().splitlines()[1].startswith("1\t2\t")
    jobs.wait()


def test_metrics_panel_and_probe(qtbot):
    from just_dna_desktop.core.engine.metrics import Sample

    panel = MetricsPanel()
    qtbot.addWidget(panel)
    panel.start("Annotate a/b")
    for i in range(5):
        panel.add_sample(Sample(elapsed_sec=i * 0.25, cpu_percent=50.0 + i, rss_mb=100.0 + i))
    panel.show_run({"partition_key": "a/b", "duration_sec": 1.5, "rows_in": 10, "alleles_matched": 7})
    assert panel.values["alleles_matched"].text() == "7" and panel.values["cpu_percent"].text() == "–"
    assert not panel.chart.grab().isNull()
    probe = EventLoopProbe(interval_ms=10)
    probe.start()
    qtbot.waitUntil(lambda: probe.samples >= 3, timeout=5_000)
    probe.stop()
    assert probe.max_delay_ms >= 0


def test_the_live_charts_peak_is_the_run_cards_peak(qtbot):
    """Issue 21: the chart (sampled every 0.25 s by the window) and the run card (the run's record,
    sampled more often) gave two different peaks for one run."""
    from just_dna_desktop.core.engine.metrics import Sample

    panel = MetricsPanel()
    qtbot.addWidget(panel)
    panel.start("Annotate a/b")
    for i in range(5):
        panel.add_sample(Sample(elapsed_sec=i * 0.25, cpu_percent=50.0, rss_mb=100.0 + i))
    assert panel.chart.memory_series.name() == "memory 104 MB (peak 104)"  # while it runs
    panel.stop("Finished a/b")
    panel.show_run({"partition_key": "a/b", "peak_memory_mb": 131.6})
    card = panel.values["peak_memory_mb"].text()
    assert card == "132 MB"
    assert panel.chart.memory_series.name() == "memory 104 MB (peak 132)"
    assert panel.chart.memory_axis.max() >= 131.6
    panel.start("Annotate a/c")  # the next run's chart starts from its own samples
    panel.add_sample(Sample(elapsed_sec=0.0, cpu_percent=1.0, rss_mb=50.0))
    assert panel.chart.memory_series.name() == "memory 50 MB (peak 50)"


def test_settings_are_checked_before_anything_is_saved(qtbot, tmp_path):
    settings = core_settings.load_settings()
    before = settings.settings_file.read_text()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.chromosomes.setText("21, 23")
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    dialog.paths["output_dir"].setText(str(a_file))
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted and dialog.isVisible()
    problems = dialog.problems.text()
    assert "reference_chromosomes" in problems and "'23'" in problems
    assert f"{a_file} is a file, not a folder" in problems
    assert dialog.chromosomes.hasFocus() or not dialog.isActiveWindow()
    assert settings.settings_file.read_text() == before  # nothing written
    dialog.chromosomes.setText("21 22")
    dialog.paths["output_dir"].setText(str(settings.output_dir))
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and not dialog.problems.isVisible()
    dialog.save()
    again = core_settings.load_settings()
    assert again.reference_chromosomes == ["21", "22"]
    reopened = SettingsDialog(again)
    qtbot.addWidget(reopened)
    assert reopened.chromosomes.text() == "21, 22"
