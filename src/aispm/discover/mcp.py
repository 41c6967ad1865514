"""MCP client configurations: which Model Context Protocol servers an agent may start or reach, and how.

Every server in a client's config (Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Cline, Roo Code, Gemini
CLI, Zed, Continue, Codex, opencode ...) becomes an ``mcp-server`` asset with its transport, launcher, package and
version, URL, and the *names* of its environment variables and headers (values are never stored: they are where
people put their tokens).  The client becomes an ``agent`` asset that USES each server.  Two findings: a package
fetched on every start without a pinned version (AISPM-MCP-001), and a package whose name imitates a well-known
MCP package (AISPM-MCP-002).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml
from msgspec import Struct

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.catalogue import normalise_package
from aispm.discover.launchers import Launch, launch_properties, mcp_server_key, mcp_server_target, parse_launch
from aispm.discover.near_miss import near_miss
from aispm.discover.redact import redact_arguments, redact_command, redact_url
from aispm.files.content import FileContent, LineIndex
from aispm.files.structured import (
    LineDict,
    LineList,
    StructuredError,
    load_json,
    load_yaml_documents,
    strip_json_comments,
)
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, JSONValue, Relation, RelationKind
from aispm.rules import get_rule

MAX_SERVERS = 1000
MAX_EVIDENCE = 240
_PACKAGE_BOILERPLATE = frozenset({"mcp", "server", "servers"})
_TRANSPORTS = {
    "stdio": "stdio",
    "local": "stdio",
    "sse": "sse",
    "http": "http",
    "remote": "http",
    "streamable-http": "streamable-http",
    "streamable_http": "streamable-http",
    "streamablehttp": "streamable-http",
}


class McpClient(Struct, frozen=True):
    id: str
    name: str


CLAUDE_DESKTOP = McpClient("claude-desktop", "Claude Desktop")
CLAUDE_CODE = McpClient("claude-code", "Claude Code")
CURSOR = McpClient("cursor", "Cursor")
VS_CODE = McpClient("vscode", "VS Code")
WINDSURF = McpClient("windsurf", "Windsurf")
CLINE = McpClient("cline", "Cline")
ROO_CODE = McpClient("roo-code", "Roo Code")
GEMINI_CLI = McpClient("gemini-cli", "Gemini CLI")
ZED = McpClient("zed", "Zed")
CONTINUE = McpClient("continue", "Continue")
CODEX = McpClient("codex", "Codex CLI")
OPENCODE = McpClient("opencode", "opencode")
AMAZON_Q = McpClient("amazon-q", "Amazon Q Developer")
KIRO = McpClient("kiro", "Kiro")
GENERIC = McpClient("mcp-client", "MCP client")

_MCP_JSON_BY_DIRECTORY = {".cursor": CURSOR, ".vscode": VS_CODE, ".roo": ROO_CODE, ".amazonq": AMAZON_Q}


def client_of(ref: FileRef) -> McpClient | None:
    """The MCP client whose configuration ``ref`` is, judged by name and directory only; ``None`` if none."""
    name = ref.name_lower
    parent = ref.path.parent.name.lower()
    grandparent = ref.path.parent.parent.name.lower()
    directories = {part.lower() for part in ref.parts[:-1]} | {parent}
    if name == "claude_desktop_config.json":
        return CLAUDE_DESKTOP
    if name in (".mcp.json", ".claude.json") or (
        parent == ".claude" and name.startswith("settings") and name.endswith(".json")
    ):
        return CLAUDE_CODE
    if name == "mcp.json":
        if parent == "settings" and grandparent == ".kiro":
            return KIRO
        if parent == "user" and grandparent in ("code", "code - insiders", "vscodium"):
            return VS_CODE
        return _MCP_JSON_BY_DIRECTORY.get(parent, GENERIC)
    if name == "mcp_config.json":
        return WINDSURF if directories & {"windsurf", ".windsurf", ".codeium"} else GENERIC
    if name == "cline_mcp_settings.json":
        return CLINE
    if name == "mcp_settings.json":
        return ROO_CODE if any("roo" in d for d in directories) else GENERIC
    if name == "settings.json":
        if parent == ".gemini":
            return GEMINI_CLI
        if parent in (".zed", "zed"):
            return ZED
        if parent == ".vscode":
            return VS_CODE
        return None
    if ".continue" in directories and (
        (parent == ".continue" and name in ("config.yaml", "config.yml", "config.json"))
        or (parent == "mcpservers" and ref.suffix in (".yaml", ".yml", ".json"))
    ):
        return CONTINUE
    if name == "config.toml" and parent == ".codex":
        return CODEX
    if name in ("opencode.json", "opencode.jsonc"):
        return OPENCODE
    return None


# --- reading the formats --------------------------------------------------------------------------------------


class ServerEntry(Struct, frozen=True):
    name: str
    spec: Mapping[str, Any]
    line: int


class _JsonLines(Struct):
    """Finds lines in JSON/TOML text, whose parsers keep no positions, by searching forward from a cursor."""

    text: str
    index: LineIndex
    cursor: int = 0

    @classmethod
    def of(cls, text: str) -> _JsonLines:
        return cls(text, LineIndex.of(text))

    def advance_to(self, needle: str) -> int:
        """Move the cursor to the next ``needle`` and return its line (the cursor's line when not found)."""
        offset = self.text.find(needle, self.cursor)
        if offset != -1:
            self.cursor = offset + len(needle)
        return self.index.line_of(self.cursor if offset == -1 else offset)

    def peek(self, needle: str) -> int:
        offset = self.text.find(needle, self.cursor)
        return self.index.line_of(self.cursor if offset == -1 else offset)


def _json_key(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def _named_entries(table: Mapping[str, Any], lines: _JsonLines) -> Iterator[ServerEntry]:
    for name, spec in table.items():
        if isinstance(spec, Mapping):
            yield ServerEntry(str(name), spec, lines.advance_to(_json_key(str(name))))


def _json_tables(data: Any, client: McpClient) -> Iterator[tuple[str, Any]]:
    """(key that holds servers, the servers) for each server table in a parsed JSON config, in document order."""
    if not isinstance(data, Mapping):
        return
    if client is ZED:
        yield "context_servers", data.get("context_servers")
        return
    if client is OPENCODE:
        yield "mcp", data.get("mcp")
        return
    if client is VS_CODE and isinstance(data.get("mcp"), Mapping):
        yield "servers", data["mcp"].get("servers")
    for key in ("mcpServers", "servers"):
        if key in data:
            yield key, data[key]
    projects = data.get("projects")
    if client is CLAUDE_CODE and isinstance(projects, Mapping):
        for project in projects.values():
            if isinstance(project, Mapping) and "mcpServers" in project:
                yield "mcpServers", project["mcpServers"]


def _continue_json_entries(data: Any, lines: _JsonLines) -> Iterator[ServerEntry]:
    """Continue's older ``experimental.modelContextProtocolServers`` list of ``{transport: {...}}``."""
    experimental = data.get("experimental") if isinstance(data, Mapping) else None
    servers = experimental.get("modelContextProtocolServers") if isinstance(experimental, Mapping) else None
    if not isinstance(servers, list):
        return
    lines.advance_to('"modelContextProtocolServers"')
    for index, item in enumerate(servers):
        transport = item.get("transport") if isinstance(item, Mapping) else None
        if isinstance(transport, Mapping):
            name = str(item.get("name") or transport.get("command") or transport.get("url") or f"server-{index}")
            yield ServerEntry(name, transport, lines.advance_to('"transport"'))


def _json_entries(text: str, client: McpClient) -> list[ServerEntry]:
    try:
        data = load_json(text, allow_comments=True)
    except StructuredError as exc:
        raise AnalysisError(str(exc)) from None
    lines = _JsonLines.of(strip_json_comments(text))  # same line numbers, and a commented-out server is not found
    entries: list[ServerEntry] = []
    for key, table in _json_tables(data, client):
        if isinstance(table, Mapping):
            lines.advance_to(_json_key(key))
            entries.extend(_named_entries(table, lines))
        elif isinstance(table, list):  # a list of {name: ..., command: ...} (some clients accept this form)
            lines.advance_to(_json_key(key))
            for item in table:
                if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                    entries.append(ServerEntry(item["name"], item, lines.advance_to(_json_key(item["name"]))))
    if client is CONTINUE:
        entries.extend(_continue_json_entries(data, lines))
    return entries


def _yaml_entries(text: str) -> list[ServerEntry]:
    """Continue's YAML: ``mcpServers`` is a list of ``{name, command, args, env, type, url}`` (or a mapping)."""
    try:
        documents = load_yaml_documents(text)
    except StructuredError as exc:
        raise AnalysisError(str(exc)) from None
    entries: list[ServerEntry] = []
    for document in documents:
        servers = document.get("mcpServers") if isinstance(document, LineDict) else None
        if isinstance(servers, LineList):
            for index, item in enumerate(servers):
                if isinstance(item, LineDict):
                    name = item.get("name") or item.get("uses") or f"server-{index}"
                    entries.append(ServerEntry(str(name), item, servers.line_of(index)))
        elif isinstance(servers, LineDict):
            for name, spec in servers.items():
                if isinstance(spec, LineDict):
                    entries.append(ServerEntry(str(name), spec, servers.line_of(name)))
    return entries


def _toml_entries(text: str) -> list[ServerEntry]:
    """Codex's ``[mcp_servers.NAME]`` tables."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AnalysisError(f"invalid TOML: {exc}") from None
    servers = data.get("mcp_servers")
    if not isinstance(servers, dict):
        return []
    index = LineIndex.of(text)
    entries = []
    for name, spec in list(servers.items())[:MAX_SERVERS]:  # each name is searched for in the whole text
        if not isinstance(spec, dict):
            continue
        header = re.compile(rf"^[ \t]*\[[ \t]*mcp_servers[ \t]*\.[ \t]*[\"']?{re.escape(name)}[\"']?[ \t]*\]", re.M)
        match = header.search(text) or re.search(re.escape(name), text)
        entries.append(ServerEntry(name, spec, index.line_of(match.start()) if match else 1))
    return entries


# --- one server -----------------------------------------------------------------------------------------------


class McpServer(Struct, frozen=True):
    """A server entry made fit to store: what runs or is reached, never a credential."""

    name: str
    transport: str
    command: str | None
    arguments: tuple[str, ...]
    launch: Launch | None
    url: str | None
    env_names: tuple[str, ...]
    header_names: tuple[str, ...]
    disabled: bool
    line: int

    @property
    def target(self) -> str:
        """What identifies the server besides its name: launcher and package, the URL, or the local command."""
        return mcp_server_target(self.launch, self.url, self.command, self.arguments)

    @property
    def command_line(self) -> str:
        text = " ".join([self.command or "", *self.arguments]).strip()
        return text if len(text) <= MAX_EVIDENCE else text[: MAX_EVIDENCE - 3] + "..."


def _names(value: Any) -> list[str]:
    """Names of a mapping's keys, or of a list of names / ``NAME=value`` strings; never the values."""
    if isinstance(value, Mapping):
        return [str(k) for k in value]
    if isinstance(value, list):
        return [str(v).split("=", 1)[0] for v in value if isinstance(v, str | int)]
    return []


def _string_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    if isinstance(value, str):
        return [value]
    return []


def _command_and_args(spec: Mapping[str, Any]) -> tuple[str | None, list[str], list[str]]:
    """(command, args, env names) from the shapes clients use: string + args, a list (opencode), an object (Zed)."""
    command = spec.get("command")
    args = _string_list(spec.get("args"))
    env_names: list[str] = []
    if isinstance(command, Mapping):  # Zed: {"command": {"path": ..., "args": [...], "env": {...}}}
        env_names = _names(command.get("env"))
        args = _string_list(command.get("args")) or args
        command = command.get("path") or command.get("command")
    elif isinstance(command, list):  # opencode: {"command": ["npx", "-y", "pkg"]}
        words = _string_list(command)
        command, args = (words[0], words[1:] + args) if words else (None, args)
    return (str(command) if isinstance(command, str) and command.strip() else None), args, env_names


def _transport(spec: Mapping[str, Any], command: str | None, url: str | None) -> str:
    declared = spec.get("type") or spec.get("transport") or spec.get("transportType")
    if isinstance(declared, Mapping):
        declared = declared.get("type")
    if isinstance(declared, str) and declared.strip().lower() in _TRANSPORTS:
        return _TRANSPORTS[declared.strip().lower()]
    if spec.get("httpUrl"):
        return "streamable-http"
    if spec.get("source") == "extension":
        return "extension"
    if url:
        return "sse" if re.search(r"/sse/?(?:$|\?)", url) else "http"
    if command:
        return "stdio"
    return "unknown"


def describe_server(entry: ServerEntry) -> McpServer:
    spec = entry.spec
    command, args, env_names = _command_and_args(spec)
    raw_url = next((spec[k] for k in ("url", "serverUrl", "httpUrl", "endpoint") if isinstance(spec.get(k), str)), None)
    env_names += _names(spec.get("env")) + _names(spec.get("environment")) + _names(spec.get("env_vars"))
    headers = _names(spec.get("headers")) + _names(spec.get("http_headers")) + _names(spec.get("env_http_headers"))
    env_http = spec.get("env_http_headers")
    if isinstance(env_http, Mapping):
        env_names += [str(v) for v in env_http.values() if isinstance(v, str)]
    if isinstance(spec.get("bearer_token_env_var"), str):
        env_names.append(spec["bearer_token_env_var"])
    launch = parse_launch(command, args) if command else None
    transport = _transport(spec, command, raw_url)
    if launch is not None:
        env_names += list(launch.env_names)
        raw_url = raw_url or launch.remote_url  # a local proxy (mcp-remote) to a remote server
    return McpServer(
        name=entry.name,
        transport=transport,
        command=redact_command(command) if command else None,
        arguments=tuple(redact_arguments(args)),
        launch=launch,
        url=redact_url(raw_url) if raw_url else None,
        env_names=tuple(sorted(set(env_names))),
        header_names=tuple(sorted(set(headers))),
        disabled=spec.get("disabled") is True or spec.get("enabled") is False,
        line=entry.line,
    )


_PLACEHOLDER = re.compile(r"<[^<>]*>|\{\{|\.\.\.|path/to/|(?:^|[/@ ])your[-_]", re.I)
"""``<your-package>``, ``{{ url }}``, ``/path/to/server``, ``your-mcp-server``: a documentation example to fill in."""


def is_placeholder_server(server: McpServer) -> bool:
    """A server entry from documentation whose package, URL or command is still a placeholder."""
    return bool(_PLACEHOLDER.search(server.target))


# --- well-known packages and near misses ----------------------------------------------------------------------


class _KnownMcp(Struct, frozen=True):
    npm_scopes: frozenset[str]
    npm_packages: frozenset[str]
    pypi_packages: frozenset[str]
    docker_images: frozenset[str]
    docker_namespaces: frozenset[str]


@cache
def _known_mcp() -> _KnownMcp:
    text = (resources.files("aispm.discover") / "catalogue" / "mcp.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    npm = data.get("npm") or {}
    images = frozenset(str(i).lower() for i in (data.get("docker") or {}).get("images") or [])
    return _KnownMcp(
        npm_scopes=frozenset(str(s).lower().lstrip("@") for s in npm.get("scopes") or []),
        npm_packages=frozenset(str(p).lower() for p in npm.get("packages") or []),
        pypi_packages=frozenset(
            normalise_package("pypi", str(p)) for p in (data.get("pypi") or {}).get("packages") or []
        ),
        docker_images=images,
        docker_namespaces=frozenset(i.rsplit("/", 1)[0] for i in images if "/" in i),
    )


def imitated_package(launch: Launch) -> str | None:
    """The well-known MCP package (or scope/namespace) that ``launch``'s package imitates, if any."""
    known = _known_mcp()
    package = (launch.package or "").lower()
    if not package or "://" in package:
        return None
    if launch.ecosystem == "npm":
        if package.startswith("@") and "/" in package:
            scope = package[1:].split("/", 1)[0]
            if scope in known.npm_scopes:
                return None  # scopes are owned: everything under a genuine scope is the publisher's
            hit = near_miss(scope, known.npm_scopes)
            return f"@{hit}" if hit else None
        return near_miss(package, [p for p in known.npm_packages if not p.startswith("@")], _PACKAGE_BOILERPLATE)
    if launch.ecosystem == "pypi":
        return near_miss(normalise_package("pypi", package), known.pypi_packages, _PACKAGE_BOILERPLATE)
    if launch.ecosystem == "docker" and "/" in package:
        if package in known.docker_images:
            return None
        namespace = package.rsplit("/", 1)[0]
        if namespace in known.docker_namespaces:
            return None
        return near_miss(namespace, known.docker_namespaces)
    return None


# --- the analyser ---------------------------------------------------------------------------------------------


def _server_asset(file: FileContent, server: McpServer, client: McpClient) -> Asset:
    launch = server.launch
    properties: dict[str, JSONValue] = {
        "transport": server.transport,
        "client": client.name,
        "source": file.ref.name,
        "env": list(server.env_names),
        "headers": list(server.header_names),
    }
    if server.command:
        properties["command"] = server.command
        properties["args"] = list(server.arguments)
    if server.url:
        properties["url"] = server.url
    if launch is not None:
        properties.update(launch_properties(launch))
    if server.disabled:
        properties["disabled"] = True
    return Asset(
        kind=AssetKind.MCP_SERVER,
        name=server.name,
        key=mcp_server_key(server.name, server.target),
        version=launch.version if launch is not None and launch.package else None,
        locations=(file_location(file, server.line),),
        properties=properties,
    )


def _findings(file: FileContent, server: McpServer, asset: Asset) -> Iterator[Record]:
    launch = server.launch
    if launch is None or not launch.package:
        return
    location = file_location(file, server.line)
    identity = f"{server.name}:{launch.package}"
    if launch.pinned is False:
        floating = f" ({launch.version})" if launch.version else ""
        yield get_rule("AISPM-MCP-001").finding(
            message=(
                f"MCP server '{server.name}' runs {launch.package}{floating} through {launch.runner} without a pinned"
                " version: every start may fetch different code"
            ),
            location=location,
            asset_id=asset.id,
            evidence=server.command_line,
            identity=identity,
            properties={"package": launch.package, "ecosystem": launch.ecosystem, "runner": launch.runner},
        )
    imitated = imitated_package(launch)
    if imitated is not None:
        yield get_rule("AISPM-MCP-002").finding(
            message=(
                f"MCP server '{server.name}' runs package '{launch.package}', a near-miss of the well-known "
                f"'{imitated}' (possible typosquat)"
            ),
            location=location,
            asset_id=asset.id,
            evidence=server.command_line,
            identity=identity,
            properties={"package": launch.package, "imitates": imitated, "ecosystem": launch.ecosystem},
        )


_PREFILTER = re.compile(r"mcpServers|\"servers\"|context_servers|\"mcp\"|mcp_servers|modelContextProtocolServers")


class McpConfigAnalyser(Analyser):
    """MCP servers configured for AI clients, with their launch packages, versions and credential names."""

    name = "mcp"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return client_of(ref) is not None

    def analyse(self, file: FileContent) -> Iterable[Record]:
        client = client_of(file.ref)
        text = file.text
        if client is None or not text or not _PREFILTER.search(text):
            return
        if file.ref.suffix in (".yaml", ".yml"):
            entries = _yaml_entries(text)
        elif file.ref.suffix == ".toml":
            entries = _toml_entries(text)
        else:
            entries = _json_entries(text, client)
        if not entries:
            return
        servers = [s for s in map(describe_server, entries[:MAX_SERVERS]) if not is_placeholder_server(s)]
        if not servers:
            return
        agent = Asset(
            kind=AssetKind.AGENT,
            name=client.name,
            key=f"agent:{client.id}:{file.ref.relpath}",
            locations=(file_location(file, min(s.line for s in servers)),),
            properties={
                "client": client.name,
                "framework": "mcp-client",
                "config": file.ref.relpath,
                "mcp_servers": sorted({s.name for s in servers}),
            },
        )
        yield agent
        for server in servers:
            asset = _server_asset(file, server, client)
            yield asset
            yield Relation(agent.id, RelationKind.USES, asset.id, file_location(file, server.line))
            yield from _findings(file, server, asset)
