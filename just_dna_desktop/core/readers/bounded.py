"""Reading a person's file with limits, so no content can take the computer's memory or hours.

A real genome file has lines of a few hundred bytes (a VCF's INFO a few kB), compresses 3-20 times,
and a genotyping chip has 0.6-2 million markers. Anything far beyond is not a genome file: a
damaged copy, the wrong file, or one made to hurt. The readers stop at the first sign, with one
line naming the file:

- MAX_LINE_BYTES: a line longer than this (`line_blocks` checks each line, the unfinished too);
- MAX_EXPANSION: compressed input (gzip, zip) that expands to more than this many times its own
  size (`BoundedStream` counts what it hands out);
- MAX_MARKERS: a genotyping file with more markers than this (core/readers/genotypes.py);
- MAX_HEADER_BYTES: a genotyping file whose comment lines go on longer than this before its data
  (the format is told from the first lines, held in memory: core/readers/genotypes.py).

`line_blocks` hands out whole lines in blocks of BLOCK_BYTES, long runs of blank lines left out:
memory follows the block, not the file.
"""

from __future__ import annotations

import os
import re
import stat
import zlib
import zipfile
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import VcfError

MB = 1 << 20
BLOCK_BYTES = 4 * MB  # small blocks: less text and parse state in flight, same speed
MAX_LINE_BYTES = 1 * MB  # a real line is under a few kB
MAX_EXPANSION = 100  # a genome file compresses 3-20x; a zip bomb ~1000x
MIN_EXPANDED_BYTES = 256 * MB  # a small compressed file may expand this far, whatever its ratio
MAX_MARKERS = 10_000_000  # five times the largest chip (~2 M markers)
MAX_HEADER_BYTES = 8 * MB  # comment lines before a genotyping file's data; real ones take a few kB


def open_binary(path: Path) -> BinaryIO:
    """The file opened for reading, or a VcfError saying in words why it cannot be.

    Only a regular file: the readers read it more than once (its format, its header, its body),
    which a pipe (`annotate <(zcat file)`) or a device cannot give.
    """
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise VcfError(path, "file not found") from None
    except IsADirectoryError:
        raise VcfError(path, "is a folder, not a file") from None
    except PermissionError:
        raise VcfError(path, "permission denied") from None
    except OSError as exc:
        raise VcfError(path, f"cannot open ({exc.strerror or exc})") from None
    mode = os.fstat(handle.fileno()).st_mode
    if not stat.S_ISREG(mode):
        handle.close()
        what = "a pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) \
            else "a device"
        raise VcfError(path, f"is {what}, not a file; save it to a file first (for example "
                             "`cat … > sample.vcf`) and give that file")
    return handle


class BoundedStream:
    """A decompressing stream that refuses to hand out more than `limit` bytes.

    `limit` is MAX_EXPANSION times the compressed file's size (at least MIN_EXPANDED_BYTES): a
    zip of 4 MB that would expand to a 4 GB line is stopped after 400 MB, not read to the end.
    """

    def __init__(self, path: Path, stream: BinaryIO, compressed_bytes: int,
                 underlying: BinaryIO | None = None):
        self.path = path
        self._stream = stream
        self._underlying = underlying  # the compressed file, closed with the stream
        self.limit = max(MIN_EXPANDED_BYTES, MAX_EXPANSION * compressed_bytes)
        self.given = 0

    def _count(self, data: bytes) -> bytes:
        self.given += len(data)
        if self.given > self.limit:
            raise VcfError(self.path, f"expands to more than {self.limit / MB:,.0f} MB, over "
                                      f"{MAX_EXPANSION} times its own size: no genome file "
                                      "compresses that well (a damaged or hostile archive?)")
        return data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit - self.given + 1  # never an unbounded read
        return self._count(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit - self.given + 1
        return self._count(self._stream.readline(size))

    def close(self) -> None:
        self._stream.close()
        if self._underlying is not None:
            self._underlying.close()

    def __enter__(self) -> "BoundedStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bounded(path: Path, stream: BinaryIO, compressed: BinaryIO | int) -> BoundedStream:
    """`stream` (decompressing) bounded by the size of `compressed`: the compressed file (then
    closed with the stream) or its size in bytes."""
    if isinstance(compressed, int):
        return BoundedStream(path, stream, compressed)
    return BoundedStream(path, stream, os.fstat(compressed.fileno()).st_size, compressed)


def line_too_long(path: Path, line: int) -> VcfError:
    return VcfError(path, f"a line longer than {MAX_LINE_BYTES / MB:g} MB: not a genome file "
                          "(a real line is a few hundred bytes)", line)


def line_blocks(path: Path, stream: BinaryIO, first_line: int) -> Iterator[tuple[int, bytes]]:
    """(number of the block's first line, block of whole lines) over the rest of the stream.

    The unfinished last line of a read waits in pieces, joined once when its end arrives (joining
    it on every read made a long line cost time and memory growing with its square), and is
    refused as soon as it is longer than MAX_LINE_BYTES; so is any such line inside a block.
    """
    pending: list[bytes] = []  # the line being read, in pieces
    pending_bytes = 0
    line_no = first_line
    while True:
        try:
            chunk = stream.read(BLOCK_BYTES)
        except EOFError:
            raise VcfError(path, "the compressed file is truncated (incomplete download or "
                                 "copy?)") from None
        except (OSError, zlib.error, zipfile.BadZipFile) as exc:
            raise VcfError(path, f"cannot decompress ({exc})") from None
        if not chunk:
            tail = b"".join(pending)
            if tail.strip():
                yield line_no, tail
            return
        cut = chunk.rfind(b"\n")
        if cut < 0:
            pending.append(chunk)
            pending_bytes += len(chunk)
            if pending_bytes > MAX_LINE_BYTES:
                raise line_too_long(path, line_no)
            continue
        block = b"".join([*pending, chunk[: cut + 1]]) if pending else chunk[: cut + 1]
        rest = chunk[cut + 1:]
        pending, pending_bytes = ([rest], len(rest)) if rest else ([], 0)
        _check_lines(path, block, line_no)
        yield from _without_blank_runs(line_no, block)
        line_no += block.count(b"\n")
        if pending_bytes > MAX_LINE_BYTES:
            raise line_too_long(path, line_no)
        del block


# A run of this many line ends (63 blank lines) or more is cut out of a block before parsing: each
# blank line is a row to the CSV reader (a 4 MB block of them took ~450 MB). Real files have none.
BLANK_RUN = 64
_BLANK_RUN = re.compile(rb"\n{%d,}" % BLANK_RUN)


def _without_blank_runs(line_no: int, block: bytes) -> Iterator[tuple[int, bytes]]:
    """(first line number, piece) of `block` around its long runs of blank lines (the block
    itself, nearly always: one search for the run)."""
    if b"\n" * BLANK_RUN not in block:
        yield line_no, block
        return
    start = 0
    for run in _BLANK_RUN.finditer(block):
        piece = block[start: run.start() + 1]  # up to the end of the last line before the run
        if piece.strip():
            yield line_no, piece
        line_no += piece.count(b"\n") + run.end() - run.start() - 1
        start = run.end()
    if block[start:].strip():
        yield line_no, block[start:]


def _check_lines(path: Path, block: bytes, line_no: int) -> None:
    """Refuse a block holding a line longer than MAX_LINE_BYTES. Such a line covers a whole
    stretch of half that length without a line end: only those stretches are measured exactly
    (a few `find`s per block, never a loop over lines)."""
    step = MAX_LINE_BYTES // 2
    for start in range(0, len(block) - step + 1, step):
        if block.find(b"\n", start, start + step) >= 0:
            continue
        begin = block.rfind(b"\n", 0, start) + 1
        end = block.find(b"\n", start)
        if (end if end >= 0 else len(block)) - begin > MAX_LINE_BYTES:
            raise line_too_long(path, line_no + block.count(b"\n", 0, begin))
