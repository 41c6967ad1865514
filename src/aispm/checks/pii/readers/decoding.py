"""Text datasets as UTF-8 with ``\\n`` line ends, whatever they were written in.

The line readers split on ``\\n`` and decode UTF-8 (Latin-1 for what is not).  Two kinds of file would read as
nothing: UTF-16 or UTF-32 text with a byte order mark (Windows "Unicode" exports: every other byte is zero, so no
pattern matches) and classic Mac or Excel files whose lines end with a bare ``\\r`` (one line, one CSV row).  The
first bytes say which: a BOM names the encoding, and a head with ``\\r`` and no ``\\n`` has bare-CR line ends.  Such
a stream is re-encoded on the fly, chunk by chunk (an incremental decoder, so a character split between chunks is
kept), and bare CRs become ``\\n``; any other stream is handed over unchanged.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO, cast

from aispm.checks.pii.records import DatasetReadError

HEAD_BYTES = 1 << 16
CHUNK_BYTES = 1 << 20

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` next bytes (a stream may hand over less per read); fewer only at the end of the stream."""
    parts: list[bytes] = []
    total = 0
    while total < size:
        chunk = stream.read(size - total)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def encoding_of(head: bytes) -> tuple[str | None, int]:
    """The encoding a byte order mark at the start of ``head`` names, and the BOM's length (``None, 0``: none)."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return None, 0


def utf8_stream(stream: BinaryIO) -> BinaryIO:
    """``stream`` as UTF-8 with ``\\n`` line ends, without a BOM (the stream itself when it already is one)."""
    head = read_up_to(stream, HEAD_BYTES)
    encoding, bom = encoding_of(head)
    decoder = None
    if encoding is not None and encoding != "utf-8":
        decoder = codecs.getincrementaldecoder(encoding)("replace")
    converted = head[bom:] if decoder is None else decoder.decode(head[bom:]).encode("utf-8", "surrogatepass")
    bare_cr = b"\r" in converted and b"\n" not in converted and len(head) > 0
    if bare_cr:
        converted = converted.replace(b"\r", b"\n")
    if decoder is None and not bare_cr and not bom and put_back(stream, head):
        return stream
    return cast(BinaryIO, NormalisedText(stream, converted, decoder, bare_cr))


def put_back(stream: BinaryIO, head: bytes) -> bool:
    """Seek back over ``head``, just read from ``stream``; False when the stream cannot seek (the caller replays
    the head itself)."""
    try:
        if stream.seekable():
            stream.seek(-len(head), io.SEEK_CUR)
            return True
    except (OSError, ValueError):
        pass
    return False


class NormalisedText(io.BufferedIOBase):
    """The rest of a stream re-encoded as UTF-8 (``decoder``) with bare CRs made ``\\n`` (``bare_cr``).

    Like :class:`aispm.checks.pii.formats.PartialReader`, a read that meets an error of the underlying stream (a
    truncated gzip) returns what it gathered, and the next read raises it: nothing decoded before a break is lost.
    Closing it leaves the underlying stream to whoever opened it.
    """

    def __init__(self, stream: BinaryIO, head: bytes, decoder: codecs.IncrementalDecoder | None, bare_cr: bool) -> None:
        super().__init__()
        self._stream = stream
        self._buffer = bytearray(head)
        self._decoder = decoder
        self._bare_cr = bare_cr
        self._eof = False
        self._error: DatasetReadError | None = None

    def readable(self) -> bool:
        return True

    def _fill(self) -> bool:
        """Append one converted chunk to the buffer; ``False`` at the end (or at an error kept for later)."""
        if self._error is not None:
            if self._buffer:
                return False
            error, self._error = self._error, None
            raise error
        if self._eof:
            return False
        try:
            chunk = self._stream.read(CHUNK_BYTES)
        except DatasetReadError as error:
            if not self._buffer:
                raise
            self._error = error
            return False
        self._eof = not chunk
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk, final=self._eof).encode("utf-8", "surrogatepass")
        if self._bare_cr:
            chunk = chunk.replace(b"\r", b"\n")
        self._buffer += chunk
        return not self._eof or bool(chunk)

    def _take(self, size: int) -> bytes:
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while self._fill():
                pass
            return self._take(len(self._buffer))
        while len(self._buffer) < size and self._fill():
            pass
        return self._take(size)

    def read1(self, size: int = -1) -> bytes:
        if not self._buffer:
            self._fill()
        return self._take(len(self._buffer) if size < 0 else size)

    def readline(self, size: int | None = -1) -> bytes:
        limit = -1 if size is None else size
        searched = 0
        while True:
            found = self._buffer.find(b"\n", searched)
            if found >= 0:
                end = found + 1
                break
            searched = len(self._buffer)
            if 0 <= limit <= searched or not self._fill():
                end = len(self._buffer)
                break
        return self._take(end if limit < 0 else min(end, limit))
