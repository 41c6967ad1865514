"""Field names classify the values under them whatever their style, and timestamps and ids never count as PII."""

from __future__ import annotations

import pytest

from aispm.checks.pii.context import (
    NEVER_REPORTED,
    FieldKind,
    field_kind,
    is_context_field,
    name_words,
    national_id_types,
)
from aispm.checks.pii.entities import EntityType


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("dob", FieldKind.DOB),
        ("DOB", FieldKind.DOB),
        ("dateOfBirth", FieldKind.DOB),
        ("Date of Birth", FieldKind.DOB),
        ("birth-date", FieldKind.DOB),
        ("patient_dob", FieldKind.DOB),
        ("patient.birthDate", FieldKind.DOB),
        ("Geburtsdatum", FieldKind.DOB),
        ("mrn", FieldKind.MRN),
        ("MedicalRecordNumber", FieldKind.MRN),
        ("patient_id", FieldKind.MRN),
        ("chart_no", FieldKind.MRN),
        ("first_name", FieldKind.NAME),
        ("LastName", FieldKind.NAME),
        ("surname", FieldKind.NAME),
        ("customer_name", FieldKind.NAME),
        ("customer.name", FieldKind.NAME),
        ("name.first", FieldKind.NAME),
        ("name", FieldKind.AMBIGUOUS_NAME),
        ("display_name", FieldKind.AMBIGUOUS_NAME),
        ("address", FieldKind.ADDRESS),
        ("billing_address", FieldKind.ADDRESS),
        ("address_line1", FieldKind.ADDRESS),
        ("customer.address.line1", FieldKind.ADDRESS),
        ("street", FieldKind.ADDRESS),
        ("postcode", FieldKind.POSTCODE),
        ("ZipCode", FieldKind.POSTCODE),
        ("address.zip", FieldKind.POSTCODE),
        ("email", FieldKind.EMAIL),
        ("email_address", FieldKind.EMAIL),
        ("home_phone", FieldKind.PHONE),
        ("mobileNumber", FieldKind.PHONE),
        ("ssn", FieldKind.NATIONAL_ID),
        ("national_id", FieldKind.NATIONAL_ID),
        ("employee.aadhaar_number", FieldKind.NATIONAL_ID),
        ("tax_id", FieldKind.NATIONAL_ID),
    ],
)
def test_personal_field_names(name: str, kind: FieldKind) -> None:
    assert field_kind(name) is kind
    assert is_context_field(name) is (kind is not FieldKind.EMAIL)


@pytest.mark.parametrize(
    "name",
    [
        "created_at",
        "updatedAt",
        "deleted-on",
        "timestamp",
        "order_date",
        "order_notes",  # free text about an order: not an id, still no birthday or phone
        "sha256",
        "hash",
        "product_name",
        "product.name",
        "company_name",
        "file_name",
        "street_name",
        "username",
        "ip_address",
        "wallet_address",
        "metadata.created_at",
    ],
)
def test_negative_field_names(name: str) -> None:
    assert field_kind(name) is FieldKind.NEGATIVE
    assert not is_context_field(name)


@pytest.mark.parametrize(
    "name",
    ["order_id", "invoice_number", "uuid", "id", "customer_id", "sku", "last_order", "gtin", "product.gtin", "ean13",
     "upc_code", "isbn", "tracking_no", "order_number", "reference", "serial_number", "ticket", "transactionId"],
)  # fmt: skip
def test_identifier_field_names(name: str) -> None:
    assert field_kind(name) is FieldKind.IDENTIFIER
    assert not is_context_field(name)


@pytest.mark.parametrize("name", ["card_number", "credit_card", "account_number", "notes", "order_notes"])
def test_numbers_that_are_no_identifier(name: str) -> None:
    assert field_kind(name) is not FieldKind.IDENTIFIER


@pytest.mark.parametrize("name", [None, "", "content", "text", "messages[3].content", "prompt", "city", "country",
                                  "address.city", "address_state", "notes", "birth_year"])  # fmt: skip
def test_names_that_say_nothing(name: str | None) -> None:
    assert field_kind(name) is None
    assert not is_context_field(name)


def test_name_words_split_every_style() -> None:
    assert name_words("patient.dateOfBirth") == [["patient"], ["date", "of", "birth"]]
    assert name_words("messages[0].content") == [["messages"], ["content"]]
    assert name_words("Address Line-1") == [["address", "line", "1"]]
    assert name_words("HTTPStatusCode") == [["http", "status", "code"]]


def test_national_id_types_follow_the_name() -> None:
    assert national_id_types("ssn") == (EntityType.US_SSN,)
    assert national_id_types("customer_sin") == (EntityType.CA_SIN,)
    assert national_id_types("BSN") == (EntityType.NL_BSN,)
    assert EntityType.ES_DNI in national_id_types("national_id")
    assert EntityType.IN_AADHAAR in national_id_types("national_id")
    assert national_id_types("created_at") == ()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        # A number suffix after what it numbers: the thing itself.
        ("mrn_no", FieldKind.MRN),
        ("MRN_Number", FieldKind.MRN),
        ("chart_nr", FieldKind.MRN),
        ("ssn_no", FieldKind.NATIONAL_ID),
        ("nino_ref", FieldKind.NATIONAL_ID),
        ("tax_ref", FieldKind.NATIONAL_ID),
        ("taxNo", FieldKind.NATIONAL_ID),
        ("phone_nr", FieldKind.PHONE),
        ("contact_no", FieldKind.PHONE),
        ("contactNumber", FieldKind.PHONE),
        # A list's key names each item; a value leaf takes its owner's kind.
        ("primary_contact.phones[0].number", FieldKind.PHONE),
        ("contacts[2].mobiles[0].value", FieldKind.PHONE),
        ("patient.ssn.value", FieldKind.NATIONAL_ID),
        ("emails[0]", FieldKind.EMAIL),
        ("home_addresses", FieldKind.ADDRESS),
        # A column named after a person who is always a person holds the name.
        ("patient", FieldKind.NAME),
        ("next_of_kin", FieldKind.NAME),
        ("Guardian", FieldKind.NAME),
        ("policyholder", FieldKind.NAME),
    ],
)
def test_normalised_field_names(name: str, kind: FieldKind) -> None:
    assert field_kind(name) is kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("tax", None),  # an amount, not an id
        ("tax_rate", None),
        ("phone_id", FieldKind.IDENTIFIER),  # a handset, not a number
        ("customer", None),  # may be a company
        ("contact", None),  # may be an email or a phone
        ("customer_number", None),
        ("items[0].number", None),  # a number of an item, not of a phone
        ("order_no", FieldKind.IDENTIFIER),
        ("build_id", FieldKind.IDENTIFIER),
        ("release_date", FieldKind.NEGATIVE),
        ("patient_id", FieldKind.MRN),
        ("is_patient", None),
    ],
)
def test_normalisation_keeps_other_names_apart(name: str, kind: FieldKind | None) -> None:
    assert field_kind(name) is kind


@pytest.mark.parametrize("name", ["version", "firmware", "sw_version", "fw_version", "device.firmware", "kernel"])
def test_version_fields_never_yield_addresses_or_numbers(name: str) -> None:
    assert field_kind(name) is FieldKind.VERSION
    assert EntityType.IP_ADDRESS in NEVER_REPORTED[FieldKind.VERSION]
    assert EntityType.PHONE in NEVER_REPORTED[FieldKind.VERSION]
    assert not is_context_field(name)


def test_national_id_types_ignore_number_suffixes() -> None:
    assert national_id_types("ssn_no") == (EntityType.US_SSN,)
    assert national_id_types("customer_nino_number") == (EntityType.UK_NINO,)
    assert EntityType.US_SSN in national_id_types("tax_ref")
