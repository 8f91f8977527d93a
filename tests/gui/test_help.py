"""Help: the keyboard shortcuts (read from the same table as the menus) and About (version,
licence, the data sources and their terms, the reference revision in use)."""

import html

import pytest

from just_dna_desktop import __version__
from just_dna_desktop.core.reference.cache import write_manifest
from just_dna_desktop.core.reference.sources import DATA_SOURCES, PROGRAM_LICENCE
from just_dna_desktop.gui.actions import shortcut_rows
from just_dna_desktop.gui.help_dialogs import AboutDialog, ShortcutsDialog

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_about_names_version_licence_sources_and_the_reference_revision(qtbot, tmp_path):
    reference = tmp_path / "ensembl_variations"
    write_manifest(reference, {"revision": "0a1b2c3d4e5f", "expected": [], "files": {}})
    dialog = AboutDialog(reference)
    qtbot.addWidget(dialog)
    text = html.unescape(dialog.text.text())
    assert f"just-dna-desktop {__version__}" in text and PROGRAM_LICENCE in text
    for source in DATA_SOURCES:
        assert source.name in text and source.licence in text and source.url in text
    assert "Revision: <code>0a1b2c3d4e5f</code>" in text and str(reference) in text
    missing = AboutDialog(tmp_path / "nothing-here")
    qtbot.addWidget(missing)
    assert "<code>not downloaded</code>" in missing.text.text()


def test_the_shortcuts_list_is_the_table_that_works(qtbot):
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    rows = shortcut_rows()
    assert dialog.table.rowCount() == len(rows)
    shown = {dialog.table.item(r, 1).text(): dialog.table.item(r, 2).text()
             for r in range(dialog.table.rowCount())}
    assert shown["Ctrl+F"].startswith("Filter the table")
    assert shown["F5"].startswith("Rescan the input folder")
    assert shown["Alt+Up"].startswith("Sort by this column, ascending")
    assert "Shift+F10, Menu" in shown and "Enter" in shown


def test_about_names_the_bundled_slice_as_the_demo_window_s_reference():
    from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_REFERENCE_REVISION
    from just_dna_desktop.gui.help_dialogs import about_html

    assert DEMO_REFERENCE_REVISION in about_html(DEMO_REFERENCE_DIR)
    assert "revision unknown" not in about_html(DEMO_REFERENCE_DIR)
