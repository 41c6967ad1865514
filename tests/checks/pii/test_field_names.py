"""Field names leave the scanner only when they are plain labels: a header or key can be personal data itself."""

from __future__ import annotations

import pytest

from aispm.checks.pii.field_names import REDACTED_FIELD, is_plain_identifier, safe_field_name


@pytest.mark.parametrize(
    "name",
    [
        "jane.doe@gmail.com",  # an email keying a JSON record
        "users.jane.doe@gmail.com.plan",
        "+44 20 7183 8750",  # a headerless CSV's first row
        "536-22-1234",
        "4539 1488 0343 6467",
        "John Smith",  # a person's name as a column
        "Maria Garcia",
        "12 Baker Street",
        "1985-03-12",
        "07911123856",
        "x" * 200,
        "note: call me",
        "JG103773B",  # a National Insurance number: a plain word, but a valid entity
    ],
)
def test_names_that_are_values_are_redacted(name: str) -> None:
    assert safe_field_name(name) == REDACTED_FIELD


@pytest.mark.parametrize(
    "name",
    [
        "email",
        "Date of Birth",
        "E-Mail",
        "address_line_2",
        "patient.name",
        "messages.content",
        "customer.address.street",
        "First Name",
        "Street Address",
        "Phone Number",
        "q1_2024",
        "col3",
        "Straße",
    ],
)
def test_column_labels_are_kept(name: str) -> None:
    assert safe_field_name(name) == name
    assert is_plain_identifier(name)


def test_no_field_is_no_field() -> None:
    assert safe_field_name(None) is None
