"""Container image references: parse them, tell whether they are pinned, and match them to AI products.

A reference is ``[registry[:port]/]path[:tag][@digest]``.  Matching against ``catalogue/images.yaml`` ignores the
registry host (ghcr.io, nvcr.io, quay.io, a private mirror), the tag and the digest, and accepts the catalogue's
repository either exactly or as the tail of a longer path (``mirror.corp/ai/vllm/vllm-openai``).  A catalogue
entry may end in ``/*`` to claim a whole namespace (``nim/*``).  Nothing is matched by substring, so
``mycorp/openai-proxy-docs`` is not OpenAI and ``postgres`` is not pgvector.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from msgspec import Struct

from aispm.discover.catalogue import ImageInfo, load_catalogue

_FLOATING_TAG_WORDS = ("latest", "main", "master", "nightly", "edge", "stable", "dev", "head", "canary", "rolling")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
MAX_REFERENCE_LENGTH = 512


class ImageRef(Struct, frozen=True):
    """One parsed image reference; ``path`` is lower case and has no registry (``vllm/vllm-openai``)."""

    reference: str
    registry: str
    path: str
    tag: str | None = None
    digest: str | None = None
    unresolved: bool = False
    """True when a variable in the reference could not be resolved (the tag or path may be wrong)."""

    @property
    def pinned(self) -> bool:
        """A digest, or an exact tag: one with a digit and no floating word (``latest``, ``main``, ``nightly``)."""
        if self.digest:
            return True
        if not self.tag or "$" in self.tag:
            return False
        lowered = self.tag.lower()
        return any(c.isdigit() for c in lowered) and not any(word in lowered for word in _FLOATING_TAG_WORDS)

    @property
    def version(self) -> str | None:
        return self.digest or self.tag


def substitute_variables(text: str, known: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """Expand ``${VAR}``, ``${VAR:-default}`` and ``$VAR`` the way compose files and Dockerfiles do.

    Values come from ``known`` (Dockerfile ``ARG`` defaults) or the default written in the text; never from the
    environment of the scanning machine.  Returns the text and whether some variable stayed unresolved.
    """
    values = known or {}
    unresolved = False

    def expand(match: re.Match[str]) -> str:
        nonlocal unresolved
        whole = match.group(0)
        if whole == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, default = match.group(2), match.group(3)
        if name in values and not (operator == ":-" and values[name] == ""):
            return values[name] if operator not in ("+", ":+") else (default or "")
        if operator in ("-", ":-"):
            return default or ""
        if operator in ("+", ":+"):
            return ""
        unresolved = True
        return whole

    return _VARIABLE.sub(expand, text), unresolved


def _looks_like_registry(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost"


def parse_image(reference: str, known: Mapping[str, str] | None = None) -> ImageRef | None:
    """Parse an image reference (after variable expansion); ``None`` when it is not one (``scratch``, empty)."""
    raw = reference.strip().strip("'\"")
    if not raw or len(raw) > MAX_REFERENCE_LENGTH or any(c.isspace() for c in raw):
        return None
    expanded, unresolved = substitute_variables(raw, known)
    digest: str | None = None
    name = expanded
    if "@" in name:
        name, _, candidate = name.partition("@")
        digest = candidate if _DIGEST.match(candidate) else None
        unresolved = unresolved or digest is None
    components = [c for c in name.split("/") if c]
    if not components:
        return None
    tag: str | None = None
    last = components[-1]
    if ":" in last:
        last, _, tag = last.partition(":")
        components[-1] = last
        tag = tag or None
    registry = "docker.io"
    if len(components) > 1 and (_looks_like_registry(components[0]) or "$" in components[0]):
        registry = components.pop(0).lower()
    if registry in ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
        registry = "docker.io"
    if not components or components == ["scratch"]:
        return None
    if registry == "docker.io" and len(components) == 1:
        components.insert(0, "library")
    path = "/".join(components).lower()
    if "$" in path:
        unresolved = True
    return ImageRef(reference=expanded, registry=registry, path=path, tag=tag, digest=digest, unresolved=unresolved)


class _ImageIndex(Struct, frozen=True):
    exact: Mapping[str, ImageInfo]
    namespaces: Mapping[str, ImageInfo]


def _catalogue_path(pattern: str) -> str:
    components = pattern.lower().split("/")
    if len(components) > 1 and _looks_like_registry(components[0]):
        components = components[1:]
    return "/".join(components)


@cache
def _image_index() -> _ImageIndex:
    exact: dict[str, ImageInfo] = {}
    namespaces: dict[str, ImageInfo] = {}
    for info in load_catalogue().images:
        path = _catalogue_path(info.pattern)
        if path.endswith("/*"):
            namespaces.setdefault(path[:-2], info)
        else:
            exact.setdefault(path, info)
    return _ImageIndex(exact, namespaces)


def match_image(image: ImageRef) -> ImageInfo | None:
    """The AI product an image is, by exact or tail match of its repository path; ``None`` for other images."""
    index = _image_index()
    components = image.path.split("/")
    for start in range(len(components)):
        if start and len(components) - start < 2:
            break  # a one-word tail (``x/ollama``) is too weak to mean the product
        tail = "/".join(components[start:])
        info = index.exact.get(tail)
        if info is not None:
            return info
    for end in range(len(components) - 1, 0, -1):
        head = "/".join(components[:end])
        info = index.namespaces.get(head)
        if info is not None:
            return info
    return None
