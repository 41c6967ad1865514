"""GGUF chat templates that reach Python internals (server-side template injection, CVE-2024-34359 class).

A GGUF file carries its chat template (``tokenizer.chat_template*``) as Jinja source that runtimes render for
every request; rendered outside a sandbox (llama-cpp-python before 0.2.72), a template that walks from an object
to its class, globals or builtins (``__class__``, ``__globals__``, ``cycler.__init__.__globals__.os`` ...) runs
commands.  Legitimate chat templates never need those paths.  The metadata is read as a stream: the large
vocabulary arrays that precede the template are stepped over, not held.
"""

from __future__ import annotations

import re
import struct

from msgspec import Struct, field

from aispm.checks.modelfiles.streams import ByteSource

TEMPLATE_KEY = "tokenizer.chat_template"
MAX_ENTRIES = 1_000_000
MAX_KEY = 64 * 1024
MAX_TEMPLATE = 1024 * 1024
MAX_ARRAY_DEPTH = 4

_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9

_JINJA_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_GADGETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"__\w+__"), "dunder attribute"),
    (re.compile(r"\|\s*attr\b|\battr\s*\("), "attr filter"),
    (re.compile(r"\\x5f|\\u005f|\\U0000005f|\\137", re.I), "escaped underscore"),
    (re.compile(r"\b(?:lipsum|cycler|joiner)\b"), "Jinja global object"),
    (re.compile(r"\bself\s*\.\s*_|\b_\w+__\w+"), "private attribute"),
    (re.compile(r"\.\s*mro\b|\bsubclasses\b|\bbuiltins\b|\bglobals\b"), "interpreter internals"),
    (re.compile(r"\bpopen\b|\bsubprocess\b|\bos\s*\.\s*system\b|\beval\s*\(|\bexec\s*\("), "command execution"),
    (re.compile(r"\{%-?\s*(?:import|from|include|extends)\b"), "template loading"),
)


class GgufError(ValueError):
    """The metadata is malformed (bad type, absurd length)."""


class GgufTemplates(Struct):
    templates: dict[str, str] = field(default_factory=dict)
    oversized: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, source: ByteSource, endian: str, wide: bool) -> None:
        self.source = source
        self.endian = endian
        self.count = struct.Struct(endian + ("Q" if wide else "I"))
        self.u32 = struct.Struct(endian + "I")

    def length(self) -> int:
        return int(self.count.unpack(self.source.take(self.count.size))[0])

    def type_code(self) -> int:
        return int(self.u32.unpack(self.source.take(4))[0])

    def string(self, keep: int) -> tuple[str | None, int]:
        """(the string when at most ``keep`` bytes, else None after skipping it; its length)."""
        length = self.length()
        self._check_fits(length)
        if length > keep:
            self.source.skip(length)
            return None, length
        return self.source.take(length).decode("utf-8", "replace"), length

    def skip_value(self, kind: int, depth: int = 0) -> None:
        if kind in _SCALAR_SIZES:
            self.source.take(_SCALAR_SIZES[kind])
        elif kind == _STRING:
            self.string(0)
        elif kind == _ARRAY:
            if depth >= MAX_ARRAY_DEPTH:
                raise GgufError("arrays nested too deep")
            item, count = self.type_code(), self.length()
            if item in _SCALAR_SIZES:
                self._check_fits(count * _SCALAR_SIZES[item])
                self.source.skip(count * _SCALAR_SIZES[item])
            elif item == _STRING:
                self._check_fits(count)
                self._skip_strings(count)
            else:
                self._check_fits(count)
                for _ in range(count):
                    self.skip_value(item, depth + 1)
        else:
            raise GgufError(f"invalid metadata value type {kind}")

    def _skip_strings(self, count: int) -> None:
        """Step over ``count`` strings (vocabularies hold 100k+), straight from the buffer when it has them."""
        source, length_field = self.source, self.count
        width = length_field.size
        for _ in range(count):
            position, buffer = source.pos, source.buf
            if position + width <= len(buffer):
                end = position + width + length_field.unpack_from(buffer, position)[0]
                if end <= len(buffer):
                    source.pos = end
                    continue
            self.string(0)

    def _check_fits(self, length: int) -> None:
        size = self.source.size
        if size is not None and self.source.offset + length > size:
            raise GgufError(f"metadata length {length} runs past the end of the file")


def read_templates(source: ByteSource) -> GgufTemplates:
    """The chat templates in a GGUF file's metadata.  Raises :class:`GgufError` or ``Truncated``."""
    header = source.take(8)
    if header[:4] != b"GGUF":
        raise GgufError("not a GGUF file")
    endian = "<"
    version = struct.unpack_from("<I", header, 4)[0]
    if version > 0xFFFF:
        endian, version = ">", struct.unpack_from(">I", header, 4)[0]
    if not 1 <= version <= 3:
        raise GgufError(f"unsupported GGUF version {version}")
    reader = _Reader(source, endian, wide=version >= 2)
    reader.length()  # tensor count
    entries = reader.length()
    if entries > MAX_ENTRIES:
        raise GgufError(f"implausible metadata entry count {entries}")
    found = GgufTemplates()
    for _ in range(entries):
        key, _ = reader.string(MAX_KEY)
        kind = reader.type_code()
        if key is not None and key.startswith(TEMPLATE_KEY) and kind == _STRING:
            template, length = reader.string(MAX_TEMPLATE)
            if template is None:
                found.oversized.append(f"{key} ({length} bytes)")
            else:
                found.templates[key] = template
        else:
            reader.skip_value(kind)
    return found


def template_gadgets(template: str) -> list[str]:
    """What in ``template``'s Jinja code reaches for Python internals (empty for ordinary chat templates)."""
    hits: list[str] = []
    for block in _JINJA_CODE.findall(template):
        for pattern, label in _GADGETS:
            match = pattern.search(block)
            if match is not None:
                hits.append(f"{label} {match.group(0).strip()!r}")
    return sorted(set(hits))
