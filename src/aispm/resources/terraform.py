"""Terraform (``.tf`` with python-hcl2 7.x, which keeps block line numbers, and ``.tf.json``) to native resources.

A resource is judged with the values it would really get: variables from ``*.tfvars`` files, from the inputs of a
local module call in an ancestor directory, or from their defaults; locals; ``count`` and ``for_each`` (a
resource with ``count = 0`` does not exist); ``dynamic`` blocks expanded over known collections; conditionals
decided where their condition is known.  Everything else is an unknown value, never a guess.  Sibling files of
the same directory are one module, so a variable declared in ``variables.tf`` resolves in ``main.tf`` and a key
declared in ``kms.tf`` can be found by a rule about ``main.tf``.  Reads of other files are bounded and cached
per process.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from hcl2.api import loads as hcl2_loads
from lark.exceptions import LarkError, UnexpectedInput
from msgspec import Struct, field

from aispm.files.structured import LineDict, LineList, StructuredError, load_json, load_yaml_documents
from aispm.resources.hcl_expr import evaluate_value
from aispm.resources.parsed import NativeResource, Origin
from aispm.resources.values import as_bool, is_open, reference, unknown

MAX_SIBLING_FILES = 200
MAX_SIBLING_BYTES = 2 * 1024 * 1024
MAX_MODULE_BYTES = 16 * 1024 * 1024
MAX_INSTANCES = 50
MAX_CALLER_LEVELS = 3
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"})


class TerraformError(ValueError):
    """A Terraform file that cannot be parsed; the message is fit for a per-file error."""


class _File(Struct):
    relpath: str
    """Path relative to the scan root (or the file name for siblings outside it)."""
    lines: list[str]
    is_json: bool


class _Block(Struct):
    """A resource, variable or module body with the file it sits in and its line range."""

    body: Mapping[str, Any]
    file: _File
    start: int | None
    end: int | None


class _Module(Struct):
    """One directory of Terraform files."""

    directory: Path
    variables: dict[str, _Block] = field(default_factory=dict)
    tfvars: dict[str, tuple[Any, Origin]] = field(default_factory=dict)
    locals: dict[str, tuple[Any, _Block, str]] = field(default_factory=dict)
    resources: list[tuple[str, str, _Block]] = field(default_factory=list)
    module_calls: list[tuple[str, _Block]] = field(default_factory=list)


def _display_path(directory: Path, name: str, root: Path | None, base_relpath: str) -> str:
    if root is not None:
        try:
            return (directory / name).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    parent = PurePosixPath(base_relpath).parent
    return (parent / name).as_posix() if str(parent) != "." else name


# --- parsing --------------------------------------------------------------------------------------------------


def parse_hcl(text: str) -> dict[str, Any]:
    """Parse HCL text with block line numbers; ``TerraformError`` with the line of the problem otherwise."""
    try:
        parsed = hcl2_loads(text, with_meta=True)
    except UnexpectedInput as exc:
        raise TerraformError(f"invalid HCL at line {exc.line}, column {exc.column}") from None
    except (LarkError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise TerraformError(f"invalid HCL: {type(exc).__name__}") from None
    except RecursionError:
        raise TerraformError("HCL nested too deeply") from None
    if not isinstance(parsed, dict):
        raise TerraformError("invalid HCL: not a configuration")
    return parsed


def _json_blocks(value: Any) -> list[Any]:
    """``.tf.json`` allows a block to be an object or an array of objects."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return [value] if isinstance(value, dict) else []


def _line(value: Any) -> int | None:
    return value.line if isinstance(value, LineDict | LineList) and value.line else None


def _add_definitions(module: _Module, parsed: Mapping[str, Any], file: _File) -> None:
    """Record the variables, locals, resources and module calls of one parsed file."""
    for kind in ("variable", "locals", "resource", "module"):
        groups = parsed.get(kind)
        if groups is None:
            continue
        for group in groups if isinstance(groups, list) else [groups]:
            if not isinstance(group, dict):
                continue
            if kind == "locals":
                for name, raw in group.items():
                    if not str(name).startswith("__"):
                        block = _Block(group, file, group.get("__start_line__") or _line(group), None)
                        module.locals[str(name)] = (raw, block, str(name))
                continue
            for first, body in group.items():
                if kind == "resource":
                    for resource_body in _json_blocks(body) if file.is_json else [body]:
                        for name, inner in resource_body.items():
                            for instance in _json_blocks(inner) if file.is_json else [inner]:
                                if isinstance(instance, dict):
                                    module.resources.append((str(first), str(name), _block(instance, file)))
                    continue
                for instance in _json_blocks(body):
                    block = _block(instance, file)
                    if kind == "variable":
                        module.variables[str(first)] = block
                    else:
                        module.module_calls.append((str(first), block))


def _block(body: Mapping[str, Any], file: _File) -> _Block:
    start = body.get("__start_line__") if not file.is_json else _line(body)
    end = body.get("__end_line__") if not file.is_json else _json_end(body, file)
    return _Block(body, file, start if isinstance(start, int) else None, end if isinstance(end, int) else None)


def _json_end(body: Any, file: _File) -> int | None:
    """The last line of a ``.tf.json`` object: the deepest last line seen inside it."""
    last = _line(body)
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, LineDict):
            last = max(last or 0, *item.lines.values(), item.line)
            stack.extend(v for v in item.values() if isinstance(v, LineDict | LineList))
        elif isinstance(item, LineList):
            last = max(last or 0, *item.lines, item.line) if item.lines else max(last or 0, item.line)
            stack.extend(v for v in item if isinstance(v, LineDict | LineList))
    return last


def parse_terraform_json(text: str) -> Any:
    """``.tf.json`` with line numbers (loaded as YAML, a superset of JSON, falling back to plain JSON)."""
    try:
        documents = load_yaml_documents(text)
        return documents[0] if documents else {}
    except StructuredError:
        try:
            return load_json(text)
        except StructuredError as exc:
            raise TerraformError(str(exc)) from None


def _parse_file(text: str, is_json: bool) -> Any:
    return parse_terraform_json(text) if is_json else parse_hcl(text)


_PARSE_CACHE: OrderedDict[tuple[str, int, int], tuple[str, Any]] = OrderedDict()
_PARSE_CACHE_SIZE = 256


def _parse_cached(path: Path, text: str | None = None) -> tuple[str, Any]:
    """(text, parsed) of a Terraform file, cached per process on its path, size and time: each file of a module
    is parsed once, not once per sibling that needs it.  ``text`` is the content when the caller has it."""
    try:
        stat = path.stat()
        key: tuple[str, int, int] | None = (str(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key is not None:
        found = _PARSE_CACHE.get(key)
        if found is not None and (text is None or found[0] == text):
            _PARSE_CACHE.move_to_end(key)
            return found
    if text is None:
        text = path.read_text("utf-8", errors="replace")
    parsed = _parse_file(text, path.name.endswith(".tf.json"))
    if key is not None:
        _PARSE_CACHE[key] = (text, parsed)
        while len(_PARSE_CACHE) > _PARSE_CACHE_SIZE:
            _PARSE_CACHE.popitem(last=False)
    return text, parsed


def _tfvars(module: _Module, path: Path, display: str) -> None:
    """Values of ``terraform.tfvars`` and ``*.auto.tfvars`` (JSON forms too); later files win, as in Terraform."""
    try:
        if path.stat().st_size > MAX_SIBLING_BYTES:
            return
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return
    is_json = path.name.endswith(".json")
    try:
        parsed = parse_terraform_json(text) if is_json else parse_hcl(text)
    except TerraformError:
        return
    if not isinstance(parsed, dict):
        return
    file_lines = text.splitlines()
    for name, value in parsed.items():
        if str(name).startswith("__"):
            continue
        line = _find_attribute_line(file_lines, str(name), 1, len(file_lines))
        module.tfvars[str(name)] = (value, Origin(f"{display}:{line}" if line else display, line))


_TFVARS = re.compile(r"(?:terraform\.tfvars|[^/]*\.auto\.tfvars)(?:\.json)?")


def _is_terraform(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def load_module(
    directory: Path, root: Path | None, base_relpath: str, current: tuple[str, str] | None = None
) -> tuple[_Module, dict[str, Any]]:
    """The module in ``directory``; ``current`` is (name, text) of the file being analysed, parsed strictly.

    Returns the module and the parsed form of the current file (``{}`` when there is none).
    """
    module = _Module(directory)
    current_parsed: dict[str, Any] = {}
    try:
        entries = sorted(p for p in directory.iterdir() if p.is_file())
    except OSError:
        entries = []
    budget = MAX_MODULE_BYTES
    seen = 0
    for path in entries:
        name = path.name
        is_json = name.endswith(".tf.json")
        if current is not None and name == current[0]:
            _, parsed = _parse_cached(path, current[1])
            current_parsed = parsed if isinstance(parsed, dict) else {}
            file = _File(_display_path(directory, name, root, base_relpath), current[1].splitlines(), is_json)
            _add_definitions(module, current_parsed, file)
            continue
        if _TFVARS.fullmatch(name):
            _tfvars(module, path, _display_path(directory, name, root, base_relpath))
            continue
        if not _is_terraform(name) or seen >= MAX_SIBLING_FILES:
            continue
        seen += 1
        try:
            size = path.stat().st_size
            if size > MAX_SIBLING_BYTES or size > budget:
                continue
            budget -= size
            text, parsed = _parse_cached(path)
        except (OSError, TerraformError):
            continue  # reported when that file is analysed itself
        if isinstance(parsed, dict):
            display = _display_path(directory, name, root, base_relpath)
            _add_definitions(module, parsed, _File(display, text.splitlines(), is_json))
    return module, current_parsed


_MODULE_CACHE: OrderedDict[tuple[str, tuple[tuple[str, int, int], ...]], _Module] = OrderedDict()
_MODULE_CACHE_SIZE = 16


def _directory_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    try:
        for path in directory.iterdir():
            name = path.name
            if _is_terraform(name) or _TFVARS.fullmatch(name):
                stat = path.stat()
                out.append((name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return ()
    return tuple(sorted(out))


def cached_module(directory: Path, root: Path | None, base_relpath: str) -> _Module | None:
    """A parsed directory, cached per process on its files' names, sizes and times (for ancestors and callers)."""
    signature = _directory_signature(directory)
    if not signature:
        return None
    key = (str(directory), signature)
    found = _MODULE_CACHE.get(key)
    if found is not None:
        _MODULE_CACHE.move_to_end(key)
        return found
    module, _ = load_module(directory, root, base_relpath)
    _MODULE_CACHE[key] = module
    while len(_MODULE_CACHE) > _MODULE_CACHE_SIZE:
        _MODULE_CACHE.popitem(last=False)
    return module


# --- evaluation -----------------------------------------------------------------------------------------------


def _find_attribute_line(lines: Sequence[str], key: str, start: int, end: int) -> int | None:
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for number in range(max(start, 1), min(end, len(lines)) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return None


class _Context(Struct):
    """One instantiation of a module: the values its variables take and where they came from."""

    module: _Module
    inputs: dict[str, tuple[Any, Origin]]
    label: str = ""
    local_values: dict[str, tuple[Any, list[str]]] = field(default_factory=dict)
    resolving: set[str] = field(default_factory=set)


class _Scope:
    """Resolves ``var``, ``local``, ``each``, ``count``, iterators and references for the expression evaluator."""

    def __init__(self, context: _Context, bindings: Mapping[str, Any] | None = None) -> None:
        self.context = context
        self.bindings = dict(bindings or {})
        self.notes: list[str] = []

    def child(self, **bindings: Any) -> _Scope:
        scope = _Scope(self.context, {**self.bindings, **bindings})
        scope.notes = self.notes
        return scope

    def resolve(self, names: Sequence[str]) -> tuple[Any, int]:
        head = names[0]
        if head in self.bindings:
            return self.bindings[head], 1
        if head == "var" and len(names) > 1:
            return self.variable(names[1]), 2
        if head == "local" and len(names) > 1:
            return self.local(names[1]), 2
        if head in ("each", "count"):
            return unknown(".".join(names)), len(names)
        if head == "data" and len(names) > 2:
            return reference(f"data.{names[1]}.{names[2]}", ".".join(names)), len(names)
        if head in ("module", "self", "terraform"):
            return unknown(".".join(names)), len(names)
        if head == "path":
            return reference("", ".".join(names)), len(names)
        if len(names) >= 2:
            return reference(f"{names[0]}.{names[1]}", ".".join(names)), len(names)
        return unknown(head), 1

    def variable(self, name: str) -> Any:
        module = self.context.module
        if name in module.tfvars:
            value, origin = module.tfvars[name]
            self.notes.append(origin.text)
            return evaluate_value(value, _Scope(_Context(_Module(module.directory), {})))
        if name in self.context.inputs:
            value, origin = self.context.inputs[name]
            self.notes.append(origin.text)
            return value
        block = module.variables.get(name)
        if block is None or "default" not in block.body:
            return unknown(f"var.{name} has no value")
        line = _variable_default_line(block)
        self.notes.append(f"variable default, {block.file.relpath}:{line}" if line else "variable default")
        return evaluate_value(block.body["default"], _Scope(_Context(_Module(module.directory), {})))

    def local(self, name: str) -> Any:
        context = self.context
        cached = context.local_values.get(name)
        if cached is not None:
            self.notes.extend(cached[1])
            return cached[0]
        found = context.module.locals.get(name)
        if found is None or name in context.resolving:
            return unknown(f"local.{name}")
        raw, block, _ = found
        context.resolving.add(name)
        try:
            inner = _Scope(context)
            value = evaluate_value(raw, inner)
        finally:
            context.resolving.discard(name)
        line = _find_attribute_line(block.file.lines, name, block.start or 1, len(block.file.lines))
        notes = [f"local value, {block.file.relpath}:{line}" if line else "local value", *inner.notes]
        context.local_values[name] = (value, notes)
        self.notes.extend(notes)
        return value


def _variable_default_line(block: _Block) -> int | None:
    if block.file.is_json and isinstance(block.body, LineDict):
        return block.body.line_of("default")
    return _find_attribute_line(block.file.lines, "default", block.start or 1, block.end or len(block.file.lines))


def _is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "__start_line__" in v for v in value)


def _origin(scope: _Scope, file: _File, line: int | None) -> Origin:
    notes = list(dict.fromkeys(scope.notes))
    where = f"{file.relpath}:{line}" if line else file.relpath
    if notes:
        return Origin(f"{'; '.join(notes)}; used at {where}", line)
    return Origin(where, line)


def _attribute_line(block: _Block, key: str, body: Mapping[str, Any]) -> int | None:
    if block.file.is_json:
        return body.line_of(key) if isinstance(body, LineDict) else block.start
    return _find_attribute_line(block.file.lines, key, block.start or 1, block.end or len(block.file.lines))


def _instances_of(collection: Any) -> list[tuple[str, Any]] | None:
    if isinstance(collection, dict) and not is_open(collection):
        return [(str(k), v) for k, v in collection.items()]
    if isinstance(collection, list):
        return [(str(i), v) for i, v in enumerate(collection)]
    return None


class _BlockEvaluator:
    """Evaluates a resource body into plain values, recording lines and origins by dotted path."""

    def __init__(self, origins: dict[str, Origin]) -> None:
        self.origins = origins

    def evaluate(self, block: _Block, scope: _Scope, prefix: str, top: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        body = block.body
        for key, raw in body.items():
            key = str(key)
            if key.startswith("__") or (top and key in META_ARGUMENTS):
                continue
            path = f"{prefix}{key}"
            if key == "dynamic":
                self.dynamic(raw, block, scope, prefix, out)
                continue
            if _is_block_list(raw):
                items = [
                    self.evaluate(
                        _Block(item, block.file, item.get("__start_line__"), item.get("__end_line__")),
                        scope,
                        f"{path}.",
                        False,
                    )
                    for item in raw
                ]
                out.setdefault(key, [])
                if isinstance(out[key], list):
                    out[key].extend(items)
                first = raw[0].get("__start_line__")
                self.origins.setdefault(path, Origin(f"{block.file.relpath}:{first}", first))
                continue
            scope.notes.clear()
            out[key] = evaluate_value(raw, scope)
            self.origins[path] = _origin(scope, block.file, _attribute_line(block, key, body))
        return out

    def dynamic(self, raw: Any, block: _Block, scope: _Scope, prefix: str, out: dict[str, Any]) -> None:
        entries = raw if isinstance(raw, list) else [raw]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for label, spec in entry.items():
                label = str(label)
                if label.startswith("__") or not isinstance(spec, dict):
                    continue
                path = f"{prefix}{label}"
                start = spec.get("__start_line__") if not block.file.is_json else _line(spec)
                scope.notes.clear()
                collection = evaluate_value(spec.get("for_each"), scope)
                origin = _origin(scope, block.file, start if isinstance(start, int) else block.start)
                iterator = spec.get("iterator")
                iterator_name = iterator if isinstance(iterator, str) and iterator.isidentifier() else label
                instances = _instances_of(collection)
                contents = _json_blocks(spec.get("content"))
                if instances is None or not contents:
                    out[label] = unknown(f"dynamic block {label} over an unknown collection")
                    self.origins[path] = origin
                    continue
                current = out.setdefault(label, [])
                if not isinstance(current, list):
                    continue
                content = contents[0]
                content_block = _Block(
                    content,
                    block.file,
                    content.get("__start_line__") if not block.file.is_json else _line(content),
                    content.get("__end_line__") if not block.file.is_json else block.end,
                )
                for key, value in instances[:MAX_INSTANCES]:
                    inner = scope.child(**{iterator_name: {"key": key, "value": value}})
                    current.append(self.evaluate(content_block, inner, f"{path}.", False))
                self.origins[path] = Origin(f"dynamic block; {origin.text}", origin.line)


MAX_CALLER_CANDIDATES = 60
_CALLERS_CACHE: OrderedDict[str, list[tuple[_Module, str, _Block]]] = OrderedDict()


_SKIPPED_DIRS = frozenset({"node_modules", "vendor", "__pycache__"})


def _subdirectories(directory: Path, depth: int, budget: list[int]) -> list[Path]:
    """Directories below ``directory`` down to ``depth`` levels, within a shared budget."""
    if depth <= 0 or budget[0] <= 0:
        return []
    try:
        children = sorted(
            p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in _SKIPPED_DIRS
        )
    except OSError:
        return []
    out: list[Path] = []
    for child in children:
        if budget[0] <= 0:
            break
        budget[0] -= 1
        out.append(child)
        out.extend(_subdirectories(child, depth - 1, budget))
    return out


def _caller_candidates(directory: Path, root: Path | None) -> list[Path]:
    """Where callers of a module live: its ancestors (up to three levels, within the root) and their
    subdirectories two levels down (``./modules/x`` from the root, ``../../modules/x`` from ``envs/prod``)."""
    candidates: list[Path] = []
    resolved_root = root.resolve() if root is not None else None
    ancestor = directory
    for _ in range(MAX_CALLER_LEVELS):
        if resolved_root is not None and ancestor.resolve() == resolved_root:
            break
        ancestor = ancestor.parent
        if resolved_root is not None and not ancestor.resolve().is_relative_to(resolved_root):
            break
        candidates.append(ancestor)
        candidates.extend(_subdirectories(ancestor, 2, [MAX_CALLER_CANDIDATES]))
    return [c for c in dict.fromkeys(candidates) if c != directory]


def _callers(directory: Path, root: Path | None, base_relpath: str) -> list[tuple[_Module, str, _Block]]:
    """Module blocks nearby whose local ``source`` is ``directory`` (cached per directory for the process)."""
    key = str(directory.resolve())
    cached = _CALLERS_CACHE.get(key)
    if cached is not None:
        return cached
    found: list[tuple[_Module, str, _Block]] = []
    target = directory.resolve()
    for candidate in _caller_candidates(directory, root):
        module = cached_module(candidate, root, base_relpath)
        if module is None:
            continue
        for name, block in module.module_calls:
            source = block.body.get("source")
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                continue
            try:
                if (candidate / source).resolve() == target:
                    found.append((module, name, block))
            except OSError:
                continue
    _CALLERS_CACHE[key] = found
    while len(_CALLERS_CACHE) > 256:
        _CALLERS_CACHE.popitem(last=False)
    return found


def _contexts(module: _Module, root: Path | None, base_relpath: str) -> list[_Context]:
    """One context per caller of this module (its inputs evaluated in the caller), or one with defaults."""
    contexts: list[_Context] = []
    for caller_module, name, block in _callers(module.directory, root, base_relpath)[:MAX_INSTANCES]:
        caller_scope = _Scope(_Context(caller_module, {}))
        inputs: dict[str, tuple[Any, Origin]] = {}
        for key, raw in block.body.items():
            if str(key).startswith("__") or key in ("source", "version", "providers", "count", "for_each"):
                continue
            caller_scope.notes.clear()
            value = evaluate_value(raw, caller_scope)
            line = _attribute_line(block, str(key), block.body)
            where = f"{block.file.relpath}:{line}" if line else block.file.relpath
            notes = list(dict.fromkeys(caller_scope.notes))
            text = f"module input, {where}" + (f" from {'; '.join(notes)}" if notes else "")
            inputs[str(key)] = (value, Origin(text, line))
        contexts.append(_Context(module, inputs, f'module "{name}" in {block.file.relpath}'))
    return contexts or [_Context(module, {})]


def _resource_instances(
    resource_type: str, name: str, block: _Block, context: _Context
) -> Iterator[tuple[str, str, _Scope]]:
    """(address, context label, scope) for each instance the resource would have; none for ``count = 0``."""
    base = f"{resource_type}.{name}"
    scope = _Scope(context)
    body = block.body
    if "count" in body:
        count = evaluate_value(body["count"], scope)
        converted = count if isinstance(count, int) and not isinstance(count, bool) else as_bool(count)
        if converted is False or converted == 0:
            return
        yield base, context.label, _Scope(context, {"count": {"index": 0 if count == 1 else unknown("count.index")}})
        return
    if "for_each" in body:
        collection = evaluate_value(body["for_each"], scope)
        instances = _instances_of(collection)
        if instances is None:
            yield (
                base,
                context.label,
                _Scope(context, {"each": {"key": unknown("each.key"), "value": unknown("each.value")}}),
            )
            return
        for key, value in instances[:MAX_INSTANCES]:
            label = f"for_each key {key!r}" + (f", {context.label}" if context.label else "")
            yield f'{base}["{key}"]', label, _Scope(context, {"each": {"key": key, "value": value}})
        return
    yield base, context.label, scope


def terraform_resources(
    file_path: Path, relpath: str, text: str, root: Path | None
) -> tuple[list[NativeResource], list[NativeResource]]:
    """(resources declared in this file, every resource of its module) for ``file_path`` with content ``text``.

    Raises ``TerraformError`` when this file does not parse.
    """
    module, _ = load_module(file_path.parent, root, relpath, (file_path.name, text))
    own: list[NativeResource] = []
    everything: list[NativeResource] = []
    for context in _contexts(module, root, relpath):
        for resource_type, name, block in module.resources:
            for address, label, scope in _resource_instances(resource_type, name, block, context):
                origins: dict[str, Origin] = {}
                properties = _BlockEvaluator(origins).evaluate(block, scope, "", True)
                resource = NativeResource(
                    source="terraform",
                    native_type=resource_type,
                    address=address,
                    name=address,
                    properties=properties,
                    path=block.file.relpath,
                    start_line=block.start,
                    end_line=block.end,
                    origins=origins,
                    context=label,
                )
                everything.append(resource)
                if block.file.relpath == relpath:
                    own.append(resource)
    return own, everything
