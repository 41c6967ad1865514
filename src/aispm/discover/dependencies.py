"""AI packages declared in dependency manifests and lockfiles, one PACKAGE asset per AI package per file.

The analyser recognises manifest and lockfile names, hands the text to the parser of its format
(:mod:`aispm.discover.manifests`) and keeps only what the package catalogue calls AI: the rest of a dependency
tree is not AI inventory.  A manifest and its lockfile yield the same asset key, and the engine's merge prefers
the lockfile's exact version.  A cheap word test on the text skips parsing files that name no AI package at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache

from msgspec import Struct
from msgspec.structs import replace
from packageurl import PackageURL

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.catalogue import PackageInfo, load_catalogue, normalise_package
from aispm.discover.manifests import DeclaredDependency, ManifestError
from aispm.discover.manifests.conda import CONDA_TO_PYPI, parse_conda_environment
from aispm.discover.manifests.go import parse_go_mod
from aispm.discover.manifests.javascript import (
    load_json_object,
    manifest_names,
    parse_package_json,
    parse_package_lock,
    parse_yarn_lock,
)
from aispm.discover.manifests.jvm import parse_gradle, parse_pom, parse_version_catalog
from aispm.discover.manifests.pnpm import parse_pnpm_lock
from aispm.discover.manifests.python import parse_pipfile, parse_pyproject, parse_requirements, parse_setup_cfg
from aispm.discover.manifests.python_locks import parse_pipfile_lock, parse_poetry_lock, parse_uv_lock
from aispm.files.content import FileContent
from aispm.files.walk import FileRef, readable_sibling
from aispm.model import Asset, AssetKind, JSONValue

Parser = Callable[[str], list[DeclaredDependency]]

MAX_SIBLING_BYTES = 2 * 1024 * 1024
"""Largest manifest read beside a lockfile that cannot tell direct dependencies itself."""


class ManifestFormat(Struct, frozen=True):
    """How to read one kind of manifest or lockfile; ``label`` prefixes its error messages."""

    label: str
    ecosystem: str
    parse: Parser
    sibling: str | None = None
    """The manifest beside this lockfile that says which packages are direct (lockfiles that cannot tell)."""


def _package_json_names(text: str) -> tuple[set[str], set[str]]:
    data = load_json_object(text, "package.json")
    if "workspaces" in data:  # direct dependencies are spread over the workspace members: cannot tell here
        raise ManifestError("workspace root")
    return manifest_names(data)


def _python_names(parse: Parser) -> Callable[[str], tuple[set[str], set[str]]]:
    def names(text: str) -> tuple[set[str], set[str]]:
        declared = parse(text)
        everything = {normalise_package("pypi", d.name) for d in declared}
        runtime = {normalise_package("pypi", d.name) for d in declared if not d.dev}
        return everything, everything - runtime

    return names


_SIBLING_READERS: dict[str, Callable[[str], tuple[set[str], set[str]]]] = {
    "package.json": _package_json_names,
    "pyproject.toml": _python_names(parse_pyproject),
    "Pipfile": _python_names(parse_pipfile),
}

_BY_NAME = {
    "pyproject.toml": ManifestFormat("pyproject.toml", "pypi", parse_pyproject),
    "setup.cfg": ManifestFormat("setup.cfg", "pypi", parse_setup_cfg),
    "Pipfile": ManifestFormat("Pipfile", "pypi", parse_pipfile),
    "Pipfile.lock": ManifestFormat("Pipfile.lock", "pypi", parse_pipfile_lock, sibling="Pipfile"),
    "poetry.lock": ManifestFormat("poetry.lock", "pypi", parse_poetry_lock, sibling="pyproject.toml"),
    "uv.lock": ManifestFormat("uv.lock", "pypi", parse_uv_lock),
    "package.json": ManifestFormat("package.json", "npm", parse_package_json),
    "package-lock.json": ManifestFormat("package-lock.json", "npm", parse_package_lock, sibling="package.json"),
    "npm-shrinkwrap.json": ManifestFormat("npm-shrinkwrap.json", "npm", parse_package_lock, sibling="package.json"),
    "yarn.lock": ManifestFormat("yarn.lock", "npm", parse_yarn_lock, sibling="package.json"),
    "pnpm-lock.yaml": ManifestFormat("pnpm-lock.yaml", "npm", parse_pnpm_lock),
    "go.mod": ManifestFormat("go.mod", "go", parse_go_mod),
    "pom.xml": ManifestFormat("pom.xml", "maven", parse_pom),
}
_REQUIREMENTS = ManifestFormat("requirements file", "pypi", parse_requirements)
_CONDA = ManifestFormat("conda environment", "pypi", parse_conda_environment)
_GRADLE = ManifestFormat("Gradle build script", "maven", parse_gradle)
_VERSION_CATALOG = ManifestFormat("Gradle version catalog", "maven", parse_version_catalog)

_REQUIREMENTS_NAME = re.compile(r"(?:[\w.-]*[-_.])?requirements?(?:[-_.][\w.-]*)?\.(?:txt|in|pip)")
_REQUIREMENTS_DIRS = frozenset({"requirements", "reqs", "requirements.d"})
_CONDA_NAME = re.compile(r"(?:[\w.-]*[-_.])?(?:environment|conda(?:[-_.]env)?)(?:[-_.][\w.-]*)?\.ya?ml")
_DEV_WORDS = frozenset({"dev", "develop", "development", "test", "tests", "testing", "lint", "docs", "doc", "ci"})


def manifest_format(ref: FileRef) -> ManifestFormat | None:
    """The format of a manifest or lockfile, from its name and directory alone (nothing is read)."""
    by_name = _BY_NAME.get(ref.name)
    if by_name is not None:
        return by_name
    name = ref.name_lower
    if name.endswith((".txt", ".in", ".pip")):
        parent = ref.parts[-2].lower() if len(ref.parts) > 1 else ""
        if _REQUIREMENTS_NAME.fullmatch(name) or (parent in _REQUIREMENTS_DIRS and not name.endswith(".pip")):
            return _REQUIREMENTS
        return None
    if name.endswith((".yml", ".yaml")):
        return _CONDA if _CONDA_NAME.fullmatch(name) else None
    if name.endswith((".gradle", ".gradle.kts")):
        return _GRADLE
    if name.endswith(".versions.toml"):
        return _VERSION_CATALOG
    return None


def _is_dev_file(ref: FileRef) -> bool:
    """requirements-dev.txt, test-requirements.txt, requirements/tests.in: their packages are dev-only."""
    words = set(re.split(r"[-_./]+", "/".join(ref.parts[-2:]).lower()))
    return not words.isdisjoint(_DEV_WORDS)


# --- the catalogue, indexed once per process ------------------------------------------------------------------


_GO_MAJOR = re.compile(r"/v[0-9]+$")


def lookup_package(ecosystem: str, name: str) -> PackageInfo | None:
    """The catalogue entry of a declared name (Go modules with a ``/vN`` suffix match their base path)."""
    catalogue = load_catalogue()
    info = catalogue.package(ecosystem, name)
    if info is None and ecosystem == "go":
        info = catalogue.package(ecosystem, _GO_MAJOR.sub("", name))
    return info


@cache
def _distinctive_words(ecosystem: str) -> frozenset[str]:
    """For each AI package of ``ecosystem``, its longest alphanumeric word: any text declaring the package holds
    it, so a text without any of them needs no parsing."""
    names = [info.name for (eco, _), info in load_catalogue().packages.items() if eco == ecosystem]
    if ecosystem == "pypi":
        names += list(CONDA_TO_PYPI)
    words = set()
    for name in names:
        parts = re.findall(r"[a-z0-9]+", name.lower())
        if parts:
            words.add(max(parts, key=len))
    return frozenset(words)


_WORD = re.compile(r"[a-z0-9]+")
PREFILTER_CHUNK = 1 << 20


def may_name_ai_package(ecosystem: str, text: str) -> bool:
    """Cheap prefilter: does ``text`` contain a word of some AI package name of ``ecosystem``?

    Read in line-aligned chunks so that a huge lockfile never becomes one huge list of words, and stop at the
    first chunk that names one.
    """
    words = _distinctive_words(ecosystem)
    start = 0
    while start < len(text):
        end = text.find("\n", start + PREFILTER_CHUNK)
        end = len(text) if end == -1 else end + 1
        if not words.isdisjoint(_WORD.findall(text[start:end].lower())):
            return True
        start = end
    return False


# --- records ------------------------------------------------------------------------------------------------------

_EXACT = {
    "pypi": re.compile(r"={2,3}(?P<v>[A-Za-z0-9][A-Za-z0-9.+!_-]*)|(?P<locked>[A-Za-z0-9][A-Za-z0-9.+!_-]*)"),
    "npm": re.compile(r"=?v?(?P<v>[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]+)?)"),
    "go": re.compile(r"(?P<v>v[0-9][0-9A-Za-z.+-]*)"),
    "maven": re.compile(r"(?P<v>[0-9][0-9A-Za-z._+-]*)"),
}


def exact_version(ecosystem: str, dependency: DeclaredDependency) -> str | None:
    """The exact version a dependency pins (a lockfile version, ``==1.2.3``, npm ``1.2.3``), else None."""
    version = dependency.version
    if not version or "*" in version:
        return None
    match = _EXACT[ecosystem].fullmatch(version)
    if match is None:
        return None
    if ecosystem == "pypi" and match["locked"] is not None:
        return match["locked"] if dependency.is_locked else None
    return match["v"]


def package_url(ecosystem: str, name: str, version: str | None) -> str:
    """The purl of a package (``pkg:pypi/openai@1.52.0``, ``pkg:npm/%40scope/name@1.0.0``)."""
    namespace: str | None = None
    if ecosystem == "pypi":
        purl_type, name = "pypi", normalise_package("pypi", name)
    elif ecosystem == "npm":
        purl_type = "npm"
        if name.startswith("@") and "/" in name:
            namespace, name = name.split("/", 1)
    elif ecosystem == "go":
        purl_type = "golang"
        if "/" in name:
            namespace, name = name.rsplit("/", 1)
    else:
        purl_type = "maven"
        if ":" in name:
            namespace, name = name.split(":", 1)
    return str(PackageURL(type=purl_type, namespace=namespace, name=name, version=version).to_string())


def _merge_direct(values: Iterable[bool | None]) -> bool | None:
    seen = set(values)
    if True in seen:
        return True
    return False if seen == {False} else None


def package_assets(file: FileContent, ecosystem: str, dependencies: Sequence[DeclaredDependency]) -> Iterator[Asset]:
    """One asset per AI package in ``dependencies`` (several entries of one package in a file are one asset)."""
    grouped: dict[str, tuple[PackageInfo, list[DeclaredDependency]]] = {}
    for dependency in dependencies:
        info = lookup_package(ecosystem, dependency.name)
        if info is not None:
            key = f"{ecosystem}:{normalise_package(ecosystem, info.name)}"
            grouped.setdefault(key, (info, []))[1].append(dependency)
    for key, (info, entries) in grouped.items():
        chosen = next((d for d in entries if d.direct), entries[0])
        exact = exact_version(ecosystem, chosen)
        properties: dict[str, JSONValue] = {
            "ecosystem": ecosystem,
            "category": info.category,
            "purl": package_url(ecosystem, chosen.name if ecosystem == "go" else info.name, exact),
            "dev": all(d.dev for d in entries),
            "source": file.ref.name,
        }
        if info.provider:
            properties["provider"] = info.provider
        direct = _merge_direct(d.direct for d in entries)
        if direct is not None:
            properties["direct"] = direct
        if chosen.group:
            properties["group"] = chosen.group
        versions = sorted({d.version for d in entries if d.version})
        if len(versions) > 1:
            properties["versions"] = versions
        location = file_location(file, chosen.line)
        yield Asset(
            kind=AssetKind.PACKAGE,
            name=info.name,
            key=key,
            version=chosen.version,
            locations=(location,),
            properties=properties,
        )
        provider = load_catalogue().providers.get(info.provider or "")
        if provider is not None and direct is not False and not properties["dev"]:
            # A project that depends on a provider's SDK calls that provider (the code may hide the client).
            yield Asset(
                kind=AssetKind.PROVIDER,
                name=provider.name,
                key=f"provider:{provider.id}",
                locations=(location,),
                properties={"provider": provider.id, "evidence": "sdk dependency"},
            )


def _sibling_names(file: FileContent, sibling: str) -> tuple[set[str], set[str]] | None:
    """(direct names, dev-only names) from the manifest beside a lockfile, or None when there is none to read."""
    path = file.ref.path.parent / sibling
    try:
        if not readable_sibling(path, file.ref.root) or path.stat().st_size > MAX_SIBLING_BYTES:
            return None
        return _SIBLING_READERS[sibling](path.read_text("utf-8", errors="replace"))
    except (OSError, ManifestError):
        return None


def _with_direct_from_sibling(
    file: FileContent, manifest: ManifestFormat, dependencies: list[DeclaredDependency]
) -> list[DeclaredDependency]:
    if manifest.sibling is None or all(d.direct is not None for d in dependencies):
        return dependencies
    names = _sibling_names(file, manifest.sibling)
    if names is None:
        return dependencies
    direct, dev_only = names
    out = []
    for dependency in dependencies:
        if dependency.direct is None:
            normal = normalise_package(manifest.ecosystem, dependency.name)
            dependency = replace(dependency, dev=dependency.dev or normal in dev_only, direct=normal in direct)
        out.append(dependency)
    return out


class DependencyAnalyser(Analyser):
    """AI packages in requirements files, pyproject/setup.cfg/Pipfile, conda environments, npm, Go, Maven and
    Gradle manifests, and in their lockfiles (poetry.lock, uv.lock, Pipfile.lock, package-lock.json, yarn.lock,
    pnpm-lock.yaml)."""

    name = "dependencies"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return manifest_format(ref) is not None

    def analyse(self, file: FileContent) -> Iterable[Record]:
        manifest = manifest_format(file.ref)
        text = file.text
        if manifest is None or not text or not may_name_ai_package(manifest.ecosystem, text):
            return []
        try:
            dependencies = manifest.parse(text)
        except ManifestError as exc:
            raise AnalysisError(f"{manifest.label}: {exc}") from None
        if manifest is _REQUIREMENTS and _is_dev_file(file.ref):
            dependencies = [replace(d, dev=True, group=d.group or "dev") for d in dependencies]
        dependencies = _with_direct_from_sibling(file, manifest, dependencies)
        return list(package_assets(file, manifest.ecosystem, dependencies))
