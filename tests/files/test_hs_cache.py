"""The Hyperscan database cache: compiled once, loaded after, never trusted blindly, never fatal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aispm.files import hs_cache
from aispm.files.cache import CACHE_ENV

hyperscan = pytest.importorskip("hyperscan")

EXPRESSIONS = [rb"foo[0-9]+", rb"(?:bar|baz)\s+qux"]
FLAGS = [hyperscan.HS_FLAG_CASELESS, 0]


class CountingHyperscan:
    """The real hyperscan module, counting how often a database is compiled."""

    def __init__(self) -> None:
        self.compiled = 0
        self.HS_MODE_BLOCK = hyperscan.HS_MODE_BLOCK
        self.__version__ = getattr(hyperscan, "__version__", "")

    def Database(self, **kwargs: Any) -> Any:
        outer = self

        class Counted(hyperscan.Database):  # type: ignore[misc]
            def compile(self, **kw: Any) -> None:
                outer.compiled += 1
                super().compile(**kw)

        return Counted(**kwargs)

    def dumpb(self, database: Any) -> bytes:
        return bytes(hyperscan.dumpb(database))

    def loadb(self, body: bytes, mode: int) -> Any:
        return hyperscan.loadb(body, mode)

    def Scratch(self, database: Any) -> Any:
        return hyperscan.Scratch(database)


def _matches(database: Any, data: bytes) -> list[int]:
    found: list[int] = []
    database.scan(data, match_event_handler=lambda pattern, *_: found.append(pattern))
    return sorted(set(found))


def _build(module: Any) -> Any:
    return hs_cache.compiled_database(module, hyperscan.HS_MODE_BLOCK, EXPRESSIONS, [0, 1], FLAGS)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "hyperscan"


def test_compiled_once_then_loaded_with_the_same_answers(cache: Path) -> None:
    module = CountingHyperscan()
    first = _build(module)
    second = _build(module)
    assert module.compiled == 1 and len(list(cache.glob("*.hsdb"))) == 1
    for database in (first, second):
        assert _matches(database, b"FOO12 and baz  qux") == [0, 1]
        assert _matches(database, b"nothing here") == []


def test_other_patterns_get_their_own_entry(cache: Path) -> None:
    module = CountingHyperscan()
    _build(module)
    hs_cache.compiled_database(module, hyperscan.HS_MODE_BLOCK, EXPRESSIONS, [0, 1], [0, 0])  # other flags
    assert module.compiled == 2 and len(list(cache.glob("*.hsdb"))) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_damaged_entry_is_recompiled_and_replaced(cache: Path, damage: str) -> None:
    module = CountingHyperscan()
    _build(module)
    [entry] = cache.glob("*.hsdb")
    raw = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        entry.write_bytes(raw[:-1] + bytes([raw[-1] ^ 0xFF]))  # the body no longer matches its hash
    else:
        entry.write_bytes(b"not a database at all")
    database = _build(module)
    assert module.compiled == 2
    assert _matches(database, b"foo7") == [0]
    assert entry.read_bytes() == raw  # rewritten whole


def test_an_unwritable_cache_only_costs_the_compile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    module = CountingHyperscan()
    assert _matches(_build(module), b"bar qux") == [1]
    assert _matches(_build(module), b"bar qux") == [1]
    assert module.compiled == 2


def test_compile_errors_still_reach_the_caller(cache: Path) -> None:
    with pytest.raises(hyperscan.error):
        hs_cache.compiled_database(hyperscan, hyperscan.HS_MODE_BLOCK, [rb"(?<=a)b"], [0], [0])
    assert not list(cache.glob("*.hsdb"))
