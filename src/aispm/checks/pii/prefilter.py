"""One multi-pattern prefilter over whole blocks of a dataset: which lines (or cells) could hold personal data.

Full entity detection costs about 10 MB/s; most lines of a fine-tuning corpus hold nothing personal.  Every
detector therefore states a *necessary condition* as a regular expression (``entities.PREFILTER_PATTERNS``,
``contextual.PREFILTER``, and the JSON keys that name context fields here), and all of them are compiled into one
database that answers, for a block of many lines, which lines match and which family of detectors they need.

Backends: Hyperscan (``hyperscan`` module, the ``fast`` extra) scans the UTF-8 bytes of a block at several GB/s;
without it one combined ``re`` does the same work more slowly.  Patterns are ASCII and never span a line, and
``re`` runs with ``re.ASCII``, so both backends report the same lines with the same families (both in multi-line
mode: ``^`` and ``$`` match at line ends).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any, Protocol

from msgspec import Struct

from aispm.checks.pii.contextual import PREFILTER as CONTEXTUAL_PREFILTER
from aispm.checks.pii.entities import PREFILTER_PATTERNS
from aispm.files.hs_cache import compiled_database

ENTITIES = 1
"""Family bit: :func:`aispm.checks.pii.entities.find_entities` may find something."""
CONTEXTUAL = 2
"""Family bit: ``contextual.find_contextual`` may find something through inline context ("DOB:", "MRN")."""
FIELDS = 4
"""Family bit: a JSON key names a context field (``"dob":``), so the line must be parsed to check its value."""
ALL_FAMILIES = ENTITIES | CONTEXTUAL | FIELDS

# Words of the JSON keys whose values are always checked (see ``context.is_context_field``): a key holding none of
# them, in any case or style, is not a context field.  tests/checks/pii/test_prefilter.py checks this against the
# vocabularies of :mod:`aispm.checks.pii.context`.
FIELD_KEY_WORDS = (
    "dob", "birth", "bday", "born", "geburt", "nacimiento", "naissance", "nascita", "geboorte",
    "mrn", "med", "chart", "hospital", "health", "ehr", "emr", "patient",
    "name", "addr", "street", "residence", "post", "zip", "plz", "mail",
    "phone", "tel", "mobile", "cell", "fax", "contact",
    "ssn", "social", "itin", "sin", "insurance", "nino", "bsn", "burger", "citizen", "sofi",
    "aadhaar", "aadhar", "uidai", "dni", "nie", "nif", "documento", "national", "nid", "tax", "tin", "gov",
    "idcard", "personal", "identity",
    # Columns named after a person hold the person's name (``patient``, ``next_of_kin``): context.PERSON_ROLE_FIELDS.
    "employee", "applicant", "guardian", "kin", "nok", "caller", "passenger", "tenant", "student", "spouse", "parent",
    "mother", "father", "donor", "insured", "holder", "subscriber", "attendee", "travel", "claimant", "defendant",
    "plaintiff", "witness", "victim", "suspect", "beneficiary",
)  # fmt: skip
_SEPARATED = (r"d[ _.-]?o[ _.-]?b", r"ni[ _.-]?n", r"id[ _.-]?card")
"""Key words people also write with separators inside (``D.O.B``, ``NI_No``, ``id-card``)."""
FIELD_KEY_PATTERN = (
    "(?:" + "|".join((*map(re.escape, FIELD_KEY_WORDS), *_SEPARATED)) + r')(?:[^"\\\n]|\\u[0-9A-Fa-f]{4})*"[ \t]*:'
)
"""A JSON key containing one of the words, closed and followed by its colon: ``"patient_dob": ``.  Not a key of JSON
quoted inside a string (``{\\"name\\": ...}`` in a chat message): an escaped quote does not close a key."""


class PrefilterPattern(Struct, frozen=True):
    """One necessary-condition regex and the family of detectors it stands for."""

    expression: str
    family: int
    caseless: bool = True


def default_patterns(field_keys: bool = True) -> tuple[PrefilterPattern, ...]:
    """Every detector's condition; ``field_keys`` adds the JSON key patterns (JSON readers only need them)."""
    patterns = [
        PrefilterPattern(expression, ENTITIES, caseless)
        for conditions in PREFILTER_PATTERNS.values()
        for expression, caseless in conditions
    ]
    patterns.extend(PrefilterPattern(expression, CONTEXTUAL) for expression in CONTEXTUAL_PREFILTER)
    if field_keys:
        patterns.append(PrefilterPattern(FIELD_KEY_PATTERN, FIELDS))
    return tuple(patterns)


class Prefilter(Protocol):
    backend: str

    def hit_lines(self, text: str) -> dict[int, int]:
        """0-based index of every line of ``text`` where some pattern matches -> the families that matched."""
        ...


class RegexPrefilter:
    """Pure Python: one alternation finds the next matching line; each family's own regex then says which."""

    backend = "re"

    def __init__(self, patterns: Sequence[PrefilterPattern]) -> None:
        def wrap(pattern: PrefilterPattern) -> str:
            return f"(?i:{pattern.expression})" if pattern.caseless else f"(?:{pattern.expression})"

        flags = re.ASCII | re.MULTILINE
        self._any = re.compile("|".join(wrap(p) for p in patterns), flags) if patterns else None
        by_family: dict[int, list[str]] = {}
        for pattern in patterns:
            by_family.setdefault(pattern.family, []).append(wrap(pattern))
        self._families = [(family, re.compile("|".join(parts), flags)) for family, parts in by_family.items()]

    def hit_lines(self, text: str) -> dict[int, int]:
        hits: dict[int, int] = {}
        if self._any is None:
            return hits
        search = self._any.search
        line = 0
        counted_to = 0
        position = 0
        while (match := search(text, position)) is not None:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            if end < 0:
                end = len(text)
            line += text.count("\n", counted_to, start)
            counted_to = start
            mask = 0
            for family, regex in self._families:
                if regex.search(text, start, end) is not None:
                    mask |= family
            hits[line] = mask
            position = end + 1
        return hits


class HyperscanPrefilter:
    """Hyperscan: every pattern in one block-mode database over the block's UTF-8 bytes."""

    backend = "hyperscan"

    def __init__(self, patterns: Sequence[PrefilterPattern], module: Any) -> None:
        self._families = [pattern.family for pattern in patterns]
        # Compiled once per machine, not per scan: the cue vocabulary takes ~0.5 s to compile (see hs_cache).
        self._database = compiled_database(
            module,
            module.HS_MODE_BLOCK,
            [pattern.expression.encode("ascii") for pattern in patterns],
            list(range(len(patterns))),
            [module.HS_FLAG_MULTILINE | (module.HS_FLAG_CASELESS if pattern.caseless else 0) for pattern in patterns],
        )

    def hit_lines(self, text: str) -> dict[int, int]:
        ends: dict[int, int] = {}
        families = self._families

        def on_match(pattern: int, start: int, end: int, flags: int, context: object) -> None:
            ends[end] = ends.get(end, 0) | families[pattern]

        data = text.encode("utf-8", "surrogatepass")
        self._database.scan(data, match_event_handler=on_match)
        hits: dict[int, int] = {}
        line = 0
        counted_to = 0
        for end in sorted(ends):
            # A match never spans a line end, so the line of its last byte is the line of the match.
            line += data.count(b"\n", counted_to, end - 1)
            counted_to = end - 1
            hits[line] = hits.get(line, 0) | ends[end]
        return hits


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def build_prefilter(patterns: Sequence[PrefilterPattern] | None = None, backend: str | None = None) -> Prefilter:
    """The fastest available prefilter over ``patterns`` (default: every detector's), or the named ``backend``.

    A pattern set Hyperscan cannot compile falls back to ``re`` (same answers, slower) unless Hyperscan was asked for.
    """
    patterns = default_patterns() if patterns is None else tuple(patterns)
    if backend in (None, "hyperscan"):
        module = _optional("hyperscan")
        if module is None and backend == "hyperscan":
            raise RuntimeError("hyperscan is not installed")
        if module is not None:
            try:
                return HyperscanPrefilter(patterns, module)
            except Exception:  # hyperscan.error: a pattern it does not support
                if backend == "hyperscan":
                    raise
    if backend not in (None, "re", "hyperscan"):
        raise ValueError(f"unknown prefilter backend {backend!r}")
    return RegexPrefilter(patterns)
