"""The results table speaks the person's language: columns by group with presets, remembered per
name across samples and restarts, sized for their content; rsIDs sort by number; Carried only and
a readable clinical significance; an empty filter says so; honest timing; a row menu."""

import polars as pl
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.reference.demo import DEMO_CHIP, DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.gui.results_view import ResultsView

from window_helpers import as_shown

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support")]  # offscreen platform


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "alice" / "HG00096" / "user_annotated_vcf.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, out, user="alice", sample="HG00096")
    return out


def make_view(qtbot, state=None):
    view = ResultsView(state=state)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    return view


def column_values(view, name):
    model = view.model
    column = model.visible_columns.index(name)
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_readable_clinical_significance_shown_by_default_and_sorted_worst_first(qtbot, demo_output):
    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    visible = view.model.visible_columns
    assert visible[:3] == ["chrom", "start", "ref"] and "clinical_significance" in visible
    assert not any(c.startswith("clin_") for c in visible)  # the words, not 13 tick columns
    view.table.sortByColumn(visible.index("clinical_significance"), Qt.SortOrder.AscendingOrder)
    values = [v for v in column_values(view, "clinical_significance") if v]
    assert values[0].startswith("pathogenic") and values[-1] == "benign"
    words = pl.read_parquet(demo_output).filter(pl.col("clin_pathogenic")).height
    assert sum(v.startswith("pathogenic") for v in values) == words


def test_rsids_sort_by_number_and_carried_only(qtbot, demo_output):
    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    view.table.sortByColumn(view.model.visible_columns.index("rsid"), Qt.SortOrder.AscendingOrder)
    numbers = [int(v[2:]) for v in column_values(view, "rsid")]
    assert numbers == sorted(numbers)
    assert column_values(view, "rsid")[:3] == ["rs10576", "rs1057885", "rs1135618"]
    view.carried.setChecked(True)
    frame = pl.read_parquet(demo_output)
    carried = frame.filter(pl.col("genotype").list.contains(pl.col("alt")))
    assert view.model.rowCount() == carried.height == 2
    assert set(column_values(view, "zygosity")) <= {"het", "hom_alt"}


def test_an_empty_filter_says_so_and_offers_to_clear(qtbot, demo_output):
    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    view.search.setText("chr21:1-10")
    view.apply_filter()
    assert view.table_stack.currentWidget() is view.empty
    assert view.empty_text.text() == "No rows match “chr21:1-10”."
    view.clear_button.click()
    assert view.search.text() == "" and view.model.rowCount() == 132
    assert view.table_stack.currentWidget() is view.table


def test_the_count_shows_the_last_operations_real_duration(qtbot, demo_output):
    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    assert view.count.text() == "132 of 132 rows"  # opening is not an operation to time
    qtbot.wait(300)  # time passing is not the sort's duration
    view.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    operation, seconds = view.model.last_operation
    assert operation == "sorted" and seconds < 0.25
    assert view.count.text() == f"132 of 132 rows (sorted in {seconds:.2f} s)"
    view.rare.setChecked(True)
    assert "filtered in" in view.count.text()


def test_columns_by_group_and_preset_remembered_per_name_across_samples_and_restarts(
        qtbot, demo_output, tmp_path):
    state = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    view = make_view(qtbot, state)
    view.open(demo_output, "alice/HG00096")
    sections = [a.text() for a in view.columns_menu.actions() if a.isSeparator() and a.text()]
    assert sections == ["Presets", "Columns by group"]
    groups = [a.menu().title() for a in view.columns_menu.actions() if a.menu()]
    assert groups == ["Position (5 of 8)", "Genotype (3 of 5)", "Clinical (1 of 14)",
                      "Frequency (1 of 3)", "Evidence (0 of 19)"]  # a short menu, with counts
    tick = {a.text(): a for a in view._column_actions()}
    assert "Your two alleles" in tick["genotype"].toolTip()
    header_tip = view.model.headerData(view.model.visible_columns.index("genotype"),
                                       Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Your two alleles" in header_tip  # the header says it too
    assert not tick["rsid"].isEnabled() and tick["rsid"].isChecked()  # always shown
    tick["maf"].trigger()
    tick["tsa"].trigger()
    assert "maf" not in view.model.visible_columns and "tsa" in view.model.visible_columns
    assert view.group_menus["Frequency"].title() == "Frequency (0 of 3)"
    # a group's menu stays open while ticking: a checkable action does not close it
    frequency = view.group_menus["Frequency"]
    frequency.popup(view.mapToGlobal(view.rect().center()))
    qtbot.waitUntil(frequency.isVisible)
    frequency.setActiveAction(tick["ma"])
    qtbot.keyClick(frequency, Qt.Key.Key_Space)
    assert frequency.isVisible() and "ma" in view.model.visible_columns
    frequency.close()
    # widths go with the column's name, not its position
    genotype = view.model.visible_columns.index("genotype")
    view.table.horizontalHeader().resizeSection(genotype, 211)
    tick["ref"].trigger()  # hiding a column to its left moves genotype one place
    assert view.table.columnWidth(view.model.visible_columns.index("genotype")) == 211
    chosen = view.model.visible_columns
    state.sync()

    # another sample, in a new window (a restart): the same choice and width
    other = make_view(qtbot, QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    other.open(demo_output, "bob/HG00096")
    assert other.model.visible_columns == chosen
    assert other.table.columnWidth(other.model.visible_columns.index("genotype")) == 211
    other.use_preset("Frequencies")
    assert {"ma", "maf", "mac"} <= set(other.model.visible_columns)
    other.reset_columns()
    assert "clinical_significance" in other.model.visible_columns and "ma" not in \
        other.model.visible_columns


def test_widths_come_from_the_type_so_positions_are_never_cut(qtbot, tmp_path):
    path = tmp_path / "r.parquet"
    # the first rows have short positions; later ones are nine digits long
    pl.DataFrame({"chrom": ["1"] * 3, "start": pl.Series([5, 7, 248_956_400], dtype=pl.UInt32),
                  "rsid": ["rs1", "rs2", "rs3"]}).write_parquet(path)
    view = make_view(qtbot)
    view.open(path, "a/b")
    width = view.table.columnWidth(view.model.visible_columns.index("start"))
    assert width >= view.table.fontMetrics().horizontalAdvance("248956400") + 8


def test_export_suggests_person_sample_and_view_in_the_output_folder(qtbot, demo_output):
    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    assert view.suggested_export_path() == demo_output.parent / "alice_HG00096_all.csv"
    view.clinical.setChecked(True)
    view.carried.setChecked(True)
    assert view.suggested_export_path().name == "alice_HG00096_clinical-carried.csv"


def test_the_row_menu_copies_filters_and_links_to_web_pages(qtbot, demo_output):
    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    view.search.setText("rs1135638")
    view.apply_filter()
    index = view.model.index(0, 0)
    view.table.setCurrentIndex(index)
    menu = view.row_menu(index)
    texts = [a.text() for a in menu.actions()]
    assert texts[:3] == ["Copy rs1135638", "Copy row", "Filter to this position (chr21:25592836)"]
    assert "Web pages (open in your browser)" in texts
    web = [a for a in menu.actions() if "(web page)" in a.text()]
    assert [a.text() for a in web] == ["Open in dbSNP (web page)", "Open in ClinVar (web page)",
                                       "Open in gnomAD (web page)"]
    assert as_shown(web[0].toolTip()).startswith("https://www.ncbi.nlm.nih.gov/snp/rs1135638")
    menu.actions()[0].trigger()
    assert QGuiApplication.clipboard().text() == "rs1135638"
    menu.actions()[1].trigger()
    header, row = QGuiApplication.clipboard().text().splitlines()
    assert header.split("\t") == view.model.visible_columns and "rs1135638" in row
    view.search.clear()
    view.apply_filter()
    view.filter_to_position(view.model.rowCount() - 1)
    assert view.search.text().startswith("chr21:") and view.model.rowCount() == 1


def test_headers_sort_from_the_keyboard(qtbot, demo_output):
    from window_helpers import activate

    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    activate(qtbot, view)
    column = view.model.visible_columns.index("rsid")
    view.table.setCurrentIndex(view.model.index(0, column))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    header = view.table.horizontalHeader()
    assert header.sortIndicatorSection() == column
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    numbers = [int(v[2:]) for v in column_values(view, "rsid")]
    assert numbers == sorted(numbers, reverse=True)
    qtbot.keyClick(view.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert column_values(view, "rsid")[0] == "rs10576"


# -- what the rows mean (issue 21) ------------------------------------------------------------------

def test_clinically_flagged_lists_the_alleles_you_carry_unless_you_ask_for_every_site(
        qtbot, demo_output):
    """Ticking Clinically flagged listed hom-ref rows labelled "likely pathogenic": flags on
    alleles the person does not carry."""
    from just_dna_desktop.core.results.summary import summarize

    view = make_view(qtbot)
    view.open(demo_output, "alice/HG00096")
    frame = pl.read_parquet(demo_output)
    flags = [c for c in frame.columns if c.startswith("clin_")]
    every_site = frame.filter(pl.any_horizontal(flags)).height
    carried = summarize(demo_output).clinical["any"]
    assert every_site > carried  # flagged sites the person does not carry are there to hide
    view.clinical.setChecked(True)
    assert view.carried.isChecked()
    assert view.model.rowCount() == carried
    assert "hom_ref" not in column_values(view, "zygosity")
    view.carried.setChecked(False)  # the person asks for every site
    assert view.clinical.isChecked() and view.model.rowCount() == every_site


def test_rows_not_looked_up_are_found_by_the_files_own_chromosome_and_position(qtbot, tmp_path):
    """A partial result: the markers on chromosome X (not in the cache) have no GRCh38 position;
    filtering `chrX` said "No rows match"."""
    chip = tmp_path / "chip.txt"
    chip.write_text(DEMO_CHIP.read_text() + "rs5000001\tX\t100200\tAA\nrs5000002\tX\t100300\tAG\n")
    output = tmp_path / "out.parquet"
    meta = annotate_vcf(chip, DEMO_REFERENCE_DIR, output)
    assert meta["reference_chromosomes_missing"] == ["X"]
    view = make_view(qtbot)
    view.open(output, "alice/chip")
    for text, rows in (("chrX", 2), ("chrX:100200", 1), ("X:100000-100300", 2), ("chr21", 132)):
        view.search.setText(text)
        view.apply_filter()
        assert view.model.rowCount() == rows, text
    # a placed marker is found by the position its file gives too (here GRCh38 as well)
    first = pl.read_parquet(output).row(0, named=True)
    view.search.setText(f"{first['source_chrom']}:{first['source_pos']}")
    view.apply_filter()
    assert view.model.rowCount() >= 1
    # and its positions say which build they are on
    headers = [view.model.headerData(i, Qt.Orientation.Horizontal)
               for i in range(view.model.columnCount())]
    assert "start (GRCh38)" in headers and "chrom (GRCh38)" in headers


def test_each_row_of_a_multi_allelic_record_matched_by_rsid_shows_its_allele(qtbot, tmp_path):
    """Two rows of one record looked the same (rs868320886 twice): the reference row's `alt`
    lists both alleles, and the row's own allele was only under Columns."""
    from reference_factory import write_vcf

    vcf = write_vcf(tmp_path / "old.vcf", ["21\t25001025\trs189842435\tA\tG,T\t.\tPASS\t.\tGT\t1/2"],
                    header="##fileformat=VCFv4.2\n##reference=GRCh37\n")
    output = tmp_path / "out.parquet"
    annotate_vcf(vcf, DEMO_REFERENCE_DIR, output)
    view = make_view(qtbot)
    view.open(output, "alice/old")
    assert "allele" in view.model.visible_columns  # without opening the Columns menu
    assert column_values(view, "alt") == ["G|T", "G|T"]
    assert column_values(view, "allele") == ["G", "T"]
