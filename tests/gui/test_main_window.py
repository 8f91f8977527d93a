"""The window end to end: drop a VCF, annotate it in a child process, see state, history, results."""

import sys
from pathlib import Path

import pytest

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.gui.import_dialog import ImportDialog

from window_helpers import rescan

# Qt warnings fail the tests; the offscreen platform's note about size hints is not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


def entry_state(window, key):
    entry = window.samples.entry(window.samples.index_of(key))
    return entry.state if entry is not None else None


def test_first_run_shows_the_guide_and_privacy_note(qtbot, make_window):
    window = make_window()
    # Until the first scan says there is nothing, a returning person must not see the guide.
    assert window.stack.currentWidget() is window.loading
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
    assert "never uploaded" in window.privacy.text()
    assert window.samples.rowCount() == 0


def test_simulated_drop_on_a_user_imports_the_file(qtbot, make_window, monkeypatch, tmp_path):
    window = make_window(auto_annotate=False)
    (window.settings.input_dir / "bob").mkdir(parents=True)
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000):
        window.refresh_samples()
    assert window.samples.users == ["bob"]
    dropped = tmp_path / "My Genome.vcf"
    dropped.write_bytes(DEMO_VCF.read_bytes())

    seen = {}

    def accept(dialog):
        seen["user"], seen["choices"] = dialog.user(), dialog.choices()
        return ImportDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", accept)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    window.show()
    qtbot.waitExposed(window)
    target = window.tree.visualRect(window.samples.index_of("bob")).center()
    event = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000,
                          check_params_cb=lambda: window.samples.index_of("bob/My Genome").isValid()):
        window.tree.dropEvent(event)
    assert seen["user"] == "bob"
    assert seen["choices"] == [(dropped, "bob", "My Genome")]
    assert (window.settings.input_dir / "bob" / "My Genome.vcf").read_bytes() == DEMO_VCF.read_bytes()
    assert entry_state(window, "bob/My Genome") == "new"  # auto-annotation is off here


def test_import_dialog_validates_names(qtbot):
    dialog = ImportDialog([Path("/x/a.vcf"), Path("/x/b.vcf.gz")], ["alice"], "alice", {"alice/a"})
    qtbot.addWidget(dialog)
    assert any("already has a sample 'a'" in p for p in dialog.validate())
    dialog.table.item(0, 1).setText("../evil")
    assert any("'../evil'" in p for p in dialog.validate())
    dialog.table.item(0, 1).setText("a2")
    assert dialog.validate() == []
    assert dialog.choices()[1][2] == "b"


def test_demo_end_to_end(qtbot, make_window):
    window = make_window()
    key = "alice/HG00096"
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        window.start_import([(DEMO_VCF, "alice", "HG00096")])
    qtbot.waitUntil(lambda: entry_state(window, key) == "annotated", timeout=10_000)
    runs = window.history_view.model.runs
    assert [r.status for r in runs] == ["succeeded"] and runs[0].partition_key == key
    assert runs[0].metadata["alleles_matched"] > 0
    model = window.results.model
    assert model.rowCount() >= 132
    assert model.data(model.index(0, model.visible_columns.index("rsid"))).startswith("rs")
    assert window.metrics.values["rows_in"].text() == "132"
    assert window.stack.currentWidget() is window.tabs_page


def test_cancel_an_annotation(qtbot, make_window):
    window = make_window(auto_annotate=False)
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000,
                          check_params_cb=lambda: window.samples.index_of("carol/s1").isValid()):
        window.start_import([(DEMO_VCF, "carol", "s1")])
    job = window.annotate("carol/s1")

    def child_started() -> bool:  # read from the run's log, so it cannot be missed under load
        runs = window.history.list_runs(partition_key="carol/s1", limit=1)
        return bool(runs) and any("started annotation process" in event.message
                                  for event in window.history.events(runs[0].id))

    # Cancel once the child process exists (it is still starting: spawn + imports take a while).
    qtbot.waitUntil(child_started, timeout=20_000)
    with qtbot.waitSignal(job.signals.cancelled, timeout=20_000):
        job.cancel()
    assert window.jobs.find("carol/s1") is None
    qtbot.waitUntil(lambda: [r.status for r in window.history_view.model.runs] == ["cancelled"],
                    timeout=10_000)
    assert not (window.settings.output_dir / "carol" / "s1" / "user_annotated_vcf.parquet").exists()
    qtbot.waitUntil(lambda: entry_state(window, "carol/s1") not in ("running", "queued"), timeout=10_000)


def test_a_file_copied_into_the_input_folder_is_found_and_annotated(qtbot, make_window):
    window = make_window()
    folder = window.settings.input_dir / "dave"
    folder.mkdir(parents=True)
    states = []
    window.samples.dataChanged.connect(
        lambda *_: states.append(entry_state(window, "dave/copied")))
    with qtbot.waitSignal(window.sample_annotated, timeout=60_000,
                          check_params_cb=lambda key: key == "dave/copied"):
        (folder / "copied.vcf").write_bytes(DEMO_VCF.read_bytes())
    assert "running" in states
    assert window.history_view.model.runs[0].trigger == "auto"


def test_the_demo_added_to_a_workspace_without_the_real_reference(qtbot, make_window, tmp_path):
    window = make_window(reference_dir=tmp_path / "cache" / "ensembl_variations")
    assert window.reference_panel.status.status == "missing"
    annotated = []
    window.sample_annotated.connect(annotated.append)
    window.actions["add_demo"].trigger()  # the person asked for it in their own workspace
    # the VCF first, then the same calls as a 23andMe-layout file (matched by rsID)
    qtbot.waitUntil(lambda: len(annotated) == 2, timeout=90_000)
    assert annotated == ["demo/HG00096_chr21", "demo/HG00096_chr21_23andme"]
    window.history_view.refresh()
    runs = {r.partition_key: r for r in window.history_view.model.runs}
    for key, match_by in (("demo/HG00096_chr21", "position"),
                          ("demo/HG00096_chr21_23andme", "rsid")):
        assert runs[key].status == "succeeded" and runs[key].metadata["match_by"] == match_by
        assert runs[key].config["reference_dir"] == str(DEMO_REFERENCE_DIR)


def test_the_window_sweeps_leftovers_and_its_demo_folder_names_its_owner(qtbot, tmp_path):
    from workspace_helpers import leftovers_of_a_dead_process

    from just_dna_desktop.core import housekeeping
    from just_dna_desktop.gui.app import create_window, demo_workspace, parse_args

    data = tmp_path / "data"
    sample_dir = data / "output" / "users" / "alice" / "s0"
    leftovers_of_a_dead_process(sample_dir / "user_annotated_vcf.parquet")
    window = create_window(parse_args(["--data-dir", str(data)]))
    qtbot.addWidget(window)
    window.shutdown()
    assert list(sample_dir.iterdir()) == []
    demo = demo_workspace()
    try:
        assert demo.name.startswith(f"just-dna-demo-{housekeeping.owner_tag()}-")
        assert not housekeeping.is_leftover(demo)
    finally:
        demo.rmdir()


def test_app_parses_its_flags_and_builds_the_demo_window(qtbot, tmp_path):
    from just_dna_desktop.gui.app import create_window, parse_args

    args = parse_args(["--demo", "--data-dir", str(tmp_path / "demo"), "-style", "fusion"])
    assert args.demo and args.theme == "system"
    window = create_window(args)
    qtbot.addWidget(window)
    try:
        assert window.reference_dir == DEMO_REFERENCE_DIR
        assert window.settings.input_dir == tmp_path / "demo" / "input" / "users"
        with qtbot.waitSignal(window.sample_annotated, timeout=60_000):
            pass
    finally:
        window.shutdown()


def test_a_broken_vcf_fails_with_its_reason_and_the_menu_offers_a_retry(qtbot, make_window):
    from PySide6.QtCore import Qt as QtNS

    window = make_window()
    folder = window.settings.input_dir / "erin"
    folder.mkdir(parents=True)
    (folder / "broken.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                                       "chr1\tnot-a-number\t.\tA\tG\t.\t.\t.\n")
    qtbot.waitUntil(lambda: entry_state(window, "erin/broken") == "failed", timeout=60_000)
    index = window.samples.index_of("erin/broken")
    tooltip = window.samples.data(index, QtNS.ItemDataRole.ToolTipRole)
    assert "Failed" in tooltip and "broken.vcf" in tooltip
    menu = window.sample_actions.sample_menu(index)
    actions = {a.text().replace("&", ""): a.isEnabled() for a in menu.actions() if a.text()}
    assert actions["Annotate now"] and not actions["Cancel"] and not actions["Show results"]
    assert "Reveal input file" in actions and "Show history" in actions
    user_actions = [a.text() for a in window.sample_actions.sample_menu(index.parent()).actions()]
    assert user_actions == ["Add a genome file for erin…", "Show history", "",
                            "Remove erin and their samples…"]


def test_missing_reference_says_so_above_the_samples(qtbot, make_window, tmp_path):
    window = make_window(auto_annotate=False, reference_dir=tmp_path / "no-reference")
    (window.settings.input_dir / "carol").mkdir(parents=True)
    (window.settings.input_dir / "carol" / "genome.vcf").write_bytes(DEMO_VCF.read_bytes())
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000):
        window.refresh_samples()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.tabs_page)
    qtbot.waitUntil(lambda: window.banner.isVisibleTo(window))
    assert "not on this computer yet" in window.reference_banner.text()
    # The person's samples show without a click.
    assert window.tree.isExpanded(window.samples.index(0, 0))


def test_waiting_samples_show_as_queued_from_the_queue_not_the_history(qtbot, make_window):
    from just_dna_desktop.core.workspace import settings as core_settings
    from just_dna_desktop.core.workspace.history import History

    settings = core_settings.load_settings()
    core_settings.write_settings(settings.settings_file, {"min_interval_seconds": 3600})
    with History(settings.history_file) as history:  # each started a moment ago: all wait
        runs = []
        for name in ("a", "b", "c"):
            runs.append(history.record(trigger="auto", partition_key=f"alice/{name}",
                                       user="alice", sample=name, status="running"))
            history.update(runs[-1], status="succeeded")
    for name in ("a", "b", "c"):
        path = settings.input_dir / "alice" / f"{name}.vcf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(DEMO_VCF.read_bytes())
    window = make_window()
    qtbot.waitUntil(lambda: all(entry_state(window, f"alice/{n}") == "queued" for n in "abc"),
                    timeout=20_000)
    assert [q.key for q in window.scheduler.queued()] == ["alice/a", "alice/b", "alice/c"]
    window.shutdown()
    with History(settings.history_file) as history:
        # nothing queued, nothing cancelled
        assert sorted(r.id for r in history.list_runs()) == sorted(runs)


def test_new_settings_reach_the_import_and_the_annotation(qtbot, make_window, monkeypatch, tmp_path):
    from just_dna_desktop.gui.settings_dialog import SettingsDialog

    import shutil

    window = make_window(auto_annotate=False)
    moved = tmp_path / "elsewhere" / "users"
    # The settings' own reference from now on (a window not in demo mode): the slice, copied.
    shutil.copytree(DEMO_REFERENCE_DIR, window.settings.reference_dir)

    def accept(dialog):  # the person picks another input folder and saves
        dialog.paths["input_dir"].setText(str(moved))
        return SettingsDialog.DialogCode.Accepted

    monkeypatch.setattr(SettingsDialog, "exec", accept)
    window.actions["settings"].trigger()
    assert window.settings.input_dir == moved
    assert window.reference_panel.reference_dir == window.settings.reference_dir
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000,
                          check_params_cb=lambda: window.samples.index_of("zoe/g").isValid()):
        window.start_import([(DEMO_VCF, "zoe", "g")])
    assert (moved / "zoe" / "g.vcf").read_bytes() == DEMO_VCF.read_bytes()
    with qtbot.waitSignal(window.sample_annotated, timeout=60_000):
        window.annotate("zoe/g")
    run = window.history.list_runs(partition_key="zoe/g", limit=1)[0]
    assert run.status == "succeeded" and run.config["vcf"] == str(moved / "zoe" / "g.vcf")


def test_open_the_demo_opens_a_window_of_its_own_and_adds_nothing_here(qtbot, make_window,
                                                                        monkeypatch):
    """Issue 21: Open the demo on the first-run page planted a permanent "demo" person in the
    real workspace."""
    from PySide6.QtCore import QProcess

    started = []
    monkeypatch.setattr(QProcess, "startDetached",
                        staticmethod(lambda program, arguments: started.append(
                            (program, arguments)) or True))
    window = make_window()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
    window.welcome.open_demo.emit()
    assert started == [(sys.executable, ["-m", "just_dna_desktop", "--demo"])]
    window.actions["open_demo"].trigger()  # the File menu's does the same
    assert len(started) == 2
    rescan(qtbot, window)
    assert window.samples.entries() == []
    assert not (window.settings.input_dir / "demo").exists()
    assert "window of its own" in window.statusBar().currentMessage()


def test_the_live_charts_peak_memory_is_the_run_cards_after_a_real_run(qtbot, make_window):
    """Issue 21: the chart (the window's own samples) and the run card (the run's record) said
    two peaks for one run."""
    import re

    window = make_window(auto_annotate=False)
    path = window.settings.input_dir / "alice" / "genome.vcf"
    path.parent.mkdir(parents=True)
    path.write_bytes(DEMO_VCF.read_bytes())
    rescan(qtbot, window)
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        window.annotate("alice/genome")
    card = window.metrics.values["peak_memory_mb"].text()
    legend = window.metrics.chart.memory_series.name()
    assert re.fullmatch(r"\d+ MB", card) and legend.endswith(f"(peak {card.split()[0]})"), \
        (card, legend)
    run = window.history.list_runs(partition_key="alice/genome", limit=1)[0]
    assert card == f"{run.metadata['peak_memory_mb']:.0f} MB"  # the Runs tab's figure too
