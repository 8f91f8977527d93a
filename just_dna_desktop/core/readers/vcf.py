"""Reading VCF files (4.0-4.3; plain, gzip or bgzip; LF, CRLF or CR; UTF-8 or UTF-16) into
normalised allele rows.

The body is parsed by polars' CSV reader in blocks of a few tens of MB, so a whole genome is read
at native speed with bounded memory; only the columns the annotation needs are kept. Anything a
person could have produced by accident gets a `VcfError` naming the file and, when it is about one
line, the line number.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import polars as pl

from .bounded import bounded, line_blocks, open_binary
from .build import detect_build
from .text import Utf8Text
from ..errors import UserError, VcfError

FIXED_COLUMNS = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
CANONICAL_CHROMS = [str(i) for i in range(1, 23)] + ["X", "Y"]
MAX_HEADER_LINE = 4 << 20
MAX_POS = 2**32 - 1
# gVCF: the "any other allele" placeholders. A record whose ALT is only these is a reference
# block (no variant there); next to real ALTs they are not variants either. Neither becomes a row.
SYMBOLIC_REF_ALTS = ("<NON_REF>", "<*>")

# The allele rows every reader returns, in output order.
ALLELE_SCHEMA = {
    "chrom": pl.String, "start": pl.UInt32, "end": pl.UInt32, "id": pl.String,
    "ref": pl.String, "alt": pl.String, "qual": pl.Float64, "filter": pl.String,
    "gt": pl.String, "genotype": pl.List(pl.String), "zygosity": pl.String,
}

_CONTIG = re.compile(r"^##contig=<(.*)>\s*$", re.I)
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,]*)')


@dataclass
class VcfHeader:
    path: Path
    version: str | None
    columns: list[str]
    samples: list[str]
    contigs: dict[str, int | None] = field(default_factory=dict)
    assemblies: list[str] = field(default_factory=list)
    reference: str | None = None
    header_lines: int = 0
    records: int = 0  # variant records read (gVCF reference blocks not counted), set by reading
    gvcf_declared: bool = False  # ##GVCFBlock or ##ALT=<ID=NON_REF|*> in the header
    reference_blocks_skipped: int = 0
    symbolic_alleles_skipped: int = 0

    @property
    def build(self) -> str | None:
        return detect_build(self.contigs, self.reference, self.assemblies)

    @property
    def gvcf(self) -> bool:
        return self.gvcf_declared or self.reference_blocks_skipped > 0

    def gvcf_metadata(self) -> dict[str, object]:
        """The run-metadata keys of a (g)VCF read: what was not made into rows, and why."""
        return {"gvcf": self.gvcf, "reference_blocks_skipped": self.reference_blocks_skipped,
                "symbolic_alleles_skipped": self.symbolic_alleles_skipped}


# Other formats people save VCFs in by mistake, by their first bytes.
_FOREIGN_MAGIC = [
    (b"\xfd7zXZ\x00", "compressed with xz; decompress it (`unxz`) or recompress with bgzip"),
    (b"BZh", "compressed with bzip2; decompress it (`bunzip2`) or recompress with bgzip"),
    (b"\x28\xb5\x2f\xfd", "compressed with zstd; decompress it (`unzstd`) or recompress with bgzip"),
    (b"PK\x03\x04", "a zip archive; extract the VCF from it first"),
]


def open_vcf(path: Path | str) -> BinaryIO:
    """Open plain, gzip or bgzip VCF text as UTF-8 (UTF-16 and CR line ends translated,
    core/readers/text.py); refuse BCF and other binary files by their first bytes."""
    path = Path(path)
    raw = open_binary(path)
    magic = raw.read(6)
    raw.seek(0)
    stream: BinaryIO = raw
    if magic[:2] == b"\x1f\x8b":
        gz = gzip.GzipFile(fileobj=raw, mode="rb")  # bgzip is multi-member gzip: read whole
        stream = bounded(path, gz, raw)  # no more than MAX_EXPANSION times the file's size
        try:
            magic = gz.peek(6)[:6]
        except EOFError:
            raw.close()
            raise VcfError(path, "the gzip file is truncated (incomplete download or copy?)") from None
        except (OSError, zlib.error) as exc:
            raw.close()
            raise VcfError(path, f"not a readable gzip file ({exc})") from None
    if magic[:3] == b"BCF":
        raw.close()
        raise VcfError(path, "this is a BCF (binary VCF) file; convert it with "
                             "`bcftools view -Oz` first")
    for prefix, reason in _FOREIGN_MAGIC:
        if magic.startswith(prefix):
            raw.close()
            raise VcfError(path, f"this is not VCF text but a file {reason}")
    return Utf8Text(stream)


def _decode_line(path: Path, line_no: int, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise VcfError(path, "not valid UTF-8 text", line_no) from None


def _read_header(path: Path, stream: BinaryIO) -> VcfHeader:
    version = None
    contigs: dict[str, int | None] = {}
    assemblies: list[str] = []
    reference = None
    gvcf = False
    line_no = 0
    while True:
        data = _read_line(path, stream, line_no + 1)
        if not data:
            raise VcfError(path, "no #CHROM header line: this is not a VCF file" if line_no
                           else "the file is empty")
        line_no += 1
        if line_no == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]  # a byte-order mark some Windows editors write
        if b"\x00" in data:
            raise VcfError(path, "binary data where VCF text was expected", line_no)
        text = data.decode("utf-8", errors="replace").rstrip("\r\n")
        if line_no == 1 and text.startswith("##fileformat="):
            match = re.match(r"##fileformat=VCFv?(\d+\.\d+)", text)
            version = match.group(1) if match else None
        if text.startswith("##"):
            if text[:9].lower() == "##contig=":
                _parse_contig(text, contigs, assemblies)
            elif text.startswith("##reference="):
                reference = text[len("##reference="):]
            elif text.startswith("##assembly="):
                assemblies.append(text[len("##assembly="):])
            elif text.startswith(("##GVCFBlock", "##ALT=<ID=NON_REF,", "##ALT=<ID=*,")):
                gvcf = True
            continue
        if text.upper().startswith("#CHROM"):
            columns = _decode_line(path, line_no, data).rstrip("\r\n").split("\t")
            _check_columns(path, line_no, columns)
            return VcfHeader(path=path, version=version, columns=columns, samples=columns[9:],
                             contigs=contigs, assemblies=assemblies, reference=reference,
                             header_lines=line_no, gvcf_declared=gvcf)
        if not text.strip():
            continue
        if "\ufffd" in text:  # not UTF-8 and no header line: a binary file (image, archive...)
            raise VcfError(path, "binary data where VCF text was expected", line_no)
        raise VcfError(path, "data before the #CHROM header line: this is not a VCF file"
                       if not text.startswith("#") else "unexpected header line", line_no)


def _read_line(path: Path, stream: BinaryIO, line_no: int) -> bytes:
    try:
        data = stream.readline(MAX_HEADER_LINE)
    except EOFError:
        raise VcfError(path, "the gzip file is truncated (incomplete download or copy?)") from None
    except (OSError, zlib.error) as exc:
        raise VcfError(path, f"cannot decompress ({exc})") from None
    if len(data) >= MAX_HEADER_LINE and not data.endswith(b"\n"):
        raise VcfError(path, "header line too long: this is not a VCF file", line_no)
    return data


def _parse_contig(text: str, contigs: dict[str, int | None], assemblies: list[str]) -> None:
    match = _CONTIG.match(text)
    if not match:
        return
    attrs = {k.lower(): v.strip('"') for k, v in _ATTR.findall(match.group(1))}
    if "id" not in attrs:
        return
    length = attrs.get("length")
    contigs[attrs["id"]] = int(length) if length and length.isdigit() else None
    if attrs.get("assembly"):
        assemblies.append(attrs["assembly"])


def _check_columns(path: Path, line_no: int, columns: list[str]) -> None:
    names = [c.upper() for c in columns]
    names[0] = names[0].lstrip("#")
    if len(columns) < 8 or names[:8] != FIXED_COLUMNS:
        raise VcfError(path, "the #CHROM line must start with the 8 tab-separated columns "
                             "CHROM POS ID REF ALT QUAL FILTER INFO", line_no)
    if len(columns) > 8 and names[8] != "FORMAT":
        raise VcfError(path, "the 9th column of the #CHROM line must be FORMAT", line_no)


def read_header(path: Path | str) -> VcfHeader:
    path = Path(path)
    with open_vcf(path) as stream:
        return _read_header(path, stream)


def choose_sample(header: VcfHeader, name: str | None) -> int | None:
    """Index of the chosen sample among header.samples (the first by default), or None if none."""
    if name is None:
        return 0 if header.samples else None
    if name not in header.samples:
        listed = ", ".join(header.samples[:10]) or "none"
        raise UserError(f"{header.path}: no sample named {name!r} (samples: {listed})")
    return header.samples.index(name)


def _parse_block(path: Path, header: VcfHeader, sample: int | None, first_line: int,
                 block: bytes) -> pl.DataFrame:
    n = len(header.columns)
    wanted = [0, 1, 2, 3, 4, 5, 6]
    if sample is not None:
        wanted += [8, 9 + sample]
    if n - 1 not in wanted:
        wanted.append(n - 1)  # a short line shows as an empty last column
    names = {i: f"c{i}" for i in wanted}
    last = names[n - 1]
    if b"\x00" in block:
        raise VcfError(path, "binary data where VCF text was expected",
                       first_line + block[: block.index(b"\x00")].count(b"\n"))
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")  # CRLF files; keeps the line count
    try:
        # missing/extra fields are tolerated here (polars would otherwise judge the column count
        # by the block's first line) and checked below against the #CHROM line.
        df = pl.read_csv(block, has_header=False, separator="\t", quote_char=None,
                         schema={f"c{i}": pl.String for i in range(n)}, columns=wanted,
                         empty_string_is_null=False, encoding="utf8-lossy",
                         raise_if_empty=False, missing_columns="insert", extra_columns="ignore")
    except pl.exceptions.PolarsError:
        raise _locate_bad_line(path, n, first_line, block) or VcfError(
            path, "cannot be parsed as tab-separated VCF text", first_line) from None
    df = df.with_row_index("_line", offset=first_line)
    # blank (or whitespace) lines; CHROM, POS, REF and ALT all empty is no record either
    blank = pl.all_horizontal(pl.col(f"c{i}").fill_null("").str.strip_chars() == ""
                              for i in (0, 1, 3, 4))
    df = df.filter(~blank & ~pl.col("c0").fill_null("").str.starts_with("#"))

    # Every data line must have exactly the #CHROM line's columns: a short line ends in an empty
    # last column, and any line with extra columns makes the block's tab count too high.
    if (df.height and (df[last] == "").any()) or block.count(b"\t") != (n - 1) * df.height:
        error = _locate_bad_line(path, n, first_line, block)
        if error:
            raise error  # else: tabs in blank or comment lines, or an empty last field
    # gVCF reference blocks are not variants: dropped before any per-row work, so a whole-genome
    # gVCF (~100 M blocks) costs little more than reading its text.
    block_rows = pl.col(names[4]).is_in(SYMBOLIC_REF_ALTS)
    blocks = df.select(block_rows.sum()).item()
    if blocks:
        header.reference_blocks_skipped += blocks
        df = df.filter(~block_rows)
    for i, label in ((0, "CHROM"), (3, "REF"), (4, "ALT")):
        bad = df.filter(pl.col(names[i]).str.contains("\ufffd", literal=True)
                        | (pl.col(names[i]) == ""))
        if bad.height:
            raise VcfError(path, f"{label} is empty or not valid UTF-8 text", bad["_line"][0])

    # POS 0 is legal (a telomere, VCF 4.1+): kept, it just never matches the reference.
    pos = pl.col("c1").cast(pl.Int64, strict=False)
    bad = df.filter(pos.is_null() | (pos < 0) | (pos > MAX_POS)).select("_line", "c1")
    if bad.height:
        value = bad["c1"][0]
        digits = value.lstrip("-")
        reason = (f"POS {value!r} is not a number" if not (digits.isascii() and digits.isdigit())
                  else f"POS {value} is negative" if value.startswith("-")
                  else f"POS {value} is larger than any chromosome")
        raise VcfError(path, reason, bad["_line"][0])
    if sample is not None:
        df = df.select(pl.exclude("format", "sample"), format=pl.col("c8"),
                       sample=pl.col(f"c{9 + sample}"))
    df, blocks, symbolic = _normalise(df, sample is not None)
    header.reference_blocks_skipped += blocks
    header.symbolic_alleles_skipped += symbolic
    return df


def _locate_bad_line(path: Path, n: int, first_line: int, block: bytes) -> VcfError | None:
    """The first data line whose column count is not n (error path only: a Python loop)."""
    for offset, raw in enumerate(block.split(b"\n")):
        line = raw.rstrip(b"\r")
        if not line.strip() or line.startswith(b"#"):
            continue
        fields = line.count(b"\t") + 1
        if fields != n:
            return VcfError(path, f"found {fields} tab-separated columns, expected {n} as in "
                                  "the #CHROM line", first_line + offset)
    return None


def normalise_chrom(expr: pl.Expr) -> pl.Expr:
    """`chr1`/`CHR1`/`1` -> `1`, `chrM`/`M`/`MT` -> `MT`, `chrx` -> `X`; other contigs unchanged."""
    stripped = expr.str.replace(r"^(?i)chr", "")
    upper = stripped.str.to_uppercase()
    return (pl.when(upper.is_in(["M", "MT"])).then(pl.lit("MT"))
            .when(upper.is_in(["X", "Y"])).then(upper)
            .otherwise(stripped))


def _normalise(df: pl.DataFrame, has_sample: bool) -> tuple[pl.DataFrame, int, int]:
    """Records as rows with their ALT list, genotype and zygosity; also returns how many gVCF
    reference blocks (ALT of placeholders only, in an unusual spelling) and placeholder
    alleles beside real ones were left out."""
    # A block names a few chromosomes: normalise each name once (a regex per row is ~30 % of this).
    names = df.select(pl.col("c0").unique()).with_columns(chrom=normalise_chrom(pl.col("c0")))
    df = df.select(
        chrom=pl.col("c0").replace(names["c0"], names["chrom"]),
        start=pl.col("c1").cast(pl.UInt32),
        id=pl.when(pl.col("c2").is_in([".", ""])).then(None).otherwise(pl.col("c2")),
        ref=pl.col("c3").str.to_uppercase(),
        _alt=pl.col("c4").str.to_uppercase(),
        qual=pl.col("c5").cast(pl.Float64, strict=False),
        filter=pl.when(pl.col("c6").is_in([".", ""])).then(None).otherwise(pl.col("c6")),
        gt=_gt_expr() if has_sample else pl.lit(None, pl.String),
    )
    # The ALT list, genotype and zygosity depend on (GT, REF, ALT) only, and a block holds few
    # distinct combinations (mostly SNVs with a handful of GT strings): each is derived once and
    # joined back, ~3x cheaper than building every row's genotype list.
    combos = df.select("gt", "ref", "_alt").unique().with_columns(
        alts=pl.col("_alt").str.split(","), _calls=_call_indices(pl.col("gt")))
    combos = combos.with_columns(
        genotype=pl.concat_list(pl.col("ref"), pl.col("alts"))
        .list.gather(pl.col("_calls"), null_on_oob=True),
        zygosity=_zygosity_expr(pl.col("_calls")),
    ).drop("_calls")
    blocks = symbolic = 0
    placeholders = combos["_alt"].str.contains("<(?:NON_REF|\\*)>")
    if placeholders.any():
        # The genotype above was read against the full ALT list (GT indexes count them); only
        # then are the placeholders taken out of the rows.
        combos = combos.with_columns(alts=pl.col("alts").list.eval(
            pl.element().filter(~pl.element().is_in(SYMBOLIC_REF_ALTS))))
        combos = combos.with_columns(
            _symbolic=pl.col("_alt").str.split(",").list.len() - pl.col("alts").list.len())
        df = df.join(combos, on=["gt", "ref", "_alt"], how="left", nulls_equal=True,
                     maintain_order="left").drop("_alt")
        block = pl.col("alts").list.len() == 0
        blocks, symbolic = df.select(block.sum(), pl.col("_symbolic").filter(~block).sum()).row(0)
        df = df.filter(~block).drop("_symbolic")
    else:
        df = df.join(combos, on=["gt", "ref", "_alt"], how="left", nulls_equal=True,
                     maintain_order="left").drop("_alt")
    return df.with_columns(
        end=(pl.col("start").cast(pl.Int64) + pl.col("ref").str.len_chars() - 1)
        .clip(lower_bound=pl.col("start").cast(pl.Int64)).cast(pl.UInt32),
    ), int(blocks), int(symbolic or 0)  # one row per record; reading explodes `alts`


def _gt_expr() -> pl.Expr:
    """GT is the first FORMAT key when present (VCF spec); its value is kept as written."""
    has_gt = (pl.col("format") == "GT") | pl.col("format").str.starts_with("GT:")
    value = pl.col("sample").str.splitn(":", 2).struct.field("field_0")
    return pl.when(has_gt & (value != "")).then(value).otherwise(None)


def _call_indices(gt: pl.Expr) -> pl.Expr:
    """`0/1`, `1|2`, `.`... as a list of allele indices (null for a missing call)."""
    return (gt.str.replace_all("|", "/", literal=True).str.split("/")
            .cast(pl.List(pl.Int32), strict=False))


def _zygosity_expr(indices: pl.Expr) -> pl.Expr:
    calls = indices.list.len()
    missing = pl.col("gt").is_null() | indices.list.eval(pl.element().is_null()).list.any()
    return (pl.when(missing | (calls == 0)).then(pl.lit("missing"))
            .when(calls == 1).then(pl.when(indices.list.max() == 0)
                                   .then(pl.lit("haploid_ref")).otherwise(pl.lit("haploid_alt")))
            .when(indices.list.max() == 0).then(pl.lit("hom_ref"))
            .when(indices.list.n_unique() == 1).then(pl.lit("hom_alt"))
            .otherwise(pl.lit("het")))


class AlleleBlocks:
    """The VCF's header, then its allele rows block by block, for inputs too big to hold at once.

        with AlleleBlocks(path) as blocks:
            for frame in blocks: ...   # allele rows of one block (ALLELE_SCHEMA)
        blocks.header.records          # data lines read

    `on_block(bytes_read)` is called after each block, for progress on big files.
    """

    def __init__(self, path: Path | str, sample_name: str | None = None,
                 on_block: Callable[[int], None] | None = None) -> None:
        self.path = Path(path)
        self._on_block = on_block
        self._stream = open_vcf(self.path)
        try:
            self.header = _read_header(self.path, self._stream)
            self._sample = choose_sample(self.header, sample_name)
        except BaseException:
            self._stream.close()
            raise

    def __iter__(self) -> Iterator[pl.DataFrame]:
        done = 0
        for first_line, block in line_blocks(self.path, self._stream, self.header.header_lines + 1):
            done += len(block)
            if block.strip():  # (a block of blank lines only: nothing to parse)
                frame = _parse_block(self.path, self.header, self._sample, first_line, block)
                self.header.records += frame.height
                del block
                yield frame.explode("alts").rename({"alts": "alt"}).select(list(ALLELE_SCHEMA))
            if self._on_block:
                self._on_block(done)

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> "AlleleBlocks":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_alleles(path: Path | str, sample_name: str | None = None,
                 on_block: Callable[[int], None] | None = None) -> tuple[VcfHeader, pl.DataFrame]:
    """The VCF's header and its allele rows: one row per ALT allele, no record dropped.

    `on_block(bytes_read)` is called after each block, for progress on big files.
    """
    with AlleleBlocks(path, sample_name, on_block) as blocks:
        frames = list(blocks)
    if not frames:
        return blocks.header, pl.DataFrame(schema=ALLELE_SCHEMA)
    # No rechunk: copying a whole genome's columns into one buffer would double the peak.
    return blocks.header, pl.concat(frames, rechunk=False)
