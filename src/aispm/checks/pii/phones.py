"""National-format phone numbers, which only a field name or a phone word right before them makes recognisable.

``+44 7911 123856`` carries its country and is :func:`.entities.find_entities`' to report anywhere; ``07911 123856``
or ``(415) 736-2671`` is a phone number only under a ``phone`` field or after "my mobile is", "call me back at" --
elsewhere such digit runs are order numbers, ids and part numbers.  Either way the number must be valid in the
numbering plan of one of :data:`PHONE_REGIONS` and outside the ranges kept for fiction (555-01xx, Ofcom's drama
numbers), and nothing between the phone word and the number may be more than a few filler words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

from aispm.checks.pii.entities import REFERENCE_CONTEXT, EntityType
from aispm.checks.pii.validators import (
    digits_only,
    is_fictional_uk_number,
    is_fictional_us_number,
    is_nanp_shaped,
    is_real_number,
)

PHONE_REGIONS = ("US", "GB", "IN", "DE", "FR", "AU", "NL", "ES", "IT", "BR")
"""Regions whose national numbering plans a number without a country code is tried against, in this order."""
MIN_INLINE_DIGITS = 9
"""A number in free text has at least this many digits (a US or UK number has ten or eleven): a six- to eight-digit
number after "call" is more often an extension, a ticket or a count than a phone."""
MAX_INLINE_DIGITS = 15  # 0044 20 7183 8750
REFERENCE_WINDOW = 24

# --- the inline cue (the prefilter form is Hyperscan-compatible: no look-arounds, no back-references) ------------
# "Call us" and "contact support" introduce a business's number, not a person's: only first-person forms count.
_CUE_WORDS = (
    "phone", "telephone", "mobile", "cell", "cellphone", "tel", "landline", "whatsapp", "sms", "callback",
)  # fmt: skip
_CUE_VERBS = ("call", "text", "reach", "ring", "contact", "phone")
_FILLERS = (
    "is", "was", "number", "no", "nr", "num", "at", "on", "me", "back", "to", "now", "its", "it", "s", "my", "new",
    "still", "here", "or", "the", "file", "best", "home", "work", "personal", "direct", "updated", "changed", "please",
    "use", "try", "you", "can", "anytime", "today", "tomorrow",
)  # fmt: skip
# Punctuation or white space between the words, raw or JSON-escaped (the prefilter reads raw JSON: "it\u2019s").
_GAP = r"(?:[^a-z0-9\n]|\\[nrt]|\\u[0-9a-f]{4})"
_SPACE = r"(?:\s|\\[nrt])"
PHONE_TRIGGER = (
    rf"(?:\b(?:{'|'.join(_CUE_WORDS)})\b|\b(?:{'|'.join(_CUE_VERBS)}){_SPACE}+me\b|\bmy{_SPACE}+number\b)"
    # Fillers without word boundaries: the looser condition compiles three times faster into Hyperscan.
    rf"(?:{_GAP}|{'|'.join(_FILLERS)})*\(?[0-9]{{2,5}}\)?[ .-]?[0-9]{{2,6}}"
)
"""A necessary condition (matched case-insensitively) for :func:`phone_inline` to find a number."""
GATE_WORDS = (*_CUE_WORDS, *_CUE_VERBS, "my number")
"""Lower-case words one of which a text must contain for :func:`phone_inline` to be worth running."""

_INLINE = re.compile(
    rf"(?i:\b(?:{'|'.join(_CUE_WORDS)})\b|\b(?:{'|'.join(_CUE_VERBS)})\s+me\b|\bmy\s+number\b)"
    rf"(?:[\s:#=,.\-'\u2019]*\b(?i:{'|'.join(_FILLERS)})\b){{0,6}}[\s:#=,.\-'\u2019]*"
    # Area code (optionally in brackets), then one to three groups: (312) 731-4114, 07477 181235, 070 3231 7488.
    r"(?<![\w+])(?P<value>\(?[0-9]{2,5}\)?(?:[ .-]?[0-9]{2,6}){1,3})(?![\w]|[ .-][0-9]|[.:/]\w)"
)
_NATIONAL_VALUE = re.compile(r"\s*((?:\+1[ .-]?)?\(?\d[\d ().-]{5,18}\d)\s*")
# Dates and runs of years ("2019 2020 2021") are no phone numbers, whatever plan they fit.
_DATE_SHAPE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}|(?:(?:19|20)\d\d[ .-]?){2,}")


_NANP_SHAPE = re.compile(r"1?[2-9][0-9]{9}")
# How North American numbers are written: (NPA) NXX-XXXX, NPA-NXX-XXXX, NPA.NXX.XXXX, NPA NXX XXXX, +1 or 1 first.
_NANP_FORM = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}([ .-]))\d{3}(?(1)\1|[ .-])\d{4}")


@lru_cache(maxsize=65_536)
def is_national_phone(value: str) -> bool:
    """Valid in the first region whose numbering plan fits it, and not a number that region keeps for fiction.

    ``555-0100`` fits the German plan as well, but a bare 555-01xx is the NANP's fiction range, whatever else it fits;
    likewise Ofcom's drama numbers.  A number in North American form (``(536) 282-4153``, ``+1-536-282-4153``) whose
    area code ``phonenumbers`` does not know yet counts too: the caller (a ``phone`` field, a phone word) already
    says it is a phone, and the plan opens new area codes faster than any metadata release follows.
    """
    digits = digits_only(value)
    if is_fictional_us_number(digits) or is_fictional_uk_number(digits):
        return False
    for region in PHONE_REGIONS:
        if region == "US" and not _NANP_SHAPE.fullmatch(digits):
            continue  # a NANP number is ten digits from 2-9 (after an optional 1): no need to ask phonenumbers
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return False
        if phonenumbers.is_valid_number(number):
            return is_real_number(number)  # (212) 555-0123 fits the US plan and is fictional: no other try
        if region == "US" and number.country_code == 1 and _NANP_FORM.fullmatch(value.strip()):
            return is_nanp_shaped(digits) and is_real_number(number)
    return False


def phone_by_field(text: str) -> Iterator[tuple[int, int, EntityType]]:
    """A national-format number (``(415) 736-2671``) under a ``phone`` field; ``+`` numbers are find_entities'."""
    match = _NATIONAL_VALUE.fullmatch(text)
    if match is not None and is_national_phone(match.group(1)):
        yield match.start(1), match.end(1), EntityType.PHONE


def phone_inline(text: str) -> Iterator[tuple[int, int, EntityType]]:
    """``My mobile is 07477 181235``, ``call me back at (312) 731-4114``: a valid number right after a phone word."""
    for match in _INLINE.finditer(text):
        value = match.group("value")
        start = match.start("value")
        if not MIN_INLINE_DIGITS <= len(digits_only(value)) <= MAX_INLINE_DIGITS or _DATE_SHAPE.fullmatch(value):
            continue
        if REFERENCE_CONTEXT.search(text[max(0, start - REFERENCE_WINDOW) : start]):  # "phone order no. 0747 ..."
            continue
        if is_national_phone(value):
            yield start, match.end("value"), EntityType.PHONE
