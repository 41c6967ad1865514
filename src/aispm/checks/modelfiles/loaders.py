"""Code that loads models in ways that run code: ``torch.load`` without ``weights_only=True``,
``trust_remote_code=True``, Keras ``safe_mode=False``, and pickle-family loads.

Python files, and the code cells of Jupyter notebooks (where most model loading is written), are parsed with
:mod:`ast` (never imported); a compiled regex over the raw bytes first skips files that name none of these
loaders.  A notebook's cells are read as one module, as the kernel runs them, and each finding points at the line
of the ``.ipynb`` file that holds the call.  Call targets are resolved through the file's imports (``import torch as th;
th.load(...)``, ``from joblib import load``), and the path a call loads is resolved when it is written in the code:
a literal, ``open("m.pkl", "rb")``, ``os.path.join``/``Path`` of literals, a variable assigned one of these, or the
file object of ``with open(...) as f``.  The path goes into the finding's properties, where the estate phase
(:mod:`.linking`) matches it to the model files the same scan found.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable, Iterator

from msgspec import Struct, field
from msgspec.structs import replace

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Finding, JSONValue, Severity
from aispm.rules import get_rule

TORCH_LOAD_RULE = "AISPM-MODEL-011"
REMOTE_CODE_CALL_RULE = "AISPM-MODEL-012"
KERAS_UNSAFE_RULE = "AISPM-MODEL-013"
UNPICKLE_RULE = "AISPM-MODEL-014"
LOADER_RULES = frozenset({TORCH_LOAD_RULE, REMOTE_CODE_CALL_RULE, KERAS_UNSAFE_RULE, UNPICKLE_RULE})

MAX_SOURCE_BYTES = 4 * 1024 * 1024
"""Python files larger than this are not parsed (notebooks, whose outputs take room, get the engine's read limit)."""
MAX_TEXT = 300
"""Longest argument text kept in a finding (longer ones end with an ellipsis)."""
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")

_PREFILTER = re.compile(
    rb"torch|pickle|joblib|dill|read_pickle|allow_pickle|trust_remote_code|safe_mode|unsafe_deserialization"
)

TORCH_LOADERS = frozenset({"torch.load", "torch.serialization.load"})
UNPICKLERS = frozenset(
    {"pickle.load", "pickle.loads", "pickle.Unpickler", "_pickle.load", "_pickle.loads", "cPickle.load",
     "cPickle.loads", "dill.load", "dill.loads", "cloudpickle.load", "cloudpickle.loads", "joblib.load",
     "sklearn.externals.joblib.load", "pandas.read_pickle", "numpy.load", "shelve.open",
     "torch.package.PackageImporter"}
)  # fmt: skip
_KERAS_ROOTS = ("keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras")
_KERAS_UNSAFE_SWITCHES = frozenset(
    {"keras.config.enable_unsafe_deserialization", "keras.src.saving.serialization_lib.enable_unsafe_deserialization"}
)
_PATH_KEYWORDS = ("f", "file", "filepath", "path", "fname", "filename", "pretrained_model_name_or_path", "model",
                  "model_name_or_path", "path_or_buf", "filepath_or_buffer")  # fmt: skip
_PATH_JOINERS = frozenset({"os.path.join", "posixpath.join", "ntpath.join", "pathlib.Path", "pathlib.PurePath",
                           "pathlib.PosixPath"})  # fmt: skip


class LoaderCall(Struct):
    """One call that deserialises a model in a way that can run code."""

    rule_id: str
    loader: str
    line: int
    end_line: int
    path: str | None
    argument: str
    severity: Severity | None = None
    detail: dict[str, JSONValue] = field(default_factory=dict)


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_keras_load_model(name: str) -> bool:
    return name.endswith(".load_model") and any(name.startswith(root + ".") for root in _KERAS_ROOTS)


class _Collector(ast.NodeVisitor):
    """Imports, simple string assignments and file objects, then the loader calls (two passes over the tree)."""

    def __init__(self, source: str) -> None:
        self.segments = _Segments(source)
        self.aliases: dict[str, str] = {}
        self.strings: dict[str, str] = {}
        self.calls: list[LoaderCall] = []

    # --- pass 1: names ----------------------------------------------------------------------------------------

    def learn(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        self.aliases.setdefault(root, root)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):  # after the imports: values may call os.path.join or Path
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self._remember(node.targets[0].id, node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self._remember(node.target.id, node.value)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self._remember(item.optional_vars.id, item.context_expr)

    def _remember(self, name: str, value: ast.expr) -> None:
        text = self.path_of(value)
        if text is not None:
            self.strings[name] = text

    def resolve(self, node: ast.expr) -> str | None:
        """The dotted name a call target refers to, through the file's imports."""
        name = _dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.aliases:
            base = self.aliases[head]
            return f"{base}.{rest}" if rest else base
        return name

    def path_of(self, node: ast.expr, depth: int = 0) -> str | None:
        """The path an expression denotes when the code spells it out (else ``None``)."""
        if depth > 8:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
            return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        if isinstance(node, ast.Name):
            return self.strings.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self.path_of(node.left, depth + 1), self.path_of(node.right, depth + 1)
            return f"{left.rstrip('/')}/{right}" if left is not None and right is not None else None
        if isinstance(node, ast.Call):
            target = self.resolve(node.func) or ""
            if target in ("open", "io.open", "builtins.open", "gzip.open", "bz2.open", "lzma.open") or target.endswith(
                ".open"
            ):
                return self.path_of(node.args[0], depth + 1) if node.args else None
            if target in _PATH_JOINERS and node.args:
                parts = [self.path_of(arg, depth + 1) for arg in node.args]
                if all(part is not None for part in parts):
                    return "/".join(str(part).rstrip("/") for part in parts)
        return None

    # --- pass 2: calls ----------------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        name = self.resolve(node.func)
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        remote = keywords.get("trust_remote_code")
        if isinstance(remote, ast.Constant) and remote.value is True:
            self._add(REMOTE_CODE_CALL_RULE, name or _dotted(node.func) or "a call", node, keywords)
        if name is None:
            return
        if name in TORCH_LOADERS:
            self._torch_load(name, node, keywords)
        elif _is_keras_load_model(name):
            safe = keywords.get("safe_mode")
            if isinstance(safe, ast.Constant) and safe.value is False:
                self._add(KERAS_UNSAFE_RULE, name, node, keywords, detail={"safe_mode": False})
        elif name in _KERAS_UNSAFE_SWITCHES or (name.endswith("enable_unsafe_deserialization")
                                                and name.startswith(_KERAS_ROOTS)):  # fmt: skip
            self._add(KERAS_UNSAFE_RULE, name, node, keywords, with_path=False)
        elif name in UNPICKLERS:
            if name == "numpy.load":
                allow = keywords.get("allow_pickle")
                if not (isinstance(allow, ast.Constant) and allow.value is True):
                    return
            self._add(UNPICKLE_RULE, name, node, keywords)

    def _torch_load(self, name: str, node: ast.Call, keywords: dict[str, ast.expr]) -> None:
        weights_only = keywords.get("weights_only")
        if isinstance(weights_only, ast.Constant) and weights_only.value is True:
            return
        explicit = isinstance(weights_only, ast.Constant) and weights_only.value is False
        severity = Severity.HIGH if explicit else None
        detail: dict[str, JSONValue] = {"weights_only": False if explicit else None}
        if weights_only is not None and not isinstance(weights_only, ast.Constant):
            detail["weights_only"] = self._text(weights_only)
        self._add(TORCH_LOAD_RULE, name, node, keywords, severity=severity, detail=detail)

    def _add(
        self,
        rule_id: str,
        loader: str,
        node: ast.Call,
        keywords: dict[str, ast.expr],
        *,
        severity: Severity | None = None,
        detail: dict[str, JSONValue] | None = None,
        with_path: bool = True,
    ) -> None:
        argument = node.args[0] if node.args else next((keywords[k] for k in _PATH_KEYWORDS if k in keywords), None)
        path = self.path_of(argument) if with_path and argument is not None else None
        self.calls.append(
            LoaderCall(rule_id, loader, node.lineno, node.end_lineno or node.lineno, path,
                       self._text(argument) if argument is not None else "", severity, detail or {})
        )  # fmt: skip

    def _text(self, node: ast.AST) -> str:
        return self.segments.text(node)


class _Segments:
    """Source text of nodes, at most :data:`MAX_TEXT` characters each, in time independent of the file's size.

    ``ast.get_source_segment`` splits the whole source into lines on every call, which made a file with thousands
    of loader calls quadratic; here the source is encoded and its line starts found once (AST columns are UTF-8
    byte offsets), and each node is a bounded slice.
    """

    def __init__(self, source: str) -> None:
        self.data = source.encode("utf-8", "surrogatepass")
        # the line breaks the tokenizer counts (as ast.get_source_segment: \r\n, \r, \n; not form feeds)
        self.starts = [0, *(match.end() for match in _LINE_BREAK.finditer(self.data))]

    def text(self, node: ast.AST) -> str:
        line, column = getattr(node, "lineno", None), getattr(node, "col_offset", None)
        end_line, end_column = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if line is None or column is None or end_line is None or end_column is None:
            return ""
        if not 0 < line <= end_line <= len(self.starts):
            return ""
        start = self.starts[line - 1] + column
        end = self.starts[end_line - 1] + end_column
        chunk = self.data[start : min(end, start + 4 * MAX_TEXT + 4)].decode("utf-8", "replace")
        # 4 bytes per character at most: a longer segment still decodes to more than MAX_TEXT characters
        return chunk if len(chunk) <= MAX_TEXT else chunk[: MAX_TEXT - 1] + "\N{HORIZONTAL ELLIPSIS}"


def find_loader_calls(source: str) -> list[LoaderCall]:
    """Every unsafe model-loading call in Python ``source`` (empty when it does not parse)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return collect_loader_calls(tree, source)


def collect_loader_calls(tree: ast.AST, source: str) -> list[LoaderCall]:
    """Every unsafe model-loading call in ``tree``, already parsed from ``source``."""
    collector = _Collector(source)
    try:
        collector.learn(tree)
        collector.visit(tree)
    except RecursionError:
        return collector.calls
    return collector.calls


_MESSAGES = {
    TORCH_LOAD_RULE: "{loader}(...) unpickles {what} without weights_only=True",
    REMOTE_CODE_CALL_RULE: "{loader}(...) runs the model repository's own Python code (trust_remote_code=True) for "
    "{what}",
    KERAS_UNSAFE_RULE: "{loader}(...) turns Keras safe mode off for {what}: Lambda layers and custom objects run code",
    UNPICKLE_RULE: "{loader}(...) unpickles {what}",
}


def loader_finding(call: LoaderCall, file: FileContent) -> Finding:
    what = repr(call.path) if call.path is not None else (call.argument or "every model loaded afterwards")
    message = _MESSAGES[call.rule_id].format(loader=call.loader, what=what)
    properties: dict[str, JSONValue] = {"loader": call.loader, "path": call.path, "argument": call.argument}
    properties.update(call.detail)
    return get_rule(call.rule_id).finding(
        message=message,
        location=file_location(file, call.line, call.end_line),
        severity=call.severity,
        evidence=f"{call.loader}({call.argument})"[:MAX_TEXT],
        identity=f"{call.loader}|{call.argument}",
        properties=properties,
    )


class LoaderCallAnalyser(Analyser):
    """Python code that loads models unsafely; the estate phase links each call to the model file it loads."""

    name = "model-loaders"
    family = "models"
    reads_content = True

    def wants(self, ref: FileRef) -> bool:
        return ref.name_lower.endswith((".py", ".ipynb"))

    def analyse(self, file: FileContent) -> Iterable[Record]:
        data = file.data
        if data is None or _PREFILTER.search(data) is None:
            return
        if file.ref.name_lower.endswith(".ipynb"):
            yield from _notebook_findings(file)
        elif len(data) <= MAX_SOURCE_BYTES:
            yield from _findings(file)


def _findings(file: FileContent) -> Iterator[Finding]:
    for call in find_loader_calls(file.text):
        yield loader_finding(call, file)


def _notebook_findings(file: FileContent) -> Iterator[Finding]:
    """Loader calls in a notebook's code cells, located on the notebook's own lines."""
    # Imported here: a scan without notebooks does not pay for the notebook reader.
    from aispm.discover.notebooks import parse_notebook, python_source

    try:
        parsed = parse_notebook(file.text)  # shared with the inventory's notebook analyser: one JSON parse
    except AnalysisError:
        return  # not a notebook: the inventory's notebook analyser reports it, once
    cells = parsed.cells
    if sum(len(line) + 1 for cell in cells for line in cell.python) > MAX_SOURCE_BYTES:
        # like a .py file too large to parse, but the cells that fit under the bound are still read
        kept, size = [], 0
        for cell in cells:
            size += sum(len(line) + 1 for line in cell.python)
            if size > MAX_SOURCE_BYTES:
                break
            kept.append(cell)
        source, line_map = python_source(kept)
        calls = find_loader_calls(source)
    else:
        source, tree, line_map = parsed.python()  # the tree the inventory parsed too, if it ran first
        calls = collect_loader_calls(tree, source) if tree is not None else []
    for call in calls:
        start = line_map.get(call.line, call.line)
        end = max(line_map.get(call.end_line, start), start)
        yield loader_finding(replace(call, line=start, end_line=end), file)
