"""Layered decoy suppression: what looks like a key but is not one, and why.

Each layer is one question about a confirmed match; the first layer that answers "decoy" names itself and its
reason, and the finding is kept with that :class:`~aispm.model.Suppression` (reports hide it by default and show
it with ``--show-suppressed``).  Nothing is silently dropped, so a wrong suppression can be seen and fixed.

Layers, in order:

* ``documented-example`` -- a provider's published example key (AWS's ``AKIAIOSFODNN7EXAMPLE``) or one that says
  ``EXAMPLE``;
* ``placeholder`` -- ``sk-xxxx...``, ``your-api-key-here``, ``changeme``, ``<...>``, repeated or sequential
  characters, a short repeating unit, too little entropy for a random key;
* ``environment-lookup`` -- the text is a reference, not a value: ``${VAR}``, ``${{ secrets.X }}``,
  ``os.environ[...]``, ``process.env.X``, a ``secretKeyRef``;
* ``hash`` -- a digest: an integrity attribute (``sha512-...``), ``sha256:`` / ``@sha256:`` prefixes, a value
  named checksum/digest/commit, or a bare hex digest where the key type's alphabet is not hex;
* ``uuid`` -- a UUID-shaped key type whose value is named like an id (``request_id``, ``uuid``).

Test fixtures are not decoys: a key under ``tests/`` or in ``test_*.py`` may still be real.  It is *downgraded*
(lower severity, with the reason recorded), never suppressed.
"""

from __future__ import annotations

import re

from msgspec import Struct

from aispm.checks.secrets.engine import Candidate
from aispm.checks.secrets.validators import shannon_entropy
from aispm.model import Suppression

_WORDS = (
    "xxxx",
    "your",
    "placeholder",
    "changeme",
    "change_me",
    "dummy",
    "fake",
    "sample",
    "insert",
    "replace",
    "redacted",
    "example",
    "qwerty",
    "secretkey",
    "secret_key",
    "apikey",
    "api_key",
    "tokenhere",
    "keyhere",
)
_PLACEHOLDER_WORDS = re.compile(
    "|".join(re.escape(form) for word in _WORDS for form in {word, word.upper(), word.capitalize()})
    + r"|0123456|1234567|abcdefg|ABCDEFG"
)
"""Placeholder words in the key itself, as people type them (lower, UPPER or Capitalised): a random key
contains one of these by chance about once in 100,000."""
_REPEATED_RUN = re.compile(r"(.)\1{5,}")
_ENV_REFERENCE = re.compile(
    r"""(?:\$\{\{?\s*(?:secrets|env|vars)?\.?|\$\{|\$|%|process\.env\.|import\.meta\.env\.|os\.environ\[\s*["']?|
    os\.environ\.get\(\s*["']?|os\.getenv\(\s*["']?|getenv\(\s*["']?|ENV\[\s*["']?|ENV\.fetch\(\s*["']?|
    System\.getenv\(\s*"?|Environment\.GetEnvironmentVariable\(\s*"?|env\(\s*["']?|secrets\.)$""",
    re.X,
)
_HASH_PREFIX = re.compile(
    r"""(?:\b(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?|sha3-?\d*|xxh\d*)[-:=]\s*|@sha256:|\#sha256=)$""", re.I
)
_HASH_NAME = re.compile(
    r"""(?<![A-Za-z0-9])(?:integrity|checksum|check_sum|digest|hash(?:es)?|sha(?:1|224|256|384|512)?(?:sum)?|md5|etag|commit(?:_?id|_?sha)?|revision|rev|
    oid|object_?id|fingerprint|nonce|salt|signature|hmac|build_?id|git_?(?:sha|hash|ref)|resolved)
    ["'`\]]*\s*(?:[:=]|=>)\s*["'`]?$""",
    re.I | re.X,
)
_HEX_DIGEST = re.compile(r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ID_NAME = re.compile(
    r"""(?:\bid|_id|-id|uuid|guid|idempotency|request|trace|span|session|correlation|tenant|org(?:anization)?|
    project|workspace|user|account|index|environment|deployment)["'`\]]*\s*(?:[:=]|=>)\s*["'`]?$""",
    re.I | re.X,
)
_TEST_DIRS = frozenset(
    {"test", "tests", "testing", "__tests__", "spec", "specs", "fixtures", "fixture", "testdata", "test_data",
     "mocks", "__mocks__", "__fixtures__", "e2e"}
)  # fmt: skip
_TEST_FILE = re.compile(r"(?:^test_.*|.*_test\.\w+|.*\.(?:test|spec)\.\w+|conftest\.py|.*_spec\.rb)$", re.I)


class DecoyVerdict(Struct, frozen=True):
    suppression: Suppression | None = None
    """Set when the match is a decoy: the finding is kept, suppressed by this layer."""
    downgrade: str | None = None
    """Set when the match is kept but trusted less (a test fixture), with the reason."""


def _body(candidate: Candidate) -> str:
    """The key without the literal prefix its anchor names (``sk-proj-``), which is not random."""
    secret = candidate.secret
    lowered = secret.lower()
    prefix = max((a for a in candidate.key_type.anchors if lowered.startswith(a.lower())), key=len, default="")
    return secret[len(prefix) :]


def _is_periodic(body: str) -> bool:
    """``ab12ab12ab12...``: a short unit repeated is a typed-in placeholder, not a random key."""
    for unit in range(1, 9):
        if len(body) >= unit * 3 and (body[:unit] * (len(body) // unit + 1))[: len(body)] == body:
            return True
    return False


def documented_example(candidate: Candidate, documented: frozenset[str]) -> Suppression | None:
    secret = candidate.secret
    if secret in documented or "EXAMPLE" in secret or "example" in secret:
        return Suppression("documented-example", "a provider's documented example key, not a real one")
    return None


def placeholder(candidate: Candidate) -> Suppression | None:
    body = _body(candidate)
    word = _PLACEHOLDER_WORDS.search(body)
    if word:
        return Suppression("placeholder", f"placeholder text ({word.group(0)!r}) inside the key")
    if _REPEATED_RUN.search(body):
        return Suppression("placeholder", "a run of one repeated character")
    if _is_periodic(body):
        return Suppression("placeholder", "a short pattern repeated")
    before, after = candidate.before.rstrip(" \"'`"), candidate.after.lstrip(" \"'`")
    if before.endswith("<") and after.startswith(">"):
        return Suppression("placeholder", "written as a <placeholder>")
    entropy = shannon_entropy(body)
    if entropy < candidate.key_type.min_entropy:
        return Suppression("placeholder", f"too little randomness for a real key ({entropy:.1f} bits per character)")
    return None


def environment_lookup(candidate: Candidate) -> Suppression | None:
    before = candidate.before.rstrip()
    if _ENV_REFERENCE.search(before):
        return Suppression("environment-lookup", "a reference to an environment variable or secret store")
    if "secretKeyRef" in candidate.before or "secretKeyRef" in candidate.after:
        return Suppression("environment-lookup", "a Kubernetes secretKeyRef, not a value")
    return None


def hash_like(candidate: Candidate, hex_body: bool) -> Suppression | None:
    before = candidate.before
    if _HASH_PREFIX.search(before):
        return Suppression("hash", "a content digest or integrity attribute (sha256/sha512/...)")
    if _HASH_NAME.search(before):
        return Suppression("hash", "the value of a checksum, digest or commit field")
    if not hex_body and _HEX_DIGEST.fullmatch(_body(candidate)):
        return Suppression("hash", "a bare hexadecimal digest, not this provider's key alphabet")
    return None


def uuid_like(candidate: Candidate) -> Suppression | None:
    if _UUID.fullmatch(candidate.secret) and _ID_NAME.search(candidate.before):
        return Suppression("uuid", "a UUID used as an identifier")
    return None


def fixture_reason(path: str) -> str | None:
    """The reason a file counts as a test fixture, or None."""
    parts = path.split("/")
    directories = {part.lower() for part in parts[:-1]}
    if directories & _TEST_DIRS:
        return "in a test or fixture directory"
    if _TEST_FILE.match(parts[-1]):
        return "in a test file"
    return None


def judge(candidate: Candidate, path: str, documented: frozenset[str], hex_body: bool) -> DecoyVerdict:
    """Run the layers in order; the first that recognises a decoy wins."""
    suppression = (
        documented_example(candidate, documented)
        or placeholder(candidate)
        or environment_lookup(candidate)
        or hash_like(candidate, hex_body)
        or uuid_like(candidate)
    )
    if suppression is not None:
        return DecoyVerdict(suppression=suppression)
    fixture = fixture_reason(path)
    return DecoyVerdict(downgrade=f"test fixture ({fixture})" if fixture else None)
