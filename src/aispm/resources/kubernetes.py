"""Kubernetes manifests (multi-document YAML, ``List`` objects, Helm-rendered output, KubeRay/KServe/Kubeflow
custom resources) to ``container.workload`` and ``container.config`` resources.

A workload is kept when it runs an AI product, is an AI custom resource, requests GPUs, or carries an AI
provider key in its environment.  Its exposure is judged from the Services and Ingresses of the same file and of
the other manifests in its directory (``kubectl apply -f dir`` and kustomize bases keep the Deployment and its
Service in separate files): a LoadBalancer (unless an internal load-balancer annotation is set or source ranges
are restricted), a NodePort or external IPs selecting it, an Ingress routing to such a Service (unless internal),
or a KubeRay head service type.  A Service selects pods of its own namespace only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from aispm.discover.k8s_workloads import CRD_PRODUCTS, kubernetes_objects
from aispm.files.structured import LineDict, LineList, StructuredError, load_yaml_documents
from aispm.resources.parsed import NativeResource, Origin
from aispm.resources.workloads import (
    GPU_RESOURCES,
    ContainerFacts,
    WorkloadFacts,
    command_text,
    container_facts_to_properties,
    image_facts,
    looks_like_ai_key,
)

MAX_DEPTH = 40
MAX_SIBLING_FILES = 200
MAX_SIBLING_BYTES = 1024 * 1024
_SIBLING_SUFFIXES = (".yaml", ".yml")
_ROUTE_KIND = re.compile(r"^[ \t-]*kind:[ \t]*[\"']?(?:Service|Ingress)[\"']?[ \t]*(?:#.*)?$", re.M)
INTERNAL_LB_ANNOTATIONS: Mapping[str, tuple[str, ...]] = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
    "networking.gke.io/load-balancer-type": ("internal",),
    "cloud.google.com/load-balancer-type": ("internal",),
    "service.beta.kubernetes.io/oci-load-balancer-internal": ("true",),
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": ("private",),
}
_NON_WORKLOAD_KINDS = frozenset({"Service", "ConfigMap", "Secret", "Namespace", "CustomResourceDefinition", "Ingress"})
_INTERNAL_INGRESS_WORDS = ("internal", "private")


def looks_like_kubernetes(text: str) -> bool:
    return "apiVersion" in text and "kind:" in text


def _metadata(obj: Mapping[str, Any]) -> tuple[str, str | None, dict[str, str], dict[str, str]]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping):
        return "", None, {}, {}
    labels = metadata.get("labels")
    annotations = metadata.get("annotations")
    return (
        str(metadata.get("name") or metadata.get("generateName") or ""),
        str(metadata["namespace"]) if metadata.get("namespace") else None,
        {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {},
        {str(k): str(v) for k, v in annotations.items()} if isinstance(annotations, Mapping) else {},
    )


def last_line(value: Any) -> int | None:
    last = value.line if isinstance(value, LineDict | LineList) else None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, LineDict):
            if item.lines:
                last = max(last or 0, *item.lines.values())
            stack.extend(v for v in item.values() if isinstance(v, LineDict | LineList))
        elif isinstance(item, LineList):
            if item.lines:
                last = max(last or 0, *item.lines)
            stack.extend(v for v in item if isinstance(v, LineDict | LineList))
    return last


class _Exposure(Struct):
    kind: str  # Service type or "Ingress"
    name: str
    selector: dict[str, str]
    line: int
    internal: bool
    path: str
    namespace: str | None


Route = tuple[str, LineDict]
"""A Service or Ingress object and the relative path of the manifest that declares it."""


class _Pod(Struct):
    """Everything found under one object's spec."""

    containers: list[ContainerFacts] = field(default_factory=list)
    label_sets: list[dict[str, str]] = field(default_factory=list)
    host_paths: list[tuple[str, int]] = field(default_factory=list)
    host_network: int | None = None
    ray_dashboard_line: int | None = None
    head_service_type: tuple[str, int] | None = None


def _env(entries: Any) -> tuple[dict[str, Any], dict[str, int]]:
    """Literal env values by name (``valueFrom`` references are not literal and are left out)."""
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    if not isinstance(entries, LineList):
        return values, lines
    for index, entry in enumerate(entries):
        if isinstance(entry, LineDict) and isinstance(entry.get("name"), str) and "value" in entry:
            values[entry["name"]] = entry["value"]
            lines[entry["name"]] = entries.line_of(index)
    return values, lines


def _gpu(container: Mapping[str, Any]) -> bool:
    resources = container.get("resources")
    if not isinstance(resources, Mapping):
        return False
    for section in ("limits", "requests"):
        amounts = resources.get(section)
        if isinstance(amounts, Mapping) and any(str(k).startswith(GPU_RESOURCES) for k in amounts):
            return True
    return False


def _container(entry: LineDict, line: int, init: bool) -> ContainerFacts:
    image, info = image_facts(entry.get("image"))
    ports = []
    for port in entry.get("ports") or []:
        if isinstance(port, Mapping) and isinstance(port.get("containerPort"), int):
            ports.append(port["containerPort"])
    env, env_lines = _env(entry.get("env"))
    security = entry.get("securityContext")
    privileged = isinstance(security, LineDict) and security.get("privileged") in (True, "true")
    return ContainerFacts(
        name=str(entry.get("name") or ""),
        image=image,
        info=info,
        line=entry.line_of("image") if "image" in entry.lines else line,
        init=init,
        ports=ports,
        command=command_text(entry.get("command"), entry.get("args")),
        env=env,
        env_lines=env_lines,
        privileged=privileged,
        privileged_line=security.line_of("privileged") if privileged and isinstance(security, LineDict) else None,
        gpu=_gpu(entry),
    )


def _walk(value: Any, pod: _Pod, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, LineDict):
        _, _, labels, _ = _metadata(value)
        if labels:
            pod.label_sets.append(labels)
        for key, item in value.items():
            if key in ("containers", "initContainers") and isinstance(item, LineList):
                for index, entry in enumerate(item):
                    if isinstance(entry, LineDict):
                        pod.containers.append(_container(entry, item.line_of(index), key == "initContainers"))
            elif key == "hostPath" and isinstance(item, LineDict):
                pod.host_paths.append((str(item.get("path") or ""), value.line_of(key)))
            elif key == "hostNetwork" and item in (True, "true"):
                pod.host_network = value.line_of(key)
            elif key == "rayStartParams" and isinstance(item, LineDict):
                host = str(item.get("dashboard-host", "")).strip("'\"")
                if host in ("0.0.0.0", "::", "*"):  # noqa: S104 - detecting the binding, not binding
                    pod.ray_dashboard_line = item.line_of("dashboard-host")
            elif key == "serviceType" and isinstance(item, str) and item in ("LoadBalancer", "NodePort"):
                pod.head_service_type = (item, value.line_of(key))
            elif isinstance(item, LineDict | LineList):
                _walk(item, pod, depth + 1)
    elif isinstance(value, LineList):
        for item in value:
            _walk(item, pod, depth + 1)


def _selects(exposure: _Exposure, namespace: str | None, label_sets: Iterable[Mapping[str, str]]) -> bool:
    if exposure.namespace and namespace and exposure.namespace != namespace:
        return False
    selector = exposure.selector
    return bool(selector) and any(selector.items() <= labels.items() for labels in label_sets)


def _services(routes: list[Route]) -> tuple[list[_Exposure], dict[str, _Exposure]]:
    """Services that reach outside the cluster, and every Service by name (for Ingress backends)."""
    external: list[_Exposure] = []
    by_name: dict[str, _Exposure] = {}
    for path, obj in routes:
        if obj.get("kind") != "Service" or not isinstance(obj.get("spec"), LineDict):
            continue
        spec: LineDict = obj["spec"]
        name, namespace, _, annotations = _metadata(obj)
        service_type = str(spec.get("type") or "ClusterIP")
        selector = spec.get("selector")
        selector_map = {str(k): str(v) for k, v in selector.items()} if isinstance(selector, Mapping) else {}
        internal = any(
            annotations.get(key, "").strip().lower() in values for key, values in INTERNAL_LB_ANNOTATIONS.items()
        )
        ranges = spec.get("loadBalancerSourceRanges")
        if isinstance(ranges, list) and ranges and all(str(r) not in ("0.0.0.0/0", "::/0") for r in ranges):
            internal = True
        exposure = _Exposure(service_type, name, selector_map, obj.line, internal, path, namespace)
        by_name[name] = exposure
        reaches_out = service_type in ("LoadBalancer", "NodePort") or bool(spec.get("externalIPs"))
        if reaches_out and (service_type != "LoadBalancer" or not internal):
            external.append(exposure)
    return external, by_name


def _ingress_backends(spec: Mapping[str, Any]) -> Iterator[str]:
    def backend_name(backend: Any) -> str | None:
        if not isinstance(backend, Mapping):
            return None
        service = backend.get("service")
        if isinstance(service, Mapping) and service.get("name"):
            return str(service["name"])
        return str(backend["serviceName"]) if backend.get("serviceName") else None

    default = backend_name(spec.get("defaultBackend") or spec.get("backend"))
    if default:
        yield default
    for rule in spec.get("rules") or []:
        http = rule.get("http") if isinstance(rule, Mapping) else None
        for path in (http.get("paths") or []) if isinstance(http, Mapping) else []:
            name = backend_name(path.get("backend") if isinstance(path, Mapping) else None)
            if name:
                yield name


def _ingresses(routes: list[Route], services: Mapping[str, _Exposure]) -> list[_Exposure]:
    out: list[_Exposure] = []
    for path, obj in routes:
        if obj.get("kind") != "Ingress" or not isinstance(obj.get("spec"), Mapping):
            continue
        name, namespace, _, annotations = _metadata(obj)
        spec = obj["spec"]
        classes = " ".join(
            [str(spec.get("ingressClassName") or ""), annotations.get("kubernetes.io/ingress.class", "")]
        ).lower()
        internal = any(word in classes for word in _INTERNAL_INGRESS_WORDS) or (
            annotations.get("alb.ingress.kubernetes.io/scheme", "").lower() == "internal"
        )
        for backend in _ingress_backends(spec):
            service = services.get(backend)
            if service is not None:
                out.append(_Exposure("Ingress", name, service.selector, obj.line, internal, path, namespace))
    return out


def _workload(
    obj: LineDict, relpath: str, external: list[_Exposure], ingresses: list[_Exposure]
) -> NativeResource | None:
    kind = str(obj.get("kind"))
    api_group = str(obj.get("apiVersion")).split("/", 1)[0] if "/" in str(obj.get("apiVersion")) else ""
    name, namespace, labels, _ = _metadata(obj)
    pod = _Pod()
    if labels:
        pod.label_sets.append(labels)
    _walk(obj.get("spec"), pod, 0)
    crd = CRD_PRODUCTS.get((api_group, kind))
    products = [crd.product] if crd is not None else []
    facts = WorkloadFacts()
    container_facts_to_properties(facts, pod.containers, relpath, products)
    properties = facts.properties
    if not (products or properties["gpu"] or properties["plain_ai_keys"]):
        return None

    def at(line: int | None) -> Origin | None:
        return Origin(f"{relpath}:{line}", line) if line else None

    def declared(exposure: _Exposure) -> Origin:
        # A Service in another manifest has no line in this file: the finding then points at the workload.
        return Origin(f"{exposure.path}:{exposure.line}", exposure.line if exposure.path == relpath else None)

    services = [e for e in external if _selects(e, namespace, pod.label_sets)]
    exposed = [f"{e.kind} Service {e.name}" + (f" ({e.path})" if e.path != relpath else "") for e in services]
    if pod.head_service_type is not None:
        exposed.append(f"{pod.head_service_type[0]} head service")
    facts.put(
        "exposed_services",
        exposed,
        declared(services[0]) if services else at(pod.head_service_type[1]) if pod.head_service_type else None,
    )
    routed = [e for e in ingresses if not e.internal and _selects(e, namespace, pod.label_sets)]
    facts.put(
        "exposed_ingresses",
        [f"Ingress {e.name}" + (f" ({e.path})" if e.path != relpath else "") for e in routed],
        declared(routed[0]) if routed else None,
    )
    facts.put("host_paths", [p for p, _ in pod.host_paths], at(pod.host_paths[0][1]) if pod.host_paths else None)
    facts.put("host_network", pod.host_network is not None, at(pod.host_network))
    if pod.ray_dashboard_line is not None:
        facts.put("ray_dashboard_all_interfaces", True, at(pod.ray_dashboard_line))
    facts.put("kind", kind, None)
    if namespace:
        facts.put("namespace", namespace, None)
    address = f"{kind}/{namespace + '/' if namespace else ''}{name or kind.lower()}"
    return NativeResource(
        source="kubernetes",
        native_type="Workload",
        address=address,
        name=address,
        properties=properties,
        path=relpath,
        start_line=obj.line or None,
        end_line=last_line(obj),
        origins=facts.origins,
        aliases=(name,) if name else (),
    )


def _config_map(obj: LineDict, relpath: str) -> NativeResource | None:
    data = obj.get("data")
    if not isinstance(data, LineDict):
        return None
    keys = [(str(k), data.line_of(str(k))) for k, v in data.items() if looks_like_ai_key(str(k), v)]
    if not keys:
        return None
    name, namespace, _, _ = _metadata(obj)
    address = f"ConfigMap/{namespace + '/' if namespace else ''}{name}"
    return NativeResource(
        source="kubernetes",
        native_type="ConfigMap",
        address=address,
        name=address,
        properties={"ai_keys": sorted({k for k, _ in keys})},
        path=relpath,
        start_line=obj.line or None,
        end_line=last_line(obj),
        origins={"ai_keys": Origin(f"{relpath}:{keys[0][1]}", keys[0][1])},
    )


def _resources(objects: list[LineDict], relpath: str, routes: list[Route]) -> list[NativeResource]:
    external, by_name = _services(routes)
    ingresses = _ingresses(routes, by_name)
    out: list[NativeResource] = []
    for obj in objects:
        kind = obj.get("kind")
        if kind == "ConfigMap":
            config = _config_map(obj, relpath)
            if config is not None:
                out.append(config)
        elif kind not in _NON_WORKLOAD_KINDS:
            workload = _workload(obj, relpath, external, ingresses)
            if workload is not None:
                out.append(workload)
    return out


def kubernetes_resources(
    documents: list[Any], relpath: str, sibling_routes: Callable[[], list[Route]] | None = None
) -> list[NativeResource]:
    """AI workloads and ConfigMaps holding AI keys, from the documents of one manifest file.

    ``sibling_routes`` gives the Services and Ingresses of the manifests beside it; it is called only when the
    file declares an AI workload, so the thousands of other manifests of a repository never read their siblings.
    """
    objects = list(kubernetes_objects(documents))
    routes: list[Route] = [(relpath, o) for o in objects if o.get("kind") in ("Service", "Ingress")]
    out = _resources(objects, relpath, routes)
    if sibling_routes is not None and any(r.native_type == "Workload" for r in out):
        extra = [route for route in sibling_routes() if route[0] != relpath]
        if extra:
            out = _resources(objects, relpath, routes + extra)
    return out


_SIBLING_CACHE: dict[str, tuple[tuple[tuple[str, int, int], ...], list[Route]]] = {}


def _manifest_files(directory: Path) -> list[tuple[str, int, int]]:
    """(name, size, mtime) of the YAML files of ``directory``, bounded, symbolic links left out."""
    found: list[tuple[str, int, int]] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if len(found) >= MAX_SIBLING_FILES:
                    break
                if not entry.name.lower().endswith(_SIBLING_SUFFIXES) or not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
                if stat.st_size <= MAX_SIBLING_BYTES:
                    found.append((entry.name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return []
    return sorted(found)


def directory_routes(path: Path, relpath: str) -> list[Route]:
    """The Services and Ingresses declared by the manifests in the directory of ``path`` (``relpath`` is its
    path relative to the scan root), cached per process on the files' names, sizes and times."""
    directory = path.parent
    files = tuple(_manifest_files(directory))
    key = str(directory)
    cached = _SIBLING_CACHE.get(key)
    if cached is not None and cached[0] == files:
        return cached[1]
    base = relpath.rpartition("/")[0]
    routes: list[Route] = []
    for name, _, _ in files:
        try:
            text = (directory / name).read_text("utf-8", errors="replace")
        except OSError:
            continue
        if not _ROUTE_KIND.search(text) or not looks_like_kubernetes(text):
            continue
        try:
            documents = load_yaml_documents(text)
        except StructuredError:
            continue  # an unrendered Helm template or a broken file: its own scan reports it
        sibling = f"{base}/{name}" if base else name
        routes.extend((sibling, o) for o in kubernetes_objects(documents) if o.get("kind") in ("Service", "Ingress"))
    _SIBLING_CACHE[key] = (files, routes)
    return routes
