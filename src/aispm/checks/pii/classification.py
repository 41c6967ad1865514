"""How sensitive each personal-data entity type is, and the sensitivity level of a dataset that holds some.

The table is data (``classification.yaml``): per entity type, the rule its findings raise, its level and the label
reports use.  A dataset is as sensitive as the most sensitive type found in it, so one payment card makes a whole
corpus ``restricted``.  Entity types missing from the table are national identifiers (the only kind appended to
:class:`~aispm.checks.pii.entities.EntityType` outside the pattern set), so they default to the national-id rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from msgspec import Struct

from aispm.files.structured import load_shipped_yaml

LEVELS = ("public", "internal", "confidential", "restricted")
"""Sensitivity levels, least to most sensitive (meanings in ``classification.yaml``)."""

NO_PERSONAL_DATA = LEVELS[0]
UNKNOWN = "unknown"
"""Not a level: what a dataset is when a file could not be read to the end and nothing was found in the rest."""
NATIONAL_ID_RULE = "AISPM-PII-NATIONAL-ID"
INCOMPLETE_RULE = "AISPM-PII-INCOMPLETE"


class EntityClass(Struct, frozen=True):
    """What aispm does with one entity type: the rule of its findings, its sensitivity level, its display label."""

    rule_id: str
    level: str
    label: str
    plural: str = ""

    def counted(self, count: int) -> str:
        """``1 email address``, ``3 dates of birth``."""
        return f"{count} {self.label if count == 1 else self.plural or self.label + 's'}"


@cache
def entity_classes() -> dict[str, EntityClass]:
    """The table, by entity type value (``email``, ``payment-card`` ...)."""
    text = Path(__file__).with_name("classification.yaml").read_text("utf-8")
    table: dict[str, EntityClass] = {}
    for name, entry in (load_shipped_yaml(text) or {}).items():
        level = str(entry["level"])
        if level not in LEVELS:
            raise ValueError(f"classification.yaml: {name} has unknown level {level!r}")
        table[str(name)] = EntityClass(str(entry["rule"]), level, str(entry["label"]), str(entry.get("plural", "")))
    return table


def entity_class(entity_type: str) -> EntityClass:
    """The class of ``entity_type``; an unlisted type is a national identifier (restricted)."""
    known = entity_classes().get(entity_type)
    if known is not None:
        return known
    return EntityClass(NATIONAL_ID_RULE, "restricted", entity_type.replace("-", " ") + " national id")


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


def classify(entity_types: Iterable[str]) -> str:
    """The sensitivity level of a dataset holding ``entity_types``: the highest of theirs, ``public`` for none."""
    return max((entity_class(t).level for t in entity_types), key=level_rank, default=NO_PERSONAL_DATA)
