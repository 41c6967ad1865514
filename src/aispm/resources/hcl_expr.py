"""A small, safe evaluator of Terraform expressions as python-hcl2 renders them (``"${var.a ? 1 : 2}"``).

It resolves what can be known from the code alone (literals, variables with defaults or tfvars, locals, ``each``
and ``count`` in known loops, conditionals, comparisons, logic and a handful of pure functions) and returns the
markers of :mod:`aispm.resources.values` for the rest: a reference to another resource is set but unknown, a
variable without a value or a ``for`` expression is unknown.  Nothing is executed and malformed text gives an
unknown value, never an exception.  Work is bounded by the text length and a nesting limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from msgspec import Struct

from aispm.resources.values import as_bool, is_open, is_reference, is_unknown, reference, unknown

MAX_DEPTH = 60
MAX_EXPRESSION_CHARS = 20_000


class Scope(Protocol):
    """Resolves the head of a traversal (``var.x``, ``local.y``, ``aws_kms_key.k.arn``)."""

    def resolve(self, names: Sequence[str]) -> tuple[Any, int]:
        """The value of the first names of ``names`` and how many names it consumed (at least one)."""


class _Malformed(Exception):
    pass


_TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|\[\*\]|\.\*|[?:!<>+\-*/%()\[\]{},.=])
    """,
    re.X | re.S,
)


class _Token(Struct, frozen=True):
    kind: str  # number, ident, op, string, end
    text: str


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The raw content of the double-quoted string opening at ``start`` (escapes kept) and the index after it."""
    index = start + 1
    depth = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "$" and text.startswith("${", index):
            depth += 1
            index += 2
            continue
        if depth and char == "}":
            depth -= 1
        elif depth and char == '"':
            _, index = _read_string(text, index)
            continue
        elif not depth and char == '"':
            return text[start + 1 : index], index + 1
        index += 1
    raise _Malformed("unterminated string")


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    length = len(text)
    while index < length:
        if text[index] == '"':
            raw, index = _read_string(text, index)
            tokens.append(_Token("string", raw))
            continue
        match = _TOKEN.match(text, index)
        if match is None:
            raise _Malformed(f"unexpected character {text[index]!r}")
        index = match.end()
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group()))
    tokens.append(_Token("end", ""))
    return tokens


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), raw)


def _split_template(raw: str) -> list[tuple[bool, str]]:
    """A template as (is_expression, text) parts; ``$${`` is a literal ``${``."""
    parts: list[tuple[bool, str]] = []
    literal: list[str] = []
    index = 0
    length = len(raw)
    while index < length:
        if raw.startswith("$${", index):
            literal.append("${")
            index += 3
            continue
        if raw.startswith(("${", "%{"), index):
            if raw[index] == "%":
                raise _Malformed("template directive")
            depth = 1
            cursor = index + 2
            while cursor < length and depth:
                char = raw[cursor]
                if char == '"':
                    _, cursor = _read_string(raw, cursor)
                    continue
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth -= 1
                cursor += 1
            if depth:
                raise _Malformed("unterminated interpolation")
            if literal:
                parts.append((False, _unescape("".join(literal))))
                literal = []
            parts.append((True, raw[index + 2 : cursor - 1]))
            index = cursor
            continue
        literal.append(raw[index])
        index += 1
    if literal:
        parts.append((False, _unescape("".join(literal))))
    return parts


def _text_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def evaluate_template(raw: str, scope: Scope, depth: int = 0) -> Any:
    """A string that may hold ``${...}`` interpolations; a single whole interpolation keeps its value's type."""
    if "${" not in raw and "%{" not in raw:
        return raw
    try:
        parts = _split_template(raw)
    except _Malformed:
        return unknown(raw)
    if len(parts) == 1 and parts[0][0]:
        return evaluate_expression(parts[0][1], scope, depth + 1)
    pieces: list[str] = []
    known = True
    for is_expression, text in parts:
        if not is_expression:
            pieces.append(text)
            continue
        value = evaluate_expression(text, scope, depth + 1)
        piece = _text_of(value)
        if piece is None:
            if is_unknown(value) or value is None:
                return unknown(raw)
            known = False
            continue
        pieces.append(piece)
    # A string with a reference inside is still a non-null string: set, but not known.
    return "".join(pieces) if known else reference("", raw)


def evaluate_expression(text: str, scope: Scope, depth: int = 0) -> Any:
    """The value of one expression; unknown for anything malformed, too long or too deep."""
    if len(text) > MAX_EXPRESSION_CHARS or depth > MAX_DEPTH:
        return unknown(text[:80])
    try:
        parser = _Parser(_tokenise(text), scope, depth)
        value = parser.expression()
        if parser.peek().kind != "end":
            return unknown(text)
        return value
    except (_Malformed, RecursionError, IndexError, ValueError, TypeError):
        return unknown(text)


def evaluate_value(value: Any, scope: Scope, depth: int = 0) -> Any:
    """Evaluate a python-hcl2 value (strings with interpolations, lists, maps) in ``scope``."""
    if depth > MAX_DEPTH:
        return unknown("nested too deeply")
    if isinstance(value, str):
        return evaluate_template(value, scope, depth)
    if isinstance(value, list):
        return [evaluate_value(item, scope, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(k): evaluate_value(v, scope, depth + 1) for k, v in value.items() if not str(k).startswith("__")}
    return value


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return bool(left == right)


def _access(value: Any, key: Any, text: str) -> Any:
    """``value.key`` / ``value[key]`` with markers passed through."""
    if is_reference(value):
        return reference(str(value.get("$ref", "")), text)
    if is_unknown(value):
        return unknown(text)
    if isinstance(value, dict) and isinstance(key, str):
        return value[key] if key in value else unknown(text)
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        return value[key] if -len(value) <= key < len(value) else unknown(text)
    if isinstance(value, list) and isinstance(key, str) and key.isdigit():
        return _access(value, int(key), text)
    return unknown(text)


def _first_known(args: list[Any]) -> Any:
    for arg in args:
        if is_unknown(arg):
            return unknown("try()")
        if arg is not None:
            return arg
    return unknown("try()")


def _coalesce(args: list[Any]) -> Any:
    for arg in args:
        if is_unknown(arg):
            return unknown("coalesce()")
        if arg is not None and arg != "":
            return arg
    return None


def _lookup(args: list[Any]) -> Any:
    if len(args) < 2 or any(is_open(a) for a in args[:2]) or not isinstance(args[0], dict):
        return unknown("lookup()")
    if str(args[1]) in args[0]:
        return args[0][str(args[1])]
    return args[2] if len(args) > 2 else unknown("lookup()")


def _to_bool(args: list[Any]) -> Any:
    if len(args) != 1 or is_open(args[0]):
        return unknown("tobool()")
    converted = as_bool(args[0])
    return converted if converted is not None else unknown("tobool()")


def _merge(args: list[Any]) -> Any:
    merged: dict[str, Any] = {}
    for arg in args:
        if not isinstance(arg, dict) or is_open(arg):
            return unknown("merge()")
        merged.update(arg)
    return merged


def _concat(args: list[Any]) -> Any:
    out: list[Any] = []
    for arg in args:
        if not isinstance(arg, list):
            return unknown("concat()")
        out.extend(arg)
    return out


def _as_list(args: list[Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], list):
        return list(args[0])
    return unknown("tolist()")


def _length(args: list[Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], list | str) and not is_open(args[0]):
        return len(args[0])
    if len(args) == 1 and isinstance(args[0], dict) and not is_open(args[0]):
        return len(args[0])
    return unknown("length()")


def _contains(args: list[Any]) -> Any:
    if len(args) == 2 and isinstance(args[0], list) and not is_open(args[1]):
        if any(is_open(item) for item in args[0]):
            return True if args[1] in args[0] else unknown("contains()")
        return args[1] in args[0]
    return unknown("contains()")


def _string_function(transform: Callable[[str], str]) -> Callable[[list[Any]], Any]:
    def apply(args: list[Any]) -> Any:
        if len(args) == 1 and isinstance(args[0], str):
            return transform(args[0])
        if len(args) == 1 and is_reference(args[0]):
            return args[0]
        return unknown("string function")

    return apply


def _to_string(args: list[Any]) -> Any:
    if len(args) == 1:
        text = _text_of(args[0])
        if text is not None:
            return text
        if is_reference(args[0]):
            return args[0]
    return unknown("tostring()")


def _json_decode(args: list[Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], str) and len(args[0]) < MAX_EXPRESSION_CHARS:
        try:
            return json.loads(args[0])
        except ValueError:
            return unknown("jsondecode()")
    return unknown("jsondecode()")


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    # jsonencode keeps the structure: policy readers accept a structure or a JSON string.
    "jsonencode": lambda args: args[0] if len(args) == 1 else unknown("jsonencode()"),
    "jsondecode": _json_decode,
    "try": _first_known,
    "coalesce": _coalesce,
    "lookup": _lookup,
    "tobool": _to_bool,
    "tostring": _to_string,
    "tonumber": lambda args: args[0] if len(args) == 1 and isinstance(args[0], int | float) else unknown("tonumber()"),
    "merge": _merge,
    "concat": _concat,
    "tolist": _as_list,
    "toset": _as_list,
    "length": _length,
    "contains": _contains,
    "lower": _string_function(str.lower),
    "upper": _string_function(str.upper),
    "trimspace": _string_function(str.strip),
}

_NON_NULL_STRING_FUNCTIONS = frozenset(
    {
        "format",
        "join",
        "replace",
        "substr",
        "base64encode",
        "base64decode",
        "file",
        "filebase64",
        "templatefile",
        "md5",
        "sha1",
        "sha256",
        "uuid",
        "timestamp",
        "cidrsubnet",
        "cidrhost",
        "element",
        "one",
        "abspath",
        "basename",
        "dirname",
        "yamlencode",
        "urlencode",
        "regex",
        "trimprefix",
        "trimsuffix",
        "title",
        "formatdate",
    }
)
"""Functions whose result is always a set, non-null value that depends on things known only at plan time."""


class _Parser:
    def __init__(self, tokens: list[_Token], scope: Scope, depth: int) -> None:
        self.tokens = tokens
        self.position = 0
        self.scope = scope
        self.depth = depth

    # -- token helpers ------------------------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token.kind == "op" and token.text == text:
            self.position += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise _Malformed(f"expected {text!r}")

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Malformed("nested too deeply")

    # -- grammar ------------------------------------------------------------------------------------------------

    def expression(self) -> Any:
        self.nest()
        try:
            condition = self.binary(0)
            if not self.accept("?"):
                return condition
            when_true = self.expression()
            self.expect(":")
            when_false = self.expression()
            return _conditional(condition, when_true, when_false)
        finally:
            self.depth -= 1

    _LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"))

    def binary(self, level: int) -> Any:
        if level >= len(self._LEVELS):
            return self.multiplicative()
        left = self.binary(level + 1)
        while self.peek().kind == "op" and self.peek().text in self._LEVELS[level]:
            operator = self.take().text
            right = self.binary(level + 1)
            left = _binary(operator, left, right)
        return left

    def multiplicative(self) -> Any:
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/", "%"):
            self.take()
            right = self.unary()
            left = unknown("arithmetic") if is_unknown(left) or is_unknown(right) else reference("", "arithmetic")
        return left

    def unary(self) -> Any:
        if self.accept("!"):
            value = self.unary()
            if is_open(value):
                return unknown("!")
            converted = as_bool(value) if isinstance(value, bool | str) else None
            return (not converted) if converted is not None else unknown("!")
        if self.accept("-"):
            value = self.unary()
            return -value if isinstance(value, int | float) and not isinstance(value, bool) else unknown("-")
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while True:
            if self.accept("."):
                token = self.take()
                if token.kind not in ("ident", "number"):
                    raise _Malformed("bad attribute")
                value = _access(value, int(token.text) if token.kind == "number" else token.text, token.text)
            elif self.accept("[*]") or self.accept(".*"):
                value = reference(str(value.get("$ref", "")) if is_reference(value) else "", "splat")
            elif self.accept("["):
                key = self.expression()
                self.expect("]")
                value = _access(value, key, "index")
            else:
                return value

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "string":
            return evaluate_template(token.text, self.scope, self.depth + 1)
        if token.kind == "op":
            if token.text == "(":
                value = self.expression()
                self.expect(")")
                return value
            if token.text == "[":
                return self.sequence()
            if token.text == "{":
                return self.mapping()
            raise _Malformed(f"unexpected {token.text!r}")
        if token.kind != "ident":
            raise _Malformed("unexpected end")
        word = token.text
        if word in ("true", "True"):
            return True
        if word in ("false", "False"):
            return False
        if word in ("null", "None"):
            return None
        if self.peek().kind == "op" and self.peek().text == "(":
            self.take()
            return self.call(word)
        names = [word]
        while (
            self.peek().kind == "op"
            and self.peek().text == "."
            and self.peek(1).kind in ("ident", "number")
            and len(names) < 8
        ):
            self.take()
            names.append(self.take().text)
        value, consumed = self.scope.resolve(names)
        for name in names[max(consumed, 1) :]:
            value = _access(value, int(name) if name.isdigit() else name, name)
        return value

    def skip_to_closing(self, closing: str) -> None:
        """Skip a ``for`` expression's body up to and including ``closing``."""
        depth = 0
        while True:
            token = self.take()
            if token.kind == "end":
                raise _Malformed("unterminated for expression")
            if token.kind == "op" and token.text in "([{":
                depth += 1
            elif token.kind == "op" and token.text in ")]}":
                if depth == 0:
                    if token.text != closing:
                        raise _Malformed("mismatched bracket")
                    return
                depth -= 1

    def sequence(self) -> Any:
        if self.peek().kind == "ident" and self.peek().text == "for":
            self.skip_to_closing("]")
            return unknown("for expression")
        items: list[Any] = []
        while not self.accept("]"):
            items.append(self.expression())
            self.accept("...")
            if not self.accept(","):
                self.expect("]")
                break
        return items

    def mapping(self) -> Any:
        if self.peek().kind == "ident" and self.peek().text == "for":
            self.skip_to_closing("}")
            return unknown("for expression")
        out: dict[str, Any] = {}
        open_keys = False
        while not self.accept("}"):
            token = self.peek()
            if token.kind == "ident" and self.peek(1).kind == "op" and self.peek(1).text in ("=", ":"):
                self.take()
                key: Any = token.text
            else:
                key = self.expression()
            if not (self.accept("=") or self.accept(":")):
                raise _Malformed("expected = in object")
            value = self.expression()
            if isinstance(key, str):
                out[key] = value
            else:
                open_keys = True
            self.accept(",")
        return unknown("object with computed keys") if open_keys else out

    def call(self, name: str) -> Any:
        args: list[Any] = []
        while not self.accept(")"):
            args.append(self.expression())
            self.accept("...")
            if not self.accept(","):
                self.expect(")")
                break
        function = _FUNCTIONS.get(name)
        if function is not None:
            try:
                return function(args)
            except (TypeError, ValueError, KeyError, IndexError):
                return unknown(f"{name}()")
        if name in _NON_NULL_STRING_FUNCTIONS:
            return reference("", f"{name}()")
        return unknown(f"{name}()")


def _conditional(condition: Any, when_true: Any, when_false: Any) -> Any:
    decided = as_bool(condition) if not is_open(condition) else None
    if decided is True:
        return when_true
    if decided is False:
        return when_false
    if not is_open(when_true) and not is_open(when_false) and _same(when_true, when_false):
        return when_true
    return unknown("conditional on an unknown value")


def _binary(operator: str, left: Any, right: Any) -> Any:
    if operator in ("&&", "||"):
        left_bool = as_bool(left) if isinstance(left, bool | str) else None
        right_bool = as_bool(right) if isinstance(right, bool | str) else None
        if operator == "&&":
            if left_bool is False or right_bool is False:
                return False
            return True if left_bool and right_bool else unknown("&&")
        if left_bool is True or right_bool is True:
            return True
        return False if left_bool is False and right_bool is False else unknown("||")
    if is_open(left) or is_open(right):
        return unknown(operator)
    if operator == "==":
        return _same(left, right)
    if operator == "!=":
        return not _same(left, right)
    if operator == "+" and isinstance(left, int | float) and isinstance(right, int | float):
        return left + right
    if operator == "-" and isinstance(left, int | float) and isinstance(right, int | float):
        return left - right
    if operator in ("<", ">", "<=", ">=") and isinstance(left, int | float) and isinstance(right, int | float):
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]
    return unknown(operator)
