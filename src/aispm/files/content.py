"""One read of a file, shared by every analyser that wants it.

Reading is bounded: nothing larger than the limit is read whole (large model files are streamed by their own
analysers through :meth:`FileContent.open`).  Text is told from binary by NUL bytes and UTF-8 validity; text that
is not UTF-8 is still decoded (as Latin-1, which never fails) and the decoding is recorded as a warning.
"""

from __future__ import annotations

import codecs
from bisect import bisect_right
from typing import BinaryIO

from msgspec import Struct, field

from aispm.files.walk import FileRef

SNIFF_BYTES = 8192


def looks_binary(head: bytes) -> bool:
    """NUL bytes in the first block mean binary (the heuristic git and grep use), except for UTF-16 BOMs."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head[:SNIFF_BYTES]


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode ``data`` as text; return the text and a warning when it was not UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return data.decode("latin-1"), f"not valid UTF-8 (byte {exc.start}); read as Latin-1"


class FileContent(Struct):
    """A file and its bytes (``None`` when the file was too large to read whole, or when no one asked)."""

    ref: FileRef
    data: bytes | None
    warnings: list[str] = field(default_factory=list)
    _text: str | None = None
    _lines: list[str] | None = None

    @property
    def is_binary(self) -> bool:
        return self.data is not None and looks_binary(self.data[:SNIFF_BYTES])

    @property
    def text(self) -> str:
        """The decoded text ('' for binary or unread files)."""
        if self._text is None:
            if self.data is None or self.is_binary:
                self._text = ""
            else:
                self._text, warning = decode_text(self.data)
                if warning:
                    self.warnings.append(warning)
        return self._text

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def line(self, number: int) -> str:
        """Line ``number`` (1-based), or '' when out of range."""
        lines = self.lines
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def open(self) -> BinaryIO:
        """Open the file for streaming (for analysers of files too large to hold in memory)."""
        return self.ref.path.open("rb")


class LineIndex(Struct, frozen=True):
    """Maps character offsets in a text to 1-based line numbers in O(log n)."""

    starts: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> LineIndex:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        return cls(tuple(starts))

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)


def read_bounded(ref: FileRef, limit: int) -> bytes:
    """Read at most ``limit`` bytes; raise ``ValueError`` when the file is larger (never read a 2 GB file whole)."""
    with ref.path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"file is larger than the {limit // (1024 * 1024)} MiB read limit; content not analysed")
    return data
