"""JavaScript and TypeScript source -> AI usage inventory.

Files are parsed with the tree-sitter grammars for JavaScript, TypeScript and TSX (wheels that work offline), never
run.  A cheap text search first looks for an import, ``require`` or dynamic ``import()`` of an AI package, so the
many files that use no AI are never parsed.  Parsed files yield:

* PACKAGE assets for imported AI packages (from the npm catalogue);
* PROVIDER assets for client constructors (``new OpenAI()``, ``new BedrockRuntimeClient()`` ...) imported from an
  AI package, Vercel AI SDK provider functions (``openai('gpt-4o')``, ``createOpenAI({baseURL})``) and base URLs
  whose host is a provider's;
* MODEL assets for ``model:`` options inside AI calls, AI SDK model selections, and model-named keys or constants
  anywhere in the file whose value is a catalogue model id (exact match only);
* ENDPOINT assets for base URLs that point at a host of no known provider (self-hosted, gateways);
* AGENT assets where code builds an agent (Mastra, OpenAI Agents SDK, LangChain, LangGraph ...);
* MCP_SERVER assets for MCP client transports and multi-server client configurations.

String constants (``const MODEL = "gpt-4o"``) and environment defaults (``process.env.X ?? "default"``) are
resolved within the file.  Credentials are never recorded: API keys are not read, URLs lose user info and query
values, MCP arguments that look like secrets are masked and environment variables are kept by name only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from enum import Enum
from urllib.parse import urljoin

import tree_sitter_javascript
import tree_sitter_typescript
from msgspec import Struct, field
from msgspec.structs import replace
from tree_sitter import Language, Node, Parser, Query, QueryCursor

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.catalogue import load_catalogue, normalise_package
from aispm.discover.js_frameworks import js_knowledge
from aispm.discover.launchers import launch_properties, mcp_server_key, mcp_server_target, parse_launch, program_name
from aispm.discover.redact import MASK, redact_arguments, redact_command, redact_url
from aispm.discover.usage_values import LOCAL_HOSTS, Endpoint, classify_model, parse_endpoint, provider_of_endpoint
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, JSONValue, Relation, RelationKind

# --- which files -------------------------------------------------------------------------------------------------

SUFFIX_LANGUAGE = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}
_SKIPPED_NAME_ENDINGS = (".d.ts", ".d.mts", ".d.cts", ".min.js", ".min.mjs", ".min.cjs")
MINIFIED_MIN_CHARS = 4096
MINIFIED_AVERAGE_LINE = 300
"""Bundled or minified output (long lines on average) is generated code: its sources are scanned instead."""
ERROR_SHARE_LIMIT = 0.5
"""tree-sitter recovers from errors; a file that is mostly unparseable is not source code we can judge."""
CONTROL_SHARE_LIMIT = 0.1
MAX_PARSE_BYTES = 2 * 1024 * 1024
"""Hand-written sources stay far below; larger files are generated and would cost seconds to parse."""
MAX_RESOLVE_DEPTH = 8
MAX_NESTING = 40

# --- what the code means: knowledge of JavaScript AI SDKs ------------------------------------------------------

_KNOWLEDGE = js_knowledge()  # catalogue/javascript.yaml: SDKs, agent builders, MCP clients (data, not code)
_AI_SCOPES = _KNOWLEDGE.ai_scopes
_PACKAGE_PROVIDERS = _KNOWLEDGE.sdk_providers
_AI_SDK_PROVIDER_PACKAGES = _KNOWLEDGE.ai_sdk_provider_packages
_AGENT_BUILDERS = _KNOWLEDGE.agent_builders
_MCP_TRANSPORTS = _KNOWLEDGE.mcp_transports
_MCP_SERVER_MAPS = _KNOWLEDGE.mcp_server_maps
_MCP_CLIENT_FACTORIES = _KNOWLEDGE.mcp_client_factories
_MODEL_FIRST_ARGUMENT = _KNOWLEDGE.model_first_argument
_GATEWAY_PREFIXES = _KNOWLEDGE.gateway_prefixes

_MODEL_KEYS = frozenset({"model", "modelName", "modelId", "model_name", "model_id", "defaultModel"})
_CALL_MODEL_KEYS = _MODEL_KEYS | {"deployment", "deploymentName", "azureOpenAIApiDeploymentName"}
_URL_KEYS = frozenset(
    {"baseURL", "baseUrl", "base_url", "basePath", "endpoint", "apiBase", "azureOpenAIBasePath", "host"}
)
_LOOSE_URL_KEYS = frozenset({"baseURL", "baseUrl", "base_url"})
_MODEL_NAME_RE = re.compile(r"model", re.IGNORECASE)
_MODEL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}")
_WRAPPERS = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
        "await_expression",
    }
)

# --- cheap prefilter and small text helpers ------------------------------------------------------------------------

_IMPORT_KEYWORDS = ("from", "require", "import")
_AFTER_IMPORT_KEYWORD_RE = re.compile(r"""\s*+\(?\s*+["'`]([^"'`\s]{1,214})["'`]""")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_ENV_RE = re.compile(
    r"""(?:process\.env|import\.meta\.env|Bun\.env)(?:\.([A-Za-z_]\w*)|\[\s*["']([A-Za-z_]\w*)["']\s*\])"""
    r"""|Deno\.env\.get\(\s*["']([A-Za-z_]\w*)["']\s*\)"""
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def package_of(specifier: str) -> str | None:
    """The npm package behind an import specifier (``@langchain/openai/chat_models`` -> ``@langchain/openai``)."""
    spec = specifier.strip()
    if spec.startswith("npm:"):
        spec = spec[4:]
    if not spec or spec[0] in "./#~" or ":" in spec:
        return None  # relative, absolute, aliased or a URL / node: builtin
    parts = spec.split("/")
    if spec.startswith("@"):
        if len(parts) < 2 or len(parts[0]) < 2 or not parts[1]:
            return None
        name = f"{parts[0]}/{parts[1]}"
    else:
        name = parts[0]
    version_at = name.find("@", 1)
    if version_at > 0:
        name = name[:version_at]
    return name.lower()


@functools.cache
def _npm_catalogue_names() -> frozenset[str]:
    return frozenset(name for (ecosystem, name) in load_catalogue().packages if ecosystem == "npm")


@functools.cache
def _known_packages() -> frozenset[str]:
    return _KNOWLEDGE.packages | _npm_catalogue_names()


def is_ai_package(package: str) -> bool:
    """True for catalogue npm packages and the SDKs this module understands (never by substring)."""
    if package in _known_packages():
        return True
    scope, _, _ = package.partition("/")
    return package.startswith("@") and scope in _AI_SCOPES


def import_specifiers(text: str) -> Iterator[str]:
    """Quoted module names after ``from``/``require``/``import`` (comments included: the parse sorts them out).

    ``str.find`` plus an anchored match is several times faster than one regular expression over the text.
    """
    find = text.find
    for keyword in _IMPORT_KEYWORDS:
        position = find(keyword)
        while position != -1:
            match = _AFTER_IMPORT_KEYWORD_RE.match(text, position + len(keyword))
            if match:
                yield match.group(1)
            position = find(keyword, position + len(keyword))


def imports_ai_package(text: str) -> bool:
    """The prefilter: does the raw text import, require or dynamically import an AI package?"""
    return any((pkg := package_of(spec)) and is_ai_package(pkg) for spec in import_specifiers(text))


def looks_minified(text: str) -> bool:
    return len(text) >= MINIFIED_MIN_CHARS and len(text) / (text.count("\n") + 1) > MINIFIED_AVERAGE_LINE


@functools.cache
def _client_index() -> dict[str, str]:
    """Unqualified client class name -> provider id (``OpenAI`` -> openai, ``BedrockRuntimeClient`` -> bedrock)."""
    index: dict[str, str] = {}
    for provider in load_catalogue().providers.values():
        for client in provider.clients:
            if "." not in client:
                index.setdefault(client, provider.id)
    return index


# --- tree-sitter plumbing ---------------------------------------------------------------------------------------

_QUERY_TEXT = """
(import_statement) @import
(export_statement source: (_)) @export
(call_expression) @call
(new_expression) @new
(variable_declarator) @declarator
(assignment_expression) @assignment
({field}) @field
(pair) @pair
"""


@functools.cache
def _language(name: str) -> Language:
    if name == "typescript":
        return Language(tree_sitter_typescript.language_typescript())
    if name == "tsx":
        return Language(tree_sitter_typescript.language_tsx())
    return Language(tree_sitter_javascript.language())


@functools.cache
def _parser(name: str) -> Parser:
    return Parser(_language(name))


@functools.cache
def _query(name: str) -> Query:
    field_type = "field_definition" if name == "javascript" else "public_field_definition"
    return Query(_language(name), _QUERY_TEXT.replace("{field}", field_type))


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _line(node: Node) -> int:
    return node.start_point.row + 1


def _unwrap(node: Node | None) -> Node | None:
    for _ in range(MAX_NESTING):
        if node is None or node.type not in _WRAPPERS:
            return node
        children = node.named_children
        if not children:
            return None
        node = children[-1] if node.type in ("await_expression", "type_assertion") else children[0]
    return node


def _unescape(sequence: str) -> str:
    body = sequence[1:]
    if body[:1] in ("u", "x"):
        digits = body[1:].strip("{}")
        try:
            return chr(int(digits, 16))
        except ValueError:
            return ""
    return _ESCAPES.get(body, body)


def _string_literal(node: Node) -> str:
    parts = []
    for child in node.named_children:
        if child.type == "escape_sequence":
            parts.append(_unescape(_text(child)))
        else:
            parts.append(_text(child))
    return "".join(parts)


def _member_path(node: Node | None) -> list[str] | None:
    """``this.client.chat.create`` -> ['this', 'client', 'chat', 'create']; None for computed or call roots."""
    parts: list[str] = []
    current = _unwrap(node)
    while current is not None and current.type == "member_expression" and len(parts) < MAX_NESTING:
        prop = current.child_by_field_name("property")
        if prop is None:
            return None
        parts.append(_text(prop))
        current = _unwrap(current.child_by_field_name("object"))
    if current is None or current.type not in ("identifier", "this", "shorthand_property_identifier"):
        return None
    parts.append(_text(current))
    parts.reverse()
    return parts


def _root_name(node: Node | None) -> str | None:
    """The identifier (or ``this``) a member chain starts from, without building the chain."""
    current = _unwrap(node)
    for _ in range(MAX_NESTING):
        if current is None:
            return None
        if current.type == "member_expression":
            current = _unwrap(current.child_by_field_name("object"))
        elif current.type in ("identifier", "this", "shorthand_property_identifier"):
            return _text(current)
        else:
            return None
    return None


def error_share(root: Node, size: int) -> tuple[float, int]:
    """Share of the bytes inside ERROR nodes, and the first error's line."""
    if not root.has_error or size == 0:
        return 0.0, 0
    error_bytes = 0
    first_row = -1
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error:
            error_bytes += node.end_byte - node.start_byte
            first_row = node.start_point.row if first_row < 0 else min(first_row, node.start_point.row)
            continue
        stack.extend(child for child in node.children if child.has_error)
    return error_bytes / size, first_row + 1


# --- facts about one call -----------------------------------------------------------------------------------------


class _Kind(Enum):
    CLIENT = "client"
    PROVIDER_FACTORY = "provider-factory"
    PROVIDER_MODEL = "provider-model"
    AGENT = "agent"
    MCP = "mcp"
    CALL = "call"


class _Binding(Struct, frozen=True):
    package: str
    export: str
    """The imported name, or ``default`` / ``*`` / ``module`` (a CommonJS ``require`` of the whole module)."""


class _ImportTarget(Struct, frozen=True):
    package: str
    name: str
    rest: tuple[str, ...]


class _AiObject(Struct):
    """A variable holding something AI: a client, an AI SDK provider, a model handle."""

    provider: str | None
    model: str | None = None
    sdk_provider: bool = False


class _ModelRef(Struct, frozen=True):
    model_id: str
    provider: str
    """The model's own provider (part of its identity)."""
    line: int
    span: tuple[int, int] = (0, 0)
    served_by: str | None = None
    """The client's provider when another one serves the model (Azure OpenAI, OpenRouter ...)."""
    emitted_elsewhere: bool = False
    """True when the model comes from a nested call or a variable: that place emits the asset."""


class _EndpointRef(Struct, frozen=True):
    url: Endpoint
    key: str
    line: int
    provider: str | None


class _McpRef(Struct, frozen=True):
    transport: str
    line: int
    name: str | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    url: str | None = None
    env: tuple[str, ...] = ()


class _Facts(Struct):
    kind: _Kind
    line: int
    provider: str | None = None
    client: str | None = None
    models: list[_ModelRef] = field(default_factory=list)
    provider_hosts: list[tuple[str, int]] = field(default_factory=list)
    endpoints: list[_EndpointRef] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    framework: str | None = None
    agent_name: str | None = None
    mcp: list[_McpRef] = field(default_factory=list)


# --- the per-file scan ----------------------------------------------------------------------------------------


class _FileScan:
    """Everything learnt from one parsed file; ``run`` yields its records."""

    def __init__(self, file: FileContent, root: Node, captures: dict[str, list[Node]]) -> None:
        self.file = file
        self.root = root
        self.captures = {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in captures.items()}
        self.catalogue = load_catalogue()
        self.bindings: dict[str, _Binding] = {}
        self.constants: dict[str, Node] = {}
        self.objects: dict[str, _AiObject] = {}
        self.object_roots: set[str] = set()
        self.records: dict[tuple[str, ...], Record] = {}
        self.used_model_spans: set[tuple[int, int]] = set()
        self.agent_ids: list[tuple[str, int]] = []
        self.mcp_ids: list[str] = []
        self.depth = 0

    def nodes(self, name: str) -> list[Node]:
        return self.captures.get(name, [])

    # -- driving ------------------------------------------------------------------------------------------------

    def run(self) -> list[Record]:
        self.collect_imports()
        if not self.bindings and not self.records:
            return []
        self.collect_constants()
        self.collect_objects()
        for node in sorted(self.nodes("call") + self.nodes("new"), key=lambda n: n.start_byte):
            facts = self.classify(node)
            if facts is not None:
                self.emit(facts, node)
        self.loose_models()
        for agent_id, line in self.agent_ids:
            for mcp_id in self.mcp_ids:
                self.relation(agent_id, RelationKind.USES, mcp_id, line)
        return list(self.records.values())

    # -- imports --------------------------------------------------------------------------------------------

    def collect_imports(self) -> None:
        for node in self.nodes("import"):
            require_clause = next((c for c in node.named_children if c.type == "import_require_clause"), None)
            if require_clause is not None:  # TS: import x = require("y")
                package = self.use_module(require_clause.child_by_field_name("source"), node)
                name = require_clause.named_children[0] if require_clause.named_children else None
                if package and name is not None and name.type == "identifier":
                    self.bindings[_text(name)] = _Binding(package, "module")
                continue
            package = self.use_module(node.child_by_field_name("source"), node)
            if package is None:
                continue
            clause = next((c for c in node.named_children if c.type == "import_clause"), None)
            if clause is not None:
                self.bind_import_clause(clause, package)
        for node in self.nodes("export"):
            self.use_module(node.child_by_field_name("source"), node)
        for node in self.nodes("call"):
            function = node.child_by_field_name("function")
            if function is None or not (
                function.type == "import" or (function.type == "identifier" and _text(function) == "require")
            ):
                continue
            args = self.arguments(node)
            if not args:
                continue
            package = self.use_module(args[0], node)
            if package is not None:
                self.bind_required(node, package)

    def use_module(self, source: Node | None, statement: Node) -> str | None:
        """Record an import of ``source``; return its package when it is AI."""
        if source is None or source.type not in ("string", "template_string"):
            return None
        specifier = self.string_value(source)
        package = package_of(specifier) if specifier else None
        if package is None or not is_ai_package(package):
            return None
        info = self.catalogue.package("npm", package)
        if info is not None:
            properties: dict[str, JSONValue] = {"ecosystem": "npm", "category": info.category, "source": "import"}
            if info.provider:
                properties["provider"] = info.provider
            self.asset(
                Asset(
                    kind=AssetKind.PACKAGE,
                    name=info.name,
                    key=f"npm:{normalise_package('npm', info.name)}",
                    locations=(file_location(self.file, _line(statement)),),
                    properties=properties,
                )
            )
        return package

    def bind_import_clause(self, clause: Node, package: str) -> None:
        for child in clause.named_children:
            if child.type == "identifier":
                self.bindings[_text(child)] = _Binding(package, "default")
            elif child.type == "namespace_import":
                for ident in child.named_children:
                    self.bindings[_text(ident)] = _Binding(package, "*")
            elif child.type == "named_imports":
                for spec in child.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    if name is not None and alias is not None:
                        self.bindings[_text(alias)] = _Binding(package, self.string_value(name) or _text(name))

    def bind_required(self, call: Node, package: str) -> None:
        """``const X = require('m')``, ``const {A, B: C} = await import('m')``, ``require('m').X``."""
        node = call
        parent = node.parent
        if parent is not None and parent.type == "await_expression":
            node, parent = parent, parent.parent
        member = "module"
        if parent is not None and parent.type == "member_expression" and parent.child_by_field_name("object") == node:
            attribute = _text(parent.child_by_field_name("property"))
            member = "module" if attribute == "default" else attribute
            node, parent = parent, parent.parent
        if parent is None or parent.type != "variable_declarator" or parent.child_by_field_name("value") != node:
            return
        pattern = parent.child_by_field_name("name")
        if pattern is None:
            return
        if pattern.type == "identifier":
            self.bindings[_text(pattern)] = _Binding(package, member)
        elif pattern.type == "object_pattern" and member == "module":
            for prop in pattern.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    self.bindings[_text(prop)] = _Binding(package, _text(prop))
                elif prop.type == "pair_pattern":
                    key = prop.child_by_field_name("key")
                    value = prop.child_by_field_name("value")
                    if key is not None and value is not None and value.type == "identifier":
                        self.bindings[_text(value)] = _Binding(package, _text(key))

    # -- constants and variables --------------------------------------------------------------------------------

    def collect_constants(self) -> None:
        for node in self.nodes("declarator"):
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                self.constants.setdefault(_text(name), value)

    def collect_objects(self) -> None:
        """Variables that hold AI clients, AI SDK providers and model handles, so later calls on them count."""
        targets: list[tuple[Node, str]] = []
        for node in self.nodes("declarator"):
            declared = node.child_by_field_name("name")
            if declared is not None and declared.type == "identifier":
                targets.append((node, _text(declared)))
        for node in self.nodes("assignment"):
            path = _member_path(node.child_by_field_name("left"))
            if path:
                targets.append((node, ".".join(path)))
        for node in self.nodes("field"):
            declared = node.child_by_field_name("name")
            if declared is not None:
                targets.append((node, f"this.{_text(declared)}"))
        for node, name in sorted(targets, key=lambda t: t[0].start_byte):
            value = _unwrap(node.child_by_field_name("value") or node.child_by_field_name("right"))
            if value is None or value.type not in ("call_expression", "new_expression"):
                continue
            facts = self.classify(value)
            if facts is None or facts.kind in (_Kind.AGENT, _Kind.MCP):
                continue
            if facts.kind is _Kind.CALL and facts.provider is None and not facts.models:
                continue
            model = facts.models[0].model_id if facts.models else None
            self.objects[name] = _AiObject(facts.provider, model, facts.kind is _Kind.PROVIDER_FACTORY)
            self.object_roots.add(name.split(".", 1)[0])

    # -- values -------------------------------------------------------------------------------------------------

    def string_value(self, node: Node | None, depth: int = 0) -> str | None:
        """The string a node evaluates to, following constants, concatenation and ``??``/``||`` defaults."""
        node = _unwrap(node)
        if node is None or depth > MAX_RESOLVE_DEPTH:
            return None
        kind = node.type
        if kind == "string":
            return _string_literal(node)
        if kind == "template_string":
            parts: list[str] = []
            for child in node.named_children:
                if child.type == "template_substitution":
                    inner = self.string_value(child.named_children[0] if child.named_children else None, depth + 1)
                    if inner is None:
                        return None
                    parts.append(inner)
                elif child.type == "escape_sequence":
                    parts.append(_unescape(_text(child)))
                else:
                    parts.append(_text(child))
            return "".join(parts)
        if kind in ("identifier", "shorthand_property_identifier"):
            return self.string_value(self.constants.get(_text(node)), depth + 1)
        if kind == "binary_expression":
            operator = _text(node.child_by_field_name("operator"))
            left = self.string_value(node.child_by_field_name("left"), depth + 1)
            if operator in ("??", "||"):
                return left or self.string_value(node.child_by_field_name("right"), depth + 1)
            if operator == "+":
                right = self.string_value(node.child_by_field_name("right"), depth + 1)
                return left + right if left is not None and right is not None else None
            return None
        if kind == "member_expression":
            owner = self.object_literal(node.child_by_field_name("object"), depth + 1)
            prop = _text(node.child_by_field_name("property"))
            if owner is not None:
                for key, value in self.pairs(owner):
                    if key == prop:
                        return self.string_value(value, depth + 1)
        return None

    def object_literal(self, node: Node | None, depth: int = 0) -> Node | None:
        node = _unwrap(node)
        if node is not None and node.type == "identifier" and depth <= MAX_RESOLVE_DEPTH:
            return self.object_literal(self.constants.get(_text(node)), depth + 1)
        return node if node is not None and node.type == "object" else None

    def pairs(self, obj: Node) -> Iterator[tuple[str, Node]]:
        for child in obj.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = self.string_value(key) if key.type == "string" else _text(key)
                if name and key.type != "computed_property_name":
                    yield name, value
            elif child.type == "shorthand_property_identifier":
                yield _text(child), child

    def walk_pairs(self, objects: Iterable[Node], depth: int = 0) -> Iterator[tuple[str, Node]]:
        """Pairs of the objects and of objects nested in them (``configuration: {baseURL}``)."""
        for obj in objects:
            for key, value in self.pairs(obj):
                yield key, value
                inner = _unwrap(value)
                if inner is not None and inner.type == "object" and depth < 3:
                    yield from self.walk_pairs([inner], depth + 1)

    def arguments(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        if args is None:
            return []
        if args.type == "template_string":  # tagged template
            return []
        return [n for arg in args.named_children if arg.type != "comment" and (n := _unwrap(arg)) is not None]

    def option_objects(self, args: Sequence[Node]) -> list[Node]:
        return [obj for arg in args if (obj := self.object_literal(arg)) is not None]

    def url_value(self, node: Node | None) -> str | None:
        """A URL given as a string or as ``new URL(text, base?)``."""
        node = _unwrap(node)
        if (
            node is not None
            and node.type == "new_expression"
            and _text(node.child_by_field_name("constructor")) == "URL"
        ):
            args = self.arguments(node)
            if not args:
                return None
            first = self.string_value(args[0])
            base = self.string_value(args[1]) if len(args) > 1 else None
            if first is not None and base is not None:
                return urljoin(base, first)
            return first
        return self.string_value(node)

    # -- models -----------------------------------------------------------------------------------------------

    def model_identity(self, raw: str, provider: str | None) -> tuple[str, str] | None:
        """(model id, the model's own provider) for a model string; None when it is no model id.

        The same rules as Python code (:func:`aispm.discover.usage_values.classify_model`), so that a model keeps
        one identity whichever language uses it: a catalogue id is its maker's, a Hub ``org/name`` is Hugging
        Face's, whatever client or router serves it.  An id only the client can place (an Azure deployment, a
        fine-tune) is the client's provider's.
        """
        model_id = raw.strip()
        if not _MODEL_ID_RE.fullmatch(model_id) or "://" in model_id:
            return None
        prefix, slash, rest = model_id.partition("/")
        gateway = _GATEWAY_PREFIXES.get(prefix.lower()) or (prefix.lower() in self.catalogue.providers)
        if slash and gateway and rest:
            maker = self.catalogue.model_provider(rest)  # AI SDK gateway / Mastra router: "vertex/gemini-1.5-pro"
            if maker:
                return rest, maker
        known = classify_model(model_id, provider, allow_hub=True)
        if known is not None:
            return known.model_id, known.provider
        if provider:
            return model_id, provider
        return None

    def model_of(self, value: Node, provider: str | None) -> _ModelRef | None:
        """The model a ``model:`` value names: a string, an AI SDK call, or a variable holding a model handle."""
        node = _unwrap(value)
        if node is None:
            return None
        if node.type in ("call_expression", "new_expression"):
            facts = self.classify(node)
            if facts is not None and facts.models:
                return replace(facts.models[0], emitted_elsewhere=True)
            return None
        if node.type == "object":  # older Mastra: model: {provider: "ANTHROPIC", name: "claude-3-5-sonnet-..."}
            values = dict(self.pairs(node))
            hint = (self.string_value(values.get("provider")) or "").lower().replace("_", "")
            provider = provider or next((p for p in self.catalogue.providers if p.replace("-", "") == hint), None)
            node = values.get("name") or values.get("model") or values.get("modelId") or node
        text = self.string_value(node)
        if text is not None:
            identity = self.model_identity(text, provider)
            if identity is None:
                return None
            served_by = provider if provider and provider != identity[1] else None
            return _ModelRef(identity[0], identity[1], _line(value), (value.start_byte, value.end_byte), served_by)
        path = _member_path(node)
        obj = self.objects.get(".".join(path)) if path else None
        if obj is not None and obj.model and obj.provider:
            return _ModelRef(obj.model, obj.provider, _line(value), emitted_elsewhere=True)
        return None

    # -- classifying calls ----------------------------------------------------------------------------------------

    def resolve_callee(self, callee: Node | None) -> _ImportTarget | tuple[_AiObject, tuple[str, ...]] | None:
        root = _root_name(callee)
        if root is None or (root not in self.bindings and root not in self.object_roots):
            return None  # most calls in a file: nothing AI at their root
        path = _member_path(callee)
        if not path:
            return None
        for end in range(len(path), 0, -1):
            obj = self.objects.get(".".join(path[:end]))
            if obj is not None:
                return obj, tuple(path[end:])
        binding = self.bindings.get(path[0])
        if binding is None:
            return None
        rest = path[1:]
        if binding.export in ("*", "module") and rest:
            return _ImportTarget(binding.package, rest[0], tuple(rest[1:]))
        if binding.export in ("*", "module", "default"):
            return _ImportTarget(binding.package, path[0], tuple(rest))
        return _ImportTarget(binding.package, binding.export, tuple(rest))

    def classify(self, node: Node) -> _Facts | None:
        """What a call or ``new`` expression means for the inventory (pure: emits nothing)."""
        if self.depth > MAX_NESTING:
            return None
        self.depth += 1
        try:
            return self._classify(node)
        finally:
            self.depth -= 1

    def _classify(self, node: Node) -> _Facts | None:
        is_new = node.type == "new_expression"
        target = self.resolve_callee(node.child_by_field_name("constructor" if is_new else "function"))
        if target is None:
            return None
        args = self.arguments(node)
        line = _line(node)
        if not isinstance(target, _ImportTarget):
            return self.classify_object_call(target[0], target[1], args, line)
        package, name, rest = target.package, target.name, target.rest
        if not is_ai_package(package):
            return None
        if not rest and is_new and (transport := _MCP_TRANSPORTS.get((package, name))):
            return self.mcp_transport_facts(transport, args, line)
        if not rest and (package, name) in _MCP_SERVER_MAPS:
            return self.mcp_map_facts(args, line)
        if not rest and (package, name) in _MCP_CLIENT_FACTORIES:
            return self.mcp_factory_facts(args, line)
        framework = _AGENT_BUILDERS.get((package, name))
        if framework and rest in ((), ("create",), ("fromAgentAndTools",)):
            return self.agent_facts(framework, args, line)
        package_provider = self.package_provider(package)
        if package in _AI_SDK_PROVIDER_PACKAGES and name[:1].islower():
            if name.startswith("create"):
                return self.options_facts(_Kind.PROVIDER_FACTORY, args, package_provider, line)
            return self.sdk_model_facts(package_provider, rest, args, line)
        client_provider = _client_index().get(name) if is_new and not rest else None
        if client_provider:
            facts = self.options_facts(_Kind.CLIENT, args, client_provider, line)
            facts.client = name
            facts.env = self.env_names(node)
            return facts
        facts = self.options_facts(_Kind.CALL, args, package_provider, line)
        method = rest[-1] if rest else name
        if (package, method) in _MODEL_FIRST_ARGUMENT and args:
            self.add_model(facts, args[0])
        return facts

    def classify_object_call(self, obj: _AiObject, rest: tuple[str, ...], args: list[Node], line: int) -> _Facts:
        if obj.sdk_provider:
            return self.sdk_model_facts(obj.provider, rest, args, line)
        facts = self.options_facts(_Kind.CALL, args, obj.provider, line)
        if obj.provider == "replicate" and rest and rest[-1] in ("run", "stream") and args:
            self.add_model(facts, args[0])
        return facts

    def package_provider(self, package: str) -> str | None:
        info = self.catalogue.package("npm", package)
        return (info.provider if info is not None else None) or _PACKAGE_PROVIDERS.get(package)

    def sdk_model_facts(self, provider: str | None, rest: tuple[str, ...], args: list[Node], line: int) -> _Facts:
        """``openai('gpt-4o')``, ``openai.chat('gpt-4o')``, ``bedrock.embedding('...')``: a model selection."""
        facts = _Facts(_Kind.PROVIDER_MODEL, line, provider=provider)
        if len(rest) <= 1 and rest != ("tools",) and args:
            self.add_model(facts, args[0])
        return facts

    def add_model(self, facts: _Facts, value: Node) -> None:
        ref = self.model_of(value, facts.provider)
        if ref is not None:
            facts.models.append(ref)

    def options_facts(self, kind: _Kind, args: list[Node], provider: str | None, line: int) -> _Facts:
        """Models and base URLs in the option objects of an AI call."""
        facts = _Facts(kind, line, provider=provider)
        models: list[Node] = []
        for key, value in self.walk_pairs(self.option_objects(args)):
            if key in _URL_KEYS:
                self.add_url(facts, key, value)
            elif key in _CALL_MODEL_KEYS:
                models.append(value)
        for value in models:
            self.add_model(facts, value)
        return facts

    def add_url(self, facts: _Facts, key: str, value: Node) -> None:
        raw = self.url_value(value)
        if not raw or (key == "host" and "://" not in raw):
            return  # a bare host name says nothing of scheme or port (vector DB clients take host + port)
        url = parse_endpoint(raw)
        if url is None:
            return
        provider = provider_of_endpoint(url)
        if provider is not None and url.host not in LOCAL_HOSTS:
            facts.provider = provider
            facts.provider_hosts.append((provider, _line(value)))
            return
        if provider is not None:
            facts.provider = provider
        facts.endpoints.append(_EndpointRef(url, key, _line(value), provider))

    def env_names(self, node: Node) -> list[str]:
        return sorted({"".join(groups) for groups in _ENV_RE.findall(_text(node))})

    def agent_facts(self, framework: str, args: list[Node], line: int) -> _Facts:
        facts = _Facts(_Kind.AGENT, line, framework=framework)
        for obj in self.option_objects(args):
            for key, value in self.pairs(obj):
                if key == "name" and facts.agent_name is None:
                    facts.agent_name = self.string_value(value)
                elif key in ("model", "llm"):
                    ref = self.model_of(value, None)
                    if ref is not None:
                        facts.models.append(ref)
        return facts

    def mcp_transport_facts(self, transport: str, args: list[Node], line: int) -> _Facts:
        facts = _Facts(_Kind.MCP, line)
        options = self.option_objects(args)
        if transport != "stdio" and args and not options:
            url = self.url_value(args[0])
            if url:
                facts.mcp.append(_McpRef(transport, line, url=url))
            return facts
        for obj in options:
            ref = self.mcp_server(obj, None, transport, line)
            if ref is not None:
                facts.mcp.append(ref)
        return facts

    def mcp_server(self, obj: Node, name: str | None, transport: str | None, line: int) -> _McpRef | None:
        """One server's settings: command/args/env for stdio, url (and type/transport) otherwise."""
        values = dict(self.pairs(obj))
        name = self.string_value(values["name"]) if "name" in values else name
        kind = self.string_value(values.get("transport")) or self.string_value(values.get("type")) or transport
        env: tuple[str, ...] = ()
        env_obj = self.object_literal(values.get("env"))
        if env_obj is not None:
            env = tuple(sorted({key for key, _ in self.pairs(env_obj)}))
        command = self.string_value(values.get("command"))
        args: list[str] = []
        args_node = _unwrap(values.get("args"))
        if args_node is not None and args_node.type == "array":
            args = [s for item in args_node.named_children if (s := self.string_value(item)) is not None]
        full = self.string_value(values.get("fullCommand"))
        if full and not command:
            words = full.split()
            command, args = (words[0], words[1:]) if words else (None, [])
        if command:
            return _McpRef("stdio", line, name, command, tuple(args), None, env)
        url = self.url_value(values.get("url"))
        if url:
            if kind in (None, "stdio"):
                kind = "sse" if url.rstrip("/").endswith("/sse") else "streamable-http"
            return _McpRef(kind or "streamable-http", line, name, url=url, env=env)
        return None

    def mcp_map_facts(self, args: list[Node], line: int) -> _Facts:
        facts = _Facts(_Kind.MCP, line)
        for obj in self.option_objects(args):
            values = dict(self.pairs(obj))
            servers = self.object_literal(values.get("mcpServers") or values.get("servers")) or obj
            for name, value in self.pairs(servers):
                server = self.object_literal(value)
                if server is not None:
                    ref = self.mcp_server(server, name, None, _line(value))
                    if ref is not None:
                        facts.mcp.append(ref)
        return facts

    def mcp_factory_facts(self, args: list[Node], line: int) -> _Facts:
        facts = _Facts(_Kind.MCP, line)
        for obj in self.option_objects(args):
            transport = self.object_literal(dict(self.pairs(obj)).get("transport"))
            if transport is not None:
                ref = self.mcp_server(transport, None, None, _line(transport))
                if ref is not None:
                    facts.mcp.append(ref)
        return facts

    # -- emitting records -----------------------------------------------------------------------------------------

    def asset(self, asset: Asset) -> Asset:
        line = asset.locations[0].start_line if asset.locations else None
        self.records.setdefault(("asset", asset.kind.value, asset.key.lower(), str(line)), asset)
        return asset

    def relation(self, source: str, kind: RelationKind, target: str, line: int) -> None:
        relation = Relation(source, kind, target, file_location(self.file, line))
        self.records.setdefault(("relation", source, kind.value, target), relation)

    def provider_asset(self, provider_id: str, line: int, client: str | None = None, env: Sequence[str] = ()) -> str:
        info = self.catalogue.providers.get(provider_id)
        properties: dict[str, JSONValue] = {"provider": provider_id}
        if client:
            properties["clients"] = [client]
        if env:
            properties["env"] = list(env)
        asset = Asset(
            kind=AssetKind.PROVIDER,
            name=info.name if info is not None else provider_id,
            key=f"provider:{provider_id}",
            locations=(file_location(self.file, line),),
            properties=properties,
        )
        return self.asset(asset).id

    def model_asset(self, ref: _ModelRef) -> str:
        asset = Asset(
            kind=AssetKind.MODEL,
            name=ref.model_id,
            key=f"model:{ref.provider}:{ref.model_id}".lower(),
            locations=(file_location(self.file, ref.line),),
            properties={"provider": ref.provider, "source": "code"},
        )
        return self.asset(asset).id

    def emit(self, facts: _Facts, node: Node) -> None:
        known = self.catalogue.providers
        provides = facts.kind in (_Kind.CLIENT, _Kind.PROVIDER_FACTORY, _Kind.PROVIDER_MODEL)
        if provides and facts.provider is not None and facts.provider in known:
            self.provider_asset(facts.provider, facts.line, facts.client, facts.env)
        for host_provider, line in facts.provider_hosts:
            if host_provider in known:
                self.provider_asset(host_provider, line)
        endpoint_ids = [self.endpoint_asset(ref) for ref in facts.endpoints]
        model_ids: list[str] = []
        for ref in facts.models:
            model_id = self.model_asset(ref)
            model_ids.append(model_id)
            if ref.emitted_elsewhere:
                continue
            self.used_model_spans.add(ref.span)
            route = ref.served_by or ref.provider
            if route in known:
                provider_id = self.provider_asset(route, ref.line)
                self.relation(provider_id, RelationKind.SERVES, model_id, ref.line)
            for endpoint_id in endpoint_ids:
                self.relation(endpoint_id, RelationKind.SERVES, model_id, ref.line)
        if facts.kind is _Kind.AGENT and facts.framework:
            agent_id = self.agent_asset(facts, node)
            for model_id in model_ids:
                self.relation(agent_id, RelationKind.USES, model_id, facts.line)
        for mcp in facts.mcp:
            self.mcp_ids.append(self.mcp_asset(mcp))

    def endpoint_asset(self, ref: _EndpointRef) -> str:
        url = ref.url
        properties: dict[str, JSONValue] = {**url.properties(), "source": ref.key}
        if ref.provider:
            properties["provider"] = ref.provider
        asset = Asset(
            kind=AssetKind.ENDPOINT,
            name=f"{url.host}:{url.port}",
            key=url.key,
            locations=(file_location(self.file, ref.line),),
            properties=properties,
        )
        return self.asset(asset).id

    def agent_asset(self, facts: _Facts, node: Node) -> str:
        framework = facts.framework or "unknown"
        variable = _assigned_name(node)
        properties: dict[str, JSONValue] = {"framework": framework, "source": "code"}
        if facts.models:
            properties["model"] = facts.models[0].model_id
        if facts.agent_name:
            properties["name"] = facts.agent_name
        if variable:
            properties["variable"] = variable
        asset = Asset(
            kind=AssetKind.AGENT,
            name=facts.agent_name or variable or f"{framework} agent",
            key=f"agent:{framework}:{self.file.ref.relpath}:{variable or facts.line}",
            locations=(file_location(self.file, facts.line),),
            properties=properties,
        )
        agent_id = self.asset(asset).id
        self.agent_ids.append((agent_id, facts.line))
        return agent_id

    def mcp_asset(self, ref: _McpRef) -> str:
        """An MCP server identified like config-file servers: name plus launcher and package, URL or command."""
        properties: dict[str, JSONValue] = {"transport": ref.transport, "source": "code"}
        if ref.command:
            args = redact_arguments(ref.args)
            launch = parse_launch(ref.command, ref.args)
            command = redact_command(ref.command)
            properties.update(command=command, args=args, **launch_properties(launch))
            target = mcp_server_target(launch, None, command, args)
            first = next((a for a in args if not a.startswith("-")), "")
            local_name = first.rsplit("/", 1)[-1] if first else program_name(command)
            name = ref.name or launch.package or local_name
        else:
            url = redact_url(ref.url) if ref.url else MASK
            target = mcp_server_target(None, url, None, ())
            endpoint = parse_endpoint(ref.url or "")
            name = ref.name or (endpoint.host if endpoint is not None else "mcp")
            properties["url"] = url
        if ref.env:
            properties["env"] = list(ref.env)
        asset = Asset(
            kind=AssetKind.MCP_SERVER,
            name=name,
            key=mcp_server_key(name, target),
            locations=(file_location(self.file, ref.line),),
            properties=properties,
        )
        return self.asset(asset).id

    # -- models and provider hosts outside AI calls ----------------------------------------------------------------

    def loose_models(self) -> None:
        """Model-named keys and constants anywhere whose value is a catalogue model id (exact match only)."""
        candidates: list[Node] = []
        for node in self.nodes("pair"):
            key = node.child_by_field_name("key")
            value = node.child_by_field_name("value")
            if key is None or value is None:
                continue
            name = self.string_value(key) if key.type == "string" else _text(key)
            if name in _MODEL_KEYS:
                candidates.append(value)
            elif name in _LOOSE_URL_KEYS:
                raw = self.string_value(value)
                url = parse_endpoint(raw) if raw else None
                provider = provider_of_endpoint(url) if url is not None else None
                if provider is not None and url is not None and url.host not in LOCAL_HOSTS:
                    self.provider_asset(provider, _line(value))
        for node in self.nodes("declarator"):
            declared = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            named_model = (
                declared is not None and declared.type == "identifier" and _MODEL_NAME_RE.search(_text(declared))
            )
            if named_model and value is not None:
                candidates.append(value)
        for value in candidates:
            if (value.start_byte, value.end_byte) in self.used_model_spans:
                continue
            text = self.string_value(value)
            provider = self.catalogue.model_provider(text) if text else None
            if text and provider:
                ref = _ModelRef(text.strip(), provider, _line(value))
                model_id = self.model_asset(ref)
                if provider in self.catalogue.providers:
                    self.relation(self.provider_asset(provider, ref.line), RelationKind.SERVES, model_id, ref.line)


def _assigned_name(node: Node) -> str | None:
    """The variable (or ``this.field``) an expression is assigned to, looking through chained calls."""
    current = node
    for _ in range(12):
        parent = current.parent
        if parent is None:
            return None
        if parent.type == "variable_declarator":
            name = parent.child_by_field_name("name")
            return _text(name) if name is not None and name.type == "identifier" else None
        if parent.type == "assignment_expression":
            path = _member_path(parent.child_by_field_name("left"))
            return ".".join(path) if path else None
        if parent.type in ("public_field_definition", "field_definition"):
            return _text(parent.child_by_field_name("name")) or None
        if parent.type not in ("member_expression", "call_expression", *_WRAPPERS):
            return None
        current = parent
    return None


class JavaScriptSourceAnalyser(Analyser):
    """AI usage in JavaScript and TypeScript: imports, clients, models, endpoints, agents and MCP servers."""

    name = "js-source"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return ref.suffix in SUFFIX_LANGUAGE and not ref.name_lower.endswith(_SKIPPED_NAME_ENDINGS)

    def analyse(self, file: FileContent) -> Iterable[Record]:
        if not file.data:
            return []
        if file.is_binary:
            raise AnalysisError("binary content: not JavaScript/TypeScript source text")
        text = file.text
        sample = text[:8192]
        if len(_CONTROL_RE.findall(sample)) > CONTROL_SHARE_LIMIT * len(sample):
            raise AnalysisError("not JavaScript/TypeScript source text: too many control characters")
        if looks_minified(text) or not imports_ai_package(text):
            return []
        language = SUFFIX_LANGUAGE[file.ref.suffix]
        source = text.encode("utf-8")
        if len(source) > MAX_PARSE_BYTES:
            raise AnalysisError(
                f"source larger than {MAX_PARSE_BYTES // (1024 * 1024)} MiB (likely generated): AI usage not analysed"
            )
        tree = _parser(language).parse(source)
        share, first_error_line = error_share(tree.root_node, len(source))
        if share > ERROR_SHARE_LIMIT:
            raise AnalysisError(
                f"cannot parse as {language}: {share:.0%} of the file is not valid syntax "
                f"(first error near line {first_error_line})"
            )
        captures = QueryCursor(_query(language)).captures(tree.root_node)
        return _FileScan(file, tree.root_node, captures).run()
