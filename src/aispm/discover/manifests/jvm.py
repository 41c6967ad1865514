"""JVM manifests: Maven pom.xml, Gradle build scripts (Groovy and Kotlin DSL) and Gradle version catalogs.

Nothing is built or evaluated: the POM is read with defusedxml (no entity expansion, no external resources) and
``${property}`` versions are resolved from the POM's own ``<properties>``; Gradle scripts are read as text for the
string (``"g:a:v"``) and map (``group: 'g', name: 'a'``) notations, with ``$var`` versions resolved from simple
assignments in the same script.  Dependency names are ``groupId:artifactId``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import Locator

import defusedxml.sax
from defusedxml import DefusedXmlException
from msgspec import Struct, field

from aispm.discover.manifests import DeclaredDependency, LineFinder, ManifestError
from aispm.discover.manifests.python import load_toml
from aispm.files.content import LineIndex

MAX_PROPERTY_ROUNDS = 10
MAX_GRADLE_CHARS = 2 * 1024 * 1024
"""Build scripts are small; a larger "script" is generated or hostile, and regex scanning it would be slow."""
_PROPERTY = re.compile(r"\$\{([^}]+)\}")
_DEPENDENCY_PARENTS = {
    ("project", "dependencies"),
    ("dependencyManagement", "dependencies"),
    ("profile", "dependencies"),
}
_DEV_SCOPES = {"test"}

# --- Maven --------------------------------------------------------------------------------------------------------


class _PomDependency(Struct):
    line: int
    managed: bool
    fields: dict[str, str] = field(default_factory=dict)


class _PomHandler(ContentHandler):
    """Collects ``<dependency>`` elements (with their line) and ``<properties>`` of a POM."""

    def __init__(self) -> None:
        super().__init__()
        self.path: list[str] = []
        self.text: list[str] = []
        self.dependencies: list[_PomDependency] = []
        self.properties: dict[str, str] = {}
        self.current: _PomDependency | None = None
        self.locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: object) -> None:
        local = name.rsplit(":", 1)[-1]
        parent = tuple(self.path[-2:])
        self.path.append(local)
        self.text = []
        if local == "dependency" and parent in _DEPENDENCY_PARENTS:
            line = (self.locator.getLineNumber() or 0) if self.locator is not None else 0
            self.current = _PomDependency(line, managed=parent[0] == "dependencyManagement")

    def characters(self, content: str) -> None:
        self.text.append(content)

    def endElement(self, name: str) -> None:
        local = self.path.pop() if self.path else name
        value = "".join(self.text).strip()
        self.text = []
        if self.current is not None:
            if local == "dependency" and self.path and self.path[-1] == "dependencies":
                self.dependencies.append(self.current)
                self.current = None
            elif self.path and self.path[-1] == "dependency":
                self.current.fields[local] = value
        elif len(self.path) == 2 and self.path == ["project", "properties"]:
            self.properties[local] = value
        elif self.path == ["project"] and local in ("version", "groupId", "artifactId"):
            self.properties[f"project.{local}"] = value
        elif self.path == ["project", "parent"] and local in ("version", "groupId"):
            self.properties[f"project.parent.{local}"] = value


def _resolve(value: str, properties: Mapping[str, str]) -> str:
    """Expand ``${name}`` from ``properties`` (nested references too, a bounded number of rounds)."""
    for _ in range(MAX_PROPERTY_ROUNDS):
        expanded = _PROPERTY.sub(lambda m: properties.get(m.group(1), m.group(0)), value)
        if expanded == value:
            break
        value = expanded
    return value


def parse_pom(text: str) -> list[DeclaredDependency]:
    """The dependencies (and managed dependencies, BOM imports included) of a Maven pom.xml."""
    handler = _PomHandler()
    try:
        defusedxml.sax.parseString(text.encode("utf-8"), handler)
    except SAXParseException as exc:
        raise ManifestError(f"invalid XML at line {exc.getLineNumber()}: {exc.getMessage()}") from None
    except DefusedXmlException as exc:
        raise ManifestError(f"refused unsafe XML ({type(exc).__name__}): entities are not expanded") from None
    if handler.path[:1] not in ([], ["project"]):  # pragma: no cover - the parser rejects unbalanced XML
        raise ManifestError("not a Maven POM")
    properties = {**handler.properties}
    properties.setdefault("version", properties.get("project.version", ""))
    found: list[DeclaredDependency] = []
    for dependency in handler.dependencies:
        group = _resolve(dependency.fields.get("groupId", ""), properties)
        artifact = _resolve(dependency.fields.get("artifactId", ""), properties)
        if not group or not artifact:
            continue
        version = _resolve(dependency.fields.get("version", ""), properties) or None
        if version is not None and "${" in version:
            version = None  # a property defined in a parent POM we cannot see
        scope = dependency.fields.get("scope", "compile")
        kind = "managed" if dependency.managed else (None if scope == "compile" else scope)
        found.append(
            DeclaredDependency(f"{group}:{artifact}", version, dependency.line, group=kind, dev=scope in _DEV_SCOPES)
        )
    return found


# --- Gradle -------------------------------------------------------------------------------------------------------

_GRADLE_NOISE = re.compile(
    r'"""(?:[\s\S]*?"""|[\s\S]*)|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*(?:[\s\S]*?\*/|[\s\S]*)'
)
_CONFIGURATION = (
    r"(?P<config>implementation|api|compileOnly|runtimeOnly|compile|runtime|testCompile|testRuntime|kapt|ksp"
    r"|annotationProcessor|developmentOnly|providedCompile|providedRuntime|classpath"
    r"|[a-z][A-Za-z0-9]*(?:Implementation|Api|CompileOnly|RuntimeOnly|Compile))"
)
_WRAPPER = r"(?:(?:platform|enforcedPlatform|testFixtures|kotlin)\s*\(\s*)?"
_STRING_NOTATION = re.compile(
    rf"\b{_CONFIGURATION}\s*\(?\s*{_WRAPPER}(?P<q>[\"'])(?P<group>[^\"':\s]+):(?P<artifact>[^\"':\s@]+)"
    r"(?::(?P<version>[^\"':@\s]+))?(?::[^\"'@\s]+)?(?:@[^\"'\s]+)?(?P=q)"
)
_MAP_NOTATION = re.compile(
    rf"\b{_CONFIGURATION}\s*\(?\s*group\s*[:=]\s*[\"'](?P<group>[^\"']+)[\"']\s*,\s*"
    r"name\s*[:=]\s*[\"'](?P<artifact>[^\"']+)[\"']"
    r"(?:\s*,\s*version\s*[:=]\s*[\"'](?P<version>[^\"']+)[\"'])?"
)
_ASSIGNMENT = re.compile(
    r"(?<![\w.])(?:(?:def|val|var)\s+)?(?:(?:rootProject\.|project\.)?ext\.)?(?P<name>[A-Za-z_]\w*)"
    r"(?:\s*:\s*String)?\s*=\s*[\"'](?P<value>[^\"'$\n]+)[\"']"
    r"|\b(?:set\(|extra\[)\s*[\"'](?P<key>[A-Za-z_]\w*)[\"']\s*(?:,|\]\s*=)\s*[\"'](?P<keyed>[^\"'$\n]+)[\"']"
)
_GRADLE_VARIABLE = re.compile(r"\$\{?(?:project\.|rootProject\.|extra\[\"|ext\.)?(?P<name>[A-Za-z_][\w.]*)(?:\"\])?\}?")


def _strip_gradle_comments(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments (keeping strings and line breaks, so line numbers stay right)."""

    def keep(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token[0] in "\"'" else "\n" * token.count("\n")

    return _GRADLE_NOISE.sub(keep, text)


def parse_gradle(text: str) -> list[DeclaredDependency]:
    """Dependencies declared in a build.gradle or build.gradle.kts, in string or map notation."""
    if len(text) > MAX_GRADLE_CHARS:
        raise ManifestError(f"Gradle script longer than {MAX_GRADLE_CHARS // (1024 * 1024)} MiB: not analysed")
    code = _strip_gradle_comments(text)
    index = LineIndex.of(code)
    variables = {m["name"] or m["key"]: m["value"] or m["keyed"] for m in _ASSIGNMENT.finditer(code)}
    found: list[tuple[int, DeclaredDependency]] = []
    for pattern in (_STRING_NOTATION, _MAP_NOTATION):
        for match in pattern.finditer(code):
            config = match["config"]
            version = match["version"]
            if version is not None and "$" in version:
                version = _GRADLE_VARIABLE.sub(lambda m: variables.get(m["name"], m.group(0)), version)
                version = None if "$" in version else version
            dev = config.startswith(("test", "androidTest", "integrationTest")) or config == "classpath"
            dependency = DeclaredDependency(
                f"{match['group']}:{match['artifact']}", version, index.line_of(match.start()), group=config, dev=dev
            )
            found.append((match.start(), dependency))
    return [dependency for _, dependency in sorted(found, key=lambda item: item[0])]


def _catalog_version(value: object, versions: Mapping[str, Any]) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if isinstance(value.get("ref"), str):
            return _catalog_version(versions.get(value["ref"]), versions)
        for key in ("strictly", "require", "prefer"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return None


def parse_version_catalog(text: str) -> list[DeclaredDependency]:
    """The ``[libraries]`` of a Gradle version catalog (gradle/libs.versions.toml)."""
    data = load_toml(text)
    versions = data.get("versions") if isinstance(data.get("versions"), Mapping) else {}
    libraries = data.get("libraries")
    if not isinstance(libraries, Mapping):
        return []
    finder = LineFinder(text)
    header = finder.toml_table("libraries") or 1
    found: list[DeclaredDependency] = []
    for alias, entry in libraries.items():
        line = finder.toml_key(alias, header) or header
        if isinstance(entry, str):
            parts = entry.split(":")
            if len(parts) >= 2:
                found.append(DeclaredDependency(f"{parts[0]}:{parts[1]}", parts[2] if len(parts) > 2 else None, line))
            continue
        if not isinstance(entry, Mapping):
            continue
        module = entry.get("module")
        if isinstance(module, str) and ":" in module:
            name = module
        elif isinstance(entry.get("group"), str) and isinstance(entry.get("name"), str):
            name = f"{entry['group']}:{entry['name']}"
        else:
            continue
        found.append(DeclaredDependency(name, _catalog_version(entry.get("version"), versions or {}), line))
    return found
