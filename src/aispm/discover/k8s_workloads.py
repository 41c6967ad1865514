"""Kubernetes manifests read for what runs: workloads with their container images, and Services that publish them.

Images are found wherever a pod spec sits (``containers`` / ``initContainers`` lists), so Deployments, CronJobs and
custom resources that embed pod templates (KubeRay RayCluster/RayService/RayJob, KServe InferenceService and
ServingRuntime, Kubeflow Notebook and training jobs, Seldon) are all covered by one walk.  Custom resources that are
AI by their kind alone are named in :data:`CRD_PRODUCTS`, and model locations (``storageUri``, ``modelUri``) are
collected with their lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from msgspec import Struct, field

from aispm.discover.compose import PublishedPort
from aispm.discover.container_images import ImageRef, parse_image
from aispm.files.structured import LineDict, LineList

MAX_WALK_DEPTH = 40
CONTAINER_KEYS = ("containers", "initContainers")
MODEL_URI_KEYS = ("storageUri", "storageUris", "modelUri")


class CrdProduct(Struct, frozen=True):
    product: str
    category: str


CRD_PRODUCTS: Mapping[tuple[str, str], CrdProduct] = {
    ("ray.io", "RayCluster"): CrdProduct("Ray", "compute"),
    ("ray.io", "RayService"): CrdProduct("Ray", "compute"),
    ("ray.io", "RayJob"): CrdProduct("Ray", "compute"),
    ("serving.kserve.io", "InferenceService"): CrdProduct("KServe", "model-server"),
    ("serving.kserve.io", "ServingRuntime"): CrdProduct("KServe", "model-server"),
    ("serving.kserve.io", "ClusterServingRuntime"): CrdProduct("KServe", "model-server"),
    ("serving.kserve.io", "InferenceGraph"): CrdProduct("KServe", "model-server"),
    ("serving.kserve.io", "LLMInferenceService"): CrdProduct("KServe", "model-server"),
    ("kubeflow.org", "Notebook"): CrdProduct("Kubeflow Notebook", "notebook-server"),
    ("kubeflow.org", "PyTorchJob"): CrdProduct("Kubeflow Training", "training"),
    ("kubeflow.org", "TFJob"): CrdProduct("Kubeflow Training", "training"),
    ("kubeflow.org", "MPIJob"): CrdProduct("Kubeflow Training", "training"),
    ("kubeflow.org", "XGBoostJob"): CrdProduct("Kubeflow Training", "training"),
    ("kubeflow.org", "PaddleJob"): CrdProduct("Kubeflow Training", "training"),
    ("kubeflow.org", "JAXJob"): CrdProduct("Kubeflow Training", "training"),
    ("trainer.kubeflow.org", "TrainJob"): CrdProduct("Kubeflow Trainer", "training"),
    ("machinelearning.seldon.io", "SeldonDeployment"): CrdProduct("Seldon Core", "model-server"),
    ("mlops.seldon.io", "Model"): CrdProduct("Seldon Core 2", "model-server"),
    ("mlops.seldon.io", "Server"): CrdProduct("Seldon Core 2", "model-server"),
}


class K8sContainer(Struct, frozen=True):
    name: str
    image: ImageRef
    line: int
    ports: tuple[int, ...] = ()
    host_ports: tuple[PublishedPort, ...] = ()


class Workload(Struct):
    kind: str
    api_group: str
    name: str
    namespace: str | None
    line: int
    containers: list[K8sContainer] = field(default_factory=list)
    label_sets: list[dict[str, str]] = field(default_factory=list)
    model_uris: list[tuple[str, int]] = field(default_factory=list)

    @property
    def crd_product(self) -> CrdProduct | None:
        return CRD_PRODUCTS.get((self.api_group, self.kind))


class ExposedService(Struct, frozen=True):
    """A Service of type LoadBalancer or NodePort (or with external IPs): reachable from outside the cluster."""

    name: str
    type: str
    selector: Mapping[str, str]
    ports: tuple[PublishedPort, ...]
    line: int

    def selects(self, workload: Workload) -> bool:
        if not self.selector:
            return False
        wanted = self.selector.items()
        return any(wanted <= labels.items() for labels in workload.label_sets)


def kubernetes_objects(documents: Iterable[Any]) -> Iterator[LineDict]:
    """Every object with ``apiVersion`` and ``kind``, including the items of ``kind: List`` documents."""
    for document in documents:
        if not isinstance(document, LineDict):
            continue
        if not isinstance(document.get("apiVersion"), str) or not isinstance(document.get("kind"), str):
            continue
        items = document.get("items")
        if str(document["kind"]).endswith("List") and isinstance(items, LineList):
            yield from kubernetes_objects(items)
        else:
            yield document


def _labels(value: Any) -> dict[str, str] | None:
    if isinstance(value, LineDict):
        labels = value.get("labels")
        if isinstance(labels, LineDict):
            return {str(k): str(v) for k, v in labels.items()}
    return None


def _container_ports(spec: LineDict) -> tuple[list[int], list[PublishedPort]]:
    ports: list[int] = []
    host_ports: list[PublishedPort] = []
    entries = spec.get("ports")
    if not isinstance(entries, LineList):
        return ports, host_ports
    for index, entry in enumerate(entries):
        if not isinstance(entry, LineDict):
            continue
        port = entry.get("containerPort")
        if isinstance(port, int) and 0 < port < 65536:
            ports.append(port)
        host_port = entry.get("hostPort")
        if isinstance(host_port, int) and 0 < host_port < 65536:
            host = str(entry.get("hostIP") or "0.0.0.0")  # noqa: S104 - hostPort binds all addresses by default
            protocol = str(entry.get("protocol") or "TCP").lower()
            target = port if isinstance(port, int) else None
            host_ports.append(PublishedPort(host, host_port, target, protocol, entries.line_of(index)))
    return ports, host_ports


def _containers(entries: LineList) -> Iterator[K8sContainer]:
    for index, entry in enumerate(entries):
        if not isinstance(entry, LineDict) or not isinstance(entry.get("image"), str):
            continue
        image = parse_image(entry["image"])
        if image is None:
            continue
        ports, host_ports = _container_ports(entry)
        yield K8sContainer(
            name=str(entry.get("name") or ""),
            image=image,
            line=entry.line_of("image") if "image" in entry.lines else entries.line_of(index),
            ports=tuple(ports),
            host_ports=tuple(host_ports),
        )


def _walk(value: Any, workload: Workload, depth: int) -> None:
    """Collect containers, pod-template labels and model URIs anywhere under an object's spec."""
    if depth > MAX_WALK_DEPTH:
        return
    if isinstance(value, LineDict):
        labels = _labels(value.get("metadata"))
        if labels:
            workload.label_sets.append(labels)
        for key, item in value.items():
            if key in CONTAINER_KEYS and isinstance(item, LineList):
                workload.containers.extend(_containers(item))
            elif key in MODEL_URI_KEYS:
                uris = item if isinstance(item, LineList) else [item]
                workload.model_uris.extend((str(u), value.line_of(key)) for u in uris if isinstance(u, str) and u)
            elif isinstance(item, LineDict | LineList):
                _walk(item, workload, depth + 1)
    elif isinstance(value, LineList):
        for item in value:
            if isinstance(item, LineDict | LineList):
                _walk(item, workload, depth + 1)


def _group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def workload_of(obj: LineDict) -> Workload | None:
    """The workload an object describes, when it runs containers or is an AI custom resource."""
    kind = str(obj.get("kind"))
    if kind in ("Service", "ConfigMap", "Secret", "Namespace", "CustomResourceDefinition"):
        return None
    metadata = obj.get("metadata")
    name = ""
    namespace: str | None = None
    if isinstance(metadata, LineDict):
        name = str(metadata.get("name") or metadata.get("generateName") or "")
        namespace = str(metadata["namespace"]) if metadata.get("namespace") else None
    workload = Workload(kind, _group(str(obj.get("apiVersion"))), name or kind.lower(), namespace, obj.line)
    top_labels = _labels(metadata)
    if top_labels:
        workload.label_sets.append(top_labels)
    _walk(obj.get("spec"), workload, 0)
    if not workload.containers and workload.crd_product is None:
        return None
    return workload


def exposed_service_of(obj: LineDict) -> ExposedService | None:
    """A Service reachable from outside the cluster (LoadBalancer, NodePort or external IPs), else ``None``."""
    if obj.get("kind") != "Service" or not isinstance(obj.get("spec"), LineDict):
        return None
    spec: LineDict = obj["spec"]
    service_type = str(spec.get("type") or "ClusterIP")
    external_ips = [str(ip) for ip in spec.get("externalIPs") or [] if isinstance(ip, str)]
    if service_type not in ("LoadBalancer", "NodePort") and not external_ips:
        return None
    metadata = obj.get("metadata")
    name = str(metadata.get("name") or "") if isinstance(metadata, LineDict) else ""
    selector = spec.get("selector")
    selector_map = {str(k): str(v) for k, v in selector.items()} if isinstance(selector, LineDict) else {}
    hosts = external_ips or [str(spec.get("loadBalancerIP") or "0.0.0.0")]  # noqa: S104
    ports: list[PublishedPort] = []
    entries = spec.get("ports")
    if not isinstance(entries, LineList):
        entries = LineList()
    for index, entry in enumerate(entries):
        if not isinstance(entry, LineDict):
            continue
        number = entry.get("nodePort") if service_type == "NodePort" and not external_ips else entry.get("port")
        if not isinstance(number, int) or not 0 < number < 65536:
            continue
        target = entry.get("targetPort")
        protocol = str(entry.get("protocol") or "TCP").lower()
        line = entries.line_of(index)
        for host in hosts:
            ports.append(PublishedPort(host, number, target if isinstance(target, int) else None, protocol, line))
    return ExposedService(name, service_type, selector_map, tuple(ports), obj.line)
