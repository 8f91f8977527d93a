"""A filtered, sorted, paged view over an annotated parquet file (polars only, no Qt).

A person's annotated genome has about 5 million rows and 50 columns; loading it whole into a Qt
model would take seconds and gigabytes. This view never does: the unfiltered file is read a page
at a time with `scan_parquet(...).slice()` (the reader skips to the row group), and a filter or a
sort first computes only the matching row numbers (decoding just the columns the filter or sort
needs), then reads each page's rows by number. Pages are kept in a small LRU cache.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import polars as pl

from ..errors import UserError
from ..readers.genotypes import own_chromosome
from .columns import ROW_ALLELE, derived_columns, row_allele, sort_keys

ROW = "__row"
EXPORT_FORMATS = ("csv", "tsv", "parquet")

# `rs12345` (an rsID), `1:12345`, `chr1:12345`, `X:100-200` (a position or a range) and `chrX`
# (a whole chromosome).
_RSID = re.compile(r"^rs\d+$", re.I)
_POSITION = re.compile(r"^(?:chr)?([0-9]{1,2}|X|Y|MT?)\s*:\s*([\d,]+)(?:\s*-\s*([\d,]+))?$", re.I)
_CHROMOSOME = re.compile(r"^chr(?:omosome)?\s*([0-9]{1,2}|X|Y|MT?)$", re.I)
# An allele whose frequency (the site's minor allele frequency, when it is the minor allele)
# is below this counts as rare.
RARE_MAF = 0.01
# Zygosities that carry an alternative allele.
CARRIED_ZYGOSITY = ("het", "hom_alt", "haploid_alt")


@dataclass(frozen=True)
class ViewSpec:
    """What the table shows: a text filter, the quick filters, and the sort."""

    text: str = ""
    clinical_only: bool = False
    rare_only: bool = False
    carried_only: bool = False
    sort_column: str | None = None
    sort_descending: bool = False

    @property
    def filtered(self) -> bool:
        return bool(self.text or self.clinical_only or self.rare_only or self.carried_only)


class ResultsQuery:
    def __init__(self, path: Path | str, page_size: int = 500, cached_pages: int = 24):
        self.path = Path(path)
        self.page_size = page_size
        self._cached_pages = cached_pages
        self.file_schema = pl.read_parquet_schema(self.path)
        # Columns computed from the file's (a readable clinical significance), after `rsid`.
        self.derived = derived_columns(self.file_schema)
        self.schema: dict[str, pl.DataType] = dict(self.file_schema)
        self.columns: list[str] = list(self.file_schema)
        for name in self.derived:
            self.schema[name] = pl.String()
            if name == ROW_ALLELE and "alt" in self.columns:  # beside the alleles it picks from
                self.columns.insert(self.columns.index("alt") + 1, name)
            else:  # after `rsid`, in order
                last = max((self.columns.index(n) for n in ("rsid", *self.derived)
                            if n in self.columns and n != ROW_ALLELE), default=len(self.columns) - 1)
                self.columns.insert(last + 1, name)
        self.total_rows: int = pl.scan_parquet(self.path).select(pl.len()).collect().item()
        self.spec = ViewSpec()
        self._row_ids: pl.Series | None = None  # None = the file's own order, unfiltered
        self._pages: OrderedDict[int, list[tuple[Any, ...]]] = OrderedDict()
        # How many rows were ever materialised in Python: lets tests prove the file is paged.
        self.rows_fetched = 0

    # -- the view's definition -------------------------------------------------------------
    @property
    def clinical_columns(self) -> list[str]:
        return [c for c in self.columns if c.startswith("clin_") and self.schema[c] == pl.Boolean]

    @property
    def has_maf(self) -> bool:
        return "maf" in self.schema

    @property
    def can_tell_carried(self) -> bool:
        return {"genotype", "alt"} <= set(self.schema) or "zygosity" in self.schema

    def set_filter(self, text: str = "", clinical_only: bool = False, rare_only: bool = False,
                   carried_only: bool = False) -> None:
        self.show(replace(self.spec, text=text.strip(), clinical_only=clinical_only,
                          rare_only=rare_only, carried_only=carried_only))

    def set_sort(self, column: str | None, descending: bool = False) -> None:
        self.show(replace(self.spec, sort_column=column, sort_descending=descending))

    def show(self, spec: "ViewSpec") -> None:
        """Switch to `spec` now (computing its rows on this thread)."""
        self.apply(spec, self.row_ids_for(spec))

    def apply(self, spec: "ViewSpec", row_ids: pl.Series | None) -> None:
        """Switch to `spec` with rows computed earlier by `row_ids_for` (on any thread)."""
        self.spec, self._row_ids = spec, row_ids
        self._pages.clear()

    def filter_expression(self, spec: "ViewSpec | None" = None) -> pl.Expr | None:
        spec = spec or self.spec
        parts: list[pl.Expr] = []
        if spec.text:
            parts.append(self._text_expression(spec.text))
        if spec.clinical_only:
            flags = self.clinical_columns
            parts.append(pl.any_horizontal([pl.col(c).fill_null(False) for c in flags])
                         if flags else pl.lit(False))
        if spec.rare_only:
            parts.append(rare_expression(self.file_schema))
        if spec.carried_only:
            parts.append(self._carried_expression())
        if not parts:
            return None
        expr = parts[0]
        for part in parts[1:]:
            expr = expr & part
        return expr

    def _carried_expression(self) -> pl.Expr:
        """Rows whose allele the person carries (the Summary counts the same rows)."""
        return carried_expression(self.file_schema)

    def _text_expression(self, text: str) -> pl.Expr:
        if _RSID.match(text):
            rsid_columns = [c for c in ("rsid", "id", "marker_id") if c in self.schema]
            return pl.any_horizontal([pl.col(c).str.to_lowercase() == text.lower()
                                      for c in rsid_columns]).fill_null(False)
        position = _POSITION.match(text)
        whole = _CHROMOSOME.match(text)
        if (position or whole) and "chrom" in self.schema and "start" in self.schema:
            found = position or whole
            chrom = found.group(1).upper()
            chrom = "MT" if chrom == "M" else chrom.lstrip("0")
            if whole:
                first, last = 0, None
            else:
                first = int(position.group(2).replace(",", ""))
                last = int((position.group(3) or position.group(2)).replace(",", ""))
            return self._at(chrom, first, last)
        strings = [c for c, t in self.schema.items() if t == pl.String]  # derived ones too
        if not strings:
            return pl.lit(False)
        pattern = "(?i)" + re.escape(text)
        return pl.any_horizontal([pl.col(c).str.contains(pattern).fill_null(False) for c in strings])

    def _at(self, chrom: str, first: int, last: int | None) -> pl.Expr:
        """Rows on `chrom` between `first` and `last` (None: to its end), by the reference's
        position or by the file's own: a marker not looked up (its chromosome's reference file
        was missing) has only the file's, and a file on another build is searched as it reads."""
        def within(chromosome: pl.Expr, position: pl.Expr) -> pl.Expr:
            inside = (chromosome == chrom) & (position >= first)
            return (inside if last is None else inside & (position <= last)).fill_null(False)

        expr = within(pl.col("chrom"), pl.col("start"))
        if "source_chrom" in self.schema and "source_pos" in self.schema:
            expr = expr | within(own_chromosome(pl.col("source_chrom")), pl.col("source_pos"))
        return expr

    def _scan(self) -> pl.LazyFrame:
        """The file with the derived columns (computed only if a step uses them)."""
        lazy = pl.scan_parquet(self.path)
        return lazy.with_columns(**self.derived) if self.derived else lazy

    def _lazy_view(self, spec: "ViewSpec", with_row_numbers: bool = False) -> pl.LazyFrame:
        lazy = self._scan()
        if with_row_numbers:
            lazy = lazy.with_row_index(ROW)
        expr = self.filter_expression(spec)
        if expr is not None:
            lazy = lazy.filter(expr)
        if spec.sort_column is not None:
            keys = sort_keys(spec.sort_column, self.schema)
            lazy = lazy.sort(keys, descending=spec.sort_descending, nulls_last=True,
                             maintain_order=True)
        return lazy

    def row_ids_for(self, spec: "ViewSpec") -> pl.Series | None:
        """The file's row numbers in `spec`'s order (None: the whole file as it is). Reads only;
        safe on a worker thread while the table keeps showing the current view."""
        if spec.sort_column is not None and spec.sort_column not in self.schema:
            raise ValueError(f"no column {spec.sort_column!r}")
        if self.filter_expression(spec) is None and spec.sort_column is None:
            return None
        return self._lazy_view(spec, with_row_numbers=True).select(ROW).collect()[ROW]

    # -- reading -----------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self.total_rows if self._row_ids is None else len(self._row_ids)

    def row(self, index: int) -> tuple[Any, ...]:
        page_number, offset = divmod(index, self.page_size)
        page = self._pages.get(page_number)
        if page is None:
            page = self._read_page(page_number)
            self._pages[page_number] = page
            while len(self._pages) > self._cached_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_number)
        return page[offset]

    def page_frame(self, first: int, count: int) -> pl.DataFrame:
        """Rows `first`..`first+count` of the view as a DataFrame, in view order."""
        return self._file_rows(first, count).select(self.columns)

    def _file_rows(self, first: int, count: int) -> pl.DataFrame:
        if self._row_ids is None:
            return self._scan().slice(first, count).collect()
        ids = self._row_ids.slice(first, count)
        if ids.is_empty():
            return pl.DataFrame(schema=self.schema)
        low, high = ids.min(), ids.max()
        if high - low < 20 * count:
            # Close together (a filter on a sorted file): read the span, pick the rows.
            span = self._scan().slice(low, high - low + 1).collect()
            return span[(ids - low).to_list()]
        rows = (self._scan().with_row_index(ROW)
                .filter(pl.col(ROW).is_in(ids.implode())).collect())
        order = pl.DataFrame({ROW: ids}).with_row_index("__order")
        return rows.join(order, on=ROW).sort("__order").drop(ROW, "__order")

    def _read_page(self, page_number: int) -> list[tuple[Any, ...]]:
        frame = self.page_frame(page_number * self.page_size, self.page_size)
        self.rows_fetched += frame.height
        return frame.rows()

    def view_frame(self, columns: Sequence[str] | None = None) -> pl.LazyFrame:
        """The whole filtered, sorted view, lazily (for export)."""
        lazy = self._lazy_view(self.spec)
        return lazy.select(list(columns) if columns else self.columns)

    def export(self, path: Path | str, columns: Sequence[str] | None = None) -> int:
        """Write the filtered view to CSV, TSV or parquet (from the suffix); returns the row count."""
        rows = self.row_count
        write_table(self.view_frame(columns), Path(path))
        return rows


def export_name(user: str | None, sample: str | None, spec: ViewSpec, suffix: str = "csv") -> str:
    """A file name that says whose table it is and what it holds, e.g.
    `alice_genome_clinical-rare.csv` or `alice_genome_all.csv`."""
    parts = [name for name, on in (("clinical", spec.clinical_only), ("rare", spec.rare_only),
                                   ("carried", spec.carried_only)) if on]
    if spec.text:
        parts.append(re.sub(r"[^A-Za-z0-9]+", "-", spec.text).strip("-")[:40] or "filtered")
    view = "-".join(parts) or "all"
    stem = "_".join(re.sub(r"[^\w.-]+", "-", p).strip("-") for p in (user, sample) if p)
    return f"{stem + '_' if stem else ''}{view}.{suffix}"


def write_table(data: pl.DataFrame | pl.LazyFrame, path: Path) -> None:
    """CSV, TSV or parquet by the file's suffix, streamed (a filtered view of a whole genome need
    not fit in memory), written to a temporary name and renamed into place."""
    file_format = path.suffix.lstrip(".").lower()
    if file_format not in EXPORT_FORMATS:
        raise UserError(f"{path}: export as .csv, .tsv or .parquet")
    lazy = data.lazy()
    tmp = path.with_name(path.name + ".tmp")
    try:
        if file_format == "parquet":
            lazy.sink_parquet(tmp, compression="zstd")
        else:
            # CSV cannot hold lists: write them as `A/B`, as the table shows them.
            lists = [c for c, t in lazy.collect_schema().items() if isinstance(t, pl.List)]
            flat = lazy.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join("/") for c in lists)
            flat.sink_csv(tmp, separator="\t" if file_format == "tsv" else ",")
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write the export ({exc})") from None
    tmp.replace(path)


def format_value(value: Any) -> str:
    """How one cell reads in the table."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "\u2713" if value else ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "/".join("." if v is None else str(v) for v in value)
    return str(value)


def carried_expression(schema: dict[str, pl.DataType]) -> pl.Expr:
    """True for an allele row the person carries: zygosity het, hom_alt or haploid_alt, and the
    row's own allele in the genotype (the "Carried only" filter; core.results.summary counts the same).

    The row's own allele (core.results.columns.row_allele) must be in the genotype: a record's
    ALT alleles are rows of their own, and a `0/1` call at `A -> C,G` carries C, not G. A chip
    marker is one row: its zygosity, relative to the reference row's REF, says it alone.
    """
    has_genotype = "genotype" in schema and isinstance(schema["genotype"], pl.List)
    if "zygosity" in schema:
        carried = pl.col("zygosity").is_in(CARRIED_ZYGOSITY).fill_null(False)
    else:  # a table without zygosity: the genotype alone tells
        carried = pl.lit(has_genotype)
    own = row_allele(schema)
    if not has_genotype or own is None:
        return carried
    return carried & _in_genotype(own)


def rare_expression(schema: dict[str, pl.DataType]) -> pl.Expr:
    """True for a row whose allele is itself rare: it is the site's minor allele (`ma`) and that
    allele's frequency (`maf`) is below RARE_MAF. The table's Rare filter; the Summary's
    rare_carried counts the carried ones.

    A site's `maf` is its minor allele's: a person who carries the other, common allele at a
    rare site (most often where the reference genome itself holds the rare one) carries nothing
    rare. A chip marker's allele is any allele of its genotype that is not the reference's.
    """
    if "maf" not in schema or "ma" not in schema:
        return pl.lit(False)
    minor = pl.col("ma").str.to_uppercase()
    own = row_allele(schema)
    if own is not None:
        is_minor = own == minor
    elif "genotype" in schema and isinstance(schema["genotype"], pl.List) and "ref" in schema:
        is_minor = _in_genotype(minor) & (minor != pl.col("ref").str.to_uppercase())
    else:
        return pl.lit(False)
    return (is_minor & (pl.col("maf") < RARE_MAF)).fill_null(False)


def _in_genotype(allele: pl.Expr) -> pl.Expr:
    """`allele` is one of the genotype's. The first two alleles compared directly (a diploid
    call), the rest through `contains`: 1.5x faster than `contains` on every row of a genome."""
    genotype = pl.col("genotype")
    return ((genotype.list.get(0, null_on_oob=True) == allele)
            | (genotype.list.get(1, null_on_oob=True) == allele)
            | genotype.list.slice(2).list.contains(allele)).fill_null(False)
