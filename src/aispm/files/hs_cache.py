"""Compiled Hyperscan databases kept between runs, so a scan does not pay the compile again.

Compiling a large pattern set (the dataset scanner's cues with their name vocabulary) takes about half a second;
loading the serialised database takes a few milliseconds.  The cache is keyed by a hash of everything that shapes
the database (expressions, flags, ids, mode and the Hyperscan version), lives in the user's cache directory (or
``AISPM_CACHE_DIR``), and is best effort: a missing, unreadable, foreign or corrupt entry means "compile", and a
directory that cannot be written means "do not cache".  Only databases this code compiled are ever loaded, and the
entry's hash is checked before Hyperscan sees a byte of it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CACHE_ENV = "AISPM_CACHE_DIR"
_MAGIC = b"aispm-hs1\n"


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("aispm")) / "hyperscan"


def _key(module: Any, mode: int, expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int]) -> str:
    digest = hashlib.sha256()
    digest.update(str(getattr(module, "__version__", "")).encode())
    digest.update(repr((mode, list(ids), list(flags))).encode())
    for expression in expressions:
        digest.update(len(expression).to_bytes(4, "little") + expression)
    return digest.hexdigest()


def compiled_database(
    module: Any, mode: int, expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int]
) -> Any:
    """A block/stream database for these patterns: loaded from the cache when a sound entry exists, else compiled
    (and then cached).  Compile errors propagate, exactly as from ``Database.compile``."""
    key = _key(module, mode, expressions, ids, flags)
    path = cache_dir() / f"{key}.hsdb"
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    if raw.startswith(_MAGIC):
        body = raw[len(_MAGIC) + 64 :]
        if raw[len(_MAGIC) : len(_MAGIC) + 64] == hashlib.sha256(body).hexdigest().encode():
            try:
                database = module.loadb(body, mode)
                database.scratch = module.Scratch(database)  # a loaded database comes without scan space
                return database
            except Exception:  # hyperscan.error: a database of another platform or build  # noqa: S110
                pass
    database = module.Database(mode=mode)
    database.compile(expressions=list(expressions), ids=list(ids), elements=len(expressions), flags=list(flags))
    _store(path, bytes(module.dumpb(database)))
    return database


def _store(path: Path, body: bytes) -> None:
    """Write the entry atomically (a concurrent reader sees the old file or the new one, never half of one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC + hashlib.sha256(body).hexdigest().encode() + body)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return  # a read-only home or a full disk: the scan goes on without the cache
