"""From native resources to normalised ``Resource`` records: one type name and one property vocabulary per kind
of resource, whatever format declared it.

The mapping is data (``mappings/*.yaml``): for each normalised type, the native type per format and, for each
normalised property, the native path per format and a conversion (``enabled`` turns "Enabled"/"Disabled" into a
boolean, ``not_bool`` turns ``disableLocalAuth`` into ``local_auth``).  ``defaults.yaml`` holds the provider
defaults for omitted attributes, so a notebook without ``direct_internet_access`` is judged as the provider would
create it, and the finding says "provider default".  Bicep shares the ARM paths (it compiles to ARM).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from msgspec import Struct, field

from aispm.files.structured import load_shipped_yaml
from aispm.model import Location, Resource
from aispm.resources.parsed import NativeResource, Origin
from aispm.resources.values import as_bool, is_open, is_reference, is_unknown, unknown

FORMAT_OF_SOURCE = {"bicep": "arm"}
"""Sources that share another format's native paths."""
FORMATS = ("terraform", "cloudformation", "arm", "kubernetes", "compose", "sagemaker_pipeline")


class _Missing:
    """An attribute the source does not set (distinct from an explicit null only in origin, not in meaning)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class PropertySpec(Struct, frozen=True):
    name: str
    paths: Mapping[str, tuple[str, ...]]
    """Format -> alternative dotted native paths (the first one present wins)."""
    convert: str = ""


class TypeMapping(Struct, frozen=True):
    type: str
    title: str
    ai: bool
    natives: Mapping[str, str]
    properties: tuple[PropertySpec, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)


class Default(Struct, frozen=True):
    value: Any
    note: str


class ResourceView(Struct, eq=False):
    """A normalised resource with the provenance of each property, for the rules."""

    resource: Resource
    native: NativeResource
    title: str
    ai: bool
    origins: dict[str, Origin]
    defaulted: set[str] = field(default_factory=set)

    @property
    def type(self) -> str:
        return self.resource.type

    @property
    def properties(self) -> dict[str, Any]:
        return self.resource.properties  # type: ignore[return-value]

    def set(self, name: str, value: Any, origin: Origin) -> None:
        """Add a derived property (cross-resource reasoning) with its origin."""
        self.properties[name] = value
        self.origins[name] = origin
        self.defaulted.discard(name)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _mapping_files() -> Iterable[Any]:
    folder = resources.files("aispm.resources") / "mappings"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            yield item


def _paths(spec: Mapping[str, Any], fmt: str) -> tuple[str, ...]:
    value = spec.get(fmt)
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


@cache
def type_mappings() -> dict[tuple[str, str], TypeMapping]:
    """(format, lower-case native type) -> mapping, from every file in ``mappings/``."""
    index: dict[tuple[str, str], TypeMapping] = {}
    for item in _mapping_files():
        for entry in load_shipped_yaml(item.read_text("utf-8")) or []:
            natives = {fmt: str(entry[fmt]) for fmt in FORMATS if fmt in entry}
            specs = tuple(
                PropertySpec(
                    name=str(name),
                    paths={fmt: _paths(spec, fmt) for fmt in natives if _paths(spec, fmt)},
                    convert=str(spec.get("as", "")),
                )
                for name, spec in (entry.get("properties") or {}).items()
            )
            mapping = TypeMapping(
                type=str(entry["type"]),
                title=str(entry.get("title", entry["type"])),
                ai=bool(entry.get("ai", True)),
                natives=natives,
                properties=specs,
                fixed=dict(entry.get("fixed") or {}),
                defaults=dict(entry.get("defaults") or {}),
            )
            for fmt, native in natives.items():
                key = (fmt, native.lower())
                if key in index:
                    raise ValueError(f"{item.name}: native type {native} ({fmt}) mapped twice")
                index[key] = mapping
    return index


@cache
def provider_defaults() -> dict[str, dict[str, Default]]:
    """Normalised type -> property -> the provider's default for an omitted attribute."""
    data = load_shipped_yaml((resources.files("aispm.resources") / "defaults.yaml").read_text("utf-8")) or {}
    out: dict[str, dict[str, Default]] = {}
    for type_name, properties in data.items():
        out[str(type_name)] = {
            str(name): Default(spec.get("value"), str(spec.get("note", ""))) for name, spec in properties.items()
        }
    return out


def format_of(native: NativeResource) -> str:
    return native.format or FORMAT_OF_SOURCE.get(native.source, native.source)


def mapping_for(native: NativeResource) -> TypeMapping | None:
    return type_mappings().get((format_of(native), native.native_type.lower()))


def _get_key(value: Mapping[str, Any], key: str) -> Any:
    if key in value:
        return value[key]
    folded = key.lower()
    for candidate, item in value.items():  # ARM property names are case-insensitive
        if str(candidate).lower() == folded:
            return item
    return MISSING


def navigate(value: Any, segments: list[str]) -> Any:
    """The value at a dotted path; a list of blocks on the way is unwrapped (one) or collected (several)."""
    for index, segment in enumerate(segments):
        if is_open(value):
            return value
        if isinstance(value, list):
            if len(value) == 1:
                value = value[0]
            else:
                found = [navigate(item, segments[index:]) for item in value]
                found = [f for f in found if f is not MISSING]
                flat: list[Any] = []
                for item in found:
                    flat.extend(item if isinstance(item, list) else [item])
                return flat if flat else MISSING
        if is_open(value):
            return value
        if not isinstance(value, Mapping):
            return MISSING
        value = _get_key(value, segment)
        if value is MISSING:
            return MISSING
    return value


def _unwrap(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _enabled(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("enabled", "enable"):
            return True
        if word in ("disabled", "disable"):
            return False
    converted = as_bool(value)
    return converted if converted is not None else unknown(f"not a recognised switch: {str(value)[:40]}")


def _records(value: Any) -> Any:
    """A list of objects with snake_case keys (guardrail filters written as Terraform blocks or CFN lists)."""
    if is_open(value):
        return value
    items = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for item in items:
        if isinstance(item, Mapping) and not is_open(item):
            out.append({_snake(str(k)): v for k, v in item.items()})
        else:
            out.append(item)
    return out


def convert(value: Any, how: str) -> Any:
    """Apply a conversion; markers pass through, ``MISSING`` stays missing except for presence tests."""
    if how in ("present", "identity", "keyvault"):
        if value is MISSING or value is None:
            return False
        value = _unwrap(value)
        if is_unknown(value):
            return value
        if is_reference(value):
            return True
        if how == "identity":
            kind = value.get("type") if isinstance(value, Mapping) else value
            if is_open(kind):
                return True
            return bool(kind) and str(kind).strip().lower() not in ("none", "")
        if how == "keyvault":
            return isinstance(value, str) and value.strip().lower() == "microsoft.keyvault"
        return not (value == "" or value == [] or value == {} or value is False)
    if value is MISSING or value is None or is_open(value) or not how:
        return value
    if how == "records":
        return _records(value)
    value = _unwrap(value)
    if is_open(value):
        return value
    if how == "bool":
        converted = as_bool(value)
        return converted if converted is not None else unknown(f"not a boolean: {str(value)[:40]}")
    if how == "not_bool":
        converted = as_bool(value)
        return (not converted) if converted is not None else unknown(f"not a boolean: {str(value)[:40]}")
    if how == "enabled":
        return _enabled(value)
    if how == "not_enabled":
        switched = _enabled(value)
        return (not switched) if isinstance(switched, bool) else switched
    if how == "string":
        return str(value) if isinstance(value, str | int | float | bool) else value
    if how == "list":
        return value if isinstance(value, list) else [value]
    raise ValueError(f"unknown conversion {how!r}")


def _default_origin(default: Default) -> Origin:
    note = f": {default.note}" if default.note else ""
    return Origin(f"provider default, attribute omitted{note}", None)


def normalise(native: NativeResource, root: str = "") -> ResourceView | None:
    """The normalised view of ``native``, or ``None`` when its type is not one aispm judges."""
    mapping = mapping_for(native)
    if mapping is None:
        return None
    fmt = format_of(native)
    properties: dict[str, Any] = dict(mapping.fixed)
    origins: dict[str, Origin] = {}
    defaulted: set[str] = set()
    defaults = dict(provider_defaults().get(mapping.type, {}))
    for name, fixed_default in mapping.defaults.items():
        defaults[name] = Default(fixed_default, "")
    for spec in mapping.properties:
        value: Any = MISSING
        native_path = ""
        for path in spec.paths.get(fmt, ()):
            found = navigate(native.properties, path.split("."))
            if found is not MISSING and found is not None:
                value, native_path = found, path
                break
        value = convert(value, spec.convert)
        if value is MISSING or value is None:
            default = defaults.get(spec.name)
            if default is not None:
                properties[spec.name] = default.value
                origins[spec.name] = _default_origin(default)
                defaulted.add(spec.name)
            continue
        properties[spec.name] = value
        origin = native.origin_of(native_path) if native_path else None
        if origin is not None:
            origins[spec.name] = origin
        elif native_path == "" and spec.convert in ("present", "identity", "keyvault"):
            origins[spec.name] = Origin("not set in the resource (omitted)", None)
    location = Location(path=native.path, start_line=native.start_line, end_line=native.end_line, root=root)
    resource = Resource(
        type=mapping.type, name=native.name, properties=properties, location=location, source=native.source
    )
    return ResourceView(resource, native, mapping.title, mapping.ai, origins, defaulted)
