"""The matching engine: one prefilter over every anchor, exact confirmation only where anchors hit.

Built once per process (:func:`default_engine`): every key type's pattern is compiled, every literal anchor goes
into one multi-pattern prefilter (Hyperscan when installed, see :mod:`.prefilter`).  For a segment of text:

1. the prefilter reports which anchors occur and where;
2. only the key types behind those anchors are confirmed with their exact pattern -- over the whole text for
   prefixed keys, over the few lines around the context words for keys without a prefix -- in overlapping windows
   of at most :data:`WINDOW_CHARS` characters, so a 5 MB minified line costs what its hits cost;
3. each match is checked for token boundaries, its validator, and its context gate (names, client calls, a
   nearby provider host, a config section named after the provider, a provider word nearby), and its line in
   the original file is worked out;
4. overlapping matches of different types are resolved in favour of the more specific type.

Confirmation uses ``re``; patterns without a literal prefix use Google's RE2 when it is installed (linear time
whatever the input).  The engine reports candidates; deciding what is a decoy is :mod:`.decoys`' job.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from msgspec import Struct, field

from aispm.checks.secrets.extract import Segment
from aispm.checks.secrets.pack import Confidence, ContextGate, KeyType, RulePack, load_pack
from aispm.checks.secrets.prefilter import AnchorHits, Prefilter, build_prefilter
from aispm.checks.secrets.validators import DROP_ON_FAIL, VALIDATORS, Verdict
from aispm.files.content import LineIndex

WINDOW_CHARS = 1 << 20
"""Confirmation windows: long texts (minified bundles, one-line JSON) are matched in slices of this size ..."""
WINDOW_OVERLAP = 8192
"""... that overlap by more than the longest key, so a key on a slice border is still found whole."""
LOCAL_CHARS = 200
"""How much of the line before a key is read for its context (names, quotes, hash markers)."""
NEARBY_MAX_CHARS = 4000
"""Upper bound of the 'nearby lines' text on each side, so minified lines do not make every word nearby."""
REGION_SLACK = 1024

_ASSIGNMENT_TAIL = (
    r"""[\w-]*["'`\]]*\s*(?::=|=>|[:=]=?|,|\s)\s*"""  # the rest of the name, quotes, an operator
    r"""(?:[\w.]+\()?\s*[rbuf]?["'`]?\s*(?:Bearer\s+|Token\s+|Basic\s+)?$"""  # a call, a quote, a scheme
)
"""What may stand between a name and the key it is given: ``NAME=``, ``"name": "``, ``name: ``, ``--name ``,
``os.getenv("NAME", "``, ``ENV NAME `` ... ending right where the key starts."""
_VALUE_FIELD = re.compile(r"""(?:^|[\s{,-])["']?(?:value|default|secret_?value|val)["']?\s*(?::|=)\s*["'`]?$""", re.I)
"""A name/value pair split over lines: ``- name: COHERE_API_KEY`` then ``value: ...`` (Kubernetes, compose),
``variable "cohere_api_key" {`` then ``default = ...`` (Terraform)."""
_DECLARATION = r"""(?:\bname|\bkey|\bvariable|\benv(?:_?var)?)["']?\s*[:=]?\s*["']?[\w-]*?"""
_STRING_START = re.compile(r"""[rbuf]?["'`]\s*(?:Bearer\s+)?$""")
_HEX_CLASS = re.compile(r"\[(?:[^\]\\]|\\.)*(?:[g-zG-Z]|[a-zA-Z]-[g-zG-Z]|\\w)(?:[^\]\\]|\\.)*\]")
_GATE_RANK = {"names": 5, "clients": 4, "section": 3, "hosts": 2, "words": 1, None: 0}
_SECTION_HEADER = re.compile(r"""^\s*(?:\[+\s*([^\]]+?)\s*\]+|["']?([\w.@/-]+)["']?\s*:\s*\{?)\s*$""")
"""A config section header: ``[mistral]`` (INI, TOML), ``mistral:`` (YAML), ``"mistral": {`` (JSON)."""
_SECTION_PARTS = re.compile(r"[.\s\"']+")


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


class Candidate(Struct, frozen=True):
    """A confirmed match of one key type, before decoy suppression."""

    key_type: KeyType
    secret: str
    segment: Segment
    start: int
    end: int
    line: int
    confidence: Confidence
    context: str | None
    """Which context made the key count: ``names``, ``clients``, ``section``, ``hosts``, ``words`` (or None)."""
    validation: Verdict | None
    before: str
    """The text on the key's line before it (at most :data:`LOCAL_CHARS` characters)."""
    after: str


class _Compiled(Struct):
    key_type: KeyType
    regex: Any
    before: frozenset[str]
    """Characters that may not precede a key (it would be the tail of a longer token) ..."""
    after: frozenset[str]
    """... or follow it."""
    names: re.Pattern[str] | None
    declared: re.Pattern[str] | None
    """The name declared on a line of its own (``- name: COHERE_API_KEY``, ``variable "cohere_api_key"``)."""
    hex_body: bool


class _SegmentState(Struct):
    """Per-segment lazily computed helpers."""

    segment: Segment
    original: str
    _index: LineIndex | None = None
    _original_index: LineIndex | None = None
    lowered_nearby: dict[tuple[int, int], str] = field(default_factory=dict)

    def line_of(self, offset: int) -> int:
        """The line in the original file of a segment offset."""
        if self._index is None:
            self._index = LineIndex.of(self.segment.text)
        line = self._index.line_of(offset)
        line_map = self.segment.line_map
        return line if line_map is None else line_map[min(line, len(line_map)) - 1]

    def original_index(self) -> LineIndex:
        if self._original_index is None:
            self._original_index = LineIndex.of(self.original)
        return self._original_index


def _windows(start: int, end: int) -> Iterator[tuple[int, int]]:
    """Overlapping slices of ``[start, end)`` of at most :data:`WINDOW_CHARS` characters."""
    position = start
    while True:
        stop = min(end, position + WINDOW_CHARS)
        yield position, stop
        if stop >= end:
            return
        position = stop - WINDOW_OVERLAP


def _line_bounds(text: str, offset: int, lines_before: int, lines_after: int) -> tuple[int, int]:
    """Start and end offsets of the lines around ``offset``: its own line and ``lines_before`` /
    ``lines_after`` more, clipped to :data:`NEARBY_MAX_CHARS` on each side (minified lines stay local)."""
    low = max(0, offset - NEARBY_MAX_CHARS)
    high = min(len(text), offset + NEARBY_MAX_CHARS)
    start = offset
    for _ in range(lines_before + 1):
        found = text.rfind("\n", low, start)
        if found == -1:
            start = low
            break
        start = found
    else:
        start += 1
    end = offset
    for step in range(lines_after + 1):
        found = text.find("\n", end if step == 0 else end + 1, high)
        if found == -1:
            end = high
            break
        end = found
    return start, end


def _after_escape(text: str, start: int) -> bool:
    """``...\\nsk-proj-...``: a key right after an escaped newline or tab in a string literal starts a token."""
    return start >= 2 and text[start - 2] == "\\" and text[start - 1] in "ntr"


def _inside_call(lead: str, client: str) -> bool:
    """True when ``lead`` (the text up to a key) ends inside the argument list of a call to ``client``."""
    index = lead.rfind(client)
    if index == -1:
        return False
    rest = lead[index + len(client) :]
    depth = (1 if client.endswith("(") else 0) + rest.count("(") - rest.count(")")
    return depth >= 1


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class SecretEngine:
    """Compiled rule pack: call :meth:`scan` with the segments of one file."""

    def __init__(self, pack: RulePack, prefilter_backend: str | None = None, use_re2: bool = True) -> None:
        self.pack = pack
        anchors: list[str] = []
        self._anchor_types: list[list[int]] = []
        positions: dict[str, int] = {}
        re2 = _optional("re2") if use_re2 else None
        self._compiled: list[_Compiled] = []
        for type_index, key_type in enumerate(pack.key_types):
            for anchor in key_type.anchors:
                lowered = anchor.lower()
                if lowered not in positions:
                    positions[lowered] = len(anchors)
                    anchors.append(lowered)
                    self._anchor_types.append([])
                self._anchor_types[positions[lowered]].append(type_index)
            regex: Any = re.compile(key_type.pattern)
            if re2 is not None and key_type.gated:
                try:
                    regex = re2.compile(key_type.pattern)
                except Exception:  # RE2 rejects some syntax; re is always right
                    regex = re.compile(key_type.pattern)
            after = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + key_type.body_chars)
            before = after - {"="}  # base64 padding ends a token; before one, '=' is an assignment
            gate = key_type.context
            names = re.compile(gate.names.pattern + _ASSIGNMENT_TAIL, re.I) if gate and gate.names else None
            declared = re.compile(_DECLARATION + gate.names.pattern, re.I) if gate and gate.names else None
            hex_body = _HEX_CLASS.search(key_type.pattern) is None
            self._compiled.append(_Compiled(key_type, regex, before, after, names, declared, hex_body))
        self._generic = re.compile(pack.generic_names.pattern + _ASSIGNMENT_TAIL, re.I)
        self.prefilter: Prefilter = build_prefilter(anchors, prefilter_backend)

    @property
    def backend(self) -> str:
        return self.prefilter.backend

    def hex_body(self, key_type: KeyType) -> bool:
        """True when the key type's own alphabet is hexadecimal (a hex digest may then look like it)."""
        return next(c.hex_body for c in self._compiled if c.key_type is key_type)

    # ------------------------------------------------------------------ scanning

    def scan(self, segments: Sequence[Segment], original: str) -> list[Candidate]:
        """Every key in ``segments`` (the texts of one file whose original text is ``original``)."""
        found: list[Candidate] = []
        original_has_anchor: bool | None = None
        for segment in segments:
            if segment.line_map and original_has_anchor is None:
                original_has_anchor = bool(self.prefilter.scan(original))
            found.extend(self._scan_segment(segment, original, bool(original_has_anchor)))
        return found

    def _scan_segment(self, segment: Segment, original: str, original_has_anchor: bool = True) -> list[Candidate]:
        text = segment.text
        hits = self.prefilter.scan(text)
        state = _SegmentState(segment, original)
        if segment.line_map and original_has_anchor:
            # A decoded value's context words may be in the file around it (a Secret named "wandb"): anchors
            # found there make their key types worth trying on the whole segment.  (The lines around are part of
            # the file: when the file has no anchor at all, they have none either.)
            for anchor in self.prefilter.scan(self._original_around(state, segment.line_map)).offsets:
                hits.offsets.setdefault(anchor, [0])
                hits.saturated.add(anchor)
        if not hits:
            return []
        candidates: list[Candidate] = []
        for type_index, regions in self._regions(hits, text).items():
            compiled = self._compiled[type_index]
            seen: set[int] = set()
            for region_start, region_end in regions:
                for window_start, window_end in _windows(region_start, region_end):
                    for match in compiled.regex.finditer(text, window_start, window_end):
                        if match.end() == window_end < region_end:
                            continue  # perhaps cut short by the window: the next window sees it whole
                        if match.start() in seen:
                            continue
                        seen.add(match.start())
                        candidate = self._confirm(compiled, state, match.start(), match.end())
                        if candidate is not None:
                            candidates.append(candidate)
        return _resolve_overlaps(candidates)

    def _regions(self, hits: AnchorHits, text: str) -> dict[int, list[tuple[int, int]]]:
        """For each key type whose anchors hit: the text ranges its pattern must be tried in."""
        whole = [(0, len(text))]
        regions: dict[int, list[tuple[int, int]]] = {}
        for anchor, offsets in hits.offsets.items():
            for type_index in self._anchor_types[anchor]:
                key_type = self._compiled[type_index].key_type
                if not key_type.gated or anchor in hits.saturated:
                    regions[type_index] = whole
                    continue
                if regions.get(type_index) is whole:
                    continue
                within = key_type.context.within if key_type.context else 5
                ranges = regions.setdefault(type_index, [])
                for offset in offsets:
                    low, high = _line_bounds(text, offset, within, within)
                    # A little beyond a clipped (minified) line, so a key there is not cut in two.
                    ranges.append((max(0, low - REGION_SLACK), min(len(text), high + REGION_SLACK)))
        return {index: ranges if ranges is whole else _merge(ranges) for index, ranges in regions.items()}

    def _confirm(self, compiled: _Compiled, state: _SegmentState, start: int, end: int) -> Candidate | None:
        text = state.segment.text
        if start > 0 and text[start - 1] in compiled.before and not _after_escape(text, start):
            return None
        if end < len(text) and text[end] in compiled.after:
            return None
        key_type = compiled.key_type
        secret = text[start:end]
        confidence = key_type.confidence
        validation: Verdict | None = None
        if key_type.validator:
            validation = VALIDATORS[key_type.validator](secret)
            if validation is Verdict.FAIL:
                if key_type.validator in DROP_ON_FAIL:
                    return None
                confidence = confidence.lowered()
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(line_start, start - LOCAL_CHARS) : start]
        line_end = text.find("\n", end, end + LOCAL_CHARS)
        after = text[end : line_end if line_end != -1 else end + LOCAL_CHARS]
        context = self._context(compiled, state, start, before) if key_type.context else None
        if key_type.context is not None:
            if context is None:
                if key_type.context.required:
                    return None
                confidence = confidence.lowered()
            elif context == "words":
                confidence = confidence.lowered() if key_type.context.required else confidence
        return Candidate(
            key_type=key_type,
            secret=secret,
            segment=state.segment,
            start=start,
            end=end,
            line=state.line_of(start),
            confidence=confidence,
            context=context,
            validation=validation,
            before=before,
            after=after,
        )

    def _context(self, compiled: _Compiled, state: _SegmentState, start: int, before: str) -> str | None:
        """The strongest context that makes this match the key type's: names, clients, a provider host nearby, a
        config section named after the provider, or a provider word nearby."""
        gate = compiled.key_type.context
        assert gate is not None
        if compiled.names is not None and compiled.names.search(before):
            return "names"
        text = state.segment.text
        if compiled.declared is not None and _VALUE_FIELD.search(before):
            lead_start, _ = _line_bounds(text, start, 2, 0)
            line_start = text.rfind("\n", 0, start) + 1
            if lead_start < line_start and compiled.declared.search(text[lead_start:line_start]):
                return "names"
        if gate.clients and _STRING_START.search(before):
            lead_start, _ = _line_bounds(text, start, 3, 0)
            lead = text[max(lead_start, start - 400) : start]
            if any(_inside_call(lead, client) for client in gate.clients):
                return "clients"
        if (gate.hosts or gate.words or gate.sections) and self._generic.search(before):
            nearby = self._nearby(state, start, gate)
            if any(host in nearby for host in gate.hosts):
                return "hosts"
            if (gate.words or gate.sections) and self._in_section(state, start, gate):
                return "section"
            if any(word.lower() in nearby for word in gate.words):
                return "words"
        return None

    def _in_section(self, state: _SegmentState, start: int, gate: ContextGate) -> bool:
        """Whether the key sits under a config section named after the provider, within ``within`` lines."""
        text = state.segment.text
        low, _ = _line_bounds(text, start, gate.within, 0)
        line_start = text.rfind("\n", 0, start) + 1
        words = [word.lower() for word in gate.words]
        sections = {section.lower() for section in gate.sections}
        for line in reversed(text[low:line_start].splitlines()):
            header = _SECTION_HEADER.match(line)
            if header is None:
                continue
            name = (header.group(1) or header.group(2) or "").lower()
            # A word may be part of a name ([providers.mistral-eu]); a section name must be a whole part of it.
            if any(word in name for word in words) or not sections.isdisjoint(_SECTION_PARTS.split(name)):
                return True
        return False

    def _original_around(self, state: _SegmentState, lines: Sequence[int], within: int = 5) -> str:
        """The lines of the original file from ``within`` before the first of ``lines`` to ``within`` after the
        last (at most :data:`NEARBY_MAX_CHARS` around each end)."""
        original = state.original
        starts = state.original_index().starts
        first = min(max(min(lines), 1), len(starts))
        last = min(max(max(lines), 1), len(starts))
        low, _ = _line_bounds(original, starts[first - 1], within, 0)
        _, high = _line_bounds(original, starts[last - 1], 0, within)
        return original[low:high]

    def _nearby(self, state: _SegmentState, start: int, gate: ContextGate) -> str:
        """Lower-cased text of the lines around a match (in the original file for mapped segments)."""
        segment = state.segment
        if segment.line_map:
            line_start = segment.text.rfind("\n", 0, start) + 1
            line_end = segment.text.find("\n", start)
            own_line = segment.text[line_start : line_end if line_end != -1 else len(segment.text)]
            around = self._original_around(state, [state.line_of(start)], gate.within)
            return (around + "\n" + own_line).lower()
        key = (start, gate.within)
        cached = state.lowered_nearby.get(key)
        if cached is None:
            low, high = _line_bounds(segment.text, start, gate.within, gate.within)
            cached = segment.text[low:high].lower()
            state.lowered_nearby[key] = cached
        return cached


def _resolve_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Where matches of different types overlap, keep the most specific (longest literal anchor, strongest
    context); identical secrets found twice in one segment are kept once."""
    if len(candidates) < 2:
        return candidates
    ordered = sorted(candidates, key=lambda c: (-c.key_type.priority, -_GATE_RANK[c.context], c.start, c.key_type.id))
    kept: list[Candidate] = []
    spans: list[tuple[int, int]] = []
    for candidate in ordered:
        if any(candidate.start < end and start < candidate.end for start, end in spans):
            continue
        kept.append(candidate)
        spans.append((candidate.start, candidate.end))
    kept.sort(key=lambda c: c.start)
    return kept


@cache
def default_engine() -> SecretEngine:
    """The built-in pack, compiled once per process (each scan worker builds its own)."""
    return SecretEngine(load_pack())
