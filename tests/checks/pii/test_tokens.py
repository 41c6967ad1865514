"""General-service tokens and passwords in dataset text: documented prefixes and checksums, never placeholders."""

from __future__ import annotations

import random
import re
import string
import zlib

import pytest

from aispm.checks.pii.entities import EntityType, find_entities
from aispm.checks.pii.tokens import PREFILTER, find_tokens, is_real_password
from aispm.checks.secrets.redact import fingerprint

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
RNG = random.Random(5)


def _random(count: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(count))


def github_token(prefix: str = "ghp_") -> str:
    """A classic GitHub token: 30 random base62 characters and the base62 CRC32 of them, six wide."""
    body = _random(30)
    crc, check = zlib.crc32(body.encode()), ""
    while crc:
        crc, remainder = divmod(crc, 62)
        check = BASE62[remainder] + check
    return prefix + body + check.rjust(6, "0")


def tokens() -> list[tuple[str, str]]:
    return [
        ("GitHub token", github_token()),
        ("GitHub token", github_token("gho_")),
        ("GitHub fine-grained token", f"github_pat_{_random(22)}_{_random(59)}"),
        ("GitLab personal access token", "glpat-" + _random(20, string.ascii_letters + string.digits + "_-")),
        ("Slack token", f"xoxb-{_random(12, string.digits)}-{_random(13, string.digits)}-{_random(24)}"),
        ("Stripe live key", "sk_live_" + _random(24)),
        ("Stripe live key", "rk_live_" + _random(32)),
        ("Google API key", "AIza" + _random(35, string.ascii_letters + string.digits + "_-")),
    ]


@pytest.mark.parametrize(("label", "token"), tokens())
def test_documented_token_forms_are_credentials(label: str, token: str) -> None:
    text = f"the installer fails with my key {token} - revoked?"
    found = list(find_tokens(text))
    assert [(text[start:end], redacted.split(":")[0]) for start, end, redacted in found] == [(token, label)]
    redacted = found[0][2]
    assert token not in redacted and redacted.endswith(fingerprint(token))
    assert any(re.search(pattern, text, 0 if not caseless else re.I) for pattern, caseless in PREFILTER)
    assert [entity.type for entity in find_entities(text)] == [EntityType.CREDENTIAL]


@pytest.mark.parametrize(
    "text",
    [
        "ghp_" + "x" * 36,  # filler
        github_token()[:-1] + "0",  # CRC32 check fails
        "xoxb-your-bot-token",
        "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",  # a test key is no leak of a live account
        "sk_live_YOUR_KEY_HERE_xxxxxxxxxxxxxx",
        "glpat-xxxxxxxxxxxxxxxxxxxx",
        "AIza" + "EXAMPLE" * 5,
        "my_ghp_" + _random(36) + "_suffix",  # inside a longer identifier
        "${OPENAI_API_KEY}",
    ],
)
def test_placeholder_and_malformed_tokens_are_not(text: str) -> None:
    assert list(find_tokens(text)) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my login is ana@mail.com, password Bluebell482!# and it fails", "Bluebell482!#"),
        ("password: Kestrel219!$", "Kestrel219!$"),
        ("DB_PASSWORD=tr0ub4dor&3", "tr0ub4dor&3"),
        ("the password is hunter22.", "hunter22"),
        ('"passwd": "s3cr3t-Horse"', "s3cr3t-Horse"),
    ],
)
def test_passwords_after_a_cue(text: str, value: str) -> None:
    found = list(find_tokens(text))
    assert [text[start:end] for start, end, _ in found] == [value]
    assert value[:3] not in found[0][2].split(":", 1)[1]  # no character of a password is shown
    assert any(re.search(pattern, text, re.I if caseless else 0) for pattern, caseless in PREFILTER)


@pytest.mark.parametrize(
    "text",
    [
        "password: <redacted>",
        "password: ****",
        "password: changeme",
        "PASSWORD=${PASSWORD}",
        "password: {{ db_password }}",
        "reset your password and try again",
        "your password must have 8 characters",
        "password manager 1Password works",
        "password: xxxxxxxx",
        "password: password123",
    ],
)
def test_password_placeholders_and_prose_are_not(text: str) -> None:
    assert list(find_tokens(text)) == []


def test_real_password_rules() -> None:
    assert is_real_password("Summer2024!")
    assert not is_real_password("Summer")  # letters only: a word
    assert not is_real_password("12345678")
    assert not is_real_password("a1")  # too short
