"""AI provider API hosts in any code or config file: the network-level sign that software calls a provider.

Host names come from ``providers.yaml`` (a leading or inner ``*`` is one host label, so ``*.openai.azure.com``
matches ``myres.openai.azure.com``).  Matching is by whole host name: ``notapi.openai.com`` and
``api.openai.com.evil.io`` are not ``api.openai.com``.  Local model servers (Ollama) are recognised by their
well-known port on a loopback or container host name, or by their environment variable names.

Speed matters because every code and config file passes through here: one cheap regex finds the top-level
domains that catalogue hosts end in (``.com``, ``.ai`` ...), and only those few places are widened into a full
host name and looked up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache

from msgspec import Struct

from aispm.analyser import Analyser, Record, file_location
from aispm.discover.catalogue import load_catalogue
from aispm.files.content import FileContent, LineIndex
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Location

CODE_SUFFIXES = frozenset(
    {
        ".py", ".pyi", ".pyw", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".vue", ".svelte",
        ".astro", ".go", ".java", ".kt", ".kts", ".scala", ".groovy", ".gradle", ".rb", ".php", ".cs", ".fs",
        ".vb", ".rs", ".swift", ".m", ".mm", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".dart", ".lua",
        ".r", ".jl", ".pl", ".pm", ".ex", ".exs", ".erl", ".clj", ".cljs", ".elm", ".hs", ".ml", ".zig", ".nim",
        ".sh", ".bash", ".zsh", ".fish", ".ksh", ".ps1", ".psm1", ".bat", ".cmd", ".sql",
    }
)  # fmt: skip
CONFIG_SUFFIXES = frozenset(
    {
        ".env", ".yaml", ".yml", ".json", ".jsonc", ".json5", ".toml", ".ini", ".cfg", ".conf", ".config",
        ".properties", ".tf", ".tfvars", ".hcl", ".xml", ".plist", ".nix", ".tpl", ".gotmpl", ".bicep",
    }
)  # fmt: skip
CONFIG_NAMES = frozenset(
    {
        "dockerfile", "containerfile", "makefile", "gnumakefile", "jenkinsfile", "procfile", "vagrantfile",
        "modelfile", "caddyfile", "justfile", "taskfile", ".env", ".envrc", ".bashrc", ".zshrc", ".profile",
        ".npmrc", ".yarnrc", ".netrc",
    }
)  # fmt: skip
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".tmpl", ".dist", ".j2", ".jinja", ".jinja2", ".local")
"""Wrapping suffixes of config templates (``settings.yaml.example``): the inner suffix decides."""
LOCKFILE_NAMES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "composer.lock",
        "pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock", "cargo.lock", "gemfile.lock", "go.sum",
        "packages.lock.json", "deno.lock", "flake.lock", "conda-lock.yml", ".terraform.lock.hcl", "bun.lock",
    }
)  # fmt: skip
MINIFIED_ENDINGS = (".min.js", ".min.mjs", ".min.css", "-min.js", ".bundle.js", ".chunk.js")
C_FAMILY_SUFFIXES = frozenset({".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".m", ".mm", ".cs"})
"""Languages where a leading ``#`` is a preprocessor line, not a comment."""
DASH_COMMENT_SUFFIXES = frozenset({".sql", ".lua", ".hs", ".elm"})
SEMICOLON_COMMENT_SUFFIXES = frozenset({".ini", ".cfg", ".conf", ".config", ".properties", ".clj", ".cljs"})

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal", "[::1]")  # noqa: S104
MAX_LOCATIONS_PER_PROVIDER = 50
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_TEMPLATE_LABEL = "x"
"""What a template placeholder (``{resource}``, ``${REGION}``) stands for when matching a wildcard label."""
_MAX_HOST_LENGTH = 253


class HostMatcher(Struct, frozen=True):
    """Everything needed to recognise catalogue hosts, built once per process."""

    tld_regex: re.Pattern[str]
    exact: dict[str, str]
    """Exact host -> provider id."""
    wildcard: re.Pattern[str] | None
    """Full-match regex of the wildcard hosts; the named group that matched is the provider (``p0``, ``p1``)."""
    wildcard_providers: dict[str, str]
    local_port_regex: re.Pattern[str] | None
    """Finds ``:port`` of a local model server; the host before it is checked by :func:`_local_host_before`."""
    local_ports: dict[str, str]
    """Port -> provider id for local model servers."""
    env_regex: re.Pattern[str] | None
    env_names: dict[str, str]
    """Environment variable name -> provider id for local model servers."""


def _wildcard_pattern(host: str) -> str:
    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    parts = []
    for position, part in enumerate(host.split(".")):
        if part == "*":
            # a leading "*." is any sub-domain (one or more labels); an inner "*" is one label (a region)
            parts.append(rf"(?:{label}\.)*{label}" if position == 0 else label)
        elif "*" in part:
            parts.append(re.escape(part).replace(r"\*", "[a-z0-9][a-z0-9-]*"))
        else:
            parts.append(re.escape(part))
    return r"\.".join(parts)


@cache
def host_matcher() -> HostMatcher:
    """Index the catalogue's hosts, ports and local-server variable names (once per process)."""
    catalogue = load_catalogue()
    exact: dict[str, str] = {}
    wildcard_parts: list[str] = []
    wildcard_providers: dict[str, str] = {}
    tlds: set[str] = set()
    local_ports: dict[str, str] = {}
    env_names: dict[str, str] = {}
    for provider in catalogue.providers.values():
        for host in provider.hosts:
            tlds.add(host.rsplit(".", 1)[-1])
            if "*" in host:
                group = f"p{len(wildcard_parts)}"
                wildcard_parts.append(f"(?P<{group}>{_wildcard_pattern(host)})")
                wildcard_providers[group] = provider.id
            else:
                exact[host] = provider.id
        if provider.ports:
            for port in provider.ports:
                local_ports[str(port)] = provider.id
            for name in provider.env:
                env_names[name] = provider.id
    # lower and upper case spelled out: faster than re.IGNORECASE, which defeats the literal-prefix search
    tld_alternatives = "|".join(sorted(re.escape(t) for tld in tlds for t in (tld, tld.upper())))
    tld_regex = re.compile(r"\.(?:" + tld_alternatives + r")(?![\w-]|\.[A-Za-z0-9])")
    wildcard = re.compile("|".join(wildcard_parts)) if wildcard_parts else None
    local_port_regex = None
    if local_ports:
        # the literal ':port' comes first so the regex engine can skip quickly to candidates
        local_port_regex = re.compile(r":(?P<port>" + "|".join(sorted(local_ports)) + r")(?!\d)")
    env_regex = re.compile(r"\b(?:" + "|".join(sorted(env_names)) + r")\b") if env_names else None
    return HostMatcher(
        tld_regex, exact, wildcard, wildcard_providers, local_port_regex, local_ports, env_regex, env_names
    )


def _inner_suffix(name: str) -> tuple[str, str]:
    """The name and suffix that decide a file's type, seeing through template wrappers (``x.yaml.example``)."""
    for wrapper in TEMPLATE_SUFFIXES:
        if name.endswith(wrapper) and name != wrapper:
            name = name[: -len(wrapper)]
            break
    dot = name.rfind(".")
    return name, name[dot:] if dot > 0 else ""


def is_code_or_config(ref: FileRef) -> bool:
    """Text files of code and configuration; not prose documents, lockfiles or minified bundles."""
    name = ref.name_lower
    if name in LOCKFILE_NAMES or name.endswith(MINIFIED_ENDINGS) or name.endswith(".map"):
        return False
    if name in CONFIG_NAMES or name.startswith((".env.", "dockerfile.", "containerfile.")):
        return True
    if name.endswith((".dockerfile", ".containerfile", ".modelfile", ".mk")):
        return True
    inner_name, suffix = _inner_suffix(name)
    return suffix in CODE_SUFFIXES or suffix in CONFIG_SUFFIXES or inner_name in CONFIG_NAMES


def looks_minified(text: str) -> bool:
    """Very long lines in a large file mean generated or minified content, not code anyone configured."""
    return len(text) > 20_000 and text.count("\n") * 1000 < len(text)


def is_comment_line(line: str, suffix: str) -> bool:
    """True when ``line`` holds only a comment (prose about a provider is not a use of it)."""
    stripped = line.lstrip()
    if stripped.startswith(("//", "/*", "<!--")) or stripped in ("*", "*/") or stripped.startswith(("* ", "*/")):
        return True
    if stripped.startswith("#"):
        return suffix not in C_FAMILY_SUFFIXES
    if suffix in DASH_COMMENT_SUFFIXES and stripped.startswith("--"):
        return True
    if suffix in SEMICOLON_COMMENT_SUFFIXES and stripped.startswith(";"):
        return True
    return suffix in (".bat", ".cmd") and stripped.lower().startswith(("rem ", "::"))


def _host_start(text: str, end: int) -> int:
    """Walk back from ``end`` over host characters and template placeholders; return where the host begins."""
    start = end
    limit = max(0, end - _MAX_HOST_LENGTH)
    while start > limit:
        char = text[start - 1]
        if char in _HOST_CHARS:
            start -= 1
        elif char == "}":
            opening = text.rfind("{", limit, start - 1)
            inner = text[opening + 1 : start - 1] if opening != -1 else ""
            if opening == -1 or not inner or not all(c.isalnum() or c in "_." for c in inner):
                break
            start = opening - 1 if opening > 0 and text[opening - 1] == "$" else opening
        else:
            break
    return start


_PLACEHOLDER = re.compile(r"\$?\{[\w.]+\}")


def provider_of_host(host: str, matcher: HostMatcher) -> str | None:
    """The provider whose API host ``host`` is (exact, or a wildcard host with placeholders as labels)."""
    provider = matcher.exact.get(host)
    if provider is not None or matcher.wildcard is None:
        return provider
    match = matcher.wildcard.fullmatch(_PLACEHOLDER.sub(_TEMPLATE_LABEL, host))
    if match is None or match.lastgroup is None:
        return None
    return matcher.wildcard_providers[match.lastgroup]


class EndpointHit(Struct, frozen=True):
    provider: str
    offset: int
    host: str = ""
    env: str = ""


def find_provider_hosts(text: str) -> Iterator[EndpointHit]:
    """Every catalogue host in ``text`` (whole host names only), with its provider and offset."""
    matcher = host_matcher()
    for match in matcher.tld_regex.finditer(text):
        end = match.end()
        start = _host_start(text, match.start())
        if start == match.start() or (start > 0 and text[start - 1] in "_\\"):
            continue
        host = text[start:end].lower()
        provider = provider_of_host(host, matcher)
        if provider is not None:
            yield EndpointHit(provider, start, host=host)


def _local_host_before(text: str, colon: int, provider: str) -> str | None:
    """The loopback or container host name right before ``colon`` (``localhost`` in ``localhost:11434``)."""
    window = text[max(0, colon - 40) : colon].lower()
    for host in (*LOOPBACK_HOSTS, provider):
        if window.endswith(host):
            before = colon - len(host) - 1
            if before < 0 or not (text[before].isalnum() or text[before] in "_.-"):
                return host
    return None


def find_local_servers(text: str) -> Iterator[EndpointHit]:
    """Local model servers: their port on a loopback/container host, or their environment variable names."""
    matcher = host_matcher()
    if matcher.local_port_regex is not None and any(port in text for port in matcher.local_ports):
        for match in matcher.local_port_regex.finditer(text):
            provider = matcher.local_ports[match.group("port")]
            host = _local_host_before(text, match.start(), provider)
            if host is not None:
                yield EndpointHit(provider, match.start() - len(host), host=f"{host}:{match.group('port')}")
    if matcher.env_regex is not None and any(name in text for name in matcher.env_names):
        for match in matcher.env_regex.finditer(text):
            yield EndpointHit(matcher.env_names[match.group(0)], match.start(), env=match.group(0))


class ProviderEndpointAnalyser(Analyser):
    """Provider API hosts (and local model-server addresses) in code and configuration files."""

    name = "provider-endpoints"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return is_code_or_config(ref)

    def analyse(self, file: FileContent) -> Iterable[Record]:
        text = file.text
        if not text or looks_minified(text):
            return
        hits = [*find_provider_hosts(text), *find_local_servers(text)]
        if not hits:
            return
        index = LineIndex.of(text)
        suffix = _inner_suffix(file.ref.name_lower)[1]
        by_provider: dict[str, _Sightings] = {}
        for hit in sorted(hits, key=lambda h: h.offset):
            line_no = index.line_of(hit.offset)
            if is_comment_line(file.line(line_no), suffix):
                continue
            by_provider.setdefault(hit.provider, _Sightings()).add(hit, file_location(file, line_no))
        catalogue = load_catalogue()
        for provider_id, seen in sorted(by_provider.items()):
            properties: dict[str, object] = {
                "provider": provider_id,
                "hosts": sorted(seen.hosts),
                "evidence": "endpoint",
            }
            if seen.env:
                properties["env"] = sorted(seen.env)
            yield Asset(
                kind=AssetKind.PROVIDER,
                name=catalogue.providers[provider_id].name,
                key=f"provider:{provider_id}",
                locations=tuple(seen.locations),
                properties=properties,
            )


class _Sightings:
    """What one file shows of one provider: hosts, variable names and the lines they are on."""

    __slots__ = ("env", "hosts", "locations")

    def __init__(self) -> None:
        self.hosts: set[str] = set()
        self.env: set[str] = set()
        self.locations: list[Location] = []

    def add(self, hit: EndpointHit, location: Location) -> None:
        if hit.host:
            self.hosts.add(hit.host)
        if hit.env:
            self.env.add(hit.env)
        if location not in self.locations and len(self.locations) < MAX_LOCATIONS_PER_PROVIDER:
            self.locations.append(location)
