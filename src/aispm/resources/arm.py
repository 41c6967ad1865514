"""ARM templates (JSON) to native resources: parameters with defaults, variables, template expressions,
symbolic-name resources (``languageVersion`` 2.0), child resources and nested deployments.

Template expressions (``"[if(equals(parameters('env'), 'prod'), 'Disabled', 'Enabled')]"``) are parsed and
evaluated with a small safe evaluator; ``resourceId``, ``reference``, ``uniqueString`` and their kin are set but
unknown, parameters without defaults are unknown.  A resource whose ``condition`` is false does not exist.
Nested deployments with an inline template are followed (with ``inner`` or ``outer`` evaluation scope).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from msgspec import Struct

from aispm.files.structured import LineDict, StructuredError, find_line, load_json, load_yaml_documents
from aispm.resources.kubernetes import last_line
from aispm.resources.parsed import NativeResource, Origin
from aispm.resources.values import as_bool, is_open, is_unknown, reference, unknown

MAX_DEPTH = 40
MAX_NESTING = 5
MAX_EXPRESSION_CHARS = 20_000
DEPLOYMENTS = "microsoft.resources/deployments"


class ArmError(ValueError):
    """A template that cannot be read; the message is fit for a per-file error."""


def looks_like_arm(text: str) -> bool:
    return "deploymentTemplate" in text or ('"resources"' in text and '"contentVersion"' in text)


# --- expressions ----------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w]*)|(?P<op>[()\[\],.]))"
)


class _Malformed(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(text):
        if text[index:].strip() == "":
            break
        match = _TOKEN.match(text, index)
        if match is None:
            raise _Malformed(text[index : index + 10])
        index = match.end()
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
    out.append(("end", ""))
    return out


def _both_known(*values: Any) -> bool:
    return not any(is_open(v) for v in values)


def _equals(args: list[Any]) -> Any:
    if len(args) != 2 or not _both_known(*args):
        return unknown("equals()")
    left, right = args
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return bool(left == right)


def _logic(kind: str) -> Callable[[list[Any]], Any]:
    def apply(args: list[Any]) -> Any:
        values = [as_bool(a) if not is_open(a) else None for a in args]
        decisive = kind == "or"
        if decisive in values:
            return decisive
        return unknown(f"{kind}()") if None in values else not decisive

    return apply


def _if(args: list[Any]) -> Any:
    if len(args) != 3:
        return unknown("if()")
    condition = None if is_open(args[0]) else as_bool(args[0])
    if condition is True:
        return args[1]
    if condition is False:
        return args[2]
    return args[1] if _both_known(args[1], args[2]) and args[1] == args[2] else unknown("if() on an unknown value")


def _concat(args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [item for a in args for item in a]
    if all(isinstance(a, str | int) and not isinstance(a, bool) for a in args):
        return "".join(str(a) for a in args)
    return reference("", "concat()")


def _empty(args: list[Any]) -> Any:
    if len(args) != 1 or is_open(args[0]):
        return unknown("empty()")
    return args[0] in (None, "", [], {})


def _coalesce(args: list[Any]) -> Any:
    for arg in args:
        if is_unknown(arg):
            return unknown("coalesce()")
        if arg is not None:
            return arg
    return None


def _create_object(args: list[Any]) -> Any:
    if len(args) % 2 or not all(isinstance(k, str) for k in args[::2]):
        return unknown("createObject()")
    return {args[i]: args[i + 1] for i in range(0, len(args), 2)}


def _json(args: list[Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], str) and len(args[0]) < MAX_EXPRESSION_CHARS:
        try:
            return json.loads(args[0])
        except ValueError:
            return unknown("json()")
    return unknown("json()")


def _string_case(transform: Callable[[str], str]) -> Callable[[list[Any]], Any]:
    return lambda args: transform(args[0]) if len(args) == 1 and isinstance(args[0], str) else unknown("string()")


def _to_bool(args: list[Any]) -> Any:
    value = as_bool(args[0]) if len(args) == 1 and not is_open(args[0]) else None
    return value if value is not None else unknown("bool()")


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "equals": _equals,
    "and": _logic("and"),
    "or": _logic("or"),
    "not": lambda args: (not as_bool(args[0])) if len(args) == 1 and isinstance(args[0], bool) else unknown("not()"),
    "if": _if,
    "bool": _to_bool,
    "true": lambda args: True,
    "false": lambda args: False,
    "null": lambda args: None,
    "concat": _concat,
    "empty": _empty,
    "coalesce": _coalesce,
    "createobject": _create_object,
    "createarray": lambda args: list(args),
    "json": _json,
    "tolower": _string_case(str.lower),
    "toupper": _string_case(str.upper),
    "string": lambda args: args[0] if len(args) == 1 and isinstance(args[0], str) else reference("", "string()"),
}


def _resource_id_target(args: list[Any]) -> str:
    names = [a for a in args if isinstance(a, str)]
    return names[-1] if len(args) >= 2 and len(names) == len(args) else ""


class _Expression:
    """Parses and evaluates one template expression against a template's parameters and variables."""

    def __init__(self, template: _Template, tokens: list[tuple[str, str]], notes: list[str], depth: int) -> None:
        self.template = template
        self.tokens = tokens
        self.position = 0
        self.notes = notes
        self.depth = depth

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position]

    def accept(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.position += 1
            return True
        return False

    def expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Malformed("nested too deeply")
        value = self.primary()
        while True:
            if self.accept("."):
                kind, name = self.take()
                if kind != "name":
                    raise _Malformed("bad property")
                value = _property(value, name)
            elif self.accept("["):
                key = self.expression()
                if not self.accept("]"):
                    raise _Malformed("expected ]")
                value = _index(value, key)
            else:
                self.depth -= 1
                return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind != "name" or not self.accept("("):
            raise _Malformed(f"unexpected {text!r}")
        args: list[Any] = []
        if not self.accept(")"):
            while True:
                args.append(self.expression())
                if self.accept(")"):
                    break
                if not self.accept(","):
                    raise _Malformed("expected , or )")
        return self.call(text.lower(), args)

    def call(self, name: str, args: list[Any]) -> Any:
        if name == "parameters" and len(args) == 1 and isinstance(args[0], str):
            return self.template.parameter(args[0], self.notes, self.depth)
        if name == "variables" and len(args) == 1 and isinstance(args[0], str):
            return self.template.variable(args[0], self.notes, self.depth)
        if name in ("resourceid", "subscriptionresourceid", "tenantresourceid", "extensionresourceid"):
            return reference(_resource_id_target(args), f"{name}()")
        if name == "reference":
            target = args[0].get("$ref", "") if args and isinstance(args[0], dict) else args[0] if args else ""
            return reference(str(target) if isinstance(target, str) else "", "reference()")
        function = _FUNCTIONS.get(name)
        if function is not None:
            try:
                return function(args)
            except (TypeError, ValueError, KeyError, IndexError):
                return unknown(f"{name}()")
        return reference("", f"{name}()")


def _property(value: Any, name: str) -> Any:
    if is_open(value):
        return reference(str(value.get("$ref", "")), name) if "$ref" in value else unknown(name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).lower() == name.lower():
                return item
    return unknown(name)


def _index(value: Any, key: Any) -> Any:
    if is_open(value) or is_open(key):
        return unknown("index")
    if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
        return value[key]
    if isinstance(value, Mapping) and isinstance(key, str):
        return _property(value, key)
    return unknown("index")


# --- templates ------------------------------------------------------------------------------------------------


class _Supplied(Struct):
    value: Any
    note: str


class _Template:
    def __init__(self, document: Mapping[str, Any], relpath: str, supplied: Mapping[str, _Supplied] | None) -> None:
        self.relpath = relpath
        parameters = document.get("parameters")
        variables = document.get("variables")
        self.parameters: Mapping[str, Any] = parameters if isinstance(parameters, Mapping) else {}
        self.variables: Mapping[str, Any] = variables if isinstance(variables, Mapping) else {}
        self.supplied = dict(supplied or {})
        self.cache: dict[str, tuple[Any, list[str]]] = {}
        self.resolving: set[str] = set()

    def parameter(self, name: str, notes: list[str], depth: int) -> Any:
        found = _lookup_key(self.supplied, name)
        if found is not None:
            notes.append(found.note)
            return found.value
        spec = _lookup_key(self.parameters, name)
        if not isinstance(spec, Mapping) or "defaultValue" not in spec:
            return unknown(f"parameter {name} has no default")
        line = spec.line_of("defaultValue") if isinstance(spec, LineDict) else None
        return self._cached(
            f"p:{name}", spec["defaultValue"], f"parameter default, {self.relpath}:{line}", notes, depth
        )

    def variable(self, name: str, notes: list[str], depth: int) -> Any:
        if name not in self.variables and _lookup_key(self.variables, name) is None:
            return unknown(f"variable {name}")
        line = self.variables.line_of(name) if isinstance(self.variables, LineDict) else None
        raw = _lookup_key(self.variables, name)
        return self._cached(f"v:{name}", raw, f"variable, {self.relpath}:{line}", notes, depth)

    def _cached(self, key: str, raw: Any, note: str, notes: list[str], depth: int) -> Any:
        if key in self.cache:
            value, inner = self.cache[key]
            notes.extend(inner)
            return value
        if key in self.resolving:
            return unknown("circular reference")
        self.resolving.add(key)
        try:
            inner_notes = [note]
            value = self.evaluate(raw, inner_notes, depth + 1)
        finally:
            self.resolving.discard(key)
        self.cache[key] = (value, inner_notes)
        notes.extend(inner_notes)
        return value

    def expression(self, text: str, notes: list[str], depth: int) -> Any:
        if len(text) > MAX_EXPRESSION_CHARS or depth > MAX_DEPTH:
            return unknown("expression too long")
        try:
            parser = _Expression(self, _tokens(text), notes, depth)
            value = parser.expression()
            return value if parser.peek()[0] == "end" else unknown(text[:80])
        except (_Malformed, IndexError, RecursionError):
            return unknown(text[:80])

    def evaluate(self, raw: Any, notes: list[str], depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return unknown("nested too deeply")
        if isinstance(raw, str):
            if raw.startswith("[["):
                return raw[1:]
            if raw.startswith("[") and raw.endswith("]"):
                return self.expression(raw[1:-1], notes, depth + 1)
            return raw
        if isinstance(raw, Mapping):
            return {str(k): self.evaluate(v, notes, depth + 1) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.evaluate(v, notes, depth + 1) for v in raw]
        return raw


def _lookup_key(mapping: Mapping[str, Any], name: str) -> Any:
    if name in mapping:
        return mapping[name]
    for key, value in mapping.items():
        if str(key).lower() == name.lower():
            return value
    return None


class _Walker:
    """Evaluates a resource body, recording origins by dotted path."""

    def __init__(self, template: _Template, origins: dict[str, Origin]) -> None:
        self.template = template
        self.origins = origins

    def walk(self, raw: Any, path: str, line: int | None, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return unknown("nested too deeply")
        if isinstance(raw, Mapping):
            out = {}
            for key, value in raw.items():
                key_line = raw.line_of(str(key)) if isinstance(raw, LineDict) else line
                out[str(key)] = self.walk(value, f"{path}.{key}" if path else str(key), key_line, depth + 1)
            return out
        notes: list[str] = []
        value = self.template.evaluate(raw, notes, depth)
        where = f"{self.template.relpath}:{line}" if line else self.template.relpath
        unique = list(dict.fromkeys(n for n in notes if n))
        if path:
            self.origins[path] = Origin(f"{'; '.join(unique)}; used at {where}" if unique else where, line)
        return value


_SKIPPED_KEYS = frozenset({"resources", "dependsOn", "copy", "condition", "comments", "apiVersion", "metadata"})


def _resources(value: Any) -> Iterator[tuple[str | None, Any]]:
    """(symbolic name or None, body) of a template's ``resources`` (array, or object in language version 2)."""
    if isinstance(value, Mapping):
        for name, body in value.items():
            yield str(name), body
    elif isinstance(value, list):
        for body in value:
            yield None, body


def _walk_template(
    template: _Template, document: Mapping[str, Any], relpath: str, text: str, depth: int, prefix: str
) -> Iterator[NativeResource]:
    yield from _walk_resources(template, document.get("resources"), relpath, text, depth, prefix, "", "")


def _walk_resources(
    template: _Template,
    resources: Any,
    relpath: str,
    text: str,
    depth: int,
    prefix: str,
    parent_type: str,
    parent_name: str,
) -> Iterator[NativeResource]:
    for index, (symbol, body) in enumerate(_resources(resources)):
        if not isinstance(body, Mapping) or not isinstance(body.get("type"), str):
            continue
        if body.get("existing") is True:
            continue
        notes: list[str] = []
        context = ""
        if "condition" in body:
            condition = template.evaluate(body["condition"], notes)
            decided = None if is_open(condition) else as_bool(condition)
            if decided is False:
                continue
            if decided is None:
                context = "only when its condition holds"
        native_type = str(body["type"])
        if parent_type and "/" not in native_type.split("@")[0].strip("/"):
            native_type = f"{parent_type}/{native_type}"
        name = template.evaluate(body.get("name"), [])
        full_name = f"{parent_name}/{name}" if parent_name and isinstance(name, str) else name
        start = (
            body.line if isinstance(body, LineDict) and body.line else find_line(text, native_type.rsplit("/", 1)[-1])
        )
        address = prefix + (symbol or (full_name if isinstance(full_name, str) else f"{native_type}[{index}]"))
        if native_type.lower() == DEPLOYMENTS:
            yield from _nested(template, body, relpath, text, depth, address)
            continue
        origins: dict[str, Origin] = {}
        properties = _Walker(template, origins).walk(
            {k: v for k, v in body.items() if k not in _SKIPPED_KEYS}, "", start, 0
        )
        aliases = tuple(a for a in (full_name if isinstance(full_name, str) else None, symbol) if a)
        yield NativeResource(
            source="arm",
            native_type=native_type,
            address=address,
            name=address,
            properties=properties,
            path=relpath,
            start_line=start,
            end_line=last_line(body) or start,
            origins=origins,
            aliases=aliases,
            context=context,
        )
        children = body.get("resources")
        if children:
            yield from _walk_resources(
                template,
                children,
                relpath,
                text,
                depth,
                prefix,
                native_type,
                full_name if isinstance(full_name, str) else "",
            )


def _nested(
    template: _Template, body: Mapping[str, Any], relpath: str, text: str, depth: int, address: str
) -> Iterator[NativeResource]:
    """Resources of a nested deployment with an inline template."""
    properties = body.get("properties")
    if depth >= MAX_NESTING or not isinstance(properties, Mapping):
        return
    inner = properties.get("template")
    if not isinstance(inner, Mapping):
        return
    scope = properties.get("expressionEvaluationScope")
    inner_scope = isinstance(scope, Mapping) and str(scope.get("scope", "")).lower() == "inner"
    prefix = f"{address}/"
    if not inner_scope:
        yield from _walk_template(template, inner, relpath, text, depth + 1, prefix)
        return
    supplied: dict[str, _Supplied] = {}
    parameters = properties.get("parameters")
    for name, spec in parameters.items() if isinstance(parameters, Mapping) else []:
        if isinstance(spec, Mapping) and "value" in spec:
            notes: list[str] = []
            value = template.evaluate(spec["value"], notes)
            line = spec.line_of("value") if isinstance(spec, LineDict) else None
            supplied[str(name)] = _Supplied(value, f"nested deployment parameter, {relpath}:{line}")
    yield from _walk_template(_Template(inner, relpath, supplied), inner, relpath, text, depth + 1, prefix)


def load_arm(text: str) -> Any:
    try:
        documents = load_yaml_documents(text)
        return documents[0] if documents else None
    except StructuredError:
        try:
            return load_json(text)
        except StructuredError as exc:
            raise ArmError(f"ARM template: {exc}") from None


def is_arm_template(document: Any) -> bool:
    if not isinstance(document, Mapping) or "resources" not in document:
        return False
    schema = str(document.get("$schema", ""))
    return "deploymentTemplate" in schema or "contentVersion" in document


def arm_resources(text: str, relpath: str) -> list[NativeResource]:
    document = load_arm(text)
    if not is_arm_template(document):
        return []
    return list(_walk_template(_Template(document, relpath, None), document, relpath, text, 0, ""))
