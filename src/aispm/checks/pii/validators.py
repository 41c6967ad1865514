"""Checks that turn a regex match into a personal-data entity: checksums, issuer and numbering rules, reserved ranges.

A match alone is not evidence: test card numbers pass Luhn, documentation IP ranges look like addresses and order
ids look like phone numbers.  Each function answers "is this a plausible real value of the type?" and rejects the
well-known samples that documentation, tests and tutorials use.  Pure functions, no I/O.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import phonenumbers

# Card numbers that payment processors publish for testing; they pass Luhn but are never a real card.
TEST_CARD_NUMBERS = frozenset(
    {
        "4111111111111111",
        "4242424242424242",
        "4012888888881881",
        "4222222222222",
        "4000056655665556",
        "4000000000000002",
        "4000000000009995",
        "4000002500003155",
        "4000000000000077",
        "4000000000003220",
        "5555555555554444",
        "5105105105105100",
        "5200828282828210",
        "5454545454545454",
        "2223003122003222",
        "378282246310005",
        "371449635398431",
        "378734493671000",
        "6011111111111117",
        "6011000990139424",
        "30569309025904",
        "38520000023237",
        "3530111333300000",
        "3566002020360505",
        "6200000000000005",
    }
)

# US SSNs that are invalid although well formed: the Woolworth wallet card, the Social Security Board's own
# pamphlet sample, and the numbers reserved for advertising (987-65-4320 to 987-65-4329 are caught by the 9xx area).
INVALID_SSNS = frozenset({"078051120", "219099999", "123456789"})

# Example IBANs printed in the IBAN registry (one per country, as SWIFT publishes it), the ECBS's GB82 WEST example,
# the tutorials' GB33 BUKB and GB94 BARC, and so in bank documentation: valid check digits, nobody's account.
_REGISTRY_EXAMPLE_IBANS = (
    "AD1200012030200359100100 AE070331234567890123456 AL47212110090000000235698741 AT611904300234573201 "
    "AZ21NABZ00000000137010001944 BA391290079401028494 BE68539007547034 BG80BNBG96611020345678 "
    "BH67BMAG00001299123456 BR1800360305000010009795493C1 BY13NBRB3600900000002Z00AB00 "
    "CH9300762011623852957 CR05015202001026284066 CY17002001280000001200527600 CZ6508000000192000145399 "
    "DE89370400440532013000 DK5000400440116243 DO28BAGR00000001212453611324 EE382200221020145685 "
    "EG380019000500000000263180002 ES9121000418450200051332 FI2112345600000785 FO6264600001631634 "
    "FR1420041010050500013M02606 GB29NWBK60161331926819 GB33BUKB20201555555555 GB82WEST12345698765432 "
    "GB94BARC10201530093459 GE29NB0000000101904917 GI75NWBK000000007099453 GL8964710001000206 "
    "GR1601101250000000012300695 GT82TRAJ01020000001210029690 HR1210010051863000160 "
    "HU42117730161111101800000000 IE29AIBK93115212345678 IL620108000000099999999 IQ98NBIQ850123456789012 "
    "IS140159260076545510730339 IT60X0542811101000000123456 JO94CBJO0010000000000131000302 "
    "KW81CBKU0000000000001234560101 KZ86125KZT5004100100 LB62099900000001001901229114 "
    "LC55HEMM000100010012001200023015 LI21088100002324013AA LT121000011101001000 LU280019400644750000 "
    "LV80BANK0000435195001 MC5811222000010123456789030 MD24AG000225100013104168 ME25505000012345678951 "
    "MK07250120000058984 MR1300020001010000123456753 MT84MALT011000012345MTLCAST001S "
    "MU17BOMM0101101030300200000MUR NL91ABNA0417164300 NO9386011117947 PK36SCBL0000001123456702 "
    "PL61109010140000071219812874 PS92PALS000000000400123456702 PT50000201231234567890154 "
    "QA58DOHB00001234567890ABCDEFG RO49AAAA1B31007593840000 RS35260005601001611379 "
    "SA0380000000608010167519 SC18SSCB11010000000000001497USD SE4550000000058398257466 "
    "SI56263300012039086 SK3112000000198742637541 SM86U0322509800000000270100 ST68000100010051845310112 "
    "SV62CENR00000000000000700025 TL380080012345678910157 TN5910006035183598478831 "
    "TR330006100519786457841326 UA213223130000026007233566001 VA59001123000012345678 "
    "VG96VPVG0000012345678901 XK051212012345678906 "
)
EXAMPLE_IBANS = frozenset(_REGISTRY_EXAMPLE_IBANS.split())

# UK National Insurance numbers used as the example on government forms and guidance.
EXAMPLE_NINOS = frozenset({"AB123456C", "QQ123456C", "AA123456A"})

# IBAN length per country (ISO 13616 registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

# Reserved for documentation and testing (RFC 2606, RFC 6761): never a real person's mailbox.
RESERVED_EMAIL_DOMAINS = frozenset({"example.com", "example.org", "example.net", "test.com"})
"""RFC 2606's, and ``test.com``: registered, but what people type as a placeholder (``a@test.com``)."""
RESERVED_EMAIL_TLDS = frozenset({"test", "invalid", "example", "localhost", "local"})
# ``logo@2x.png``: retina asset names look like addresses.
FILE_EXTENSION_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "css", "js"})

_NINO_BAD_FIRST = frozenset("DFIQUV")
_NINO_BAD_SECOND = frozenset("DFIOQUV")
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NINO_SHAPE = re.compile(r"[A-Z]{2}\d{6}[A-D]?")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
# 555-01xx numbers are reserved for fiction and examples in the North American numbering plan, with or without
# their area code (and trunk prefix 1).
_FICTIONAL_US_NUMBER = re.compile(r"(?:1?\d{3})?55501\d{2}")
# 123-4567, 000000: keyboard-run and repeated digits are placeholders, not someone's number.
_PLACEHOLDER_DIGITS = re.compile(r"1234567|2345678|3456789|9876543|(\d)\1{5}")
# Ofcom's ranges for drama and documentation (020 7946 0xxx, 07700 900xxx, 0113 496 0xxx, ...).
_FICTIONAL_UK_NUMBER = re.compile(
    r"(?:2079460|7700900|1134960|1144960|1154960|1164960|1174960|1184960|1214960|1314960|1414960|1514960|1614960"
    r"|1632960|2890180|2920180|3069990|8081570|9098790)\d{3}"
)
_EMAIL_SHAPE = re.compile(r"[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}")

MIN_CARD_DISTINCT_DIGITS = 4


def digits_only(value: str) -> str:
    """The digits of a value, dropping the spaces, dashes and dots people write between groups."""
    return "".join(char for char in value if char.isdigit())


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check digit every payment card carries."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_issuer(number: str) -> str | None:
    """The card scheme whose number range and length the number fits, or None for no known scheme."""
    length = len(number)
    prefix2, prefix3, prefix4, prefix6 = int(number[:2]), int(number[:3]), int(number[:4]), int(number[:6])
    if number[0] == "4" and length in (13, 16, 19):
        return "visa"
    if (51 <= prefix2 <= 55 or 2221 <= prefix4 <= 2720) and length == 16:
        return "mastercard"
    if prefix2 in (34, 37) and length == 15:
        return "amex"
    if (prefix4 == 6011 or 644 <= prefix3 <= 649 or prefix2 == 65 or 622126 <= prefix6 <= 622925) and (
        16 <= length <= 19
    ):
        return "discover"
    if 3528 <= prefix4 <= 3589 and 16 <= length <= 19:
        return "jcb"
    if (300 <= prefix3 <= 305 or prefix2 in (36, 38, 39)) and 14 <= length <= 19:
        return "diners"
    if prefix2 == 62 and 16 <= length <= 19:
        return "unionpay"
    if (prefix2 == 50 or 56 <= prefix2 <= 69) and 12 <= length <= 19:
        return "maestro"
    return None


def is_valid_card(value: str) -> bool:
    """A payment card number: a known issuer's range and length, Luhn, and not a published test number."""
    number = digits_only(value)
    if not 12 <= len(number) <= 19 or number in TEST_CARD_NUMBERS:
        return False
    if len(set(number)) < MIN_CARD_DISTINCT_DIGITS:  # 4111..., 5555...: filler, not a card
        return False
    return card_issuer(number) is not None and luhn_ok(number)


def is_valid_ssn(value: str) -> bool:
    """A US Social Security number the SSA could have issued: area not 000/666/9xx, group and serial not zero."""
    number = digits_only(value)
    if len(number) != 9 or number in INVALID_SSNS:
        return False
    area, group, serial = number[:3], number[3:5], number[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    return group != "00" and serial != "0000"


def is_valid_iban(value: str) -> bool:
    """An IBAN: the country's registered length and the ISO 7064 mod-97 check digits, not a documentation sample."""
    iban = value.replace(" ", "").upper()
    if not _IBAN_SHAPE.fullmatch(iban) or IBAN_LENGTHS.get(iban[:2]) != len(iban) or iban in EXAMPLE_IBANS:
        return False
    rearranged = iban[4:] + iban[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def is_valid_nino(value: str) -> bool:
    """A UK National Insurance number: HMRC's prefix letter rules and an A-D suffix, not a form example."""
    nino = value.replace(" ", "").upper()
    if not _NINO_SHAPE.fullmatch(nino) or nino in EXAMPLE_NINOS or nino[:8] + "C" in EXAMPLE_NINOS:
        return False
    first, second = nino[0], nino[1]
    return first not in _NINO_BAD_FIRST and second not in _NINO_BAD_SECOND and nino[:2] not in _NINO_BAD_PREFIXES


def is_real_email(value: str) -> bool:
    """An address that can belong to a person: not a reserved documentation/test domain or an image file name."""
    if not _EMAIL_SHAPE.fullmatch(value):
        return False
    domain = value.rsplit("@", 1)[1].lower()
    tld = domain.rsplit(".", 1)[-1]
    if tld in RESERVED_EMAIL_TLDS or tld in FILE_EXTENSION_TLDS:
        return False
    return not any(domain == reserved or domain.endswith("." + reserved) for reserved in RESERVED_EMAIL_DOMAINS)


def is_public_ip(value: str) -> bool:
    """A globally routable unicast address (identifies a user or host); private, loopback, link-local, shared,
    multicast and the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are not."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.is_global and not address.is_multicast


_NANP_STRUCTURE = re.compile(r"1?([2-9](?!11)[0-8][0-9])([2-9](?!11)[0-9]{2})[0-9]{4}")
"""NANP numbering-plan form: NPA NXX-XXXX, area code and exchange from 2-9, no N11 service codes, no N9X area code
(kept for expansion)."""


def is_nanp_shaped(digits: str) -> bool:
    """Ten digits (after an optional 1) that the North American plan's structure allows, assigned or not yet: the
    plan gains area codes every year, so where a field or a cue already says "phone" the structure is enough."""
    return _NANP_STRUCTURE.fullmatch(digits) is not None and not is_fictional_us_number(digits)


def is_fictional_us_number(digits: str) -> bool:
    """``555-0123``, ``(212) 555-0123``, ``1 212 555 0123`` as digits: a North American number kept for fiction."""
    return _FICTIONAL_US_NUMBER.fullmatch(digits) is not None


def is_fictional_uk_number(digits: str) -> bool:
    """``07700 900123``, ``020 7946 0321`` as digits (trunk ``0`` or country code ``44`` optional): Ofcom's drama
    ranges, which other regions' plans may still accept (07700 900xxx fits the Indian and German ones)."""
    national = digits[2:] if digits.startswith("44") else digits[1:] if digits.startswith("0") else digits
    return _FICTIONAL_UK_NUMBER.fullmatch(national) is not None


@lru_cache(maxsize=65_536)  # phonenumbers is the slow step; chat corpora repeat the same numbers
def is_valid_phone(value: str, default_region: str | None = None) -> bool:
    """A number its country's numbering plan allows (via ``phonenumbers``), not a range reserved for fiction.

    Without a ``default_region`` only international numbers (``+44 ...``) can be validated.
    """
    try:
        parsed = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and is_real_number(parsed)


@lru_cache(maxsize=65_536)
def is_mobile_number(value: str, region: str) -> bool:
    """A mobile number in ``region``'s plan (``07911 123856`` in the UK)."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE


def is_real_number(parsed: phonenumbers.PhoneNumber) -> bool:
    """A number (already found valid) that is not a placeholder (123-4567) or a range kept for fiction."""
    national = str(parsed.national_number)
    if _PLACEHOLDER_DIGITS.search(national):
        return False
    if parsed.country_code == 1:
        return not is_fictional_us_number(national)
    return parsed.country_code != 44 or _FICTIONAL_UK_NUMBER.fullmatch(national) is None
