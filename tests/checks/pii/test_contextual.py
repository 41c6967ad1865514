"""Contextual entities: found by field or by an inline keyword, never from timestamps, ids, products or bad checks."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pytest

from aispm.checks.pii.contextual import PREFILTER, find_contextual, is_plausible_birth_date
from aispm.checks.pii.entities import EntityType
from aispm.checks.pii.records import Cell


def found(text: str, field: str | None = None) -> list[tuple[EntityType, str]]:
    return [(entity.type, text[entity.start : entity.end]) for entity in find_contextual(Cell(text, field))]


DOB = EntityType.DATE_OF_BIRTH
MRN = EntityType.MEDICAL_RECORD_NUMBER
NAME = EntityType.PERSON_NAME
ADDRESS = EntityType.POSTAL_ADDRESS
PHONE = EntityType.PHONE


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("1985-03-12", "dob", [(DOB, "1985-03-12")]),
        (" 12/03/1985 ", "date_of_birth", [(DOB, "12/03/1985")]),
        ("03/25/1979", "birthDate", [(DOB, "03/25/1979")]),  # month first: only one reading is a date
        ("March 7, 1962", "patient.dob", [(DOB, "March 7, 1962")]),
        ("7 March 1962", "birthday", [(DOB, "7 March 1962")]),
        ("1962-03-07T00:00:00Z", "dob", [(DOB, "1962-03-07")]),
        ("19620307", "dob", [(DOB, "19620307")]),
        ("07.03.62", "Geburtsdatum", [(DOB, "07.03.62")]),
        ("00482913", "mrn", [(MRN, "00482913")]),
        ("MRN-4829137", "medical_record_number", [(MRN, "MRN-4829137")]),
        ("P0048291", "patient_id", [(MRN, "P0048291")]),
        ("Priya", "first_name", [(NAME, "Priya")]),
        ("O'Brien", "last_name", [(NAME, "O'Brien")]),
        ("Mary-Jane van der Berg", "full_name", [(NAME, "Mary-Jane van der Berg")]),
        ("PRIYA RAMAN", "customer_name", [(NAME, "PRIYA RAMAN")]),
        ("Zanele Mensah", "name", [(NAME, "Zanele Mensah")]),
        ("Raman, Priya", "name", [(NAME, "Raman, Priya")]),
        ("742 Maple Avenue, Springfield, IL 62704", "address", [(ADDRESS, "742 Maple Avenue, Springfield, IL 62704")]),
        ("Flat 4B, 12 Rose Lane", "address_line1", [(ADDRESS, "Flat 4B, 12 Rose Lane")]),
        ("Hauptstraße 5", "street", [(ADDRESS, "Hauptstraße 5")]),
        ("BS5 3AB", "postcode", [(ADDRESS, "BS5 3AB")]),
        ("62704-1234", "zip", [(ADDRESS, "62704-1234")]),
        ("536221234", "ssn", [(EntityType.US_SSN, "536221234")]),
        ("jg103773b", "nino", [(EntityType.UK_NINO, "jg103773b")]),
        ("390 139 624", "sin", [(EntityType.CA_SIN, "390 139 624")]),
        ("6743 9575 5131", "aadhaar", [(EntityType.IN_AADHAAR, "6743 9575 5131")]),
        ("265651505", "bsn", [(EntityType.NL_BSN, "265651505")]),
        ("Y9217889D", "national_id", [(EntityType.ES_DNI, "Y9217889D")]),
        ("230-7036", "mrn_no", [(MRN, "230-7036")]),
        ("536221234", "tax_ref", [(EntityType.US_SSN, "536221234")]),
        ("Rhys Ó Súilleabháin", "legal_name", [(NAME, "Rhys Ó Súilleabháin")]),
        ("Ó Briain, Carol", "legal_name", [(NAME, "Ó Briain, Carol")]),
        ("CAMILLE Ó BRIAIN", "legal_name", [(NAME, "CAMILLE Ó BRIAIN")]),
        ("Margarethe Szczepański", "patient", [(NAME, "Margarethe Szczepański")]),
        ("Sunil van der Berg", "next_of_kin", [(NAME, "Sunil van der Berg")]),
        # (212) 736-5000 or 07911 123856 are phones by their form alone: find_entities reports them anywhere.
        ("212 736 5000", "phone", [(EntityType.PHONE, "212 736 5000")]),
        ("(536) 282-4153", "phone", [(EntityType.PHONE, "(536) 282-4153")]),  # an area code newer than the metadata
        ("+1-536-282-4153", "contact_no", [(EntityType.PHONE, "+1-536-282-4153")]),
        ("020 7183 8750", "mobile", [(EntityType.PHONE, "020 7183 8750")]),
    ],
)
def test_by_field(text: str, field: str, expected: list[tuple[EntityType, str]]) -> None:
    assert found(text, field) == expected


INLINE_CASES = [
    ("Patient DOB: 12/03/1985, seen today", [(DOB, "12/03/1985")]),
    ("date of birth is 1971-11-02.", [(DOB, "1971-11-02")]),
    ("I was born on the 3rd of March 1985 in Leeds", [(DOB, "3rd of March 1985")]),
    ("D.O.B. - Aug 9, 1958", [(DOB, "Aug 9, 1958")]),
    ("MRN: 00482913 admitted", [(MRN, "00482913")]),
    ("medical record number 4829137", [(MRN, "4829137")]),
    ("Patient ID #A-0048291 transferred", [(MRN, "A-0048291")]),
    ("Hi, my name is Oluwaseun Adeyemi and I need help", [(NAME, "Oluwaseun Adeyemi")]),
    ("Name: Priya Raman\nEmail: none", [(NAME, "Priya Raman")]),
    ("Patient Grace O'Brien was admitted", [(NAME, "Grace O'Brien")]),
    ("Referred by Dr. Kwame Mensah.", [(NAME, "Kwame Mensah")]),
    ("Ship to 742 Maple Avenue, Springfield, IL 62704 please", [(ADDRESS, "742 Maple Avenue, Springfield, IL 62704")]),
    ("Send it to 12 Rose Lane, Bristol BS5 3AB.", [(ADDRESS, "12 Rose Lane, Bristol BS5 3AB")]),
    ("We moved to 4 Queens Gardens, Leeds LS1 2AB", [(ADDRESS, "4 Queens Gardens, Leeds LS1 2AB")]),
    ("She lives at 1600 W. 5th Street Apt 3", [(ADDRESS, "1600 W. 5th Street Apt 3")]),
    ("my ssn is 536221234", [(EntityType.US_SSN, "536221234")]),
    ("SIN: 441 215 472", [(EntityType.CA_SIN, "441 215 472")]),
    ("Aadhaar number 6743 9575 5131", [(EntityType.IN_AADHAAR, "6743 9575 5131")]),
    ("BSN 2276.54.444 op de pas", [(EntityType.NL_BSN, "2276.54.444")]),
    ("DNI: 67069361G", [(EntityType.ES_DNI, "67069361G")]),
    ("national insurance number jg 10 37 73 b", [(EntityType.UK_NINO, "jg 10 37 73 b")]),
    # National-format phones only right after a phone word (international ones are find_entities').
    ("My mobile is 07911123856 if the courier needs me", [(PHONE, "07911123856")]),
    ("You can call me back at (415) 736 2671, I'm free after 5pm.", [(PHONE, "(415) 736 2671")]),
    ("Text me on 020 7183 8750.", [(PHONE, "020 7183 8750")]),
    ("my number's 0161 739 2046 now", [(PHONE, "0161 739 2046")]),
    ("Tel: 415 736 2671", [(PHONE, "415 736 2671")]),
    ("WhatsApp 07911123856 anytime", [(PHONE, "07911123856")]),
    ("my phone number on file is still 020 7183 8750.", [(PHONE, "020 7183 8750")]),
    # A self-introduction: a known given name and a capitalised surname.
    ("I'm Hannah Osei, my email is below", [(NAME, "Hannah Osei")]),
    ("I\u2019m Priya Raman and I need help", [(NAME, "Priya Raman")]),
    ("Hi, this is Kwame Mensah from accounts", [(NAME, "Kwame Mensah")]),
    ("I am Grace O'Brien.", [(NAME, "Grace O'Brien")]),
    # "it's", surname-first after a role or "it's", "next of kin", "Pt" (clinical shorthand for the patient).
    ("it's Okafor, Priya and I can't log in", [(NAME, "Okafor, Priya")]),
    ("hi, it\u2019s Hannah Osei again", [(NAME, "Hannah Osei")]),
    ("Pt Okonkwo, Hyun-woo, seen in clinic", [(NAME, "Okonkwo, Hyun-woo")]),
    ("Pt is Dmitri Quispe, presents with SOB.", [(NAME, "Dmitri Quispe")]),
    ("Seen with next of kin Ingrid Halvorsen today.", [(NAME, "Ingrid Halvorsen")]),
    ("Name: Łukasz Wiśniewski", [(NAME, "Łukasz Wiśniewski")]),
    # Record numbers in groups after "MRN", "Chart #"; an SSN without separators after "SSN, it's".
    ("prior MRN 230-7036 at another site", [(MRN, "230-7036")]),
    ("Chart # 00725304 merged", [(MRN, "00725304")]),
    ("they want my SSN, it's 536221234", [(EntityType.US_SSN, "536221234")]),
]


@pytest.mark.parametrize(("text", "expected"), INLINE_CASES)
def test_inline(text: str, expected: list[tuple[EntityType, str]]) -> None:
    assert found(text) == expected
    assert found(text, "content") == expected  # a free-text field is searched the same way


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("2023-04-01T10:00:00Z", "created_at"),
        ("1985-03-12", "updated_at"),
        ("1985-03-12 08:00:00", "timestamp"),
        ("1985-03-12", "order_date"),
        ("DOB: 1985-03-12", "order_id"),  # an id field is never searched, keyword or not
        ((dt.date.today() - dt.timedelta(days=30)).isoformat(), "dob"),  # not a year ago
        ("1850-06-01", "dob"),  # nobody in a dataset was born before 1900
        ("31/02/1985", "dob"),  # no such day
        ("unknown", "dob"),
        ("The company was born in 2019.", None),
        ("Started on 12/03/1985 as CTO", None),  # a date with no birth keyword
        ("12345678", "mrn"),  # keyboard run
        ("00000000", "mrn"),
        ("mRNA 48291375 vaccine lot", None),
        ("ORD-2024-004829", "order_id"),
        ("INV-2024-004829", "invoice"),
        ("Invoice 00482913 is due", None),
        ("3f2b8c1e-9a4d-4e6b-8c2d-1a2b3c4d5e6f", "id"),
        ("3f2b8c1e-9a4d-4e6b-8c2d-1a2b3c4d5e6f", "mrn"),
        ("Standing Desk", "name"),
        ("Wireless Mouse Pro", "name"),
        ("Acme Holdings Ltd", "name"),
        ("Ergonomic Chair", "product_name"),
        ("Priya Raman", "product_name"),
        ("John Doe", "full_name"),  # the placeholder name
        ("Test User", "customer_name"),
        ("jdoe42", "user_name"),
        ("N/A", "last_name"),
        ("Name: Standing Desk", None),
        ("name: str = field(default=None)", None),
        ("Patient Education Materials", None),
        ("my name is not important", None),
        ("in 2020 the event took place", None),
        ("Step 3 Create Route Table", None),
        ("We had 3 Park View options", None),  # a weak street word with no city or postcode
        ("10.0.0.1", "address"),
        ("0x71C7656EC7ab88b098defB751B7401B5f6d8976F", "address"),
        ("Springfield", "address"),
        ("Springfield", "city"),
        ("00000", "zip"),
        ("536-22-1234", "ssn"),  # find_entities reports the dashed form; not counted twice
        ("078051120", "ssn"),  # the Woolworth wallet card
        ("my ssn is 666221234", None),
        ("SIN: 441 215 473", None),  # wrong Luhn digit
        ("sin(x) = 441215472", None),  # the maths function, not the acronym
        ("Aadhaar 6743 9575 5132", None),  # wrong Verhoeff digit
        ("BSN 265651506", None),  # fails the 11-proof
        ("DNI 67069361H", None),  # wrong letter
        ("DNI 12345678Z", None),  # the sample-form DNI
        ("+44 20 7183 8750", "phone"),  # international numbers are find_entities'
        ("(212) 555-0123", "phone"),  # reserved for fiction
        ("555-0100", "phone"),  # the fiction range without an area code (it also fits the German plan)
        ("555 0199", "mobile"),
        ("1-212-555-0123", "phone_number"),
        ("12", "phone"),
        # Phone words before what is not a phone number.
        ("call me at 5pm tomorrow", None),
        ("Call me back at 09:00-17:30", None),
        ("The phone costs 1 299.00 now", None),
        ("My phone runs version 2.14.3", None),
        ("phone: 2024-03-12 10:00", None),
        ("ticket 07911 123856", None),  # no phone word: a reference, not a phone
        ("phone order no. 07911 123856", None),  # a phone word, but the number is introduced as an order
        ("Call us on 020 7183 8750", None),  # a business's line, not a person's
        ("My mobile is 07700 900123", None),  # Ofcom drama range (it fits the Indian and German plans)
        ("my phone is 020 7946 0321", None),  # Ofcom drama range
        ("call me at (212) 555-0143", None),  # 555-01xx fiction
        ("my cell is 1234 5678", None),  # too few digits for a phone in free text
        ("The mobile app 4157362671 build", None),  # "app" is not a filler: the number is not the phone's
        ("07911 123856", "order_id"),  # an id field is never searched
        ("on my phone 2019 2020 2021 were great years", None),  # years, not a number
        # Self-introductions that are no name.
        ("this is Jordan", None),  # one name could be anyone
        ("I'm Grace-ful today", None),
        ("I'm Sure That works", None),
        ("I am Will Smith's biggest fan", None),
        ("I am Grace Hopper's biggest fan", None),  # a possessive: someone else
        ("i'm hannah osei", None),  # no capitals: not how a name is written
        ("This is Main Street", None),
        ("This is Alexander Hamilton Street", None),
        ("it's Monday Morning again", None),  # "it's" needs a known given name too
        ("It's Paris, France", None),  # surname-first needs a known given name after the comma
        ("Customer is Always Right", None),
        ("12 pt Arial Bold", None),
        ("this is Can I help", None),
        ("MRN 555-12", None),  # too short for a record number
        ("see chart 12345", None),  # "chart" without a number sign or "number"
        ("ssn: 123456789", None),  # the pamphlet sample
        ("SSN 987654321", None),  # a 9xx area is never issued
        ("password reset link sent, the phone app is 4.2", None),
    ],
)
def test_decoys(text: str, field: str | None) -> None:
    assert found(text, field) == []


def test_birth_date_range() -> None:
    today = dt.date(2025, 6, 1)
    assert is_plausible_birth_date(dt.date(1900, 1, 1), today)
    assert is_plausible_birth_date(dt.date(2024, 5, 31), today)
    assert not is_plausible_birth_date(dt.date(2024, 6, 2), today)
    assert not is_plausible_birth_date(dt.date(1899, 12, 31), today)


def test_redacted_forms_hide_the_value() -> None:
    text = "Name: Priya Raman, DOB 1985-03-12, MRN 00482913, SSN 536221234, 742 Maple Avenue, Springfield, IL 62704"
    entities = find_contextual(Cell(text, "notes"))
    assert {entity.type for entity in entities} == {NAME, DOB, MRN, EntityType.US_SSN, ADDRESS}
    for entity in entities:
        assert text[entity.start : entity.end] not in entity.redacted
        assert text[entity.start : entity.end] not in repr(entity)
        assert not re.search(r"[A-Za-z0-9]", entity.redacted)


def test_overlapping_finds_keep_one() -> None:
    # "Patient" + name and "patient ID" + number may both start near each other; spans never overlap.
    entities = find_contextual(Cell("Patient Priya Raman, patient ID 00482913", None))
    spans = sorted((entity.start, entity.end) for entity in entities)
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))
    assert [entity.type for entity in entities] == [NAME, MRN]


# --- PREFILTER: a necessary condition for inline finds, in a syntax Hyperscan accepts -----------------------------
_PREFILTER = re.compile("|".join(f"(?:{pattern})" for pattern in PREFILTER), re.IGNORECASE | re.ASCII)


@pytest.mark.parametrize("pattern", PREFILTER)
def test_prefilter_patterns_have_no_lookarounds_or_backreferences(pattern: str) -> None:
    assert not re.search(r"\(\?[=!<]|\(\?P[=<]|\\[1-9]", pattern)
    re.compile(pattern, re.IGNORECASE)


def test_prefilter_compiles_in_hyperscan() -> None:
    hyperscan = pytest.importorskip("hyperscan")
    database = hyperscan.Database()
    database.compile(
        expressions=[pattern.encode() for pattern in PREFILTER],
        ids=list(range(len(PREFILTER))),
        elements=len(PREFILTER),
        flags=[hyperscan.HS_FLAG_CASELESS] * len(PREFILTER),
    )


def test_prefilter_matches_every_inline_positive() -> None:
    for text, _ in INLINE_CASES:
        assert _PREFILTER.search(text), text


def test_text_no_prefilter_matches_yields_nothing_in_plain_fields() -> None:
    texts = [
        "Priya Raman called about 1985-03-12 and 00482913",  # values with no keyword before them
        "742 Maple and 12/03/1985 and 441 215 472 and 67069361G",
        "The quick brown fox jumps over the lazy dog",
    ]
    for text in texts:
        assert not _PREFILTER.search(text)
        assert find_contextual(Cell(text, "content")) == []
        assert find_contextual(Cell(text, None)) == []


# Everyday phrases that hold a trigger word but no personal data: the prefilter must not flag them, or the scanner
# analyses most lines of a chat corpus.
ORDINARY = [
    "Thanks for contacting customer support, how can I help?",
    "Please contact Customer Support or open the Patient Portal.",
    "log in to the patient portal first",
    "The client library retries; tenant isolation is enforced; member functions are const.",
    "Our latency budget is 200 ms at the 99th percentile",
    "It took 35 ms. At peak it was 80 ms",
    "Ms Excel opens the export",
    "MR !1234 is ready for review",
    "y = np.sin(x) + np.cos(x)",
    "Sie hat nie gesagt, dass es regnet",
    "She was born in a small town and moved to the city.",
    "Happy birthday to the whole team!",
    "Medical records are stored encrypted; the patient ID column is hashed.",
    "The SSN field in the form must be masked. Build 4512 failed at 10:42.",
    "name: str = field(default=None)",
    "const name = user.name; name = input('Name: ')",
    "After 12 epochs. What is the best way to tune it?",
    "The meeting moved to 4:03 UTC. The Main Street branch opens at 9",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_prefilter_does_not_flag_ordinary_text(text: str) -> None:
    assert not _PREFILTER.search(text)
    assert not _PREFILTER.search(json.dumps({"content": text}))


# Inline positives with an accented capital, a tab or a line break: as JSON Lines (raw text with escapes) the prefilter
# must still pass them, so the scanner's result does not depend on it.
ESCAPED_CASES = [
    "Hi, my name is Émile Zola and I need help",
    "Patient\tGrace O'Brien was admitted",
    "Name:\tPriya Raman",
    "my name\nis Oluwaseun Adeyemi",
    "DOB:\n12/03/1985",
    "MRN:\t00482913",
    "SSN:\n536221234",
    "Ship to 742\tMaple Avenue, Springfield, IL 62704",
    "Send it to 12 Rose Lane, Bristol\tBS5 3AB.",
]


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_escaped_json_text_passes_the_prefilter(tmp_path: Path, ensure_ascii: bool) -> None:
    from aispm.checks.pii.scanner import scan_dataset

    path = tmp_path / "chat.jsonl"
    texts = [text for text, _ in INLINE_CASES] + ESCAPED_CASES
    rows = [json.dumps({"messages": [{"role": "user", "content": text}]}, ensure_ascii=ensure_ascii) for text in texts]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for text in ESCAPED_CASES:
        assert find_contextual(Cell(text, "content")), text
    with_prefilter = scan_dataset(path, credentials=False)
    without = scan_dataset(path, credentials=False, use_prefilter=False)
    assert with_prefilter.entities == without.entities
    assert sum(stats.count for stats in with_prefilter.entities.values()) >= len(texts)


def test_self_introduction_and_phone_words_are_rare_cues() -> None:
    for text in (
        "I'm sorry, this is taking long",
        "I am sure that",
        "this is Jordan",
        "Call me later",
        "my phone died",
        "the phone 2 days",
        "I'm free after 5pm",
        "contact support at 10:30",
    ):
        assert not _PREFILTER.search(text), text
    assert _PREFILTER.search('{"content": "I\\u2019m Hannah Osei"}')  # a JSON-escaped curly apostrophe
    assert _PREFILTER.search('{"content": "it\\u2019s my mobile: 07911 123856"}')


def test_a_role_introduces_only_a_known_given_name() -> None:
    assert found("Customer Priya Raman called") == [(NAME, "Priya Raman")]
    assert _PREFILTER.search("Customer Priya Raman called")
    assert not _PREFILTER.search("Customer Success Team")
