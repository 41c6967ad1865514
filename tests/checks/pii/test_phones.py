"""National-format phone numbers: valid in one of a few numbering plans, never a fiction range, only after a cue."""

from __future__ import annotations

import re

import pytest

from aispm.checks.pii.phones import PHONE_TRIGGER, is_national_phone, phone_by_field, phone_inline


@pytest.mark.parametrize(
    "value", ["(415) 736-2671", "415-736-2671", "07911 123856", "020 7183 8750", "070 3231 7488", "0161 739 2046"]
)
def test_valid_national_numbers(value: str) -> None:
    assert is_national_phone(value)


@pytest.mark.parametrize(
    "value",
    [
        "(212) 555-0143",  # NANP fiction
        "555-0100",
        "07700 900123",  # Ofcom drama ranges, valid in the Indian and German plans
        "020 7946 0321",
        "0113 496 0555",
        "1234 5678",
        "12",
    ],
)
def test_fiction_and_invalid_numbers(value: str) -> None:
    assert not is_national_phone(value)


def test_by_field_takes_the_whole_value_only() -> None:
    assert list(phone_by_field(" 07911 123856 ")) != []
    assert list(phone_by_field("07911 123856 and more")) == []


def test_inline_spans_and_the_trigger_is_a_necessary_condition() -> None:
    trigger = re.compile(PHONE_TRIGGER, re.IGNORECASE | re.ASCII)
    text = "Thanks! My mobile is 07911 123856, or call me back at (415) 736-2671 after 5pm."
    spans = [text[start:end] for start, end, _ in phone_inline(text)]
    assert spans == ["07911 123856", "(415) 736-2671"]
    for start, end, _ in phone_inline(text):
        assert trigger.search(text, max(0, start - 120), end)
    assert list(phone_inline("Order 07911 123856 and invoice (415) 736-2671")) == []
