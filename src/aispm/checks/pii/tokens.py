"""Credentials of general services in dataset text: tokens whose published form is proof enough, and passwords.

The secrets engine (:mod:`aispm.checks.secrets`) knows the AI providers' keys and wants context for keys without a
prefix.  A training set is leaking whatever live credential it holds, so the dataset scan also counts the tokens of
the big developer platforms whose prefix and shape (and, for GitHub, a CRC32 check) are documented: GitHub, GitLab,
Slack, Stripe live keys and Google API keys; and a password written after ``password:`` / ``password is``, unless it
is a placeholder.  Each is reported like the secrets engine reports a key: its fixed prefix, a few characters and a
fingerprint, never the value.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator

from msgspec import Struct

from aispm.checks.secrets.redact import ELLIPSIS, fingerprint
from aispm.checks.secrets.redact import redact as redact_secret

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MIN_PASSWORD_CHARS = 6
MAX_PASSWORD_CHARS = 64


def _github_checksum_ok(token: str) -> bool:
    """GitHub's classic tokens end in six base62 characters of the CRC32 of the 30 characters before them."""
    body, check = token[4:-6], token[-6:]
    crc = zlib.crc32(body.encode("ascii"))
    digits = ""
    while crc:
        crc, remainder = divmod(crc, 62)
        digits = _BASE62[remainder] + digits
    return digits.rjust(6, "0") == check


def _varied(body: str) -> bool:
    """Not a filler (``xxxx``, ``0000``) or a template (``your_token_here``): random bodies use many characters."""
    lowered = body.lower()
    if any(word in lowered for word in ("your", "example", "xxxx", "here", "token", "redacted", "placeholder")):
        return False
    return len(set(body)) >= min(10, len(body) // 2)


class _TokenForm(Struct, frozen=True):
    label: str
    prefix: str
    """The fixed prefix, shown in reports."""
    gate: str
    """A substring every match holds: texts without it are skipped."""
    pattern: re.Pattern[str]
    check: Callable[[str], bool]


_TOKENS = (
    _TokenForm("GitHub token", "ghp_", "gh", re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"), _github_checksum_ok),
    _TokenForm(
        "GitHub fine-grained token",
        "github_pat_",
        "github_pat_",
        re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
        lambda token: _varied(token[11:]),
    ),
    _TokenForm(
        "GitLab personal access token",
        "glpat-",
        "glpat-",
        re.compile(r"glpat-[A-Za-z0-9_-]{20,64}"),
        lambda token: _varied(token[6:]),
    ),
    _TokenForm(
        "Slack token",
        "xox",
        "xox",
        re.compile(r"xox[abposr]-[0-9]{8,14}-[0-9]{8,14}(?:-[0-9]{8,14})?-[A-Za-z0-9]{24,34}"),
        lambda token: _varied(token.rsplit("-", 1)[1]),
    ),
    _TokenForm(
        "Stripe live key",
        "sk_live_",
        "k_live_",
        re.compile(r"[rs]k_live_[A-Za-z0-9]{24,99}"),
        lambda token: _varied(token[8:]),
    ),
    _TokenForm(
        "Google API key", "AIza", "AIza", re.compile(r"AIza[A-Za-z0-9_-]{35}"), lambda token: _varied(token[4:])
    ),
)
_BOUNDARY = re.compile(r"[A-Za-z0-9_-]")

# "password: X", "password = X", "password is X", "pwd: X", "passwd X": the value is the next run of non-space.
_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9])(?i:(?:password|passwd|passphrase|pwd)\b)[\"']?"
    r"(?:[ \t]*[:=][ \t]*|[ \t]+(?i:is|was)[ \t]+|[ \t]+)"
    r"[\"'`]?(?P<value>[^\s\"'`<>]{6,64}?)[\"'`]?(?=[\s,;.)]*(?:\s|$)|[,;)])"
)
_PLACEHOLDER_PASSWORDS = frozenset(
    {
        "password", "passw0rd", "password1", "password123", "changeme", "changeit", "secret", "letmein", "qwerty",
        "123456", "12345678", "123456789", "admin123", "example", "redacted", "removed", "hidden", "null", "none",
        "undefined", "placeholder", "yourpassword", "mypassword"
    }
)  # fmt: skip
_TEMPLATE = re.compile(r"^(?:\$\{?|\{\{|%\(|<|\[|\*+$|x+$|\.+$|•+$)", re.IGNORECASE)


def is_real_password(value: str) -> bool:
    """A value that looks chosen, not a placeholder: letters and digits or symbols, no template or mask."""
    if not MIN_PASSWORD_CHARS <= len(value) <= MAX_PASSWORD_CHARS or _TEMPLATE.search(value):
        return False
    lowered = value.lower().rstrip("!.")
    if lowered in _PLACEHOLDER_PASSWORDS or "redact" in lowered or "*" in value or len(set(value)) < 4:
        return False
    has_letter = any(char.isalpha() for char in value)
    has_other = any(char.isdigit() or not char.isalnum() for char in value)
    return has_letter and has_other


PREFILTER: tuple[tuple[str, bool], ...] = (
    (r"gh[pousr]_[A-Za-z0-9]{36}", False),
    (r"github_pat_[A-Za-z0-9]{22}_", False),
    (r"glpat-[A-Za-z0-9_-]{20}", False),
    (r"xox[abposr]-[0-9]{8}", False),
    (r"[rs]k_live_[A-Za-z0-9]{24}", False),
    (r"AIza[A-Za-z0-9_-]{35}", False),
    # A password cue, then a value with a digit or a symbol in its first word ("password reset" has neither).
    (
        r"(?:password|passwd|passphrase|pwd)[\"']?(?:[ \t]*[:=][ \t]*|[ \t]+is[ \t]+|[ \t]+was[ \t]+|[ \t]+)"
        r"[\"'`]?[A-Za-z]*[0-9!#$%&@^*+?~]",
        True,
    ),
)
"""Necessary conditions for :func:`find_tokens` (Hyperscan-compatible; the bool says "case-insensitive")."""


def find_tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, redacted)`` of each credential in ``text``."""
    for form in _TOKENS:
        if form.gate not in text:
            continue
        for match in form.pattern.finditer(text):
            start, end = match.span()
            if (start and _BOUNDARY.match(text, start - 1)) or _BOUNDARY.match(text, end):
                continue
            token = match.group()
            if form.check(token):
                shown = len(form.prefix) if token.startswith(form.prefix) else len(form.gate)  # gho_, rk_live_
                yield start, end, f"{form.label}: {redact_secret(token, shown)}"
    lowered = text.lower()
    if "pass" in lowered or "pwd" in lowered:
        for match in _PASSWORD.finditer(text):
            value = match.group("value")
            if is_real_password(value):
                # No character of a password is shown: only its fingerprint.
                yield match.start("value"), match.end("value"), f"password: {ELLIPSIS}{fingerprint(value)}"
