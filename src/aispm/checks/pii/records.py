"""What dataset readers hand to the PII scanner: cells of text with where they came from.

A reader turns one dataset file (CSV, JSON Lines, Parquet ...) into batches of :class:`Cell`; the scanner never
knows the format.  Line-oriented formats may instead hand over a :class:`LineBlock` -- many raw lines at once and a
function that makes cells of one line -- so that the scanner can prefilter the raw text and parse only the lines
where something might be (most lines of a fine-tuning corpus hold nothing personal); table formats hand over a
:class:`ColumnBlock` of a column's values for the same reason.

Readers stream: they hold one batch at a time, stop after ``limits.sample_rows`` rows when sampling, and on bad
input raise :class:`DatasetReadError` saying how far they got; cells already yielded still count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from msgspec import Struct

DEFAULT_BATCH_CELLS = 4096
DEFAULT_BLOCK_BYTES = 4 << 20
DEFAULT_MAX_CELL_CHARS = 1 << 20


class Cell(Struct, frozen=True):
    """One value of a dataset and its place.

    ``field`` is the column name or JSON key the value sits under (``dob``, ``content``), ``None`` for free text;
    ``context`` is a sibling value that says more about it (the ``role`` of a chat message).  ``line`` is 1-based
    (text, JSON, JSONL, CSV); ``row`` is the 1-based record number (CSV data rows, Parquet and Arrow rows).
    """

    text: str
    field: str | None = None
    line: int | None = None
    row: int | None = None
    context: str | None = None


class LineBlock(Struct, frozen=True):
    """Raw lines ``text`` whose first line is number ``first_line``; ``cells(line_text, line_no)`` parses one."""

    text: str
    first_line: int
    cells: Callable[[str, int], list[Cell]]


class ColumnBlock(Struct, frozen=True):
    """``size`` values of one table column (or nested leaf) named ``field``, one per line of ``text`` (a line break
    inside a value made a space); ``cell(index)`` makes the cell of the value on line ``index`` (0-based), ``None``
    for an empty value.

    Like :class:`LineBlock`, it lets the scanner prefilter many values at once and make cells only for the few it
    flags (most values of a chat column hold nothing personal).  Iterating gives every cell.
    """

    text: str
    size: int
    field: str | None
    cell: Callable[[int], Cell | None]

    def __iter__(self) -> Iterator[Cell]:
        for index in range(self.size):
            cell = self.cell(index)
            if cell is not None:
                yield cell

    def __len__(self) -> int:
        return self.size


Batch = list[Cell] | LineBlock | ColumnBlock


class ReadLimits(Struct, frozen=True):
    """Bounds every reader honours."""

    sample_rows: int | None = None
    """Read only the first N rows (records, lines) of each file."""
    max_bytes: int | None = None
    """Stop after this many (decompressed) bytes; the result says it stopped."""
    max_cell_chars: int = DEFAULT_MAX_CELL_CHARS
    """Longer values are cut (a 50 MB base64 blob in one cell is not personal data worth the memory)."""
    batch_cells: int = DEFAULT_BATCH_CELLS
    block_bytes: int = DEFAULT_BLOCK_BYTES


class ReadProgress(Struct):
    """How far a reader got: shown when a file is sampled, cut or broken off."""

    rows: int = 0
    bytes: int = 0
    stopped: str | None = None
    """Why reading stopped early (``sampled first 1000 rows``, ``byte limit``), ``None`` when read to the end."""
    warnings: list[str] | None = None

    def warn(self, message: str) -> None:
        if self.warnings is None:
            self.warnings = []
        if len(self.warnings) < 20:
            self.warnings.append(message)


class DatasetReadError(Exception):
    """The file could not be read (further); ``progress`` says what was read before."""

    def __init__(self, message: str, progress: ReadProgress | None = None) -> None:
        super().__init__(message)
        self.progress = progress or ReadProgress()


MAX_PATH_CHARS = 200
"""A longer key path keeps only (the start of) its last key: field names are looked up and cached per name."""


def field_path(parent: str | None, key: str) -> str:
    """``patient.name``: a nested key with its owner, which says whose value it is (``context.field_kind`` reads
    dotted paths); list indices are left out."""
    path = f"{parent}.{key}" if parent else key
    return path if len(path) <= MAX_PATH_CHARS else key[:MAX_PATH_CHARS]


def describe_error(error: BaseException) -> str:
    """What went wrong, without the exception's text: parser messages (csv, json, pyarrow, zlib) may quote the
    input they choke on, and that input may be personal data.  An OS error keeps its system message, and aispm's
    own :class:`DatasetReadError` its text (written here, never quoting data)."""
    if isinstance(error, DatasetReadError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"
    return type(error).__name__


Reader = Callable[..., Iterator[Batch]]
"""``reader(stream, limits, progress) -> Iterator[Batch]`` over a binary stream already decompressed."""
