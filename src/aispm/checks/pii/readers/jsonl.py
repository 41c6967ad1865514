"""JSON Lines and whole JSON documents: a cell per string leaf, named by its key, with the chat role as context.

JSON Lines are handed over as raw line blocks: the scanner prefilters the raw text and parses only lines where
something might be, so a corpus of clean chat turns is never parsed at all.  A parsed line yields a cell per string
(and number) leaf: ``field`` is the leaf's key path (``prompt``, ``patient.dob``, ``messages.content``; list indices
left out), ``context`` the ``role`` beside it in a chat message.  A parsed line that is not valid JSON is scanned
as plain text and counted in a warning; lines the prefilter passes over are never parsed (validating every line
would cost more than the scan), so the warning counts only the lines that were parsed, and says so.

A whole JSON document is either compact (one or two lines: parsed, a cell per leaf, ``row`` = the record's index in
a top-level list) or pretty-printed (read like JSON Lines, each line a ``"key": value`` fragment, so every leaf
keeps its own line number without a parser that tracks positions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from aispm.checks.pii.field_names import is_plain_identifier
from aispm.checks.pii.readers.decoding import utf8_stream
from aispm.checks.pii.readers.text import read_lines
from aispm.checks.pii.records import Batch, Cell, LineBlock, ReadLimits, ReadProgress, field_path

MAX_DEPTH = 32
"""Deeper nesting is not walked (a hostile document must not exhaust the stack)."""
MAX_LEAVES_PER_RECORD = 100_000
MAX_COMPACT_JSON_BYTES = 256 << 20
"""A compact (single-line) JSON document is parsed whole up to this size; beyond it, it is scanned as text."""
MAX_WARNED_LINES = 5
_FRAGMENT = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*:\s*(.*?)\s*,?\s*$')
"""A pretty-printed line ``"key": value,``."""


def _leaf_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # an ssn or phone stored as a number
    return None


def walk_cells(
    document: Any, line: int | None, row: int | None, cells: list[Cell], field: str | None = None, depth: int = 0
) -> None:
    """Append a cell for every string or number leaf of ``document`` (bounded depth and leaf count)."""
    if depth > MAX_DEPTH or len(cells) >= MAX_LEAVES_PER_RECORD:
        return
    if isinstance(document, dict):
        role = document.get("role")
        context = role if isinstance(role, str) else None
        for key, value in document.items():
            if not is_plain_identifier(key):  # a key that is a value (an email keying a record) is scanned as one
                cells.append(Cell(key, field=field, line=line, row=row, context=context))
            text = _leaf_text(value)
            if text is not None:
                if text and key != "role":
                    cells.append(Cell(text, field=field_path(field, key), line=line, row=row, context=context))
            elif isinstance(value, dict | list):
                walk_cells(value, line, row, cells, field_path(field, key), depth + 1)
    elif isinstance(document, list):
        for value in document:
            text = _leaf_text(value)
            if text is not None:
                if text:
                    cells.append(Cell(text, field=field, line=line, row=row))
            elif isinstance(value, dict | list):
                walk_cells(value, line, row, cells, field, depth + 1)
    else:
        text = _leaf_text(document)
        if text:
            cells.append(Cell(text, field=field, line=line, row=row))


class _InvalidLines:
    """Counts parsed lines that are not JSON; warns for the first few, and the total at the end."""

    def __init__(self, progress: ReadProgress) -> None:
        self.progress = progress
        self.count = 0

    def add(self, line_no: int) -> None:
        self.count += 1
        if self.count <= MAX_WARNED_LINES:
            self.progress.warn(f"line {line_no}: not valid JSON, scanned as text")

    def finish(self) -> None:
        if self.count > MAX_WARNED_LINES:
            self.progress.warn(
                f"{self.count} of the lines parsed were not valid JSON and were scanned as text"
                " (only lines where the prefilter saw a candidate are parsed)"
            )


def read_jsonl(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[LineBlock]:
    """JSON Lines: raw line blocks whose lines parse into leaf cells (or stay text when they are not JSON)."""
    invalid = _InvalidLines(progress)

    def line_cells(line: str, line_no: int) -> list[Cell]:
        if not line.strip():
            return []
        try:
            document = json.loads(line)
        except (ValueError, RecursionError):
            invalid.add(line_no)
            return [Cell(line.rstrip("\r"), line=line_no)]
        cells: list[Cell] = []
        walk_cells(document, line_no, None, cells)
        return cells

    yield from read_lines(utf8_stream(stream), limits, progress, line_cells)
    invalid.finish()


def fragment_cells(line: str, line_no: int) -> list[Cell]:
    """One line of a pretty-printed JSON document: ``"key": "value"`` -> a cell of field ``key``."""
    stripped = line.strip()
    if not stripped or stripped in ("{", "}", "[", "]", "},", "],", "{}", "[]"):
        return []
    match = _FRAGMENT.match(line)
    if match is not None:
        key, raw = match.group(1), match.group(2)
        field = _decode_string(f'"{key}"') or key
    else:
        field, raw = None, stripped.rstrip(",")
    if raw in ("{", "[", "{}", "[]", "null", "true", "false"):
        return []
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return [Cell(line.rstrip("\r"), field=field, line=line_no)]
    cells: list[Cell] = []
    walk_cells(value, line_no, None, cells, field)
    return cells


def _decode_string(literal: str) -> str | None:
    try:
        value = json.loads(literal)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def read_json(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[Batch]:
    """A whole JSON document: parsed when compact, read line by line when pretty-printed."""
    stream = utf8_stream(stream)
    head = stream.read(1 << 16)
    if head.rstrip().count(b"\n") >= 2:
        yield from _read_pretty(head, stream, limits, progress)
        return
    budget = MAX_COMPACT_JSON_BYTES if limits.max_bytes is None else min(limits.max_bytes, MAX_COMPACT_JSON_BYTES)
    data = head + stream.read(max(0, budget - len(head)))
    if len(data) < budget:
        stream.read(1)  # at the end: b"", or the error of a compressed stream that broke off after ``data``
    elif stream.read(1):
        progress.warn(f"JSON document larger than {budget} bytes: scanned as text")
        yield from _read_pretty(data, stream, limits, progress)
        return
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        where = f" (line {error.lineno} column {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
        progress.warn(f"not valid JSON{where}: scanned as text")
        yield from _read_pretty(data, stream, limits, progress)
        return
    progress.bytes += len(data)
    yield from _compact_batches(document, data.rstrip().count(b"\n") == 0, limits, progress)


def _compact_batches(document: Any, one_line: bool, limits: ReadLimits, progress: ReadProgress) -> Iterator[Batch]:
    """Cells of a parsed document: each record of a top-level list is a row."""
    line = 1 if one_line else None
    records = document if isinstance(document, list) else [document]
    batch: list[Cell] = []
    for index, record in enumerate(records, start=1):
        if limits.sample_rows is not None and index > limits.sample_rows:
            progress.stopped = f"sampled first {limits.sample_rows} rows"
            break
        progress.rows += 1
        cells: list[Cell] = []
        walk_cells(record, line, index if isinstance(document, list) else None, cells)
        max_chars = limits.max_cell_chars
        batch.extend(cell if len(cell.text) <= max_chars else _cut(cell, max_chars) for cell in cells)
        if len(batch) >= limits.batch_cells:
            yield batch
            batch = []
    if batch:
        yield batch


def _cut(cell: Cell, max_chars: int) -> Cell:
    return Cell(cell.text[:max_chars], cell.field, cell.line, cell.row, cell.context)


class _Prefixed:
    """A stream whose first bytes were already read: they are handed out again first."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._stream.read(size)


def _read_pretty(head: bytes, stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[LineBlock]:
    return read_lines(cast(BinaryIO, _Prefixed(head, stream)), limits, progress, fragment_cells)
