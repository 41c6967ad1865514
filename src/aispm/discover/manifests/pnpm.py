"""pnpm-lock.yaml (v5, v6 and v9): locked packages, with the importers saying which are direct.

pnpm writes its lockfile in one fixed block layout, which is read line by line: building a YAML tree of a
multi-megabyte lockfile costs seconds, reading its lines costs milliseconds.  Anything outside that layout (flow
style, anchors, tabs, block scalars, broken syntax) is handed to the safe YAML loader instead, which parses it in
full or reports where it is invalid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from msgspec import Struct, field

from aispm.discover.manifests import DeclaredDependency, ManifestError
from aispm.discover.manifests.javascript import DEPENDENCY_SECTIONS
from aispm.files.structured import LineDict, StructuredError, load_yaml_documents

_SECTIONS = {section: is_dev for section, _group, is_dev in DEPENDENCY_SECTIONS}
_PACKAGE_FIELDS = ("name", "version", "dev")
_LINE = re.compile(r"(?P<indent> *)(?P<key>'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|[^\s'\"#][^\n]*?):(?: +(?P<value>.*))?")


class _PnpmLock(Struct):
    """What the lockfile says, however it was read."""

    version: str | None = None
    direct: set[str] = field(default_factory=set)
    dev: set[str] = field(default_factory=set)
    runtime: set[str] = field(default_factory=set)
    packages: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)
    """(key, line, scalar fields name/version/dev) of each ``packages`` entry."""

    def add_direct(self, name: str, section: str) -> None:
        self.direct.add(name)
        (self.dev if _SECTIONS[section] else self.runtime).add(name)


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == "'":
        return token[1:-1].replace("''", "'")
    if len(token) >= 2 and token[0] == token[-1] == '"':
        try:
            return str(json.loads(token))
        except ValueError:
            return token[1:-1]
    return token


def _value_outside_layout(value: str) -> bool:
    """Anchors, aliases, tags, block scalars and multi-line flow collections need the YAML parser."""
    if value[0] in "&*!|>":
        return True
    return (value[0] == "[" and not value.endswith("]")) or (value[0] == "{" and not value.endswith("}"))


def _read_layout(text: str) -> _PnpmLock | None:
    """The lockfile read from pnpm's block layout, or None when the text leaves that layout."""
    lock = _PnpmLock()
    path: list[str] = []
    current: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped == "-" or stripped.startswith("- "):
            continue  # block sequence items are values pnpm writes under keys this reader does not need
        match = _LINE.fullmatch(raw)
        if match is None or len(match["indent"]) % 2 or match["key"][0] in "{[?&*!|>%@`":
            return None  # flow style, complex keys or YAML indicators: not pnpm's block layout
        depth = len(match["indent"]) // 2
        if depth > len(path):
            return None
        key, value = _unquote(match["key"]), (match["value"] or "").rstrip()
        if value and _value_outside_layout(value):
            return None
        del path[depth:]
        path.append(key)
        top = path[0]
        if depth == 0:
            current = None
            if key == "lockfileVersion":
                lock.version = _unquote(value)
        elif top == "importers" and depth == 3 and path[2] in _SECTIONS:
            lock.add_direct(key, path[2])
        elif top in _SECTIONS and depth == 1:
            lock.add_direct(key, top)
        elif top == "packages" and depth == 1:
            current = {}
            lock.packages.append((key, number, current))
        elif top == "packages" and depth == 2 and current is not None and key in _PACKAGE_FIELDS:
            current[key] = _unquote(value)
    return lock


def _read_yaml(text: str) -> _PnpmLock:
    """The lockfile read by the safe YAML loader (any valid YAML layout; errors say where)."""
    try:
        documents = load_yaml_documents(text)
    except StructuredError as exc:
        raise ManifestError(str(exc)) from None
    lock = _PnpmLock()
    document = documents[0] if documents else None
    if not isinstance(document, LineDict):
        return lock
    if "lockfileVersion" in document:
        lock.version = str(document["lockfileVersion"])
    importers = document.get("importers")
    for project in importers.values() if isinstance(importers, Mapping) else [document]:
        for section in _SECTIONS:
            entries = project.get(section) if isinstance(project, Mapping) else None
            for name in entries if isinstance(entries, Mapping) else ():
                lock.add_direct(str(name), section)
    packages = document.get("packages")
    if isinstance(packages, LineDict):
        for key, entry in packages.items():
            fields: dict[str, Any] = dict(entry) if isinstance(entry, Mapping) else {}
            scalars = {
                k: str(fields[k]).lower() if k == "dev" else str(fields[k]) for k in _PACKAGE_FIELDS if k in fields
            }
            lock.packages.append((key, packages.line_of(key), scalars))
    return lock


def _package_key(key: str, slash_format: bool) -> tuple[str, str | None]:
    """Name and version of a ``packages`` key: v5 ``/name/1.0.0_peer@2``, v6 ``/name@1.0.0(peer@2)``, v9
    ``name@1.0.0`` (scoped names the same with ``@scope/name``)."""
    key = key.lstrip("/").split("(", 1)[0]
    if slash_format:
        parts = key.split("/")
        if key.startswith("@") and len(parts) >= 3:
            return f"{parts[0]}/{parts[1]}", parts[2].split("_", 1)[0] or None
        if len(parts) >= 2:
            return parts[0], parts[1].split("_", 1)[0] or None
        return key, None
    at = key.find("@", 1)
    return (key, None) if at == -1 else (key[:at], key[at + 1 :] or None)


def _is_slash_format(version: str) -> bool:
    """pnpm lockfiles before v6 wrote package keys as ``/name/version``."""
    try:
        return float(version) < 6
    except ValueError:
        return False


def parse_pnpm_lock(text: str) -> list[DeclaredDependency]:
    """Every package of a pnpm-lock.yaml; those an importer (project) lists are direct."""
    lock = _read_layout(text) or _read_yaml(text)
    if lock.version is None:
        if not text.strip():
            return []
        raise ManifestError("not a pnpm lockfile: no 'lockfileVersion'")
    slash_format = _is_slash_format(lock.version)
    dev_only = lock.dev - lock.runtime
    found: list[DeclaredDependency] = []
    for key, line, fields in lock.packages:
        name, version = _package_key(key, slash_format)
        name = fields.get("name") or name
        version = fields.get("version") or version
        dev = fields["dev"] == "true" if "dev" in fields else name in dev_only
        found.append(DeclaredDependency(name, version, line, dev=dev, is_locked=True, direct=name in lock.direct))
    return found
