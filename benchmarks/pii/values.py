"""Fake personal data and its decoys, made at run time from a seeded generator.

Every value is built from the published rules of its format (card issuer ranges and Luhn, SSA numbering, ISO 13616
mod-97, HMRC NINO prefixes, IANA special-purpose address registries, the numbering plans as the ``phonenumbers``
library knows them), independently of aispm's validators, so the benchmark does not grade aispm against itself.
Decoys are the look-alikes the issue names: processor test cards, RFC 2606 addresses, RFC 5737/3849 documentation
ranges, private ranges, UUIDs, order and invoice numbers, timestamps, famous invalid SSNs, fictional phone numbers and
numbers that merely look like phones.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import string
import uuid

import phonenumbers

URLSAFE = string.ascii_letters + string.digits + "_-"
FIRST_NAMES = [
    "Priya",
    "Aisha",
    "Mateo",
    "Sofia",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Lucas",
    "Amara",
    "Chen",
    "Hiroshi",
    "Fatima",
    "Omar",
    "Ingrid",
    "Lars",
    "Chloe",
    "Daniel",
    "Zanele",
    "Tomasz",
    "Elena",
    "Rafael",
    "Grace",
    "Kwame",
    "Yuki",
    "Isabel",
    "Ahmed",
    "Niamh",
    "Sean",
    "Ana",
    "Jakub",
    "Leila",
    "Marcus",
    "Hannah",
    "Diego",
    "Mei",
    "Oluwaseun",
    "Freya",
    "Arjun",
    "Camille",
]
LAST_NAMES = [
    "Raman",
    "Okafor",
    "Garcia",
    "Rossi",
    "Murphy",
    "Johansson",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Schmidt",
    "Tanaka",
    "Fernandes",
    "Dubois",
    "Mensah",
    "O'Brien",
    "Petrov",
    "Lindqvist",
    "Castillo",
    "Abernathy",
    "Whitfield",
    "Nakamura",
    "Delgado",
    "Osei",
    "Brennan",
    "Novak",
    "Achterberg",
    "Kaur",
    "Thornton",
    "Moreau",
    "Ivanova",
    "Bianchi",
    "Fitzgerald",
    "Adeyemi",
    "Holmberg",
    "Varga",
    "Chaudhry",
]
MAIL_DOMAINS = [
    "gmail.com",
    "outlook.com",
    "yahoo.co.uk",
    "hotmail.com",
    "proton.me",
    "icloud.com",
    "fastmail.com",
    "gmx.de",
    "web.de",
    "orange.fr",
    "btinternet.com",
    "northwindtraders.io",
    "contoso-health.org",
]
US_STREETS = "Maple Avenue|Oak Street|Cedar Lane|Pine Road|Elm Street|Lakeview Drive|Washington Blvd|Sunset Court"
UK_STREETS = "Rose Lane|Church Road|High Street|Station Road|Victoria Terrace|Mill Lane|Queens Gardens|Park Avenue"
US_CITIES = (("Springfield", "IL", "627"), ("Portland", "OR", "972"), ("Austin", "TX", "787"), ("Denver", "CO", "802"),
             ("Raleigh", "NC", "276"), ("Madison", "WI", "537"))  # fmt: skip
UK_CITIES = (("Bristol", "BS"), ("Leeds", "LS"), ("Manchester", "M"), ("Cardiff", "CF"), ("Norwich", "NR"),
             ("Brighton", "BN"))  # fmt: skip
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

TEST_CARDS = ("4111 1111 1111 1111", "4242 4242 4242 4242", "5555 5555 5555 4444", "4000 0566 5566 5556",
              "3782 822463 10005", "6011 1111 1111 1117", "4012 8888 8888 1881", "5105 1051 0510 5100")  # fmt: skip
INVALID_SSNS = ("078-05-1120", "219-09-9999")
EXAMPLE_IBANS = ("GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00", "GB29 NWBK 6016 1331 9268 19")
EXAMPLE_NINOS = ("QQ 12 34 56 C", "AB 12 34 56 C")
PHONE_LIKE = ("version 2.14.3", "build 2024.03.12.4", "ISBN 978-0-306-40615-7", "part no. 100-2345-678",
              "office hours 09:00-17:30", "error 0x80070005", "coordinates 51.5074, -0.1278",
              "a population of 8 336 817", "batch 20240312-0915", "firmware 3.10.2-118", "case 2023-CV-04417",
              "pages 1123-1178", "model RTX 4090 24 GB", "lot 4471 2290 11", "SKU 300-118-2291")  # fmt: skip
FICTIONAL_PHONES = ("(212) 555-0143", "+1 415 555 0199", "020 7946 0321", "07700 900123", "+44 7700 900456")


def luhn_complete(prefix_and_body: str) -> str:
    """Append the Luhn check digit."""
    total = 0
    for index, char in enumerate(reversed(prefix_and_body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return prefix_and_body + str((10 - total % 10) % 10)


def iban_check(country: str, bban: str) -> str:
    """ISO 13616: the two check digits make ``bban + country + checks`` (letters as 10..35) equal 1 mod 97."""
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


class Fake:
    """Real-looking personal data (never a real person's: the values are random)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(count))

    def first_last(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def name(self) -> str:
        return " ".join(self.first_last())

    def email(self, name: str | None = None) -> str:
        first, last = name.split(" ", 1) if name else self.first_last()
        local = self.rng.choice(
            [f"{first}.{last}", f"{first[0]}{last}", f"{first}{self.rng.randint(1, 99)}", f"{last}.{first}"]
        )
        local = "".join(c for c in local.lower() if c.isalnum() or c == ".")
        return f"{local}@{self.rng.choice(MAIL_DOMAINS)}"

    def _phone(self, region: str, fmt: phonenumbers.PhoneNumberFormat) -> str:
        shapes = {"GB": ("7", 9), "US": ("", 10), "DE": ("15", 9), "FR": ("6", 8), "IN": ("9", 9), "AU": ("4", 8)}
        lead, rest = shapes[region]
        while True:
            national = lead + self.digits(rest)
            if region == "US":
                national = str(self.rng.choice([212, 312, 415, 503, 617, 646, 720, 919])) + self.digits(7)
                if national[3:6] == "555":
                    continue
            if region == "GB" and national.startswith("7700900"):
                continue
            number = phonenumbers.parse(national, region)
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, fmt)

    def phone_international(self) -> str:
        region = self.rng.choice(["GB", "US", "DE", "FR", "IN", "AU"])
        formats = phonenumbers.PhoneNumberFormat
        fmt = self.rng.choice([formats.INTERNATIONAL, formats.INTERNATIONAL, formats.INTERNATIONAL, formats.E164])
        return self._phone(region, fmt)

    def phone_national(self, region: str = "US") -> str:
        return self._phone(region, phonenumbers.PhoneNumberFormat.NATIONAL)

    def card(self) -> str:
        rng = self.rng
        while True:
            issuer = rng.choice(["visa", "visa", "mastercard", "mastercard2", "amex", "discover"])
            if issuer == "visa":
                number = luhn_complete("4" + self.digits(14))
            elif issuer == "mastercard":
                number = luhn_complete(str(rng.randint(51, 55)) + self.digits(13))
            elif issuer == "mastercard2":
                number = luhn_complete(str(rng.randint(2221, 2720)) + self.digits(11))
            elif issuer == "amex":
                number = luhn_complete(rng.choice(["34", "37"]) + self.digits(12))
            else:
                number = luhn_complete(rng.choice(["6011", "6500", "6445"]) + self.digits(11))
            if len(set(number)) >= 5 and number not in {t.replace(" ", "") for t in TEST_CARDS}:
                break
        sep = rng.choice([" ", " ", "-", ""])
        if len(number) == 15:
            return sep.join([number[:4], number[4:10], number[10:]])
        return sep.join(number[i : i + 4] for i in range(0, 16, 4))

    def ssn(self) -> str:
        while True:
            area = self.rng.randint(1, 899)
            if area != 666:
                break
        return f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"

    def iban(self) -> str:
        rng = self.rng
        country = rng.choice(["GB", "DE", "NL", "IE", "AT", "CH"])
        bank = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
        bban = {
            "GB": bank + self.digits(14),
            "IE": bank + self.digits(14),
            "DE": self.digits(18),
            "NL": bank + self.digits(10),
            "AT": self.digits(16),
            "CH": self.digits(17),
        }[country]
        compact = country + iban_check(country, bban) + bban
        if rng.random() < 0.6:
            return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        return compact

    def nino(self) -> str:
        rng = self.rng
        while True:
            prefix = rng.choice("ABCEGHJKLMNOPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
            if prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ", "QQ", "AB"}:
                break
        body = self.digits(6)
        suffix = rng.choice("ABCD")
        if rng.random() < 0.5:
            return f"{prefix} {body[:2]} {body[2:4]} {body[4:]} {suffix}"
        return f"{prefix}{body}{suffix}"

    def ipv4(self) -> str:
        while True:
            address = ipaddress.IPv4Address(self.rng.getrandbits(32))
            if address.is_global and not address.is_multicast and 1 <= int(str(address).split(".")[0]) <= 223:
                return str(address)

    def ipv6(self) -> str:
        prefix = self.rng.choice(["2a00:1450", "2a02:c7c", "2600:1f18", "2a01:4f8", "2c0f:fb50", "2406:da00"])
        groups = [f"{self.rng.getrandbits(16):x}" for _ in range(6)]
        return str(ipaddress.IPv6Address(prefix + ":" + ":".join(groups)))

    def date(self, start: int = 1942, end: int = 2004) -> dt.date:
        return dt.date(start, 1, 1) + dt.timedelta(days=self.rng.randint(0, (end - start) * 365))

    def dob_text(self) -> str:
        day = self.date()
        return self.rng.choice(
            [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%m/%d/%Y"),
             f"{MONTHS[day.month - 1]} {day.day}, {day.year}", f"{day.day} {MONTHS[day.month - 1]} {day.year}"]
        )  # fmt: skip

    def mrn(self) -> str:
        return self.rng.choice([self.digits(8), self.digits(7), "00" + self.digits(6)])

    def address(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            city, state, zip3 = rng.choice(US_CITIES)
            return f"{rng.randint(2, 9800)} {rng.choice(US_STREETS.split('|'))}, {city}, {state} {zip3}{self.digits(2)}"
        city, area = rng.choice(UK_CITIES)
        unit = f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        return f"{rng.randint(1, 220)} {rng.choice(UK_STREETS.split('|'))}, {city} {area}{rng.randint(1, 16)} {unit}"

    def openai_key(self) -> str:
        def body() -> str:
            text = "".join(self.rng.choice(URLSAFE) for _ in range(74))
            return text

        while True:
            key = "sk-proj-" + body() + "T3BlbkFJ" + body()
            if key[-1] not in "-_":
                return key

    def hf_token(self) -> str:
        return "hf_" + "".join(self.rng.choice(string.ascii_letters) for _ in range(34))


class Decoy:
    """Look-alikes that are not personal data."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(count))

    def test_card(self) -> str:
        return self.rng.choice(TEST_CARDS)

    def bad_luhn_card(self) -> str:
        number = luhn_complete("4" + self.digits(14))
        number = number[:-1] + str((int(number[-1]) + self.rng.randint(1, 9)) % 10)
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))

    def example_email(self) -> str:
        local = self.rng.choice(["jane.doe", "john.smith", "user", "support", "alice", "bob", "your.name", "noreply"])
        return f"{local}@{self.rng.choice(['example.com', 'example.org', 'example.net'])}"

    def doc_ip(self) -> str:
        return self.rng.choice(
            [f"192.0.2.{self.rng.randint(1, 254)}", f"198.51.100.{self.rng.randint(1, 254)}",
             f"203.0.113.{self.rng.randint(1, 254)}", f"2001:db8::{self.rng.getrandbits(16):x}",
             f"2001:db8:{self.rng.getrandbits(16):x}::1"]
        )  # fmt: skip

    def private_ip(self) -> str:
        r = self.rng.randint
        return self.rng.choice(
            [f"10.{r(0, 255)}.{r(0, 255)}.{r(1, 254)}", f"192.168.{r(0, 255)}.{r(1, 254)}",
             f"172.{r(16, 31)}.{r(0, 255)}.{r(1, 254)}", "127.0.0.1", f"fd{r(0, 255):02x}:{r(0, 65535):x}::{r(1, 999)}",
             "fe80::1", f"169.254.{r(0, 255)}.{r(1, 254)}", f"100.{r(64, 127)}.{r(0, 255)}.{r(1, 254)}"]
        )  # fmt: skip

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def order_number(self) -> str:
        return self.rng.choice(
            [f"#{self.digits(8)}", f"{self.digits(4)}-{self.digits(4)}-{self.digits(4)}",
             f"{self.digits(4)} {self.digits(4)} {self.digits(4)} {self.digits(4)}", f"ORD-{self.digits(10)}",
             f"{self.digits(3)}-{self.digits(7)}-{self.digits(7)}", self.digits(16)]
        )  # fmt: skip

    def invoice_number(self) -> str:
        return self.rng.choice(
            [f"INV-2024-{self.digits(6)}", f"{self.rng.randint(2019, 2025)}-{self.digits(3)}-{self.digits(4)}",
             f"INV{self.digits(9)}", f"{self.digits(3)} {self.digits(3)} {self.digits(4)}"]
        )  # fmt: skip

    def timestamp(self) -> str:
        moment = dt.datetime(2023, 1, 1) + dt.timedelta(seconds=self.rng.randint(0, 2 * 365 * 86400))
        return self.rng.choice(
            [moment.strftime("%Y-%m-%dT%H:%M:%SZ"), moment.strftime("%Y-%m-%d %H:%M:%S"), moment.date().isoformat(),
             moment.strftime("%d/%m/%Y %H:%M")]
        )  # fmt: skip

    def invalid_ssn(self) -> str:
        r = self.rng.randint
        return self.rng.choice(
            [*INVALID_SSNS, f"000-{r(10, 99)}-{r(1000, 9999)}", f"666-{r(10, 99)}-{r(1000, 9999)}",
             f"9{r(0, 99):02d}-{r(10, 99)}-{r(1000, 9999)}", f"{r(100, 665)}-00-{r(1000, 9999)}",
             f"{r(100, 665)}-{r(10, 99)}-0000"]
        )  # fmt: skip

    def phone_like(self) -> str:
        return self.rng.choice(PHONE_LIKE)

    def fictional_phone(self) -> str:
        return self.rng.choice(FICTIONAL_PHONES)

    def example_iban(self) -> str:
        return self.rng.choice(EXAMPLE_IBANS)

    def bad_iban(self) -> str:
        bban = "".join(self.rng.choice(string.ascii_uppercase) for _ in range(4)) + self.digits(14)
        good = iban_check("GB", bban)
        bad = f"{(int(good) + self.rng.randint(1, 50)) % 97 + 2:02d}"
        return "GB" + bad + bban

    def example_nino(self) -> str:
        return self.rng.choice(EXAMPLE_NINOS)
