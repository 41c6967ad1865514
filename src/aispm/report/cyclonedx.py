"""The AI inventory as a CycloneDX 1.6 ML-BOM (JSON): components, services and their dependency graph.

Findings are not in the BOM (they go to SARIF, JSON and HTML); the BOM says what AI exists and where.  How each
asset kind maps to CycloneDX, and why:

* package -> ``library`` with a purl (the one the manifest analyser recorded, else built with packageurl-python;
  the version goes into the purl and ``version`` only when it is exact, a range stays a property);
* model -> ``machine-learning-model`` with a ``modelCard`` when anything is known (task, architecture family
  and architecture from config.json, training datasets as refs or names);
* model-file -> ``file`` with its SHA-256: the file is an artifact of a model, not the model itself (a Hugging
  Face model directory's MODEL component depends on its files);
* dataset -> ``data`` with one ``dataset`` entry: ``classification`` is the asset's sensitivity level and
  ``sensitiveData`` lists the personal-data types found with their counts (``email: 12``), both filled by the
  PII scan of the data family (:mod:`aispm.checks.pii.estate`);
* repository, agent and notebook -> ``application``: each is software that runs and uses AI.  An agent is not a
  ``platform`` (a runtime that executes other software): it is an application built on a framework;
* provider, endpoint, MCP server, service, vector database and cloud resource -> ``services``: things reached
  over a network or a process boundary.  Hosted providers and remote endpoints cross a trust boundary
  (``x-trust-boundary``).  Services have no ``evidence`` in 1.6, so their file locations are properties.

File evidence goes to ``evidence.occurrences`` with 1-based ``line`` (added to occurrences in CycloneDX 1.6).
Relations become ``dependencies``: the source depends on the target, except *serves* and *exposes*, which are
read the other way (a model depends on the provider that serves it, an endpoint on the service behind it).
Every bom-ref appears in ``dependencies``; the scanned estate (``metadata.component``) depends on each
repository and on every asset that nothing else points to.  aispm-specific facts are ``aispm:`` properties.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from packageurl import PackageURL

from aispm import __version__
from aispm.discover.catalogue import load_catalogue
from aispm.model import Asset, AssetKind, JSONValue, Location, Relation, RelationKind, ScanResult

SPEC_VERSION = "1.6"
SCHEMA_URI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
ESTATE_REF = "aispm-estate"
SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cyclonedx.org/aispm/bom")
SHADOW_RULE = "AISPM-SHADOW-001"

COMPONENT_TYPE: Mapping[AssetKind, str] = {
    AssetKind.PACKAGE: "library",
    AssetKind.MODEL: "machine-learning-model",
    AssetKind.MODEL_FILE: "file",
    AssetKind.DATASET: "data",
    AssetKind.REPOSITORY: "application",
    AssetKind.AGENT: "application",
    AssetKind.NOTEBOOK: "application",
}
SERVICE_KINDS = frozenset(
    {
        AssetKind.PROVIDER,
        AssetKind.ENDPOINT,
        AssetKind.MCP_SERVER,
        AssetKind.SERVICE,
        AssetKind.VECTOR_DB,
        AssetKind.CLOUD_RESOURCE,
    }
)
PURL_TYPE = {"pypi": "pypi", "npm": "npm", "go": "golang", "maven": "maven"}
REVERSED_RELATIONS = frozenset({RelationKind.SERVES, RelationKind.EXPOSES})
MAPPED_PROPERTIES = frozenset({"purl", "sha256"})
"""Asset properties that already have a CycloneDX field of their own."""


def _exact_version(version: str | None) -> str | None:
    """``1.52.0`` for ``1.52.0`` or a pin such as ``==1.52.0``; None for a range (``>=1.0``, ``^0.3``)."""
    if not version:
        return None
    text = version.strip()
    for pin in ("===", "=="):
        if text.startswith(pin):
            text = text[len(pin) :].strip()
            break
    if not text or any(c in text for c in "<>=~^*!, |"):
        return None
    return text


def _property_values(value: JSONValue) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, list | tuple):
        return [v for item in value for v in _property_values(item)]
    if isinstance(value, dict):
        return [json.dumps(value, sort_keys=True, ensure_ascii=False)]
    return [str(value)]


def _properties(asset: Asset, extra: Iterable[tuple[str, str]] = ()) -> list[dict[str, str]]:
    out = [{"name": "aispm:kind", "value": asset.kind.value}]
    for key in sorted(asset.properties):
        if key in MAPPED_PROPERTIES:
            continue
        out.extend({"name": f"aispm:{key}", "value": v} for v in _property_values(asset.properties[key]))
    out.extend({"name": name, "value": value} for name, value in extra)
    return out


def _occurrence(loc: Location) -> dict[str, JSONValue] | None:
    where = loc.path or loc.resource_id or loc.url
    if not where:
        return None
    occurrence: dict[str, JSONValue] = {"location": where}
    if loc.path and loc.start_line is not None and loc.start_line >= 1:
        occurrence["line"] = loc.start_line
    if loc.path and loc.root:
        occurrence["additionalContext"] = f"scan root: {loc.root}"
    return occurrence


def _package_purl(asset: Asset) -> str | None:
    recorded = asset.properties.get("purl")
    if isinstance(recorded, str) and recorded:
        try:
            return str(PackageURL.from_string(recorded).to_string())
        except ValueError:
            pass  # an unparsable purl is rebuilt below
    ecosystem = str(asset.properties.get("ecosystem") or asset.key.partition(":")[0])
    purl_type = PURL_TYPE.get(ecosystem)
    if purl_type is None or not asset.name:
        return None
    namespace: str | None = None
    name = asset.name
    if purl_type == "maven" and ":" in name:
        namespace, _, name = name.partition(":")
    elif purl_type in {"npm", "golang"} and "/" in name:
        namespace, _, name = name.rpartition("/")
    version = _exact_version(asset.version)
    try:
        return str(PackageURL(type=purl_type, namespace=namespace, name=name, version=version).to_string())
    except ValueError:
        return None


def _model_purl(asset: Asset) -> str | None:
    if asset.properties.get("provider") != "huggingface" or asset.name.count("/") != 1 or " " in asset.name:
        return None
    namespace, _, name = asset.name.partition("/")
    revision = asset.properties.get("revision")
    version = str(revision) if isinstance(revision, str) and revision else None
    try:
        return str(PackageURL(type="huggingface", namespace=namespace, name=name, version=version).to_string())
    except ValueError:
        return None


def _model_publisher(asset: Asset) -> str | None:
    """Who publishes the model: the organisation of a Hugging Face repo id, else the provider."""
    provider = asset.properties.get("provider")
    if not isinstance(provider, str) or not provider:
        return None
    if provider == "huggingface":
        return asset.name.partition("/")[0] if "/" in asset.name else None
    info = load_catalogue().providers.get(provider)
    return info.name if info else provider


def _text(value: JSONValue) -> str | None:
    if isinstance(value, list) and value:
        return ", ".join(str(v) for v in value)
    if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def _model_card(asset: Asset, trained_on: list[str]) -> dict[str, JSONValue] | None:
    props = asset.properties
    parameters: dict[str, JSONValue] = {}
    for field, keys in (
        ("task", ("task", "pipeline_tag")),
        ("architectureFamily", ("architecture_family", "model_type")),
        ("modelArchitecture", ("architecture", "architectures")),
    ):
        for key in keys:
            text = _text(props.get(key))
            if text:
                parameters[field] = text
                break
    datasets: list[JSONValue] = [{"ref": ref} for ref in trained_on]
    for name in _property_values(props.get("datasets")):
        datasets.append({"type": "dataset", "name": name})
    if datasets:
        parameters["datasets"] = datasets
    return {"modelParameters": parameters} if parameters else None


def _licenses(asset: Asset) -> list[JSONValue] | None:
    licence = _text(asset.properties.get("licence") or asset.properties.get("license"))
    return [{"license": {"name": licence}}] if licence else None


def _component(asset: Asset, trained_on: list[str], shadow: bool) -> dict[str, JSONValue]:
    props = asset.properties
    component: dict[str, JSONValue] = {"type": COMPONENT_TYPE[asset.kind], "bom-ref": asset.id, "name": asset.name}
    extra: list[tuple[str, str]] = []
    if asset.version:
        exact = _exact_version(asset.version) if asset.kind is AssetKind.PACKAGE else asset.version
        if exact:
            component["version"] = exact
        if exact != asset.version:
            extra.append(("aispm:version-spec", asset.version))
    if asset.kind is AssetKind.PACKAGE:
        purl = _package_purl(asset)
        if purl:
            component["purl"] = purl
        if props.get("dev") is True:
            component["scope"] = "optional"
    elif asset.kind is AssetKind.MODEL:
        purl = _model_purl(asset)
        if purl:
            component["purl"] = purl
        publisher = _model_publisher(asset)
        if publisher:
            component["publisher"] = publisher
        card = _model_card(asset, trained_on)
        if card:
            component["modelCard"] = card
    elif asset.kind is AssetKind.MODEL_FILE:
        sha256 = props.get("sha256")
        if isinstance(sha256, str) and len(sha256) == 64:
            component["hashes"] = [{"alg": "SHA-256", "content": sha256.lower()}]
    elif asset.kind is AssetKind.DATASET:
        component["data"] = [_dataset(asset)]
    licences = _licenses(asset)
    if licences:
        component["licenses"] = licences
    occurrences = [occ for occ in map(_occurrence, asset.locations) if occ is not None]
    if occurrences:
        component["evidence"] = {"occurrences": occurrences}
    if shadow:
        extra.append(("aispm:shadow-ai", "true"))
    component["properties"] = _properties(asset, extra)
    return component


def _dataset(asset: Asset) -> dict[str, JSONValue]:
    entry: dict[str, JSONValue] = {"type": "dataset", "name": asset.name}
    classification = asset.properties.get("classification")
    if isinstance(classification, str) and classification and classification != "unknown":  # unknown: unread
        entry["classification"] = classification
    sensitive = asset.properties.get("sensitive_data")
    if isinstance(sensitive, dict) and sensitive:
        entry["sensitiveData"] = [f"{kind}: {count}" for kind, count in sensitive.items()]
    hub = asset.properties.get("hub") or asset.key.split(":")[1]
    if hub == "huggingface" and asset.name.count("/") <= 1 and " " not in asset.name:
        entry["contents"] = {"url": f"https://huggingface.co/datasets/{asset.name}"}
    return entry


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _is_external_host(host: str) -> bool:
    """True when ``host`` is not this machine (a loopback name or address)."""
    bare = host.strip("[]").lower()
    if bare in {"localhost", ""} or bare.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return True


def _endpoint_url(asset: Asset) -> str | None:
    props = asset.properties
    url = props.get("url")
    if isinstance(url, str) and url:
        return url
    host, port = props.get("host"), props.get("port")
    if not host and ":" in asset.name:
        host, _, port = asset.name.rpartition(":")
    if not host:
        return None
    scheme = props.get("scheme") or props.get("protocol") or "tcp"
    host_text = str(host).strip("[]")
    if ":" in host_text:
        try:  # the full form: some IRI validators reject '::' compression
            host_text = ipaddress.IPv6Address(host_text).exploded
        except ValueError:
            return None
        host_text = f"[{host_text}]"
    return f"{scheme}://{host_text}:{port}" if port not in (None, "") else f"{scheme}://{host_text}"


def _service(asset: Asset, exposed: list[str], shadow: bool) -> dict[str, JSONValue]:
    props = asset.properties
    service: dict[str, JSONValue] = {"bom-ref": asset.id, "name": asset.name}
    if asset.version:
        service["version"] = asset.version
    endpoints: list[str] = []
    trust_boundary: bool | None = None
    if asset.kind is AssetKind.PROVIDER:
        provider_id = str(props.get("provider") or asset.key.partition(":")[2])
        info = load_catalogue().providers.get(provider_id)
        service["provider"] = {"name": info.name if info else asset.name}
        hosts = [str(h) for h in _property_values(props.get("hosts"))]
        if not hosts and info:
            hosts = [h for h in info.hosts if not h.startswith("*")]
        endpoints = [f"https://{host}" for host in hosts]
        trust_boundary = bool(info.hosts or not info.ports) if info else True
        if trust_boundary:
            service["authenticated"] = True  # hosted AI APIs all require a key or token
    elif asset.kind in {AssetKind.ENDPOINT, AssetKind.MCP_SERVER}:
        url = _endpoint_url(asset) if asset.kind is AssetKind.ENDPOINT else props.get("url")
        if isinstance(url, str) and url:
            endpoints = [url]
            trust_boundary = _is_external_host(_hostname(url))
        elif asset.kind is AssetKind.MCP_SERVER:
            trust_boundary = False  # a stdio server runs on the client's machine
        if any(str(h).lower() == "authorization" for h in _property_values(props.get("headers"))):
            service["authenticated"] = True
    endpoints.extend(exposed)
    if endpoints:
        service["endpoints"] = list(dict.fromkeys(endpoints))
    if trust_boundary is not None:
        service["x-trust-boundary"] = trust_boundary
    extra = [("aispm:location", loc.display()) for loc in asset.locations]
    if shadow:
        extra.append(("aispm:shadow-ai", "true"))
    service["properties"] = _properties(asset, extra)
    return service


def _dependencies(
    result: ScanResult, known: Mapping[str, Asset]
) -> tuple[dict[str, set[str]], dict[str, list[str]], dict[str, list[str]]]:
    """(depends-on by bom-ref, datasets each model trains on, endpoint URLs each service exposes)."""
    depends: dict[str, set[str]] = {ref: set() for ref in known}
    trained_on: dict[str, list[str]] = {}
    exposed: dict[str, list[str]] = {}
    for relation in result.relations:
        if relation.source not in known or relation.target not in known or relation.source == relation.target:
            continue
        _add_edge(relation, depends)
        if relation.kind is RelationKind.TRAINS_ON:
            trained_on.setdefault(relation.source, []).append(relation.target)
        elif relation.kind is RelationKind.EXPOSES:
            url = _endpoint_url(known[relation.target])
            if url:
                exposed.setdefault(relation.source, []).append(url)
    return depends, trained_on, exposed


def _add_edge(relation: Relation, depends: dict[str, set[str]]) -> None:
    if relation.kind in REVERSED_RELATIONS:
        depends[relation.target].add(relation.source)
    else:
        depends[relation.source].add(relation.target)


def _estate_name(roots: Iterable[str]) -> str:
    names = [PurePosixPath(root.replace("\\", "/").rstrip("/")).name or root for root in roots]
    if len(names) == 1:
        return names[0]
    return f"AI estate ({', '.join(names)})" if names else "AI estate"


def _serial_number(result: ScanResult) -> str:
    """Deterministic for one scan (same result, same serial), different for every other scan."""
    seed = "\x1f".join([*result.roots, result.started_at, result.finished_at, *sorted(a.id for a in result.assets)])
    return f"urn:uuid:{uuid.uuid5(SERIAL_NAMESPACE, seed)}"


def build_bom(result: ScanResult) -> dict[str, JSONValue]:
    """The BOM as a dict (``render`` serialises it)."""
    known = {asset.id: asset for asset in result.assets}
    depends, trained_on, exposed = _dependencies(result, known)
    shadow = {f.asset_id for f in result.active_findings if f.rule_id == SHADOW_RULE and f.asset_id}
    components: list[JSONValue] = []
    services: list[JSONValue] = []
    for asset in result.assets:
        if asset.kind in SERVICE_KINDS:
            services.append(_service(asset, exposed.get(asset.id, []), asset.id in shadow))
        else:
            components.append(_component(asset, trained_on.get(asset.id, []), asset.id in shadow))

    pointed_at = {target for targets in depends.values() for target in targets}
    roots_of_graph = sorted(
        ref for ref, asset in known.items() if asset.kind is AssetKind.REPOSITORY or ref not in pointed_at
    )
    dependencies: list[JSONValue] = [{"ref": ESTATE_REF, "dependsOn": roots_of_graph}]
    dependencies.extend({"ref": ref, "dependsOn": sorted(depends[ref])} for ref in known)

    version = result.tool_version or __version__
    metadata: dict[str, JSONValue] = {
        "lifecycles": [{"phase": "discovery"}],
        "tools": {"components": [{"type": "application", "name": "aispm", "version": version}]},
        "component": {"type": "application", "bom-ref": ESTATE_REF, "name": _estate_name(result.roots)},
        "properties": [{"name": "aispm:root", "value": root} for root in result.roots]
        + [{"name": "aispm:scanners", "value": ",".join(result.scanners)}],
    }
    timestamp = result.finished_at or result.started_at
    if timestamp:
        metadata = {"timestamp": timestamp, **metadata}
    bom: dict[str, JSONValue] = {
        "$schema": SCHEMA_URI,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": _serial_number(result),
        "version": 1,
        "metadata": metadata,
        "components": components,
        "services": services,
        "dependencies": dependencies,
    }
    return bom


def render(result: ScanResult) -> str:
    bom: Any = build_bom(result)
    return json.dumps(bom, indent=2, ensure_ascii=False) + "\n"
