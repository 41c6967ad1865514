"""aispm's cache: work that is the same on every run (compiled pattern databases, parsed data files) kept
between runs, so that a scan does not pay for it again.

What is cached decides what a scan finds (the rules, the allow and deny lists of pickle globals), so the cache is
as trusted as the code and lives beside it, in the package's ``__pycache__`` as Python's own bytecode does:
whoever could change an entry there could change the code itself.  A user cache directory would let anyone who
can write it (a poisoned CI cache, another local account) switch a check off.  ``AISPM_CACHE_DIR`` moves the
cache to a directory the user vouches for; a package directory that cannot be written means no cache.

Entries are best effort and self-checking.  Each one is a magic line, the sha256 of its body and the body; a
missing, unreadable, foreign or damaged entry reads as "absent" (the caller recomputes), and a directory that
cannot be written means "do not cache".  Writes are atomic: a concurrent reader sees the old entry or the new one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aispm import __version__

CACHE_ENV = "AISPM_CACHE_DIR"
_DIGEST = 64  # hex characters of a sha256


def cache_dir(kind: str) -> Path:
    """The folder for one kind of entry (``hyperscan``, ``yaml`` ...)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured) / kind
    return Path(__file__).resolve().parent.parent / "__pycache__" / "aispm-cache" / kind


def read_entry(path: Path, magic: bytes) -> bytes | None:
    """The body of a sound entry, or ``None``."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if not raw.startswith(magic):
        return None
    body = raw[len(magic) + _DIGEST :]
    if raw[len(magic) : len(magic) + _DIGEST] != hashlib.sha256(body).hexdigest().encode():
        return None
    return body


def write_entry(path: Path, magic: bytes, body: bytes) -> None:
    """Write an entry atomically; any OS error (read-only home, full disk) only means it is not cached."""
    import tempfile  # only a run that fills the cache pays for it

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(magic + hashlib.sha256(body).hexdigest().encode() + body)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return


_JSON_MAGIC = b"aispm-json1\n"


def parsed_text(kind: str, text: str, parse: Callable[[str], Any]) -> Any:
    """``parse(text)``, or the value a previous run stored for the same text and kind.

    The value is kept as JSON, and only when JSON gives it back exactly (YAML dates, non-string keys or NaN are
    parsed every time), so a cached value is always equal to a fresh parse.
    """
    import orjson

    header = f"{kind}\0{__version__}\0".encode()  # a new release may parse the same text differently
    key = hashlib.sha256(header + text.encode("utf-8", "surrogatepass")).hexdigest()
    path = cache_dir(kind) / f"{key}.json"
    body = read_entry(path, _JSON_MAGIC)
    if body is not None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # an entry of another version that happens to hash right: parse again and replace it
    value = parse(text)
    try:
        encoded = orjson.dumps(value)
    except TypeError:  # not JSON (a date, a set): nothing to cache
        return value
    if _same(orjson.loads(encoded), value):
        write_entry(path, _JSON_MAGIC, encoded)
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
