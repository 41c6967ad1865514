"""Format-aware extraction: the texts a key can hide in, each mapped back to lines of the original file.

A key is not always written as itself.  In a notebook or any JSON file it sits inside an escaped string (the
quote before it is ``\\"``, the newline after it ``\\n``); in a Kubernetes Secret it is base64 under ``data:``;
in code it may be split over adjacent literals (``"sk-" "proj-..."``, ``"sk-" + "proj-..."``).  Extraction turns
each of these into a :class:`Segment` the matcher can read, and every segment knows which original line it
came from, so the reported line is always the line in the file.

* JSON-like files (``.json``, ``.ipynb`` ...) become a *decoded view*: every escaped string literal is replaced
  by its decoded text with control characters turned into spaces, so the view has exactly the file's lines.
  Embedded images (notebook ``image/*`` outputs, ``data:image/...`` URIs) are blanked: base64 pixels are not
  keys and only cost time.
* Kubernetes ``Secret`` manifests: each ``data`` value is base64-decoded and reported at its key's line.
* Adjacent or ``+``-joined string literals in code are joined and reported at the line where the run starts.

Decoded values and joined literals of one file are gathered into one segment (one line each, with a map from
segment lines to file lines), so a file costs one pass of the matcher per kind of extraction, not one per value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from msgspec import Struct

from aispm.files.structured import LineDict, StructuredError, load_yaml_documents

JSON_SUFFIXES = frozenset(
    {".json", ".ipynb", ".jsonl", ".ndjson", ".jsonc", ".json5", ".har", ".tfstate", ".webmanifest"}
)
CODE_SUFFIXES = frozenset(
    {".py", ".pyw", ".ipynb", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".java", ".kt",
     ".kts", ".scala", ".go", ".rb", ".php", ".cs", ".c", ".cc", ".cpp", ".h", ".hpp", ".swift", ".rs", ".sh",
     ".bash", ".zsh", ".ps1", ".r", ".jl", ".dart", ".lua", ".groovy", ".vue", ".svelte"}
)  # fmt: skip
YAML_SUFFIXES = frozenset({".yaml", ".yml"})

MAX_DECODED_VALUE = 64 * 1024
"""A base64 value larger than this is not a credential (a certificate bundle, an image); it is not decoded."""
MIN_JOINED_LENGTH = 16


class Segment(Struct, frozen=True):
    """A text to match, and where it is in the original file.

    Without a ``line_map`` the text has the file's own lines (the file itself, or its decoded JSON view).  With
    one, line ``n`` of the text stands for line ``line_map[n - 1]`` of the file: decoded values and joined
    literals have no lines of their own, and their context (a Secret's name, a config section) is looked up
    around the mapped line in the file.
    """

    text: str
    kind: str
    line_map: tuple[int, ...] | None = None

    @property
    def mapped(self) -> bool:
        return self.line_map is not None


def mapped_segment(kind: str, entries: list[tuple[str, int]]) -> list[Segment]:
    """One segment of ``(text, file line)`` entries (a multi-line text maps every line to its file line)."""
    lines: list[str] = []
    line_map: list[int] = []
    for text, line in entries:
        for part in text.split("\n"):
            lines.append(part)
            line_map.append(line)
    return [Segment("\n".join(lines), kind, tuple(line_map))] if lines else []


_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"(\s*:)?')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def json_view(text: str) -> str | None:
    """The text with every escaped JSON string decoded in place and embedded images blanked; ``None`` when that
    changes nothing.  Works on any text with JSON-style strings (JSONC, JSON Lines, truncated files)."""
    pieces: list[str] = []
    last = 0
    changed = False
    current_key = ""
    for match in _JSON_STRING.finditer(text):
        token = match.group(0)
        is_key = match.group(1) is not None
        literal = token[: len(token) - len(match.group(1))] if is_key else token
        if is_key:
            current_key = literal[1:-1]
            if "\\" not in literal:
                continue
        replacement: str | None = None
        if not is_key and (current_key.startswith("image/") or literal.startswith('"data:image/')):
            replacement = '""'
        elif "\\" in literal:
            try:
                decoded = json.loads(literal)
            except ValueError:
                decoded = None
            if isinstance(decoded, str):
                # Without its quotes: a decoded notebook line ``x = "sk-" "proj-..."`` reads as the code it is.
                replacement = " " + _CONTROL.sub(" ", decoded) + " "
        if replacement is None:
            continue
        pieces.append(text[last : match.start()])
        pieces.append(replacement)
        last = match.start() + len(literal)
        changed = True
    if not changed:
        return None
    pieces.append(text[last:])
    return "".join(pieces)


_K8S_SECRET = re.compile(r"^kind:\s*[\"']?Secret[\"']?\s*(?:#.*)?$", re.M)


def _decode_base64(value: str) -> str | None:
    compact = "".join(value.split())
    if not compact or len(compact) > MAX_DECODED_VALUE:
        return None
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def kubernetes_secret_segments(text: str) -> list[Segment]:
    """The base64 ``data`` values of every Kubernetes ``Secret`` document, decoded, as ``name: value`` lines."""
    if not _K8S_SECRET.search(text):
        return []
    try:
        documents = load_yaml_documents(text)
    except StructuredError:
        return []
    entries: list[tuple[str, int]] = []
    for document in documents:
        if not isinstance(document, LineDict) or document.get("kind") != "Secret":
            continue
        for section in ("data", "binaryData"):
            data = document.get(section)
            if not isinstance(data, LineDict):
                continue
            for name, value in data.items():
                decoded = _decode_base64(value) if isinstance(value, str) else None
                if decoded:
                    entries.append((f"{name}: {decoded}", data.line_of(name)))
    return mapped_segment("kubernetes-secret", entries)


_STRING_LITERAL = r""""(?:[^"\\\n]|\\.){0,400}"|'(?:[^'\\\n]|\\.){0,400}'"""
_JOINED = re.compile(rf"(?:{_STRING_LITERAL})(?:\s*\+?\s*(?:{_STRING_LITERAL}))+")
_PART = re.compile(_STRING_LITERAL)
_ADJACENT = re.compile(r"""(?<=[^"'\\\s])["']\s*\+?\s*["'](?=[^"'\s),\]};:])""")
"""A cheap test for a literal closed and another opened right after it (``"a" "b"``, ``'a' + 'b'``): most code
files have none, and the full search for joined runs is then skipped.  A run it misses (every boundary followed
by blank or closing punctuation) cannot hold a key split across that boundary: keys hold neither."""


def joined_literal_segments(text: str) -> list[Segment]:
    """Runs of adjacent (``"a" "b"``) or ``+``-joined string literals, joined, each at the line it starts on.

    The segment keeps the start of its line before the run, so that ``OPENAI_API_KEY = "sk-" "proj-..."`` still
    shows which name the joined key is assigned to.
    """
    if _ADJACENT.search(text) is None:
        return []
    entries: list[tuple[str, int]] = []
    line_number, counted_to = 1, 0
    for match in _JOINED.finditer(text):
        parts = _PART.findall(match.group(0))
        if len(parts) < 2:
            continue
        joined = "".join(part[1:-1] for part in parts)
        if len(joined) < MIN_JOINED_LENGTH:
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_number += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        prefix = text[line_start : match.start()][-200:]
        entries.append((f'{prefix}"{joined}"'.replace("\n", " "), line_number))
    return mapped_segment("joined-literals", entries)


def extract_segments(name: str, suffix: str, text: str) -> list[Segment]:
    """Every text worth matching in a file: the file itself (or its decoded JSON view) and what hides inside."""
    segments: list[Segment] = []
    base = text
    if suffix in JSON_SUFFIXES:
        view = json_view(text)
        if view is not None:
            base = view
            segments.append(Segment(view, "json-decoded"))
    if base is text:
        segments.append(Segment(text, "text"))
    if suffix in YAML_SUFFIXES:
        segments.extend(kubernetes_secret_segments(text))
    if suffix in CODE_SUFFIXES or name in {"Dockerfile", "Makefile"}:
        segments.extend(joined_literal_segments(base))
    return segments
