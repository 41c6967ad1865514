"""Each validator accepts plausible real values and rejects look-alikes and published samples."""

from __future__ import annotations

import pytest

from aispm.checks.pii.validators import (
    card_issuer,
    is_fictional_uk_number,
    is_fictional_us_number,
    is_public_ip,
    is_real_email,
    is_valid_card,
    is_valid_iban,
    is_valid_nino,
    is_valid_phone,
    is_valid_ssn,
    luhn_ok,
)


@pytest.mark.parametrize(
    ("number", "issuer"),
    [
        ("4539148803436467", "visa"),
        ("5425233430109903", "mastercard"),
        ("2223000048410010", "mastercard"),
        ("374245455400126", "amex"),
        ("6011514433546201", "discover"),
        ("3530119876543217", "jcb"),
    ],
)
def test_real_looking_cards_pass_luhn_and_issuer(number: str, issuer: str) -> None:
    assert card_issuer(number) == issuer
    assert is_valid_card(number)


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111111",  # published test numbers
        "4242424242424242",
        "5555555555554444",
        "378282246310005",
        "6011111111111117",
        "4539148803436468",  # Luhn fails
        "1234567812345670",  # Luhn ok, no issuer starts with 1
        "4539 1488 0343",  # too short
        "0000000000000000",
    ],
)
def test_card_decoys_are_rejected(number: str) -> None:
    assert not is_valid_card(number)


def test_luhn() -> None:
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")


@pytest.mark.parametrize("ssn", ["536-22-1234", "123-45-6788", "665-01-0001", "899 99 9999"])
def test_valid_ssns(ssn: str) -> None:
    assert is_valid_ssn(ssn)


@pytest.mark.parametrize(
    "ssn",
    [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "987-65-4321",  # advertising range (9xx area)
        "536-00-1234",
        "536-22-0000",
        "078-05-1120",  # Woolworth wallet card
        "219-09-9999",  # SSA pamphlet sample
        "123-45-6789",
        "536-22-123",
    ],
)
def test_invalid_ssns(ssn: str) -> None:
    assert not is_valid_ssn(ssn)


@pytest.mark.parametrize(
    "iban",
    ["GB04NWBK40516289173052", "FR2430004028370001739283574", "NL09RABO0317496025", "ES34 2080 4937 2510 4318 6592"],
)
def test_valid_ibans(iban: str) -> None:
    assert is_valid_iban(iban)


@pytest.mark.parametrize(
    "iban",
    [
        "GB33BUKB20201555555556",  # mod-97 fails
        "GB33BUKB2020155555555",  # wrong length for GB
        "XX33BUKB20201555555555",  # unknown country
        "DE89370400440532013000",  # documentation example
        "GB82WEST12345698765432",
        # The IBAN registry's per-country examples: valid check digits, printed in every tutorial.
        "IT60X0542811101000000123456",
        "PL61109010140000071219812874",
        "BE68539007547034",
        "ES91 2100 0418 4502 0005 1332",
        "FR1420041010050500013M02606",
        "NL91 ABNA 0417 1643 00",
        "GB33BUKB20201555555555",
        "CH9300762011623852957",
        "PT50000201231234567890154",
    ],
)
def test_invalid_ibans(iban: str) -> None:
    assert not is_valid_iban(iban)


@pytest.mark.parametrize("nino", ["JG103773B", "JG 10 37 73 B", "ce123456a", "PX654321D"])
def test_valid_ninos(nino: str) -> None:
    assert is_valid_nino(nino)


@pytest.mark.parametrize(
    "nino",
    [
        "DA123456A",  # D is not allowed first
        "AO123456A",  # O is not allowed second
        "GB123456A",  # unallocated prefix
        "TN123456A",  # temporary number prefix
        "JG103773E",  # suffix must be A-D
        "QQ123456C",  # form example
        "AB123456C",
        "JG10377B",
    ],
)
def test_invalid_ninos(nino: str) -> None:
    assert not is_valid_nino(nino)


@pytest.mark.parametrize("email", ["jane.doe@gmail.com", "j+tag@mail.company.co.uk", "x_y@exampled.com"])
def test_real_emails(email: str) -> None:
    assert is_real_email(email)


@pytest.mark.parametrize(
    "email",
    [
        "user@example.com",
        "someone@mail.example.org",
        "a@example.net",
        "bob@host.test",
        "x@foo.invalid",
        "me@site.example",
        "logo@2x.png",
        "not-an-email",
    ],
)
def test_decoy_emails(email: str) -> None:
    assert not is_real_email(email)


@pytest.mark.parametrize("address", ["8.8.8.8", "81.2.69.142", "2606:4700:4700::1111", "2a00:1450:4009:81f::200e"])
def test_public_ips(address: str) -> None:
    assert is_public_ip(address)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.4.2",
        "192.168.1.10",
        "127.0.0.1",
        "169.254.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "192.0.2.15",  # documentation ranges
        "198.51.100.7",
        "203.0.113.99",
        "2001:db8::1",
        "::1",
        "fe80::1",
        "fd00::1",
        "224.0.0.1",
        "256.1.1.1",
        "12:30:45",
    ],
)
def test_non_public_ips(address: str) -> None:
    assert not is_public_ip(address)


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("+44 20 7183 8750", None),
        ("+44 7911 123456", None),
        ("+1 212-736-5000", None),
        ("+33 1 42 68 53 00", None),
        ("(212) 736-5000", "US"),
    ],
)
def test_valid_phones(number: str, region: str | None) -> None:
    assert is_valid_phone(number, region)


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("+1 202-555-0143", None),  # fictional 555-01xx
        ("+44 20 7946 0958", None),  # Ofcom drama range
        ("+44 7700 900123", None),
        ("+12345678901", None),  # keyboard run
        ("+1 1700000000", None),  # a unix timestamp with a plus
        ("(212) 736-5000", None),  # national format needs a region
        ("20240115", "US"),  # a date
        ("+999 1234 5678", None),  # no such country code
    ],
)
def test_phone_decoys(number: str, region: str | None) -> None:
    assert not is_valid_phone(number, region)


@pytest.mark.parametrize(
    ("digits", "fictional"),
    [
        ("5550100", True),  # 555-0100 without an area code
        ("5550199", True),
        ("2125550123", True),
        ("12125550199", True),  # with the trunk prefix
        ("5550200", False),  # 555-0200 and up are ordinary numbers
        ("2125550200", False),
        ("2127365000", False),
        ("55501", False),
    ],
)
def test_fictional_us_numbers(digits: str, fictional: bool) -> None:
    assert is_fictional_us_number(digits) is fictional


@pytest.mark.parametrize(
    ("digits", "fictional"),
    [
        ("07700900123", True),  # Ofcom's drama mobiles, with the trunk prefix
        ("447700900123", True),  # with the country code
        ("7700900123", True),
        ("02079460321", True),
        ("01134960555", True),
        ("07700901123", False),
        ("07911123856", False),
        ("02071838750", False),
    ],
)
def test_fictional_uk_numbers(digits: str, fictional: bool) -> None:
    assert is_fictional_uk_number(digits) is fictional
