"""The provider rule pack (``providers.yaml``) as typed, validated records.

Each credential type is data: its provider, its documented shape, the literal anchors that feed the prefilter,
the context that must surround a key without a prefix, and an optional validator.  The pack is loaded and checked
once per process; a malformed entry fails loudly at load time, never in the middle of a scan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml
from msgspec import Struct


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    def lowered(self) -> Confidence:
        return Confidence.LOW if self is not Confidence.HIGH else Confidence.MEDIUM

    def raised(self) -> Confidence:
        return Confidence.HIGH if self is not Confidence.LOW else Confidence.MEDIUM


class ContextGate(Struct, frozen=True):
    """What must surround a key for it to count (``required``) or to be trusted more (not required)."""

    required: bool
    names: re.Pattern[str] | None = None
    """Variable / environment / config-key / flag names the key may be assigned to."""
    clients: tuple[str, ...] = ()
    """Constructor calls that take the key as a string argument on the same statement."""
    hosts: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    """Provider hosts and words that, within ``within`` lines, make a generic ``api_key = ...`` this provider's."""
    sections: tuple[str, ...] = ()
    """Config section names (``[comet]`` in ``.comet.config``) that make a generic ``api_key = ...`` this
    provider's; the ``words`` count as section names too."""
    within: int = 5


class KeyType(Struct, frozen=True):
    """One AI credential type of one provider."""

    id: str
    provider: str
    provider_name: str
    key_type: str
    pattern: str
    anchors: tuple[str, ...]
    confidence: Confidence
    reference: str
    body_chars: str = "_-"
    """Characters besides letters and digits that a key (or the token around it) may contain: a match touching
    one of them or an alphanumeric on either side is part of a longer token and is not this key."""
    min_entropy: float = 3.0
    """Shannon entropy (bits per character) a real key has at least; placeholders and words have less."""
    validator: str | None = None
    context: ContextGate | None = None
    sample: str = 'api_key = "{key}"'
    implies_provider: bool = True
    """False for general credentials (AWS IAM keys) that do not by themselves show the AI provider is used."""

    @property
    def gated(self) -> bool:
        """True for keys without a distinctive prefix, which count only inside their context."""
        return self.context is not None and self.context.required

    @property
    def priority(self) -> int:
        """Specificity when two types match the same text: the longest literal anchor inside the key wins."""
        if self.gated:
            return 0
        return max(len(anchor) for anchor in self.anchors) + (10 if self.validator else 0)

    @property
    def rule_id(self) -> str:
        return rule_id_for(self.provider)


def rule_id_for(provider: str) -> str:
    """One rule per provider: ``openai`` -> ``AISPM-SECRET-OPENAI``."""
    return "AISPM-SECRET-" + re.sub(r"[^A-Z0-9]+", "-", provider.upper()).strip("-")


class RulePack(Struct, frozen=True):
    key_types: tuple[KeyType, ...]
    generic_names: re.Pattern[str]
    documented_examples: frozenset[str]

    def by_id(self) -> Mapping[str, KeyType]:
        return {kt.id: kt for kt in self.key_types}


class PackError(ValueError):
    """The rule pack is malformed; the message names the entry and the field."""


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PackError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def _compile(pattern: str, where: str, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise PackError(f"{where}: invalid regular expression: {exc}") from None


def _parse_context(raw: object, where: str) -> ContextGate | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise PackError(f"{where}: context must be a mapping")
    names = raw.get("names")
    gate = ContextGate(
        required=bool(raw.get("required", True)),
        names=_compile(f"(?:{names})", f"{where}.names", re.IGNORECASE) if names else None,
        clients=_strings(raw.get("clients"), f"{where}.clients"),
        hosts=_strings(raw.get("hosts"), f"{where}.hosts"),
        words=_strings(raw.get("words"), f"{where}.words"),
        sections=_strings(raw.get("sections"), f"{where}.sections"),
        within=int(raw.get("within", 5)),
    )
    if not (gate.names or gate.clients or gate.hosts or gate.words or gate.sections):
        raise PackError(f"{where}: a context needs names, clients, hosts, words or sections")
    return gate


def _parse_key_type(raw: Mapping[str, Any]) -> KeyType:
    where = f"key type {raw.get('id', '?')!r}"
    try:
        pattern = str(raw["pattern"])
        _compile(pattern, f"{where}.pattern")
        if re.search(r"\(\?<?[=!]", pattern):
            raise PackError(f"{where}: look-arounds are not allowed (the pattern must also compile for re2)")
        if any(int(bound) > 1000 for bound in re.findall(r"\{(?:\d+,)?(\d+)\}", pattern)):
            raise PackError(f"{where}: repetition counts above 1000 are not allowed (re2's limit)")
        key_type = KeyType(
            id=str(raw["id"]),
            provider=str(raw["provider"]),
            provider_name=str(raw["provider_name"]),
            key_type=str(raw["key_type"]),
            pattern=pattern,
            anchors=_strings(raw["anchors"], f"{where}.anchors"),
            confidence=Confidence(str(raw.get("confidence", "medium"))),
            reference=str(raw["reference"]),
            body_chars=str(raw.get("body_chars", "_-")),
            min_entropy=float(raw.get("min_entropy", 3.0)),
            validator=str(raw["validator"]) if raw.get("validator") else None,
            context=_parse_context(raw.get("context"), f"{where}.context"),
            sample=str(raw.get("sample", 'api_key = "{key}"')),
            implies_provider=bool(raw.get("implies_provider", True)),
        )
    except KeyError as exc:
        raise PackError(f"{where}: missing field {exc}") from None
    except ValueError as exc:
        raise PackError(f"{where}: {exc}") from None
    if not key_type.anchors:
        raise PackError(f"{where}: at least one anchor is needed for the prefilter")
    if "{key}" not in key_type.sample:
        raise PackError(f"{where}: sample must contain {{key}}")
    return key_type


def parse_pack(text: str) -> RulePack:
    """Parse and check a rule pack text (YAML, safe loader)."""
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("key_types"), list):
        raise PackError("rule pack must be a mapping with a 'key_types' list")
    key_types = tuple(_parse_key_type(entry) for entry in data["key_types"])
    seen: set[str] = set()
    for kt in key_types:
        if kt.id in seen:
            raise PackError(f"duplicate key type id {kt.id!r}")
        seen.add(kt.id)
    return RulePack(
        key_types=key_types,
        generic_names=_compile(f"(?:{data.get('generic_names') or 'api[_-]?key'})", "generic_names", re.I),
        documented_examples=frozenset(_strings(data.get("documented_examples"), "documented_examples")),
    )


@cache
def load_pack() -> RulePack:
    """The built-in rule pack, loaded once per process."""
    text = resources.files(__name__.rpartition(".")[0]).joinpath("providers.yaml").read_text("utf-8")
    return parse_pack(text)
