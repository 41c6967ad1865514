"""Field names that are safe to show: a column or key name can itself be personal data.

A CSV without a header row has its first record read as the header, a JSON object may be keyed by email address,
a Parquet map by customer name: those names reach sample locations, messages and every report.  So a field name
leaves the scanner only when it is a short, plain identifier in which no detector finds anything; any other name is
shown as :data:`REDACTED_FIELD`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from aispm.checks.pii.contextual import find_contextual
from aispm.checks.pii.entities import find_entities
from aispm.checks.pii.records import Cell

REDACTED_FIELD = "<redacted field>"
MAX_FIELD_CHARS = 80
MAX_FIELD_DIGITS = 6
"""More digits than this in a name is a number (a phone, an id), not a label (``address_line_2``, ``q1_2024``)."""

_PLAIN = re.compile(r"[^\W\d][\w .\-/\[\]]*", re.UNICODE)
"""A letter or ``_`` first, then letters, digits and the separators of column names and dotted key paths."""
_PROBE_FIELDS = (None, "name", "address", "dob")
"""The name is tried as a value of free text and of the context fields whose detectors need no keyword (a bare
``name`` column: a label such as "First Name" is no person, "Priya Raman" is)."""


@lru_cache(maxsize=4096)  # a dataset has few distinct field names, each seen many times
def safe_field_name(name: str | None) -> str | None:
    """``name`` when it is a plain identifier holding no personal data, else :data:`REDACTED_FIELD`."""
    if name is None:
        return None
    if not is_plain_identifier(name) or holds_personal_data(name):
        return REDACTED_FIELD
    return name


def is_plain_identifier(name: str) -> bool:
    """Short, letters first, few digits, no ``@`` or other punctuation a value has and a label does not."""
    if len(name) > MAX_FIELD_CHARS or _PLAIN.fullmatch(name) is None:
        return False
    return sum(char.isdigit() for char in name) <= MAX_FIELD_DIGITS


def holds_personal_data(text: str) -> bool:
    """Whether any detector finds something in ``text`` (whole, or one segment of a dotted path)."""
    if find_entities(text):
        return True
    segments = {text, *text.split(".")}
    return any(find_contextual(Cell(segment, field)) for segment in segments if segment for field in _PROBE_FIELDS)
