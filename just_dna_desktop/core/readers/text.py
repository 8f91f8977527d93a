"""A person's file as UTF-8 text with line feeds, whatever encoding and line ends it was saved with.

A spreadsheet's "Unicode text" export is UTF-16 (little-endian with a byte-order mark on Windows
and macOS; some tools write big-endian, or no mark), and old Mac programs end lines with a lone CR.
The readers parse UTF-8 with LF or CRLF line ends, so such a file is translated as it is read, a
read at a time (never the whole file in memory), and its line numbers stay the ones an editor
shows. The first read decides, from the first HEAD_BYTES (or up to the first line end); an ordinary
file passes through untouched.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

from .bounded import MAX_LINE_BYTES

HEAD_BYTES = 64 << 10  # enough to tell the encoding and the line ends
# UTF-16 without a byte-order mark: text in the Latin alphabet has a zero byte in nearly every
# character's high half, and almost none in its low half (measured on this many bytes).
SAMPLE_BYTES = 4096
HIGH_ZEROS = 0.75
LOW_ZEROS = 0.1


def utf16_order(head: bytes) -> tuple[str, int] | None:
    """('utf-16-le' or 'utf-16-be', length of the byte-order mark) if `head` is UTF-16 text."""
    if head.startswith(b"\xff\xfe") and not head.startswith(b"\xff\xfe\x00\x00"):  # not UTF-32
        return "utf-16-le", 2
    if head.startswith(b"\xfe\xff"):
        return "utf-16-be", 2
    sample = head[: min(len(head), SAMPLE_BYTES) // 2 * 2]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= HIGH_ZEROS * half and even <= LOW_ZEROS * half:
        return "utf-16-le", 0
    if even >= HIGH_ZEROS * half and odd <= LOW_ZEROS * half:
        return "utf-16-be", 0
    return None


class Utf8Text:
    """`stream` (a file, or a decompressing stream) read as UTF-8 with LF or CRLF line ends.

    `read(size)` gives `size` bytes unless the text ends first, as a file does; `readline` as
    well. Errors of the stream underneath (a truncated gzip, an archive that expands too far)
    pass through as they are. `encoding` and `lone_cr` say what the first read found.
    """

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._decided = False
        self._decoder: codecs.IncrementalDecoder | None = None
        self.encoding = "utf-8"
        self.lone_cr = False  # old-Mac line ends: every CR (not followed by LF) is one
        self._buffer = b""  # translated text not handed out yet
        self._held_cr = False  # a read ended in CR: is it a CRLF? the next read says
        self._ended = False

    @property
    def translating(self) -> bool:
        return self._decoder is not None or self.lone_cr

    def _decide(self) -> None:
        self._decided = True
        head = self._stream.read(HEAD_BYTES)
        order = utf16_order(head)
        if order is not None:
            self.encoding, mark = order
            self._decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
            head = head[mark:]
        self._ended = not head
        text = self._translate(head, final=self._ended)
        # Line ends: a file with CRs and not one LF. Read on until one shows (a CR last may be
        # half a CRLF), for no longer than a line may be.
        while not self._ended and len(text) <= MAX_LINE_BYTES and b"\n" not in text \
                and b"\r" not in text[:-1]:
            raw = self._stream.read(HEAD_BYTES)
            self._ended = not raw
            text += self._translate(raw, final=self._ended)
        self.lone_cr = b"\r" in text[:-1] and b"\n" not in text
        if self.lone_cr:
            text = self._lone_cr_to_lf(text, self._ended)
        self._buffer = text

    def _translate(self, data: bytes, final: bool) -> bytes:
        if self._decoder is not None:
            data = self._decoder.decode(data, final).encode("utf-8")
        return self._lone_cr_to_lf(data, final) if self.lone_cr else data

    def _lone_cr_to_lf(self, data: bytes, final: bool) -> bytes:
        if self._held_cr:
            data, self._held_cr = b"\r" + data, False
        if not final and data.endswith(b"\r"):
            data, self._held_cr = data[:-1], True
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def _fill(self, size: int) -> bool:
        """Add the translation of up to `size` more bytes to the buffer; False at the end."""
        if self._ended:
            return False
        raw = self._stream.read(size)
        self._ended = not raw
        self._buffer += self._translate(raw, final=self._ended)
        return True

    def _take(self, size: int) -> bytes:
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read(self, size: int = -1) -> bytes:
        if not self._decided:
            self._decide()
        if not self.translating:
            if size is None or size < 0:
                return self._take(len(self._buffer)) + self._stream.read()
            data = self._take(size)
            return data + self._stream.read(size - len(data)) if len(data) < size else data
        if size is None or size < 0:
            while self._fill(HEAD_BYTES):
                pass
            return self._take(len(self._buffer))
        while len(self._buffer) < size and self._fill(max(size - len(self._buffer), 1 << 16)):
            pass
        return self._take(size)

    def readline(self, size: int = -1) -> bytes:
        if not self._decided:
            self._decide()
        limit = size if size is not None and size >= 0 else None
        if not self.translating and b"\n" not in self._buffer \
                and (limit is None or len(self._buffer) < limit):
            data = self._take(len(self._buffer))
            return data + self._stream.readline(-1 if limit is None else limit - len(data))
        while b"\n" not in self._buffer and (limit is None or len(self._buffer) < limit) \
                and self._fill(1 << 16):
            pass
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        return self._take(end if limit is None else min(end, limit))

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> "Utf8Text":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
