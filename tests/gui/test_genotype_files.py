"""Genotyping files in the window: dropped, imported, annotated by rsID, shown; text that is no
genome file listed as failed with the reason."""

from __future__ import annotations

import zipfile

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from just_dna_desktop.core.reference.demo import DEMO_CHIP
from just_dna_desktop.gui.import_dialog import ImportDialog
from just_dna_desktop.gui.sample_tree import GENOME_FILE_FILTER

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


def entry(window, key):
    return window.samples.entry(window.samples.index_of(key))


def test_a_dropped_23andme_zip_is_annotated_by_rsid_and_shown(qtbot, make_window, monkeypatch,
                                                              tmp_path):
    window = make_window()  # the demo reference slice: the chip's rsIDs are in it
    download = tmp_path / "genome_Jane_Doe_v5_Full_20240101.zip"
    with zipfile.ZipFile(download, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(DEMO_CHIP, "genome_Jane_Doe_v5_Full_20240101.txt")

    def accept(dialog):
        dialog.new_user.setText("jane")
        assert dialog.validate() == []
        return ImportDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", accept)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(download))])
    window.show()
    qtbot.waitExposed(window)
    key = "jane/genome_Jane_Doe_v5_Full_20240101"
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.sample_annotated, timeout=90_000,
                          check_params_cb=lambda k: k == key):
        window.dropEvent(event)
    assert (window.settings.input_dir / "jane" / f"{key.split('/')[1]}.zip").is_file()
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000):
        window.refresh_samples()
    assert entry(window, key).state == "annotated"
    assert "132 markers matched by rsID, 132 placed on GRCh38, 0 strand-flipped" in entry(window, key).detail
    run = window.history_view.model.runs[0]
    assert (run.metadata["input_format"], run.metadata["match_by"]) == ("23andme", "rsid")

    window.tree.setCurrentIndex(window.samples.index_of(key))
    model = window.results.model
    qtbot.waitUntil(lambda: model.query is not None and "marker_id" in model.visible_columns,
                    timeout=10_000)
    visible = model.visible_columns
    assert visible[:4] == ["marker_id", "gt", "chrom", "start"]  # the file's, then GRCh38's
    assert {"genotype", "allele_check", "rsid"} <= set(visible)
    assert model.rowCount() == 132
    row = {name: model.data(model.index(0, visible.index(name))) for name in visible}
    assert row["marker_id"] == row["rsid"] and row["allele_check"] == "ok"
    window.results.search.setText("rs142513484")  # the rsID filter finds it by marker ID too
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10_000)
    window.grab().save(str(tmp_path / "chip-results.png"))


def test_a_text_file_that_is_no_genome_is_listed_as_failed_with_the_reason(qtbot, make_window):
    window = make_window(auto_annotate=False)
    folder = window.settings.input_dir / "erin"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("shopping list\nmilk\n")
    with qtbot.waitSignal(window.samples_refreshed, timeout=10_000,
                          check_params_cb=lambda: window.samples.index_of("erin/notes").isValid()):
        window.refresh_samples()
    found = entry(window, "erin/notes")
    assert found.state == "failed"
    tooltip = window.samples.data(window.samples.index_of("erin/notes"), Qt.ItemDataRole.ToolTipRole)
    assert "Not a genome file: line 1: neither a VCF" in tooltip


def test_the_file_chooser_offers_genotyping_files():
    for pattern in ("*.vcf.gz", "*.txt", "*.csv", "*.tsv", "*.zip", "*.txt.gz"):
        assert pattern in GENOME_FILE_FILTER
