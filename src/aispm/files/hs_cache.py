"""Compiled Hyperscan databases kept between runs, so a scan does not pay the compile again.

Compiling a large pattern set (the dataset scanner's cues with their name vocabulary) takes about half a second;
loading the serialised database takes a few milliseconds.  The cache is keyed by a hash of everything that shapes
the database (expressions, flags, ids, mode and the Hyperscan version) and lives in aispm's cache directory
(``files/cache.py``: best effort, atomic, hash-checked).  Only databases this code compiled are ever loaded, and the
entry's hash is checked before Hyperscan sees a byte of it; one that does not load is compiled again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from aispm.files.cache import cache_dir, read_entry, write_entry

_MAGIC = b"aispm-hs1\n"


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
    path = cache_dir("hyperscan") / f"{key}.hsdb"
    body = read_entry(path, _MAGIC)
    if body is not None:
        try:
            database = module.loadb(body, mode)
            database.scratch = module.Scratch(database)  # a loaded database comes without scan space
            return database
        except Exception:  # hyperscan.error: a database of another platform or build  # noqa: S110
            pass
    database = module.Database(mode=mode)
    database.compile(expressions=list(expressions), ids=list(ids), elements=len(expressions), flags=list(flags))
    write_entry(path, _MAGIC, bytes(module.dumpb(database)))
    return database
