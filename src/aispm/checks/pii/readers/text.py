"""Plain text and Markdown datasets, and the line-block reading that JSON Lines shares.

A file is read in blocks of about ``limits.block_bytes`` cut at line ends, so the scanner can prefilter a few MB
of raw text at once and look closely only at lines where something might be.  Blocks are decoded as UTF-8; a
block that is not valid UTF-8 is decoded as Latin-1 (every byte is a character, so nothing is lost) and the file
gets a warning (UTF-16/32 with a BOM and bare-CR line ends are converted first, see :mod:`.decoding`).  A line
longer than ``limits.max_cell_chars`` is cut there: the rest of it is skipped, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from aispm.checks.pii.readers.decoding import utf8_stream
from aispm.checks.pii.records import Cell, LineBlock, ReadLimits, ReadProgress

READ_CHUNK = 1 << 20


class _Decoder:
    """UTF-8 first; Latin-1 for blocks that are not, counted once per file in a warning."""

    def __init__(self, progress: ReadProgress) -> None:
        self.progress = progress
        self.fallback_blocks = 0

    def decode(self, data: bytes, first_line: int) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            if not self.fallback_blocks:
                line = first_line + data.count(b"\n", 0, error.start)
                self.progress.warn(f"not valid UTF-8 (first bad byte on line {line}): decoded as Latin-1")
            self.fallback_blocks += 1
            return data.decode("latin-1")


def _cut_lines(data: bytes, count: int) -> bytes:
    """The first ``count`` lines of ``data`` (with their line ends)."""
    position = 0
    for _ in range(count):
        found = data.find(b"\n", position)
        if found < 0:
            return data
        position = found + 1
    return data[:position]


def _more_after(stream: BinaryIO) -> bool:
    """Whether the stream has another byte (read and dropped: the caller stops reading anyway)."""
    return bool(stream.read(1))


def iter_line_blocks(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[tuple[str, int]]:
    """``(text, first_line)`` blocks of whole lines, each at most about ``limits.block_bytes``.

    Counts lines as rows and bytes in ``progress``; stops at ``limits.sample_rows`` lines or ``limits.max_bytes``
    bytes and says so in ``progress.stopped``.
    """
    decoder = _Decoder(progress)
    block_bytes = max(limits.block_bytes, 1024)
    max_line = max(limits.max_cell_chars, 1)
    pending = b""
    next_line = 1
    skipping = False  # inside the rest of an over-long line
    long_lines = 0
    eof = False
    while not eof:
        want = block_bytes - len(pending) if len(pending) < block_bytes else READ_CHUNK
        if limits.max_bytes is not None:
            want = min(want, limits.max_bytes - progress.bytes)
        chunk = stream.read(want) if want > 0 else b""
        if not chunk:
            eof = True
            if want <= 0 and _more_after(stream):
                progress.stopped = f"byte limit: stopped after {progress.bytes} bytes"
        progress.bytes += len(chunk)
        if skipping:
            newline = chunk.find(b"\n")
            if newline < 0:
                continue
            chunk = chunk[newline + 1 :]
            skipping = False
        pending += chunk
        if eof:
            cut = len(pending)
        else:
            cut = pending.rfind(b"\n") + 1
            if cut == 0:
                if len(pending) <= max_line:
                    continue
                # One line longer than a cell may be: keep its head, skip to its end.
                long_lines += 1
                if long_lines == 1:
                    progress.warn(f"line {next_line} is longer than {max_line} bytes: scanned only its start")
                pending = pending[:max_line] + b"\n"
                skipping = True
                cut = len(pending)
        data, pending = pending[:cut], pending[cut:]
        if not data:
            continue
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if limits.sample_rows is not None and progress.rows + lines >= limits.sample_rows:
            keep = limits.sample_rows - progress.rows
            data = _cut_lines(data, keep)
            progress.rows += keep
            if len(data) < cut or pending or (not eof and _more_after(stream)):
                progress.stopped = f"sampled first {limits.sample_rows} rows"
            if data:
                yield decoder.decode(data, next_line), next_line
            return
        progress.rows += lines
        yield decoder.decode(data, next_line), next_line
        next_line += lines


def read_lines(
    stream: BinaryIO, limits: ReadLimits, progress: ReadProgress, cells: Callable[[str, int], list[Cell]]
) -> Iterator[LineBlock]:
    """Line blocks whose lines ``cells`` turns into cells (a line cut to ``limits.max_cell_chars`` first)."""
    max_chars = limits.max_cell_chars
    cut_lines = [0]

    def bounded_cells(line: str, line_no: int) -> list[Cell]:
        if len(line) > max_chars:
            cut_lines[0] += 1
            if cut_lines[0] == 1:
                progress.warn(f"line {line_no} is longer than {max_chars} characters: scanned only its start")
            line = line[:max_chars]
        return cells(line, line_no)

    for text, first_line in iter_line_blocks(stream, limits, progress):
        yield LineBlock(text, first_line, bounded_cells)


def text_cells(line: str, line_no: int) -> list[Cell]:
    """A line of text is one cell (blank lines are none)."""
    line = line.rstrip("\r")
    return [Cell(line, line=line_no)] if line.strip() else []


def read_text(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[LineBlock]:
    """Text and Markdown: a cell per line."""
    return read_lines(utf8_stream(stream), limits, progress, text_cells)
