"""Reading a Docker Compose file into services: image, published ports and lines.

Both port syntaxes are understood: the short ``[HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]`` strings (with
ranges and ``${VAR:-default}`` interpolation) and the long mapping form.  A port is *published* when it is bound
to a host port; ``expose:`` and bare container ports are not published to a known host port.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from msgspec import Struct, field

from aispm.discover.container_images import ImageRef, parse_image, substitute_variables
from aispm.files.structured import LineDict, LineList

MAX_RANGE = 64
"""A published range wider than this is recorded by its first port only (``1-65535`` is not 65535 endpoints)."""


class PublishedPort(Struct, frozen=True):
    host: str
    """The host address the port is bound to; ``0.0.0.0`` (all interfaces) when none is given."""
    port: int
    target: int | None
    protocol: str
    line: int


class ComposeService(Struct, frozen=True):
    name: str
    image: ImageRef
    line: int
    published: tuple[PublishedPort, ...] = ()
    container_ports: tuple[int, ...] = field(default_factory=tuple)


def _port_number(text: str) -> int | None:
    text = text.strip()
    if text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    return None


def _port_range(text: str) -> list[int]:
    start_text, sep, end_text = text.partition("-")
    start = _port_number(start_text)
    if start is None:
        return []
    if not sep:
        return [start]
    end = _port_number(end_text)
    if end is None or end < start:
        return [start]
    if end - start >= MAX_RANGE:
        return [start]
    return list(range(start, end + 1))


def _split_host(spec: str) -> tuple[str | None, str, str | None]:
    """(host ip, host port part, container part) of a short-syntax port; host parts may be None/''."""
    host: str | None = None
    if spec.startswith("["):  # [::1]:8080:80
        close = spec.find("]")
        host, spec = spec[1:close], spec[close + 2 :]
    pieces = spec.split(":")
    if len(pieces) == 1:
        return host, "", pieces[0]
    if len(pieces) == 2:
        return host, pieces[0], pieces[1]
    return ":".join(pieces[:-2]) if host is None else host, pieces[-2], pieces[-1]


def _short_ports(spec: str, line: int) -> tuple[list[PublishedPort], list[int]]:
    expanded, _ = substitute_variables(spec.strip())
    body, _, protocol = expanded.partition("/")
    host, host_part, container_part = _split_host(body)
    container_ports = _port_range(container_part or "")
    if not host_part:
        return [], container_ports
    host_ports = _port_range(host_part)
    address = host or "0.0.0.0"  # noqa: S104 - what compose binds to when no address is given
    published = []
    for offset, port in enumerate(host_ports):
        target = container_ports[offset] if offset < len(container_ports) else None
        published.append(PublishedPort(address, port, target, protocol or "tcp", line))
    return published, container_ports


def _long_ports(entry: LineDict) -> tuple[list[PublishedPort], list[int]]:
    target = _port_number(substitute_variables(str(entry.get("target", "")))[0])
    container = [target] if target else []
    published_text = substitute_variables(str(entry.get("published", "") or ""))[0]
    if not published_text:
        return [], container
    address = str(entry.get("host_ip") or "0.0.0.0")  # noqa: S104
    protocol = str(entry.get("protocol") or "tcp")
    line = entry.line_of("published")
    return [PublishedPort(address, port, target, protocol, line) for port in _port_range(published_text)], container


def _ports(value: Any) -> tuple[list[PublishedPort], list[int]]:
    published: list[PublishedPort] = []
    container: list[int] = []
    if not isinstance(value, LineList):
        return published, container
    for index, entry in enumerate(value):
        if isinstance(entry, LineDict):
            more, inner = _long_ports(entry)
        elif isinstance(entry, str | int):
            more, inner = _short_ports(str(entry), value.line_of(index))
        else:
            continue
        published.extend(more)
        container.extend(inner)
    return published, container


def compose_services(document: Any) -> Iterable[ComposeService]:
    """Services with an image, from one parsed compose document (anything else yields nothing)."""
    if not isinstance(document, LineDict):
        return
    services = document.get("services")
    if not isinstance(services, LineDict):
        return
    for name, spec in services.items():
        if not isinstance(spec, LineDict):
            continue
        reference = spec.get("image")
        if not isinstance(reference, str):
            continue
        image = parse_image(reference)
        if image is None:
            continue
        published, container = _ports(spec.get("ports"))
        yield ComposeService(
            name=str(name),
            image=image,
            line=spec.line_of("image"),
            published=tuple(published),
            container_ports=tuple(dict.fromkeys(container)),
        )
