"""Bicep files to native resources in ARM shape (Bicep compiles to ARM, so the ARM mapping paths apply).

A small tokenizer and recursive-descent parser read ``param`` (with defaults), ``var``, ``resource`` declarations
(``existing``, ``= if (cond)``, ``[for ...]`` loops, nested child resources and ``parent:``), and evaluate
expressions with ternaries, comparisons, logic, interpolated strings and a few pure functions.  Symbols of other
resources, ``resourceGroup()``, ``uniqueString()`` and the like are set but unknown; a parameter without a
default is unknown.  Modules, outputs, types, functions and imports are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from msgspec import Struct, field

from aispm.resources.parsed import NativeResource, Origin
from aispm.resources.values import as_bool, is_open, is_reference, reference, unknown

MAX_DEPTH = 60
MAX_TOKENS = 2_000_000


class BicepError(ValueError):
    """A Bicep file that cannot be read; the message is fit for a per-file error."""


class _Token(Struct, frozen=True):
    kind: str  # name, number, string, op, nl, end
    text: str
    line: int
    value: Any = None
    """For strings: a list of literal strings and ``(start, end)`` token spans of interpolations."""


_SIMPLE = re.compile(
    r"(?P<space>[ \t\r]+|//[^\n]*)|(?P<nl>\n)|(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w]*)"
    r"|(?P<op>\?\?|\?\.|==|!=|=~|!~|<=|>=|&&|\|\||=>|::|[{}\[\]().,:?!<>=+\-*/%@|])"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", "$": "$"}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[_Token] = []
        self.line = 1

    def run(self) -> list[_Token]:
        text = self.text
        index = 0
        length = len(text)
        while index < length:
            if len(self.tokens) > MAX_TOKENS:
                raise BicepError("Bicep file too large to analyse")
            if text.startswith("/*", index):
                end = text.find("*/", index + 2)
                if end == -1:
                    raise BicepError(f"invalid Bicep at line {self.line}: unterminated comment")
                self.line += text.count("\n", index, end)
                index = end + 2
                continue
            if text.startswith("'''", index):
                end = text.find("'''", index + 3)
                if end == -1:
                    raise BicepError(f"invalid Bicep at line {self.line}: unterminated multi-line string")
                self.tokens.append(_Token("string", text[index + 3 : end], self.line, [text[index + 3 : end]]))
                self.line += text.count("\n", index, end)
                index = end + 3
                continue
            if text[index] == "'":
                index = self.string(index)
                continue
            match = _SIMPLE.match(text, index)
            if match is None:
                raise BicepError(f"invalid Bicep at line {self.line}: unexpected {text[index]!r}")
            kind = match.lastgroup or ""
            if kind == "nl":
                self.tokens.append(_Token("nl", "\n", self.line))
                self.line += 1
            elif kind != "space":
                self.tokens.append(_Token(kind, match.group(), self.line))
            index = match.end()
        self.tokens.append(_Token("end", "", self.line))
        return self.tokens

    def string(self, start: int) -> int:
        """A single-quoted string; each ``${...}`` interpolation is lexed into its own token list."""
        text = self.text
        parts: list[Any] = []
        literal: list[str] = []
        index = start + 1
        line = self.line
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                literal.append(_ESCAPES.get(text[index + 1], text[index + 1]))
                index += 2
                continue
            if char == "'":
                if literal:
                    parts.append("".join(literal))
                self.tokens.append(_Token("string", text[start : index + 1], line, parts))
                return index + 1
            if char == "\n":
                break
            if text.startswith("${", index):
                if literal:
                    parts.append("".join(literal))
                    literal = []
                depth = 1
                cursor = index + 2
                while cursor < len(text) and depth:
                    if text[cursor] == "{":
                        depth += 1
                    elif text[cursor] == "}":
                        depth -= 1
                    elif text[cursor] == "'":
                        close = text.find("'", cursor + 1)
                        if close == -1:
                            break
                        cursor = close
                    cursor += 1
                if depth:
                    break
                sub = _Lexer(text[index + 2 : cursor - 1])
                sub.line = self.line
                parts.append(sub.run())
                index = cursor
                continue
            literal.append(char)
            index += 1
        raise BicepError(f"invalid Bicep at line {line}: unterminated string")


class _Declaration(Struct):
    kind: str
    name: str
    line: int
    span: tuple[int, int]
    """Token span of the value expression."""
    extra: dict[str, Any] = field(default_factory=dict)


class _Scope:
    """Params, vars and resource symbols of one file, evaluated lazily."""

    def __init__(self, tokens: list[_Token], relpath: str) -> None:
        self.tokens = tokens
        self.relpath = relpath
        self.params: dict[str, _Declaration] = {}
        self.variables: dict[str, _Declaration] = {}
        self.symbols: set[str] = set()
        self.cache: dict[str, tuple[Any, list[str]]] = {}
        self.resolving: set[str] = set()

    def lookup(self, name: str, notes: list[str], bindings: dict[str, Any]) -> Any:
        if name in bindings:
            return bindings[name]
        if name in self.params or name in self.variables:
            declaration = self.params.get(name) or self.variables[name]
            key = f"{declaration.kind}:{name}"
            if key in self.cache:
                value, inner = self.cache[key]
                notes.extend(inner)
                return value
            if declaration.span[0] >= declaration.span[1]:
                return unknown(f"parameter {name} has no default")
            if key in self.resolving:
                return unknown("circular reference")
            self.resolving.add(key)
            try:
                what = "parameter default" if declaration.kind == "param" else "variable"
                inner_notes = [f"{what}, {self.relpath}:{declaration.line}"]
                value = _Parser(self, declaration.span, inner_notes, {}).expression_all()
            finally:
                self.resolving.discard(key)
            self.cache[key] = (value, inner_notes)
            notes.extend(inner_notes)
            return value
        if name in self.symbols:
            return reference(name, name)
        return unknown(name)


def _ternary(condition: Any, when_true: Any, when_false: Any) -> Any:
    decided = None if is_open(condition) else as_bool(condition) if isinstance(condition, bool) else None
    if decided is True:
        return when_true
    if decided is False:
        return when_false
    if not is_open(when_true) and not is_open(when_false) and when_true == when_false:
        return when_true
    return unknown("conditional on an unknown value")


def _compare(operator: str, left: Any, right: Any) -> Any:
    if operator in ("&&", "||"):
        values = [left if isinstance(left, bool) else None, right if isinstance(right, bool) else None]
        decisive = operator == "||"
        if decisive in values:
            return decisive
        return unknown(operator) if None in values else not decisive
    if operator == "??":
        return right if left is None else left if not is_open(left) else unknown("??")
    if is_open(left) or is_open(right):
        return unknown(operator)
    if operator in ("==", "!="):
        same = type(left) is type(right) and left == right
        return same if operator == "==" else not same
    if operator in ("=~", "!~") and isinstance(left, str) and isinstance(right, str):
        same = left.lower() == right.lower()
        return same if operator == "=~" else not same
    if operator == "+" and isinstance(left, int) and isinstance(right, int):
        return left + right
    return unknown(operator)


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "bool": lambda a: as_bool(a[0]) if len(a) == 1 and as_bool(a[0]) is not None else unknown("bool()"),
    "empty": lambda a: a[0] in (None, "", [], {}) if len(a) == 1 and not is_open(a[0]) else unknown("empty()"),
    "toLower": lambda a: a[0].lower() if len(a) == 1 and isinstance(a[0], str) else unknown("toLower()"),
    "toUpper": lambda a: a[0].upper() if len(a) == 1 and isinstance(a[0], str) else unknown("toUpper()"),
    "concat": lambda a: "".join(a) if all(isinstance(x, str) for x in a) else reference("", "concat()"),
    "contains": lambda a: (
        (a[1] in a[0])
        if len(a) == 2 and isinstance(a[0], list | str | dict) and not is_open(a[0]) and not is_open(a[1])
        else unknown("contains()")
    ),
}


class _Parser:
    """Parses and evaluates one expression span; records property lines for objects when asked."""

    def __init__(
        self,
        scope: _Scope,
        span: tuple[int, int],
        notes: list[str],
        bindings: dict[str, Any],
        origins: dict[str, Origin] | None = None,
        tokens: list[_Token] | None = None,
    ) -> None:
        self.scope = scope
        self.tokens = tokens if tokens is not None else scope.tokens
        self.position, self.end = span
        self.notes = notes
        self.bindings = bindings
        self.origins = origins
        self.depth = 0
        self.children: list[tuple[str, str, int, tuple[int, int]]] = []

    # -- helpers --------------------------------------------------------------------------------------------------

    def peek(self, skip_newlines: bool = True) -> _Token:
        index = self.position
        while index < self.end and skip_newlines and self.tokens[index].kind == "nl":
            index += 1
        return (
            self.tokens[index]
            if index < self.end
            else _Token("end", "", self.tokens[min(index, len(self.tokens) - 1)].line)
        )

    def take(self) -> _Token:
        while self.position < self.end and self.tokens[self.position].kind == "nl":
            self.position += 1
        if self.position >= self.end:
            raise BicepError("invalid Bicep: unexpected end of expression")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token.kind in ("op", "name") and token.text == text:
            self.take()
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            token = self.peek()
            raise BicepError(f"invalid Bicep at line {token.line}: expected {text!r}")

    # -- grammar --------------------------------------------------------------------------------------------------

    def expression_all(self) -> Any:
        value = self.expression()
        return value

    def expression(self, path: str = "") -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise BicepError("Bicep nested too deeply")
        try:
            condition = self.binary(0, path)
            if self.peek(skip_newlines=False).text == "?" or (self.peek().text == "?" and self.peek().kind == "op"):
                self.take()
                when_true = self.expression(path)
                self.expect(":")
                when_false = self.expression(path)
                return _ternary(condition, when_true, when_false)
            return condition
        finally:
            self.depth -= 1

    _LEVELS = (("??",), ("||",), ("&&",), ("==", "!=", "=~", "!~"), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int, path: str) -> Any:
        if level >= len(self._LEVELS):
            return self.unary(path)
        left = self.binary(level + 1, path)
        while (
            self.peek(skip_newlines=False).kind == "op" and self.peek(skip_newlines=False).text in self._LEVELS[level]
        ):
            operator = self.take().text
            right = self.binary(level + 1, path)
            left = _compare(operator, left, right)
        return left

    def unary(self, path: str) -> Any:
        if self.accept("!"):
            value = self.unary(path)
            return (not value) if isinstance(value, bool) else unknown("!")
        if self.peek().text == "-" and self.peek().kind == "op":
            self.take()
            value = self.unary(path)
            return -value if isinstance(value, int) and not isinstance(value, bool) else unknown("-")
        return self.postfix(self.primary(path))

    def postfix(self, value: Any) -> Any:
        while True:
            token = self.peek(skip_newlines=False)
            if token.kind == "op" and token.text in (".", "?."):
                self.take()
                name = self.take().text
                if self.peek(skip_newlines=False).text == "(":
                    self.take()
                    self.arguments()
                    value = reference("", name) if not is_open(value) or is_reference(value) else unknown(name)
                    continue
                value = _member(value, name)
            elif token.kind == "op" and token.text == "[":
                self.take()
                key = self.expression()
                self.expect("]")
                value = _index(value, key)
            elif token.kind == "op" and token.text == "!" and self.peek_next_is_postfix_end():
                self.take()
            else:
                return value

    def peek_next_is_postfix_end(self) -> bool:
        index = self.position + 1
        if index >= self.end:
            return True
        following = self.tokens[index]
        return following.kind in ("nl", "end") or following.text in (".", ")", "]", "}", ",")

    def arguments(self) -> list[Any]:
        args: list[Any] = []
        while not self.accept(")"):
            args.append(self.expression())
            self.accept(",")
        return args

    def primary(self, path: str) -> Any:
        token = self.take()
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "string":
            return self.string(token)
        if token.kind == "op":
            if token.text == "(":
                value = self.expression(path)
                self.expect(")")
                return value
            if token.text == "{":
                return self.object(path)
            if token.text == "[":
                return self.array(path)
            raise BicepError(f"invalid Bicep at line {token.line}: unexpected {token.text!r}")
        if token.kind != "name":
            raise BicepError(f"invalid Bicep at line {token.line}: unexpected end")
        word = token.text
        if word == "true":
            return True
        if word == "false":
            return False
        if word == "null":
            return None
        if self.peek(skip_newlines=False).text == "(":
            self.take()
            args = self.arguments()
            function = _FUNCTIONS.get(word)
            if function is not None:
                try:
                    return function(args)
                except (TypeError, ValueError, IndexError):
                    return unknown(f"{word}()")
            return reference("", f"{word}()")
        if self.peek(skip_newlines=False).text == "=>":
            self.take()
            self.expression()
            return unknown("lambda")
        return self.scope.lookup(word, self.notes, self.bindings)

    def string(self, token: _Token) -> Any:
        pieces: list[str] = []
        known = True
        for part in token.value or []:
            if isinstance(part, str):
                pieces.append(part)
                continue
            inner = _Parser(self.scope, (0, len(part) - 1), self.notes, self.bindings, tokens=part)
            value = inner.expression()
            if isinstance(value, str | int) and not isinstance(value, bool):
                pieces.append(str(value))
            elif isinstance(value, bool):
                pieces.append("true" if value else "false")
            elif is_reference(value):
                known = False
            else:
                return unknown(token.text[:80])
        return "".join(pieces) if known else reference("", token.text[:80])

    def array(self, path: str) -> Any:
        if self.peek().kind == "name" and self.peek().text == "for":
            self.skip_to(("]",))
            return unknown("for expression")
        items: list[Any] = []
        while not self.accept("]"):
            items.append(self.expression(path))
            self.accept(",")
        return items

    def skip_to(self, closers: tuple[str, ...]) -> None:
        depth = 0
        while True:
            token = self.take()
            if token.kind == "op" and token.text in "([{":
                depth += 1
            elif token.kind == "op" and token.text in ")]}":
                if depth == 0 and token.text in closers:
                    return
                depth -= 1

    def object(self, path: str) -> Any:
        out: dict[str, Any] = {}
        while not self.accept("}"):
            token = self.peek()
            if token.kind == "name" and token.text == "resource" and self.is_nested_resource():
                self.nested_resource()
                continue
            if token.kind == "op" and token.text == "@":
                self.decorator()
                continue
            key_token = self.take()
            if key_token.kind == "string":
                key = self.string(key_token)
                key = key if isinstance(key, str) else key_token.text.strip("'")
            elif key_token.kind in ("name", "number"):
                key = key_token.text
            else:
                raise BicepError(f"invalid Bicep at line {key_token.line}: bad object key")
            self.expect(":")
            child_path = f"{path}.{key}" if path else str(key)
            before = len(self.notes)
            value = self.expression(child_path)
            if self.origins is not None and (not isinstance(value, dict) or is_open(value)):
                used = list(dict.fromkeys(self.notes[before:]))
                where = f"{self.scope.relpath}:{key_token.line}"
                text = f"{'; '.join(used)}; used at {where}" if used else where
                self.origins[child_path] = Origin(text, key_token.line)
            elif self.origins is not None:
                self.origins.setdefault(child_path, Origin(f"{self.scope.relpath}:{key_token.line}", key_token.line))
            out[str(key)] = value
            self.accept(",")
        return out

    def decorator(self) -> None:
        self.expect("@")
        self.take()
        while self.accept("."):
            self.take()
        if self.accept("("):
            self.arguments()

    def is_nested_resource(self) -> bool:
        index = self.position
        kinds: list[str] = []
        while index < self.end and len(kinds) < 3:
            if self.tokens[index].kind != "nl":
                kinds.append(self.tokens[index].kind)
            index += 1
        return kinds[:3] == ["name", "name", "string"]

    def nested_resource(self) -> None:
        self.take()  # resource
        symbol = self.take().text
        type_token = self.take()
        existing = self.accept("existing")
        self.expect("=")
        start = self.position
        self.position = min(_expression_end(self.tokens, start), self.end)
        if not existing:
            self.children.append((symbol, type_token.text.strip("'"), type_token.line, (start, self.position)))


def _member(value: Any, name: str) -> Any:
    if is_reference(value):
        return reference(str(value.get("$ref", "")), name)
    if isinstance(value, dict) and not is_open(value):
        return value.get(name, unknown(name))
    return unknown(name)


def _index(value: Any, key: Any) -> Any:
    if is_open(value) or is_open(key):
        return unknown("index")
    if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
        return value[key]
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key, unknown(key))
    return unknown("index")


def _expression_end(tokens: list[_Token], start: int) -> int:
    """The end of an expression starting at ``start``: the first newline at bracket depth zero."""
    depth = 0
    index = start
    seen = False
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "end":
            return index
        if token.kind == "nl" and depth == 0 and seen:
            return index
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
        if token.kind != "nl":
            seen = True
        index += 1
    return index


def _declarations(tokens: list[_Token]) -> list[_Declaration]:
    out: list[_Declaration] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind in ("nl", "end"):
            index += 1
            continue
        end = _expression_end(tokens, index)
        statement = [t for t in tokens[index:end] if t.kind != "nl"]
        if token.kind == "name" and len(statement) >= 2:
            keyword, name = token.text, statement[1].text
            equals = next((i for i in range(index, end) if tokens[i].kind == "op" and tokens[i].text == "="), None)
            if keyword in ("param", "var"):
                span = (equals + 1, end) if equals is not None else (end, end)
                out.append(_Declaration(keyword, name, token.line, span))
            elif keyword == "resource" and len(statement) >= 3 and statement[2].kind == "string":
                existing = any(t.kind == "name" and t.text == "existing" for t in statement[3:4])
                span = (equals + 1, end) if equals is not None else (end, end)
                out.append(
                    _Declaration(
                        "resource", name, token.line, span, {"type": statement[2].text.strip("'"), "existing": existing}
                    )
                )
        index = end + 1
    return out


def _strip_version(type_text: str) -> str:
    return type_text.split("@", 1)[0]


class _Pending(Struct):
    symbol: str
    type: str
    line: int
    span: tuple[int, int]
    parent_type: str = ""
    parent_symbol: str = ""


def _resource_body(
    scope: _Scope, span: tuple[int, int]
) -> tuple[Any, str, dict[str, Origin], list[tuple[str, str, int, tuple[int, int]]], int]:
    """(body value or None when the resource does not exist, context, origins, nested children, last line)."""
    origins: dict[str, Origin] = {}
    parser = _Parser(scope, span, [], {}, origins)
    context = ""
    if parser.accept("if"):
        parser.expect("(")
        condition = parser.expression()
        parser.expect(")")
        decided = None if is_open(condition) else as_bool(condition) if isinstance(condition, bool) else None
        if decided is False:
            return None, "", {}, [], 0
        if decided is None:
            context = "only when its condition holds"
    if parser.accept("["):
        # [for item in collection: {...}] or [for (item, i) in ...: if (...) {...}]
        parser.expect("for")
        names: list[str] = []
        while not parser.accept("in"):
            token = parser.take()
            if token.kind == "name":
                names.append(token.text)
        parser.expression()
        parser.expect(":")
        parser.bindings = {n: unknown(f"loop variable {n}") for n in names}
        context = "for each item of a loop"
        if parser.accept("if"):
            parser.expect("(")
            parser.expression()
            parser.expect(")")
            context = "for some items of a loop"
    parser.expect("{")
    body = parser.object("")
    last = scope.tokens[max(parser.position - 1, 0)].line
    return body, context, origins, parser.children, last


def bicep_resources(text: str, relpath: str) -> list[NativeResource]:
    tokens = _Lexer(text).run()
    scope = _Scope(tokens, relpath)
    declarations = _declarations(tokens)
    for declaration in declarations:
        if declaration.kind == "param":
            scope.params[declaration.name] = declaration
        elif declaration.kind == "var":
            scope.variables[declaration.name] = declaration
        else:
            scope.symbols.add(declaration.name)
    pending = [
        _Pending(d.name, str(d.extra["type"]), d.line, d.span)
        for d in declarations
        if d.kind == "resource" and not d.extra.get("existing")
    ]
    out: list[NativeResource] = []
    while pending:
        item = pending.pop(0)
        try:
            body, context, origins, children, last = _resource_body(scope, item.span)
        except (IndexError, RecursionError) as exc:
            raise BicepError(f"invalid Bicep at line {item.line}: {type(exc).__name__}") from None
        if body is None:
            continue
        native_type = _strip_version(item.type)
        if item.parent_type and native_type.count("/") == 0:
            native_type = f"{item.parent_type}/{native_type}"
        for symbol, child_type, line, span in children:
            scope.symbols.add(symbol)
            pending.append(_Pending(symbol, child_type, line, span, native_type, item.symbol))
        name = body.get("name") if isinstance(body, dict) else None
        properties = {k: v for k, v in body.items() if k not in ("parent", "dependsOn", "scope")}
        out.append(
            NativeResource(
                source="bicep",
                native_type=native_type,
                address=item.symbol,
                name=item.symbol,
                properties=properties,
                path=relpath,
                start_line=item.line,
                end_line=max(last, item.line),
                origins=origins,
                aliases=(name,) if isinstance(name, str) else (),
                context=context,
            )
        )
    return out
