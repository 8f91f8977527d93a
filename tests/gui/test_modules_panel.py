"""The Modules page alone: real modules (the test modules in resources/demo/modules, and
tests/data/module_example) published on a loopback Hub in the layout of `just-dna-seq/annotators`,
a real store in the test's cache, the real pool; the person's answers and the folder chooser
replaced."""

import shutil
import sys
from pathlib import Path

import pytest

from just_dna_desktop.core.hub import format_bytes
from just_dna_desktop.core.modules.sources import DEFAULT_SOURCE
from just_dna_desktop.core.modules.store import ModuleStore
from just_dna_desktop.core.reference.demo import DEMO_MODULES_DIR
from just_dna_desktop.core.workspace.settings import load_settings, write_settings
from just_dna_desktop.gui.jobs import JobManager
from just_dna_desktop.gui.modules_panel import ModulesPanel, get_question, remove_question

sys.path.insert(0, str(Path(__file__).parent.parent))
from hub_server import HubServer  # noqa: E402

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]

DATA = Path(__file__).parent.parent / "data"
COMPILED = DEMO_MODULES_DIR  # the test modules, compiled by just-dna-compiler
WITHOUT_MANIFEST = "example_unverified"


def published(folder: Path, name: str, without: tuple[str, ...] = ("NOTICE",)) -> dict[str, bytes]:
    """A module folder as the Hub dataset holds it: data/<name>/<file>."""
    return {f"data/{name}/{p.name}": p.read_bytes() for p in folder.iterdir()
            if p.name not in without}


def flipped(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0xFF
    return bytes(changed)


@pytest.fixture
def hub(monkeypatch):
    server = HubServer().start()
    files = {**published(COMPILED / "traits_demo", "traits_demo"),
             **published(COMPILED / "clinvar_app_demo", "clinvar_app_demo"),
             **published(DATA / "module_example", WITHOUT_MANIFEST, ("NOTICE", "manifest.json"))}
    server.add_repo(DEFAULT_SOURCE, files)
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()


@pytest.fixture
def panel(qtbot):
    jobs = JobManager()
    settings = [load_settings()]
    widget = ModulesPanel(jobs, lambda: settings[0])
    widget.settings_holder = settings  # a test may swap the settings in force
    qtbot.addWidget(widget)
    yield widget
    jobs.cancel_all()
    jobs.wait()


def listed(qtbot, panel):
    panel.list_sources()
    qtbot.waitUntil(lambda: panel.list_job is None, timeout=20_000)
    return {m.name: row for row, m in enumerate(panel.listing.available)}


def select(table, rows):
    from PySide6.QtCore import QItemSelectionModel

    table.clearSelection()
    for row in rows:
        table.selectionModel().select(table.model().index(row, 0),
                                      QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)


def cell(table, row, column):
    return table.item(row, column).text()


def finish(qtbot, panel, start):
    """Run `start()` (a button's click) and wait until its job has ended and said so."""
    with qtbot.waitSignal(panel.changed, timeout=30_000):
        start()
    return panel.message.text()


def test_the_sources_are_listed_and_get_asks_first_then_installs_with_its_progress(qtbot, hub,
                                                                                   panel):
    rows = listed(qtbot, panel)
    assert list(rows) == ["clinvar_app_demo", WITHOUT_MANIFEST, "traits_demo"]
    assert panel.sources.text() == f"{DEFAULT_SOURCE}: 3 modules"
    assert cell(panel.available_table, rows[WITHOUT_MANIFEST], 3) == "none: UNVERIFIED"
    asked, unverified, messages = [], [], []
    panel.confirm_get = lambda modules, folder, free: asked.append((modules, folder, free)) or True
    panel.confirm_unverified = lambda names: unverified.append(names) or True
    select(panel.available_table, [rows["traits_demo"], rows["clinvar_app_demo"]])
    assert panel.get_button.isEnabled()
    with qtbot.waitSignal(panel.changed, timeout=30_000):
        panel.get_button.click()
        panel.job.signals.progress.connect(lambda fraction, message: messages.append(message))
        assert panel.cancel_button.isVisible() or not panel.isVisible()
        assert not panel.get_button.isEnabled()  # one at a time
    [(modules, folder, free)] = asked
    assert unverified == []  # both have a manifest: nothing to ask
    assert folder == load_settings().cache_dir / "annotators"
    title, text = get_question(modules, folder, free)
    assert title == "Get 2 annotation modules?"
    size = sum(len(data) for path, data in hub.repos[DEFAULT_SOURCE].files.items()
               if path.split("/")[1] in ("traits_demo", "clinvar_app_demo"))
    assert text.startswith(f"2 annotation modules (clinvar_app_demo and traits_demo): "
                           f"{format_bytes(size)} from {DEFAULT_SOURCE}, into {folder}.")
    assert "Free space on that disk: " in text
    assert any("KB/" in m for m in messages), messages  # bytes done of the total
    assert panel.message.text().splitlines() == [
        f"Installed APP region panel (ClinVar, test data) 0.1.0 (verified) from {DEFAULT_SOURCE}",
        f"Installed Everyday traits (test data) 0.1.0 (verified) from {DEFAULT_SOURCE}"]
    table = panel.installed_table
    assert [(cell(table, r, 0), cell(table, r, 1), cell(table, r, 4), cell(table, r, 5))
            for r in range(table.rowCount())] == [
        ("APP region panel (ClinVar, test data)", "0.1.0", "CC0-1.0", "verified"),
        ("Everyday traits (test data)", "0.1.0", "CC0-1.0", "verified")]
    assert cell(panel.available_table, rows["traits_demo"], 4) == "0.1.0"  # installed
    assert [m.name for m in ModuleStore(load_settings().cache_dir).installed()] == \
        ["clinvar_app_demo", "traits_demo"]


def test_a_module_without_a_manifest_is_got_only_when_the_person_says_so(qtbot, hub, panel):
    rows = listed(qtbot, panel)
    answers = [False]
    panel.confirm_get = lambda modules, folder, free: True
    panel.confirm_unverified = lambda names: answers.pop(0)
    select(panel.available_table, [rows[WITHOUT_MANIFEST]])
    assert panel.ask_get(panel.selected_available()) is None  # declined: nothing fetched
    assert panel.message.text() == "Nothing fetched: the modules chosen have no manifest."
    assert not (load_settings().cache_dir / "annotators" / "data" / WITHOUT_MANIFEST).exists()
    answers.append(True)
    finish(qtbot, panel, panel.get_button.click)
    # without a manifest, its title is its folder's name and its version is not known
    assert panel.message.text() == \
        f"Installed Example unverified (UNVERIFIED (no manifest)) from {DEFAULT_SOURCE}"
    assert cell(panel.installed_table, 0, 5) == "UNVERIFIED"


def test_bytes_that_do_not_match_their_manifest_are_refused_in_one_line(qtbot, hub, panel,
                                                                        tmp_path):
    repo = hub.repos[DEFAULT_SOURCE]
    path = "data/traits_demo/weights.parquet"
    repo.files[path] = flipped(repo.files[path])  # the Hub serves them as they are now
    rows = listed(qtbot, panel)
    panel.confirm_get = lambda modules, folder, free: True
    select(panel.available_table, [rows["traits_demo"]])
    message = finish(qtbot, panel, panel.get_button.click)
    assert len(message.splitlines()) == 1 and "weights.parquet" in message, message
    assert "sha256" in message and panel.installed_table.rowCount() == 0

    copy = tmp_path / "traits_demo"
    shutil.copytree(COMPILED / "traits_demo", copy)
    (copy / "studies.parquet").write_bytes(flipped((copy / "studies.parquet").read_bytes()))
    panel.choose_folder = lambda: copy
    message = finish(qtbot, panel, panel.add_button.click)
    assert len(message.splitlines()) == 1 and "studies.parquet" in message, message
    assert panel.installed_table.rowCount() == 0


def test_a_get_can_be_cancelled(qtbot, hub, panel):
    hub.slow["data/traits_demo/weights.parquet"] = 3.0
    rows = listed(qtbot, panel)
    panel.confirm_get = lambda modules, folder, free: True
    select(panel.available_table, [rows["traits_demo"]])
    panel.get_button.click()
    qtbot.waitUntil(lambda: "weights.parquet" in panel.progress_label.text(), timeout=20_000)
    message = finish(qtbot, panel, panel.cancel_button.click)
    assert message == "Cancelled. What was downloaded is kept: Get resumes it."
    assert panel.installed_table.rowCount() == 0 and panel.job is None
    assert panel.get_button.isEnabled() and not panel.bar.isVisibleTo(panel)


def test_an_offline_or_failing_source_is_one_line_each(qtbot, hub, panel, monkeypatch, tmp_path):
    settings = load_settings()
    write_settings(settings.settings_file,
                   {"module_sources": [DEFAULT_SOURCE, str(tmp_path / "no-such-folder")]})
    panel.settings_holder[0] = load_settings()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert listed(qtbot, panel) == {}
    lines = panel.sources.text().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"Could not look at {DEFAULT_SOURCE}: offline mode is on")
    assert lines[1] == (f"Could not look at {tmp_path / 'no-such-folder'}: "
                        f"{tmp_path / 'no-such-folder'}: the module source folder does not exist "
                        "(module_sources)")
    assert not panel.get_all_button.isEnabled()


def test_add_verify_and_remove(qtbot, panel):
    store = ModuleStore(load_settings().cache_dir)
    for name in ("traits_demo", "pgx_cpic"):
        panel.choose_folder = lambda name=name: COMPILED / name
        assert finish(qtbot, panel, panel.add_button.click).startswith("Installed ")
    table = panel.installed_table
    assert [cell(table, r, 0) for r in range(table.rowCount())] == \
        ["Drug response (CPIC, test data)", "Everyday traits (test data)"]  # by name
    assert cell(table, 0, 2) == "24"  # rows of the drug table
    assert finish(qtbot, panel, panel.verify_button.click) == \
        "All 2 modules match what was installed."

    weights = store.get("traits_demo").folder / "weights.parquet"
    weights.write_bytes(flipped(weights.read_bytes()))
    message = finish(qtbot, panel, panel.verify_button.click)
    assert message.startswith("traits_demo is refused and will not be used: ")
    assert str(weights) in message and len(message.splitlines()) == 1
    row = [cell(table, r, 0) for r in range(2)].index("Everyday traits (test data)")
    assert cell(table, row, 5) == "REFUSED"

    asked = []
    panel.confirm_remove = lambda module: asked.append(remove_question(module)) or True
    assert not panel.remove_button.isEnabled()  # nothing selected
    table.selectRow(row)
    folder = store.get("traits_demo").folder
    assert finish(qtbot, panel, panel.remove_button.click) == \
        "Removed Everyday traits (test data); results made with it keep saying so."
    [(title, text)] = asked
    assert title == "Remove Everyday traits (test data)?"
    assert str(folder) in text and "keep saying they were made with it" in text
    assert not folder.exists() and [m.name for m in store.installed()] == ["pgx_cpic"]
    assert table.rowCount() == 1


def test_a_folder_without_a_manifest_is_added_only_when_the_person_says_so(qtbot, panel, tmp_path):
    folder = tmp_path / "my_module"
    shutil.copytree(DATA / "module_example", folder)
    (folder / "manifest.json").unlink()
    answers = []
    panel.confirm_unverified = lambda names: answers.append(names) or len(answers) > 1
    panel.choose_folder = lambda: folder
    assert finish(qtbot, panel, panel.add_button.click) == \
        "my_module was not added: it has no manifest."
    assert panel.installed_table.rowCount() == 0
    with qtbot.waitSignal(panel.changed, timeout=30_000):
        panel.add_button.click()
        qtbot.waitUntil(lambda: len(answers) == 2, timeout=20_000)  # asked, then added again
    qtbot.waitUntil(lambda: panel.job is None and panel.installed_table.rowCount() == 1,
                    timeout=20_000)
    assert answers == [["my_module"], ["my_module"]]
    assert cell(panel.installed_table, 0, 5) == "UNVERIFIED"
    assert "UNVERIFIED (no manifest)" in panel.message.text()
