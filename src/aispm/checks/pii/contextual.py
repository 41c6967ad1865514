"""Personal data that only context makes recognisable: dates of birth, record numbers, names, addresses, national ids.

A date is a date of birth only under a ``dob`` field or after "date of birth"; eight digits are a medical record
number only after "MRN"; two capitalised words are a person only under ``full_name`` or after "my name is"; a
national-format phone number only under ``mobile`` or after "call me back at" (:mod:`.phones`).  So each
detector works two ways: *by field*, where the field name (see :mod:`.context`) says what the whole value is and the
value is checked for the right shape, and *inline*, in free text, where a keyword must come right before the value.
Fields that say the value is a timestamp or an id (``created_at``, ``order_id``) are never searched.

:data:`PREFILTER` lists a necessary condition for any inline find; :func:`find_contextual` itself checks it first, so a
text none of those patterns matches yields nothing unless its field is a context field.  Entities that
:func:`.entities.find_entities` reports (an SSN written ``123-45-6789``, an international phone) are left to it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

from msgspec import Struct

from aispm.checks.pii.context import FieldKind, field_kind, national_id_types
from aispm.checks.pii.entities import Entity, EntityType, find_entities, redact
from aispm.checks.pii.national_ids import is_valid_aadhaar, is_valid_bsn, is_valid_ca_sin, is_valid_es_dni
from aispm.checks.pii.ner import NamedEntityRecogniser, recognised_spans
from aispm.checks.pii.phones import GATE_WORDS as PHONE_GATE_WORDS
from aispm.checks.pii.phones import PHONE_REGIONS as PHONE_REGIONS
from aispm.checks.pii.phones import PHONE_TRIGGER, phone_by_field, phone_inline
from aispm.checks.pii.records import Cell
from aispm.checks.pii.validators import is_valid_nino, is_valid_ssn
from aispm.files.structured import load_shipped_yaml

OLDEST_BIRTH_YEAR = 1900
MAX_NAME_WORDS = 4
MAX_ADDRESS_CHARS = 200
TRIGGER_REACH = 120  # how far before an inline value its keyword may start


# --- vocabularies --------------------------------------------------------------------------------------------------
class _NameWords(Struct, frozen=True):
    given: frozenset[str]
    not_name: frozenset[str]
    placeholder: frozenset[str]


@lru_cache(maxsize=1)
def _name_words() -> _NameWords:
    data = load_shipped_yaml(Path(__file__).with_name("names.yaml").read_text(encoding="utf-8"))
    return _NameWords(*(frozenset(str(data[key]).split()) for key in ("given", "not_name", "placeholder")))


# --- necessary conditions for inline finds (Hyperscan-compatible: no look-arounds, no back-references) ----------
# Matched case-insensitively, so a letter that must be a capital is written ``(?-i:[A-Z])``: "customer support",
# "patient portal" and "sin(x)" are everywhere in chat and code, "Customer Priya" and "SIN 441 ..." are not.  The
# block prefilter also runs on raw JSON Lines, where a tab, a newline or an accented capital inside a string is an
# escape (``\t``, ``\n``, ``\u00c9``): the gaps and capitals below accept those too, so a line never passes as a
# decoded cell yet fails as raw text.
_STRONG_STREET = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|terrace|parkway|pkwy|highway|hwy|crescent"
    "|place|pl|circle|cir|way|square|sq"
)
# Suffixes that are also everyday words ("rest", "view", "park"): an address only with a city/ZIP or postcode tail.
_WEAK_STREET = (
    "alley|bend|bridge|close|common|cove|creek|crossing|estates|gardens|glen|green|grove|heights|hill|hollow|loop"
    "|manor|meadows?|mews|mill|mission|parade|park|pass|path|pike|plaza|point|ridge|row|run|springs?|trail|trl|valley"
    "|view|vista|walk|wharf|wood|yard"
)
_BLANK = r"(?:[ \t]|\\t)"  # a space or tab, raw or JSON-escaped
_SPACE = r"(?:\s|\\[nrt])"  # any white space, raw or JSON-escaped
# An upper-case letter, À-Þ and Latin Extended-A/B (Ł, Ś, Ž) included, as UTF-8 or JSON-escaped.
_CAPITAL = r"(?:(?-i:[A-Z])|[^\x00-\x7f]|\\u00[cdCD]|\\u01[0-9a-fA-F]|\\u02[0-4])"
_GAP = r"(?:[^a-z0-9\n]|\\[nrt])"  # punctuation or white space (raw or JSON-escaped) between a keyword and its value
_DATE_START = r"(?:[0-9]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
_DOB_WORDS = (
    r"\bdob\b|\bd\.o\.b\b|\bdate of birth\b|\bbirth ?date\b|\bbirthday\b|\bborn\b|\bgeburtsdatum\b"
    r"|\bfecha de nacimiento\b|\bdate de naissance\b"
)
# The keyword, then only punctuation, white space and up to three of "is/was/on/the/of" before the date opens.
_DOB_TRIGGER = rf"(?:{_DOB_WORDS}){_GAP}*(?:(?:is|was|on|the|of){_GAP}*){{0,3}}{_DATE_START}"
_MRN_WORDS = (
    r"\bmrn\b|\bmedical record\b|\bmed\.? ?rec\b|\bpatient (?:id|number|no|nr)\b|\bchart(?: (?:number|no|nr)\b| ?#)"
    r"|\bhospital (?:number|no)\b"
)
# The keyword, punctuation and "number"/"is", then the value: five digits in a row, or two to four and a hyphen
# (``230-7036``: hospitals print record numbers in groups as often as not).
_MRN_TRIGGER = rf"(?:{_MRN_WORDS})(?:{_GAP}|number|no|nr|num|is)*(?:[a-z]{{1,4}}[-#]?)?[0-9]{{2,4}}-?[0-9]{{3}}"
_ROLES = (
    "patient|pt|caller|customer|client|cardholder|applicant|tenant|employee|member|account holder|next of kin|nok"
    "|guardian|caregiver|spouse|policyholder|claimant|passenger|guest"
)
# ASCII names only: the prefilter is ASCII (a role before "Łukasz" is then no cue; "my name is Łukasz" still is).
_GIVEN = "|".join(sorted(name for name in _name_words().given if name.isascii()))
_PARTICLE = r"(?:van|von|de|der|den|da|di|du|del|della|le|la|bin|ibn|al|el|ter|dos|das)"  # Maria de la Cruz
# "I'm" (with a straight or curly apostrophe, raw UTF-8 or JSON-escaped), "I am", "this is": capitals as written.
_APOSTROPHE = r"(?:'|\\u2019|[^\x00-\x7f]{1,3})"
_SELF = rf"(?-i:I{_APOSTROPHE}m|I{_BLANK}+am|[Tt]his{_BLANK}+is|[Ii]t{_APOSTROPHE}s)"
# "Ms" only with its full stop: "200 ms at p99" is everywhere in technical text.
_NAME_TRIGGER = (
    rf"(?:\bmy{_SPACE}+name{_SPACE}+is|\b(?-i:Mrs?|Dr)\.?|\b(?-i:Ms)\.){_BLANK}+{_CAPITAL}"
    rf"|\bname{_BLANK}*[:=]{_BLANK}*{_CAPITAL}"
    # After a role ("Customer Support", "Patient Portal") only a known given name starts a name: see _name_inline.
    rf"|\b(?:{_ROLES})(?:{_BLANK}+is|{_BLANK}*:)?{_BLANK}+(?:{_GIVEN})\b"
    # "Pt Okafor, Chidi": a surname, a comma and a known given name.
    rf"|\b(?:{_ROLES})(?:{_BLANK}+is|{_BLANK}*:)?{_BLANK}+{_CAPITAL}[^ \t\n,]*,{_BLANK}*(?:{_GIVEN})\b"
    # "I'm Hannah Osei", "this is Priya Raman": two capitalised words (the first must be a known given name, which
    # _name_inline checks: the names here would cost a third of a second more to compile into Hyperscan).
    rf"|\b{_SELF}{_BLANK}+{_CAPITAL}[^ \t\n]*(?:{_BLANK}+{_PARTICLE})*{_BLANK}+{_CAPITAL}"
)
# Acronyms that are also words ("sin(x)", German "nie") count only in capitals, as the inline detectors want them.
_ID_TRIGGER = (
    r"(?:\bssn\b|\bsocial security\b|\b(?-i:SIN|BSN|DNI|NIE|NIF)\b|\bsocial insurance\b|\baadh?aa?r\b"
    r"|\bburgerservicenummer\b|\bcitizen service number\b|\bsofinummer\b|\bdocumento nacional de identidad\b"
    r"|\bnational insurance\b|\bnino\b|\bni (?:number|no)\b)"
    rf"(?:{_GAP}|number|no|nr|num|card|is|it|s|was)*(?:[a-z]{{1,2}}[ -]?)?[0-9]"  # the id: "JG 10 ...", "X-1234567L"
)
_ADDRESS_TRIGGERS = (
    # A house number, one to five capitalised (or ordinal) words, a capitalised street suffix: "742 Maple Avenue".
    rf"[0-9][a-z]?(?:-[0-9]{{1,4}})?(?:{_BLANK}+(?:(?-i:[A-Z][a-z']*\.?)|[0-9]{{1,3}}(?:st|nd|rd|th))){{1,5}}{_BLANK}+"
    rf"(?-i:{'|'.join(word.title() for word in _STRONG_STREET.split('|'))})\b",
    rf"[a-z],{_BLANK}*(?-i:[A-Z]{{2}}){_BLANK}+[0-9]{{5}}",  # ", Springfield, IL 62704": a US city, state and ZIP
    rf"[a-z],?{_BLANK}+(?-i:[A-Z]{{1,2}}[0-9][A-Z0-9]?){_BLANK}*[0-9](?-i:[A-Z]{{2}})",  # "Bristol BS5 3AB"
)
PREFILTER: tuple[str, ...] = (
    _DOB_TRIGGER, _MRN_TRIGGER, _NAME_TRIGGER, _ID_TRIGGER, PHONE_TRIGGER, *_ADDRESS_TRIGGERS
)  # fmt: skip
"""Patterns (matched case-insensitively, ASCII rules) one of which a text must match to hold an inline entity."""


def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # ASCII rules as in the block prefilter, so that ``\b`` and the classes mean the same in both places.
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE | re.ASCII)


# The PREFILTER patterns that stand for each inline entity type.
_TRIGGER_OF: dict[EntityType, re.Pattern[str]] = {
    EntityType.DATE_OF_BIRTH: _any_of((_DOB_TRIGGER,)),
    EntityType.MEDICAL_RECORD_NUMBER: _any_of((_MRN_TRIGGER,)),
    EntityType.PERSON_NAME: _any_of((_NAME_TRIGGER,)),
    EntityType.POSTAL_ADDRESS: _any_of(_ADDRESS_TRIGGERS),
    EntityType.PHONE: _any_of((PHONE_TRIGGER,)),
}
_ID_TRIGGER_PATTERN = _any_of((_ID_TRIGGER,))


# --- dates of birth ------------------------------------------------------------------------------------------------
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_DATE = (
    r"(?:(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})"
    r"|(?P<na>\d{1,2})(?P<nsep>[-/.])(?P<nb>\d{1,2})(?P=nsep)(?P<ny>\d{4}|\d{2})"
    rf"|(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s-]+(?P<dm>{_MONTH})\.?,?[\s-]+(?P<dy>\d{{4}})"
    rf"|(?P<mm>{_MONTH})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}}))"
)
_DATE_IN_TEXT = re.compile(r"(?<![\w/.-])" + _DATE + r"(?![\w/]|[.-]\d)", re.IGNORECASE)
_TIME_TAIL = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATE_VALUE = re.compile(
    r"\s*(" + _DATE + r"|(?P<cy>(?:19|20)\d{2})(?P<cm>\d{2})(?P<cd>\d{2}))" + _TIME_TAIL + r"\s*", re.IGNORECASE
)
_DOB_INLINE = re.compile(rf"(?i:{_DOB_WORDS})[\s:=,.\-()\"'#]*(?:(?:is|was|on|the|of|:)\b[\s:=,.\-()\"']*){{0,3}}")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # a two-digit year of birth is in the last century unless that puts it in the future
        this_year = dt.date.today().year % 100
        year += 2000 if year <= this_year else 1900
    return year


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _dates(match: re.Match[str]) -> list[dt.date]:
    """Every date the matched text can mean (``03/04/1985`` is 3 April or 4 March)."""
    group = match.group
    if group("iy"):
        candidates = [_make_date(int(group("iy")), int(group("im")), int(group("id")))]
    elif group("ny"):
        year, first, second = _year(group("ny")), int(group("na")), int(group("nb"))
        candidates = [_make_date(year, second, first), _make_date(year, first, second)]
    elif group("dy"):
        candidates = [_make_date(int(group("dy")), _MONTHS[group("dm").lower()], int(group("dd")))]
    elif group("my"):
        candidates = [_make_date(int(group("my")), _MONTHS[group("mm").lower()], int(group("md")))]
    else:
        candidates = [_make_date(int(group("cy")), int(group("cm")), int(group("cd")))]
    return [day for day in candidates if day is not None]


def is_plausible_birth_date(day: dt.date, today: dt.date | None = None) -> bool:
    """Born since 1900 and at least a year ago: a 2031 expiry date or a date last week is no one's birthday."""
    today = today or dt.date.today()
    return dt.date(OLDEST_BIRTH_YEAR, 1, 1) <= day <= today - dt.timedelta(days=365)


def _birth_date_value(match: re.Match[str] | None) -> bool:
    return match is not None and any(is_plausible_birth_date(day) for day in _dates(match))


def _dob_by_field(text: str) -> Iterator[tuple[int, int, EntityType]]:
    match = _DATE_VALUE.fullmatch(text)
    if match is not None and _birth_date_value(match):
        yield match.start(1), match.end(1), EntityType.DATE_OF_BIRTH


def _dob_inline(text: str) -> Iterator[tuple[int, int, EntityType]]:
    for trigger in _DOB_INLINE.finditer(text):
        date = _DATE_IN_TEXT.match(text, trigger.end())
        if date is not None and _birth_date_value(date):
            yield date.start(), date.end(), EntityType.DATE_OF_BIRTH


# --- medical record numbers ----------------------------------------------------------------------------------------
_MRN_VALUE = r"(?:[A-Z]{1,4}[-#]?)?(?:\d{5,12}|\d{2,4}-\d{3,8})(?:-\d{1,3}|-?[A-Z])?"
_MRN_FIELD = re.compile(r"\s*(" + _MRN_VALUE + r")\s*")
_MRN_INLINE = re.compile(
    rf"(?i:{_MRN_WORDS})(?i:\s*(?:number|no|nr|num|#)\b)?[\s:#=.\-]*(?:(?i:is)\s+)?(?<![\w-])({_MRN_VALUE})(?![\w-])"
)
_REPEATED = re.compile(r"(\d)\1+")
_RUNS = ("0123456789", "1234567890", "9876543210")


def _plausible_record_number(value: str) -> bool:
    digits = "".join(char for char in value if char.isdigit())
    if _REPEATED.fullmatch(digits) or any(digits in run for run in _RUNS):
        return False  # 00000000, 12345678: fillers
    return len(set(digits)) >= 3


def _mrn_by_field(text: str) -> Iterator[tuple[int, int, EntityType]]:
    match = _MRN_FIELD.fullmatch(text)
    if match is not None and _plausible_record_number(match.group(1)):
        yield match.start(1), match.end(1), EntityType.MEDICAL_RECORD_NUMBER


def _mrn_inline(text: str) -> Iterator[tuple[int, int, EntityType]]:
    for match in _MRN_INLINE.finditer(text):
        if _plausible_record_number(match.group(1)):
            yield match.start(1), match.end(1), EntityType.MEDICAL_RECORD_NUMBER


# --- person names --------------------------------------------------------------------------------------------------
def _letters(upper: bool) -> str:
    """The upper- (or lower-) case letters of Latin-1 and Latin Extended-A/B as a character-class body: names are
    written Łukasz, Şahin, Dvořák, Nguyễn's Ă as often as Zoë or Súilleabháin."""
    chars = (chr(code) for code in range(0xC0, 0x250))
    return "".join(char for char in chars if char.isalpha() and (char.isupper() if upper else char.islower()))


_UPPER = "A-Z" + _letters(upper=True)
_LOWER = "a-z" + _letters(upper=False)
# Particles that open a surname in capitals too: Irish Ó/Ní/Nic/Uí (Rhys Ó Súilleabháin), then the lower-case ones.
_NAME_PARTICLE = rf"(?:{_PARTICLE[3:-1]}|Ó|Ní|Nic|Uí|Ua)"
_NAME_WORD = (
    rf"[{_UPPER}](?:[{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:['\u2019-][{_UPPER}]?[{_LOWER}]+)*"
    rf"|['\u2019][{_UPPER}][{_LOWER}]+(?:-[{_UPPER}]?[{_LOWER}]+)*|\.)"  # Priya, McAllister, Jean-Luc, O'Brien, J.
)
_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_NAME_PARTICLE}[ \t]+){{0,2}}{_NAME_WORD}){{0,{MAX_NAME_WORDS - 1}}}"
# "Ó Briain, Carol", "van der Berg, Anna": an inverted name may open with a particle.
_NAME_VALUE = re.compile(
    rf"\s*({_NAME}|(?:{_NAME_PARTICLE}[ \t]+){{0,2}}{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?,[ \t]*{_NAME})\s*"
)
# "Okafor, Chidi": surname first, as forms and clinical notes write it (after a role or "it's" only).
_INVERTED_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?,[ \t]*{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?"
_NAME_INLINE = re.compile(
    rf"(?:(?P<intro>(?i:\bmy\s+name\s+is)|\b(?:Mrs?|Dr)\.?|\bMs\.)[ \t]+"
    rf"|(?P<role>\b(?i:{_ROLES.replace(' ', '[ ]')}))(?:[ \t]+is|[ \t]*:)?[ \t]+"
    r"|(?P<self>\b(?:I['\u2019]m|I[ \t]+am|[Tt]his[ \t]+is|[Ii]t['\u2019]s))[ \t]+"
    rf"|(?P<label>(?i:\b(?:full\s+|patient\s+|customer\s+)?name))[ \t]*[:=][ \t]*)"
    rf"(?P<name>{_INVERTED_NAME}|{_NAME})(?![\w'\u2019-])"
)
_WORD = re.compile(rf"[{_UPPER}{_LOWER}]+")


def _name_words_of(value: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(value)]


def _plausible_name(value: str, *, strong: bool) -> bool:
    """No product, company or heading word, no placeholder (John Doe); ``strong``: starts with a known given name."""
    words = _name_words_of(value)
    vocab = _name_words()
    if not words or any(word in vocab.not_name or word in vocab.placeholder for word in words):
        return False
    if not any(len(word) > 1 for word in words):
        return False
    if not strong:
        return True
    after_comma = _name_words_of(value.split(",", 1)[1]) if "," in value else []
    given = after_comma[0] if after_comma else words[0]  # "Raman, Priya"; "Kim, Hyun-woo" -> hyun
    return given in vocab.given


def _name_by_field(text: str, *, ambiguous: bool) -> Iterator[tuple[int, int, EntityType]]:
    candidate = text.title() if text.isupper() and len(text) > 3 else text  # "PRIYA RAMAN" in legacy exports
    match = _NAME_VALUE.fullmatch(candidate)
    if match is None:
        return
    value = match.group(1)
    if ambiguous and len(_name_words_of(value)) < 2:
        return
    if _plausible_name(value, strong=ambiguous):
        yield match.start(1), match.end(1), EntityType.PERSON_NAME


def _name_inline(text: str) -> Iterator[tuple[int, int, EntityType]]:
    for match in _NAME_INLINE.finditer(text):
        name = match.group("name")
        end = match.end("name")
        if "," in name and match.group("role") is None and match.group("self") is None:
            name = name.split(",", 1)[0]  # "Dr. Osei, Grace Lane": the comma ends the name after a title or label
            end = match.start("name") + len(name)
        if match.group("intro") is not None:  # "my name is", Mr / Mrs / Dr: the phrase makes the next words a name
            ok = _plausible_name(name, strong=False)
        elif match.group("self") is not None:  # "I'm Hannah Osei"; "this is Jordan" alone could be anyone
            possessive = name.endswith(("'s", "\u2019s"))  # "I am Grace Hopper's biggest fan"
            ok = not possessive and len(_name_words_of(name)) >= 2 and _plausible_name(name, strong=True)
        elif match.group("label") is not None:  # "Name: Priya Raman"; one word alone must be a known given name
            ok = _plausible_name(name, strong=len(_name_words_of(name)) < 2)
        else:  # "Customer Success Team", "Patient Education": after a role, only a known given name starts a name
            ok = _plausible_name(name, strong=True)
        if ok:
            yield match.start("name"), end, EntityType.PERSON_NAME


# --- postal addresses ----------------------------------------------------------------------------------------------
_STREET_WORD = r"(?:[A-Z][a-z']+\.?|\d{1,3}(?:st|nd|rd|th))"
_NOT_STREET_WORD = r"(?!(?:The|A|An|And|Of|To|For|In|On|With|Your|Our|My|Step|Chapter|Part|Figure)\b)"
_US_TAIL = r",?[ \t]*\n?[ \t]*(?:[A-Z][a-z]+[ \t]){0,2}[A-Z][a-z]+,[ \t]*[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?\b"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[A-Z]{2}"
_UK_TAIL = rf",?[ \t]*\n?[ \t]*(?:[A-Z][a-z]+[ \t]){{0,2}}[A-Z][a-z]+,?[ \t]+{_UK_POSTCODE}\b"
_UNIT = r"(?:,?[ \t]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|#)\.?[ \t]*[A-Za-z0-9-]{1,6})?"


def _title_case(alternatives: str) -> str:
    return "|".join(word[0].upper() + word[1:] for word in alternatives.split("|"))


# Opens with a digit (the look-behind comes after it) so that ``re`` skips ahead to digits fast.
_ADDRESS_INLINE = re.compile(
    r"\d(?<![\w.,-]\d)\d{0,5}[A-Za-z]?(?:-\d{1,4})?[ \t]+(?:[NSEW]\.?[ \t]+)?"
    rf"(?:{_NOT_STREET_WORD}{_STREET_WORD}[ \t]+){{1,4}}"
    rf"(?:(?:{_title_case(_STRONG_STREET)})\b\.?{_UNIT}(?:{_US_TAIL}|{_UK_TAIL})?"
    rf"|(?:{_title_case(_WEAK_STREET)})\b\.?{_UNIT}(?:{_US_TAIL}|{_UK_TAIL}))"
)
_HOUSE_NUMBER = re.compile(r"(?<![\w.:/-])\d{1,6}[A-Za-z]?(?![\w.:/]|-\w)|\b(?:PO|P\.O\.)\s*Box\b", re.IGNORECASE)
_ADDRESS_WORD = re.compile(r"\b[^\W\d_]{3,}\b")
_NOT_POSTAL = re.compile(r"@|://|\b0x[0-9a-f]|\b(?:\d{1,3}\.){3}\d{1,3}\b|^[0-9a-f:]+$", re.IGNORECASE)
_POSTCODE_VALUE = re.compile(
    rf"\s*(\d{{5}}(?:-\d{{4}})?|{_UK_POSTCODE}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|\d{{4}}[ \t]?[A-Z]{{2}}|\d{{4}}|\d{{6}})\s*",
    re.IGNORECASE,
)


def _address_by_field(text: str) -> Iterator[tuple[int, int, EntityType]]:
    stripped = text.strip()
    if not 5 <= len(stripped) <= MAX_ADDRESS_CHARS or _NOT_POSTAL.search(stripped):
        return
    if _HOUSE_NUMBER.search(stripped) and _ADDRESS_WORD.search(stripped) and len(stripped.split()) >= 2:
        start = text.index(stripped[0])
        yield start, start + len(stripped), EntityType.POSTAL_ADDRESS


def _postcode_by_field(text: str) -> Iterator[tuple[int, int, EntityType]]:
    match = _POSTCODE_VALUE.fullmatch(text)
    if match is not None and not _REPEATED.fullmatch(match.group(1)) and match.group(1) not in ("12345", "123456"):
        yield match.start(1), match.end(1), EntityType.POSTAL_ADDRESS


def _address_inline(text: str) -> Iterator[tuple[int, int, EntityType]]:
    for match in _ADDRESS_INLINE.finditer(text):
        yield match.start(), match.end(), EntityType.POSTAL_ADDRESS


# --- national ids --------------------------------------------------------------------------------------------------
_SSN_SHAPE = re.compile(r"\d{3}[- ]?\d{2}[- ]?\d{4}")
_ID_VALIDATORS: dict[EntityType, Callable[[str], bool]] = {
    EntityType.US_SSN: lambda value: _SSN_SHAPE.fullmatch(value) is not None and is_valid_ssn(value),
    EntityType.UK_NINO: lambda value: is_valid_nino(value.upper()),
    EntityType.CA_SIN: is_valid_ca_sin,
    EntityType.NL_BSN: is_valid_bsn,
    EntityType.IN_AADHAAR: is_valid_aadhaar,
    EntityType.ES_DNI: is_valid_es_dni,
}
# "SSN: ...", "SSN is ...", "SSN, it's ...": punctuation and one short verb between the keyword and the id.
_ID_GAP = r"(?i:\s*(?:number|no|nr|num|card|#)\b\.?)?(?i:[\s:#=,\-]*(?:(?:is|was|it['\u2019]s)\s+)?)"
_ID_INLINE: tuple[tuple[EntityType, re.Pattern[str]], ...] = tuple(
    (entity_type, re.compile(trigger + _ID_GAP + rf"(?<![\w-])({value})(?![\w-]|\.\d)"))
    for entity_type, trigger, value in (
        (EntityType.US_SSN, r"(?i:\bssn\b|\bsocial\s+security\b)", r"\d{3}[- ]?\d{2}[- ]?\d{4}"),
        (EntityType.CA_SIN, r"(?:\bSIN\b|(?i:\bsocial\s+insurance\b))", r"\d{3}[- ]?\d{3}[- ]?\d{3}"),
        (
            EntityType.UK_NINO,
            r"(?i:\bnational\s+insurance\b|\bnino\b|\bni\s+(?:number|no)\b)",
            r"[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d]",
        ),
        (EntityType.IN_AADHAAR, r"(?i:\baadh?aa?r\b)", r"\d{4}[- ]?\d{4}[- ]?\d{4}"),
        (
            EntityType.NL_BSN,
            r"(?:\bBSN\b|(?i:\bburgerservicenummer\b|\bcitizen\s+service\s+number\b|\bsofinummer\b))",
            r"\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .-]\d{3}[ .-]\d{3}",
        ),
        (
            EntityType.ES_DNI,
            r"(?:\b(?:DNI|NIE|NIF)\b|(?i:\bdocumento\s+nacional\s+de\s+identidad\b))",
            r"(?:\d{8}|\d{2}\.\d{3}\.\d{3}|[XYZxyz]-?\d{7})-?[A-Za-z]",
        ),
    )
)
_FIELD_ID_VALUE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9 .-]{6,18}[A-Za-z0-9])\s*")


def _national_id_by_field(text: str, types: tuple[EntityType, ...]) -> Iterator[tuple[int, int, EntityType]]:
    match = _FIELD_ID_VALUE.fullmatch(text)
    if match is None:
        return
    value = match.group(1)
    for entity_type in types:
        if _ID_VALIDATORS[entity_type](value):
            yield match.start(1), match.end(1), entity_type
            return


def _national_id_inline(text: str) -> Iterator[tuple[int, int, EntityType]]:
    for entity_type, pattern in _ID_INLINE:
        for match in pattern.finditer(text):
            if _ID_VALIDATORS[entity_type](match.group(1).replace(".", "")):
                yield match.start(1), match.end(1), entity_type


# --- the entry point -----------------------------------------------------------------------------------------------
# Each inline detector with the lower-case words one of which its keyword contains: a substring test is far cheaper
# than a case-insensitive regex, so most detectors are skipped for most texts.  Addresses open with a digit.
_INLINE_DETECTORS: tuple[tuple[tuple[str, ...], Callable[[str], Iterator[tuple[int, int, EntityType]]]], ...] = (
    (("dob", "d.o.b", "birth", "born", "geburtsdatum", "nacimiento", "naissance"), _dob_inline),
    (("mrn", "medical record", "med", "patient", "chart", "hospital"), _mrn_inline),
    (("name", "mr", "dr", "ms.", "i'm", "i\u2019m", "i am", "this is", "it's", "it\u2019s", *_ROLES.split("|")),
     _name_inline),
    (
        ("ssn", "social", "sin", "aadh", "bsn", "burgerservicenummer", "citizen service", "sofinummer", "dni", "nie",
         "nif", "national insurance", "nino", "ni n"),
        _national_id_inline,
    ),
    (PHONE_GATE_WORDS, phone_inline),
    (("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), _address_inline),
)  # fmt: skip


def _inline(text: str) -> list[tuple[int, int, EntityType]]:
    lowered = text.lower()
    spans: list[tuple[int, int, EntityType]] = []
    for keywords, detector in _INLINE_DETECTORS:
        if any(keyword in lowered for keyword in keywords):
            spans.extend(detector(text))
    if not spans:
        return spans
    # The PREFILTER promise, kept even if a detector outgrew its pattern: a keyword sits just before every value.
    # The scanner prefilters cells with their line breaks made spaces (one cell, one line), so the check does too.
    flat = text.replace("\n", " ")
    return [
        (start, end, entity_type)
        for start, end, entity_type in spans
        if _TRIGGER_OF.get(entity_type, _ID_TRIGGER_PATTERN).search(flat, max(0, start - TRIGGER_REACH), end)
    ]


def _by_field(kind: FieldKind, cell: Cell) -> Iterator[tuple[int, int, EntityType]]:
    text = cell.text
    if kind is FieldKind.DOB:
        yield from _dob_by_field(text)
    elif kind is FieldKind.MRN:
        yield from _mrn_by_field(text)
    elif kind in (FieldKind.NAME, FieldKind.AMBIGUOUS_NAME):
        yield from _name_by_field(text, ambiguous=kind is FieldKind.AMBIGUOUS_NAME)
    elif kind is FieldKind.ADDRESS:
        yield from _address_by_field(text)
    elif kind is FieldKind.POSTCODE:
        yield from _postcode_by_field(text)
    elif kind is FieldKind.PHONE and ("+" not in text or "+1" in text):  # other + numbers are find_entities'
        yield from phone_by_field(text)
    elif kind is FieldKind.NATIONAL_ID:
        yield from _national_id_by_field(text, national_id_types(cell.field))


def _recognised(text: str, recogniser: NamedEntityRecogniser) -> Iterator[tuple[int, int, EntityType]]:
    for start, end, entity_type in recognised_spans(text, recogniser):
        if entity_type is EntityType.POSTAL_ADDRESS or _plausible_name(text[start:end], strong=False):
            yield start, end, entity_type


def find_contextual(cell: Cell, recogniser: NamedEntityRecogniser | None = None) -> list[Entity]:
    """The contextual entities of one cell, in order, without overlaps and without what find_entities reports.

    The field's value is checked as a whole when the field name says what it is (``dob``, ``surname``, ``ssn``);
    otherwise, and when that check finds nothing, the text is searched for keyword-introduced values.  With a
    ``recogniser`` (see :mod:`.ner`) free text is also searched for names no keyword introduces; without one,
    nothing is found in a non-context field's text that no :data:`PREFILTER` pattern matches.
    """
    kind = field_kind(cell.field)
    if kind in (FieldKind.NEGATIVE, FieldKind.IDENTIFIER, FieldKind.VERSION) or not cell.text:
        return []
    spans = list(_by_field(kind, cell)) if kind is not None else []
    if not spans:
        spans = _inline(cell.text)
    if recogniser is not None and kind is None:
        spans.extend(_recognised(cell.text, recogniser))
    if not spans:
        return []
    return _without_overlaps(cell.text, spans)


def _without_overlaps(text: str, spans: list[tuple[int, int, EntityType]]) -> list[Entity]:
    """Keep the first (then longest) of overlapping spans; drop those find_entities reports (``SSN 123-45-6789``)."""
    claimed = [(entity.start, entity.end) for entity in find_entities(text)]
    kept: list[tuple[int, int, EntityType]] = []
    for start, end, entity_type in sorted(spans, key=lambda span: (span[0], -(span[1] - span[0]))):
        if any(start < other_end and other_start < end for other_start, other_end in claimed):
            continue
        claimed.append((start, end))
        kept.append((start, end, entity_type))
    return [Entity(entity_type, start, end, redact(entity_type, text[start:end])) for start, end, entity_type in kept]
