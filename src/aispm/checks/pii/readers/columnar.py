"""Parquet and Arrow IPC datasets: the text of each row, one record batch at a time.

Only columns that can hold personal data as text are read: strings (plain, large, view, dictionary-encoded),
lists, structs and maps of them (flattened to a bounded depth: a Hugging Face chat column ``messages`` of
``list<struct<role, content>>`` gives cells with field ``content`` and context = the message's role), plus integer
and date columns whose name says they are personal (``ssn`` stored as int64, ``dob`` as date32).  Rows are
numbered from 1 across the whole file.  ``progress.bytes`` counts Arrow's in-memory size of the columns read,
which for text is about the decompressed text.

Parquet is read row group by row group, so a corrupt row group ends the file with the rows before it kept.  It
needs a seekable file (its index is at the end): a forward-only stream (a decompressed ``.parquet.gz``) is first
copied to a temporary file, in memory while small and on disk beyond :data:`MEMORY_SPOOL_BYTES`, never more than
the decompression limit of the stream.  Arrow IPC needs no seeking: the *file* format (``ARROW1``, Feather v2) is
the *stream* format (what Hugging Face ``save_to_disk`` writes as ``data-00000-of-00001.arrow``) between a header
and a footer, so both are read as a stream -- and a file cut short still yields every batch before the cut.
pyarrow is imported here only, when such a file is scanned.
"""

from __future__ import annotations

import datetime
import functools
import io
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

from aispm.checks.pii.context import is_context_field
from aispm.checks.pii.field_names import is_plain_identifier, safe_field_name
from aispm.checks.pii.readers.decoding import put_back, read_up_to
from aispm.checks.pii.records import (
    Batch,
    Cell,
    ColumnBlock,
    DatasetReadError,
    ReadLimits,
    ReadProgress,
    describe_error,
    field_path,
)

if TYPE_CHECKING:
    import pyarrow as pa

ROWS_PER_BATCH = 8192
"""Rows per record batch taken from Parquet, and per slice of a larger Arrow batch (bounds the cells held)."""

SLICE_BYTES = 64 << 20
"""Arrow bytes per slice (and, from the row group's declared size, per Parquet batch): a slice's values become
Python strings, and 8,192 rows of megabyte strings would be gigabytes."""

MAX_NESTING = 6
"""Lists and structs deeper than this are not read (real datasets nest two or three levels)."""

MEMORY_SPOOL_BYTES = 64 << 20
"""A forward-only Parquet stream up to this size is kept in memory, beyond it in a temporary file."""

MAX_ROW_GROUP_BYTES = 4 << 30
"""A row group whose text columns claim more uncompressed bytes than this is skipped (a bomb, or no dataset)."""

ROLE_KEYS = ("role", "from", "speaker")
"""Keys of a chat message's speaker (OpenAI ``role``, ShareGPT ``from``): context for its sibling text."""

_T = TypeVar("_T")
_PARQUET_MAGIC = b"PAR1"
_ARROW_FILE_MAGIC = b"ARROW1"
_FEATHER_V1_MAGIC = b"FEA1"


def read_parquet(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[Batch]:
    """Cells of the text columns of a Parquet file, row group by row group."""
    source = _seekable(stream, progress)
    try:
        yield from _parquet_cells(source, limits, progress)
    finally:
        if source is not stream:
            source.close()


def _parquet_cells(source: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[Batch]:
    import pyarrow.parquet as pq

    unreadable = "unreadable Parquet file (truncated or corrupt footer)"
    head = _guarded(lambda: source.read(4), progress, unreadable)
    if head != _PARQUET_MAGIC:
        raise DatasetReadError(f"not a Parquet file ({_kind_of(head)})", progress)
    source.seek(0)
    parquet = _guarded(lambda: pq.ParquetFile(source), progress, unreadable)
    rows = _Rows(parquet.schema_arrow, limits, progress)
    if not rows.columns:
        progress.warn("no text columns")
        return
    groups = parquet.metadata.num_row_groups
    for group in range(groups):
        if rows.done:
            return
        declared = _declared_bytes(parquet.metadata.row_group(group), rows.columns)
        if declared > MAX_ROW_GROUP_BYTES:
            progress.warn(f"row group {group + 1} skipped: its text columns declare {declared} bytes")
            continue
        group_rows = parquet.metadata.row_group(group).num_rows
        per_batch = (
            ROWS_PER_BATCH if declared <= 0 else max(1, min(ROWS_PER_BATCH, SLICE_BYTES * group_rows // declared))
        )
        batches = parquet.iter_batches(per_batch, row_groups=[group], columns=rows.columns, use_threads=False)
        while not rows.done:
            failure = f"corrupt Parquet row group {group + 1} of {groups} after {progress.rows} rows"
            try:
                batch = _guarded(batches.__next__, progress, failure)
            except StopIteration:
                break
            yield from rows.cells(batch)


def read_arrow(stream: BinaryIO, limits: ReadLimits, progress: ReadProgress) -> Iterator[Batch]:
    """Cells of the text columns of an Arrow IPC stream or file (Feather v2, Hugging Face ``.arrow``)."""
    import pyarrow.ipc

    head = _read_up_to(stream, 8, progress)
    if head.startswith(_FEATHER_V1_MAGIC):
        raise DatasetReadError("Feather v1 file: only Feather v2 (Arrow IPC) is read", progress)
    # The file format is "ARROW1", padding to 8 bytes, then the stream format: read on from there.
    source: BinaryIO = stream if head.startswith(_ARROW_FILE_MAGIC) else _Prefixed.wrap(head, stream)
    reader = _guarded(
        lambda: pyarrow.ipc.open_stream(source), progress, f"not an Arrow IPC file or stream ({_kind_of(head)})"
    )
    rows = _Rows(reader.schema, limits, progress)
    if not rows.columns:
        progress.warn("no text columns")
        return
    while not rows.done:
        try:
            batch = _guarded(
                reader.read_next_batch, progress, f"Arrow data cut short or corrupt after {progress.rows} rows"
            )
        except StopIteration:
            return
        yield from rows.cells(batch.select(rows.columns))


class _Rows:
    """Turns record batches into cells: which columns to read, how to flatten them, when to stop."""

    def __init__(self, schema: pa.Schema, limits: ReadLimits, progress: ReadProgress) -> None:
        self.limits = limits
        self.progress = progress
        self.done = False
        self._context_names: dict[str, bool] = {}
        self._deep_warned = False
        self.columns = [field.name for field in schema if self._wanted(field.type, field.name, 0)]

    # --- which columns ---

    def _context_name(self, name: str) -> bool:
        known = self._context_names.get(name)
        if known is None:
            known = self._context_names[name] = is_context_field(name)
        return known

    def _wanted(self, kind: pa.DataType, name: str, depth: int) -> bool:
        import pyarrow as pa

        types = pa.types
        if depth > MAX_NESTING:
            self._warn_deep(name)
            return False
        if types.is_dictionary(kind):
            return self._wanted(kind.value_type, name, depth)
        if types.is_string(kind) or types.is_large_string(kind) or types.is_string_view(kind):
            return True
        if types.is_integer(kind) or types.is_date(kind) or types.is_timestamp(kind):
            return self._context_name(name)
        if types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind):
            return self._wanted(kind.value_type, name, depth + 1)
        if types.is_list_view(kind) or types.is_large_list_view(kind):
            return self._wanted(kind.value_type, name, depth + 1)
        if types.is_struct(kind):
            return any(self._wanted(kind.field(i).type, kind.field(i).name, depth + 1) for i in range(kind.num_fields))
        if types.is_map(kind):
            return self._wanted(kind.item_type, name, depth + 1)
        return False

    def _warn_deep(self, name: str) -> None:
        if not self._deep_warned:
            self._deep_warned = True
            self.progress.warn(f"values nested deeper than {MAX_NESTING} levels not read ({safe_field_name(name)})")

    # --- cells ---

    def cells(self, batch: pa.RecordBatch) -> Iterator[Batch]:
        """The values of ``batch``, column by column (leaf by leaf for nested columns); updates progress.

        Each leaf of a slice of at most :data:`ROWS_PER_BATCH` rows and about :data:`SLICE_BYTES` comes as
        :class:`ColumnBlock` s of at most ``limits.batch_cells`` values: flattening in Arrow instead of walking
        Python objects, and making cells only for the values the scanner's prefilter flags, is what makes Parquet
        fast to read.  Maps (whose keys name their values) are walked as Python objects and come as lists of cells.
        """
        limits, progress = self.limits, self.progress
        count = batch.num_rows
        if limits.sample_rows is not None:
            count = min(count, max(0, limits.sample_rows - progress.rows))
            batch = batch.slice(0, count)
        names = [name for name in self.columns if name in batch.schema.names]
        for offset, part in _slices(batch, count):
            first = progress.rows + offset + 1
            for name in names:
                yield from self._column_batches(part.column(name), name, first)
        progress.rows += count
        progress.bytes += batch.nbytes
        if limits.sample_rows is not None and progress.rows >= limits.sample_rows:
            progress.stopped, self.done = f"sampled first {limits.sample_rows} rows", True
        elif limits.max_bytes is not None and progress.bytes >= limits.max_bytes:
            progress.stopped, self.done = f"byte limit ({limits.max_bytes} bytes)", True

    def _column_batches(self, column: pa.Array, name: str, first: int) -> Iterator[Batch]:
        step = max(1, self.limits.batch_cells)
        if _has_map(column.type):  # keys name the values: walk Python objects
            cells: list[Cell] = []
            for index, value in enumerate(column.to_pylist()):
                if value is not None:
                    self._walk(value, name, first + index, None, 0, cells)
            for start in range(0, len(cells), step):
                yield cells[start : start + step]
            return
        for field, texts, rows, contexts in self._leaves(column, name, None, None, 0):
            yield from self._leaf_blocks(field, texts, rows, contexts, first)

    def _leaves(
        self, array: pa.Array, name: str, rows: pa.Array | None, context: pa.Array | None, depth: int
    ) -> Iterator[tuple[str, pa.Array, pa.Array | None, pa.Array | None]]:
        """(field, text values, row index of each value in the slice (``None``: its own index), context of each)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        types = pa.types
        kind = array.type
        if depth > MAX_NESTING:
            self._warn_deep(name)
            return
        if types.is_dictionary(kind):
            array = array.dictionary_decode()
            kind = array.type
        if types.is_string(kind) or types.is_large_string(kind) or types.is_string_view(kind):
            yield name, array, rows, context
        elif types.is_integer(kind) or types.is_date(kind) or types.is_timestamp(kind):
            if self._context_name(name):
                yield name, pc.cast(array, pa.string()), rows, context
        elif types.is_list_view(kind) or types.is_large_list_view(kind):
            yield from self._leaves(array.cast(pa.large_list(kind.value_type)), name, rows, context, depth)
        elif types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind):
            parents = pc.list_parent_indices(array)
            values = array.flatten()
            if len(parents) != len(values):  # not expected; never pair a value with the wrong row
                self.progress.warn(f"column {safe_field_name(name)}: list values and their rows disagree; not read")
                return
            rows = parents if rows is None else rows.take(parents)
            context = None if context is None else context.take(parents)
            yield from self._leaves(values, name, rows, context, depth + 1)
        elif types.is_struct(kind):
            children = array.flatten()  # with the struct's own nulls applied to each field
            fields = [kind.field(i).name for i in range(kind.num_fields)]
            role = next((children[fields.index(key)] for key in ROLE_KEYS if key in fields), None)
            if role is not None and _is_text(role.type):
                context = pc.utf8_slice_codeunits(pc.cast(role, pa.large_string()), 0, 100)
                skip = "role"  # labels (user, assistant); ``from`` may hold an address, so it stays a cell
            else:
                skip = None
            for field, child in zip(fields, children, strict=True):
                if field != skip:
                    yield from self._leaves(child, field_path(name, field), rows, context, depth + 1)

    def _leaf_blocks(
        self, field: str, texts: pa.Array, rows: pa.Array | None, contexts: pa.Array | None, first: int
    ) -> Iterator[ColumnBlock]:
        import pyarrow.compute as pc

        if texts.null_count == len(texts):
            return
        limit = self.limits.max_cell_chars
        longest = pc.max(pc.binary_length(texts)).as_py()
        if longest is not None and longest > limit:
            texts = pc.utf8_slice_codeunits(texts, 0, limit)
        values: list[str | None] = texts.to_pylist()
        leaf = _Leaf(field, values, rows, contexts, first)
        step = max(1, self.limits.batch_cells)
        for start in range(0, len(values), step):
            chunk = values[start : start + step]
            text = "\n".join(value.replace("\n", " ") if value and "\n" in value else value or "" for value in chunk)
            yield ColumnBlock(text, len(chunk), field, functools.partial(leaf.cell, start))

    def _walk(self, value: Any, field: str, row: int, context: str | None, depth: int, out: list[Cell]) -> None:
        if isinstance(value, str):
            if value:
                out.append(Cell(value[: self.limits.max_cell_chars], field=field, row=row, context=context))
        elif depth >= MAX_NESTING:
            self._warn_deep(field)
        elif isinstance(value, dict):
            role = next((value[key] for key in ROLE_KEYS if isinstance(value.get(key), str)), None)
            inner = role[:100] if role else context
            for key, item in value.items():
                if item is not None and key != "role":  # labels (user, assistant); ``from`` may be an address
                    self._walk(item, field_path(field, str(key)), row, inner, depth + 1, out)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, tuple) and len(item) == 2:  # a map entry: (key, value)
                    key, item = item
                    if isinstance(key, str) and key and not is_plain_identifier(key):  # a key that is a value
                        out.append(Cell(key[: self.limits.max_cell_chars], field=field, row=row, context=context))
                    self._walk(item, field_path(field, str(key)), row, context, depth + 1, out)
                elif item is not None:
                    self._walk(item, field, row, context, depth + 1, out)
        elif isinstance(value, bool):
            return
        elif isinstance(value, int | datetime.date) and self._context_name(field):
            text = value.isoformat() if isinstance(value, datetime.date) else str(value)
            out.append(Cell(text, field=field, row=row, context=context))


class _Leaf:
    """The values of one leaf of a slice with their rows and contexts, made into cells on demand.

    Rows and contexts stay Arrow arrays until a cell is asked for: most values of a chat column never are.
    """

    def __init__(
        self, field: str, values: list[str | None], rows: pa.Array | None, contexts: pa.Array | None, first: int
    ) -> None:
        self.field = field
        self.values = values
        self.first = first
        self._rows = rows
        self._contexts = contexts
        self._row_of: list[int] | None = None
        self._context_of: list[str | None] | None = None

    def cell(self, start: int, index: int) -> Cell | None:
        """The cell of value ``start + index`` (``None`` when it is empty or null)."""
        position = start + index
        text = self.values[position]
        if not text:
            return None
        if self._row_of is None:
            self._row_of = self._rows.to_pylist() if self._rows is not None else list(range(len(self.values)))
            self._context_of = self._contexts.to_pylist() if self._contexts is not None else None
        context = self._context_of[position] if self._context_of is not None else None
        return Cell(text, self.field, None, self.first + self._row_of[position], context)


def _with_progress(error: DatasetReadError, progress: ReadProgress) -> DatasetReadError:
    """The stream's error (a decompression limit or corruption) with the reader's progress, keeping why it stopped."""
    progress.stopped = progress.stopped or error.progress.stopped
    return DatasetReadError(str(error), progress)


def _slices(batch: pa.RecordBatch, count: int) -> Iterator[tuple[int, pa.RecordBatch]]:
    """``(offset, slice)`` over the first ``count`` rows: at most :data:`ROWS_PER_BATCH` rows, and fewer (down to
    one) while a slice holds more than :data:`SLICE_BYTES`."""
    offset = 0
    while offset < count:
        step = min(ROWS_PER_BATCH, count - offset)
        part = batch.slice(offset, step)
        size = part.nbytes
        while step > 1 and size > SLICE_BYTES:
            step = max(1, min(step // 2, step * SLICE_BYTES // size))
            part = batch.slice(offset, step)
            size = part.nbytes
        yield offset, part
        offset += step


def _reason(exc: BaseException) -> str:
    """The kind of error, never pyarrow's message: it may quote a column name or value of the file."""
    return describe_error(exc)


def _kind_of(head: bytes) -> str:
    """What the first bytes look like, named without showing them (they may be personal data)."""
    from aispm.checks.pii.formats import compression_of_bytes

    if not head:
        return "an empty file"
    compression = compression_of_bytes(head)
    if compression is not None:
        return f"{compression} data"
    if head.startswith(_PARQUET_MAGIC):
        return "Parquet data"
    if head.startswith(_ARROW_FILE_MAGIC):
        return "an Arrow IPC file"
    if head.lstrip()[:1] in (b"{", b"["):
        return "JSON-like text"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data"
    return "text"


def _is_text(kind: pa.DataType) -> bool:
    import pyarrow as pa

    types = pa.types
    if types.is_dictionary(kind):
        kind = kind.value_type
    return bool(types.is_string(kind) or types.is_large_string(kind) or types.is_string_view(kind))


def _has_map(kind: pa.DataType) -> bool:
    """Whether a map sits anywhere in ``kind`` (bounded: Arrow types are finite trees)."""
    import pyarrow as pa

    if pa.types.is_map(kind):
        return True
    return any(_has_map(kind.field(i).type) for i in range(kind.num_fields))


def _declared_bytes(group: Any, columns: list[str]) -> int:
    """Uncompressed bytes the row group's metadata declares for the leaves of ``columns``."""
    wanted = set(columns)
    total = 0
    for index in range(group.num_columns):
        chunk = group.column(index)
        if chunk.path_in_schema.split(".", 1)[0] in wanted:
            total += chunk.total_uncompressed_size
    return int(total)


def _guarded(call: Callable[[], _T], progress: ReadProgress, failure: str) -> _T:
    """``call()``, with a stream's own error kept as it is and pyarrow's or the OS's said as ``failure``."""
    import pyarrow as pa

    try:
        return call()
    except DatasetReadError as exc:
        raise _with_progress(exc, progress) from None
    except (pa.ArrowException, OSError, ValueError, EOFError, MemoryError) as exc:
        raise DatasetReadError(f"{failure}: {_reason(exc)}", progress) from None


def _read_up_to(stream: BinaryIO, size: int, progress: ReadProgress) -> bytes:
    try:
        return read_up_to(stream, size)
    except DatasetReadError as exc:
        raise _with_progress(exc, progress) from None
    except OSError as exc:
        raise DatasetReadError(f"cannot read: {_reason(exc)}", progress) from None


def _seekable(stream: BinaryIO, progress: ReadProgress) -> BinaryIO:
    """``stream`` when it can seek, else a copy in memory or in a temporary file (bounded by the stream's own
    decompression limit, which raises :class:`DatasetReadError` beyond it)."""
    try:
        if stream.seekable():
            return stream
    except (OSError, ValueError):
        pass
    spool = tempfile.SpooledTemporaryFile(max_size=MEMORY_SPOOL_BYTES)  # noqa: SIM115 -- the reader closes it
    try:
        while chunk := stream.read(1 << 20):
            spool.write(chunk)
    except DatasetReadError as exc:
        spool.close()
        progress.stopped = progress.stopped or exc.progress.stopped
        raise DatasetReadError(f"Parquet data could not be copied to seek in it: {_reason(exc)}", progress) from None
    except OSError as exc:
        spool.close()
        raise DatasetReadError(f"cannot read: {_reason(exc)}", progress) from None
    spool.seek(0)
    return cast(BinaryIO, spool)


class _Prefixed(io.RawIOBase):
    """Bytes already read from a forward-only stream, then the rest of it (to sniff a magic and read on)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._stream = stream

    @classmethod
    def wrap(cls, head: bytes, stream: BinaryIO) -> BinaryIO:
        if put_back(stream, head):
            return stream
        return cast(BinaryIO, io.BufferedReader(cls(head, stream)))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
