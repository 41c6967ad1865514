"""AI services in containers: Dockerfile base images and installs, compose services, Kubernetes workloads.

An image becomes a ``service`` (or ``vector-db``) asset only when ``catalogue/images.yaml`` names its product
(ollama, vLLM, TGI, Triton, Qdrant, Chroma, MLflow, Jupyter, Ray ...), or when the workload is an AI custom
resource (KubeRay, KServe, Kubeflow, Seldon); ``postgres`` or ``nginx`` are not AI inventory.  Ports published to
a host (compose ``ports:``, Kubernetes LoadBalancer/NodePort Services and ``hostPort``) become ``endpoint`` assets
that the service EXPOSES.  ``RUN pip install`` / ``npm install`` lines in Dockerfiles yield the AI packages the
image installs.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePosixPath

from msgspec import Struct, field

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.catalogue import ImageInfo, load_catalogue, normalise_package
from aispm.discover.compose import PublishedPort, compose_services
from aispm.discover.container_images import ImageRef, match_image, parse_image
from aispm.discover.dockerfile import parse_dockerfile
from aispm.discover.k8s_workloads import (
    CRD_PRODUCTS,
    ExposedService,
    Workload,
    exposed_service_of,
    kubernetes_objects,
    workload_of,
)
from aispm.discover.launchers import split_npm_spec
from aispm.discover.manifests.python import packages_from_pip_command
from aispm.discover.model_ids import hub_repo_id
from aispm.discover.redact import redact_url
from aispm.files.content import FileContent
from aispm.files.structured import StructuredError, load_yaml_documents
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, JSONValue, Relation, RelationKind

_COMPOSE_NAME = re.compile(r"(?:docker-)?compose(?:[.-][\w.-]*)?\.ya?ml")
_NPM_INSTALL = {("npm", "install"), ("npm", "i"), ("npm", "add"), ("yarn", "add"), ("pnpm", "add"), ("bun", "add")}
_NPM_INSTALL_OPTIONS = frozenset({"--registry", "--prefix", "--cache", "-w", "--workspace", "--tag"})
_TEMPLATE_IMAGE = re.compile(r"^[ \t]*-?[ \t]*image:[ \t]*[\"']?([^\s\"'{}#]+)[\"']?[ \t]*(?:#.*)?\r?$", re.M)
"""A literal ``image:`` line; blanks stay within the line (``\\s`` would span lines: cubic on blank lines)."""
_LOOPBACK = ("127.", "::1", "localhost")


def is_dockerfile(ref: FileRef) -> bool:
    name = ref.name_lower
    if name.endswith(".dockerignore"):
        return False
    return (
        name in ("dockerfile", "containerfile")
        or name.startswith(("dockerfile.", "containerfile."))
        or name.endswith(".dockerfile")
    )


def is_compose_file(ref: FileRef) -> bool:
    return bool(_COMPOSE_NAME.fullmatch(ref.name_lower))


_KUBERNETES_AI_HINT = re.compile(
    "image|storageUri|modelUri|" + "|".join(sorted({kind for _, kind in CRD_PRODUCTS}, key=len, reverse=True))
)


def _looks_like_kubernetes(text: str) -> bool:
    """Cheap test before parsing: a manifest that could run an image or declare an AI custom resource."""
    return "apiVersion" in text and "kind:" in text and _KUBERNETES_AI_HINT.search(text) is not None


_TOP_LEVEL_SERVICES = re.compile(r"^services:", re.M)


def _looks_like_compose(text: str) -> bool:
    """A compose file under another name (``stack.yml``): top-level ``services:`` with images, no ``apiVersion``."""
    return "image:" in text and "apiVersion" not in text and _TOP_LEVEL_SERVICES.search(text) is not None


class _ServiceSighting(Struct):
    """One AI product running in one workload of one file, before it becomes an asset."""

    product: str
    category: str
    kind: AssetKind
    workload: str
    workload_kind: str
    source: str
    line: int
    images: list[ImageRef] = field(default_factory=list)
    default_ports: tuple[int, ...] = ()
    container_ports: list[int] = field(default_factory=list)
    published: list[PublishedPort] = field(default_factory=list)
    exposed_by: list[str] = field(default_factory=list)
    extra: dict[str, JSONValue] = field(default_factory=dict)


def _sighting(info: ImageInfo, workload: str, workload_kind: str, source: str, line: int) -> _ServiceSighting:
    kind = AssetKind.VECTOR_DB if info.kind == "vector-db" else AssetKind.SERVICE
    return _ServiceSighting(info.product, info.category, kind, workload, workload_kind, source, line, [], info.ports)


def _is_public(host: str) -> bool:
    return not host.startswith(_LOOPBACK)


def _records(file: FileContent, sighting: _ServiceSighting) -> Iterator[Record]:
    """The service asset, its endpoints and the EXPOSES relations."""
    prefix = "vector-db" if sighting.kind is AssetKind.VECTOR_DB else "service"
    published = sorted(set(sighting.published), key=lambda p: (p.port, p.host, p.line))
    properties: dict[str, JSONValue] = {
        "product": sighting.product,
        "category": sighting.category,
        "source": sighting.source,
        "workload": sighting.workload,
        "workload_kind": sighting.workload_kind,
        "ports": sorted({p.port for p in published}),
        "container_ports": sorted(set(sighting.container_ports)),
        "default_ports": list(sighting.default_ports),
        **sighting.extra,
    }
    if sighting.exposed_by:
        properties["exposed_by"] = sorted(set(sighting.exposed_by))
    version: str | None = None
    if sighting.images:
        image = sighting.images[0]
        properties.update(
            {
                "image": image.reference,
                "tag": image.tag,
                "digest": image.digest,
                "pinned": image.pinned,
                "registry": image.registry,
            }
        )
        if len(sighting.images) > 1:
            properties["images"] = sorted({i.reference for i in sighting.images})
        version = image.version
    service = Asset(
        kind=sighting.kind,
        name=sighting.product,
        key=f"{prefix}:{sighting.product}:{file.ref.relpath}:{sighting.workload}",
        version=version,
        locations=(file_location(file, sighting.line),),
        properties=properties,
    )
    yield service
    for port in published:
        endpoint = Asset(
            kind=AssetKind.ENDPOINT,
            name=f"{port.host}:{port.port}",
            key=f"endpoint:{port.host}:{port.port}",
            locations=(file_location(file, port.line),),
            properties={
                "host": port.host,
                "port": port.port,
                "protocol": port.protocol,
                "target_port": port.target,
                "public": _is_public(port.host),
                "product": sighting.product,
            },
        )
        yield endpoint
        yield Relation(service.id, RelationKind.EXPOSES, endpoint.id, file_location(file, port.line))


# --- Dockerfile -------------------------------------------------------------------------------------------------


def _line_of(file: FileContent, needle: str, start: int) -> int:
    """The first line at or after ``start`` that mentions ``needle`` (``start`` itself when none does)."""
    lines = file.lines
    for number in range(start, min(len(lines), start + 200) + 1):
        if needle in lines[number - 1]:
            return number
    return start


def _package_asset(
    file: FileContent, ecosystem: str, name: str, spec: str | None, line: int, source: str
) -> Asset | None:
    info = load_catalogue().package(ecosystem, name)
    if info is None:
        return None
    version = spec
    if ecosystem == "pypi" and spec and spec.startswith("==") and not any(c in spec for c in ",*"):
        version = spec[2:]
    properties: dict[str, JSONValue] = {"ecosystem": ecosystem, "category": info.category, "source": source}
    if info.provider:
        properties["provider"] = info.provider
    return Asset(
        kind=AssetKind.PACKAGE,
        name=info.name,
        key=f"{ecosystem}:{normalise_package(ecosystem, info.name)}",
        version=version,
        locations=(file_location(file, line),),
        properties=properties,
    )


def _npm_installs(command: str) -> Iterator[tuple[str, str | None]]:
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    segment: list[str] = []
    for word in [*words, "&&"]:
        if word not in ("&&", "||", ";", "|"):
            segment.append(word.rstrip(";"))
            continue
        for start in range(len(segment) - 1):
            if (segment[start].rsplit("/", 1)[-1], segment[start + 1]) in _NPM_INSTALL:
                skip = False
                for argument in segment[start + 2 :]:
                    if skip:
                        skip = False
                    elif argument.startswith("-"):
                        skip = argument in _NPM_INSTALL_OPTIONS
                    elif not argument.startswith((".", "/", "$", "git", "http", "file:")):
                        yield split_npm_spec(argument)
                break
        segment = []


def _dockerfile_records(file: FileContent) -> Iterator[Record]:
    dockerfile = parse_dockerfile(file.text)
    for index, base in enumerate(dockerfile.base_images):
        info = match_image(base.image)
        if info is None:
            continue
        workload = base.stage or PurePosixPath(base.image.path).name
        sighting = _sighting(info, workload, "dockerfile-stage", "dockerfile", base.line)
        sighting.images.append(base.image)
        sighting.container_ports.extend(dockerfile.exposed_ports.get(index, []))
        yield from _records(file, sighting)
    for run in dockerfile.runs:
        for text_line in run.command.splitlines():
            if "pip" in text_line:
                for name, spec in packages_from_pip_command(text_line):
                    line = _line_of(file, name, run.line)
                    asset = _package_asset(file, "pypi", name, spec, line, "Dockerfile")
                    if asset is not None:
                        yield asset
            if "install" in text_line or "add" in text_line:
                for name, version in _npm_installs(text_line):
                    line = _line_of(file, name, run.line)
                    asset = _package_asset(file, "npm", name, version, line, "Dockerfile")
                    if asset is not None:
                        yield asset


# --- compose ----------------------------------------------------------------------------------------------------


def _load_yaml(text: str, what: str) -> list[object]:
    try:
        return load_yaml_documents(text)
    except StructuredError as exc:
        raise AnalysisError(f"{what}: {exc}") from None


def _compose_records(file: FileContent) -> Iterator[Record]:
    if "image" not in file.text:
        return
    for document in _load_yaml(file.text, "compose file"):
        for service in compose_services(document):
            info = match_image(service.image)
            if info is None:
                continue
            sighting = _sighting(info, service.name, "compose-service", "compose", service.line)
            sighting.images.append(service.image)
            sighting.container_ports.extend(service.container_ports)
            sighting.published.extend(service.published)
            yield from _records(file, sighting)


# --- Kubernetes -------------------------------------------------------------------------------------------------


def _workload_sightings(workload: Workload, services: Sequence[ExposedService]) -> list[_ServiceSighting]:
    by_product: dict[str, _ServiceSighting] = {}
    unclaimed = []
    for container in workload.containers:
        info = match_image(container.image)
        if info is None:
            unclaimed.append(container)
            continue
        sighting = by_product.get(info.product)
        if sighting is None:
            sighting = _sighting(info, workload.name, workload.kind, "kubernetes", container.line)
            by_product[info.product] = sighting
        sighting.images.append(container.image)
        sighting.container_ports.extend(container.ports)
        sighting.published.extend(container.host_ports)
    crd = workload.crd_product
    if crd is not None:
        sighting = by_product.get(crd.product)
        if sighting is None:
            sighting = _ServiceSighting(
                crd.product, crd.category, AssetKind.SERVICE, workload.name, workload.kind, "kubernetes", workload.line
            )
            by_product[crd.product] = sighting
        for container in unclaimed:
            sighting.images.append(container.image)
            sighting.container_ports.extend(container.ports)
            sighting.published.extend(container.host_ports)
        if workload.model_uris:
            sighting.extra["model_uris"] = sorted({redact_url(uri) for uri, _ in workload.model_uris})
    for sighting in by_product.values():
        if workload.namespace:
            sighting.extra["namespace"] = workload.namespace
        for service in services:
            if service.selects(workload):
                sighting.published.extend(service.ports)
                sighting.exposed_by.append(f"{service.type} Service {service.name}")
    return list(by_product.values())


def _model_records(file: FileContent, workload: Workload, service_ids: Sequence[str]) -> Iterator[Record]:
    """Hugging Face models named by ``hf://`` storage URIs, SERVED by the workload's services."""
    for uri, line in workload.model_uris:
        # the same reading of an hf:// URI as model ids in configs (discover.model_ids), so the two merge
        model_id = hub_repo_id(uri[5:].split(":", 1)[0].rstrip("/")) if uri.lower().startswith("hf://") else None
        if model_id is None:
            continue
        model = Asset(
            kind=AssetKind.MODEL,
            name=model_id,
            key=f"model:huggingface:{model_id}".lower(),
            locations=(file_location(file, line),),
            properties={"provider": "huggingface", "source": "kubernetes", "uri": uri},
        )
        yield model
        for service_id in service_ids:
            yield Relation(service_id, RelationKind.SERVES, model.id, file_location(file, line))


def _template_records(file: FileContent) -> Iterator[Record]:
    """Unrendered Helm templates are not YAML: fall back to literal ``image:`` lines."""
    stem = PurePosixPath(file.ref.relpath).stem
    for match in _TEMPLATE_IMAGE.finditer(file.text):
        image = parse_image(match.group(1))
        info = match_image(image) if image is not None else None
        if image is None or info is None:
            continue
        line = file.text.count("\n", 0, match.start(1)) + 1
        sighting = _sighting(info, stem, "helm-template", "kubernetes", line)
        sighting.images.append(image)
        yield from _records(file, sighting)


def _kubernetes_records(file: FileContent) -> Iterator[Record]:
    text = file.text
    if not _looks_like_kubernetes(text):
        return
    try:
        documents = load_yaml_documents(text)
    except StructuredError as exc:
        if "{{" in text:
            yield from _template_records(file)
            return
        raise AnalysisError(f"Kubernetes manifest: {exc}") from None
    objects = list(kubernetes_objects(documents))
    services = [s for s in (exposed_service_of(o) for o in objects) if s is not None]
    for obj in objects:
        workload = workload_of(obj)
        if workload is None:
            continue
        service_ids: list[str] = []
        for sighting in _workload_sightings(workload, services):
            for record in _records(file, sighting):
                if isinstance(record, Asset) and record.kind in (AssetKind.SERVICE, AssetKind.VECTOR_DB):
                    service_ids.append(record.id)
                yield record
        yield from _model_records(file, workload, service_ids)


class ContainerAnalyser(Analyser):
    """AI products run as containers, the ports they publish, and AI packages installed into images."""

    name = "containers"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return is_dockerfile(ref) or ref.suffix in (".yaml", ".yml")

    def analyse(self, file: FileContent) -> Iterable[Record]:
        if not file.text:
            return ()
        if is_dockerfile(file.ref):
            return _dockerfile_records(file)
        if is_compose_file(file.ref) or _looks_like_compose(file.text):
            return _compose_records(file)
        return _kubernetes_records(file)
