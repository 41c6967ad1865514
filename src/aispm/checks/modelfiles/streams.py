"""Byte streams for static scanners: small operands are read, large ones are skipped, decompression is metered.

Scanning a 1 GiB pickle whose payload sits after a 1 GiB byte string must not read that string, so
:meth:`ByteSource.skip` seeks on seekable files and only reads (in bounded chunks, then discards) on streams that
cannot seek, such as decompressors.  Every byte a decompressor or archive member produces passes through a
:class:`ChargedReader` that counts it against the file's :class:`Budget`, so a decompression bomb ends the scan
with a clear reason instead of exhausting time or memory.  Read errors of the underlying stream (corrupt
compressed data, a bad CRC) surface as :class:`CorruptData`.
"""

from __future__ import annotations

import io
import lzma
import zlib
from functools import cache
from typing import Protocol

CHUNK = 64 * 1024


class Readable(Protocol):
    """What the scanners need of a stream: ``read``; ``seek`` is only called on sources marked seekable."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


class Truncated(Exception):
    """The data ended before the structure being read did."""


class LimitExceeded(Exception):
    """A hard limit stopped the scan; the message names the limit (the file is then not fully analysed)."""


class CorruptData(Exception):
    """The underlying stream could not be read (corrupt compressed data, bad CRC, unsupported method)."""


@cache
def read_errors(*also: type[Exception]) -> tuple[type[Exception], ...]:
    """What reading a compressed or archived stream can raise (and ``also``), to be caught and reported as a
    per-file error.

    A function, used as ``except read_errors():``, which Python evaluates only when something was raised: so a
    scan that opens no zip never imports ``zipfile`` (8 ms of start-up with what it imports).
    """
    import zipfile

    base = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, NotImplementedError)
    return (*also, *base)


class Budget:
    """How many decompressed bytes one scanned file may produce (shared by its nested streams)."""

    def __init__(self, limit: int, reason: str = "") -> None:
        self.limit = limit
        self.used = 0
        self.reason = reason

    def consume(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            why = f" ({self.reason})" if self.reason else ""
            raise LimitExceeded(f"more than {self.limit // (1024 * 1024)} MiB of decompressed data{why}")


class ChargedReader:
    """A non-seekable view of a decompressor or archive member that charges every byte it yields to a budget."""

    def __init__(self, stream: Readable, budget: Budget) -> None:
        self.stream = stream
        self.budget = budget

    def read(self, size: int = -1, /) -> bytes:
        data = self.stream.read(size if size >= 0 else CHUNK)
        self.budget.consume(len(data))
        return data

    def seek(self, offset: int, whence: int = 0, /) -> int:
        raise io.UnsupportedOperation("seek")


class PrefixedReader:
    """``head`` (already read to identify the data) followed by the rest of ``stream``: a replay without seeking."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1, /) -> bytes:
        if self.head:
            if size < 0 or size >= len(self.head):
                data, self.head = self.head, b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        raise io.UnsupportedOperation("seek")


class ByteSource:
    """Sequential reads over ``stream`` with a small buffer, exact offsets and cheap skips.

    ``seekable`` says whether skips may seek (plain files, in-memory data); ``size``, when known, lets a skip
    past the end be reported as truncation at once (``start`` and ``size`` are in the same coordinates).
    """

    __slots__ = ("buf", "pos", "seekable", "size", "start", "stream")

    def __init__(self, stream: Readable, *, seekable: bool = False, size: int | None = None, start: int = 0) -> None:
        self.stream = stream
        self.seekable = seekable
        self.size = size
        self.buf = b""
        self.pos = 0
        self.start = start
        """Offset (in this source's coordinates) of ``buf[0]``; ``buf[pos]`` is the next unread byte (the walker
        reads opcodes straight from the buffer on its hot path)."""

    @classmethod
    def of_bytes(cls, data: bytes) -> ByteSource:
        return cls(io.BytesIO(data), seekable=True, size=len(data))

    @property
    def offset(self) -> int:
        """Offset of the next unread byte from where this source started."""
        return self.start + self.pos

    def _fill(self, wanted: int) -> bool:
        """Make at least ``wanted`` unread bytes available if the stream has them; False at end of data."""
        while len(self.buf) - self.pos < wanted:
            chunk = self._read(max(CHUNK, wanted - (len(self.buf) - self.pos)))
            if not chunk:
                return False
            self.start += self.pos
            self.buf = self.buf[self.pos :] + chunk
            self.pos = 0
        return True

    def _read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except read_errors() as exc:
            raise CorruptData(str(exc) or type(exc).__name__) from None

    def at_end(self) -> bool:
        return not self._fill(1)

    def peek(self, count: int) -> bytes:
        self._fill(count)
        return self.buf[self.pos : self.pos + count]

    def byte(self) -> int:
        """The next byte, or -1 at the end of the data."""
        if self.pos >= len(self.buf) and not self._fill(1):
            return -1
        value = self.buf[self.pos]
        self.pos += 1
        return value

    def take(self, count: int) -> bytes:
        """Exactly ``count`` bytes (callers keep ``count`` small); :class:`Truncated` when the data ends first."""
        pos = self.pos
        end = pos + count
        if end > len(self.buf):  # the hot path (already buffered) skips the refill
            if not self._fill(count):
                raise Truncated(f"data ends inside a {count}-byte field at offset {self.offset}")
            pos, end = self.pos, self.pos + count
        self.pos = end
        return self.buf[pos:end]

    def line(self, keep: int) -> tuple[bytes, bool]:
        """The bytes up to the next newline (consumed, newline excluded): (first ``keep`` bytes, whole line kept).

        A longer line is consumed to its end without being held in memory.
        """
        kept = b""
        complete = True
        while True:
            end = self.buf.find(b"\n", self.pos)
            if end != -1:
                piece = self.buf[self.pos : end]
                self.pos = end + 1
            else:
                piece = self.buf[self.pos :]
                self.pos = len(self.buf)
            room = keep - len(kept)
            if len(piece) > room:
                complete = False
                piece = piece[:room] if room > 0 else b""
            kept += piece
            if end != -1:
                return kept, complete
            if not self._fill(1):
                raise Truncated(f"data ends inside a text line at offset {self.offset}")

    def skip(self, count: int) -> None:
        """Pass over ``count`` bytes without keeping them (seeking when the stream allows it)."""
        available = len(self.buf) - self.pos
        if count <= available:
            self.pos += count
            return
        count -= available
        self.start += len(self.buf)
        self.buf, self.pos = b"", 0
        if self.seekable:
            if self.size is not None and self.start + count > self.size:
                self.start = self.size
                raise Truncated(f"a {count}-byte operand runs past the end of the {self.size}-byte data")
            try:
                self.stream.seek(count, io.SEEK_CUR)
            except read_errors() as exc:
                raise CorruptData(str(exc) or type(exc).__name__) from None
            self.start += count
            return
        while count > 0:
            chunk = self._read(min(count, 1024 * 1024))
            if not chunk:
                raise Truncated(f"data ends {count} bytes before the end of an operand at offset {self.start}")
            count -= len(chunk)
            self.start += len(chunk)
