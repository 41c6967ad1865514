"""Judging the globals a pickle imports: dangerous, safe (allowlisted) or unknown.

The lists are data (``globals.jsonc`` beside this module: JSON with comments), read once per process and parsed
once per machine.  Deny wins over allow, and anything that no allow entry names is
*unknown*: a pickle can only be quiet by naming what legitimate model formats need, which is what keeps new gadgets
from slipping through a denylist.
"""

from __future__ import annotations

from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path

from msgspec import Struct

from aispm.files.cache import parsed_text
from aispm.files.structured import load_json


class Verdict(StrEnum):
    SAFE = "safe"
    UNKNOWN = "unknown"
    DANGEROUS = "dangerous"

    @property
    def rank(self) -> int:
        return {Verdict.SAFE: 0, Verdict.UNKNOWN: 1, Verdict.DANGEROUS: 2}[self]


class Judgement(Struct, frozen=True):
    verdict: Verdict
    reason: str


class _NameRule(Struct, frozen=True):
    """Names of one module key: every name (``*``) or a set of names."""

    every: bool
    names: frozenset[str]

    def matches(self, name: str) -> bool:
        return self.every or name in self.names


class GlobalsPolicy(Struct, frozen=True):
    deny_modules: tuple[str, ...]
    deny: Mapping[str, _NameRule]
    allow: Mapping[str, _NameRule]
    allow_classes_under: tuple[str, ...]

    def judge(self, module: str, name: str) -> Judgement:
        """The verdict for ``module.name``, also judged under its Python 3 name when pickle would remap it."""
        judgements = [self._judge_one(module, name)]
        mapped = _python3_name(module, name)
        if mapped != (module, name):
            judgements.append(self._judge_one(*mapped))
        for verdict in (Verdict.DANGEROUS, Verdict.SAFE):
            for judgement in judgements:
                if judgement.verdict is verdict:
                    return judgement
        return judgements[0]

    def _judge_one(self, module: str, name: str) -> Judgement:
        parts = name.split(".")
        if any(_is_dunder(part) for part in parts[1:]):
            return Judgement(Verdict.DANGEROUS, "reaches interpreter internals through a dunder attribute path")
        if _under(module, self.deny_modules):
            return Judgement(
                Verdict.DANGEROUS, f"module {module} is on the denylist (commands, code, files or network)"
            )
        keys = tuple(_module_keys(module))
        if any(key in self.deny and self.deny[key].matches(parts[0]) for key in keys):
            return Judgement(Verdict.DANGEROUS, f"{module}.{name} is on the denylist")
        if len(parts) > 1:
            if any(key in self.allow and name in self.allow[key].names for key in keys):
                return Judgement(Verdict.SAFE, "allowlisted")  # listed whole (``ZoneInfo._unpickle``), not by '*'
            return Judgement(Verdict.UNKNOWN, "attribute path into an imported object")
        if any(key in self.allow and self.allow[key].matches(name) for key in keys):
            return Judgement(Verdict.SAFE, "allowlisted")
        if _is_dunder(name):
            return Judgement(Verdict.DANGEROUS, "imports an interpreter-internal dunder name")
        if _under(module, self.allow_classes_under) and _is_class_like(name):
            return Judgement(Verdict.SAFE, "class of an allowlisted package")
        return Judgement(Verdict.UNKNOWN, "not on the allowlist of globals that model formats need")


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _python3_name(module: str, name: str) -> tuple[str, str]:
    if (module, name) in NAME_MAPPING:
        mapped: tuple[str, str] = NAME_MAPPING[(module, name)]
        return mapped
    return IMPORT_MAPPING.get(module, module), name


def _under(module: str, packages: Iterable[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def _module_keys(module: str) -> Iterable[str]:
    """The allow/deny keys that can match ``module``: itself, then ``pkg.*`` for each enclosing package."""
    yield module
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        yield ".".join(parts[:end]) + ".*"


def _is_class_like(name: str) -> bool:
    return (name.lstrip("_")[:1].isupper() and name.isidentifier()) or name.startswith("__pyx_unpickle_")


def _name_rule(value: object, key: str) -> _NameRule:
    if value == "*":
        return _NameRule(True, frozenset())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return _NameRule("*" in value, frozenset(value))
    raise ValueError(f"globals.jsonc: {key} must list names or be '*'")


def parse_policy(data: Mapping[str, object]) -> GlobalsPolicy:
    def rules(section: str) -> dict[str, _NameRule]:
        raw = data.get(section) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"globals.jsonc: {section} must map modules to names")
        return {str(key): _name_rule(value, f"{section}.{key}") for key, value in raw.items()}

    def modules(section: str) -> tuple[str, ...]:
        raw = data.get(section) or []
        if not isinstance(raw, list):
            raise ValueError(f"globals.jsonc: {section} must be a list of modules")
        return tuple(str(item) for item in raw)

    return GlobalsPolicy(modules("deny_modules"), rules("deny"), rules("allow"), modules("allow_classes_under"))


@cache
def default_policy() -> GlobalsPolicy:
    """The shipped allow and deny lists (read once per process, parsed once per machine: see ``files/cache.py``)."""
    text = Path(__file__).with_name("globals.jsonc").read_text("utf-8")
    data: Mapping[str, object] = parsed_text("jsonc", text, _load_jsonc)
    return parse_policy(data)


def _load_jsonc(text: str) -> object:
    return load_json(text, allow_comments=True)


@lru_cache(maxsize=8192)
def judge_global(module: str, name: str) -> Judgement:
    """:meth:`GlobalsPolicy.judge` with the default lists (cached: model files repeat the same few globals)."""
    return default_policy().judge(module, name)
