"""The window as a new user meets it: the page follows what the person does (never a rescan), a
failed sample has its own page that clears the previous person's table, a partial result is never
a green check, and the keyboard reaches every sample."""

import pytest
from PySide6.QtCore import Qt

from just_dna_desktop.core.reference.demo import DEMO_VCF
from just_dna_desktop.gui.samples_model import STATES

from reference_factory import write_reference, write_vcf
from window_helpers import activate, add_sample, rescan, select

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support")]  # offscreen platform

BROKEN = ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
          "chr1\tnot-a-number\t.\tA\tG\t.\t.\t.\n")


def test_a_rescan_never_takes_the_chosen_page_away(qtbot, make_window):
    window = make_window(auto_annotate=False)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
    window.actions["tab_reference"].trigger()  # the person goes to the Reference tab
    assert window.stack.currentWidget() is window.tabs_page
    for _ in range(3):  # what the 10-second timer does, with still no sample
        rescan(qtbot, window)
        assert window.stack.currentWidget() is window.tabs_page
        assert window.tabs.currentWidget().isAncestorOf(window.reference_panel)
    window.actions["getting_started"].trigger()
    rescan(qtbot, window)
    assert window.stack.currentWidget() is window.welcome


def test_a_failed_sample_has_its_own_page_and_clears_the_previous_table(qtbot, make_window, tmp_path):
    window = make_window(auto_annotate=False)
    add_sample(window, "alice/genome", DEMO_VCF)
    broken = tmp_path / "broken.vcf"
    broken.write_text(BROKEN)
    reason = f"{window.settings.input_dir}/bob/broken.vcf:3: POS 'not-a-number' is not a number"
    add_sample(window, "bob/broken", broken, error=reason,
               events=("started annotation process 1234", "Reading broken.vcf"))
    rescan(qtbot, window)
    shown = []
    window.sample_shown.connect(shown.append)
    select(window, "alice/genome")
    assert window.sample_area.currentWidget() is window.results
    assert window.results.model.rowCount() == 132 and "alice" in window.results.title.text()
    assert shown[-1].key == "alice/genome"

    select(window, "bob/broken")
    page = window.failed_page
    assert window.sample_area.currentWidget() is page
    assert window.results.model.query is None and window.results.model.rowCount() == 0
    assert "alice" not in window.results.title.text()
    assert shown[-1] is None  # per-sample views (a summary) are told to clear too
    assert page.title.text() == "bob/broken could not be annotated"
    assert page.reason.toPlainText() == reason and page.reason.isReadOnly()
    assert "Reading broken.vcf" in page.log.toPlainText()
    visible = [b.text() for b in (page.retry_button, page.rsid_button, page.reference_button,
                                  page.open_button, page.reveal_button, page.history_button)
               if b.isVisibleTo(page)]
    assert visible == ["Try again", "Open the file", "Show in folder", "Show history"]
    page.history_button.click()
    assert window.tabs.currentWidget() is window.history_view
    assert window.history_view.text_filter.text() == "bob/broken"
    job = None
    with qtbot.waitSignal(window.jobs.job_added, timeout=5_000) as blocker:
        page.retry_button.click()
    job = blocker.args[0]
    assert job.key == "bob/broken" and job.kind == "annotate"
    with qtbot.waitSignal(job.signals.failed, timeout=60_000):
        pass


def test_a_build_mismatch_offers_annotating_by_rsid_not_a_flag(qtbot, make_window, tmp_path):
    window = make_window(auto_annotate=False)
    error = (f"{tmp_path}/old.vcf: this VCF looks like GRCh37, but the reference is GRCh38; "
             "positions would not match (lift it over, or pass --ignore-build-mismatch)")
    add_sample(window, "carol/old", DEMO_VCF, error=error)
    rescan(qtbot, window)
    select(window, "carol/old")
    page = window.failed_page
    assert "--ignore-build-mismatch" not in page.reason.toPlainText()
    assert "--" not in page.what_to_do.text() and "GRCh37" in page.what_to_do.text()
    assert page.rsid_button.isVisibleTo(page)
    tooltip = window.samples.data(window.samples.index_of("carol/old"), Qt.ItemDataRole.ToolTipRole)
    assert "--ignore-build-mismatch" not in tooltip
    with qtbot.waitSignal(window.sample_annotated, timeout=60_000):
        page.rsid_button.click()
    run = window.history.list_runs(partition_key="carol/old", limit=1)[0]
    assert run.status == "succeeded" and run.config["match_by"] == "rsid"
    assert run.metadata["match_by"] == "rsid"
    # kept for the sample: its next run, manual or automatic, is by rsID too (issue 21)
    from just_dna_desktop.core.workspace import choices

    kept = choices.kept(window.history, "carol/old")
    assert (kept.match_by, kept.chosen_by) == ("rsid", "person")


def visible_buttons(page) -> list[str]:
    return [b.text() for b in (page.retry_button, page.rsid_button, page.position_button,
                               page.reference_button, page.open_button, page.reveal_button,
                               page.history_button) if b.isVisibleTo(page)]


def test_another_build_without_rsids_offers_position_anyway_after_a_warning(
        qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(auto_annotate=False)
    error = (f"{tmp_path}/old.vcf: this VCF looks like GRCh37, but the reference is GRCh38, and "
             "none of its 132 alleles has an rsID to match by instead; lift it over, add rsIDs "
             "(`bcftools annotate`), or pass --ignore-build-mismatch to match positions anyway")
    add_sample(window, "carol/old", DEMO_VCF, error=error)
    rescan(qtbot, window)
    select(window, "carol/old")
    page = window.failed_page
    assert window.sample_area.currentWidget() is page
    assert "--" not in page.reason.toPlainText() + page.what_to_do.text()
    assert visible_buttons(page) == ["Annotate by position anyway…", "Open the file",
                                     "Show in folder", "Show history"]  # retrying changes nothing
    asked = []
    monkeypatch.setattr(window.sample_actions, "confirm_position_anyway",
                        lambda key: asked.append(key) or False)
    page.position_button.click()
    assert asked == ["carol/old"] and window.jobs.find("carol/old") is None  # declined: nothing
    monkeypatch.setattr(window.sample_actions, "confirm_position_anyway", lambda key: True)
    with qtbot.waitSignal(window.sample_annotated, timeout=60_000):
        page.position_button.click()
    run = window.history.list_runs(partition_key="carol/old", limit=1)[0]
    assert run.status == "succeeded"
    assert (run.config["match_by"], run.config["ignore_build_mismatch"]) == ("position", True)


def test_a_file_that_is_no_genome_file_offers_no_retry(qtbot, make_window):
    window = make_window(auto_annotate=False)
    folder = window.settings.input_dir / "erin"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("shopping list\nmilk\n")
    rescan(qtbot, window)
    select(window, "erin/notes")
    page = window.failed_page
    assert window.sample_area.currentWidget() is page
    assert page.reason.toPlainText().startswith(str(folder / "notes.txt") + ": ")
    assert "raw-data download" in page.what_to_do.text()
    assert visible_buttons(page) == ["Open the file", "Show in folder"]
    assert not page.log.isVisibleTo(page) and "No run was made" in page.log_title.text()


def test_a_partial_result_is_never_a_green_check(qtbot, make_window, tmp_path):
    reference = tmp_path / "chr21-only"
    write_reference(reference, "21", [(100, "rs100", "A", "G")])
    window = make_window(auto_annotate=False, reference_dir=reference)
    sample = write_vcf(tmp_path / "s.vcf", [
        "chr21\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1",
        "chr22\t5\t.\tA\tG\t50\tPASS\t.\tGT\t0/1", "chr22\t6\t.\tC\tT\t50\tPASS\t.\tGT\t1/1"])
    add_sample(window, "dave/chip", sample)
    rescan(qtbot, window)
    index = window.samples.index_of("dave/chip")
    entry = window.samples.entry(index)
    assert entry.state == "partial"
    assert STATES["partial"][1] != STATES["annotated"][1]  # its own icon, not the check
    tooltip = window.samples.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "2 allele rows on chromosome 22 were not looked up" in tooltip
    select(window, "dave/chip")
    assert window.sample_area.currentWidget() is window.results
    notice = window.results.notice.text()
    assert window.results.notice_bar.isVisibleTo(window.results) and "Partial result" in notice
    assert "chromosome 22" in notice
    window.results.notice_button.click()
    assert window.tabs.currentWidget().isAncestorOf(window.reference_panel)
    # the lineage picture says it too
    assert any(node.title == "dave/chip" and node.state == "warn"
               for node in window.reference_panel.lineage.outputs)


def test_the_run_figures_say_what_was_not_looked_up(make_window):
    window = make_window(auto_annotate=False)
    window.metrics.show_run({"partition_key": "dave/chip", "rows_out": 3, "alleles_matched": 1,
                             "reference_chromosomes_missing": ["22"], "alleles_not_looked_up": 2})
    value = window.metrics.values["alleles_not_looked_up"]
    assert value.text() == "2 (chr 22)" and "chromosome(s) 22" in value.toolTip()


def test_enter_opens_a_sample_and_shift_f10_opens_its_menu(qtbot, make_window):
    window = make_window(auto_annotate=False)
    add_sample(window, "alice/genome", DEMO_VCF)
    (window.settings.input_dir / "bob").mkdir()
    (window.settings.input_dir / "bob" / "new.vcf").write_bytes(DEMO_VCF.read_bytes())
    rescan(qtbot, window)
    activate(qtbot, window)
    window.tree.setFocus()
    select(window, "alice/genome")
    qtbot.keyClick(window.tree, Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.sample_area
    assert window.results.table.hasFocus()

    window.tree.setFocus()
    select(window, "bob/new")
    qtbot.keyClick(window.tree, Qt.Key.Key_Return)
    assert window.sample_area.currentWidget() is window.status_page
    assert window.status_page.annotate_button.hasFocus()  # Enter again starts it
    assert "not annotated yet" in window.status_page.title.text()

    window.tree.setFocus()
    qtbot.keyClick(window.tree, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = window.sample_actions.context_menu
    assert menu.isVisible()
    assert [a.text().replace("&", "") for a in menu.actions() if a.text()][:2] == \
        ["Annotate now", "Cancel"]
    menu.close()


def test_the_keyboard_moves_between_tabs_and_to_the_filter(qtbot, make_window):
    window = make_window(auto_annotate=False)
    add_sample(window, "alice/genome", DEMO_VCF)
    rescan(qtbot, window)
    activate(qtbot, window)
    select(window, "alice/genome")
    assert window.tabs.currentWidget() is window.summary_view  # an annotated sample: its Summary
    window.actions["tab_results"].trigger()
    window.results.table.setFocus()
    qtbot.keyClick(window.results.table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.history_view  # Ctrl+Tab leaves the table
    window.actions["tab_results"].trigger()
    window.results.table.setFocus()
    qtbot.keyClick(window.results.table, Qt.Key.Key_Tab)
    assert not window.results.table.hasFocus()  # Tab is not trapped in the table
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.results.search.hasFocus()
    window.results.search.setText("rs1135638")
    qtbot.keyClick(window.results.search, Qt.Key.Key_Escape)
    assert window.results.search.text() == ""


def test_queued_samples_show_a_countdown_and_run_now(qtbot, make_window):
    import re

    from just_dna_desktop.core.workspace import settings as core_settings
    from just_dna_desktop.core.workspace.history import History

    settings = core_settings.load_settings()
    core_settings.write_settings(settings.settings_file, {"min_interval_seconds": 3600})
    with History(settings.history_file) as history:  # both started a moment ago: both wait
        for name in ("a", "b"):
            run = history.record(trigger="auto", partition_key=f"alice/{name}", user="alice",
                                 sample=name, status="running")
            history.update(run, status="succeeded")
    for name in ("a", "b"):
        path = settings.input_dir / "alice" / f"{name}.vcf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(DEMO_VCF.read_bytes())
    window = make_window()
    panel = window.jobs_panel
    qtbot.waitUntil(lambda: set(panel.queue_rows) == {"alice/a", "alice/b"}, timeout=20_000)
    assert not panel.empty.isVisibleTo(panel)  # never "No jobs running" while samples wait
    for key in ("alice/a", "alice/b"):
        assert re.fullmatch(rf"{key}: queued, starts in 3[56]\d\d s",
                            panel.queue_rows[key].description())
    select(window, "alice/b")
    assert window.sample_area.currentWidget() is window.status_page
    assert re.search(r"starts in 3[56]\d\d s", window.status_page.text.text())
    assert window.status_page.annotate_button.text() == "Run now"
    with qtbot.waitSignal(window.sample_annotated, timeout=60_000,
                          check_params_cb=lambda key: key == "alice/b"):
        panel.queue_rows["alice/b"].run_button.click()
    qtbot.waitUntil(lambda: set(panel.queue_rows) == {"alice/a"}, timeout=5_000)
    latest = window.history.list_runs(partition_key="alice/b", limit=1)[0]
    assert latest.status == "succeeded" and latest.trigger == "manual"


def test_the_first_in_the_queue_waits_for_the_running_annotation_not_a_clock(qtbot):
    from just_dna_desktop.gui.jobs_panel import QueueRow
    from just_dna_desktop.gui.sample_texts import describe_state
    from just_dna_desktop.gui.samples_model import SampleEntry

    row = QueueRow("alice/a", None)
    qtbot.addWidget(row)
    row.set_wait(0, None)
    assert row.description() == "alice/a: queued, next"
    entry = SampleEntry("alice", "a", "queued", None, None, "")
    page = describe_state(entry, queued_in=(0, None))
    assert "starts when the running annotation ends" in page["text"]
    assert "starts in 42 s" in describe_state(entry, queued_in=(0, 42.0))["text"]


def test_a_grch37_file_that_names_no_build_is_matched_by_rsid_and_a_doubt_is_never_a_check(
        qtbot, make_window, tmp_path):
    """Issue 21: such a file was matched by position under a green check ("succeeded", 1,389
    carried, all wrong); after Annotate by rsID, the next Ctrl+R went back to positions."""
    from workspace_helpers import grch37_without_build

    window = make_window()
    vcf = grch37_without_build(tmp_path / "old-lab-export.vcf")
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        window.start_import([(vcf, "carol", "old")])
    rescan(qtbot, window)
    run = window.history.list_runs(partition_key="carol/old", limit=1)[0]
    assert run.trigger == "auto" and run.metadata["match_by"] == "rsid"
    assert "0 of 132" in run.metadata["match_by_reason"]
    index = window.samples.index_of("carol/old")
    assert window.samples.entry(index).state == "annotated"  # now rightly: matched by rsID
    # Ctrl+R keeps the check's choice
    select(window, "carol/old")
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        window.actions["annotate"].trigger()
    rescan(qtbot, window)
    run = window.history.list_runs(partition_key="carol/old", limit=1)[0]
    assert run.trigger == "manual" and run.metadata["match_by"] == "rsid"
    # matched by position all the same (a person chose it): doubtful, never the green check
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000):
        window.annotate("carol/old", match_by="position", ignore_build_mismatch=True)
    assert window.samples.entry(window.samples.index_of("carol/old")).state == "doubtful"
    rescan(qtbot, window)
    index = window.samples.index_of("carol/old")
    assert window.samples.entry(index).state == "doubtful"
    tooltip = window.samples.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "<br>Doubtful: its matches may be wrong" in tooltip
    assert STATES["doubtful"][1] != STATES["annotated"][1]  # its own mark, not the check


def test_a_sample_or_a_person_is_removed_from_the_window_after_saying_what_goes(
        qtbot, make_window):
    """Issue 21: there was no way to remove a sample or a person from the window."""
    from just_dna_desktop.gui.sample_actions import removal_question

    window = make_window(auto_annotate=False)
    add_sample(window, "alice/first", DEMO_VCF)
    add_sample(window, "alice/second", DEMO_VCF)
    add_sample(window, "bob/only", DEMO_VCF)
    rescan(qtbot, window)
    actions = window.sample_actions
    asked = []
    actions.confirm_removal = lambda plan: asked.append(plan) or answer
    # from the sample's context menu; the person says no first, then yes
    select(window, "alice/first")
    menu = actions.sample_menu(window.samples.index_of("alice/first"))
    remove = next(a for a in menu.actions() if a.text() == "Remove this sample…")
    assert remove.isEnabled()
    answer = False
    remove.trigger()
    assert asked[-1].what == "sample alice/first"
    assert (window.settings.input_dir / "alice" / "first.vcf").is_file()  # nothing on "no"
    title, text, details = removal_question(asked[-1])
    assert title == "Remove sample alice/first?" and "cannot be undone" in text
    deleted, kept = details.split("\n\nKept:\n")
    assert "first.vcf: the genome file in the input folder" in deleted
    assert "the results (annotated table, exports and reports saved there)" in deleted
    assert "The run history: past runs stay listed." in kept
    answer = True
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000):
        remove.trigger()
    assert not window.samples.index_of("alice/first").isValid()
    assert not (window.settings.input_dir / "alice" / "first.vcf").exists()
    assert not window.workspace.output_file("alice", "first").parent.exists()
    assert window.history.list_runs(partition_key="alice/first")  # its runs stay listed
    assert window.statusBar().currentMessage() == "Removed sample alice/first"
    # a person, with every sample of theirs, from their row's menu
    user_row = window.samples.index_of("bob")
    menu = actions.sample_menu(user_row)
    remove_person = next(a for a in menu.actions() if a.text() == "Remove bob and their samples…")
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000):
        remove_person.trigger()
    assert asked[-1].what == "bob and their 1 sample"
    assert "bob" not in window.samples.users
    assert not (window.settings.input_dir / "bob").exists()
    assert window.samples.index_of("alice/second").isValid()  # nobody else's
