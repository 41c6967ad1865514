"""The catalogues that say what is AI: packages, providers, model ids and service images, all as data.

The YAML files live in ``discover/catalogue/``; each entry is one line of knowledge, and adding a package,
a provider host or a model-server image needs no code.  Everything is loaded once per process and indexed for
exact lookups (never substring matching: ``openapi`` is not ``openai``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from msgspec import Struct, field

from aispm.files.structured import load_shipped_yaml

ECOSYSTEMS = ("pypi", "npm", "go", "maven")


def normalise_package(ecosystem: str, name: str) -> str:
    """Canonical package name: PEP 503 for PyPI (``Foo_Bar`` -> ``foo-bar``), lower case elsewhere."""
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name.lower()


class PackageInfo(Struct, frozen=True):
    ecosystem: str
    name: str
    category: str
    provider: str | None = None
    modules: tuple[str, ...] = ()
    """Top-level import names (Python) that mean this package is used."""


class ProviderInfo(Struct, frozen=True):
    id: str
    name: str
    hosts: tuple[str, ...] = ()
    """API host names; a leading ``*.`` matches any sub-domain (``*.openai.azure.com``)."""
    ports: tuple[int, ...] = ()
    """Well-known local ports (Ollama's 11434) that mean the provider when seen with localhost."""
    env: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    """Client class or factory names whose construction means the code calls this provider."""
    model_patterns: tuple[str, ...] = ()
    """Full-match regular expressions of this provider's model ids."""


class ImageInfo(Struct, frozen=True):
    pattern: str
    """Image repository, matched exactly or as a suffix after a registry/namespace (``vllm/vllm-openai``)."""
    product: str
    category: str
    ports: tuple[int, ...] = ()
    kind: str = "service"


class Catalogue(Struct, frozen=True):
    packages: Mapping[tuple[str, str], PackageInfo]
    modules: Mapping[str, PackageInfo]
    providers: Mapping[str, ProviderInfo]
    images: tuple[ImageInfo, ...]
    models: Mapping[str, str] = field(default_factory=dict)
    """Exact model id (lower case) -> provider id."""
    model_regex: re.Pattern[str] | None = None

    def package(self, ecosystem: str, name: str) -> PackageInfo | None:
        return self.packages.get((ecosystem, normalise_package(ecosystem, name)))

    def module(self, dotted: str) -> PackageInfo | None:
        """The package behind an import (``langchain_openai.chat_models`` -> langchain-openai)."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            info = self.modules.get(".".join(parts[:end]))
            if info is not None:
                return info
        return None

    def model_provider(self, model_id: str) -> str | None:
        """The provider of a known model id (exact match against ids and full-match patterns), else None."""
        lowered = model_id.strip().lower()
        hit = self.models.get(lowered)
        if hit is not None:
            return hit
        if self.model_regex is not None:
            match = self.model_regex.fullmatch(lowered)
            if match and match.lastgroup:
                return match.lastgroup.replace("_", "-")
        return None


def _read(name: str) -> Any:
    text = (resources.files(__package__ or "aispm.discover") / "catalogue" / name).read_text("utf-8")
    return load_shipped_yaml(text)


def _tuple(value: object) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)


@cache
def load_catalogue() -> Catalogue:
    packages: dict[tuple[str, str], PackageInfo] = {}
    modules: dict[str, PackageInfo] = {}
    for ecosystem, entries in (_read("packages.yaml") or {}).items():
        if ecosystem not in ECOSYSTEMS:
            raise ValueError(f"packages.yaml: unknown ecosystem {ecosystem}")
        for name, meta in entries.items():
            meta = meta or {}
            info = PackageInfo(
                ecosystem=ecosystem,
                name=str(name),
                category=str(meta.get("category", "ai")),
                provider=meta.get("provider"),
                modules=tuple(str(m) for m in _tuple(meta.get("modules"))),
            )
            packages[(ecosystem, normalise_package(ecosystem, str(name)))] = info
            if ecosystem == "pypi":
                for module in info.modules or (str(name).replace("-", "_").lower(),):
                    modules.setdefault(module, info)
    providers: dict[str, ProviderInfo] = {}
    group_patterns: list[str] = []
    models: dict[str, str] = {}
    for entry in _read("providers.yaml") or []:
        info_p = ProviderInfo(
            id=str(entry["id"]),
            name=str(entry["name"]),
            hosts=tuple(str(h).lower() for h in _tuple(entry.get("hosts"))),
            ports=tuple(int(p) for p in _tuple(entry.get("ports"))),
            env=tuple(str(e) for e in _tuple(entry.get("env"))),
            clients=tuple(str(c) for c in _tuple(entry.get("clients"))),
            model_patterns=tuple(str(p) for p in _tuple(entry.get("model_patterns"))),
        )
        providers[info_p.id] = info_p
        for model in _tuple(entry.get("models")):
            models[str(model).lower()] = info_p.id
        if info_p.model_patterns:
            group = info_p.id.replace("-", "_")
            group_patterns.append(f"(?P<{group}>{'|'.join(f'(?:{p})' for p in info_p.model_patterns)})")
    images = tuple(
        ImageInfo(
            pattern=str(entry["image"]).lower(),
            product=str(entry["product"]),
            category=str(entry.get("category", "ai-service")),
            ports=tuple(int(p) for p in _tuple(entry.get("ports"))),
            kind=str(entry.get("kind", "service")),
        )
        for entry in (_read("images.yaml") or [])
    )
    model_regex = re.compile("|".join(group_patterns)) if group_patterns else None
    return Catalogue(packages, modules, providers, images, models, model_regex)
