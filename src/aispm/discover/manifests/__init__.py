"""Parsers of dependency manifests and lockfiles, one module per ecosystem.

Every parser is a pure function ``text -> list[DeclaredDependency]`` that reports *every* dependency it reads
(AI or not: deciding what is AI is the catalogue's job, in :mod:`aispm.discover.dependencies`).  Parsers never
run what they read (no ``setup.py``, no Gradle) and raise :class:`ManifestError` with a message fit for a user.
"""

from __future__ import annotations

import re

from msgspec import Struct

from aispm.files.content import LineIndex


class ManifestError(ValueError):
    """The manifest or lockfile is malformed; the message says what and, where known, on which line."""


class DeclaredDependency(Struct, frozen=True):
    """One dependency as a manifest or lockfile states it."""

    name: str
    """The name as written (normalisation is the catalogue's job)."""
    version: str | None = None
    """An exact version for lockfile entries, else the spec as written (``>=1.0``), or None."""
    line: int | None = None
    group: str | None = None
    """The optional-dependency extra, dependency group or configuration that declares it, if any."""
    dev: bool = False
    is_locked: bool = False
    direct: bool | None = True
    """False for lockfile entries that no manifest asked for; None when the file cannot tell."""


class LineFinder:
    """Finds the 1-based line of text in one file; the line index is built once, searches run at C speed.

    (For formats whose parsers keep no positions: TOML, JSON, XML.)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = LineIndex.of(text)

    def line_at(self, offset: int) -> int:
        return self.index.line_of(offset)

    def offset_of_line(self, line: int) -> int:
        starts = self.index.starts
        return starts[min(max(line, 1), len(starts)) - 1]

    def find(self, needle: str, start_line: int = 1) -> int | None:
        """The line of the first ``needle`` at or after ``start_line``."""
        offset = self.text.find(needle, self.offset_of_line(start_line))
        return None if offset == -1 else self.line_at(offset)

    def search(self, pattern: re.Pattern[str], start_line: int = 1) -> int | None:
        """The line of the first match of ``pattern`` at or after ``start_line``."""
        match = pattern.search(self.text, self.offset_of_line(start_line))
        return None if match is None else self.line_at(match.start())

    def toml_table(self, dotted: str) -> int | None:
        """The line of the ``[dotted.table]`` header (quoted parts and spaces allowed), if written as a header."""
        parts = [rf"\s*(?:{re.escape(p)}|\"{re.escape(p)}\"|'{re.escape(p)}')\s*" for p in dotted.split(".")]
        return self.search(re.compile(r"^\s*\[" + r"\.".join(parts) + r"\]", re.M))

    def toml_key(self, key: str, start_line: int = 1) -> int | None:
        """The line where ``key = ...`` is written (bare or quoted key) at or after ``start_line``."""
        quoted = re.escape(key)
        return self.search(re.compile(rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*=", re.M), start_line)

    def quoted(self, value: str, start_line: int = 1) -> int | None:
        """The line of ``value`` written as a quoted string (either quote) at or after ``start_line``."""
        return self.search(re.compile(rf"[\"']{re.escape(value)}[\"']"), start_line)
