"""Consumer genotyping files (23andMe, AncestryDNA, MyHeritage, FamilyTreeDNA, Living DNA, generic
rsid/chromosome/position/genotype tables), plain, gzip or a one-member zip, read into marker rows.

The format is told from the content, never the file name: `detect_format` reads the first lines
(inside the gzip or zip too) and names the vendor from its comment block or header, and the layout
(separator, which column holds the ID, chromosome, position and call) from the header line. One
reader serves every layout: the body is parsed by polars' CSV reader in blocks, calls are split
once per distinct value, and nothing is dropped (no-calls, markers without a position, internal
IDs all stay). Anything else gets a `GenotypeFileError` naming the file and, for a bad line, the
line; a file we cannot read is never silently an empty table.

The `snps` package (BSD) reads the same files and is the independent oracle in the tests
(tests/test_genotypes_oracle.py); it is not used here, so the app and its bundle need no pandas.
"""

from __future__ import annotations

import gzip
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import polars as pl

from . import bounded as limits
from .bounded import bounded, line_blocks, open_binary
from .build import build_from_text
from .text import Utf8Text
from ..errors import VcfError
from .vcf import _FOREIGN_MAGIC

# The rows every genotype file gives, in output order. `gt` is the call as written (`AG`, `--`,
# `00` for AncestryDNA's two columns), `genotype` its alleles (null for a no-call).
MARKER_SCHEMA = {
    "marker_id": pl.String, "source_chrom": pl.String, "source_pos": pl.UInt32,
    "gt": pl.String, "genotype": pl.List(pl.String),
}
SNIFF_BYTES = 256 << 10
MAX_POS = 2**32 - 1

# Vendors by a marker in the first line or the comment block, most specific first.
VENDORS = [
    ("genesforgood", re.compile(r"genes for good", re.I)),
    ("23mofang", re.compile(r"23mofang", re.I)),
    ("23andme", re.compile(r"23andme", re.I)),
    ("ancestrydna", re.compile(r"ancestrydna|ancestry\.com", re.I)),
    ("myheritage", re.compile(r"myheritage", re.I)),
    ("ftdna", re.compile(r"famfinder|familytreedna|family ?tree ?dna", re.I)),
    ("livingdna", re.compile(r"living ?dna", re.I)),
    ("dnaland", re.compile(r"dna\.land", re.I)),
    ("selfdecode", re.compile(r"selfdecode", re.I)),
    ("mapmygenome", re.compile(r"mapmygenome", re.I)),
    ("sano", re.compile(r"derived from the corresponding vcf", re.I)),
    ("circledna", re.compile(r"^#\s*circle\b", re.I | re.M)),
]

# Header names (lower-case, without spaces, dots, dashes, underscores or quotes) by role, preferred
# first. Illumina reports name a strand: only the genome's plus strand is taken as it is.
ROLE_NAMES = {
    "id": ("rsid", "snpname", "markername", "name", "snp", "marker", "snpid", "id"),
    "chrom": ("chromosome", "chrom", "chr"),
    "pos": ("position", "pos", "physicalposition"),
    "genotype": ("genotype", "result", "gt", "call"),
    "allele1": ("allele1", "allele1plus"),
    "allele2": ("allele2", "allele2plus"),
}
_OTHER_STRANDS = re.compile(r"^allele[12](top|forward|design|ab)$")
# A data line's first field when the file has no header: an rsID or a chip's internal ID.
_MARKER_ID = re.compile(r"^(rs|i)\d+$", re.I)
# Values that mean "no call" for one allele (AncestryDNA writes 0, 23andMe - for a haploid call).
NO_CALL_ALLELES = ("-", "--", "0", ".", "")
NOT_A_POSITION = ("-", "--", ".", "")


class GenotypeFileError(VcfError):
    """A genotyping file that cannot be read; names the file and, when known, the line."""


@dataclass(frozen=True)
class Layout:
    """Where a genotype file's fields are: separator, width and the column of each role."""

    separator: str  # "\t", "," or " " (runs of spaces and tabs, AncestryDNA's habit)
    width: int
    id: int
    chrom: int
    pos: int
    genotype: int | None = None
    allele1: int | None = None
    allele2: int | None = None
    header: str | None = None  # the header line as written (repeats in concatenated files)


@dataclass(frozen=True)
class InputFormat:
    """What a sample file is: `name` ('vcf', '23andme', 'ancestrydna', ..., 'generic')."""

    name: str
    compression: str = "none"  # none | gzip | zip
    layout: Layout | None = None  # None for a VCF
    build: str | None = None  # the build the comments declare, if any
    data_line: int = 1  # the first line after the comments and header

    @property
    def is_vcf(self) -> bool:
        return self.name == "vcf"


# -- opening --------------------------------------------------------------------------------------

def open_text(path: Path | str) -> tuple[BinaryIO, str]:
    """The file's text as a binary stream of UTF-8 (plain, gzip, or the one file in a zip; UTF-16
    and CR line ends translated, core/readers/text.py) and the compression's name; other archives
    and compressions are refused by their first bytes."""
    path = Path(path)
    raw = open_binary(path)
    magic = raw.read(6)
    raw.seek(0)
    try:
        # compressed text is read no further than MAX_EXPANSION times the file's size
        if magic[:2] == b"\x1f\x8b":
            return Utf8Text(bounded(path, gzip.GzipFile(fileobj=raw, mode="rb"), raw)), "gzip"
        if magic[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip archive (or an empty one)
            size = os.fstat(raw.fileno()).st_size
            raw.close()
            return Utf8Text(bounded(path, _zip_member(path), size)), "zip"
        for prefix, reason in _FOREIGN_MAGIC:
            if magic.startswith(prefix):
                raise GenotypeFileError(path, f"this is not text but a file {reason}")
    except BaseException:
        raw.close()
        raise
    return Utf8Text(raw), "none"


def _zip_member(path: Path) -> BinaryIO:
    """The one file in a zip archive, as a stream that closes the archive with it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise GenotypeFileError(path, "not a readable zip archive (incomplete download or "
                                      "copy?)") from None
    with archive:  # the member keeps the file open until it is closed itself
        return _only_member(path, archive)


def _only_member(path: Path, archive: zipfile.ZipFile) -> BinaryIO:
    members = [m for m in archive.infolist() if not m.is_dir()
               and not m.filename.startswith("__MACOSX/")
               and not Path(m.filename).name.startswith(".")]
    if not members:
        raise GenotypeFileError(path, "the zip archive holds no file")
    if len(members) > 1:
        names = ", ".join(m.filename for m in members[:4]) + (", ..." if len(members) > 4 else "")
        raise GenotypeFileError(path, f"the zip archive holds {len(members)} files ({names}); "
                                      "extract the genotype file and use that")
    if members[0].flag_bits & 0x1:
        raise GenotypeFileError(path, "the zip archive is password-protected; extract the "
                                      "genotype file first")
    try:
        return archive.open(members[0])
    except (zipfile.BadZipFile, NotImplementedError, OSError) as exc:
        raise GenotypeFileError(path, f"cannot open the file in the zip archive ({exc})") from None


def _read_some(path: Path, stream: BinaryIO, size: int) -> bytes:
    try:
        return stream.read(size)
    except EOFError:
        raise GenotypeFileError(path, "the compressed file is truncated (incomplete download "
                                      "or copy?)") from None
    except (OSError, zlib.error, zipfile.BadZipFile) as exc:
        raise GenotypeFileError(path, f"cannot decompress ({exc})") from None


# -- detecting -------------------------------------------------------------------------------------

def detect_format(path: Path | str) -> InputFormat:
    """Name the file's format from its first lines, or raise GenotypeFileError saying why not.

    The first SNIFF_BYTES nearly always hold the comments, the header and data lines; when they
    hold comments only, the file is read further (in reads twice as long each time) until its
    data starts, up to MAX_HEADER_BYTES."""
    path = Path(path)
    stream, compression = open_text(path)
    with stream:
        head = _read_some(path, stream, SNIFF_BYTES)
        whole = len(head) < SNIFF_BYTES
        while not whole and len(head) < limits.MAX_HEADER_BYTES and not _data_started(head):
            wanted = min(len(head), limits.MAX_HEADER_BYTES - len(head))
            more = _read_some(path, stream, wanted)
            head += more
            whole = len(more) < wanted
    return _detect(path, head, compression, whole)


# A whole line that is neither blank nor a comment: a header or a data line.
_DATA_LINE = re.compile(rb"(?m)^(?!#)[ \t\r\f\v]*[^\s][^\n]*\n")


def _data_started(head: bytes) -> bool:
    """Whether `head` holds what detecting needs: a VCF's `##` header, or two whole lines after
    the comments (a header and a first data line, or two data lines)."""
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"##"):
        return True
    lines = _DATA_LINE.finditer(head)
    return next(lines, None) is not None and next(lines, None) is not None


# The first line with anything on it; the first that is neither blank nor a comment (the data, or
# its header); a comment line of VCF's own (`##` meta lines, the `#CHROM` line).
_FIRST_LINE = re.compile(r"(?m)^[^\S\n]*\S[^\n]*")
_BODY_LINE = re.compile(r"(?m)^(?!#)[^\S\n]*\S")
_VCF_LINE = re.compile(r"(?mi)^(?:##|#chrom)")


def _detect(path: Path, head: bytes, compression: str, whole: bool = False) -> InputFormat:
    """The format told from `head`, the file's first bytes (`whole`: all of them).

    The comment block is searched as one text, never split into lines: a hostile file's
    megabytes of one-character comments would be millions of strings."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head:
        raise GenotypeFileError(path, "the file is empty")
    blank = GenotypeFileError(path, "no #CHROM header line and no genotype calls: the file "
                                    "holds only blank lines")
    if not head.strip():
        raise blank
    if b"\x00" in head:
        raise GenotypeFileError(path, "binary data, not a genotyping file or a VCF")
    text = head.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    if not whole and "\n" in text and text[: text.rfind("\n")].strip():
        text = text[: text.rfind("\n") + 1]  # cut mid-line
    first = _FIRST_LINE.search(text)
    if first is None:  # (separator characters Unicode counts as white space)
        raise blank
    # `##` meta lines and the `#CHROM` line are VCF's own; genotype files comment with one `#`
    if _VCF_LINE.search(text, first.start()):
        if compression == "zip":
            raise GenotypeFileError(path, "a VCF inside a zip archive; extract it (or compress "
                                          "it with bgzip) first")
        return InputFormat("vcf", compression)
    if first.group().startswith("[Header]"):
        raise GenotypeFileError(path, "an Illumina GenomeStudio report: not supported; ask the "
                                      "lab for a VCF or an rsid/chromosome/position/genotype table")
    if first.group().startswith(">"):
        raise GenotypeFileError(path, "a FASTA sequence, not genotype calls")
    body = _BODY_LINE.search(text, first.start())
    if body is None:
        raise GenotypeFileError(path, "only comment lines: no genotype calls" if whole else
                                f"only comment lines in its first {len(head) / limits.MB:,.0f} "
                                "MB: no genotype calls (a real file's comments take a few kB)")
    comments = text[first.start(): body.start()].strip()  # "" when the data starts at once
    body_line = text.count("\n", 0, body.start())
    vendor = _vendor(first.group(), comments)
    layout, header_is_data_line = _layout(path, text[body.start():].split("\n"), body_line,
                                          comments.rpartition("\n")[2], vendor)
    if vendor is None and layout.header == "RSID,CHROMOSOME,POSITION,RESULT" \
            and not comments:
        vendor = "ftdna"
    build = build_from_text(comments) if comments else None
    return InputFormat(vendor or "generic", compression, layout, build,
                       data_line=body_line + 1 + (0 if header_is_data_line else 1))


def _vendor(first_line: str, comments: str) -> str | None:
    for text in (first_line, comments):
        for name, pattern in VENDORS:
            if pattern.search(text):
                return name
    return None


def _split(line: str, separator: str) -> list[str]:
    if separator == " ":
        return line.split()
    return [field.strip().strip('"').strip() for field in line.split(separator)]


def _separator(line: str) -> str:
    if "\t" in line:
        return "\t"
    if "," in line:
        return ","
    return " "


def _role_key(name: str) -> str:
    return re.sub(r"[\s._\-\"'#]+", "", name).lower()


def _layout(path: Path, lines: list[str], body: int, last_comment: str,
            vendor: str | None) -> tuple[Layout, bool]:
    """The layout and whether the data starts at `lines[0]`, line `body` counted from 0 (else a
    header line comes first).

    The header is the first line after the comments, or the last comment line (23andMe and
    others write `# rsid chromosome position genotype`); without either, the columns are taken
    by position when the data starts with an rsID or an internal ID.
    """
    data = lines[0].rstrip()
    # AncestryDNA separates fields by runs of tabs and spaces in some files
    separator = " " if vendor == "ancestrydna" else _separator(data)
    fields = _split(data, separator)
    following = next((line for line in lines[1:] if line.strip()
                      and not line.startswith("#")), None)
    if following is not None and not _MARKER_ID.match(fields[0]):
        # the data line after a header tells the width (a header is sometimes spaced otherwise)
        data_separator = " " if vendor == "ancestrydna" else _separator(following)
        width = len(_split(following, data_separator))
        layout = _from_header(path, data, data_separator, width, body)
        if layout is not None:
            return layout, False
    next_width = None if following is None else len(_split(following.rstrip(), separator))
    if last_comment:
        header = last_comment.lstrip("#").strip()
        layout = _from_header(path, header, separator, len(fields), body)
        if layout is not None:
            return layout, True
        if next_width not in (None, len(fields)) \
                and _from_header(path, header, separator, next_width, body) is not None:
            # the header fits the data after the first line: the first line is the odd one
            raise GenotypeFileError(path, f"found {len(fields)} fields, expected {next_width} as "
                                          "in the header", body + 1)
    if _MARKER_ID.match(fields[0]) and len(fields) in (4, 5):
        if next_width not in (None, len(fields)):
            # without a header, the first line's width would decide the layout of all
            raise GenotypeFileError(path, f"found {len(fields)} fields, but {next_width} on the "
                                          "next line: the lines do not agree", body + 1)
        roles = dict(id=0, chrom=1, pos=2)
        roles.update(dict(genotype=3) if len(fields) == 4 else dict(allele1=3, allele2=4))
        return Layout(separator, len(fields), **roles), True
    raise GenotypeFileError(path, "neither a VCF (no #CHROM header line) nor a genotyping file "
                                  "(columns rsid, chromosome, position and genotype, or allele1 "
                                  f"and allele2); found {', '.join(fields[:8])[:200]!r}", body + 1)


def _from_header(path: Path, header: str, separator: str, width: int,
                 body: int) -> Layout | None:
    names = _split(header, separator)
    if len(names) != width:
        names = re.split(r"[\s,]+", header.strip())  # header spaced unlike its data
    if len(names) != width:
        return None
    keys = [_role_key(n) for n in names]
    roles: dict[str, int] = {}
    for role, candidates in ROLE_NAMES.items():
        for candidate in candidates:
            if candidate in keys:
                roles[role] = keys.index(candidate)
                break
    if not {"id", "chrom", "pos"} <= set(roles):
        return None
    if "genotype" not in roles and not {"allele1", "allele2"} <= set(roles):
        if any(_OTHER_STRANDS.match(k) for k in keys):
            raise GenotypeFileError(path, "its alleles are on Illumina's TOP or forward strand, "
                                          "not the genome's plus strand: not supported", body + 1)
        if width == 4 and sorted(roles.values()) == [0, 1, 2]:
            roles["genotype"] = 3  # rsid, chromosome, position and an oddly named call column
        else:
            return None
    if "genotype" in roles and {"allele1", "allele2"} <= set(roles):
        del roles["genotype"]  # two allele columns say more than a combined one
    return Layout(separator, width, header=header.strip(), **roles)


# -- reading ---------------------------------------------------------------------------------------

def read_markers(path: Path | str, fmt: InputFormat | None = None,
                 on_block: Callable[[int], None] | None = None) -> tuple[InputFormat, pl.DataFrame]:
    """The file's format and one row per marker (MARKER_SCHEMA), in file order, none dropped.

    `on_block(bytes_read)` is called after each block of text, for progress and cancel.
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    return fmt, pl.concat(list(iter_markers(path, fmt, on_block)))


def iter_markers(path: Path | str, fmt: InputFormat | None = None,
                 on_block: Callable[[int], None] | None = None) -> Iterator[pl.DataFrame]:
    """The file's markers (MARKER_SCHEMA) block by block, in file order, none dropped: memory
    holds a block, whatever the file holds. A file with more than MAX_MARKERS markers is no
    genotyping file: refused as soon as the count passes it.

    `on_block(bytes_read)` is called after each block of text, for progress and cancel.
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt.is_vcf or fmt.layout is None:
        raise GenotypeFileError(path, "a VCF, not a genotyping file")
    layout = fmt.layout
    stream, _ = open_text(path)
    done = markers = 0
    with stream:
        for first_line, block in line_blocks(path, stream, 1):
            done += len(block)
            # (a block of blank lines only is not parsed: 4 MB of them are 4 M empty rows)
            frame = _parse_block(path, layout, fmt.data_line, first_line, block) \
                if block.strip() else None
            del block
            markers += frame.height if frame is not None else 0
            if markers > limits.MAX_MARKERS:
                raise GenotypeFileError(
                    path, f"more than {limits.MAX_MARKERS:,} markers, far more than any "
                          "genotyping chip has (0.6-2 million): not a genotyping file")
            if frame is not None and frame.height:
                yield _calls(frame)
            if on_block is not None:
                on_block(done)
    if not markers:
        raise GenotypeFileError(path, "no genotype calls after the header")


def _parse_block(path: Path, layout: Layout, data_line: int, first_line: int,
                 block: bytes) -> pl.DataFrame:
    if first_line == 1 and block.startswith(b"\xef\xbb\xbf"):
        block = block[3:]
    if b"\x00" in block:
        raise GenotypeFileError(path, "binary data where text was expected",
                                first_line + block[: block.index(b"\x00")].count(b"\n"))
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
    if layout.separator == ",":
        block = block.replace(b'"', b"")  # MyHeritage and FTDNA quote every field (some twice)
    separator = layout.separator
    if separator == " ":  # AncestryDNA: runs of tabs and spaces between fields
        block = re.sub(rb"[ \t]+", b"\t", re.sub(rb"(?m)^[ \t]+|[ \t]+$", b"", block))
        separator = "\t"
    n = layout.width
    # one column more than the layout: a line with too many fields fills it, a short line leaves
    # the last one empty
    df = pl.read_csv(block, has_header=False, separator=separator, quote_char=None,
                     schema={f"c{i}": pl.String for i in range(n + 1)}, empty_string_is_null=False,
                     encoding="utf8-lossy", raise_if_empty=False, missing_columns="insert",
                     extra_columns="ignore")
    df = df.with_row_index("_line", offset=first_line)
    first = pl.col("c0").fill_null("").str.strip_chars()
    skipped = ((pl.col("_line") < data_line) | first.str.starts_with("#")
               | pl.all_horizontal(pl.col(f"c{i}").fill_null("").str.strip_chars() == ""
                                   for i in range(n)))
    if layout.header is not None:  # a repeated header: files concatenated by the vendor (FTDNA)
        skipped = skipped | (first == _split(layout.header, layout.separator)[0])
    df = df.filter(~skipped)
    # A short line reads like one with empty last fields, a long one fills the extra column: only
    # those rows (none, in a well-formed file) have their fields counted.
    suspect = df.filter((pl.col(f"c{n - 1}") == "") | (pl.col(f"c{n}") != ""))["_line"]
    if suspect.len():
        lines = block.split(b"\n")
        for number in suspect:
            found = lines[number - first_line].count(separator.encode()) + 1
            if found > n or found < n - (layout.allele2 == n - 1):  # allele2 may be left empty
                raise GenotypeFileError(path, f"found {found} fields, expected {n} as in the "
                                              "header", number)
    text = {role: pl.col(f"c{index}").str.strip_chars()
            for role in ("id", "chrom", "pos", "genotype", "allele1", "allele2")
            if (index := getattr(layout, role)) is not None}
    bad = df.filter(text["id"].fill_null("").str.contains("\ufffd", literal=True))
    if bad.height:
        raise GenotypeFileError(path, "the marker ID is not valid UTF-8 text", bad["_line"][0])
    pos = text["pos"].cast(pl.Int64, strict=False)
    bad = df.filter((pos.is_null() & ~text["pos"].fill_null("").is_in(NOT_A_POSITION))
                    | (pos < 0) | (pos > MAX_POS)).select("_line", value=text["pos"])
    if bad.height:
        raise GenotypeFileError(path, f"position {bad['value'][0]!r} is not a number",
                                bad["_line"][0])
    _refuse_cut_short(path, layout, df, text)
    if layout.genotype is not None:
        gt, alleles = text["genotype"], {}
    else:
        gt = pl.concat_str(text["allele1"].fill_null(""), text["allele2"].fill_null(""))
        alleles = {"_a1": text["allele1"], "_a2": text["allele2"]}
    return df.select(
        marker_id=pl.when(text["id"] == "").then(None).otherwise(text["id"]),
        source_chrom=pl.when(text["chrom"].is_in(NOT_A_POSITION)).then(None)
        .otherwise(text["chrom"]),
        source_pos=pos.cast(pl.UInt32),
        gt=gt,
        **alleles,
    )


AUTOSOMES = [str(n) for n in range(1, 23)]


def _refuse_cut_short(path: Path, layout: Layout, df: pl.DataFrame,
                      text: dict[str, pl.Expr]) -> None:
    """Refuse a single called allele on an autosome (chromosomes 1-22 come in pairs): a line cut
    short (`AG` -> `A`, or the second allele column missing), not a haploid call, which only X,
    Y and MT have. A single no-call (`-`) says nothing either way and is kept."""
    if layout.genotype is not None:
        one = text["genotype"].fill_null("")
        single = (one.str.len_chars() == 1) & ~one.is_in(NO_CALL_ALLELES)
    else:
        one = text["allele1"].fill_null("")
        single = (text["allele2"].fill_null("") == "") & ~one.is_in(NO_CALL_ALLELES)
    singles = df.filter(single)  # rare (a man's X and Y calls): only these are looked at
    if not singles.height:
        return
    cut = singles.select("_line", allele=one, chrom=text["chrom"]) \
        .filter(own_chromosome(pl.col("chrom")).is_in(AUTOSOMES))
    if cut.height:
        line, allele, chrom = cut.row(0)
        raise GenotypeFileError(path, f"one allele ({allele!r}) on chromosome {chrom}, which "
                                      "comes in pairs: the line looks cut short", line)


def _calls(markers: pl.DataFrame) -> pl.DataFrame:
    """`genotype` from `gt` (or the two allele columns), derived once per distinct call."""
    if "_a1" in markers.columns:
        key = ["_a1", "_a2"]
        first, second = _allele(pl.col("_a1")), _allele(pl.col("_a2"))
        # an empty second allele is a haploid call
        genotype = (pl.when(pl.col("_a2").fill_null("") == "").then(pl.concat_list(first))
                    .otherwise(pl.concat_list(first, second)))
    else:
        key, genotype = ["gt"], _split_call(pl.col("gt"))
    calls = markers.select(key).unique().with_columns(genotype=genotype)
    return markers.join(calls, on=key, how="left", nulls_equal=True, maintain_order="left") \
        .select(list(MARKER_SCHEMA))


def _split_call(gt: pl.Expr) -> pl.Expr:
    """`AG` -> [A, G], `A` -> [A], `--` -> [null, null], `A/G` -> [A, G]; longer text stays one
    allele (it will not match, and is kept as written)."""
    text = gt.fill_null("").str.strip_chars().str.to_uppercase()
    alleles = (pl.when(text.str.contains(r"[/| ]"))
               .then(text.str.replace_all(r"[|\s]+", "/").str.split("/"))
               .when(text.str.len_chars() == 2).then(text.str.split(""))
               .otherwise(pl.concat_list(text)))
    return alleles.list.eval(_allele(pl.element()))


def _allele(value: pl.Expr) -> pl.Expr:
    value = value.str.strip_chars().str.to_uppercase()
    return pl.when(value.is_in(NO_CALL_ALLELES) | value.is_null()).then(None).otherwise(value)


# -- chromosome names ------------------------------------------------------------------------------

_NUMERIC_CHROMS = {"23": "X", "24": "Y", "25": "X", "26": "MT", "XY": "X", "PAR": "X", "M": "MT",
                   "MT": "MT", "X": "X", "Y": "Y"}


def own_chromosome(expr: pl.Expr) -> pl.Expr:
    """A genotype file's chromosome named the reference's way: `chr1`/`01` -> `1`, 23/24/26 ->
    X/Y/MT (AncestryDNA, PLINK), 25/XY/PAR (the pseudo-autosomal region) -> X; 0 and unknown names
    -> null. Used only to prefer a row on the marker's own chromosome."""
    name = expr.str.strip_chars().str.replace(r"^(?i)chr", "").str.to_uppercase()
    number = name.cast(pl.Int32, strict=False)
    return (pl.when(name.is_in(list(_NUMERIC_CHROMS)))
            .then(name.replace_strict(_NUMERIC_CHROMS, default=None))
            .when(number.is_between(1, 22)).then(number.cast(pl.String))
            .otherwise(None))
