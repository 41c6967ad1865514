"""aispm's cache of parsed data files: a fresh parse and a cached one are always the same value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from aispm.files import cache
from aispm.files.structured import StructuredError, load_plain_yaml, load_shipped_yaml


class CountingParser:
    def __init__(self, value: Any) -> None:
        self.value = value
        self.calls = 0

    def __call__(self, text: str) -> Any:
        self.calls += 1
        return self.value


@pytest.fixture
def entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "test"


def test_parsed_once_then_read_back_equal(entries: Path) -> None:
    value = {"rules": [{"id": "X-1", "severity": "high", "score": 7.5, "on": True, "none": None}], "n": 3}
    parser = CountingParser(value)
    assert cache.parsed_text("test", "text one", parser) == value
    assert cache.parsed_text("test", "text one", parser) == value
    assert parser.calls == 1 and len(list(entries.glob("*.json"))) == 1
    cache.parsed_text("test", "text two", parser)  # another text: its own entry
    assert parser.calls == 2 and len(list(entries.glob("*.json"))) == 2


@pytest.mark.parametrize(
    "value",
    [
        {"released": dt.date(2024, 1, 2)},  # JSON would give a string back
        {1: "integer key"},  # JSON keys are strings
        {"x": float("nan")},
    ],
)
def test_values_json_cannot_give_back_exactly_are_parsed_every_time(entries: Path, value: Any) -> None:
    parser = CountingParser(value)
    first = cache.parsed_text("test", "text", parser)
    second = cache.parsed_text("test", "text", parser)
    assert parser.calls == 2 and first is value and second is value
    assert not list(entries.glob("*.json"))


def test_types_survive_the_cache(entries: Path) -> None:
    value = {"flags": [1, True, 1.0, "1", None, 0, False]}
    cache.parsed_text("test", "text", CountingParser(value))
    cached = cache.parsed_text("test", "text", CountingParser(None))
    assert [type(item) for item in cached["flags"]] == [int, bool, float, str, type(None), int, bool]
    assert not cache._same({"a": 1}, {"a": True}) and not cache._same([1.0], [1])


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "not-json"])
def test_a_damaged_entry_is_parsed_again_and_replaced(entries: Path, damage: str) -> None:
    parser = CountingParser({"a": [1, 2]})
    cache.parsed_text("test", "text", parser)
    [entry] = entries.glob("*.json")
    raw = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        entry.write_bytes(raw[:-1] + bytes([raw[-1] ^ 0xFF]))
    elif damage == "garbage":
        entry.write_bytes(b"nothing like an entry")
    else:  # hashes right but is not JSON: only a foreign writer could do this
        cache.write_entry(entry, b"aispm-json1\n", b"{not json")
    assert cache.parsed_text("test", "text", parser) == {"a": [1, 2]}
    assert parser.calls == 2
    assert entry.read_bytes() == raw


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))
    parser = CountingParser([1, 2])
    assert cache.parsed_text("test", "text", parser) == [1, 2]
    assert cache.parsed_text("test", "text", parser) == [1, 2]
    assert parser.calls == 2


def test_yaml_errors_reach_the_caller_and_are_not_cached(entries: Path) -> None:
    for _ in range(2):
        with pytest.raises(StructuredError):
            load_shipped_yaml("key: [unclosed")
    assert not list((entries.parent / "yaml").glob("*.json"))


def test_cached_yaml_equals_a_fresh_parse(entries: Path) -> None:
    text = "a: 1\nb: [x, 2.5, true, null]\nc: {d: e}\n"
    first = load_shipped_yaml(text)
    assert len(list((entries.parent / "yaml").glob("*.json"))) == 1
    assert load_shipped_yaml(text) == first == {"a": 1, "b": ["x", 2.5, True, None], "c": {"d": "e"}}


def test_the_default_cache_is_beside_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    # As trusted as the code: a user cache directory could be written by whoever poisons a CI cache.
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    package = Path(cache.__file__).resolve().parent.parent
    assert cache.cache_dir("yaml") == package / "__pycache__" / "aispm-cache" / "yaml"


def test_a_new_release_does_not_read_an_older_parse(entries: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = CountingParser({"a": 1})
    cache.parsed_text("test", "text", parser)
    monkeypatch.setattr(cache, "__version__", "99.0")
    cache.parsed_text("test", "text", parser)
    assert parser.calls == 2 and len(list(entries.glob("*.json"))) == 2


def test_user_yaml_is_never_cached(entries: Path) -> None:
    # A policy file is the user's: a few hundred bytes of nested aliases would expand to gigabytes as JSON.
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 7)
    )
    assert len(load_plain_yaml(bomb)["a6"]) == 10
    assert not (entries.parent / "yaml").exists()
