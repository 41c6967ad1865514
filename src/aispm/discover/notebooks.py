"""Jupyter notebooks -> AI usage inventory: code cells analysed as Python, ``%pip install`` lines as packages.

Only code cells are read; outputs and embedded images are skipped.  IPython syntax (``%magic``, ``!shell``,
``x = !cmd``, ``obj?``) is replaced by ``pass`` before parsing, line for line, so that line numbers survive, and
a cell that still does not parse is left out on its own instead of costing the whole notebook.  Every line of
Python is mapped back to the line of the ``.ipynb`` file where nbformat wrote it (one JSON string per line), so
findings point into the notebook as it is on disk.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.catalogue import load_catalogue, normalise_package
from aispm.discover.manifests.python import packages_from_pip_command
from aispm.discover.python_source import analyse_module, mentions_ai
from aispm.files.content import FileContent, LineIndex
from aispm.files.structured import StructuredError, load_json
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, JSONValue, Location, Relation, RelationKind

PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy"})
"""Cell magics whose body is still Python."""
SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system"})
"""Cell magics whose body is shell, where ``pip install`` lines are looked for."""
SHELL_ASSIGNMENT = re.compile(r"^(\s*[\w.\[\],][\w.\[\]\s,]*?=\s*)[!%]")
"""``files = !ls`` / ``x = %env``; the first target character is not a space, so the match is linear in the line."""
MAGIC_LINE = re.compile(r"\s*(?:%{1,2}[A-Za-z]|!(?!=))")
"""``%pip ...``, ``%%time``, ``!ls`` (but not a ``% b`` or ``!= b`` continuation of a Python expression)."""
HELP_LINE = re.compile(r"\s*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*")
"""``?obj``, ``obj?``, ``obj??``: IPython help."""
SEARCH_SLACK = 4096
"""How far past the previous source line the next one is looked for in the file (indentation, separators)."""


class CodeCell(Struct):
    """One code cell: its source lines and, for each, the 1-based line of the notebook file that holds it."""

    lines: list[str]
    file_lines: list[int]
    python: list[str] = field(default_factory=list)
    """The lines as plain Python (IPython syntax replaced), same count as ``lines``; empty if not Python."""
    shell: list[tuple[str, int]] = field(default_factory=list)
    """Shell and magic lines (continuations joined), with their file line."""


def _source_text(source: Any) -> str:
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _notebook_cells(notebook: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str]:
    """The cells and the key that holds their code (nbformat 4 ``source``; nbformat 3 worksheets ``input``)."""
    cells = notebook.get("cells")
    if isinstance(cells, list):
        return [c for c in cells if isinstance(c, Mapping)], "source"
    worksheets = notebook.get("worksheets")
    if isinstance(worksheets, list):
        found = [
            cell
            for sheet in worksheets
            if isinstance(sheet, Mapping) and isinstance(sheet.get("cells"), list)
            for cell in sheet["cells"]
            if isinstance(cell, Mapping)
        ]
        return found, "input"
    raise AnalysisError("not a Jupyter notebook: no 'cells' list")


def locate_lines(text: str, cells: Sequence[Mapping[str, Any]], code_key: str) -> list[list[int]]:
    """For every cell, the file line of each of its source lines.

    nbformat writes a cell's source as a JSON list with one string per line, so each line is found by a forward
    search for its JSON encoding, bounded by the cell's place in the file.  A source stored as one string (or
    written by a tool that differs) falls back to the line of the cell's ``source`` key.  Every search starts
    where the previous one ended, or is remembered (the next ``cell_type`` key, a key that no longer occurs), so
    the whole mapping is linear in the file however its cells are written.
    """
    index = LineIndex.of(text)
    needle_key = f'"{code_key}"'
    cursor = 0
    next_type = -1  # where the next '"cell_type"' key is, once searched (len(text) when there is none)
    keys_left = True  # False once the source key was not found after the cursor: it cannot be found later
    out: list[list[int]] = []
    for cell in cells:
        source = cell.get(code_key)
        key_at = text.find(needle_key, cursor) if keys_left and source is not None else -1
        if key_at == -1:
            keys_left = keys_left and source is None
            key_at = cursor
        if next_type < key_at + len(needle_key):
            found = text.find('"cell_type"', key_at + len(needle_key))
            next_type = len(text) if found == -1 else found
        end = next_type
        position = key_at
        lines: list[int] = []
        if not isinstance(source, list):  # one JSON string: every line of it sits on the key's line
            lines = [index.line_of(key_at)] * len(_source_text(source).splitlines())
        else:
            for line in _source_text(source).splitlines(keepends=True):
                hit = -1
                for needle in {json.dumps(line, ensure_ascii=False), json.dumps(line)}:
                    # consecutive source lines sit next to each other: a short window keeps hostile cells linear
                    hit = text.find(needle, position, min(end, position + len(needle) + SEARCH_SLACK))
                    if hit != -1:
                        position = hit + len(needle)
                        break
                lines.append(index.line_of(hit if hit != -1 else position))
        out.append(lines)
        cursor = max(position, key_at + len(needle_key))
    return out


def _as_python(lines: Sequence[str]) -> list[str]:
    """IPython lines replaced by ``pass`` (same indentation), so the cell parses and keeps its line numbers."""
    out = []
    for line in lines:
        stripped = line.lstrip()
        assignment = SHELL_ASSIGNMENT.match(line)
        if MAGIC_LINE.match(line) or HELP_LINE.fullmatch(line):
            out.append(line[: len(line) - len(stripped)] + "pass")
        elif assignment:
            out.append(assignment.group(1) + "None")
        else:
            out.append(line)
    return out


def _shell_lines(lines: Sequence[str], file_lines: Sequence[int], whole_cell: bool) -> list[tuple[str, int]]:
    """Magic and shell lines (``!pip ...``, ``%pip ...``, or every line of a ``%%bash`` cell), continuations
    joined."""
    out: list[tuple[str, int]] = []
    pending: list[str] = []  # the parts of a command continued with backslashes (joined once: linear)
    start = 0
    for line, file_line in zip(lines, file_lines, strict=True):
        stripped = line.strip()
        if pending:
            pending.append(stripped)
        elif whole_cell or MAGIC_LINE.match(line) or SHELL_ASSIGNMENT.match(line):
            pending, start = [stripped], file_line
        else:
            continue
        if stripped.endswith("\\"):
            pending[-1] = stripped[:-1]
        else:
            out.append((" ".join(pending), start))
            pending = []
    if pending:
        out.append((" ".join(pending).rstrip("\\"), start))
    return out


def code_cells(text: str, notebook: Mapping[str, Any]) -> tuple[list[CodeCell], int]:
    """The notebook's code cells with file lines, Python and shell lines; and the total number of cells."""
    cells, code_key = _notebook_cells(notebook)
    located = locate_lines(text, cells, code_key)
    out: list[CodeCell] = []
    for cell, file_lines in zip(cells, located, strict=True):
        if cell.get("cell_type") != "code":
            continue
        lines = _source_text(cell.get(code_key)).splitlines()
        code = CodeCell(lines, file_lines)
        first = lines[0].strip() if lines else ""
        if first.startswith("%%"):
            magic, _, argument = first[2:].partition(" ")
            body_is_python = magic in PYTHON_CELL_MAGICS or (magic == "writefile" and argument.strip().endswith(".py"))
            if body_is_python:
                code.python = ["pass", *_as_python(lines[1:])]
            code.shell = _shell_lines(lines[1:], code.file_lines[1:], whole_cell=magic in SHELL_CELL_MAGICS)
        else:
            code.python = _as_python(lines)
            code.shell = _shell_lines(lines, code.file_lines, whole_cell=False)
        out.append(code)
    return out, len(cells)


def _parse(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _python(cells: Sequence[CodeCell]) -> tuple[str, ast.Module | None, dict[int, int]]:
    """The joined Python of ``cells``, its tree (``None`` when there is no Python) and the line map."""
    blocks = [cell for cell in cells if cell.python]
    line_map: dict[int, int] = {}
    texts: list[str] = []
    for cell in blocks:
        for file_line in cell.file_lines:
            line_map[len(line_map) + 1] = file_line
        texts.append("\n".join(cell.python))
    source = "\n".join(texts)
    if not source.strip():
        return source, None, line_map
    tree = _parse(source)
    if tree is None:
        texts = [text if _parse(text) is not None else "\n" * text.count("\n") for text in texts]
        source = "\n".join(texts)
        tree = _parse(source) if source.strip() else None
    return source, tree, line_map


def python_source(cells: Sequence[CodeCell]) -> tuple[str, dict[int, int]]:
    """All Python cells as one source (names flow from cell to cell, as in the kernel), with a map from its lines
    to notebook lines.  Cells that do not parse on their own are blanked out, keeping the numbering."""
    source, _, line_map = _python(cells)
    return source, line_map


def python_of(cells: Sequence[CodeCell]) -> tuple[ast.Module | None, dict[int, int]]:
    """:func:`python_source`, parsed (``None`` when there is no Python)."""
    _, tree, line_map = _python(cells)
    return tree, line_map


class ParsedNotebook:
    """One notebook read once: its JSON, code cells and (on first use) its Python, shared by the analysers."""

    __slots__ = ("_python", "cells", "notebook", "total")

    def __init__(self, notebook: Mapping[str, Any], cells: list[CodeCell], total: int) -> None:
        self.notebook = notebook
        self.cells = cells
        self.total = total
        self._python: tuple[str, ast.Module | None, dict[int, int]] | None = None

    def python(self) -> tuple[str, ast.Module | None, dict[int, int]]:
        """The joined Python source, its tree (parsed once) and the map from its lines to notebook lines."""
        if self._python is None:
            self._python = _python(self.cells)
        return self._python


_last_parsed: tuple[str, ParsedNotebook | AnalysisError] | None = None
"""The last notebook parsed in this process.  The engine hands one file to its analysers in turn, so the inventory
and the model-loader checks share one JSON and one Python parse; one entry bounds the memory it keeps."""


def parse_notebook(text: str) -> ParsedNotebook:
    """``text`` read as a notebook (cached for the next analyser of the same file); raises :class:`AnalysisError`."""
    global _last_parsed
    cached = _last_parsed
    if cached is not None and cached[0] == text:  # the same str object: equal by identity, no scan
        if isinstance(cached[1], AnalysisError):
            raise cached[1]
        return cached[1]
    try:
        try:
            notebook = load_json(text)
        except StructuredError as exc:
            raise AnalysisError(f"invalid notebook: {exc}") from None
        if not isinstance(notebook, Mapping):
            raise AnalysisError("not a Jupyter notebook: the top level is not a JSON object")
        cells, total = code_cells(text, notebook)
    except AnalysisError as exc:
        _last_parsed = (text, exc)
        raise
    parsed = ParsedNotebook(notebook, cells, total)
    _last_parsed = (text, parsed)
    return parsed


def _kernel(notebook: Mapping[str, Any]) -> tuple[str | None, str | None]:
    metadata = notebook.get("metadata")
    if not isinstance(metadata, Mapping):
        return None, None
    spec = metadata.get("kernelspec")
    info = metadata.get("language_info")
    kernel = spec.get("name") if isinstance(spec, Mapping) else None
    language = spec.get("language") if isinstance(spec, Mapping) else None
    if language is None and isinstance(info, Mapping):
        language = info.get("name")
    return (str(kernel) if kernel else None), (str(language).lower() if language else None)


def pip_packages(ref: FileRef, cells: Iterable[CodeCell]) -> list[Asset]:
    """AI packages installed by ``%pip install`` / ``!pip install`` / ``!uv pip install`` lines."""
    catalogue = load_catalogue()
    found: dict[str, Asset] = {}
    locations: dict[str, list[Location]] = {}
    for cell in cells:
        for command, line in cell.shell:
            if "install" not in command:
                continue
            for name, spec in packages_from_pip_command(command):
                info = catalogue.package("pypi", name)
                if info is None:
                    continue
                key = f"pypi:{normalise_package('pypi', info.name)}"
                properties: dict[str, JSONValue] = {
                    "ecosystem": "pypi",
                    "category": info.category,
                    "source": "notebook",
                }
                if info.provider:
                    properties["provider"] = info.provider
                locations.setdefault(key, []).append(file_location(ref, line))
                old = found.get(key)
                if old is None:
                    found[key] = Asset(AssetKind.PACKAGE, info.name, key, spec, (), properties)
                elif old.version is None and spec:
                    found[key] = replace(old, version=spec)
    return [replace(asset, locations=tuple(locations[key])) for key, asset in found.items()]


class NotebookAnalyser(Analyser):
    """AI usage in Jupyter notebooks: the same detectors as Python source, plus ``%pip install`` lines."""

    name = "notebooks"
    family = "inventory"

    def wants(self, ref: FileRef) -> bool:
        return ref.suffix == ".ipynb"

    def analyse(self, file: FileContent) -> Iterable[Record]:
        text = file.text
        if not text.strip():
            return []
        parsed = parse_notebook(text)
        kernel, language = _kernel(parsed.notebook)
        if language is not None and not language.startswith(("python", "ipython")):
            return []
        cells, total = parsed.cells, parsed.total
        records: list[Record] = list(pip_packages(file.ref, cells))
        python_text = "\n".join("\n".join(cell.python) for cell in cells)
        if mentions_ai(python_text):
            _, tree, line_map = parsed.python()
            if tree is not None:
                records.extend(analyse_module(tree, file, line_map))
        if not records:
            return []
        return [*records, *self._notebook(file, records, total, len(cells), kernel)]

    @staticmethod
    def _notebook(
        file: FileContent, records: Sequence[Record], total: int, code: int, kernel: str | None
    ) -> list[Record]:
        """The notebook itself as an asset, with an edge to each AI asset it uses."""
        properties: dict[str, JSONValue] = {"cells": total, "code_cells": code}
        if kernel:
            properties["kernel"] = kernel
        notebook = Asset(
            AssetKind.NOTEBOOK,
            file.ref.relpath,
            f"notebook:{file.ref.root}/{file.ref.relpath}",
            locations=(file_location(file, 1),),
            properties=properties,
        )
        out: list[Record] = [notebook]
        for record in records:
            if isinstance(record, Asset):
                kind = RelationKind.DEPENDS_ON if record.kind is AssetKind.PACKAGE else RelationKind.USES
                out.append(Relation(notebook.id, kind, record.id))
        return out
