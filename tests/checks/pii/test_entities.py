"""find_entities keeps validated entities with exact offsets and redacted forms, and drops every decoy."""

from __future__ import annotations

import itertools
import time

import pytest

from aispm.checks.pii.entities import Entity, EntityType, find_entities, redact


def found(text: str, phone_region: str | None = None) -> list[tuple[EntityType, str]]:
    return [(entity.type, text[entity.start : entity.end]) for entity in find_entities(text, phone_region)]


@pytest.mark.parametrize(
    ("text", "entity_type", "value"),
    [
        ("Contact jane.doe@gmail.com today", EntityType.EMAIL, "jane.doe@gmail.com"),
        ("card: 4539 1488 0343 6467, exp 04/27", EntityType.PAYMENT_CARD, "4539 1488 0343 6467"),
        ("amex 3742-454554-00126 on file", EntityType.PAYMENT_CARD, "3742-454554-00126"),
        ('{"pan": "5425233430109903"}', EntityType.PAYMENT_CARD, "5425233430109903"),
        ("My SSN is 536-22-1234.", EntityType.US_SSN, "536-22-1234"),
        ("Pay to GB04NWBK40516289173052 please", EntityType.IBAN, "GB04NWBK40516289173052"),
        ("IBAN: ES34 2080 4937 2510 4318 6592.", EntityType.IBAN, "ES34 2080 4937 2510 4318 6592"),
        ("NI number JG 10 37 73 B", EntityType.UK_NINO, "JG 10 37 73 B"),
        ("login from 81.2.69.142 at noon", EntityType.IP_ADDRESS, "81.2.69.142"),
        ("client=2a00:1450:4009:81f::200e;", EntityType.IP_ADDRESS, "2a00:1450:4009:81f::200e"),
        ("call me on +44 20 7183 8750 tomorrow", EntityType.PHONE, "+44 20 7183 8750"),
        ("mobile: +33 6 12 48 56 90", EntityType.PHONE, "+33 6 12 48 56 90"),
    ],
)
def test_positive_entity_with_offsets(text: str, entity_type: EntityType, value: str) -> None:
    assert found(text) == [(entity_type, value)]


def test_national_phone_needs_a_region() -> None:
    text = "office 212 736 5000"
    assert found(text) == []
    assert found(text, "US") == [(EntityType.PHONE, "212 736 5000")]


@pytest.mark.parametrize(
    "text", ["(415) 736-2671", "(415)736-2671", "415-736-2671", "415.736.2671", "07911 123856", "07911 123 856"]
)
def test_phone_shaped_national_numbers_need_no_cue(text: str) -> None:
    """North American and UK mobile forms that say "phone" by themselves, valid and assigned in their plan."""
    assert found(f"reach {text} after six") == [(EntityType.PHONE, text)]


@pytest.mark.parametrize(
    "text",
    [
        "(212) 555-0143",  # NANP fiction range
        "(536) 282-4153",  # an area code not assigned (in the metadata): only a field or a cue makes it a phone
        "(911) 736-2671",  # an N11 service code is no area code
        "invoice 415-736-2671",  # introduced as a reference
        "ORD-415-736-2671",  # part of an id
        "415-736-26710",  # one digit too many
        "123-45-6789",  # SSN-shaped
        "1234-5678-901",  # invoice-shaped
        "2019-2020-2021",  # a run of years
        "v415.736.2671",  # a version
        "10.415.736.2671",
        "07700 900123",  # Ofcom drama range
        "07011 123856",  # 070: a personal number, not a mobile
        "0207 123456",
        "415 736 2671",  # spaced digits: too often a lot or a batch number without a cue
    ],
)
def test_phone_decoys_without_a_cue(text: str) -> None:
    assert [kind for kind, _ in found(text)] != [EntityType.PHONE]


@pytest.mark.parametrize(
    "text",
    [
        "use test card 4111 1111 1111 1111 or 4242424242424242 in staging",
        "Order #4539 1488 0343 6467 shipped",
        "invoice no. 4539148803436467",
        "write to user@example.com or admin@example.org or ops@corp.example.net",
        "the mailbox bob@host.test and x@foo.invalid",
        "assets: logo@2x.png and icon@3x.jpg",
        "server 192.0.2.10, backup 198.51.100.4, gateway 203.0.113.1, v6 2001:db8::42",
        "private 10.1.2.3 and 192.168.0.1, loopback 127.0.0.1 and ::1",
        "request id 123e4567-e89b-12d3-a456-426614174000 done",
        "trace 550e8400-e29b-41d4-a716-446655440000",
        "the Woolworth SSN 078-05-1120 and 219-09-9999 and 987-65-4321",
        "updated_at 2024-01-15T10:30:45Z, epoch 1700000000123",
        "at 10:30:45 the MAC 00:1a:2b:3c:4d:5e replied",
        "release v1.2.3.4 and version 10.0.19041.1",
        "order ORD-2024-000123 and invoice INV-5551234",
        "ticket +1 202-555-0143 is the example in the docs",
        "reference ids 1234567890123 and 98765432109876",
        "device serial SN-4539-1488-0343-6467-01 and lot 7-536-22-1234-B",
        "sample IBAN DE89370400440532013000 from the docs",
        "the form says QQ123456C",
        "an ORM call model.objects.filter(email=email)",
    ],
)
def test_decoys_do_not_fire(text: str) -> None:
    assert found(text) == []


def test_uuid_digits_never_become_entities() -> None:
    # Card- and SSN-shaped digit groups inside UUIDs: the dash-to-hex look-arounds must keep them out.
    text = "ids 45391488-0343-6467-8081-536221234000 and 53622123-4e29-41d4-a716-000536221234"
    assert find_entities(text) == []


def test_entities_come_back_in_order_without_overlap() -> None:
    text = "a@gmail.com 8.8.8.8 536-22-1234 +44 7911 123456"
    entities = find_entities(text)
    assert [entity.type for entity in entities] == [
        EntityType.EMAIL,
        EntityType.IP_ADDRESS,
        EntityType.US_SSN,
        EntityType.PHONE,
    ]
    assert all(left.end <= right.start for left, right in itertools.pairwise(entities))


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("jane.doe@gmail.com", "jane.doe"),
        ("4539 1488 0343 6467", "4539"),
        ("536-22-1234", "1234"),
        ("GB04NWBK40516289173052", "NWBK"),
        ("JG103773B", "103773"),
        ("81.2.69.142", "81.2"),
        ("+44 7911 123456", "7911"),
    ],
)
def test_the_raw_value_never_appears_in_an_entity(text: str, secret: str) -> None:
    (entity,) = find_entities(text)
    for shown in (repr(entity), str(entity), entity.redacted):
        assert secret not in shown
        assert text not in shown


def test_redaction_shapes() -> None:
    assert redact(EntityType.PAYMENT_CARD, "4539 1488 0343 6467") == "************6467"
    assert redact(EntityType.EMAIL, "jane.doe@gmail.com") == "j***@***.com"
    assert redact(EntityType.IBAN, "GB04NWBK40516289173052") == "GB" + "*" * 20
    assert redact(EntityType.US_SSN, "536-22-1234") == "*********"


def test_entity_has_no_value_field() -> None:
    assert set(Entity.__struct_fields__) == {"type", "start", "end", "redacted"}


def test_empty_and_plain_text() -> None:
    assert find_entities("") == []
    assert find_entities("The model was fine-tuned on 12,000 examples over 3 epochs.") == []


def test_hostile_input_is_fast() -> None:
    hostile = ":" * 20_000 + "1." * 20_000 + "9" * 20_000 + "a@" * 10_000 + "+1 " * 10_000
    started = time.perf_counter()
    find_entities(hostile)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("version 1.2.3.4", []),
        ("Version: 81.2.69.142", []),
        ("build 2.0.0.1", []),
        ("write to a@test.com", []),
        ("login from 81.2.69.142", ["ip-address"]),
        ("nav 81.2.69.142", ["ip-address"]),
        ("write to a@tester.com", ["email"]),
    ],
)
def test_version_numbers_and_placeholder_addresses_are_decoys(text: str, found: list[str]) -> None:
    assert [entity.type.value for entity in find_entities(text)] == found


@pytest.mark.parametrize(("text", "phone"), [("call 0044 7911 123856 pls", "0044 7911 123856"),
                                             ("Handy: 0049 1512 8837460", "0049 1512 8837460")])  # fmt: skip
def test_international_numbers_dialled_with_00(text: str, phone: str) -> None:
    assert found(text) == [(EntityType.PHONE, phone)]


@pytest.mark.parametrize("text", ["MRN 00382463", "0044 7700 900123", "ref 0044 7911 123856", "00 123 456 789"])
def test_00_decoys(text: str) -> None:
    assert EntityType.PHONE not in [kind for kind, _ in found(text)]
