"""TensorFlow graphs that run Python or reach files and the network: ``saved_model.pb`` and frozen GraphDefs.

A SavedModel is a protobuf (``SavedModel`` -> ``MetaGraphDef`` -> ``GraphDef``, whose ``library`` holds the
``tf.function`` bodies); serving it runs every op in it.  The protobuf is walked as a stream, without TensorFlow:
node op names are listed in the graph and in every library function, constant string tensors are kept (bounded)
so that the path an op reads or writes can be named, and tensor payloads are skipped.  Which ops matter is data
(``tf_ops.yaml`` beside this module).
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from msgspec import Struct, field

from aispm.checks.modelfiles.protobuf import ProtoReader
from aispm.checks.modelfiles.streams import ByteSource
from aispm.files.structured import load_shipped_yaml

MAX_CONSTANTS = 100_000
MAX_FLAGGED = 1000
MAX_PATH = 1024
DT_STRING = 7
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]")


class TfOpPolicy(Struct, frozen=True):
    code: frozenset[str]
    files: frozenset[str]
    network: frozenset[str]
    path_checked: frozenset[str]
    attribute_checked: Mapping[str, frozenset[str]]

    def category(self, op: str) -> str | None:
        for name, ops in (("code", self.code), ("files", self.files), ("network", self.network)):
            if op in ops:
                return name
        return None


@cache
def default_tf_policy() -> TfOpPolicy:
    """The shipped op lists (read once per process)."""
    data = load_shipped_yaml(Path(__file__).with_name("tf_ops.yaml").read_text("utf-8"))

    def ops(section: str) -> frozenset[str]:
        return frozenset(str(op) for op in data.get(section) or [])

    attributes = {str(op): frozenset(map(str, names)) for op, names in (data.get("attribute_checked") or {}).items()}
    return TfOpPolicy(ops("code"), ops("files"), ops("network"), ops("path_checked"), attributes)


class TfOpUse(Struct, frozen=True):
    """One node whose op reaches outside the graph."""

    category: str
    """``code``, ``files``, ``network`` or ``path`` (a checkpoint or data op given an escaping path)."""
    op: str
    node: str
    function: str
    """The library function the node is in ('' for the top-level graph)."""
    paths: tuple[str, ...] = ()


class TfGraphFacts(Struct):
    ops: Counter[str] = field(default_factory=Counter)
    uses: list[TfOpUse] = field(default_factory=list)
    functions: int = 0
    constants: int = 0
    """Constant strings kept so far (bounded by ``MAX_CONSTANTS``)."""


class Node(Struct):
    name: str = ""
    op: str = ""
    inputs: list[str] = field(default_factory=list)
    const_text: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)


class Scope(Struct):
    """One graph or function body: its constant strings by node name, and the nodes worth judging."""

    function: str = ""
    constants: dict[str, str] = field(default_factory=dict)
    candidates: list[Node] = field(default_factory=list)


def is_odd_path(path: str) -> bool:
    """Absolute, drive-rooted, escaping with ``..``, or a URL: not a path inside the model directory."""
    if not path or "\0" in path:
        return bool(path)
    if _URL.match(path) or path.startswith(("/", "\\")) or _WINDOWS_ABSOLUTE.match(path):
        return True
    resolved = posixpath.normpath(path.replace("\\", "/"))
    return resolved == ".." or resolved.startswith("../")


def _input_node(reference: str) -> str:
    """``^node``, ``node:0`` and (in functions) ``node:output:0`` all name ``node``."""
    return reference.lstrip("^").split(":", 1)[0]


class _Reader(ProtoReader):
    def __init__(self, source: ByteSource, policy: TfOpPolicy) -> None:
        super().__init__(source)
        self.policy = policy
        self.facts = TfGraphFacts()

    def saved_model(self, end: int | None) -> None:
        self.walk(end, {2: self.meta_graph})

    def meta_graph(self, end: int) -> None:
        self.walk(end, {2: self.graph_def})

    def graph_def(self, end: int | None) -> None:
        scope = Scope()
        self.walk(end, {1: lambda e: self.node(e, scope), 2: self.library})
        self.judge(scope)

    def library(self, end: int) -> None:
        self.walk(end, {1: self.function})

    def function(self, end: int) -> None:
        self.facts.functions += 1
        scope = Scope()

        def signature(signature_end: int) -> None:
            self.walk(signature_end, {1: lambda e: setattr(scope, "function", self.text(e, MAX_PATH))})

        self.walk(end, {1: signature, 3: lambda e: self.node(e, scope)})
        self.judge(scope)

    def node(self, end: int, scope: Scope) -> None:
        node = Node()
        self.walk(
            end,
            {
                1: lambda e: setattr(node, "name", self.text(e, MAX_PATH)),
                2: lambda e: setattr(node, "op", self.text(e, 256)),
                3: lambda e: node.inputs.append(_input_node(self.text(e, MAX_PATH))),
                5: lambda e: self.attribute(e, node),
            },
        )
        add_node(node, scope, self.policy, self.facts)

    def attribute(self, end: int, node: Node) -> None:
        """One ``map<string, AttrValue>`` entry: the Const ``value`` tensor's first string, checked attributes."""
        key: list[str] = []
        texts: list[str] = []

        def value(value_end: int) -> None:
            self.walk(
                value_end,
                {
                    2: lambda e: texts.append(self.text(e, MAX_PATH)),
                    1: lambda e: self.walk(e, {2: lambda item: texts.append(self.text(item, MAX_PATH))}),
                    8: lambda e: self.tensor(e, texts),
                },
            )

        self.walk(end, {1: lambda e: key.append(self.text(e, 256)), 2: value})
        name = key[0] if key else ""
        if name == "value" and texts:
            node.const_text = texts[0]
        elif texts and name in self.policy.attribute_checked.get(node.op, ()):
            node.attributes[name] = texts[:16]

    def tensor(self, end: int, texts: list[str]) -> None:
        dtype: list[int] = []

        def string_value(value_end: int) -> None:
            if not texts:
                texts.append(self.text(value_end, MAX_PATH))

        self.walk(end, {8: string_value}, {1: dtype.append})
        if dtype and dtype[0] != DT_STRING:
            texts.clear()

    def judge(self, scope: Scope) -> None:
        judge_scope(scope, self.policy, self.facts)


def add_node(node: Node, scope: Scope, policy: TfOpPolicy, facts: TfGraphFacts) -> None:
    """Count a finished node, keep it as a constant string or as a candidate to judge (the binary and the text
    readers share this, so both judge a graph the same way)."""
    facts.ops[node.op] += 1
    if node.const_text is not None and node.op == "Const" and facts.constants < MAX_CONSTANTS:
        facts.constants += 1
        scope.constants[node.name] = node.const_text
    if (
        policy.category(node.op) is not None or node.op in policy.path_checked or node.op in policy.attribute_checked
    ) and len(scope.candidates) < MAX_FLAGGED:
        scope.candidates.append(node)


def judge_scope(scope: Scope, policy: TfOpPolicy, facts: TfGraphFacts) -> None:
    """The uses of one graph or function body, once all its nodes (and constants) are known."""
    for node in scope.candidates:
        paths = tuple(scope.constants[name] for name in node.inputs if name in scope.constants)
        category = policy.category(node.op)
        if category is not None:
            use = TfOpUse(category, node.op, node.name, scope.function, paths[:4])
        elif node.op in policy.path_checked:
            odd = tuple(path for path in paths if is_odd_path(path))
            if not odd:
                continue
            use = TfOpUse("path", node.op, node.name, scope.function, odd[:4])
        else:
            targets = tuple(value for values in node.attributes.values() for value in values if _sends_outside(value))
            if not targets:
                continue
            use = TfOpUse("files", node.op, node.name, scope.function, targets[:4])
        facts.uses.append(use)


def _sends_outside(value: str) -> bool:
    """An output stream or debug URL that writes a file or talks to a server (not stderr/stdout/log)."""
    return bool(_URL.match(value)) or value.startswith(("/", "\\"))


def read_tf_graph(source: ByteSource, size: int | None, saved_model: bool) -> TfGraphFacts:
    """Ops of a ``saved_model.pb`` (``saved_model``) or a frozen ``GraphDef`` of ``size`` bytes.

    Raises :class:`~.protobuf.ProtobufError`, ``Truncated`` or ``LimitExceeded``.
    """
    reader = _Reader(source, default_tf_policy())
    if saved_model:
        reader.saved_model(size)
    else:
        reader.graph_def(size)
    return reader.facts
