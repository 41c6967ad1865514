"""PyYAML behind :mod:`aispm.files.structured`: the safe loader, line-numbered conversion and nesting limits.

Kept apart so that importing ``structured`` (for JSON, or for the ``LineDict`` type) does not import PyYAML:
a scan that parses no YAML never pays for it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from aispm.files.structured import MAX_DEPTH, MAX_NODES, MAX_YAML_DOCUMENTS, LineDict, LineList, StructuredError

try:  # the C loader is several times faster; fall back to pure Python where libyaml is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.tag.startswith("tag:yaml.org,2002:"):
        resolver_loader = _LINE_LOADER_FOR_SCALARS
        return resolver_loader.construct_scalar_value(node)
    # Unknown tags (!Ref, !Sub, !GetAtt ...) keep their value and say which tag they had.
    return {"__tag__": node.tag, "value": node.value}


class _ScalarConstructor(yaml.SafeLoader):
    def __init__(self) -> None:
        super().__init__("")

    def construct_scalar_value(self, node: yaml.ScalarNode) -> Any:
        constructor = self.yaml_constructors.get(node.tag)
        if constructor is None:
            return node.value
        try:
            return constructor(self, node)
        except (ValueError, yaml.constructor.ConstructorError):
            return node.value


_LINE_LOADER_FOR_SCALARS = _ScalarConstructor()


def _convert(node: yaml.Node, depth: int, budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise StructuredError(f"YAML nested deeper than {MAX_DEPTH} levels")
    budget[0] -= 1
    if budget[0] < 0:
        raise StructuredError("YAML expands to too many nodes (alias bomb?)")
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        out_list = LineList()
        out_list.line = node.start_mark.line + 1
        out_list.lines = []
        for item in node.value:
            out_list.append(_convert(item, depth + 1, budget))
            out_list.lines.append(item.start_mark.line + 1)
        if not node.tag.startswith("tag:yaml.org,2002:"):
            return {"__tag__": node.tag, "value": out_list}
        return out_list
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, depth + 1, budget)
            key_text = key if isinstance(key, str) else json.dumps(key, default=str)
            if key_text == "<<" and isinstance(value_node, yaml.MappingNode | yaml.SequenceNode):
                merged = _convert(value_node, depth + 1, budget)
                for source in merged if isinstance(merged, list) else [merged]:
                    if isinstance(source, LineDict):
                        for k, v in source.items():
                            out.setdefault(k, v)
                            out.lines.setdefault(k, source.line_of(k))
                continue
            out[key_text] = _convert(value_node, depth + 1, budget)
            out.lines[key_text] = key_node.start_mark.line + 1
        if not node.tag.startswith("tag:yaml.org,2002:"):
            return {"__tag__": node.tag, "value": out}
        return out
    raise StructuredError(f"unexpected YAML node {type(node).__name__}")  # pragma: no cover


_FLOW_BRACKETS = re.compile(r"[\[\]{}]")
_BLOCK_INDICATORS = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH // 2},}}", re.M)
"""A line that opens with this many blanks and block indicators (``- - - ...``) may nest deeply."""


def _rough_depth(text: str) -> int:
    """An upper estimate of how deep ``text`` nests (brackets in strings count too), without parsing it."""
    openers = text.count("[") + text.count("{")
    if openers > MAX_DEPTH // 2:
        depth = deepest = 0
        for match in _FLOW_BRACKETS.finditer(text):
            if match.group() in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif depth:
                depth -= 1
        openers = deepest
    block = MAX_DEPTH + 1 if _BLOCK_INDICATORS.search(text) else 0
    return openers + block


def _exact_depth_exceeds(text: str) -> bool:
    """Whether the collections of ``text`` nest deeper than MAX_DEPTH, read from the parser's event stream (an
    iterative state machine, unlike composition, which recurses in C)."""
    loader = _BaseLoader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return True
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return False  # the parse proper reports the error, with its line
    finally:
        loader.dispose()
    return False


def _refuse_deep_nesting(text: str) -> None:
    """libyaml composes nested collections by recursion in C: a few hundred thousand ``[`` or ``- `` overflow the
    C stack and kill the process (no exception to catch).  Such input is refused before it is composed."""
    if _rough_depth(text) > MAX_DEPTH and _exact_depth_exceeds(text):
        raise StructuredError(f"YAML nested deeper than {MAX_DEPTH} levels")


def load_documents(text: str) -> list[Any]:
    """Every document of ``text`` as ``LineDict``/``LineList``/scalars; ``StructuredError`` with the line of the
    problem for invalid or hostile YAML."""
    _refuse_deep_nesting(text)
    loader = _BaseLoader(text)
    documents: list[Any] = []
    budget = [MAX_NODES]
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            documents.append(_convert(node, 0, budget))
            if len(documents) > MAX_YAML_DOCUMENTS:
                raise StructuredError(f"more than {MAX_YAML_DOCUMENTS} YAML documents")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise StructuredError(f"invalid YAML{where}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise StructuredError(f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return documents


def load_plain(text: str) -> Any:
    """One document as plain Python data (safe constructors only); ``StructuredError`` for invalid YAML."""
    _refuse_deep_nesting(text)
    loader = _BaseLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise StructuredError(f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
