"""The block prefilter: a necessary condition for every detector, the same answer from Hyperscan and ``re``."""

from __future__ import annotations

import itertools
import json

import pytest
from tests.checks.pii.ordinary_chat import ordinary_chat_lines

from aispm.checks.pii import context
from aispm.checks.pii.context import is_context_field
from aispm.checks.pii.entities import find_entities
from aispm.checks.pii.prefilter import (
    CONTEXTUAL,
    ENTITIES,
    FIELDS,
    Prefilter,
    RegexPrefilter,
    build_prefilter,
    default_patterns,
)

hyperscan = pytest.importorskip("hyperscan")

MIXED = [
    "Contact jane.doe@gmail.com today",
    "card: 4539 1488 0343 6467, exp 04/27",
    "amex 3742-454554-00126 on file",
    "My SSN is 536-22-1234.",
    "Pay to GB04NWBK40516289173052 please",
    "IBAN: ES34 2080 4937 2510 4318 6592.",
    "NI number JG 10 37 73 B",
    "login from 81.2.69.142 at noon",
    "client=2a00:1450:4009:81f::200e;",
    "call me on +44 20 7183 8750 tomorrow",
    "Date of birth: 03/04/1985",
    "MRN: 00123456",
    '{"role": "user", "dob": "1980-02-03"}',
    "std::cout << 12:30:45 << std::endl;",
    "nothing personal here, version 1.2.3 and order ORD-2024-1234",
    "naïve café ☕ +33 6 12 48 56 90 then é@x",
    "timestamp 1700000000000 and uuid 123e4567-e89b-12d3-a456-426614174000",
    "",
]


def families(prefilter: Prefilter, text: str) -> int:
    """The families that match anywhere in ``text``."""
    mask = 0
    for found in prefilter.hit_lines(text).values():
        mask |= found
    return mask


def test_backends_report_the_same_lines_and_families() -> None:
    text = "\n".join(MIXED * 3)
    fast = build_prefilter(backend="hyperscan")
    slow = build_prefilter(backend="re")
    assert fast.backend == "hyperscan" and slow.backend == "re"
    assert fast.hit_lines(text) == slow.hit_lines(text)
    for line in MIXED:
        assert families(fast, line) == families(slow, line)


def test_lines_with_entities_are_hits_and_clean_lines_are_not() -> None:
    prefilter = build_prefilter()
    hits = prefilter.hit_lines("\n".join(MIXED))
    for index, line in enumerate(MIXED):
        if find_entities(line):
            assert hits.get(index, 0) & ENTITIES, line
    assert 14 not in hits  # version, order id
    assert hits[12] & FIELDS
    assert hits[10] & CONTEXTUAL or not default_patterns()[-2:]  # "Date of birth" once contextual is present


def test_entity_conditions_are_necessary_on_a_generated_corpus() -> None:
    """Every text in which find_entities finds something matches an entity pattern (no false negatives)."""
    prefilter = RegexPrefilter([p for p in default_patterns(field_keys=False) if p.family == ENTITIES])
    pieces = [
        *("4539 1488 0343 6467", "536-22-1234", "jane@corp.io", "81.2.69.142", "+44 20 7183 8750"),
        *("GB04NWBK40516289173052", "JG 10 37 73 B", "2a00:1450:4009:81f::200e", "x", "(", ":", "-", " "),
    ]
    for left, right in itertools.product(pieces, repeat=2):
        text = f"{left}{right}"
        if find_entities(text):
            assert families(prefilter, text) & ENTITIES, text


STYLES = (
    lambda words: "_".join(words),
    lambda words: words[0] + "".join(w.title() for w in words[1:]),
    lambda words: " ".join(w.title() for w in words),
    lambda words: "-".join(words).upper(),
    lambda words: "".join(words),
)


def _vocabulary() -> set[str]:
    names: set[str] = set()
    for value in vars(context).values():
        if isinstance(value, frozenset) and all(isinstance(item, str) for item in value):
            names |= value
        elif isinstance(value, dict) and all(isinstance(item, str) for item in value):
            names |= set(value)
    owners = ("", "patient_", "customer.", "billing_")
    return {owner + name for name in names for owner in owners}


def test_every_context_field_key_is_a_hit_in_json() -> None:
    prefilter = build_prefilter()
    checked = 0
    for name in sorted(_vocabulary()):
        words = [w for w in name.replace(".", "_").split("_") if w]
        for style in STYLES:
            key = style(words)
            if is_context_field(key):
                checked += 1
                line = json.dumps({key: "x"})
                assert prefilter.hit_lines(line).get(0, 0) & FIELDS, key
    assert checked > 200


@pytest.mark.parametrize("key", ["content", "role", "created_at", "id", "messages", "completion", "uuid"])
def test_ordinary_keys_are_not_field_hits(key: str) -> None:
    assert not build_prefilter().hit_lines(json.dumps({key: "x"})).get(0, 0) & FIELDS


def test_unknown_backend_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown prefilter backend"):
        build_prefilter(backend="nope")


# --- the prefilter must be rare on ordinary text, or the scanner analyses every line ------------------------------
def test_hit_rate_on_an_ordinary_chat_corpus_is_low() -> None:
    """Support and coding chats with no personal data: few lines may be flagged (measured, not timed)."""
    lines = ordinary_chat_lines(3000)
    for backend in ("hyperscan", "re"):
        hits = build_prefilter(backend=backend).hit_lines("\n".join(lines))
        assert len(hits) / len(lines) < 0.02, (backend, [lines[index][:200] for index in list(hits)[:5]])


def test_code_with_double_colons_is_not_an_ipv6_hit() -> None:
    prefilter = build_prefilter()
    for code in ("std::vector<int> v;", "let v = Vec::new();", "Foo::bar()", "crate::fmt::Display"):
        assert not families(prefilter, code) & ENTITIES, code
    for address in ("ping ::1", "2001:db8::1", "fe80::1%eth0", "[2a00:1450::200e]:443", "::ffff:81.2.69.142"):
        assert families(prefilter, address) & ENTITIES, address
    text = "std::cout\n::1\nx"  # line starts and ends count as the edges of an address
    assert build_prefilter(backend="hyperscan").hit_lines(text) == build_prefilter(backend="re").hit_lines(text)
    assert set(build_prefilter().hit_lines(text)) == {1}


def test_json_quoted_inside_a_string_has_no_field_keys() -> None:
    prefilter = build_prefilter()
    nested = json.dumps({"content": json.dumps({"name": "build", "phone": "x"})})
    assert not prefilter.hit_lines(nested).get(0, 0) & FIELDS
    escaped_key = json.dumps({"dob\u00e9": "x"})  # ensure_ascii: the key holds an escape after the word
    assert prefilter.hit_lines(escaped_key).get(0, 0) & FIELDS
