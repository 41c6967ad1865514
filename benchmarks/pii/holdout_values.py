"""Seeded values for the held-out PII corpus, written from the formats' published rules, independently of
``values.py`` and of aispm's detectors (other issuers, other countries, other shapes than the tuning corpus).

Every generator returns the exact text that is planted.  Decoys are things a careless tool reports: processor test
cards, documentation addresses, invalid SSNs, fictional phone ranges, registry example IBANs, placeholder keys.
"""

from __future__ import annotations

import random
import string
import uuid
import zlib

FIRST = (
    "Priya", "Tomasz", "Chinedu", "Maëlle", "Rhys", "Ingrid", "Mateo", "Siobhan", "Kenji", "Fatima", "Oluwaseun",
    "Henrik", "Lucía", "Declan", "Anneliese", "Rajesh", "Bronwyn", "Yusuf", "Camille", "Dmitri", "Aoife", "Thabo",
    "Margarethe", "Sunil", "Evangeline", "Kwame", "Niamh", "Bartholomew", "Leilani", "Grzegorz", "Harriet", "Ravi",
    "Ximena", "Callum", "Hyun-woo", "Annika", "Desmond", "Marisol", "Ewan", "Zainab", "Florian", "Imogen",
)  # fmt: skip
LAST = (
    "Raman", "Wójcik", "Okafor", "Le Gall", "Pritchard", "Søndergaard", "Villanueva", "Ó Briain", "Takahashi",
    "Haddad", "Adeyemi", "Lindqvist", "Etxeberria", "Fitzgerald", "Brandstätter", "Venkataraman", "Hallworth",
    "Demir", "Marchetti", "Volkov", "McGillicuddy", "Nkosi", "Vandenberghe", "Kulkarni", "Ashdown", "Mensah",
    "Gallagher", "Thistlewood", "Kahananui", "Szczepański", "Penhaligon", "Chaudhry", "Quispe", "Drummond", "Park",
    "Nieminen", "Oyelaran", "Castellanos", "Macaulay", "Hussaini", "Weißmann", "Treharne",
)  # fmt: skip
MAIL_HOSTS = (
    "gmail.com", "outlook.com", "yahoo.co.uk", "web.de", "orange.fr", "proton.me", "icloud.com", "hotmail.co.uk",
    "gmx.net", "btinternet.com", "northwind-logistics.com", "kestrel-health.org", "mail.ru", "comcast.net",
)  # fmt: skip
US_PLACES = (
    ("Columbus", "OH", "432"), ("Tacoma", "WA", "984"), ("Asheville", "NC", "288"), ("Boise", "ID", "837"),
    ("Lancaster", "PA", "176"), ("Tucson", "AZ", "857"), ("Duluth", "MN", "558"), ("Savannah", "GA", "314"),
    ("Fresno", "CA", "937"), ("Burlington", "VT", "054"), ("Wichita", "KS", "672"), ("Providence", "RI", "029"),
)  # fmt: skip
UK_PLACES = (
    ("Leeds", "LS6"), ("Manchester", "M14"), ("Edinburgh", "EH3"), ("Bristol", "BS8"), ("Cardiff", "CF24"),
    ("Norwich", "NR2"), ("Sheffield", "S11"), ("Glasgow", "G12"), ("Brighton", "BN1"), ("Exeter", "EX4"),
    ("London", "SE15"), ("London", "N16"), ("Belfast", "BT7"), ("York", "YO10"),
)  # fmt: skip
STREETS = (
    "Maple Grove", "Kelvin", "Harcourt", "Juniper Hollow", "Old Mill", "Wexford", "Larkspur", "Cromwell",
    "Station", "Bramble", "Quarry Hill", "Sycamore", "Belvedere", "Ashby", "Linden", "Granary",
)  # fmt: skip
US_SUFFIX = ("St", "Street", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way", "Pl")
UK_SUFFIX = ("Road", "Street", "Lane", "Terrace", "Close", "Crescent", "Gardens", "Avenue")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def luhn_digit(body: str) -> str:
    """The check digit that makes ``body + digit`` pass the Luhn test (ISO/IEC 7812)."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return str((10 - total % 10) % 10)


def iban_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits: 98 minus (BBAN + country + '00', letters as 10..35) mod 97."""
    text = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in text)
    return f"{98 - int(numeric) % 97:02d}"


class Values:
    """Planted entities (public methods without prefix) and decoys (``decoy_*``), all from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    # --- people ----------------------------------------------------------------------------------------------------

    def first(self) -> str:
        return self.rng.choice(FIRST)

    def last(self) -> str:
        return self.rng.choice(LAST)

    def name(self) -> str:
        first, last = self.first(), self.last()
        style = self.rng.random()
        if style < 0.55:
            return f"{first} {last}"
        if style < 0.75:
            return f"{last}, {first}"
        if style < 0.9:
            return f"{first} {self.rng.choice(string.ascii_uppercase)}. {last}"
        return f"{first} {last}".upper()

    def email(self) -> str:
        first = self.first().lower().replace("ë", "e").replace("í", "i").replace("ó", "o").replace("-", "")
        last = self.last().lower().replace(" ", "").replace("ø", "o").replace("ó", "o").replace("ä", "a")
        last = "".join(c for c in last if c.isascii() and c.isalnum()) or "x"
        local = self.rng.choice(
            (f"{first}.{last}", f"{first[0]}{last}{self.rng.randint(60, 99)}", f"{first}_{last}",
             f"{last}.{first}+support", f"{first}{self.rng.randint(1, 999)}")
        )  # fmt: skip
        return f"{local}@{self.rng.choice(MAIL_HOSTS)}"

    def dob(self, style: int | None = None) -> str:
        year, month, day = self.rng.randint(1938, 2006), self.rng.randint(1, 12), self.rng.randint(1, 28)
        style = self.rng.randrange(8) if style is None else style
        return (
            f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}", f"{month:02d}/{day:02d}/{year}",
            f"{day} {MONTHS[month - 1]} {year}", f"{MONTHS[month - 1]} {day}, {year}", f"{day:02d}.{month:02d}.{year}",
            f"{day}-{MONTHS[month - 1][:3]}-{year}", f"{month}/{day}/{str(year)[2:]}",
        )[style]  # fmt: skip

    def mrn(self) -> str:
        return self.rng.choice(
            (self._digits(8), "00" + self._digits(6), "A" + self._digits(7), "MR" + self._digits(7),
             self._digits(3) + "-" + self._digits(4), "H" + self._digits(6))
        )  # fmt: skip

    def address_us(self) -> str:
        city, state, zip3 = self.rng.choice(US_PLACES)
        unit = self.rng.choice(("", "", f", Apt {self.rng.randint(1, 40)}{self.rng.choice('ABCD')}",
                                f" Unit {self.rng.randint(100, 999)}"))  # fmt: skip
        return (f"{self.rng.randint(12, 9899)} {self.rng.choice(STREETS)} {self.rng.choice(US_SUFFIX)}{unit}, "
                f"{city}, {state} {zip3}{self._digits(2)}")  # fmt: skip

    def address_uk(self) -> str:
        town, outward = self.rng.choice(UK_PLACES)
        letters = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's inward code may end with
        inward = f"{self.rng.randint(1, 9)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
        flat = self.rng.choice(("", "", f"Flat {self.rng.randint(1, 12)}, "))
        street = f"{self.rng.randint(1, 220)} {self.rng.choice(STREETS)} {self.rng.choice(UK_SUFFIX)}"
        return f"{flat}{street}, {town} {outward} {inward}"

    def address(self) -> str:
        return self.address_us() if self.rng.random() < 0.5 else self.address_uk()

    # --- numbers ---------------------------------------------------------------------------------------------------

    def phone_intl(self) -> str:
        d = self._digits
        return self.rng.choice(
            (f"+44 7{d(3)} {d(6)}", f"+447{d(9)}", f"+44 (0)7{d(3)} {d(3)} {d(3)}", f"0044 7{d(3)} {d(6)}",
             f"+1 {self.rng.choice('2345678')}{d(2)} {self.rng.choice('2346789')}{d(2)} {d(4)}",
             f"+1-{self.rng.choice('2345678')}{d(2)}-{self.rng.choice('2346789')}{d(2)}-{d(4)}",
             f"+49 15{self.rng.choice('1279')} {d(8)}", f"+49 30 {d(8)}", f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
             f"+91 9{d(4)} {d(5)}", f"+61 4{d(2)} {d(3)} {d(3)}", f"+34 6{d(2)} {d(3)} {d(3)}",
             f"+55 11 9{d(4)}-{d(4)}", f"+31 6 {d(8)}", f"+353 8{self.rng.choice('3567')} {d(3)} {d(4)}")
        )  # fmt: skip

    def phone_us(self) -> str:
        d = self._digits
        area = self.rng.choice("2345678") + d(2)
        exchange = self.rng.choice("2346789") + d(2)  # never 555: the fictional exchange
        return self.rng.choice((f"({area}) {exchange}-{d(4)}", f"{area}-{exchange}-{d(4)}",
                                f"{area}.{exchange}.{d(4)}"))  # fmt: skip

    def phone_uk(self) -> str:
        d = self._digits
        return self.rng.choice(
            (f"07{self.rng.choice('12345789')}{d(2)} {d(6)}", f"07{self.rng.choice('4589')}{d(2)} {d(3)} {d(3)}",
             f"020 8{d(3)} {d(4)}", f"0161 2{d(2)} {d(4)}", f"0113 2{d(2)} {d(4)}",
             f"01{self.rng.choice('2345689')}{d(2)} {d(6)}")
        )  # fmt: skip

    def phone_eu(self) -> str:
        d = self._digits
        return self.rng.choice(
            (f"0151 {d(8)}", f"06 {d(2)} {d(2)} {d(2)} {d(2)}", f"0412 {d(3)} {d(3)}", f"087 {d(3)} {d(4)}",
             f"06-{d(8)}", f"030 {d(7)}")
        )  # fmt: skip

    def card(self) -> str:
        issuer = self.rng.randrange(7)
        if issuer == 0:
            prefix, length = "4", 16
        elif issuer == 1:
            prefix, length = str(self.rng.randint(51, 55)), 16
        elif issuer == 2:
            prefix, length = str(self.rng.randint(2221, 2720)), 16
        elif issuer == 3:
            prefix, length = self.rng.choice(("34", "37")), 15
        elif issuer == 4:
            prefix, length = self.rng.choice(("6011", "65", str(self.rng.randint(644, 649)))), 16
        elif issuer == 5:
            prefix, length = str(self.rng.randint(3528, 3589)), 16  # JCB
        else:
            prefix, length = self.rng.choice(("36", "38", str(self.rng.randint(300, 305)))), 14  # Diners Club
        body = prefix + self._digits(length - len(prefix) - 1)
        return self._group_card(body + luhn_digit(body))

    def _group_card(self, number: str) -> str:
        sep = self.rng.choice((" ", "-", "", " "))
        if len(number) in (14, 15):
            groups = [number[:4], number[4:10], number[10:]]
        else:
            groups = [number[i : i + 4] for i in range(0, 16, 4)]
        return sep.join(groups)

    def ssn(self) -> str:
        area = self.rng.choice([a for a in range(1, 900) if a != 666 and a not in (78, 219)])
        group, serial = self.rng.randint(1, 99), self.rng.randint(1, 9999)
        sep = self.rng.choice(("-", "-", "-", " ", ""))
        return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"

    def iban(self) -> str:
        country = self.rng.choice(("FR", "ES", "BE", "PL", "PT", "IT", "SE", "GB"))
        d = self._digits
        if country == "FR":
            bank, branch, account = d(5), d(5), d(11)
            key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
            bban = f"{bank}{branch}{account}{key:02d}"
        elif country == "ES":
            bank, branch, account = d(4), d(4), d(10)
            bban = f"{bank}{branch}{_es_check('00' + bank + branch)}{_es_check(account)}{account}"
        elif country == "BE":
            base = d(10)
            check = int(base) % 97 or 97
            bban = f"{base}{check:02d}"
        elif country == "PL":
            bank = d(7)
            weights = (3, 9, 7, 1, 3, 9, 7)
            bank += str((10 - sum(int(c) * w for c, w in zip(bank, weights, strict=True)) % 10) % 10)
            bban = bank + d(16)
        elif country == "PT":
            base = d(19)
            bban = f"{base}{98 - (int(base) * 100) % 97:02d}"
        elif country == "IT":
            bban = self.rng.choice(string.ascii_uppercase) + d(10) + d(12)
        elif country == "SE":
            bban = d(20)
        else:
            bban = self.rng.choice(("BARC", "LOYD", "NWBK", "HBUK", "MIDL")) + d(14)
        iban = country + iban_digits(country, bban) + bban
        if self.rng.random() < 0.6:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def nino(self) -> str:
        first = self.rng.choice([c for c in string.ascii_uppercase if c not in "DFIQUV"])
        second = self.rng.choice([c for c in string.ascii_uppercase if c not in "DFIOQUV"])
        if first + second in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            second = "A"
        d = self._digits(6)
        suffix = self.rng.choice("ABCD")
        if self.rng.random() < 0.5:
            return f"{first}{second} {d[:2]} {d[2:4]} {d[4:]} {suffix}"
        return f"{first}{second}{d}{suffix}"

    def ipv4(self) -> str:
        first = self.rng.choice((23, 31, 45, 52, 62, 77, 81, 91, 104, 139, 146, 151, 176, 185, 193, 212, 217, 86, 94))
        return f"{first}.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def ipv6(self) -> str:
        prefixes = ("2a02:c7f", "2607:f8b0", "2a01:4f8", "2001:4860", "2600:1f18", "2a00:23c6", "2804:14c")
        prefix = self.rng.choice(prefixes)
        groups = [f"{self.rng.randint(0, 0xFFFF):x}" for _ in range(6)]
        if self.rng.random() < 0.5:
            return f"{prefix}:{groups[0]}::{groups[1]}:{groups[2]}"
        return f"{prefix}:" + ":".join(groups)

    def ip(self) -> str:
        return self.ipv4() if self.rng.random() < 0.65 else self.ipv6()

    def credential(self) -> str:
        kind = self.rng.randrange(7)
        alnum = string.ascii_letters + string.digits
        pick = lambda n, chars=alnum: "".join(self.rng.choice(chars) for _ in range(n))  # noqa: E731
        if kind == 0:
            body = pick(30)
            crc = zlib.crc32(body.encode())
            check = ""
            while crc:
                crc, rem = divmod(crc, 62)
                check = BASE62[rem] + check
            return "ghp_" + body + check.rjust(6, "0")
        if kind == 1:
            return "AKIA" + pick(16, string.ascii_uppercase + "234567")
        if kind == 2:
            return "sk_" + "live_" + pick(24)
        if kind == 3:
            return f"xoxb-{self._digits(12)}-{self._digits(13)}-{pick(24)}"
        if kind == 4:
            return "AIza" + pick(35, alnum + "_-")
        if kind == 5:
            return "sk-ant-api03-" + pick(93, alnum + "_-") + "AA"
        return "glpat-" + pick(20, alnum + "_-")

    def password(self) -> str:
        word = self.rng.choice(("Summer", "Bluebell", "Kestrel", "Marmalade", "Gingko"))
        return word + self._digits(3) + "!" + self.rng.choice("#$%&")

    # --- decoys ----------------------------------------------------------------------------------------------------

    def decoy_test_card(self) -> str:
        return self.rng.choice(
            ("4111 1111 1111 1111", "4012 8888 8888 1881", "5105 1051 0510 5100", "3782 822463 10005",
             "6011 1111 1111 1117", "3530 1113 3330 0000", "4000 0566 5566 5556", "5200 8282 8282 8210",
             "3056 9309 0259 04", "4242-4242-4242-4242", "2223003122003222")
        )  # fmt: skip

    def decoy_bad_luhn(self) -> str:
        body = "4" + self._digits(14)
        good = luhn_digit(body)
        bad = str((int(good) + self.rng.randint(1, 9)) % 10)
        return self._group_card(body + bad)

    def decoy_email(self) -> str:
        local = self.rng.choice(("jane.doe", "john.smith", "user", "support", "noreply", "your.name", "test"))
        return f"{local}@" + self.rng.choice(("example.com", "example.org", "example.net", "mail.example.com"))

    def decoy_doc_ip(self) -> str:
        return self.rng.choice(
            (f"192.0.2.{self.rng.randint(1, 254)}", f"198.51.100.{self.rng.randint(1, 254)}",
             f"203.0.113.{self.rng.randint(1, 254)}", f"2001:db8::{self.rng.randint(1, 0xFFFF):x}",
             f"2001:db8:{self.rng.randint(1, 0xFFFF):x}::1")
        )  # fmt: skip

    def decoy_private_ip(self) -> str:
        r = self.rng.randint
        return self.rng.choice(
            (f"10.{r(0, 255)}.{r(0, 255)}.{r(1, 254)}", f"192.168.{r(0, 255)}.{r(1, 254)}",
             f"172.{r(16, 31)}.0.{r(1, 254)}", "127.0.0.1", f"169.254.{r(0, 255)}.{r(1, 254)}", "::1",
             f"fe80::{r(1, 0xFFFF):x}:{r(1, 0xFFFF):x}",
             f"100.{r(64, 127)}.3.{r(1, 254)}")
        )  # fmt: skip

    def decoy_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def decoy_order(self) -> str:
        d = self._digits
        return self.rng.choice((d(16), f"PO-2024-{d(6)}", f"#{d(10)}", f"W{d(9)}"))

    def decoy_invoice(self) -> str:
        d = self._digits
        return self.rng.choice((f"INV-{d(10)}", f"{d(4)}-{d(4)}-{d(3)}", f"CN{d(11)}"))

    def decoy_timestamp(self) -> str:
        year, month, day = self.rng.randint(2021, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28)
        h, m, s = self.rng.randint(0, 23), self.rng.randint(0, 59), self.rng.randint(0, 59)
        return self.rng.choice(
            (f"{year}-{month:02d}-{day:02d}T{h:02d}:{m:02d}:{s:02d}Z", f"{day:02d}/{month:02d}/{year} {h:02d}:{m:02d}",
             f"{MONTHS[month - 1][:3]} {day}, {year} {h % 12 + 1}:{m:02d} PM", f"{year}-{month:02d}-{day:02d}",
             f"{year}-{month:02d}-{day:02d} {h:02d}:{m:02d}:{s:02d}.{self._digits(3)}")
        )  # fmt: skip

    def decoy_ssn(self) -> str:
        d = self._digits
        return self.rng.choice(
            ("078-05-1120", "219-09-9999", "123-45-6789", f"000-{d(2)}-{d(4)}", f"666-{d(2)}-{d(4)}",
             f"9{d(2)}-{d(2)}-{d(4)}", f"{self.rng.randint(100, 599)}-00-{d(4)}",
             f"{self.rng.randint(100, 599)}-{self.rng.randint(10, 99)}-0000")
        )  # fmt: skip

    def decoy_phone_like(self) -> str:
        d = self._digits
        return self.rng.choice(
            (f"ISBN 978-0-{d(3)}-{d(5)}-{d(1)}", f"part no. {d(4)}-{d(4)}-{d(2)}", f"firmware 10.{d(1)}.{d(1)}.{d(4)}",
             f"51.{d(5)}, -0.{d(5)}", f"case {d(8)}-{d(4)}", f"lot {d(3)} {d(3)} {d(4)}", f"ext. {d(4)}",
             f"batch 2024 {d(4)} {d(4)}")
        )  # fmt: skip

    def decoy_fictional_phone(self) -> str:
        d = self._digits
        return self.rng.choice(
            (f"(212) 555-01{d(2)}", f"+1 312 555 01{d(2)}", f"07700 900{d(3)}", f"020 7946 0{d(3)}",
             f"0161 496 0{d(3)}", f"+44 117 496 0{d(3)}", f"01632 960{d(3)}")
        )  # fmt: skip

    def decoy_iban(self) -> str:
        return self.rng.choice(
            ("GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00", "FR14 2004 1010 0505 0001 3M02 606",
             "ES91 2100 0418 4502 0005 1332", "BE68 5390 0754 7034", "NL91 ABNA 0417 1643 00",
             "PL61 1090 1014 0000 0712 1981 2874", "IT60 X054 2811 1010 0000 0123 456")
        )  # fmt: skip

    def decoy_bad_iban(self) -> str:
        real = self.iban().replace(" ", "")
        digits = int(real[2:4])
        return real[:2] + f"{(digits + self.rng.randint(1, 50)) % 97 + 2:02d}"[-2:] + real[4:]

    def decoy_nino(self) -> str:
        return self.rng.choice(("QQ 12 34 56 C", "QQ123456C", "AB 12 34 56 C", "TN 01 02 03 A", "ZZ 99 99 99 D"))

    def decoy_credential(self) -> str:
        return self.rng.choice(
            ("AKIA" + "IOSFODNN7" + "EXAMPLE", "ghp_" + "x" * 36, "<YOUR_API_KEY>", "sk-...redacted",
             "xoxb-your-bot-token", "sk_" + "test_" + "YOUR_KEY_HERE", "${OPENAI_API_KEY}", "hf_" + "*" * 10)
        )  # fmt: skip

    def decoy_version(self) -> str:
        r = self.rng.randint
        return f"{r(1, 9)}.{r(0, 20)}.{r(0, 9)}.{r(100, 999)}"


def _es_check(digits10: str) -> str:
    """Spanish CCC control digit over 10 digits (weights 1,2,4,8,5,10,9,7,3,6; 11 - sum mod 11, 10->1, 11->0)."""
    weights = (1, 2, 4, 8, 5, 10, 9, 7, 3, 6)
    value = 11 - sum(int(c) * w for c, w in zip(digits10, weights, strict=True)) % 11
    return str({10: 1, 11: 0}.get(value, value))
