"""Python lockfiles: Pipfile.lock, poetry.lock and uv.lock, whose versions are exact.

Pipfile.lock and poetry.lock do not say which packages the project asked for, so their entries come back with
``direct=None`` (the analyser decides from the manifest beside them); uv.lock names its root packages' dependencies
and so tells direct from transitive itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from msgspec import Struct

from aispm.discover.catalogue import normalise_package
from aispm.discover.manifests import DeclaredDependency, LineFinder, ManifestError
from aispm.discover.manifests.python import load_toml

_ENTRY_NAME = re.compile(r'^name\s*=\s*"(?P<name>[^"]+)"\s*$', re.M)


class _EntryLines:
    """Lines of the ``name = "..."`` entry headers of a TOML lockfile, found in one pass (entries may repeat a
    name, one per locked version, in file order)."""

    def __init__(self, text: str) -> None:
        finder = LineFinder(text)
        self.lines: dict[str, list[int]] = {}
        for match in _ENTRY_NAME.finditer(text):
            self.lines.setdefault(match["name"], []).append(finder.line_at(match.start()))
        self.used: dict[str, int] = {}

    def next(self, name: str) -> int | None:
        index = self.used.get(name, 0)
        self.used[name] = index + 1
        lines = self.lines.get(name, [])
        return lines[index] if index < len(lines) else None


def _packages(data: Mapping[str, Any], label: str) -> list[Mapping[str, Any]]:
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise ManifestError(f"invalid {label}: 'package' is not an array of tables")
    return [p for p in packages if isinstance(p, Mapping) and isinstance(p.get("name"), str)]


def parse_pipfile_lock(text: str) -> list[DeclaredDependency]:
    """The ``default`` and ``develop`` sections of a Pipfile.lock (versions such as ``==1.2.3`` become ``1.2.3``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise ManifestError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ManifestError("not a Pipfile.lock: the top level is not an object")
    finder = LineFinder(text)
    found: list[DeclaredDependency] = []
    for section, dev in (("default", False), ("develop", True)):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        cursor = finder.find(f'"{section}"') or 1
        for name, entry in entries.items():
            version = entry.get("version") if isinstance(entry, dict) else None
            exact = version.lstrip("=").strip() if isinstance(version, str) else None
            line = finder.find(json.dumps(name) + ":", cursor)
            cursor = line or cursor  # entries are in file order: search on from the previous one
            found.append(DeclaredDependency(name, exact, line, dev=dev, is_locked=True, direct=None))
    return found


class _LockedPackage(Struct, frozen=True):
    name: str
    version: str | None
    line: int | None
    dev: bool
    root: Mapping[str, Any] | None
    """The parsed entry when it is a workspace member (the project itself), whose dependencies are direct."""


_PACKAGE_HEADER = re.compile(r"^\[\[package\]\][ \t]*$", re.M)
_TABLE_HEADER = re.compile(r"^\[", re.M)
_HEAD_FIELD = re.compile(r'^(?P<key>name|version|category)\s*=\s*"(?P<value>[^"\\]*)"[ \t]*$', re.M)
_ROOT_SOURCE = re.compile(r"^source\s*=\s*\{[^}\n]*\b(?:virtual|editable)\s*=", re.M)


def _generated_layout(text: str, label: str) -> list[_LockedPackage] | None:
    """Entries read from the layout Poetry and uv write (``[[package]]`` then ``name``/``version`` lines), without
    parsing the whole file: TOML parsing is slow on megabyte lockfiles and only workspace members need it.
    None when the text is not in that layout."""
    starts = [match.end() for match in _PACKAGE_HEADER.finditer(text)]
    if not starts:
        return None
    finder = LineFinder(text)
    found: list[_LockedPackage] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        subtable = _TABLE_HEADER.search(text, start, end)
        head = text[start : subtable.start() if subtable else end]
        fields = {m["key"]: (m["value"], m.start()) for m in _HEAD_FIELD.finditer(head)}
        if "name" not in fields:
            return None
        root: Mapping[str, Any] | None = None
        if _ROOT_SOURCE.search(head):
            block = "[[package]]" + text[start:end].split("\n[[", 1)[0]
            root = _packages(load_toml(block), label)[0]
        found.append(
            _LockedPackage(
                name=fields["name"][0],
                version=fields["version"][0] if "version" in fields else None,
                line=finder.line_at(start + fields["name"][1]),
                dev=fields.get("category", ("", 0))[0] == "dev",
                root=root,
            )
        )
    return found


def _locked_packages(text: str, label: str) -> list[_LockedPackage]:
    fast = _generated_layout(text, label)
    if fast is not None:
        return fast
    entry_lines = _EntryLines(text)
    return [
        _LockedPackage(
            name=package["name"],
            version=package["version"] if isinstance(package.get("version"), str) else None,
            line=entry_lines.next(package["name"]),
            dev=package.get("category") == "dev",
            root=package if _is_root(package) else None,
        )
        for package in _packages(load_toml(text), label)
    ]


def parse_poetry_lock(text: str) -> list[DeclaredDependency]:
    """Every ``[[package]]`` of a poetry.lock (``category = "dev"`` in lockfiles written before Poetry 1.5)."""
    return [
        DeclaredDependency(p.name, p.version, p.line, dev=p.dev, is_locked=True, direct=None)
        for p in _locked_packages(text, "poetry.lock")
    ]


def _dependency_names(value: object) -> set[str]:
    """Names in a uv.lock dependency list (``[{ name = "x" }, ...]``), normalised for comparison."""
    if not isinstance(value, list):
        return set()
    return {_normal(item["name"]) for item in value if isinstance(item, Mapping) and isinstance(item.get("name"), str)}


def _grouped_names(value: object) -> set[str]:
    names: set[str] = set()
    if isinstance(value, Mapping):
        for group in value.values():
            names |= _dependency_names(group)
    return names


def _normal(name: str) -> str:
    return normalise_package("pypi", name)


def _is_root(package: Mapping[str, Any]) -> bool:
    """Workspace members (the project itself) have a virtual or editable source in uv.lock."""
    source = package.get("source")
    return isinstance(source, Mapping) and ("virtual" in source or "editable" in source)


def parse_uv_lock(text: str) -> list[DeclaredDependency]:
    """Every locked package of a uv.lock; the project's own dependencies are direct, its dev groups dev."""
    packages = _locked_packages(text, "uv.lock")
    roots = [p.root for p in packages if p.root is not None]
    direct: set[str] = set()
    dev: set[str] = set()
    for root in roots:
        direct |= _dependency_names(root.get("dependencies")) | _grouped_names(root.get("optional-dependencies"))
        dev |= _grouped_names(root.get("dev-dependencies"))
    found: list[DeclaredDependency] = []
    for package in packages:
        if package.root is not None:
            continue
        normal = _normal(package.name)
        found.append(
            DeclaredDependency(
                package.name,
                package.version,
                package.line,
                dev=normal in dev and normal not in direct,
                is_locked=True,
                direct=(normal in direct or normal in dev) if roots else None,
            )
        )
    return found
