"""What a column or key name says about its values: ``dob`` holds dates of birth, ``created_at`` never does.

Names are split into lower-case words whatever their style (``dateOfBirth``, ``date_of_birth``, ``Date of Birth``,
``patient.dob``, ``messages[0].content``), owner words are set aside (``patient_``, ``customer.``, ``billing_``)
and the rest is looked up in small vocabularies.  The owner matters for one word only: ``name`` under a person
(``customer_name``) is a person's name, under a thing (``product_name``, ``file_name``) it is not, and bare
``name`` is :attr:`FieldKind.AMBIGUOUS_NAME` -- its values count only when they look like a person's name.
Names are normalised the way schemas write them: a number suffix names the thing it numbers (``mrn_no``,
``tax_ref``), a list key names each item (``phones``) and a value leaf takes its owner's kind (``phones[].number``),
a column named after someone who is always a person holds that person's name (``patient``, ``next_of_kin``), and
version columns (``firmware``) hold no addresses.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from aispm.checks.pii.entities import EntityType


class FieldKind(StrEnum):
    """What a field name says its values are."""

    DOB = "dob"
    MRN = "mrn"
    NAME = "name"
    """A person's full, given or family name (``full_name``, ``surname``, ``patient.name``)."""
    AMBIGUOUS_NAME = "ambiguous-name"
    """Bare ``name``: a person in a customers table, a product in a catalogue."""
    ADDRESS = "address"
    POSTCODE = "postcode"
    EMAIL = "email"
    PHONE = "phone"
    NATIONAL_ID = "national-id"
    IDENTIFIER = "identifier"
    """Ids and order, invoice, product or tracking numbers (``last_order``, ``gtin``, ``customer_id``): digits that
    may pass a card's Luhn check or a phone plan by chance, so no number-shaped personal data is reported there."""
    NEGATIVE = "negative"
    """Timestamps, hashes, amounts: never personal data of a contextual type (``created_at``)."""
    VERSION = "version"
    """Firmware, software and build versions (``firmware``, ``sw_version``): a dotted quad there is no IP address."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Kinds whose every value find_contextual must check: their values carry no inline keyword to prefilter on.
CONTEXT_KINDS = frozenset(
    {
        FieldKind.DOB,
        FieldKind.MRN,
        FieldKind.NAME,
        FieldKind.AMBIGUOUS_NAME,
        FieldKind.ADDRESS,
        FieldKind.POSTCODE,
        FieldKind.PHONE,
        FieldKind.NATIONAL_ID,
    }
)

# Words naming whose data it is; set aside before the lookup, remembered for ``name``.
PERSON_OWNERS = _words(
    "patient customer client user member employee person people contact applicant subscriber holder cardholder "
    "account policyholder insured beneficiary guardian student teacher author owner buyer recipient sender passenger "
    "guest visitor tenant driver donor doctor physician nurse parent mother father spouse kin emergency candidate "
    "consumer shopper caller respondent participant subject profile personal legal"
)
# Words naming which address or whose copy it is; set aside too (``billing_address`` is an address).
QUALIFIERS = _words(
    "billing shipping mailing home residential postal physical delivery permanent current primary secondary "
    "main full raw"
)
THING_OWNERS = _words(
    "product item company org organisation organization business vendor merchant brand store shop model dataset "
    "file project repo repository app application service team category tag city country state county region "
    "street host server bucket table column field key domain package module class function branch job task "
    "course event venue hotel place school hospital department feature image asset nick screen"
)

_DOB = frozenset(
    {
        "dob",
        "d_o_b",
        "date_of_birth",
        "dateofbirth",
        "birth_date",
        "birthdate",
        "birthday",
        "bday",
        "date_birth",
        "birth_dt",
        "born",
        "born_on",
        "geburtsdatum",
        "fecha_nacimiento",
        "fecha_de_nacimiento",
        "date_naissance",
        "date_de_naissance",
        "data_di_nascita",
        "geboortedatum",
    }
)
_MRN = frozenset(
    {
        "mrn",
        "medical_record_number",
        "medical_record_no",
        "medical_record_num",
        "medical_record_id",
        "medical_record",
        "med_rec_no",
        "medrec",
        "medrec_no",
        "chart_number",
        "chart_no",
        "chart_id",
        "hospital_number",
        "hospital_no",
        "health_record_number",
        "ehr_id",
        "emr_id",
        "emr_number",
    }
)
# ``patient_id`` and friends name the patient's record in a clinical table: the MRN under another name.
_PATIENT_ID = frozenset({"patient_id", "patient_number", "patient_no", "patient_nr", "patientid"})
_NAME = frozenset(
    {
        "full_name",
        "fullname",
        "first_name",
        "firstname",
        "given_name",
        "givenname",
        "forename",
        "forenames",
        "last_name",
        "lastname",
        "surname",
        "family_name",
        "familyname",
        "middle_name",
        "maiden_name",
        "legal_name",
    }
)
_ADDRESS = frozenset(
    {
        "address",
        "addr",
        "street",
        "street_address",
        "streetaddress",
        "address_line",
        "address_line1",
        "address_line2",
        "address_line_1",
        "address_line_2",
        "address1",
        "address2",
        "addr1",
        "addr2",
        "residence",
    }
)
_POSTCODE = frozenset({"postcode", "post_code", "postal_code", "postalcode", "zip", "zipcode", "zip_code", "plz"})
_EMAIL = frozenset({"email", "e_mail", "mail", "email_address", "emailaddress", "e_mail_address"})
_PHONE = frozenset(
    {
        "contact_no",
        "contact_nr",
        "contact_num",
        "contact_tel",
        "contact_phone",
        "phone",
        "phone_number",
        "phonenumber",
        "phone_no",
        "telephone",
        "telephone_number",
        "tel",
        "mobile",
        "mobile_number",
        "mobile_phone",
        "cell",
        "cellphone",
        "cell_phone",
        "contact_number",
        "fax",
    }
)
# Which national ids a name points at; a generic name (``national_id``) tries every validator.
_NATIONAL_ID: dict[str, tuple[EntityType, ...]] = {
    **dict.fromkeys(
        ("ssn", "social_security_number", "social_security_no", "social_security", "itin"), (EntityType.US_SSN,)
    ),
    **dict.fromkeys(("sin", "social_insurance_number", "social_insurance_no"), (EntityType.CA_SIN,)),
    **dict.fromkeys(
        ("nino", "ni_number", "ni_no", "national_insurance_number", "national_insurance_no", "national_insurance"),
        (EntityType.UK_NINO,),
    ),
    **dict.fromkeys(
        ("bsn", "burgerservicenummer", "citizen_service_number", "sofinummer", "sofi_nummer"), (EntityType.NL_BSN,)
    ),
    **dict.fromkeys(
        ("aadhaar", "aadhar", "aadhaar_number", "aadhaar_no", "aadhar_number", "aadhar_no", "uidai"),
        (EntityType.IN_AADHAAR,),
    ),
    **dict.fromkeys(("dni", "nie", "nif", "dni_nie", "documento_identidad"), (EntityType.ES_DNI,)),
}
ALL_NATIONAL_IDS = (
    EntityType.US_SSN,
    EntityType.UK_NINO,
    EntityType.CA_SIN,
    EntityType.NL_BSN,
    EntityType.IN_AADHAAR,
    EntityType.ES_DNI,
)
_GENERIC_NATIONAL_ID = frozenset(
    {"national_id", "national_id_number", "national_identity_number", "nid", "tax_id", "taxpayer_id", "tin",
     "government_id", "gov_id", "citizen_id", "id_card_number", "personal_id_number", "tax_identification_number",
     "tax_file_number", "national_identity", "identity_card_number", "identity_number", "personal_number"}
)  # fmt: skip
# Stems that name a national id only with a number suffix: ``tax_ref``, ``tax_no`` (``tax`` alone is an amount).
_NUMBERED_MRN = frozenset({"chart", "hospital", "health_record", "med_rec", "medrec", "medical_record", "ehr", "emr"})
_NUMBERED_NATIONAL_ID = frozenset({"tax", "taxpayer", "tax_identification", "tax_file", "id_card", "identity_card"})
# Words after which a name says "the number of": ``mrn_no``, ``ssn_number``, ``tax_ref``, ``nino_id`` hold the MRN,
# SSN, tax id or NINO itself.  Stripped only when what is left names a record number, a national id or a phone.
_ID_SUFFIXES = _words("no nr num number numbers id ref reference code value val")
# A column named after the person alone holds that person's name (``patient``, ``next_of_kin``, ``guardian``):
# roles that are always people.  ``customer`` or ``client`` may be a company, ``contact`` a phone or an email.
PERSON_ROLE_FIELDS = frozenset(
    {"patient", "employee", "applicant", "guardian", "next_of_kin", "nok", "kin", "caller",
     "passenger", "tenant", "student", "spouse", "partner_name", "parent", "mother", "father", "donor", "insured",
     "policyholder", "beneficiary", "cardholder", "account_holder", "subscriber", "attendee", "traveller",
     "traveler", "claimant", "defendant", "plaintiff", "witness", "victim", "suspect"}
)  # fmt: skip
# Leaf words that say "the value of its owner" (``phones[].number``, ``ssn.value``): the owner's kind counts.
_VALUE_LEAVES = _words("number no nr num value val digits text raw formatted e164 national international")
# Field names of versions: a dotted quad there is ``3.20.4.839`` firmware, never an address or a phone.
_VERSION = _words(
    "version versions ver firmware fw sw build release revision rev semver kernel bios patch_level os_version"
)

# Last words that make a field an identifier (``last_order``, ``product_gtin``, ``customer_id``), also before a
# number word (``order_number``, ``tracking_no``); ``order_notes`` is free text that may hold anything.
_IDENTIFIER = _words(
    "id ids uuid guid uid pk fk order orders invoice inv sku gtin ean upc isbn asin mpn barcode tracking reference ref "
    "receipt transaction txn shipment po serial ticket ean13 ean8 gtin13 gtin14 isbn10 isbn13"
)
_NUMBER_WORDS = _words("number num no nr code")
# Last words that make a value a time, a key or a measurement.
_NEGATIVE_LAST = _words(
    "at on time timestamp ts date datetime dt epoch created updated modified deleted expires expiry "
    "key version ver rev revision hash sha sha1 "
    "sha256 md5 checksum digest etag token nonce count amount price total qty quantity size length ip ipv4 ipv6 mac "
    "url uri path filename hostname username login handle slug code status type"
)
# First words that make the whole field about a transaction or a system, not a person.
_NEGATIVE_FIRST = _words(
    "order invoice transaction txn tracking shipment batch lot build commit request session trace span ticket "
    "receipt payment po purchase"
)
# ``ip_address``, ``wallet_address``: an address that is not a postal one.
_NON_POSTAL_ADDRESS = _words(
    "ip ipv4 ipv6 mac wallet server remote local host bind listen contract web memory base gateway node peer "
    "public private bitcoin btc eth ethereum hardware network"
)

# What may follow ``address`` and still be (part of) the postal address; ``address_state`` alone is not.
_ADDRESS_PARTS = frozenset({"line", "line1", "line2", "line_1", "line_2", "1", "2", "street", "full", "text", "str"})
# What may sit under a ``name`` object: ``name.first``, ``name.family``.
_NAME_PARTS = frozenset({"first", "last", "given", "family", "middle", "full", "maiden"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_SEGMENTS = re.compile(r"[.\[\]/]+")


def name_words(name: str) -> list[list[str]]:
    """The path segments of a field name, each as lower-case words: ``patient.dateOfBirth`` -> [[patient], [date,
    of, birth]]; numeric segments (array indices) are dropped."""
    segments: list[list[str]] = []
    for segment in _SEGMENTS.split(name):
        words = [word.lower() for word in _SEPARATORS.split(_CAMEL.sub("_", segment)) if word]
        if words and not all(word.isdigit() for word in words):
            segments.append(words)
    return segments


def _strip_owners(words: list[str]) -> tuple[list[str], str | None]:
    """Drop leading owner and qualifier words; say whether a person or a thing owned the field."""
    owner: str | None = None
    index = 0
    while index < len(words) - 1 and (words[index] in PERSON_OWNERS or words[index] in QUALIFIERS
                                      or words[index] in THING_OWNERS):  # fmt: skip
        if words[index] in PERSON_OWNERS:
            owner = "person"
        elif words[index] in THING_OWNERS:
            owner = "thing"
        index += 1
    return words[index:], owner


def _singular(word: str) -> str:
    """``phones`` -> ``phone``, ``addresses`` -> ``address``: list-valued keys name what each item is."""
    if word.endswith("sses") or word.endswith("xes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _vocabulary_kind(key: str, squashed: str) -> FieldKind | None:
    for vocabulary, kind in (
        (_DOB, FieldKind.DOB),
        (_MRN, FieldKind.MRN),
        (_NAME, FieldKind.NAME),
        (_POSTCODE, FieldKind.POSTCODE),
        (_EMAIL, FieldKind.EMAIL),
        (_PHONE, FieldKind.PHONE),
    ):
        if key in vocabulary or squashed in vocabulary:
            return kind
    if key in _NATIONAL_ID or key in _GENERIC_NATIONAL_ID:
        return FieldKind.NATIONAL_ID
    return None


_NUMBERED_KINDS = (FieldKind.MRN, FieldKind.NATIONAL_ID, FieldKind.PHONE)


def _numbered_kind(rest: list[str]) -> FieldKind | None:
    """``mrn_no``, ``ssn_number``, ``tax_ref``, ``phone_nr``: the kind of what the number suffix numbers."""
    if len(rest) < 2 or rest[-1] not in _ID_SUFFIXES:
        return None
    stem = rest[:-1]
    if stem[-1] in _ID_SUFFIXES and len(stem) > 1:  # ``nino_ref_no``
        stem = stem[:-1]
    key, squashed = "_".join(stem), "".join(stem)
    kind = _vocabulary_kind(key, squashed)
    if kind is None and (key in _PATIENT_ID or key in _NUMBERED_MRN):
        kind = FieldKind.MRN
    if kind is None and key in _NUMBERED_NATIONAL_ID:
        kind = FieldKind.NATIONAL_ID
    if kind is FieldKind.PHONE and rest[-1] not in _NUMBER_WORDS:
        return None  # ``phone_id`` names a handset, ``phone_no`` a number
    return kind if kind in _NUMBERED_KINDS else None


def _classify_words(words: list[str], parent_owner: str | None) -> FieldKind | None:
    joined = "_".join(words)
    if joined in _PATIENT_ID:
        return FieldKind.MRN
    if joined in PERSON_ROLE_FIELDS:
        return FieldKind.NAME
    if words[-1] in _VERSION or joined in _VERSION:
        return FieldKind.VERSION
    whole = _vocabulary_kind(joined, "".join(words)) or _numbered_kind(words)  # ``contact_no`` before owners go
    if whole is not None:
        return whole
    rest, owner = _strip_owners(words)
    owner = owner or parent_owner
    key = "_".join(rest)
    squashed = "".join(rest)
    kind = _vocabulary_kind(key, squashed) or _numbered_kind(rest)
    if kind is not None:
        return kind
    singular = [*rest[:-1], _singular(rest[-1])]
    if singular != rest:  # ``phones``, ``emails``, ``home_addresses``: a list named after what each item is
        key, squashed = "_".join(singular), "".join(singular)
        kind = _vocabulary_kind(key, squashed)
        if kind is not None:
            return kind
        if singular[-1] == "address":
            rest = singular
    if rest[-1] in _POSTCODE:  # address_zip, home_postcode
        return FieldKind.POSTCODE
    if key in _ADDRESS or squashed in _ADDRESS:
        return FieldKind.ADDRESS
    if rest[-1] == "address":  # ip_address, wallet_address are not postal
        return FieldKind.NEGATIVE if rest[-2] in _NON_POSTAL_ADDRESS else FieldKind.ADDRESS
    if rest[0] == "address" and "_".join(rest[1:]) in _ADDRESS_PARTS:  # address_line1, address_street
        return FieldKind.ADDRESS
    if key == "display_name":  # a person's chosen name in a users table, a label elsewhere
        return FieldKind.AMBIGUOUS_NAME
    if key == "name":
        if owner == "person":
            return FieldKind.NAME
        return FieldKind.NEGATIVE if owner == "thing" else FieldKind.AMBIGUOUS_NAME
    if rest[-1] == "name":  # file_name, model_name, street_name: things unless a person owns them
        return FieldKind.NAME if owner == "person" else FieldKind.NEGATIVE
    if rest[-1] in _IDENTIFIER or (rest[-1] in _NUMBER_WORDS and any(word in _IDENTIFIER for word in rest[:-1])):
        return FieldKind.IDENTIFIER
    if words[0] in _NEGATIVE_FIRST or rest[-1] in _NEGATIVE_LAST:
        return FieldKind.NEGATIVE
    return None


@lru_cache(maxsize=4096)  # a dataset has few distinct field names and asks about each one per cell
def field_kind(name: str | None) -> FieldKind | None:
    """What the column or key ``name`` says its values are; ``None`` when it says nothing (``content``, ``text``)."""
    if not name:
        return None
    segments = name_words(name)
    if not segments:
        return None
    leaf = segments[-1]
    parent_owner: str | None = None
    if len(segments) > 1:
        parent = segments[-2]
        parent_kind = _classify_words(parent, None)
        if any(word in PERSON_OWNERS for word in parent):
            parent_owner = "person"
        elif any(word in THING_OWNERS for word in parent):
            parent_owner = "thing"
        leaf_key = "_".join(leaf)
        if parent_kind is FieldKind.ADDRESS and (leaf_key in _ADDRESS_PARTS or leaf_key in _ADDRESS):
            return FieldKind.ADDRESS  # address.line1, address.street
        if parent_kind in (FieldKind.NAME, FieldKind.AMBIGUOUS_NAME) and leaf_key in _NAME_PARTS:
            return FieldKind.NAME  # name.first, name.last
        if parent_kind in (*_NUMBERED_KINDS, FieldKind.EMAIL) and leaf_key in _VALUE_LEAVES:
            return parent_kind  # phones[].number, ssn.value, emails[].value
    return _classify_words(leaf, parent_owner)


# What a field that says it holds something else never yields, though its digits may fit: a date in ``created_at``
# is no birthday, a Luhn-valid ``last_order`` no card.  Emails, IBANs, IPs and credentials are reported anywhere.
_NUMBER_SHAPED = frozenset(
    {EntityType.PHONE, EntityType.DATE_OF_BIRTH, EntityType.PAYMENT_CARD, EntityType.US_SSN, EntityType.UK_NINO,
     EntityType.CA_SIN, EntityType.NL_BSN, EntityType.IN_AADHAAR, EntityType.ES_DNI}
)  # fmt: skip
NEVER_REPORTED: dict[FieldKind, frozenset[EntityType]] = {
    FieldKind.NEGATIVE: frozenset({EntityType.PHONE, EntityType.DATE_OF_BIRTH}),
    FieldKind.IDENTIFIER: _NUMBER_SHAPED,
    FieldKind.VERSION: _NUMBER_SHAPED | {EntityType.IP_ADDRESS},
}
"""Entity types never reported in a field of the kind, whatever the detectors find in its value."""


def is_context_field(name: str | None) -> bool:
    """True when every value under ``name`` must go through ``find_contextual``, whatever the prefilter says."""
    return field_kind(name) in CONTEXT_KINDS


@lru_cache(maxsize=1024)
def national_id_types(name: str | None) -> tuple[EntityType, ...]:
    """The national id types a :attr:`FieldKind.NATIONAL_ID` field may hold: ``ssn`` -> US SSN only."""
    if field_kind(name) is not FieldKind.NATIONAL_ID or not name:
        return ()
    rest, _ = _strip_owners(name_words(name)[-1])
    while len(rest) > 1 and rest[-1] in _ID_SUFFIXES:  # ``ssn_no`` is an SSN
        rest = rest[:-1]
    return _NATIONAL_ID.get("_".join(rest), ALL_NATIONAL_IDS)
