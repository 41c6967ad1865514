"""npm manifests and lockfiles: package.json, package-lock.json (v1-v3) and yarn.lock (v1 and berry).

Lockfile entries are exact versions.  A lockfile entry is direct when the lockfile itself records that the project
asked for it (package-lock's root package, yarn berry workspaces); yarn v1 cannot tell (``direct`` is None and the
analyser asks the package.json beside it).  pnpm-lock.yaml is read by :mod:`aispm.discover.manifests.pnpm`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import Struct

from aispm.discover.manifests import DeclaredDependency, LineFinder, ManifestError
from aispm.files.structured import StructuredError, load_json

DEPENDENCY_SECTIONS = (
    ("dependencies", None, False),
    ("devDependencies", "dev", True),
    ("optionalDependencies", "optional", False),
    ("peerDependencies", "peer", False),
)
"""package.json sections: (key, group, dev)."""

MAX_LOCK_DEPTH = 64


def _load_json(text: str) -> Any:
    try:
        return load_json(text)
    except StructuredError as exc:
        raise ManifestError(str(exc)) from None


def load_json_object(text: str, label: str) -> dict[str, Any]:
    data = _load_json(text)
    if not isinstance(data, dict):
        raise ManifestError(f"not a {label}: the top level is not a JSON object")
    return data


def split_alias(name: str, spec: str) -> tuple[str, str | None]:
    """``"alias": "npm:real@^1"`` installs ``real``; URL, path and workspace specs carry no version."""
    if spec.startswith("npm:"):
        target = spec[4:]
        at = target.find("@", 1)
        return (target, None) if at == -1 else (target[:at], target[at + 1 :] or None)
    if ":" in spec or "/" in spec:
        return name, None
    return name, spec.strip() or None


def parse_package_json(text: str) -> list[DeclaredDependency]:
    """The dependency sections of a package.json (dev, optional and peer dependencies included, marked)."""
    data = load_json_object(text, "package.json")
    finder = LineFinder(text)
    found: list[DeclaredDependency] = []
    for section, group, dev in DEPENDENCY_SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        header = finder.find(f'"{section}"') or 1
        for alias, spec in entries.items():
            name, version = split_alias(alias, spec if isinstance(spec, str) else "")
            line = finder.find(json.dumps(alias) + ":", header) or finder.find(json.dumps(alias), header) or header
            found.append(DeclaredDependency(name, version, line, group=group, dev=dev))
    return found


def manifest_names(entry: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(all direct names, dev-only names) of a package.json-shaped mapping."""
    direct: set[str] = set()
    dev: set[str] = set()
    for section, _group, is_dev in DEPENDENCY_SECTIONS:
        entries = entry.get(section)
        if isinstance(entries, dict):
            names = {split_alias(k, v if isinstance(v, str) else "")[0] for k, v in entries.items()}
            direct |= names
            if is_dev:
                dev |= names
    runtime = set()
    for section in ("dependencies", "optionalDependencies", "peerDependencies"):
        entries = entry.get(section)
        if isinstance(entries, dict):
            runtime |= {split_alias(k, v if isinstance(v, str) else "")[0] for k, v in entries.items()}
    return direct, dev - runtime


# --- package-lock.json / npm-shrinkwrap.json --------------------------------------------------------------------


def parse_package_lock(text: str) -> list[DeclaredDependency]:
    """Every installed package of an npm lockfile (``packages`` in v2/v3, nested ``dependencies`` in v1)."""
    data = load_json_object(text, "package-lock.json")
    finder = LineFinder(text)
    packages = data.get("packages")
    if isinstance(packages, dict):
        return list(_lock_v2_packages(packages, finder))
    dependencies = data.get("dependencies")
    if isinstance(dependencies, dict):
        return list(_lock_v1_dependencies(dependencies, finder, 1, 0))
    if "lockfileVersion" not in data:
        raise ManifestError("not an npm lockfile: no 'lockfileVersion', 'packages' or 'dependencies'")
    return []


_LOCK_PACKAGE_KEY = re.compile(r'^\s*"([^"\\]*node_modules/[^"\\]*)"\s*:', re.M)


def _lock_v2_packages(packages: Mapping[str, Any], finder: LineFinder) -> Iterator[DeclaredDependency]:
    direct: set[str] = set()
    dev_only: set[str] = set()
    for key, entry in packages.items():
        if isinstance(entry, Mapping) and "node_modules/" not in f"/{key}":  # the root and workspace members
            names, dev_names = manifest_names(entry)
            direct |= names
            dev_only |= dev_names
    key_lines = {
        match[1]: finder.line_at(match.start()) for match in _LOCK_PACKAGE_KEY.finditer(finder.text)
    }  # one pass: searching the text once per entry would be quadratic in big lockfiles
    for key, entry in packages.items():
        if not isinstance(entry, Mapping) or "node_modules/" not in f"/{key}" or entry.get("link"):
            continue
        path_name = key.rsplit("node_modules/", 1)[1]
        name = entry.get("name") if isinstance(entry.get("name"), str) else path_name
        top_level = key == f"node_modules/{path_name}"
        version = entry.get("version")
        dev = bool(entry.get("dev")) or (top_level and path_name in dev_only)
        yield DeclaredDependency(
            str(name),
            version if isinstance(version, str) else None,
            key_lines.get(key),
            dev=dev,
            is_locked=True,
            direct=top_level and path_name in direct,
        )


def _lock_v1_dependencies(
    dependencies: Mapping[str, Any], finder: LineFinder, start_line: int, depth: int
) -> Iterator[DeclaredDependency]:
    if depth > MAX_LOCK_DEPTH:
        raise ManifestError(f"npm lockfile nested deeper than {MAX_LOCK_DEPTH} levels")
    cursor = start_line
    for name, entry in dependencies.items():
        if not isinstance(entry, Mapping):
            continue
        line = finder.find(json.dumps(name) + ":", cursor)
        cursor = line or cursor  # siblings are in file order: search on from the previous one
        version = entry.get("version")
        name_, exact = split_alias(name, version) if isinstance(version, str) else (name, None)
        yield DeclaredDependency(
            name_,
            exact,
            line,
            dev=bool(entry.get("dev")),
            is_locked=True,
            direct=None if depth == 0 else False,
        )
        nested = entry.get("dependencies")
        if isinstance(nested, Mapping):
            yield from _lock_v1_dependencies(nested, finder, cursor, depth + 1)


# --- yarn.lock --------------------------------------------------------------------------------------------------

_YARN_VERSION = re.compile(r"""\s+version:?\s+"?(?P<version>[^"\s]+)"?\s*$""")
_YARN_DEPENDENCY = re.compile(r"""\s{4}"?(?P<name>(?:@[^@"\s/]+/)?[^@"\s:]+)"?:?\s""")


def _yarn_descriptors(header: str) -> list[str]:
    return [part.strip().strip('"') for part in header.rstrip(":").split(",") if part.strip()]


def _descriptor_name(descriptor: str) -> str:
    """``@scope/name@^1`` -> ``@scope/name``; ``alias@npm:real@^1`` -> ``real``."""
    at = descriptor.find("@", 1)
    if at == -1:
        return descriptor
    name, spec = descriptor[:at], descriptor[at + 1 :]
    if spec.startswith("npm:") and spec.find("@", 5) != -1:
        return spec[4 : spec.find("@", 5)]
    return name


class _YarnEntry(Struct):
    name: str
    line: int
    workspace: bool
    version: str | None = None


def _is_entry_field(line: str) -> bool:
    return line.startswith("  ") and not line.startswith("   ")


def parse_yarn_lock(text: str) -> list[DeclaredDependency]:
    """Every entry of a yarn.lock, classic (v1) or berry (YAML); berry workspaces say what is direct."""
    entries: list[_YarnEntry] = []
    workspace_dependencies: set[str] = set()
    current: _YarnEntry | None = None
    in_dependencies = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if not line.rstrip().endswith(":"):
                raise ManifestError(f"invalid yarn.lock at line {number}: expected 'package@range:'")
            descriptors = _yarn_descriptors(line.strip())
            current = None
            if descriptors and descriptors[0] != "__metadata":
                current = _YarnEntry(_descriptor_name(descriptors[0]), number, "@workspace:" in line)
                entries.append(current)
            in_dependencies = False
            continue
        if current is None:
            continue
        if _is_entry_field(line):
            version = _YARN_VERSION.match(line)
            if version is not None:
                current.version = version["version"]
            in_dependencies = line.strip() in ("dependencies:", "optionalDependencies:", "peerDependencies:")
        elif in_dependencies and current.workspace:
            dependency = _YARN_DEPENDENCY.match(line)
            if dependency is not None:
                workspace_dependencies.add(dependency["name"])
    has_workspaces = any(entry.workspace for entry in entries)
    return [
        DeclaredDependency(
            entry.name,
            entry.version,
            entry.line,
            is_locked=True,
            direct=(entry.name in workspace_dependencies) if has_workspaces else None,
        )
        for entry in entries
        if not entry.workspace
    ]
