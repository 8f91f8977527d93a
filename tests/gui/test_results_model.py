"""The results table over a parquet file: paged, filtered, sorted, exported, never loaded whole."""

import polars as pl
import pytest
from PySide6.QtCore import Qt

from just_dna_desktop.gui.results_model import ResultsModel

ROWS = 2_000_000

# Qt warnings fail the tests; the offscreen platform's note about size hints is not ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture(scope="module")
def big_parquet(tmp_path_factory):
    """A look-alike annotated output: 2 million rows, generated in polars (about a second)."""
    path = tmp_path_factory.mktemp("results") / "user_annotated_vcf.parquet"
    i = pl.int_range(0, ROWS, dtype=pl.UInt32)
    h = (i.cast(pl.UInt64) * 2654435761) % 4294967291
    pl.select(
        chrom=(i * 22 // ROWS + 1).cast(pl.String),
        start=(i % (ROWS // 22 + 1) * 9 + 10_000).cast(pl.UInt32),
        ref=pl.lit("ACGT").str.slice((h % 4).cast(pl.Int64), 1),
        alt=pl.lit("CGTA").str.slice((h // 7 % 4).cast(pl.Int64), 1),
        gt=pl.when(h % 2 == 0).then(pl.lit("0/1")).otherwise(pl.lit("1/1")),
        genotype=pl.concat_list(pl.lit("A"), pl.lit("G")),
        rsid=pl.when(i % 10 < 9).then(pl.format("rs{}", i)).otherwise(None),
        clin_pathogenic=(i % 1000 == 0),
        clin_benign=(i % 97 == 0),
        maf=pl.when(i % 5 == 0).then(None).otherwise((h % 5000).cast(pl.Float32) / 10000),
    ).with_columns(  # the minor allele: the row's ALT at most sites, its REF at every third
        ma=pl.when(i % 3 == 0).then(pl.col("ref")).otherwise(pl.col("alt")),
    ).write_parquet(path, row_group_size=50_000)
    return path


def test_opens_millions_of_rows_by_fetching_only_visible_pages(big_parquet):
    model = ResultsModel()
    model.open(big_parquet)
    assert model.rowCount() == ROWS
    assert model.query.rows_fetched == 0  # opening reads the footer only
    assert model.data(model.index(0, 0)) == "1"
    assert model.data(model.index(ROWS - 1, 1)) is not None
    model.data(model.index(1_234_567, 6))
    # three cells far apart: three pages, not the file
    assert model.query.rows_fetched == 3 * model.query.page_size
    pathogenic = model.visible_columns.index("clin_pathogenic")
    assert model.data(model.index(7, pathogenic)) == "", "False shows as an empty cell"
    assert model.data(model.index(0, pathogenic)) == "\u2713"
    assert model.data(model.index(0, 5)) == "A/G"


def test_filters_sort_and_columns(big_parquet):
    model = ResultsModel()
    model.open(big_parquet)
    model.set_filter("rs1234567")
    assert model.rowCount() == 1
    assert model.data(model.index(0, 6)) == "rs1234567"
    model.set_filter("chr1:10000-10089")
    assert model.rowCount() == 10
    model.set_filter("", clinical_only=True)
    flagged = pl.scan_parquet(big_parquet).filter(pl.col("clin_pathogenic") | pl.col("clin_benign"))
    assert model.rowCount() == flagged.select(pl.len()).collect().item()
    model.set_filter("", rare_only=True)  # the row's allele is the rare, minor one
    rare = pl.scan_parquet(big_parquet).filter((pl.col("maf") < 0.01) & (pl.col("alt") == pl.col("ma"))
                                               ).select(pl.len()).collect().item()
    at_rare_sites = pl.scan_parquet(big_parquet).filter(pl.col("maf") < 0.01).select(pl.len()) \
        .collect().item()
    assert model.rowCount() == rare < at_rare_sites
    model.set_filter("", clinical_only=True, rare_only=True)
    both = model.rowCount()
    assert 0 < both < rare
    maf = model.visible_columns.index("maf")
    model.sort(maf, Qt.SortOrder.DescendingOrder)
    values = [float(model.data(model.index(r, maf))) for r in range(0, both, max(both // 50, 1))]
    assert values == sorted(values, reverse=True)
    assert model.query.rows_fetched < 100_000
    model.set_visible_columns(["rsid", "maf"])
    assert model.columnCount() == 2 and model.headerData(1, Qt.Orientation.Horizontal) == "maf"


def test_export_filtered_view(tmp_path, big_parquet):
    model = ResultsModel()
    model.open(big_parquet)
    model.set_filter("chr2:")  # not a position: a text search for "chr2:" finds nothing
    assert model.rowCount() == 0
    model.set_filter("chr2:10000-10900")
    model.set_visible_columns(["chrom", "start", "genotype", "rsid"])
    for suffix in ("csv", "tsv", "parquet"):
        out = tmp_path / f"view.{suffix}"
        rows = model.query.export(out, model.visible_columns)
        assert rows == 101
        frame = (pl.read_parquet(out) if suffix == "parquet"
                 else pl.read_csv(out, separator="\t" if suffix == "tsv" else ","))
        assert frame.columns == ["chrom", "start", "genotype", "rsid"]
        assert frame.height == 101 and frame["start"].min() == 10_000
    assert pl.read_csv(tmp_path / "view.csv")["genotype"][0] == "A/G"


def test_big_files_filter_and_sort_in_the_background(qtbot, big_parquet):
    from just_dna_desktop.gui.jobs import JobManager
    from just_dna_desktop.gui.results_view import ResultsView

    jobs = JobManager()
    view = ResultsView(jobs)
    qtbot.addWidget(view)
    view.open(big_parquet)
    assert view.model.rowCount() == ROWS and view.count.text() == f"{ROWS:,} of {ROWS:,} rows"
    busy = []
    view.model.busy.connect(busy.append)
    # Two requests in a row: only the last one's rows are shown.
    view.search.setText("rs1234567")
    with qtbot.waitSignal(view.model.view_changed, timeout=20_000):
        view.apply_filter()
        view.clinical.setChecked(True)  # replaces the text-only request
    qtbot.waitUntil(lambda: not jobs.running, timeout=20_000)
    assert busy[0] is True and busy[-1] is False
    assert view.model.rowCount() == 0  # rs1234567 is not clinically flagged (1234567 % 97 != 0)
    view.search.setText("")
    with qtbot.waitSignal(view.model.view_changed, timeout=20_000):
        view.apply_filter()
    flagged = view.model.rowCount()
    assert view.carried.isChecked()  # the flags of the alleles carried (genotype A/G here)
    assert flagged == pl.scan_parquet(big_parquet).filter(
        (pl.col("clin_pathogenic") | pl.col("clin_benign")) & pl.col("alt").is_in(["A", "G"])
    ).select(pl.len()).collect().item()
    with qtbot.waitSignal(view.model.view_changed, timeout=20_000):
        view.table.sortByColumn(view.model.visible_columns.index("maf"), Qt.SortOrder.AscendingOrder)
    maf = view.model.visible_columns.index("maf")
    first, later = (float(view.model.data(view.model.index(r, maf))) for r in (0, flagged // 3))
    assert first <= later
    assert view.model.data(view.model.index(flagged - 1, maf)) == ""  # missing values sort last
    assert "of 2,000,000 rows" in view.count.text()
    jobs.wait()
