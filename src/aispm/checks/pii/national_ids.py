"""Check-digit validators for national identity numbers that are found by field name or an inline keyword.

Each of these numbers is a short digit run that many ids, codes and counters also are, so a validator alone is not
evidence: :mod:`.contextual` only asks it about a value under an ``aadhaar``/``bsn``/``sin``... field or right
after such a keyword.  The check digit then removes most accidental matches (9 in 10 or more), and the published
examples from forms and guidance are rejected like the test card numbers are.  Pure functions, no I/O.
"""

from __future__ import annotations

import re

from aispm.checks.pii.validators import digits_only, luhn_ok

# Dihedral group D5 multiplication and the position permutation of the Verhoeff scheme (Aadhaar's check digit).
_VERHOEFF_MULTIPLY = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_PERMUTE = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_NIE_PREFIX = {"X": "0", "Y": "1", "Z": "2"}
_DNI_SHAPE = re.compile(r"(?:\d{8}|[XYZ]\d{7})[A-Z]")
# Digits may be grouped by spaces, dashes or dots (``046 454 286``, ``1234-5678-9012``), nothing else.
_GROUPED_DIGITS = re.compile(r"\d[\d .-]*\d")

# Numbers printed as the example on forms, in guidance and in tutorials: valid check digits, never a person.
EXAMPLE_SINS = frozenset({"046454286", "123456782", "130692544"})
EXAMPLE_BSNS = frozenset({"111222333", "123456782", "999999990"})
EXAMPLE_AADHAARS = frozenset({"234123412346", "999941057058", "499118665246"})
EXAMPLE_DNIS = frozenset({"12345678Z", "00000000T", "99999999R", "X1234567L", "Y1234567X", "Z1234567R"})

MIN_DISTINCT_DIGITS = 3


def _grouped_digits(value: str, length: int) -> str | None:
    """The digits of ``value`` when it is exactly ``length`` digits, optionally grouped, and not a filler run."""
    stripped = value.strip()
    if not _GROUPED_DIGITS.fullmatch(stripped):
        return None
    number = digits_only(stripped)
    if len(number) != length or len(set(number)) < MIN_DISTINCT_DIGITS:
        return None
    return number


def verhoeff_ok(number: str) -> bool:
    """The Verhoeff check digit: catches every single-digit error and every swap of neighbours."""
    check = 0
    for position, char in enumerate(reversed(number)):
        check = _VERHOEFF_MULTIPLY[check][_VERHOEFF_PERMUTE[position % 8][ord(char) - 48]]
    return check == 0


def is_valid_ca_sin(value: str) -> bool:
    """A Canadian Social Insurance Number: nine digits, Luhn, and a first digit the government assigns (not 0 or 8)."""
    number = _grouped_digits(value, 9)
    if number is None or number[0] in "08" or number in EXAMPLE_SINS:
        return False
    return luhn_ok(number)


def is_valid_aadhaar(value: str) -> bool:
    """An Indian Aadhaar number: twelve digits not starting with 0 or 1, with a Verhoeff check digit."""
    number = _grouped_digits(value, 12)
    if number is None or number[0] in "01" or number in EXAMPLE_AADHAARS:
        return False
    return verhoeff_ok(number)


def is_valid_bsn(value: str) -> bool:
    """A Dutch burgerservicenummer: nine digits (eight with an implied leading zero) passing the "11-proof"."""
    stripped = value.strip()
    number = _grouped_digits(stripped, 8) if len(digits_only(stripped)) == 8 else _grouped_digits(stripped, 9)
    if number is None:
        return False
    number = number.zfill(9)
    if number in EXAMPLE_BSNS:
        return False
    total = sum((9 - position) * (ord(char) - 48) for position, char in enumerate(number[:8])) - (ord(number[8]) - 48)
    return total % 11 == 0 and total != 0


def is_valid_es_dni(value: str) -> bool:
    """A Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is the number mod 23."""
    compact = value.strip().replace("-", "").replace(" ", "").replace(".", "").upper()
    if not _DNI_SHAPE.fullmatch(compact) or compact in EXAMPLE_DNIS:
        return False
    digits = _NIE_PREFIX.get(compact[0], compact[0]) + compact[1:-1]
    if len(set(digits)) < MIN_DISTINCT_DIGITS:
        return False
    return _DNI_LETTERS[int(digits) % 23] == compact[-1]
