"""Python source -> AI usage inventory: packages, providers, models, endpoints, datasets, agents and MCP servers.

The code is parsed with :mod:`ast` and never imported or run.  A compiled regex over the raw text first asks
whether the file imports anything AI at all, so the many files that do not cost one regex search.  Names are
resolved through the file's own imports (``import openai as oa; oa.OpenAI()``), so a class called ``Agent`` or
``Client`` only counts when it comes from an AI package.  String arguments are resolved through assignments and
environment defaults (``os.getenv("MODEL", "gpt-4o")``); model ids count only on an exact catalogue match or a
full Hugging Face id in a place that takes one, never on a substring.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import TypeVar, cast

from msgspec import Struct, field

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.catalogue import Catalogue, PackageInfo, load_catalogue, normalise_package
from aispm.discover.launchers import launch_properties, mcp_server_key, mcp_server_target, parse_launch
from aispm.discover.python_frameworks import (
    AGENT_BUILDERS,
    AGENT_CLASS_FACTORIES,
    AGENT_MODEL_KEYWORDS,
    AI_MODULE_PREFIXES,
    API_VERBS,
    AWS_AI_SERVICES,
    AWS_SDK_MODULES,
    BUILTIN_DATASET_LOADERS,
    DEPLOYMENT_KEYWORDS,
    DETECTOR_MODULES,
    DICT_MODEL_KEYS,
    ENDPOINT_ATTRIBUTES,
    ENDPOINT_KEYWORDS,
    ENV_GETTERS,
    HUB_DOWNLOADS,
    HUB_KEYWORDS,
    LLM_CLIENT_NAME,
    MCP_CLIENT_MODULES,
    MODEL_KEYWORDS,
    MODEL_NAME_HINT,
    POSITIONAL_MODEL_ARGUMENT,
    SENTENCE_TRANSFORMER_CLASSES,
    AgentBuilder,
)
from aispm.discover.redact import redact_arguments, redact_command, redact_url
from aispm.discover.usage_values import (
    DEPLOYMENT_NAME,
    Endpoint,
    ModelRef,
    classify_model,
    is_bare_hub_name,
    is_hub_id,
    parse_endpoint,
    plausible_id,
    provider_of_endpoint,
)
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, JSONValue, Relation, RelationKind, asset_id

NodeT = TypeVar("NodeT", bound=ast.AST)

MAX_RESOLVE_DEPTH = 6
"""How many assignments deep a string is followed (``A = B``, ``B = "gpt-4o"``); also stops cycles."""
MAX_VALUES = 16
"""Upper bound on the candidate strings one expression can resolve to."""
MAX_RESOLUTIONS = 20_000
"""Budget of name resolutions per file, so that hostile chains of assignments stay cheap."""


# --------------------------------------------------------------------------------------------------------------
# Catalogue indexes, built once per process


class _Indexes(Struct, frozen=True):
    catalogue: Catalogue
    ai_modules: frozenset[str]
    """Every import path that means AI (catalogue ``modules`` and the detectors' own)."""
    ai_tops: frozenset[str]
    """The first component of each of those paths."""
    bare_clients: Mapping[str, str]
    """Client name -> provider id for unqualified catalogue entries (``OpenAI``)."""
    qualified_clients: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]]
    """Last name -> ((qualified parts, provider id), ...) for entries like ``cohere.Client``."""


IMPORT_STATEMENT = re.compile(r"from[ \t]+([\w.]+)[ \t]+import[ \t(]+([^\n#;]*)|import[ \t]+([^\n#;]+)")
"""``from a.b import c, d`` / ``import a.b as x, y`` (matched at the first non-blank of a line)."""


def _import_statements(source: str) -> Iterator[re.Match[str]]:
    """Import statements that start a line, found from each word ``import`` (``str.find`` runs far faster over a
    large file than a multi-line regex; a comment or string never starts a line with ``import``)."""
    position = source.find("import")
    while position != -1:
        start = source.rfind("\n", 0, position) + 1
        end = source.find("\n", position)
        end = len(source) if end == -1 else end
        head = source[start:position]
        match = IMPORT_STATEMENT.match(source, start + len(head) - len(head.lstrip(" \t")), end)
        if match is not None:
            yield match
        position = source.find("import", end)


@cache
def _indexes() -> _Indexes:
    catalogue = load_catalogue()
    modules = {m for m, info in catalogue.modules.items() if info.ecosystem == "pypi"} | DETECTOR_MODULES
    bare: dict[str, str] = {}
    qualified: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for provider in catalogue.providers.values():
        for client in provider.clients:
            if "." in client:
                parts = tuple(client.split("."))
                qualified.setdefault(parts[-1], []).append((parts, provider.id))
            else:
                bare.setdefault(client, provider.id)
    tops = frozenset(m.partition(".")[0] for m in modules)
    return _Indexes(catalogue, frozenset(modules), tops, bare, {k: tuple(v) for k, v in qualified.items()})


def mentions_ai(source: str) -> bool:
    """Cheap test before parsing: does the text import an AI module, or name an AWS AI service?"""
    for match in _import_statements(source):
        module, names, plain = match.groups()
        if module is not None:
            if is_ai_module(module):
                return True
            # ``from google import genai``: the AI module is the parent plus an imported name
            if any(is_ai_module(f"{module}.{name.strip().split(' ')[0]}") for name in names.split(",")):
                return True
        elif any(is_ai_module(name.strip().split(" ")[0]) for name in plain.split(",")):
            return True
    return ("bedrock" in source or "sagemaker-runtime" in source) and "boto" in source


def is_ai_module(dotted: str) -> bool:
    """True when an import path belongs to an AI package (catalogue) or a framework the detectors know."""
    indexes = _indexes()
    top = dotted.partition(".")[0]
    if top not in indexes.ai_tops:  # the common case (``os``, ``typing``): one set lookup
        return top.startswith(AI_MODULE_PREFIXES)
    parts = dotted.split(".")
    return any(".".join(parts[:end]) in indexes.ai_modules for end in range(1, len(parts) + 1))


def _package_of(dotted: str) -> PackageInfo | None:
    info = _indexes().catalogue.module(dotted)
    return info if info is not None and info.ecosystem == "pypi" else None


# --------------------------------------------------------------------------------------------------------------
# Per-file state


class _Pending(Struct):
    kind: AssetKind
    name: str
    key: str
    version: str | None
    lines: set[int]
    properties: dict[str, JSONValue]


class Inventory(Struct):
    """What one file shows, one asset per key (repeat sightings add locations), plus relations."""

    ref: FileRef
    line_map: Mapping[int, int] | None = None
    assets: dict[tuple[AssetKind, str], _Pending] = field(default_factory=dict)
    relations: dict[tuple[str, str, str], Relation] = field(default_factory=dict)

    def file_line(self, lineno: int) -> int:
        return self.line_map.get(lineno, lineno) if self.line_map is not None else lineno

    def add(
        self,
        kind: AssetKind,
        key: str,
        name: str,
        lineno: int,
        properties: Mapping[str, JSONValue],
        version: str | None = None,
    ) -> str:
        """Record an asset seen at ``lineno`` (a line of the parsed source) and return its id."""
        slot = (kind, key.lower())
        pending = self.assets.get(slot)
        line = self.file_line(lineno)
        if pending is None:
            self.assets[slot] = _Pending(kind, name, key, version, {line}, dict(properties))
        else:
            pending.lines.add(line)
            for prop, value in properties.items():
                old = pending.properties.get(prop)
                if isinstance(old, list) and isinstance(value, list):
                    pending.properties[prop] = sorted({*map(str, old), *map(str, value)})
                else:
                    pending.properties.setdefault(prop, value)
        return asset_id(kind, key)

    def relate(self, source: str, kind: RelationKind, target: str, lineno: int | None = None) -> None:
        location = file_location(self.ref, self.file_line(lineno)) if lineno is not None else None
        relation = Relation(source, kind, target, location)
        self.relations.setdefault(relation.identity, relation)

    def ids_of(self, kind: AssetKind) -> list[str]:
        return [asset_id(kind, p.key) for (k, _), p in self.assets.items() if k is kind]

    def records(self) -> list[Record]:
        out: list[Record] = []
        for pending in self.assets.values():
            locations = tuple(file_location(self.ref, line) for line in sorted(pending.lines))
            out.append(Asset(pending.kind, pending.name, pending.key, pending.version, locations, pending.properties))
        out.extend(self.relations.values())
        return out


class _Client(Struct, frozen=True):
    """Who a call talks to: a provider (by SDK or by URL host) or a custom endpoint."""

    provider: str | None
    endpoint: Endpoint | None = None
    sdk_provider: str | None = None

    @property
    def server_id(self) -> str | None:
        if self.endpoint is not None and self.provider is None:
            return asset_id(AssetKind.ENDPOINT, self.endpoint.key)
        if self.provider is not None:
            return asset_id(AssetKind.PROVIDER, f"provider:{self.provider}")
        return None


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attribute accesses on a name, else None (iterative: no deep recursion)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _callee_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _keyword(call: ast.Call, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def _argument(call: ast.Call, position: int | None, *names: str) -> ast.expr | None:
    """A call's argument by keyword, else by position (skipping ``*args``)."""
    found = _keyword(call, *names) if names else None
    if found is None and position is not None and position < len(call.args):
        candidate = call.args[position]
        if not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            found = candidate
    return found


class _ModuleScan:
    """Everything learned from one parsed module; one instance per file."""

    def __init__(self, tree: ast.Module, inventory: Inventory) -> None:
        self.tree = tree
        self.inventory = inventory
        self._by_type: dict[type[ast.AST], list[ast.AST]] = {}
        for node in ast.walk(tree):  # one walk; each pass below reads only the node types it needs
            self._by_type.setdefault(type(node), []).append(node)
        self.aliases: dict[str, str] = {}
        self.bindings: dict[str, list[ast.expr]] = {}
        self.assigned_to: dict[int, tuple[str, int]] = {}
        self.uses_aws_sdk = False
        self._clients: dict[int, _Client | None] = {}
        self._resolved: dict[str, list[tuple[str, str | None]]] = {}
        self._resolving: set[str] = set()
        self._budget = MAX_RESOLUTIONS
        self._mcp_clients: dict[int, list[str]] = {}
        """MCP client configurations by call node: the servers each one names."""
        self._mcp_emitted: list[str] = []
        self._collect_imports()
        self._collect_bindings()

    def nodes(self, *types: type[NodeT]) -> list[NodeT]:
        """The module's nodes of ``types``, in walk order per type."""
        out: list[NodeT] = []
        for node_type in types:
            out.extend(cast(list[NodeT], self._by_type.get(node_type, [])))
        return out

    # -- names ------------------------------------------------------------------------------------------------

    def _collect_imports(self) -> None:
        for node in self.nodes(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    self.aliases[bound] = alias.name if alias.asname else bound
                    self._import_seen(alias.name, node.lineno)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if alias.name == "*":
                        self._import_seen(node.module, node.lineno)
                        continue
                    full = f"{node.module}.{alias.name}"
                    self.aliases[alias.asname or alias.name] = full
                    self._import_seen(full if _package_of(full) else node.module, node.lineno)

    def _import_seen(self, dotted: str, lineno: int) -> None:
        if dotted.split(".")[0] in AWS_SDK_MODULES:
            self.uses_aws_sdk = True
        info = _package_of(dotted)
        if info is None:
            return
        properties: dict[str, JSONValue] = {"ecosystem": "pypi", "category": info.category, "source": "import"}
        if info.provider:
            properties["provider"] = info.provider
        key = f"pypi:{normalise_package('pypi', info.name)}"
        self.inventory.add(AssetKind.PACKAGE, key, info.name, lineno, properties)

    def qualname(self, node: ast.expr) -> str | None:
        """The import path an expression names (``oa.OpenAI`` -> ``openai.OpenAI``), None if not imported."""
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        origin = self.aliases.get(head)
        if origin is None:
            return None
        return f"{origin}.{rest}" if rest else origin

    def _bind(self, target: ast.expr, value: ast.expr, lineno: int) -> None:
        name = _dotted(target)
        if name is None:
            return
        self.bindings.setdefault(name, []).append(value)
        if isinstance(value, ast.Call):
            self.assigned_to.setdefault(id(value), (name, lineno))

    def _collect_bindings(self) -> None:
        kinds = (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.withitem, ast.FunctionDef, ast.AsyncFunctionDef)
        for node in self.nodes(*kinds):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value, node.lineno)
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                self._bind(node.target, node.value, node.lineno)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                self._bind(node.optional_vars, node.context_expr, node.context_expr.lineno)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                positional = [*node.args.posonlyargs, *node.args.args]
                for arg, default in zip(positional[::-1], node.args.defaults[::-1], strict=False):
                    self.bindings.setdefault(arg.arg, []).append(default)
                for arg, kw_default in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True):
                    if kw_default is not None:
                        self.bindings.setdefault(arg.arg, []).append(kw_default)

    def _bound_values(self, node: ast.expr) -> list[ast.expr]:
        dotted = _dotted(node)
        if dotted is None:
            return []
        values = self.bindings.get(dotted)
        if values is None and isinstance(node, ast.Attribute):
            values = self.bindings.get(node.attr)  # ``self.MODEL`` / ``Config.MODEL`` set in a class body
        return values or []

    def strings(self, node: ast.expr | None, depth: int = 0) -> list[tuple[str, str | None]]:
        """The strings an expression can hold: literals, names bound to them, ``os.getenv`` defaults.

        Each value comes with the environment variable that overrides it (or None)."""
        if node is None or depth > MAX_RESOLVE_DEPTH:
            return []
        if isinstance(node, ast.Constant):
            return [(node.value, None)] if isinstance(node.value, str) else []
        if isinstance(node, ast.Name | ast.Attribute):
            return self._name_strings(node, depth)
        if isinstance(node, ast.IfExp):
            return (self.strings(node.body, depth + 1) + self.strings(node.orelse, depth + 1))[:MAX_VALUES]
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            env = self._env_name(node.values[0])
            return [(value, env or var) for value, var in self.strings(node.values[-1], depth + 1)]
        if isinstance(node, ast.Call):
            env = self._env_name(node)
            if env is not None and len(node.args) >= 2:
                return [(value, env) for value, _ in self.strings(node.args[1], depth + 1)]
            default = _keyword(node, "default")
            if env is not None and default is not None:
                return [(value, env) for value, _ in self.strings(default, depth + 1)]
        return []

    def _name_strings(self, node: ast.Name | ast.Attribute, depth: int) -> list[tuple[str, str | None]]:
        """Strings a name is bound to, memoised per name (each name is resolved once per file)."""
        dotted = _dotted(node) or ""
        cached = self._resolved.get(dotted)
        if cached is not None:
            return cached
        if dotted in self._resolving or self._budget <= 0:
            return []
        self._budget -= 1
        self._resolving.add(dotted)
        out: list[tuple[str, str | None]] = []
        for value in self._bound_values(node)[:MAX_VALUES]:
            out.extend(self.strings(value, depth + 1))
        self._resolving.discard(dotted)
        result = list(dict.fromkeys(out))[:MAX_VALUES]
        if dotted:
            self._resolved[dotted] = result
        return result

    def _env_name(self, node: ast.expr) -> str | None:
        """``X`` for ``os.getenv("X", ...)`` / ``os.environ.get("X", ...)``; None for anything else."""
        if not isinstance(node, ast.Call):
            return None
        qual = self.qualname(node.func)
        if qual not in ENV_GETTERS:
            return None
        first = node.args[0] if node.args else None
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None

    # -- who a call talks to -----------------------------------------------------------------------------------

    def client_of(self, call: ast.Call) -> _Client | None:
        """The provider or endpoint a call constructs a client for (or calls directly), else None."""
        key = id(call)
        if key not in self._clients:
            self._clients[key] = None  # guards against cycles through bindings
            self._clients[key] = self._find_client(call)
        return self._clients[key]

    def _find_client(self, call: ast.Call) -> _Client | None:
        qual = self.qualname(call.func)
        provider = self._constructed_provider(qual) if qual else None
        if provider is None:
            provider = self._aws_service(call)
        llm_client = qual is not None and is_ai_module(qual) and LLM_CLIENT_NAME.search(qual.rsplit(".", 1)[-1])
        if provider is None and not llm_client:
            return None
        endpoint_keywords = list(ENDPOINT_KEYWORDS)
        if provider == "ollama":
            endpoint_keywords.append("host")
        if provider is not None and provider.startswith("aws-"):
            endpoint_keywords.append("endpoint_url")
        for keyword in endpoint_keywords:
            for value, _env in self.strings(_keyword(call, keyword)):
                endpoint = parse_endpoint(value)
                if endpoint is None:
                    continue
                by_host = provider_of_endpoint(endpoint)
                if by_host is not None:
                    return _Client(by_host, None, provider)
                return _Client(None, endpoint, provider)
        return _Client(provider, None, provider) if provider is not None else None

    def _constructed_provider(self, qual: str) -> str | None:
        indexes = _indexes()
        parts = tuple(qual.split("."))
        for wanted, provider in indexes.qualified_clients.get(parts[-1], ()):
            if parts[-len(wanted) :] == wanted:
                return provider
        bare = indexes.bare_clients.get(parts[-1])
        if bare is not None and len(parts) > 1 and is_ai_module(".".join(parts[:-1])):
            return bare
        if len(parts) > 1 and parts[-1] in API_VERBS:
            info = _package_of(qual)
            if info is not None and info.provider:
                return info.provider
            if parts[0] in indexes.catalogue.providers and is_ai_module(parts[0]):
                return parts[0]  # ``ollama.chat(...)``: the SDK module is named after its provider
        return None

    def _aws_service(self, call: ast.Call) -> str | None:
        if not self.uses_aws_sdk or _callee_name(call) not in {"client", "create_client"}:
            return None
        for value, _ in self.strings(_argument(call, 0, "service_name")):
            if value in AWS_AI_SERVICES:
                return AWS_AI_SERVICES[value]
        return None

    def receiver_client(self, call: ast.Call) -> _Client | None:
        """The client a method is called on (``client.chat.completions.create`` after ``client = OpenAI()``)."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        receiver: ast.expr = func.value
        while True:
            if isinstance(receiver, ast.Call):
                return self.client_of(receiver)
            for value in self._bound_values(receiver)[:MAX_VALUES]:
                if isinstance(value, ast.Call):
                    client = self.client_of(value)
                    if client is not None:
                        return client
            if not isinstance(receiver, ast.Attribute):
                return None
            receiver = receiver.value

    # -- emitting ----------------------------------------------------------------------------------------------

    def emit_client(self, client: _Client, lineno: int) -> None:
        if client.provider is not None:
            self.emit_provider(client.provider, lineno)
        if client.endpoint is not None and client.provider is None:
            endpoint = client.endpoint
            properties: dict[str, JSONValue] = {**endpoint.properties(), "source": "code"}
            if client.sdk_provider:
                properties["api"] = client.sdk_provider
            self.inventory.add(AssetKind.ENDPOINT, endpoint.key, f"{endpoint.host}:{endpoint.port}", lineno, properties)

    def emit_provider(self, provider: str, lineno: int) -> str | None:
        info = _indexes().catalogue.providers.get(provider)
        name = info.name if info is not None else provider
        return self.inventory.add(
            AssetKind.PROVIDER, f"provider:{provider}", name, lineno, {"provider": provider, "source": "code"}
        )

    def emit_model(self, model: ModelRef, lineno: int, env: str | None, server: str | None) -> str:
        properties: dict[str, JSONValue] = {"provider": model.provider, "source": "code"}
        if env:
            properties["env"] = [env]
        model_id = self.inventory.add(AssetKind.MODEL, model.key, model.model_id, lineno, properties)
        if server is not None:
            self.inventory.relate(server, RelationKind.SERVES, model_id, lineno)
        return model_id

    # -- constructs --------------------------------------------------------------------------------------------

    def run(self) -> None:
        calls = self.nodes(ast.Call)
        agents: list[tuple[str, ast.Call]] = []
        for call in calls:
            client = self.client_of(call)
            if client is not None:
                self.emit_client(client, call.lineno)
            else:
                client = self.receiver_client(call)
            self._models_in_call(call, client)
            self._datasets_in_call(call)
            agent = self._agent(call)
            if agent is not None:
                agents.append((agent, call))
            self._mcp(call)
        agents.extend(self._compiled_graphs(calls))
        self._model_constants()
        self._model_dicts()
        self._endpoint_attributes()
        self._link_agents_to_mcp(agents)

    def _link_agents_to_mcp(self, agents: Sequence[tuple[str, ast.Call]]) -> None:
        """Agent USES mcp-server: the servers an agent's arguments name, else every MCP client in the file."""
        every = sorted({server for servers in self._mcp_clients.values() for server in servers})
        for agent, call in agents:
            named: set[str] = set()
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                named.update(self._mcp_referenced(argument, 0))
            for server in sorted(named) or every:
                self.inventory.relate(agent, RelationKind.USES, server, call.lineno)

    def _mcp_referenced(self, node: ast.expr, depth: int) -> set[str]:
        """MCP servers an expression reaches through names (``mcp_servers=[fs]``, ``tools`` from a client)."""
        found: set[str] = set()
        if depth > 3:
            return found
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and id(inner) in self._mcp_clients:
                found.update(self._mcp_clients[id(inner)])
            elif isinstance(inner, ast.Name):
                for value in self._bound_values(inner)[:MAX_VALUES]:
                    found.update(self._mcp_referenced(value, depth + 1))
        return found

    def _models_in_call(self, call: ast.Call, client: _Client | None) -> None:
        hint = client.provider or client.sdk_provider if client is not None else None
        server = client.server_id if client is not None else None
        callee = _callee_name(call)
        qual = self.qualname(call.func)
        ai_call = (qual is not None and is_ai_module(qual)) or client is not None
        seen: set[int] = set()
        position = POSITIONAL_MODEL_ARGUMENT.get(callee)
        if position is not None and (ai_call or callee == "from_pretrained") and callee not in HUB_DOWNLOADS:
            if callee == "LLM" and not (qual or "").startswith("vllm"):
                position = None
            argument = _argument(call, position, "pretrained_model_name_or_path", "model_name_or_path")
            if argument is not None:
                seen.add(id(argument))
                bare_is_st = callee in SENTENCE_TRANSFORMER_CLASSES
                for value, env in self.strings(argument):
                    model = classify_model(value, hint, allow_hub=True)
                    if model is None and bare_is_st and is_bare_hub_name(value):
                        model = ModelRef("huggingface", f"sentence-transformers/{value}")
                    if model is not None:
                        self.emit_model(model, argument.lineno, env, server)
        if callee in HUB_DOWNLOADS and qual is not None and is_ai_module(qual):
            self._hub_download(call)
            return
        for keyword in call.keywords:
            if keyword.arg not in MODEL_KEYWORDS or id(keyword.value) in seen:
                continue
            allow_hub = keyword.arg in HUB_KEYWORDS
            for value, env in self.strings(keyword.value):
                model = classify_model(value, hint, allow_hub=allow_hub)
                if model is None and keyword.arg in DEPLOYMENT_KEYWORDS and hint == "azure-openai":
                    model = ModelRef("azure-openai", value) if DEPLOYMENT_NAME.fullmatch(value) else None
                if model is not None:
                    self.emit_model(model, keyword.value.lineno, env, server)

    def _hub_download(self, call: ast.Call) -> None:
        repo_types = {value for value, _ in self.strings(_keyword(call, "repo_type"))}
        argument = _argument(call, 0, "repo_id")
        for value, env in self.strings(argument):
            if not is_hub_id(value):
                continue
            line = argument.lineno if argument is not None else call.lineno
            if "dataset" in repo_types:
                self._emit_dataset(value, line, "hub-download", None)
            elif "space" not in repo_types:
                self.emit_model(ModelRef("huggingface", value), line, env, None)

    def _datasets_in_call(self, call: ast.Call) -> None:
        if _callee_name(call) != "load_dataset":
            return
        qual = self.qualname(call.func)
        if qual is None or not qual.startswith("datasets."):
            return
        argument = _argument(call, 0, "path")
        config = self.strings(_argument(call, 1, "name"))
        for value, _ in self.strings(argument):
            text = value.strip()
            if text.lower() in BUILTIN_DATASET_LOADERS or not plausible_id(text):
                continue
            if not (is_hub_id(text) or is_bare_hub_name(text)):
                continue
            line = argument.lineno if argument is not None else call.lineno
            self._emit_dataset(text, line, "load_dataset", config[0][0] if config else None)

    def _emit_dataset(self, dataset: str, lineno: int, source: str, config: str | None) -> None:
        properties: dict[str, JSONValue] = {"provider": "huggingface", "hub": "huggingface", "source": source}
        if config:
            properties["config"] = config
        self.inventory.add(AssetKind.DATASET, f"dataset:huggingface:{dataset}", dataset, lineno, properties)

    # -- agents ------------------------------------------------------------------------------------------------

    def _agent_builder(self, call: ast.Call) -> AgentBuilder | None:
        qual = self.qualname(call.func)
        if qual is None:
            return None
        parts = qual.split(".")
        candidates = list(AGENT_BUILDERS.get(parts[-1], ()))
        if not candidates and len(parts) > 2 and parts[-1] in AGENT_CLASS_FACTORIES:
            candidates = list(AGENT_BUILDERS.get(parts[-2], ()))
        for builder in candidates:
            if qual == builder.module or qual.startswith(builder.module + "."):
                return builder
        return None

    def _agent(self, call: ast.Call) -> str | None:
        builder = self._agent_builder(call)
        if builder is None:
            return None
        target = self.assigned_to.get(id(call))
        variable = target[0] if target else None
        name_node = _argument(call, builder.name_position, "name", "role", "agent_name")
        names = self.strings(name_node)
        display = names[0][0] if names else variable or f"{builder.framework} agent"
        properties: dict[str, JSONValue] = {"framework": builder.framework, "source": "code"}
        if names:
            properties["name"] = names[0][0]
        model_node = _argument(call, builder.model_position, *AGENT_MODEL_KEYWORDS)
        model = self.model_of(model_node) if model_node is not None else None
        if model is not None:
            properties["model"] = model[0].model_id
        tools = self._tool_names(_keyword(call, "tools"))
        if tools:
            properties["tools"] = tools
        where = variable or str(self.inventory.file_line(call.lineno))
        key = f"agent:{builder.framework}:{self.inventory.ref.relpath}:{where}"
        agent = self.inventory.add(AssetKind.AGENT, key, display, call.lineno, properties)
        if model is not None and model_node is not None:
            model_id = self.emit_model(model[0], model_node.lineno, model[1], None)
            self.inventory.relate(agent, RelationKind.USES, model_id, call.lineno)
        return agent

    def _tool_names(self, node: ast.expr | None) -> list[str]:
        if not isinstance(node, ast.List | ast.Tuple):
            return []
        names = []
        for item in node.elts:
            target = item.func if isinstance(item, ast.Call) else item
            dotted = _dotted(target)
            if dotted is not None:
                names.append(dotted)
        return sorted(set(names))

    def model_of(self, node: ast.expr, depth: int = 0) -> tuple[ModelRef, str | None] | None:
        """The model an agent's ``model=``/``llm=`` argument names: a string, or a client built with one."""
        if depth > MAX_RESOLVE_DEPTH:
            return None
        for value, env in self.strings(node):
            model = classify_model(value, None, allow_hub=True)
            if model is not None:
                return model, env
        if isinstance(node, ast.Name | ast.Attribute):
            for bound in self._bound_values(node)[:MAX_VALUES]:
                found = self.model_of(bound, depth + 1)
                if found is not None:
                    return found
            return None
        if not isinstance(node, ast.Call):
            return None
        client = self.client_of(node)
        hint = client.provider or client.sdk_provider if client is not None else None
        argument = _keyword(node, *sorted(MODEL_KEYWORDS))
        qual = self.qualname(node.func)
        if argument is None and qual is not None and is_ai_module(qual):
            argument = _argument(node, 0)
        for value, env in self.strings(argument):
            model = classify_model(value, hint, allow_hub=True)
            if model is not None:
                return model, env
        return None

    def _compiled_graphs(self, calls: Iterable[ast.Call]) -> Iterator[tuple[str, ast.Call]]:
        """LangGraph: ``graph = StateGraph(State)`` ... ``app = graph.compile()`` builds an agent graph."""
        for call in calls:
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "compile"):
                continue
            graph = _dotted(func.value)
            built = [
                value
                for value in self._bound_values(func.value)
                if isinstance(value, ast.Call)
                and (self.qualname(value.func) or "").startswith("langgraph.")
                and _callee_name(value) in {"StateGraph", "MessageGraph", "Graph"}
            ]
            if graph is None or not built:
                continue
            target = self.assigned_to.get(id(call))
            variable = target[0] if target else graph
            key = f"agent:langgraph:{self.inventory.ref.relpath}:{variable}"
            properties: dict[str, JSONValue] = {"framework": "langgraph", "graph": graph, "source": "code"}
            yield self.inventory.add(AssetKind.AGENT, key, variable, call.lineno, properties), call

    # -- MCP ---------------------------------------------------------------------------------------------------

    def _mcp(self, call: ast.Call) -> None:
        qual = self.qualname(call.func)
        if qual is None or not qual.startswith(tuple(m + "." for m in MCP_CLIENT_MODULES)):
            return
        self._mcp_emitted = []
        self._mcp_client_config(call)
        if self._mcp_emitted:
            self._mcp_clients[id(call)] = self._mcp_emitted

    def _mcp_client_config(self, call: ast.Call) -> None:
        callee = _callee_name(call).lower()
        if callee in {"stdioserverparameters", "stdioserverparams"}:
            self._mcp_stdio(call, None, _keyword(call, "command"), _keyword(call, "args"), _keyword(call, "env"))
        elif callee == "mcpserverstdio":
            name = self._first_string(_keyword(call, "name"))
            params = _keyword(call, "params")
            if isinstance(params, ast.Dict):
                spec = self._dict_items(params)
                self._mcp_stdio(call, name, spec.get("command"), spec.get("args"), spec.get("env"))
            else:
                command = _argument(call, 0, "command")
                self._mcp_stdio(call, name, command, _keyword(call, "args"), _keyword(call, "env"))
        elif callee in {"mcpserversse", "mcpserverstreamablehttp", "mcpserverhttp"}:
            transport = "sse" if callee.endswith("sse") else "streamable-http"
            params = _keyword(call, "params")
            url = self._dict_items(params).get("url") if isinstance(params, ast.Dict) else _argument(call, 0, "url")
            headers = self._dict_items(params).get("headers") if isinstance(params, ast.Dict) else None
            self._mcp_remote(call, self._first_string(_keyword(call, "name")), transport, url, headers)
        elif callee in {"sse_client", "streamablehttp_client", "streamable_http_client", "websocket_client"} | {
            "sseserverparams",
            "streamablehttpserverparams",
        }:
            transport = {"sse_client": "sse", "sseserverparams": "sse", "websocket_client": "websocket"}.get(
                callee, "streamable-http"
            )
            self._mcp_remote(call, None, transport, _argument(call, 0, "url"), _keyword(call, "headers"))
        elif callee == "multiservermcpclient":
            connections = _argument(call, 0, "connections")
            for value in [connections, *self._bound_values(connections)] if connections is not None else []:
                if isinstance(value, ast.Dict):
                    self._mcp_connections(call, value)
        elif callee == "fastmcp":
            name = self._first_string(_argument(call, 0, "name")) or "fastmcp"
            key = f"mcp-server:{name}:{self.inventory.ref.relpath}"
            properties: dict[str, JSONValue] = {"role": "server", "framework": "fastmcp", "source": "code"}
            self.inventory.add(AssetKind.MCP_SERVER, key, name, call.lineno, properties)

    def _first_string(self, node: ast.expr | None) -> str | None:
        values = self.strings(node)
        return values[0][0] if values else None

    def _dict_items(self, node: ast.Dict) -> dict[str, ast.expr]:
        return {
            key.value: value
            for key, value in zip(node.keys, node.values, strict=True)
            if isinstance(key, ast.Constant) and isinstance(key.value, str)
        }

    def _mcp_connections(self, call: ast.Call, connections: ast.Dict) -> None:
        """``MultiServerMCPClient({"math": {"command": ..., "args": [...]}, "web": {"url": ...}})``."""
        for name, spec_node in self._dict_items(connections).items():
            if not isinstance(spec_node, ast.Dict):
                continue
            spec = self._dict_items(spec_node)
            transport = (self._first_string(spec.get("transport")) or "").replace("_", "-").lower()
            if "url" in spec:
                self._mcp_remote(spec_node, name, transport or "streamable-http", spec["url"], spec.get("headers"))
            else:
                self._mcp_stdio(spec_node, name, spec.get("command"), spec.get("args"), spec.get("env"))

    def _string_list(self, node: ast.expr | None) -> list[str]:
        """``["-y", PKG, path]`` as strings (names resolved; anything else shown as ``<expr>``)."""
        if not isinstance(node, ast.List | ast.Tuple):
            bound = self._bound_values(node) if isinstance(node, ast.Name) else []
            node = next((v for v in bound if isinstance(v, ast.List | ast.Tuple)), None)
            if node is None:
                return []
        out = []
        for item in node.elts:
            values = self.strings(item)
            out.append(values[0][0] if values else "<expr>")
        return out

    def _names(self, node: ast.expr | None) -> list[str]:
        """Keys of an ``env``/``headers`` mapping: names only, never the values."""
        if isinstance(node, ast.Dict):
            return sorted(self._dict_items(node))
        if isinstance(node, ast.Call) and _callee_name(node) == "dict":
            return sorted(k.arg for k in node.keywords if k.arg)
        return []

    def _mcp_stdio(
        self,
        where: ast.expr,
        name: str | None,
        command_node: ast.expr | None,
        args_node: ast.expr | None,
        env_node: ast.expr | None,
    ) -> None:
        command = self._first_string(command_node)
        if command is None:
            return
        raw_args = self._string_list(args_node)
        launch = parse_launch(command, raw_args)
        args = redact_arguments(raw_args)
        script = next((a for a in raw_args if a.endswith((".py", ".js", ".ts", ".mjs"))), None)
        command = redact_command(command)  # ``sh -c "TOKEN=... npx ..."`` may carry a credential
        label = name or launch.package or (script.replace("\\", "/").rsplit("/", 1)[-1] if script else command)
        properties: dict[str, JSONValue] = {"transport": "stdio", "command": command, "args": args, "source": "code"}
        properties.update(launch_properties(launch))
        env = sorted({*self._names(env_node), *launch.env_names})
        if env:
            properties["env"] = env
        # the same identity as an MCP config entry for this server (``discover.mcp``)
        key = mcp_server_key(label, mcp_server_target(launch, None, command, args))
        self._mcp_emitted.append(self.inventory.add(AssetKind.MCP_SERVER, key, label, where.lineno, properties))

    def _mcp_remote(
        self, where: ast.expr, name: str | None, transport: str, url_node: ast.expr | None, headers: ast.expr | None
    ) -> None:
        found = next(((v, e) for v, _ in self.strings(url_node) if (e := parse_endpoint(v)) is not None), None)
        if found is None:
            return
        url = redact_url(found[0].strip())
        label = name or found[1].host
        properties: dict[str, JSONValue] = {"transport": transport, "url": url, "source": "code"}
        header_names = self._names(headers)
        if header_names:
            properties["headers"] = header_names
        key = mcp_server_key(label, mcp_server_target(None, url, None, ()))
        self._mcp_emitted.append(self.inventory.add(AssetKind.MCP_SERVER, key, label, where.lineno, properties))

    # -- module-wide -------------------------------------------------------------------------------------------

    def _model_constants(self) -> None:
        """``DEFAULT_MODEL = "gpt-4o"`` or ``def ask(model="gpt-4o")``: an exact catalogue id held by a name
        that says it is a model is evidence even when the call that uses it is out of sight."""
        for name, values in self.bindings.items():
            if not MODEL_NAME_HINT.search(name.rsplit(".", 1)[-1]):
                continue
            for value in values:
                if isinstance(value, ast.Constant | ast.Call | ast.BoolOp | ast.IfExp):
                    for text, env in self.strings(value):
                        model = classify_model(text)
                        if model is not None:
                            self.emit_model(model, value.lineno, env, None)

    def _model_dicts(self) -> None:
        """Request bodies and configs: ``{"model": "gpt-4o", "messages": [...]}`` (exact catalogue ids only)."""
        for node in self.nodes(ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in DICT_MODEL_KEYS:
                    for text, env in self.strings(value):
                        model = classify_model(text)
                        if model is not None:
                            self.emit_model(model, value.lineno, env, None)

    def _endpoint_attributes(self) -> None:
        """``openai.api_base = "https://..."``: the v0 SDK's module-level endpoint."""
        for node in self.nodes(ast.Assign):
            for target in node.targets:
                if not isinstance(target, ast.Attribute) or target.attr not in ENDPOINT_ATTRIBUTES:
                    continue
                qual = self.qualname(target.value)
                info = _package_of(qual) if qual else None
                if info is None:
                    continue
                for value, _ in self.strings(node.value):
                    endpoint = parse_endpoint(value)
                    if endpoint is not None:
                        by_host = provider_of_endpoint(endpoint)
                        client = _Client(by_host, None if by_host else endpoint, info.provider)
                        self.emit_client(client, node.lineno)


def parse_python(source: str) -> ast.Module:
    """Parse Python 3 source (never executed); bad input becomes an :class:`AnalysisError`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in scanned code are not our concern
            return ast.parse(source)
    except SyntaxError as exc:
        raise AnalysisError(f"not valid Python 3: {exc.msg} at line {exc.lineno}") from None
    except (MemoryError, RecursionError):
        raise AnalysisError("Python source nested too deeply to analyse") from None
    except ValueError as exc:  # NUL bytes
        raise AnalysisError(f"not valid Python 3: {exc}") from None


def analyse_module(
    tree: ast.Module, file: FileContent | FileRef, line_map: Mapping[int, int] | None = None
) -> list[Record]:
    """Inventory an already parsed module; ``line_map`` maps its lines to lines of the file (notebooks)."""
    ref = file.ref if isinstance(file, FileContent) else file
    inventory = Inventory(ref, line_map)
    _ModuleScan(tree, inventory).run()
    return inventory.records()


def analyse_python(source: str, file: FileContent | FileRef, line_map: Mapping[int, int] | None = None) -> list[Record]:
    """Everything AI that a Python source shows.  Files that import nothing AI are not even parsed."""
    if not mentions_ai(source):
        return []
    return analyse_module(parse_python(source), file, line_map)


class PythonSourceAnalyser(Analyser):
    """Imports, SDK clients, model ids, endpoints, datasets, agents and MCP servers in ``.py`` files."""

    name = "python-source"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return ref.suffix == ".py"

    def analyse(self, file: FileContent) -> Iterable[Record]:
        if file.data is not None and file.is_binary:
            raise AnalysisError("not valid Python 3: binary content in a .py file")
        return analyse_python(file.text, file)
