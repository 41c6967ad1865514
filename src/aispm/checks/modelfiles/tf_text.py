"""TensorFlow graphs in protobuf *text* format: ``saved_model.pbtxt`` and ``graph.pbtxt``.

``tf.saved_model.load`` accepts a ``saved_model.pbtxt`` in place of ``saved_model.pb``, so a text SavedModel runs
its ops just the same.  The text is tokenised and walked once, without TensorFlow or a protobuf library: only the
fields that name ops are followed (``node``/``node_def`` name, op, inputs, and the string attributes and constants
that say which path an op reads), and every node goes through the same judgement as the binary reader's
(:func:`.tf_graph.add_node`, :func:`.tf_graph.judge_scope`).  Parsing is iterative, with bounds on the text size,
the nesting depth and the kept string lengths; anything that is not valid text format is a :class:`TextFormatError`.
"""

from __future__ import annotations

import codecs
import re
import warnings

from msgspec import Struct, field

from aispm.checks.modelfiles.streams import LimitExceeded
from aispm.checks.modelfiles.tf_graph import (
    DT_STRING,
    MAX_PATH,
    Node,
    Scope,
    TfGraphFacts,
    TfOpPolicy,
    add_node,
    default_tf_policy,
    judge_scope,
)

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""Text graphs are read whole; real ones are a few MiB (the weights live in the variables files)."""
MAX_DEPTH = 100
MAX_INPUTS = 1024
"""Inputs kept per node (a path comes from the first ones; control inputs, listed last, are not needed)."""
MAX_ATTR_TEXTS = 16
"""Strings kept per attribute, as many as the judgement looks at."""
_TOKEN = re.compile(
    r"""(?:\s|\#[^\n]*+)*+(?:(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?P<punct>[{}<>:\[\],;])"""
    r"""|(?P<word>[^\s{}<>:\[\],;"'\#]+)|(?P<end>\Z))"""
)
_CLOSERS = {"{": "}", "<": ">"}
_NODE_PARENTS = {"node": ("graph_def", ""), "node_def": ("function",)}
"""Field -> the messages in which it holds a ``NodeDef`` ('' is the top level of a text ``GraphDef``)."""


class TextFormatError(ValueError):
    """The text is not valid protobuf text format."""


class _Attr(Struct):
    key: str = ""
    texts: list[str] = field(default_factory=list)
    tensor_texts: list[str] = field(default_factory=list)
    tensor_dtype: str = ""


def _unquote(token: str) -> str:
    """A quoted text-format string: C escapes decoded to bytes (never evaluated), then read as UTF-8.

    Only the first ``MAX_PATH * 4`` characters are decoded; a cut that splits an escape drops its backslash, and a
    malformed escape becomes ``?`` rather than an error, so a long string cannot hide the ops after it.
    """
    body = token[1:-1]
    if len(body) > MAX_PATH * 4:
        body = body[: MAX_PATH * 4]
        if (len(body) - len(body.rstrip("\\"))) % 2:  # an odd run of backslashes: the last one began an escape
            body = body[:-1]
    raw = body.encode("latin-1", "replace")
    if b"\\" not in raw:
        return raw.decode("utf-8", "replace")[:MAX_PATH]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # "invalid escape sequence": kept as written
            value: bytes = codecs.escape_decode(raw, "replace")[0]
    except ValueError:
        raise TextFormatError(f"bad escape in string {token[:40]!r}") from None
    return value.decode("utf-8", "replace")[:MAX_PATH]


class _Walker:
    """Receives open/scalar/close events with the path of field names, and builds nodes and scopes from them."""

    def __init__(self, policy: TfOpPolicy) -> None:
        self.policy = policy
        self.facts = TfGraphFacts()
        self.path: list[str] = []
        self.scopes: list[Scope] = [Scope()]
        """The top level (a text GraphDef), then one per ``graph_def`` and per library ``function`` open."""
        self.node: Node | None = None
        self.node_depth = -1
        self.attr: _Attr | None = None
        self.graph_seen = False

    def open(self, name: str) -> None:
        parent = self.path[-1] if self.path else ""
        if name == "graph_def" or (name == "function" and parent == "library"):
            self.scopes.append(Scope())
            self.graph_seen = True
        elif self.node is None and parent in _NODE_PARENTS.get(name, ()):
            self.node, self.node_depth = Node(), len(self.path)
            self.graph_seen = True
        elif name == "attr" and self.node is not None and len(self.path) == self.node_depth + 1:
            self.attr = _Attr()
        self.path.append(name)

    def scalar(self, name: str, value: str) -> None:
        parent = self.path[-1] if self.path else ""
        node = self.node
        if node is not None and len(self.path) == self.node_depth + 1:
            if name == "name":
                node.name = value
            elif name == "op":
                node.op = value[:256]
            elif name == "input" and len(node.inputs) < MAX_INPUTS:
                node.inputs.append(value.lstrip("^").split(":", 1)[0])
        elif parent == "signature" and name == "name" and len(self.path) >= 2 and self.path[-2] == "function":
            self.scopes[-1].function = value
        elif self.attr is not None:
            self._attr_scalar(name, value, parent)

    def _attr_scalar(self, name: str, value: str, parent: str) -> None:
        attr = self.attr
        assert attr is not None
        grandparent = self.path[-2] if len(self.path) >= 2 else ""
        if parent == "attr" and name == "key":
            attr.key = value
        elif name == "s" and (parent == "value" or (parent == "list" and grandparent == "value")):
            if len(attr.texts) < MAX_ATTR_TEXTS:
                attr.texts.append(value)
        elif parent == "tensor" and name == "dtype":
            attr.tensor_dtype = value
        elif parent == "tensor" and name == "string_val" and not attr.tensor_texts:
            attr.tensor_texts.append(value)

    def close(self) -> None:
        name = self.path.pop()
        attr, node = self.attr, self.node
        if name == "tensor" and attr is not None:
            if attr.tensor_dtype in ("", "DT_STRING", str(DT_STRING)) and not attr.texts:
                attr.texts.extend(attr.tensor_texts)
            attr.tensor_texts.clear()
        elif name == "attr" and attr is not None and node is not None and len(self.path) == self.node_depth + 1:
            if attr.key == "value" and attr.texts:
                node.const_text = attr.texts[0]
            elif attr.texts and attr.key in self.policy.attribute_checked.get(node.op, ()):
                node.attributes[attr.key] = attr.texts[:MAX_ATTR_TEXTS]
            self.attr = None
        elif node is not None and len(self.path) == self.node_depth:
            add_node(node, self.scopes[-1], self.policy, self.facts)
            self.node, self.node_depth = None, -1
        elif name == "graph_def" or (name == "function" and self.path[-1:] == ["library"]):
            if name == "function":
                self.facts.functions += 1
            judge_scope(self.scopes.pop(), self.policy, self.facts)

    def finish(self) -> TfGraphFacts:
        judge_scope(self.scopes[0], self.policy, self.facts)
        return self.facts


def _parse(text: str, walker: _Walker) -> None:
    """Tokenise and walk ``text`` with an explicit stack (no recursion), reporting events to ``walker``."""
    pos = 0
    closers: list[str] = []
    listed: list[str | None] = []
    """Per open message: its field name when it sits in a ``[...]`` list of messages (another may follow)."""

    def token() -> tuple[str, str]:
        nonlocal pos
        match = _TOKEN.match(text, pos)
        if match is None:
            raise TextFormatError(f"unexpected character {text[pos : pos + 20]!r} at offset {pos}")
        pos = match.end()
        kind = match.lastgroup or "end"
        return kind, match.group(kind) if kind != "end" else ""

    def value_of(kind: str, value: str) -> str:
        nonlocal pos
        if kind == "word":
            return value
        if kind != "string":
            raise TextFormatError(f"expected a value, found {value!r} at offset {pos}")
        parts = [_unquote(value)]
        kept = len(parts[0])
        while (nxt := _TOKEN.match(text, pos)) is not None and nxt.lastgroup == "string":
            if kept < MAX_PATH:  # adjacent literals concatenate; past MAX_PATH they are only skipped
                parts.append(_unquote(nxt.group("string")))
                kept += len(parts[-1])
            pos = nxt.end()
        return "".join(parts)[:MAX_PATH]

    def open_message(name: str, opener: str, in_list: bool) -> None:
        if len(closers) >= MAX_DEPTH:
            raise LimitExceeded(f"text protobuf nested deeper than {MAX_DEPTH} messages")
        closers.append(_CLOSERS[opener])
        listed.append(name if in_list else None)
        walker.open(name)

    while True:
        kind, value = token()
        if kind == "end":
            if closers:
                raise TextFormatError("text ends inside a message")
            return
        if kind == "punct" and closers and value == closers[-1]:
            closers.pop()
            walker.close()
            list_name = listed.pop()
            if list_name is not None:  # a message inside [ ... ]: another one follows, or the list ends
                kind, value = token()
                if value == ",":
                    kind, value = token()
                    if value not in _CLOSERS:
                        raise TextFormatError(f"expected a message in a list at offset {pos}")
                    open_message(list_name, value, True)
                elif value != "]":
                    raise TextFormatError(f"expected ',' or ']' at offset {pos}")
            continue
        if kind == "punct" and value in ",;":
            continue
        name = value
        if kind == "punct" and value == "[":  # an extension or Any type URL: [type.googleapis.com/pkg.Msg]
            kind, name = token()
            if kind != "word" or token()[1] != "]":
                raise TextFormatError(f"bad extension name at offset {pos}")
        elif kind != "word":
            raise TextFormatError(f"expected a field name, found {value!r} at offset {pos}")
        kind, value = token()
        colon = value == ":" and kind == "punct"
        if colon:
            kind, value = token()
        if kind == "punct" and value in _CLOSERS:
            open_message(name, value, False)
        elif colon and kind == "punct" and value == "[":
            kind, value = token()
            if kind == "punct" and value in _CLOSERS:
                open_message(name, value, True)
                continue
            while not (kind == "punct" and value == "]"):
                walker.scalar(name, value_of(kind, value))
                kind, value = token()
                if value == ",":
                    kind, value = token()
                elif value != "]":
                    raise TextFormatError(f"expected ',' or ']' at offset {pos}")
        elif colon:
            walker.scalar(name, value_of(kind, value))
        else:
            raise TextFormatError(f"expected ':' or a message after {name[:40]!r} at offset {pos}")


def read_tf_text_graph(data: bytes) -> TfGraphFacts | None:
    """Ops of a text SavedModel or GraphDef, or ``None`` when the text holds no graph (another text proto).

    Raises :class:`TextFormatError` or ``LimitExceeded``.
    """
    if len(data) > MAX_TEXT_BYTES:
        raise LimitExceeded(f"text protobuf larger than {MAX_TEXT_BYTES // (1024 * 1024)} MiB")
    walker = _Walker(default_tf_policy())
    _parse(data.decode("latin-1"), walker)
    facts = walker.finish()
    return facts if walker.graph_seen else None
