"""The domain records that every part of aispm speaks.

They are plain, typed and immutable so that they cross process boundaries (pickling), serialise to JSON
without surprises and can be compared across scans.  Identity is explicit: an asset's ``id`` hashes its kind and
identity key, a finding's ``fingerprint`` hashes rule, asset and location identity (never a raw secret).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from msgspec import Struct, field

JSONValue = Any
"""A value that serialises to JSON (str, int, float, bool, None, lists and dicts of those)."""


def stable_hash(*parts: str, length: int = 16) -> str:
    """A short, stable hex digest of ``parts``: the same input gives the same id in every scan."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:length]


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}: choose one of {choices}") from None


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class AssetKind(StrEnum):
    REPOSITORY = "repository"
    PACKAGE = "package"
    PROVIDER = "provider"
    MODEL = "model"
    MODEL_FILE = "model-file"
    DATASET = "dataset"
    AGENT = "agent"
    MCP_SERVER = "mcp-server"
    VECTOR_DB = "vector-db"
    SERVICE = "service"
    ENDPOINT = "endpoint"
    NOTEBOOK = "notebook"
    CLOUD_RESOURCE = "cloud-resource"


class RelationKind(StrEnum):
    DEPENDS_ON = "depends-on"
    USES = "uses"
    CALLS = "calls"
    TRAINS_ON = "trains-on"
    SERVES = "serves"
    STORES = "stores"
    EXPOSES = "exposes"
    RUNS_IN = "runs-in"
    GRANTS = "grants"
    CONTAINS = "contains"


class Location(Struct, frozen=True):
    """Where evidence is: a file and line range under a scan root, a cloud resource id, or a URL.

    ``path`` is POSIX-style and relative to ``root`` (the scan root as the user gave it), so reports can point
    into the repository without leaking the scanning machine's layout.  Lines are 1-based and inclusive.
    Locations sort by path, then lines, root, resource id and URL, an absent value first.
    """

    path: str = ""
    start_line: int | None = None
    end_line: int | None = None
    root: str = ""
    resource_id: str | None = None
    url: str | None = None

    def __lt__(self, other: Location) -> bool:
        return self._sort_key() < other._sort_key()

    def _sort_key(self) -> tuple[str, int, int, str, str, str]:
        # A field's comparison never meets None: sorting works whatever is absent, duplicates included.
        lines = (self.start_line or 0, self.end_line or 0)
        return (self.path, *lines, self.root, self.resource_id or "", self.url or "")

    @property
    def identity(self) -> str:
        """What makes this place this place (used in fingerprints): never the line, which drifts with edits."""
        return self.resource_id or self.url or f"{self.root}//{self.path}"

    def display(self) -> str:
        if self.resource_id:
            return self.resource_id
        if self.url:
            return self.url
        if self.start_line is None:
            return self.path
        if self.end_line and self.end_line != self.start_line:
            return f"{self.path}:{self.start_line}-{self.end_line}"
        return f"{self.path}:{self.start_line}"

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {}
        if self.root:
            out["root"] = self.root
        if self.path:
            out["path"] = self.path
        if self.start_line is not None:
            out["start_line"] = self.start_line
            out["end_line"] = self.end_line or self.start_line
        if self.resource_id:
            out["resource_id"] = self.resource_id
        if self.url:
            out["url"] = self.url
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Location:
        return cls(
            path=str(data.get("path", "")),
            start_line=data.get("start_line"),
            end_line=data.get("end_line"),
            root=str(data.get("root", "")),
            resource_id=data.get("resource_id"),
            url=data.get("url"),
        )


def asset_id(kind: AssetKind, key: str) -> str:
    # ``kind`` is a str enum: joined as its value, without the (slow) ``.value`` descriptor on this hot path.
    return stable_hash("asset", kind, key.lower())


class Asset(Struct, frozen=True):
    """Something AI that exists.

    ``key`` is the asset's identity within its kind (``pypi:openai``, ``huggingface:meta-llama/Llama-3.1-8B``,
    ``repo:/src/payments``); two sightings with the same kind and key are the same asset and are merged.
    """

    kind: AssetKind
    name: str
    key: str
    version: str | None = None
    locations: tuple[Location, ...] = ()
    properties: Mapping[str, JSONValue] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return asset_id(self.kind, self.key)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "kind": str(self.kind),  # the plain value, without the (slow) enum descriptor
            "name": self.name,
            "key": self.key,
            "version": self.version,
            "locations": [loc.to_json() for loc in self.locations],
            "properties": dict(self.properties),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Asset:
        return cls(
            kind=AssetKind(data["kind"]),
            name=data["name"],
            key=data["key"],
            version=data.get("version"),
            locations=tuple(Location.from_json(loc) for loc in data.get("locations", [])),
            properties=dict(data.get("properties", {})),
        )


class Relation(Struct, frozen=True):
    """A typed edge between two assets, by id."""

    source: str
    kind: RelationKind
    target: str
    location: Location | None = None

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.source, self.kind.value, self.target)

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {"source": self.source, "kind": self.kind.value, "target": self.target}
        if self.location is not None:
            out["location"] = self.location.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Relation:
        loc = data.get("location")
        return cls(
            source=data["source"],
            kind=RelationKind(data["kind"]),
            target=data["target"],
            location=Location.from_json(loc) if loc else None,
        )


class Suppression(Struct, frozen=True):
    """Why a finding is not counted: which layer suppressed it, and the reason given."""

    layer: str  # "inline", "policy-fingerprint", "policy-path", "baseline", ...
    reason: str
    expires: str | None = None

    def to_json(self) -> dict[str, JSONValue]:
        return {"layer": self.layer, "reason": self.reason, "expires": self.expires}


class Finding(Struct, frozen=True):
    """Something wrong, with the evidence (always redacted), why it matters and how to fix it.

    ``identity`` is an optional extra discriminator chosen by the detector (for a secret, a hash of the secret;
    for a package, its name) so that two findings of one rule in one file stay distinct.
    """

    rule_id: str
    title: str
    severity: Severity
    family: str
    message: str
    location: Location
    asset_id: str | None = None
    evidence: str = ""
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    identity: str = ""
    properties: Mapping[str, JSONValue] = field(default_factory=dict)
    suppression: Suppression | None = None

    @property
    def fingerprint(self) -> str:
        return stable_hash("finding", self.rule_id, self.asset_id or "", self.location.identity, self.identity)

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity.value,
            "family": self.family,
            "message": self.message,
            "location": self.location.to_json(),
            "asset_id": self.asset_id,
            "evidence": self.evidence,
            "description": self.description,
            "remediation": self.remediation,
            "references": list(self.references),
            "frameworks": list(self.frameworks),
            "identity": self.identity,
            "properties": dict(self.properties),
            "suppression": self.suppression.to_json() if self.suppression else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> Finding:
        sup = data.get("suppression")
        return cls(
            rule_id=data["rule_id"],
            title=data["title"],
            severity=Severity(data["severity"]),
            family=data["family"],
            message=data["message"],
            location=Location.from_json(data["location"]),
            asset_id=data.get("asset_id"),
            evidence=data.get("evidence", ""),
            description=data.get("description", ""),
            remediation=data.get("remediation", ""),
            references=tuple(data.get("references", [])),
            frameworks=tuple(data.get("frameworks", [])),
            identity=data.get("identity", ""),
            properties=dict(data.get("properties", {})),
            suppression=Suppression(sup["layer"], sup["reason"], sup.get("expires")) if sup else None,
        )


class Resource(Struct, frozen=True):
    """A cloud or infrastructure resource in one normalised form, whatever source it was read from."""

    type: str
    name: str
    properties: Mapping[str, JSONValue]
    location: Location
    source: str

    @property
    def id(self) -> str:
        return stable_hash("resource", self.type, self.location.identity, self.name)


class ScanError(Struct, frozen=True, order=True):
    """A file (or other input) that could not be fully analysed, and why, in words a user can act on."""

    path: str
    message: str
    root: str = ""
    analyser: str = ""

    def to_json(self) -> dict[str, JSONValue]:
        return {"root": self.root, "path": self.path, "message": self.message, "analyser": self.analyser}

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> ScanError:
        return cls(
            path=data["path"], message=data["message"], root=data.get("root", ""), analyser=data.get("analyser", "")
        )


SCHEMA_VERSION = "1"


class ScanResult(Struct, frozen=True):
    """Everything one scan learned, in a deterministic order."""

    roots: tuple[str, ...]
    scanners: tuple[str, ...]
    started_at: str
    finished_at: str
    assets: tuple[Asset, ...] = ()
    relations: tuple[Relation, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    stats: Mapping[str, JSONValue] = field(default_factory=dict)
    tool_version: str = ""

    @property
    def active_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppression is None)

    def asset_by_id(self) -> dict[str, Asset]:
        return {a.id: a for a in self.assets}

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "aispm", "version": self.tool_version},
            "roots": list(self.roots),
            "scanners": list(self.scanners),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "stats": dict(self.stats),
            "assets": [a.to_json() for a in self.assets],
            "relations": [r.to_json() for r in self.relations],
            "findings": [f.to_json() for f in self.findings],
            "errors": [e.to_json() for e in self.errors],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> ScanResult:
        return cls(
            roots=tuple(data.get("roots", [])),
            scanners=tuple(data.get("scanners", [])),
            started_at=data.get("started_at", ""),
            finished_at=data.get("finished_at", ""),
            assets=tuple(Asset.from_json(a) for a in data.get("assets", [])),
            relations=tuple(Relation.from_json(r) for r in data.get("relations", [])),
            findings=tuple(Finding.from_json(f) for f in data.get("findings", [])),
            errors=tuple(ScanError.from_json(e) for e in data.get("errors", [])),
            stats=dict(data.get("stats", {})),
            tool_version=data.get("tool", {}).get("version", ""),
        )
