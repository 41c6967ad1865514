"""National id validators accept numbers with the right check digit and reject one-digit changes and examples."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aispm.checks.pii.national_ids import (
    is_valid_aadhaar,
    is_valid_bsn,
    is_valid_ca_sin,
    is_valid_es_dni,
    verhoeff_ok,
)

Validator = Callable[[str], bool]


def _bump_last_digit(value: str) -> str:
    """The same number with its last digit changed, which every check digit scheme here must catch."""
    index = max(i for i, char in enumerate(value) if char.isdigit())
    return value[:index] + str((int(value[index]) + 1) % 10) + value[index + 1 :]


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (is_valid_ca_sin, "390139624"),
        (is_valid_ca_sin, "441 215 472"),
        (is_valid_ca_sin, "503-852-808"),
        (is_valid_aadhaar, "614852538885"),
        (is_valid_aadhaar, "6743 9575 5131"),
        (is_valid_aadhaar, "3002-5167-8008"),
        (is_valid_bsn, "265651505"),
        (is_valid_bsn, "2276.54.444"),
        (is_valid_bsn, "366764020"),
    ],
)
def test_valid_number_and_its_one_digit_change(validator: Validator, value: str) -> None:
    assert validator(value)
    assert not validator(_bump_last_digit(value))


def test_verhoeff_reference_vector() -> None:
    # 236 has Verhoeff check digit 3 (the scheme's textbook example); swapping neighbours is caught too.
    assert verhoeff_ok("2363")
    assert not verhoeff_ok("2364")
    assert not verhoeff_ok("3263")


@pytest.mark.parametrize("value", ["67069361G", "73520992-C", "88809494p", "Y9217889D", "Y-1002997-G"])
def test_spanish_dni_and_nie_letter(value: str) -> None:
    assert is_valid_es_dni(value)


@pytest.mark.parametrize("value", ["67069361H", "Y9217889E", "W1234567A", "1234567Z", "ABCDEFGHZ", "11111111H"])
def test_spanish_dni_wrong_letter_or_shape(value: str) -> None:
    assert not is_valid_es_dni(value)


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (is_valid_ca_sin, "046 454 286"),  # the SIN printed on Service Canada's sample card
        (is_valid_ca_sin, "123 456 782"),  # keyboard run with a valid Luhn digit
        (is_valid_ca_sin, "846454286"),  # 8 is not a SIN's first digit
        (is_valid_ca_sin, "3901396241"),  # ten digits
        (is_valid_ca_sin, "390/139/624"),  # not a way to group digits
        (is_valid_aadhaar, "114852538885"),  # 0 and 1 never start an Aadhaar number
        (is_valid_aadhaar, "2222 2222 2222"),  # filler
        (is_valid_aadhaar, "61485253888"),  # eleven digits
        (is_valid_bsn, "111222333"),  # the BSN used in Dutch government examples
        (is_valid_bsn, "123456782"),
        (is_valid_bsn, "000000000"),
        (is_valid_es_dni, "12345678Z"),  # the DNI on every sample form
        (is_valid_es_dni, "X1234567L"),
    ],
)
def test_examples_and_wrong_shapes_rejected(validator: Validator, value: str) -> None:
    assert not validator(value)


def test_bsn_with_eight_digits_has_an_implied_leading_zero() -> None:
    # 012345672: 0*9+1*8+2*7+3*6+4*5+5*4+6*3+7*2-2 = 110 = 11*10
    assert is_valid_bsn("12345672")
    assert is_valid_bsn("012345672")
    assert not is_valid_bsn("12345673")
