"""Safe parsing of structured text with line numbers, for analysers that must say *where* a value is.

YAML is parsed with PyYAML's safe loader only (no tags that construct objects; unknown tags such as
CloudFormation's ``!Ref`` become plain values), and every mapping and sequence remembers the line of each key or
item.  Limits keep hostile input bounded: documents, nesting depth and alias expansion ("billion laughs").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

MAX_YAML_DOCUMENTS = 1000
MAX_DEPTH = 200
MAX_NODES = 500_000
"""Upper bound on nodes after alias expansion: real lockfiles stay far below, alias bombs do not."""


class StructuredError(ValueError):
    """Invalid or hostile structured text; the message is fit for a per-file error."""


class LineDict(dict[str, Any]):
    """A dict that knows the 1-based line of each key (``lines``) and of itself (``line``)."""

    line: int = 0
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    """A list that knows the 1-based line of each item (``lines``) and of itself (``line``)."""

    line: int = 0
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def load_yaml_documents(text: str) -> list[Any]:
    """Every document of a (multi-document) YAML text, as ``LineDict``/``LineList``/scalars.

    Raises ``StructuredError`` with the line of the problem for invalid YAML.
    """
    from aispm.files import yaml_lines  # PyYAML is imported by the first YAML parse, not by every importer

    return yaml_lines.load_documents(text)


def load_plain_yaml(text: str) -> Any:
    """A single YAML document as plain Python data (safe constructors only, libyaml when available).

    For user policy files and aispm's own data files, where line numbers are not needed.  Raises
    ``StructuredError`` for invalid YAML.
    """
    from aispm.files import yaml_lines  # PyYAML is imported by the first YAML parse, not by every importer

    return yaml_lines.load_plain(text)


def load_shipped_yaml(text: str) -> Any:
    """:func:`load_plain_yaml` for the data files shipped inside aispm (rules, catalogues, tables).

    Their parse is cached beside the code (``files/cache.py``), so a run that reads only known files never imports
    PyYAML.  Never for user or scanned files: their parse is not trusted into the cache, and a small hostile file
    with nested aliases would expand to an enormous cache entry.
    """
    from aispm.files.cache import parsed_text

    return parsed_text("yaml", text, load_plain_yaml)


def load_yaml(text: str) -> Any:
    """The first YAML document (``None`` for an empty text)."""
    documents = load_yaml_documents(text)
    return documents[0] if documents else None


# A string or block comment that is never closed runs to the end of the text: each alternative always succeeds
# once started, so the scan stays linear on hostile input (a failing lazy match retried at every quote is not).
_JSON_STRING = r'"(?:\\.|[^"\\])*+\\?(?:"|\Z)'
_JSON_COMMENTS = re.compile(_JSON_STRING + r"|//[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_TRAILING_COMMA = re.compile(_JSON_STRING + r"|,(\s*[}\]])", re.S)
_COMMA_BEFORE_CLOSE = re.compile(r",\s*[}\]]")


def strip_json_comments(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments and trailing commas (JSONC, as VS Code and Claude configs allow),
    keeping line breaks so that line numbers stay right."""

    def drop_comment(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        return "\n" * token.count("\n")

    def drop_comma(match: re.Match[str]) -> str:
        return match.group(1) if match.group(1) is not None else match.group(0)

    if "/" in text:  # most JSON has no comments: skip the token-by-token pass
        text = _JSON_COMMENTS.sub(drop_comment, text)
    if _COMMA_BEFORE_CLOSE.search(text) is None:
        return text
    return _TRAILING_COMMA.sub(drop_comma, text)


def load_json(text: str, allow_comments: bool = False) -> Any:
    """Parse JSON (optionally JSONC); raise ``StructuredError`` with the line and column of the problem."""
    try:
        return json.loads(strip_json_comments(text) if allow_comments else text)
    except json.JSONDecodeError as exc:
        raise StructuredError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise StructuredError("JSON nested too deeply") from None


def find_line(text: str, needle: str, start_line: int = 1) -> int | None:
    """The 1-based line of the first occurrence of ``needle`` at or after ``start_line`` (for JSON and TOML,
    whose parsers keep no positions)."""
    lines = text.splitlines()
    for number in range(max(start_line, 1), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return None


def iter_leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, int]]:
    """Walk a structure from :func:`load_yaml_documents`, yielding (key path, scalar, line)."""
    if isinstance(value, LineDict):
        for key, item in value.items():
            if isinstance(item, LineDict | LineList):
                yield from iter_leaves(item, (*path, key))
            else:
                yield (*path, key), item, value.line_of(key)
    elif isinstance(value, LineList):
        for index, item in enumerate(value):
            if isinstance(item, LineDict | LineList):
                yield from iter_leaves(item, (*path, str(index)))
            else:
                yield (*path, str(index)), item, value.line_of(index)
