"""Classify one dataset file: which personal data it holds, how much, and where -- never the values themselves.

A reader turns the file into batches (:mod:`.records`); for each batch the block prefilter (:mod:`.prefilter`)
names the few lines or cells where a detector could find something, and only those are parsed and analysed:
validated pattern entities (:func:`.entities.find_entities`), entities that need a field name or inline context
(``contextual.find_contextual``), and credentials through the secrets engine.  Cells of a context field (``dob``,
``ssn``, ``address``) are always analysed, whatever the prefilter says; fields that name a timestamp or an id
(``created_at``, ``order_id``) never yield dates of birth or phone numbers, and ids never card or national numbers.

The result is a :class:`DatasetProfile`: per entity type a count, a few sample locations (line, or row and
column) and a few redacted examples.  :func:`scan_dataset` never raises on bad data: a file that breaks off is
profiled as far as it was read, with the error.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from msgspec import Struct, field

from aispm.checks.pii.context import NEVER_REPORTED, FieldKind, field_kind, is_context_field
from aispm.checks.pii.contextual import find_contextual
from aispm.checks.pii.entities import Entity, EntityType, find_entities
from aispm.checks.pii.field_names import safe_field_name
from aispm.checks.pii.prefilter import ALL_FAMILIES, CONTEXTUAL, ENTITIES, Prefilter, build_prefilter
from aispm.checks.pii.readers import reader_for
from aispm.checks.pii.records import (
    Batch,
    Cell,
    ColumnBlock,
    DatasetReadError,
    LineBlock,
    ReadLimits,
    ReadProgress,
    describe_error,
)
from aispm.checks.secrets.redact import FINGERPRINT_CHARS
from aispm.model import JSONValue

MAX_SAMPLES = 5
"""Sample locations kept per entity type."""
MAX_EXAMPLES = 3
"""Distinct redacted examples kept per entity type."""
DEFAULT_PHONE_REGION = "US"
"""Region of national-format numbers in a ``phone`` column (international ``+`` numbers are found anywhere)."""


class SampleLocation(Struct, frozen=True):
    """Where one entity was seen: a line (text, JSON, CSV) and/or a row and column (tables).

    ``field`` is shown in reports: make it with :meth:`of` (or :func:`safe_field_name`), never from a raw name.
    """

    line: int | None = None
    row: int | None = None
    field: str | None = None

    @classmethod
    def of(cls, cell: Cell) -> SampleLocation:
        """The location of ``cell``, its field name shown only when it is safe to show."""
        return cls(cell.line, cell.row, safe_field_name(cell.field))

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {}
        if self.line is not None:
            out["line"] = self.line
        if self.row is not None:
            out["row"] = self.row
        if self.field is not None:
            out["column"] = self.field
        return out


class EntityStats(Struct):
    """How often one entity type occurs in a file, and a few places and redacted forms to show."""

    count: int = 0
    samples: list[SampleLocation] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    fields: dict[str, int] = field(default_factory=dict)

    def add(self, location: SampleLocation, redacted: str) -> None:
        self.count += 1
        if len(self.samples) < MAX_SAMPLES and location not in self.samples:
            self.samples.append(location)
        if len(self.examples) < MAX_EXAMPLES and redacted not in self.examples:
            self.examples.append(redacted)
        if location.field is not None and (location.field in self.fields or len(self.fields) < 20):
            self.fields[location.field] = self.fields.get(location.field, 0) + 1


class DatasetProfile(Struct):
    """What one dataset file holds: entity statistics, how much was read, and why reading stopped if it did."""

    format: str | None
    path: str | None = None
    entities: dict[EntityType, EntityStats] = field(default_factory=dict)
    rows: int = 0
    bytes: int = 0
    cells_analysed: int = 0
    stopped: str | None = None
    sampled: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def entity_types(self) -> list[EntityType]:
        """The types found, most frequent first."""
        return sorted(self.entities, key=lambda t: (-self.entities[t].count, t.value))


class _Credentials:
    """The secrets engine over dataset text: every non-decoy key as a CREDENTIAL with the secrets redaction.

    The engine tries a key type's pattern over its whole input once one of its anchors occurs anywhere in it; over
    a 4 MB block of a corpus that mentions a key now and then, that is most of the scan time.  So the engine gets
    only the lines around anchor hits: a key sits on an anchor's line (or, for key types that need context words,
    within ``within`` lines of one), and its context within ``within`` lines of the key.
    """

    def __init__(self, path: str) -> None:
        from aispm.checks.secrets.engine import default_engine

        self.path = path
        self.engine = default_engine()
        widest = max((kt.context.within for kt in self.engine.pack.key_types if kt.context), default=5)
        self.reach = 2 * widest + 2

    def find(self, text: str) -> list[tuple[int, str]]:
        """``(line, redacted)`` of each key in ``text`` (line 1-based within ``text``)."""
        found: list[tuple[int, str]] = []
        for first_line, window in self._windows(text):
            found.extend((first_line + line - 1, redacted) for line, redacted in self._find(window))
        return found

    def _windows(self, text: str) -> Iterator[tuple[int, str]]:
        """``(first line, text)`` of the runs of lines within ``reach`` lines of an anchor hit."""
        hits = self.engine.prefilter.scan(text)
        if not hits:
            return
        if hits.saturated:  # an anchor on every other line: windows would not save anything
            yield 1, text
            return
        spans: list[list[int]] = []
        for offset in sorted(offset for offsets in hits.offsets.values() for offset in offsets):
            if spans and offset < spans[-1][1]:
                continue
            low = _lines_before(text, offset, self.reach)
            high = _lines_after(text, offset, self.reach)
            if spans and low <= spans[-1][1]:
                spans[-1][1] = high
            else:
                spans.append([low, high])
        line, counted_to = 1, 0
        for low, high in spans:
            line += text.count("\n", counted_to, low)
            counted_to = low
            yield line, text[low:high]

    def _find(self, text: str) -> list[tuple[int, str]]:
        from aispm.checks.secrets.analyser import prefix_length
        from aispm.checks.secrets.decoys import judge
        from aispm.checks.secrets.extract import Segment
        from aispm.checks.secrets.redact import redact

        engine = self.engine
        candidates = engine.scan([Segment(text, "text")], text)
        found: list[tuple[int, str]] = []
        documented = engine.pack.documented_examples
        for candidate in candidates:
            key_type = candidate.key_type
            if judge(candidate, self.path, documented, engine.hex_body(key_type)).suppression is not None:
                continue
            shown = redact(candidate.secret, prefix_length(key_type, candidate.secret))
            found.append((candidate.line, f"{key_type.provider_name} {key_type.key_type}: {shown}"))
        return found


def _lines_before(text: str, offset: int, count: int) -> int:
    """Start of the line ``count`` lines before the one holding ``offset``."""
    start = text.rfind("\n", 0, offset) + 1
    for _ in range(count):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _lines_after(text: str, offset: int, count: int) -> int:
    """End (after its line break) of the line ``count`` lines after the one holding ``offset``."""
    end = offset
    for _ in range(count + 1):
        found = text.find("\n", end)
        if found < 0:
            return len(text)
        end = found + 1
    return end


class DatasetScanner:
    """Accumulates the profile of one file from its batches.

    ``use_prefilter=False`` analyses every cell (slow; the prefilter must never change the result, and the tests
    hold it to that); ``backend`` picks the prefilter backend (``hyperscan``/``re``, default: the fastest).
    """

    def __init__(
        self,
        path: str | None = None,
        *,
        phone_region: str | None = DEFAULT_PHONE_REGION,
        use_prefilter: bool = True,
        backend: str | None = None,
        credentials: bool = True,
        prefilter: Prefilter | None = None,
    ) -> None:
        self.path = path or ""
        self.phone_region = phone_region
        self.prefilter: Prefilter | None = None
        if use_prefilter:
            self.prefilter = prefilter or _default_prefilter(backend)
        self.credentials = _Credentials(self.path) if credentials else None
        self.stats: dict[EntityType, EntityStats] = {}
        self.cells_analysed = 0
        self._credentials_seen: set[tuple[int | None, str]] = set()

    # ------------------------------------------------------------------ batches

    def scan(self, batches: Iterable[Batch]) -> None:
        for batch in batches:
            self.scan_batch(batch)

    def scan_batch(self, batch: Batch) -> None:
        if isinstance(batch, LineBlock):
            self._scan_block(batch)
        elif isinstance(batch, ColumnBlock):
            self._scan_column(batch)
        else:
            self._scan_cells(batch)

    def _scan_block(self, block: LineBlock) -> None:
        text = block.text
        lines = text.split("\n")
        if lines and not lines[-1]:
            lines.pop()
        if self.prefilter is not None:
            hits = self.prefilter.hit_lines(text)
        else:
            hits = dict.fromkeys(range(len(lines)), ALL_FAMILIES)
        cells: list[Cell] = []
        for index in sorted(hits):
            if index < len(lines):
                cells.extend(block.cells(lines[index], block.first_line + index))
        if cells:
            self._analyse_cells(cells)
        if self.credentials is not None:
            for line, redacted in self.credentials.find(text):
                self._record(EntityType.CREDENTIAL, SampleLocation(line=block.first_line + line - 1), redacted)

    def _scan_column(self, block: ColumnBlock) -> None:
        """One prefilter pass over a column's values; cells only for those it flags (all of a context field)."""
        if self.prefilter is None or (block.field and is_context_field(block.field)):
            hits: dict[int, int] = dict.fromkeys(range(block.size), ALL_FAMILIES)
        else:
            hits = self.prefilter.hit_lines(block.text)
        for index in sorted(hits):
            cell = block.cell(index) if index < block.size else None
            if cell is not None:
                self._analyse(cell, hits[index])
        if self.credentials is not None:
            for line, redacted in self.credentials.find(block.text):
                cell = block.cell(line - 1)
                location = SampleLocation.of(cell) if cell else SampleLocation(field=safe_field_name(block.field))
                self._record(EntityType.CREDENTIAL, location, redacted)

    def _scan_cells(self, cells: list[Cell]) -> None:
        if not cells:
            return
        text = self._analyse_cells(cells)
        if self.credentials is not None:
            for line, redacted in self.credentials.find(text):
                cell = cells[line - 1]
                self._record(EntityType.CREDENTIAL, SampleLocation.of(cell), redacted)

    def _analyse_cells(self, cells: list[Cell]) -> str:
        """Analyse the cells the prefilter picks; returns the text of all cells, one line each.

        One text of all cells means one prefilter pass per batch instead of one call per cell.
        """
        text = "\n".join(cell.text.replace("\n", " ") if "\n" in cell.text else cell.text for cell in cells)
        if self.prefilter is None:
            for cell in cells:
                self._analyse(cell, ALL_FAMILIES)
            return text
        hits = self.prefilter.hit_lines(text)
        for index, cell in enumerate(cells):
            self._analyse(cell, hits.get(index, 0))
        return text

    # ------------------------------------------------------------------ one cell

    def _analyse(self, cell: Cell, families: int) -> None:
        """Run the detectors ``families`` asks for (all of them on a context field)."""
        kind = field_kind(cell.field) if cell.field else None
        if kind is not None and is_context_field(cell.field):
            families = ALL_FAMILIES
        elif not families & (ENTITIES | CONTEXTUAL):
            return
        self.cells_analysed += 1
        text = cell.text
        entities: list[Entity] = []
        if families & ENTITIES:
            region = self.phone_region if kind is FieldKind.PHONE else None
            entities = find_entities(text, region)
        if families & CONTEXTUAL:
            extra = find_contextual(cell)
            if extra:
                entities = _merge(entities, extra)
        if not entities:
            return
        location = SampleLocation.of(cell)
        never = NEVER_REPORTED.get(kind) if kind is not None else None
        for entity in entities:
            if never is not None and entity.type in never:
                continue
            self._record(entity.type, location, entity.redacted)

    def _record(self, entity_type: EntityType, location: SampleLocation, redacted: str) -> None:
        if entity_type is EntityType.CREDENTIAL:
            # The secrets engine and the token patterns may both see one key: one key is one credential.
            seen = (location.line if location.line is not None else location.row, redacted[-FINGERPRINT_CHARS:])
            if seen in self._credentials_seen:
                return
            self._credentials_seen.add(seen)
        stats = self.stats.get(entity_type)
        if stats is None:
            stats = self.stats[entity_type] = EntityStats()
        stats.add(location, redacted)

    def profile(self, fmt: str | None, progress: ReadProgress, error: str | None = None) -> DatasetProfile:
        return DatasetProfile(
            format=fmt,
            path=self.path or None,
            entities=dict(self.stats),
            rows=progress.rows,
            bytes=progress.bytes,
            cells_analysed=self.cells_analysed,
            stopped=progress.stopped,
            sampled=bool(progress.stopped and progress.stopped.startswith("sampled")),
            warnings=list(progress.warnings or ()),
            error=error,
        )


def _merge(first: list[Entity], second: list[Entity]) -> list[Entity]:
    """``first`` plus the entities of ``second`` that overlap none of them (one value is one entity)."""
    if not first:
        return second
    merged = list(first)
    for entity in second:
        if all(entity.end <= kept.start or entity.start >= kept.end for kept in first):
            merged.append(entity)
    merged.sort(key=lambda entity: entity.start)
    return merged


_PREFILTERS: dict[str | None, Prefilter] = {}


def _default_prefilter(backend: str | None) -> Prefilter:
    """Compiled once per process and backend (a Hyperscan database takes a moment to build)."""
    prefilter = _PREFILTERS.get(backend)
    if prefilter is None:
        prefilter = _PREFILTERS[backend] = build_prefilter(backend=backend)
    return prefilter


def scan_dataset(
    source: str | Path | BinaryIO,
    fmt: str | None = None,
    limits: ReadLimits | None = None,
    *,
    content: bytes | None = None,
    path: str | None = None,
    phone_region: str | None = DEFAULT_PHONE_REGION,
    use_prefilter: bool = True,
    backend: str | None = None,
    credentials: bool = True,
) -> DatasetProfile:
    """Profile one dataset file (a path, or an already decompressed binary stream with its ``fmt``).

    ``content`` is the file's bytes when they were already read (the path then only names the file); ``path``
    names a stream's file.  The other options are :class:`DatasetScanner`'s.  Never raises on bad data: unreadable
    or broken-off files give a profile with ``error`` set and everything read before the break.
    """
    limits = limits or ReadLimits()
    progress = ReadProgress()
    name = str(source) if isinstance(source, str | Path) else path
    scanner = DatasetScanner(
        name, phone_region=phone_region, use_prefilter=use_prefilter, backend=backend, credentials=credentials
    )
    stream: BinaryIO | None = None
    own_stream = False
    try:
        if isinstance(source, str | Path):
            from aispm.checks.pii.formats import open_dataset

            detected, stream = open_dataset(Path(source), limits, content)
            own_stream = True
            fmt = fmt or detected
        else:
            stream = source
        reader = reader_for(fmt) if fmt else None
        if reader is None:
            return scanner.profile(fmt, progress, f"no reader for dataset format {fmt!r}")
        scanner.scan(reader(stream, limits, progress))
    except DatasetReadError as error:
        _merge_progress(progress, error.progress)
        return scanner.profile(fmt, progress, str(error))
    except (OSError, ValueError, MemoryError, RecursionError, EOFError, csv.Error) as error:
        # A parser's message may quote the input: the profile names the kind of error only.
        return scanner.profile(fmt, progress, describe_error(error))
    finally:
        if own_stream and stream is not None:
            stream.close()
    return scanner.profile(fmt, progress)


def _merge_progress(progress: ReadProgress, other: ReadProgress) -> None:
    """Fold what a stream's own error knew (bytes decompressed) into the reader's progress."""
    if other is progress:
        return
    progress.rows = max(progress.rows, other.rows)
    progress.bytes = max(progress.bytes, other.bytes)
    progress.stopped = progress.stopped or other.stopped
    for warning in other.warnings or ():
        progress.warn(warning)
