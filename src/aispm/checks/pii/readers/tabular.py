"""CSV and TSV tables with a header row: a cell per non-empty value, named by its column.

The ``csv`` module does the quoting (values spanning lines included); lines are fed to it one at a time so that
memory stays bounded whatever the file, and each line is decoded on its own: UTF-8, else Latin-1 with a warning.
A ``.csv`` whose header has semicolons and no commas is read with ``;`` (spreadsheet exports in much of Europe).
Rows with more or fewer values than the header are scanned all the same (extra values have no column name) and
counted in a warning.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from typing import BinaryIO, cast

from aispm.checks.pii.records import Cell, DatasetReadError, ReadLimits, ReadProgress

MAX_CSV_ERRORS = 100
"""After this many malformed records the file is given up on (with what was read so far)."""


class _Lines:
    """Decoded lines of a binary stream, each bounded, counting bytes and honouring the byte limit."""

    def __init__(self, stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> None:
        self.stream = stream
        self.limits = limits
        self.progress = progress
        self.latin1_lines = 0
        self.long_lines = 0
        self.max_line = max(limits.max_cell_chars, 1024) + 2

    def __iter__(self) -> Iterator[str]:
        readline = self.stream.readline
        progress, limits = self.progress, self.limits
        while True:
            if limits.max_bytes is not None and progress.bytes >= limits.max_bytes:
                if readline(1):
                    progress.stopped = f"byte limit: stopped after {progress.bytes} bytes"
                return
            raw = readline(self.max_line)
            if not raw:
                return
            progress.bytes += len(raw)
            if len(raw) >= self.max_line and not raw.endswith(b"\n"):
                self._skip_rest()
                raw += b"\n"
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.latin1_lines += 1
                if self.latin1_lines == 1:
                    progress.warn("not valid UTF-8: lines that are not were decoded as Latin-1")
                yield raw.decode("latin-1")

    def _skip_rest(self) -> None:
        self.long_lines += 1
        if self.long_lines == 1:
            self.progress.warn(f"a line is longer than {self.max_line} bytes: scanned only its start")
        while True:
            rest = self.stream.readline(1 << 20)
            self.progress.bytes += len(rest)
            if not rest or rest.endswith(b"\n"):
                return


def _raise_field_limit(limit: int) -> None:
    """``csv`` refuses fields longer than its module-wide limit (128 KiB): let it read up to a cell's bound."""
    wanted = min(max(limit, 1024) + 2, sys.maxsize)
    if csv.field_size_limit() < wanted:
        csv.field_size_limit(wanted)


def _sniff_delimiter(header: str, default: str) -> str:
    if default == "," and ";" in header and "," not in header:
        return ";"
    return default


def read_table(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress, delimiter: str) -> Iterator[list[Cell]]:
    """Rows of a delimited table as batches of cells (``field`` = header name, ``row`` and ``line`` 1-based)."""
    _raise_field_limit(limits.max_cell_chars)
    if isinstance(stream, io.RawIOBase):  # a decompressing stream: readline on it would read byte by byte
        stream = cast(BinaryIO, io.BufferedReader(stream, 1 << 16))
    lines = iter(_Lines(stream, limits, progress))
    first = next(lines, None)
    while first is not None and not first.strip():
        first = next(lines, None)
    if first is None:
        return
    delimiter = _sniff_delimiter(first, delimiter)

    def all_lines() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(all_lines(), delimiter=delimiter)
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader)]
    except csv.Error as error:
        raise DatasetReadError(f"unreadable header row: {error}", progress) from None
    max_chars = limits.max_cell_chars
    batch: list[Cell] = []
    ragged = errors = 0
    row = 0
    line_before = reader.line_num
    while True:
        if limits.sample_rows is not None and row >= limits.sample_rows:
            if next(reader, None) is not None:
                progress.stopped = f"sampled first {limits.sample_rows} rows"
            break
        try:
            values = next(reader, None)
        except csv.Error as error:
            errors += 1
            if errors == 1:
                progress.warn(f"line {line_before + 1}: malformed CSV ({error}), skipped")
            if errors > MAX_CSV_ERRORS:
                raise DatasetReadError(f"more than {MAX_CSV_ERRORS} malformed CSV records", progress) from None
            line_before = reader.line_num
            continue
        if values is None:
            break
        line = line_before + 1
        line_before = reader.line_num
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        row += 1
        progress.rows += 1
        if len(values) != len(header):
            ragged += 1
            if ragged == 1:
                progress.warn(f"row {row} (line {line}) has {len(values)} values for {len(header)} columns")
        for index, value in enumerate(values):
            if not value or value.isspace():
                continue
            field = header[index] if index < len(header) else None
            batch.append(Cell(value[:max_chars] if len(value) > max_chars else value, field, line, row))
        if len(batch) >= limits.batch_cells:
            yield batch
            batch = []
    if batch:
        yield batch
    if ragged > 1:
        progress.warn(f"{ragged} rows do not have one value per column")


def read_csv(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[list[Cell]]:
    """Comma-separated (or, when the header says so, semicolon-separated) values."""
    return read_table(stream, limits, progress, ",")


def read_tsv(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[list[Cell]]:
    """Tab-separated values."""
    return read_table(stream, limits, progress, "\t")
