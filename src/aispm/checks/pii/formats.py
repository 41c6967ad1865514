"""Which dataset format a file holds, and a bounded, decompressed stream of it.

The format comes from the name (``train-00000-of-00004.parquet``, ``chat.jsonl.gz``), using the same data-file
pattern as dataset discovery so that what discovery lists is what the PII scan reads.  The compression comes from
the bytes, not the name: a ``.jsonl`` that is gzip is decompressed, a ``.gz`` that is not gzip is an error.
Decompressed output is capped (a small bomb must not fill memory or take an hour), and corrupt or truncated data
raises :class:`DatasetReadError` *while reading*, after everything decoded before it has been handed over, so the
scanner keeps a partial result.
"""

from __future__ import annotations

import bz2
import gzip
import importlib
import io
import lzma
import re
import sys
import zlib
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from aispm.checks.pii.readers import READERS
from aispm.checks.pii.records import DatasetReadError, ReadLimits, ReadProgress
from aispm.discover.datasets import data_format

DEFAULT_MAX_DECOMPRESSED_BYTES = 20 << 30
"""Cap on the decompressed size of a compressed dataset when ``ReadLimits.max_bytes`` does not set one."""

STREAM_BUFFER_BYTES = 1 << 20

COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}

_TEXT_FILE = re.compile(r"\.(?:txt|text|md|markdown)(?:\.(?:gz|bz2|xz|zst))?$")
_NOT_DATA_TEXT = re.compile(
    r"^(?:readme|license|licence|copying|notice|changelog|changes|history|contributing|contributors|authors"
    r"|citation|code_of_conduct|security|requirements(?:[-_.][\w.-]*)?|constraints|robots)\.",
)
"""Project documents and pip requirement files: text by name, never a corpus."""

_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BZ2_BLOCK_MAGICS = (b"1AY&SY", b"\x17rE8P\x90")
"""After ``BZh`` and the block-size digit: the first block's magic (pi) or the end-of-stream magic (sqrt pi)."""


def dataset_format(name: str) -> str | None:
    """The format a dataset file's name says, among those aispm reads for personal data, else ``None``.

    ``train.csv``, ``chat.jsonl.gz``, ``x.ndjson`` (jsonl), ``train-00000-of-00004.parquet``,
    ``data-00000-of-00001.arrow``, ``notes.md`` (text).  Config JSON (``package.json``, Hugging Face
    ``dataset_info.json`` / ``state.json``) and project documents (``README.md``, ``requirements.txt``) are not data.
    """
    fmt = data_format(name)
    if fmt is None:
        lowered = name.lower()
        if _TEXT_FILE.search(lowered) is None or _NOT_DATA_TEXT.match(lowered):
            return None
        fmt = "text"
    return fmt if fmt in READERS else None


def compression_of_name(name: str) -> str | None:
    """The compression a file's suffix claims (``gzip``, ``bz2``, ``xz``, ``zstd``), else ``None``."""
    return COMPRESSION_SUFFIXES.get(Path(name.lower()).suffix)


def compression_of_bytes(head: bytes) -> str | None:
    """The compression the first bytes of a file start with (at least 10 bytes for bzip2), else ``None``."""
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_XZ_MAGIC):
        return "xz"
    if head.startswith(_ZSTD_MAGIC):
        return "zstd"
    if head.startswith(b"BZh") and head[3:4].isdigit() and head[3:4] != b"0" and head[4:10] in _BZ2_BLOCK_MAGICS:
        return "bz2"
    return None


def open_dataset(path: Path, limits: ReadLimits, content: bytes | None = None) -> tuple[str, BinaryIO]:
    """The format of ``path`` and a binary stream of its (decompressed) content; the caller closes the stream.

    ``content``: the file's bytes when the engine has already read them for another analyser (read once).

    An uncompressed file is returned as the open file itself (seekable, which Parquet needs).  A compressed one is
    a forward-only stream that yields at most ``limits.max_bytes`` (or :data:`DEFAULT_MAX_DECOMPRESSED_BYTES`)
    decompressed bytes and then raises :class:`DatasetReadError` ("stopped after N bytes"); corrupt or truncated
    data raises :class:`DatasetReadError` from ``read`` once everything before it was returned.
    Raises :class:`DatasetReadError` at once when the name is no dataset format, the file cannot be opened, the
    suffix claims a compression the bytes do not have, or zstd is needed and unavailable.
    """
    fmt = dataset_format(path.name)
    if fmt is None:
        raise DatasetReadError(f"{path.name}: not a dataset format aispm reads")
    try:
        raw = cast(BinaryIO, io.BytesIO(content)) if content is not None else path.open("rb")
    except OSError as exc:
        raise DatasetReadError(f"cannot open {path.name}: {exc.strerror or exc}") from None
    try:
        head = raw.read(16)
        raw.seek(0)
        claimed, actual = compression_of_name(path.name), compression_of_bytes(head)
        if claimed is not None and claimed != actual:
            found = f"{actual} data" if actual else "uncompressed data" if head else "an empty file"
            raise DatasetReadError(f"{path.name}: named as {claimed} but holds {found}")
        if actual is None:
            return fmt, raw
        source = _decompressor(actual, raw)
        limit = limits.max_bytes if limits.max_bytes is not None else DEFAULT_MAX_DECOMPRESSED_BYTES
        stream = DecompressedStream(source, raw, actual, limit)
        return fmt, cast(BinaryIO, PartialReader(stream, STREAM_BUFFER_BYTES))
    except BaseException:
        raw.close()
        raise


class _Source(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...

    def read1(self, size: int = ..., /) -> bytes: ...

    def close(self) -> None: ...


def _decompressor(kind: str, raw: BinaryIO) -> _Source:
    """A reader of decompressed bytes whose ``read(n)`` returns at most ``n`` (the bound against bombs)."""
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bz2":
        return bz2.BZ2File(raw, "rb")
    if kind == "xz":
        return lzma.LZMAFile(raw, "rb")
    return _zstd_reader(raw)


def _zstd_reader(raw: BinaryIO) -> _Source:
    """zstd through pyarrow's codec: pyarrow is a core dependency, and unlike the ``zstandard`` package's stream
    reader it reports a truncated frame instead of ending quietly."""
    try:
        pyarrow = importlib.import_module("pyarrow")
    except ImportError:
        pyarrow = None
    if pyarrow is None or not pyarrow.Codec.is_available("zstd"):
        raise DatasetReadError("zstd-compressed dataset: this pyarrow build has no zstd codec (install pyarrow>=15)")
    return cast(_Source, pyarrow.CompressedInputStream(pyarrow.PythonFile(raw, mode="r"), "zstd"))


def _read_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean corrupt or truncated compressed data (pyarrow's only when it is loaded)."""
    errors: list[type[BaseException]] = [OSError, EOFError, ValueError, zlib.error, lzma.LZMAError]
    arrow_error = getattr(sys.modules.get("pyarrow"), "ArrowException", None)
    if isinstance(arrow_error, type) and issubclass(arrow_error, BaseException):
        errors.append(arrow_error)
    return tuple(errors)


class DecompressedStream:
    """Chunks from a decompressor: counts its output, stops at ``limit`` and turns corruption into
    :class:`DatasetReadError` (whose progress has ``bytes`` = decompressed bytes returned before).

    Each chunk is one ``read1`` of the decompressor (one step over the compressed input), never a loop of them: a
    loop that meets a truncated or corrupt stream would raise and drop everything it had decoded so far.
    """

    def __init__(self, source: _Source, raw: BinaryIO, kind: str, limit: int) -> None:
        self._source = source
        self._raw = raw
        self.kind = kind
        self.limit = limit
        self.produced = 0
        self.closed = False
        self._errors = _read_errors()

    def read_chunk(self, want: int) -> bytes:
        """Up to ``want`` (> 0) more bytes, ``b""`` at the end of the data."""
        room = self.limit - self.produced
        if room <= 0:
            if self._read(1):
                message = f"stopped after {self.produced} decompressed bytes (limit {self.limit})"
                raise DatasetReadError(message, ReadProgress(bytes=self.produced, stopped=message))
            return b""
        data = self._read(min(want, room))
        self.produced += len(data)
        return data

    def _read(self, size: int) -> bytes:
        try:
            return bytes(self._source.read1(size))
        except DatasetReadError:
            raise
        except EOFError:
            message = f"{self.kind} data is truncated after {self.produced} decompressed bytes"
        except self._errors as exc:  # the decompressor's own message is left out: it may quote the data
            message = f"corrupt {self.kind} data after {self.produced} decompressed bytes ({type(exc).__name__})"
        raise DatasetReadError(message, ReadProgress(bytes=self.produced)) from None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._source.close()
            finally:
                self._raw.close()


class PartialReader(io.BufferedIOBase):
    """``read(n)`` over a :class:`DecompressedStream` that hands over every byte decoded before a break.

    A sized read that meets truncated or corrupt data returns what it gathered, and the *next* read raises the
    error; ``io.BufferedReader`` would raise at once and lose the gathered bytes (up to a whole block of the file).
    """

    def __init__(self, stream: DecompressedStream, chunk_bytes: int) -> None:
        super().__init__()
        self._stream = stream
        self._chunk = max(1, chunk_bytes)
        self._error: DatasetReadError | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._gather(size, whole=True)

    def read1(self, size: int = -1) -> bytes:
        return self._gather(size, whole=False)

    def _gather(self, size: int | None, *, whole: bool) -> bytes:
        if self.closed:
            raise ValueError("read of closed file")
        if self._error is not None:
            raise self._error
        parts: list[bytes] = []
        total = 0
        unbounded = size is None or size < 0
        while unbounded or total < cast(int, size):
            want = self._chunk if unbounded else min(self._chunk, cast(int, size) - total)
            try:
                data = self._stream.read_chunk(want)
            except DatasetReadError as error:
                if not parts or unbounded:  # "everything" cannot be handed over in part
                    raise
                self._error = error
                break
            if not data:
                break
            parts.append(data)
            total += len(data)
            if not whole:
                break
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            try:
                self._stream.close()
            finally:
                super().close()
