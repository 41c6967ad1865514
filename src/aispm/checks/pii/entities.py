"""Find personal-data entities in text: compiled regexes propose candidates, validators keep the real ones.

An :class:`Entity` records where a value is and what type it is, plus a redacted form for reports; the raw value is
never stored on it, so no repr, log line or finding built from an entity can leak the data it points at.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from enum import StrEnum

from msgspec import Struct

from aispm.checks.pii.tokens import PREFILTER as TOKEN_PREFILTER
from aispm.checks.pii.tokens import find_tokens
from aispm.checks.pii.validators import (
    digits_only,
    is_mobile_number,
    is_public_ip,
    is_real_email,
    is_valid_card,
    is_valid_iban,
    is_valid_nino,
    is_valid_phone,
    is_valid_ssn,
)

MASK = "*"
# Words just before a number that make it an order/invoice/tracking reference rather than a card or a phone.
REFERENCE_CONTEXT = re.compile(
    r"\b(?:order|invoice|inv|ref|reference|tracking|ticket|sku|po)(?:\s*(?:no|nr|num|number|id)\b)?\W{0,4}#?\s*$", re.I
)
CONTEXT_WINDOW = 24


class EntityType(StrEnum):
    """The personal-data types a dataset is classified by."""

    EMAIL = "email"
    PHONE = "phone"
    PAYMENT_CARD = "payment-card"
    US_SSN = "us-ssn"
    IBAN = "iban"
    UK_NINO = "uk-nino"
    IP_ADDRESS = "ip-address"
    # Found by field or inline context (``dob`` column, "MRN:"), see :mod:`.contextual`.
    DATE_OF_BIRTH = "date-of-birth"
    MEDICAL_RECORD_NUMBER = "medical-record-number"
    PERSON_NAME = "person-name"
    POSTAL_ADDRESS = "postal-address"
    # Found by the credential engine of the secrets family.
    CREDENTIAL = "credential"
    # National ids with check digits, found by field or inline keyword, see :mod:`.national_ids`.
    CA_SIN = "ca-sin"
    IN_AADHAAR = "in-aadhaar"
    NL_BSN = "nl-bsn"
    ES_DNI = "es-dni"


class Entity(Struct, frozen=True):
    """One validated entity: its type, ``text[start:end]`` offsets and a redacted form (never the value)."""

    type: EntityType
    start: int
    end: int
    redacted: str


def _mask_keep_tail(value: str, keep: int) -> str:
    """``****1111``: the length of the value shown with only its last ``keep`` characters."""
    compact = value.replace(" ", "").replace("-", "")
    return MASK * max(0, len(compact) - keep) + (compact[-keep:] if keep else "")


def redact(entity_type: EntityType, value: str) -> str:
    """A display form that says what the value is without revealing it (card: last four digits, as PCI DSS allows)."""
    if entity_type is EntityType.PAYMENT_CARD:
        return _mask_keep_tail(digits_only(value), 4)
    if entity_type is EntityType.EMAIL:
        local, domain = value.rsplit("@", 1)
        return f"{local[0]}{MASK * 3}@{MASK * 3}.{domain.rsplit('.', 1)[-1]}"
    if entity_type is EntityType.IBAN:
        compact = value.replace(" ", "").upper()
        return compact[:2] + MASK * (len(compact) - 2)
    if entity_type is EntityType.IP_ADDRESS:
        return "IPv6:" + MASK * 3 if ":" in value else "IPv4:" + MASK * 3
    if entity_type is EntityType.PHONE:
        digits = digits_only(value)
        return ("+" if value.startswith("+") else "") + MASK * max(0, len(digits) - 2) + digits[-2:]
    return MASK * len(value.replace(" ", "").replace("-", ""))


# Candidate patterns (ASCII digits only: the validators do arithmetic on them, and the block prefilter runs on
# UTF-8 bytes).  The look-arounds stop a match inside a longer word, number, UUID (its groups are joined by
# dashes to hex), path or version string, so UUIDs, ``ORD-2024-...`` ids and ``v1.2.3.4`` never match.
# Each pattern opens with a plain character class (the lookbehind comes after it) so that ``re`` can skip ahead fast.
_STANDALONE_DIGIT = r"[0-9](?<![\w.+/-][0-9])"
_STANDALONE_END = r"(?![\w/]|[.-]\w)"
_PATTERNS: dict[EntityType, re.Pattern[str]] = {
    EntityType.EMAIL: re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b"),
    EntityType.PAYMENT_CARD: re.compile(
        _STANDALONE_DIGIT
        + r"(?:[0-9]{3}([ -]?)[0-9]{4}\1[0-9]{4}\1[0-9]{1,7}|[0-9]{3}([ -]?)[0-9]{6}\2[0-9]{4,5})"
        + _STANDALONE_END
    ),
    EntityType.US_SSN: re.compile(_STANDALONE_DIGIT + r"[0-9]{2}([- ])[0-9]{2}\1[0-9]{4}" + _STANDALONE_END),
    EntityType.IBAN: re.compile(
        r"[A-Z](?<=\b[A-Z])[A-Z][0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)\b"
    ),
    EntityType.UK_NINO: re.compile(r"[A-Z](?<=\b[A-Z])[A-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b"),
    EntityType.IP_ADDRESS: re.compile(
        r"(?<![\w.:])(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![\w.]|\.[0-9])|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:]))"
    ),
    EntityType.PHONE: re.compile(r"(?<![\w+])\+[0-9][0-9 ().-]{6,20}[0-9](?![\w])"),
}
# National numbers whose form alone says "phone", found without a cue: the three ways North Americans write a
# number -- (NPA) NXX-XXXX, NPA-NXX-XXXX, NPA.NXX.XXXX -- and a UK mobile with its usual space (07xxx xxxxxx).  The
# number must still be valid and assigned in its plan (phonenumbers, not just the shape) and not a fiction range;
# spaced or bare digit runs, SSN-shaped ddd-dd-dddd and dddd-dddd-ddd invoice numbers have other forms.
_PHONE_BY_FORM = re.compile(
    r"(?<![\w+(.-])(?:\([2-9][0-9]{2}\) ?[2-9][0-9]{2}-[0-9]{4}|[2-9][0-9]{2}-[2-9][0-9]{2}-[0-9]{4}"
    r"|[2-9][0-9]{2}\.[2-9][0-9]{2}\.[0-9]{4}|07[0-9]{3} (?:[0-9]{6}|[0-9]{3} [0-9]{3}))(?![\w]|[.-][0-9])"
)
# International numbers dialled with the ``00`` prefix instead of ``+`` (0044 7911 123856): a space after the country
# code keeps record numbers such as 00382463 out.
_INTERNATIONAL_00 = re.compile(r"(?<![\w+.-])00[1-9][0-9]{0,2} [0-9][0-9 ().-]{5,16}[0-9](?![\w]|[.-][0-9])")
_NATIONAL_PHONE = re.compile(
    r"(?<![\w+(.-])(?:\([0-9]{2,4}\) ?|[0-9]{2,4}[ .-])[0-9]{3,4}[ .-][0-9]{3,4}(?![\w]|[.-][0-9])"
)
# Necessary conditions for the dataset scanner's block prefilter (:mod:`.prefilter`): a text in which none of these
# occurs holds no entity that :func:`find_entities` reports (without ``phone_region``).  Hyperscan-compatible (no
# look-arounds or back-references), ASCII only, never across a line end (``^`` and ``$`` match at every line end);
# the bool says "case-insensitive".  Raw JSON
# text is prefiltered too: no character these need is ever escaped by a JSON writer.
_HEX = "[0-9A-Fa-f]"
PREFILTER_PATTERNS: dict[EntityType, tuple[tuple[str, bool], ...]] = {
    EntityType.EMAIL: ((r"[A-Za-z0-9._%+-]@[A-Za-z0-9-]+\.[A-Za-z0-9-]", False),),
    EntityType.PAYMENT_CARD: (
        (r"[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]", False),
        (r"[0-9]{4}[ -]?[0-9]{6}[ -]?[0-9]{4}", False),
    ),
    EntityType.US_SSN: ((r"[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}", False),),
    EntityType.IBAN: ((r"[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11}| [A-Z0-9]{4} [A-Z0-9]{4})", False),),
    EntityType.UK_NINO: ((r"[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]", False),),
    EntityType.IP_ADDRESS: (
        (r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", False),
        # A valid IPv6 address either has all eight groups or a "::"; the run of hex digits and colons around that
        # "::" stands alone (``std::vector``, ``Vec::new`` are code).  ``^``/``$`` are line ends (multi-line mode).
        (
            f"(?:{_HEX}{{1,4}}:){{7}}{_HEX}|(?:^|[^0-9A-Za-z_.:\n])[0-9A-Fa-f:]*::[0-9A-Fa-f:]*(?:[^0-9A-Za-z_:\n]|$)",
            False,
        ),
    ),
    EntityType.PHONE: (
        (r"\+[0-9][0-9 ().-]{6,20}[0-9]", False),
        (r"\([2-9][0-9]{2}\) ?[2-9][0-9]{2}-[0-9]{4}", False),
        (r"[2-9][0-9]{2}-[2-9][0-9]{2}-[0-9]{4}", False),
        (r"[2-9][0-9]{2}\.[2-9][0-9]{2}\.[0-9]{4}", False),
        (r"07[0-9]{3} [0-9]{3} ?[0-9]{3}", False),
        (r"00[1-9][0-9]{0,2} [0-9][0-9 ().-]{5,16}[0-9]", False),
    ),
}
PREFILTER_PATTERNS[EntityType.CREDENTIAL] = TOKEN_PREFILTER
# Most specific first: when two candidates overlap, the earlier type wins.
_PRIORITY = (
    EntityType.EMAIL,
    EntityType.IBAN,
    EntityType.UK_NINO,
    EntityType.PAYMENT_CARD,
    EntityType.US_SSN,
    EntityType.IP_ADDRESS,
    EntityType.PHONE,
)
_VALIDATORS: dict[EntityType, Callable[[str], bool]] = {
    EntityType.EMAIL: is_real_email,
    EntityType.PAYMENT_CARD: is_valid_card,
    EntityType.US_SSN: is_valid_ssn,
    EntityType.IBAN: is_valid_iban,
    EntityType.UK_NINO: is_valid_nino,
    EntityType.IP_ADDRESS: is_public_ip,
}
# Cheap prefilters: a type whose marker character is absent from the text cannot match.
_ANY_DIGIT = re.compile(r"[0-9]")  # every type but email needs one
_NEEDS: dict[EntityType, str] = {EntityType.EMAIL: "@", EntityType.PHONE: "+"}


_VERSION_BEFORE = re.compile(r"(?i:\b(?:version|ver|release|build|firmware|v))[.:]?[ \t]*\Z")


def _is_version(text: str, start: int) -> bool:
    """``version 1.2.3.4``: a dotted quad named as a version number is no address."""
    return _VERSION_BEFORE.search(text, max(0, start - 16), start) is not None


def _is_reference_number(text: str, start: int) -> bool:
    """``Order #4000 1234 5678 9010``: a number introduced as an order, invoice or tracking reference."""
    return REFERENCE_CONTEXT.search(text[max(0, start - CONTEXT_WINDOW) : start]) is not None


def _is_mobile_or_valid(value: str, region: str) -> bool:
    """Valid and assigned in ``region``'s plan; a UK 07 number must be a mobile (070 and 076 are personal numbers and
    pagers, often a business's)."""
    if not is_valid_phone(value, region):
        return False
    return region != "GB" or is_mobile_number(value, region)


def _candidates(text: str, phone_region: str | None) -> list[tuple[int, int, EntityType]]:
    """Every validated match as ``(start, end, type)``, overlapping ones included."""
    found: list[tuple[int, int, EntityType]] = []
    has_digit = _ANY_DIGIT.search(text) is not None
    for entity_type in _PRIORITY:
        if not has_digit and entity_type is not EntityType.EMAIL:
            continue
        marker = _NEEDS.get(entity_type)
        if marker is not None and marker not in text:
            continue
        for match in _PATTERNS[entity_type].finditer(text):
            value = match.group()
            if entity_type in (EntityType.PAYMENT_CARD, EntityType.PHONE) and _is_reference_number(text, match.start()):
                continue
            if entity_type is EntityType.IP_ADDRESS and _is_version(text, match.start()):
                continue
            valid = is_valid_phone(value) if entity_type is EntityType.PHONE else _VALIDATORS[entity_type](value)
            if valid:
                found.append((match.start(), match.end(), entity_type))
    if has_digit and "00" in text:
        for match in _INTERNATIONAL_00.finditer(text):
            if not _is_reference_number(text, match.start()) and is_valid_phone("+" + match.group()[2:]):
                found.append((match.start(), match.end(), EntityType.PHONE))
    if has_digit:
        for match in _PHONE_BY_FORM.finditer(text):
            value = match.group()
            region = "GB" if value.startswith("07") else "US"
            if not _is_reference_number(text, match.start()) and _is_mobile_or_valid(value, region):
                found.append((match.start(), match.end(), EntityType.PHONE))
    if phone_region is not None:
        for match in _NATIONAL_PHONE.finditer(text):
            if not _is_reference_number(text, match.start()) and is_valid_phone(match.group(), phone_region):
                found.append((match.start(), match.end(), EntityType.PHONE))
    return found


class _DisjointSpans:
    """Non-overlapping ``[start, end)`` spans kept sorted, so an overlap test is a binary search, not a scan."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, start: int, end: int) -> bool:
        """Claim the span unless it overlaps one already claimed; True when it was claimed."""
        index = bisect.bisect_right(self._starts, start)
        if index and self._ends[index - 1] > start:
            return False
        if index < len(self._starts) and self._starts[index] < end:
            return False
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        return True


def find_entities(text: str, phone_region: str | None = None) -> list[Entity]:
    """The validated entities in ``text``, in order, without overlaps.

    ``phone_region`` (an ISO country code such as ``"US"``) also accepts national-format phone numbers of that
    country; without it only international (``+``) numbers count, since bare digit runs are mostly ids.
    """
    taken = _DisjointSpans()
    kept: list[Entity] = []
    # Credentials first: a token or a password may hold digits that look like something else.
    for start, end, redacted in find_tokens(text):
        if taken.add(start, end):
            kept.append(Entity(EntityType.CREDENTIAL, start, end, redacted))
    rank = {entity_type: index for index, entity_type in enumerate(_PRIORITY)}
    candidates = sorted(_candidates(text, phone_region), key=lambda item: (rank[item[2]], item[0]))
    for start, end, entity_type in candidates:
        if taken.add(start, end):
            kept.append(Entity(entity_type, start, end, redact(entity_type, text[start:end])))
    kept.sort(key=lambda entity: entity.start)
    return kept
