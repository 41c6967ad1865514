"""One self-contained HTML file for a security lead: findings first, then shadow AI, inventory, relations, errors.

The page needs nothing from the network: CSS and JavaScript are inline, and a Content-Security-Policy that
allows only those two inline blocks (by hash) stops the page from loading anything else, even if some text in a
scanned file were crafted to try.  Jinja2 escapes every value (autoescape on); links are made only from
``http(s)`` references.  A finding shows its ``evidence`` (redacted by the detector) and never its other
properties, so no report adds anything a detector chose to keep out of sight.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from msgspec import Struct, field

from aispm import __version__
from aispm.compliance import describe
from aispm.model import Asset, AssetKind, Finding, JSONValue, Location, Relation, ScanResult, Severity

SHADOW_RULE = "AISPM-SHADOW-001"
LOCATIONS_SHOWN = 3
PROPERTY_TEXT_LIMIT = 160
SEVERITIES = tuple(sorted(Severity, key=lambda s: -s.rank))

KIND_TITLES: Mapping[AssetKind, str] = {
    AssetKind.PROVIDER: "Providers",
    AssetKind.MODEL: "Models",
    AssetKind.AGENT: "Agents",
    AssetKind.MCP_SERVER: "MCP servers",
    AssetKind.PACKAGE: "Packages",
    AssetKind.SERVICE: "AI services",
    AssetKind.VECTOR_DB: "Vector databases",
    AssetKind.ENDPOINT: "Endpoints",
    AssetKind.MODEL_FILE: "Model files",
    AssetKind.DATASET: "Datasets",
    AssetKind.NOTEBOOK: "Notebooks",
    AssetKind.CLOUD_RESOURCE: "Cloud resources",
}
"""Inventory sections, in the order a reader cares about them (repositories have a section of their own)."""

HIDDEN_PROPERTIES = frozenset({"aliases"})
LEADING_PROPERTIES = ("classification", "sensitive_data")
"""Shown first: a dataset's sensitivity level and the personal data found in it are what a reader looks for."""


class FindingView(Struct, frozen=True):
    finding: Finding
    where: str
    asset: Asset | None
    controls: tuple[str, ...]
    links: tuple[str, ...]
    plain_references: tuple[str, ...]


class AssetRow(Struct, frozen=True):
    asset: Asset
    details: tuple[tuple[str, str], ...]
    locations: tuple[str, ...]
    repositories: tuple[str, ...]
    shadow: bool


class RepositoryView(Struct):
    asset: Asset
    by_kind: dict[str, list[str]] = field(default_factory=dict)
    findings: int = 0


class RelationRow(Struct, frozen=True):
    source: str
    source_kind: str
    kind: str
    target: str
    target_kind: str


def _is_link(reference: str) -> bool:
    return reference.startswith(("https://", "http://"))


def _when(timestamp: str) -> str:
    if not timestamp:
        return "unknown time"
    try:
        moment = dt.datetime.fromisoformat(timestamp)
    except ValueError:
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def _where(loc: Location) -> str:
    """File and lines first (what a developer opens), else the cloud resource or URL."""
    if loc.path:
        return Location(loc.path, loc.start_line, loc.end_line).display()
    return loc.display()


def _human_size(value: JSONValue) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)  # pragma: no cover - the loop always returns


def _property_text(key: str, value: JSONValue) -> str:
    if key == "size":
        text = _human_size(value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    elif key == "sensitive_data" and isinstance(value, dict):
        text = ", ".join(f"{kind} {count}" for kind, count in value.items())
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= PROPERTY_TEXT_LIMIT else text[: PROPERTY_TEXT_LIMIT - 1] + "…"


def _details(asset: Asset) -> tuple[tuple[str, str], ...]:
    out = []
    leading = [key for key in LEADING_PROPERTIES if key in asset.properties]
    for key in leading + sorted(set(asset.properties) - set(leading)):
        value = asset.properties[key]
        if key in HIDDEN_PROPERTIES or value in (None, "", [], {}):
            continue
        out.append((key.replace("_", " "), _property_text(key, value)))
    return tuple(out)


def _finding_views(findings: Iterable[Finding], assets: Mapping[str, Asset]) -> list[FindingView]:
    ranked = sorted(findings, key=lambda f: (-f.severity.rank, f.rule_id, f.location, f.fingerprint))
    return [
        FindingView(
            finding=f,
            where=_where(f.location),
            asset=assets.get(f.asset_id or ""),
            controls=tuple(describe(c) for c in f.frameworks),
            links=tuple(r for r in f.references if _is_link(r)),
            plain_references=tuple(r for r in f.references if not _is_link(r)),
        )
        for f in ranked
    ]


def _repositories_of(result: ScanResult, assets: Mapping[str, Asset]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = defaultdict(list)
    for relation in result.relations:
        source = assets.get(relation.source)
        if source is not None and source.kind is AssetKind.REPOSITORY and relation.target in assets:
            names[relation.target].append(source.name)
    return names


def _location_texts(locations: Iterable[Location]) -> tuple[str, ...]:
    return tuple(text for text in (loc.display() for loc in locations) if text)


def _inventory(
    result: ScanResult, assets: Mapping[str, Asset], shadow: set[str]
) -> list[tuple[AssetKind, str, list[AssetRow]]]:
    repositories = _repositories_of(result, assets)
    by_kind: dict[AssetKind, list[AssetRow]] = defaultdict(list)
    for asset in result.assets:
        by_kind[asset.kind].append(
            AssetRow(
                asset=asset,
                details=_details(asset),
                locations=_location_texts(asset.locations),
                repositories=tuple(sorted(set(repositories.get(asset.id, [])))),
                shadow=asset.id in shadow,
            )
        )
    sections = []
    for kind, title in KIND_TITLES.items():
        rows = sorted(by_kind.get(kind, []), key=lambda r: (r.asset.name.lower(), r.asset.key))
        if rows:
            sections.append((kind, title, rows))
    return sections


def _repository_views(result: ScanResult, assets: Mapping[str, Asset]) -> list[RepositoryView]:
    views: dict[str, RepositoryView] = {
        a.id: RepositoryView(a) for a in result.assets if a.kind is AssetKind.REPOSITORY
    }
    findings_per_asset = Counter(f.asset_id for f in result.active_findings if f.asset_id)
    linked: set[tuple[str, str]] = set()
    for relation in result.relations:
        view = views.get(relation.source)
        target = assets.get(relation.target)
        if view is None or target is None or (relation.source, relation.target) in linked:
            continue
        linked.add((relation.source, relation.target))
        label = target.name + (f" {target.version}" if target.version else "")
        view.by_kind.setdefault(KIND_TITLES.get(target.kind, target.kind.value), []).append(label)
        view.findings += findings_per_asset.get(target.id, 0)
    order = list(KIND_TITLES.values())
    for view in views.values():
        view.by_kind = {
            k: sorted(set(v), key=str.lower)
            for k, v in sorted(view.by_kind.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
        }
    return sorted(views.values(), key=lambda v: v.asset.name.lower())


def _relation_rows(relations: Iterable[Relation], assets: Mapping[str, Asset]) -> list[RelationRow]:
    """Edges between AI assets; a repository's edges are shown in the by-repository view instead."""
    rows = []
    for relation in relations:
        source, target = assets.get(relation.source), assets.get(relation.target)
        if source is None or target is None or source.kind is AssetKind.REPOSITORY:
            continue
        rows.append(RelationRow(source.name, source.kind.value, relation.kind.value, target.name, target.kind.value))
    return sorted(rows, key=lambda r: (r.source.lower(), r.kind, r.target.lower()))


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("aispm.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = _when
    return env


@cache
def _assets_inline() -> tuple[str, str]:
    """The page's CSS and JavaScript, read once per process."""
    templates = resources.files(__package__ or "aispm.report") / "templates"
    return (templates / "report.css").read_text("utf-8"), (templates / "report.js.html").read_text("utf-8")


def render(result: ScanResult) -> str:
    assets = result.asset_by_id()
    active = [f for f in result.findings if f.suppression is None]
    suppressed = [f for f in result.findings if f.suppression is not None]
    shadow_findings = [f for f in active if f.rule_id == SHADOW_RULE and f.asset_id in assets]
    shadow_ids = {f.asset_id for f in shadow_findings if f.asset_id}
    severity_counts = Counter(f.severity for f in active)
    inventory = _inventory(result, assets, shadow_ids)
    css, script = _assets_inline()
    policy = result.stats.get("policy")
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    context = {
        "result": result,
        "roots": list(result.roots),
        "version": result.tool_version or __version__,
        "stats": result.stats,
        "policy": str(policy) if policy else "",
        "severities": [s.value for s in SEVERITIES],
        "severity_counts": {s.value: severity_counts.get(s, 0) for s in SEVERITIES},
        "findings": _finding_views(active, assets),
        "suppressed": _finding_views(suppressed, assets),
        "shadow": [row for _, _, rows in inventory for row in rows if row.shadow],
        "inventory": inventory,
        "repositories": _repository_views(result, assets),
        "relations": _relation_rows(result.relations, assets),
        "errors": sorted(result.errors),
        "asset_count": sum(1 for a in result.assets if a.kind is not AssetKind.REPOSITORY),
        "locations_shown": LOCATIONS_SHOWN,
        "css": Markup(css),  # noqa: S704 - our own packaged stylesheet, hashed into the CSP
        "script": Markup(script),  # noqa: S704 - our own packaged script, hashed into the CSP
        "csp": csp,
    }
    return _environment().get_template("report.html").render(context)
