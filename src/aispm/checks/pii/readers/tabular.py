"""CSV and TSV tables with a header row: a cell per non-empty value, named by its column.

The ``csv`` module does the quoting (values spanning lines included); lines are fed to it one at a time so that
memory stays bounded whatever the file, and each line is decoded on its own: UTF-8, else Latin-1 with a warning.
A ``.csv`` whose header has semicolons and no commas is read with ``;`` (spreadsheet exports in much of Europe).
A file without a header row (its first record holds numbers, dates or personal data) has columns ``col1`` ...
UTF-16/32 files with a BOM and bare-CR line ends are read too (:mod:`.decoding`).
Rows with more or fewer values than the header are scanned all the same (extra values have no column name) and
counted in a warning.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from aispm.checks.pii.field_names import holds_personal_data
from aispm.checks.pii.readers.decoding import utf8_stream
from aispm.checks.pii.records import DEFAULT_MAX_CELL_CHARS, Cell, DatasetReadError, ReadLimits, ReadProgress

MAX_CSV_ERRORS = 100
"""After this many malformed records the file is given up on (with what was read so far)."""
_NUMBER = re.compile(r"[-+(]?[0-9][0-9 .,:/()+-]*")
"""A number, date, time or phone number: a value, never a column name."""

# ``csv`` refuses fields longer than its process-wide limit (128 KiB): raised once, here, to a cell's default bound
# (a longer value is cut to it anyway), never lowered.  There is no per-reader limit, and the readers' own line
# bound keeps a runaway quoted field to this size.
if csv.field_size_limit() < DEFAULT_MAX_CELL_CHARS + 2:
    csv.field_size_limit(DEFAULT_MAX_CELL_CHARS + 2)


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


def _sniff_delimiter(header: str, default: str) -> str:
    if default == "," and ";" in header and "," not in header:
        return ";"
    return default


def is_data_row(values: list[str]) -> bool:
    """Whether a first record is data, not a header: a header names columns, it holds no number, date or entity."""
    for value in values:
        text = value.strip().lstrip("\ufeff")
        if text and (_NUMBER.fullmatch(text) is not None or "@" in text or holds_personal_data(text)):
            return True
    return False


def _column_names(first: list[str]) -> tuple[list[str], bool]:
    """The header's names, or ``col1``, ``col2`` ... (and ``True``) when the first record is data."""
    if is_data_row(first):
        return [f"col{index}" for index in range(1, len(first) + 1)], True
    return [name.strip().lstrip("\ufeff") for name in first], False


def _records(reader: Iterator[list[str]], progress: ReadProgress) -> Iterator[tuple[int, list[str]]]:
    """``(first line, values)`` of each well-formed record; malformed ones are skipped with a warning (without
    the parser's message, which may quote the record) and too many of them end the file."""
    csv_reader = cast(Any, reader)
    errors = 0
    line_before = csv_reader.line_num
    while True:
        try:
            values = next(reader, None)
        except csv.Error:
            errors += 1
            if errors == 1:
                progress.warn(f"line {line_before + 1}: malformed CSV record, skipped")
            if errors > MAX_CSV_ERRORS:
                raise DatasetReadError(f"more than {MAX_CSV_ERRORS} malformed CSV records", progress) from None
            line_before = csv_reader.line_num
            continue
        if values is None:
            if errors > 1:
                progress.warn(f"{errors} malformed CSV records skipped")
            return
        yield line_before + 1, values
        line_before = csv_reader.line_num


def read_table(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress, delimiter: str) -> Iterator[list[Cell]]:
    """Rows of a delimited table as batches of cells (``field`` = header name, ``row`` and ``line`` 1-based).

    A first record that is data (see :func:`is_data_row`) is counted as row 1 and the columns are ``col1`` ...
    """
    stream = utf8_stream(stream)
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

    records = _records(csv.reader(all_lines(), delimiter=delimiter), progress)
    first_record = next(records, None)
    if first_record is None:
        return
    header, headerless = _column_names(first_record[1])
    if headerless:
        progress.warn("no header row: the first record is data, columns are named col1, col2 ...")
        records = itertools.chain([first_record], records)
    max_chars = limits.max_cell_chars
    batch: list[Cell] = []
    ragged = row = 0
    for line, values in records:
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        if limits.sample_rows is not None and row >= limits.sample_rows:
            progress.stopped = f"sampled first {limits.sample_rows} rows"
            break
        row += 1
        progress.rows += 1
        if len(values) != len(header):
            ragged += 1
            if ragged == 1:
                progress.warn(f"row {row} (line {line}) has {len(values)} values for {len(header)} columns")
        for index, value in enumerate(values):
            if not value or value.isspace():
                continue
            if index < len(header):
                field: str | None = header[index]
            else:
                field = f"col{index + 1}" if headerless else None
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
