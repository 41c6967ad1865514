"""Keras model configurations that run code: Lambda layers and objects imported from outside Keras.

A Keras v3 ``.keras`` file is a zip whose ``config.json`` names every layer by module and class; Keras imports
and instantiates them when loading.  ``Lambda`` layers carry Python bytecode or a function reference that Keras
runs when ``safe_mode=False`` (and older versions ran unconditionally, CVE-2024-3660); a ``module`` outside Keras
is arbitrary code (the class of CVE-2025-1550).  Legacy HDF5 ``.h5`` models keep the same JSON in their
``model_config`` attribute, read with h5py in a child process (attributes only: no weight is read).  Where h5py
cannot be imported (a platform without its wheel) the JSON is looked for in the file's first bytes, which a file
that places or spells it unusually escapes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from msgspec import Struct

from aispm.checks.modelfiles.config_tree import iter_mappings, under_package
from aispm.checks.modelfiles.globals_policy import Verdict, judge_global
from aispm.checks.modelfiles.streams import ByteSource, CorruptData, Truncated

KERAS_PACKAGES = ("keras", "tf_keras", "tensorflow", "keras_hub", "keras_nlp", "keras_cv", "tensorflow_addons")
MAX_NODES = 500_000
MAX_DEPTH = 200
MAX_CONFIG_BYTES = 64 * 1024 * 1024
KERAS_SIDE_EFFECTS = {
    "get_file": "downloads a file from a URL when the model is loaded (and may extract it)",
    "enable_unsafe_deserialization": "turns safe mode off for everything loaded after",
    "write_file": "writes a file when the model is loaded",
    "read_file": "reads a file when the model is loaded",
    "py_function": "runs a Python function",
    "numpy_function": "runs a Python function",
}
"""Objects inside Keras and TensorFlow that a config can name and whose construction does more than compute:
a config is trusted when it names Keras, except for these (safe mode does not stop them all)."""
H5_SEARCH_BYTES = 8 * 1024 * 1024
_SUPERBLOCK_BYTES = 64
"""Enough for every superblock version's end-of-file address."""
_H5_WINDOW = 16 * 1024 * 1024
_H5_CONFIG_OPENINGS = (b'{"class_name": "', b'{"module": "keras')


class KerasIssue(Struct, frozen=True):
    kind: str
    """``lambda`` (a Lambda layer), ``dangerous`` (imports a denylisted callable), ``custom`` (code from a module
    outside Keras, or a PyTorch module rebuilt by ``torch.load``), ``malformed`` (config not readable)."""
    message: str
    payload: bytes = b""
    """What the loader deserialises from the config (a ``TorchModuleWrapper``'s ``torch.save`` bytes): the caller
    scans it as a model file of its own."""


def config_issues(config: Any) -> list[KerasIssue]:
    """What in a Keras model config runs code on load."""
    issues: list[KerasIssue] = []
    try:
        for node in iter_mappings(config, max_nodes=MAX_NODES, max_depth=MAX_DEPTH):
            issues.extend(_node_issues(node))
    except ValueError as exc:
        issues.append(KerasIssue("malformed", str(exc)))
    return issues


def _node_issues(node: dict[str, Any]) -> Iterator[KerasIssue]:
    class_name = node.get("class_name")
    if not isinstance(class_name, str):
        return
    layer = node.get("config", {}).get("name") if isinstance(node.get("config"), dict) else None
    label = f"layer {layer!r}" if isinstance(layer, str) else "a layer"
    if class_name == "Lambda":
        yield KerasIssue("lambda", f"{label} is a Lambda layer: Keras runs its Python code when loaded")
        return
    if class_name == "__lambda__":
        return  # the Lambda layer itself was reported
    module = node.get("module")
    if not isinstance(module, str):
        return
    name = node["config"] if class_name == "function" and isinstance(node.get("config"), str) else class_name
    if under_package(module, KERAS_PACKAGES):
        if name == "TorchModuleWrapper":
            yield _torch_module(node.get("config"), label)
            return
        reason = KERAS_SIDE_EFFECTS.get(name)
        if reason is not None:
            yield KerasIssue("dangerous", f"{label} calls {module}.{name}, which {reason}")
        return
    judgement = judge_global(module, name)
    if judgement.verdict is Verdict.DANGEROUS:
        yield KerasIssue("dangerous", f"{label} imports {module}.{name}: {judgement.reason}")
    elif judgement.verdict is Verdict.UNKNOWN:
        yield KerasIssue("custom", f"{label} imports {module}.{name}, code from outside Keras")


def _torch_module(config: object, label: str) -> KerasIssue:
    """Keras 3's ``TorchModuleWrapper`` keeps a whole PyTorch module, ``torch.save``d and base64-encoded, and
    rebuilds it with ``torch.load`` (a pickle, not weights only): the decoded bytes go back to the scanner."""
    encoded = config.get("module") if isinstance(config, dict) else None
    message = f"{label} rebuilds a PyTorch module with torch.load when loaded, which runs the pickle inside"
    if not isinstance(encoded, str) or len(encoded) > MAX_CONFIG_BYTES:
        return KerasIssue("custom", message)
    try:
        payload = base64.b64decode(encoded, validate=True)
    except ValueError:
        return KerasIssue("malformed", f"{label}: its PyTorch module is not valid base64")
    return KerasIssue("custom", message, payload)


def keras_metadata_issues(source: ByteSource) -> list[KerasIssue]:
    """The layer configs of a TF-Keras SavedModel's ``keras_metadata.pb``, which Keras 2 rebuilds its layers from
    (Lambda code included): a ``SavedMetadata`` protobuf whose nodes (field 1) each carry a JSON ``metadata``
    string (field 5)."""
    from aispm.checks.modelfiles.protobuf import ProtobufError, ProtoReader

    reader = ProtoReader(source)
    issues: list[KerasIssue] = []

    def metadata(end: int) -> None:
        length = end - source.offset
        if length > MAX_CONFIG_BYTES:
            issues.append(KerasIssue("malformed", f"layer metadata larger than {MAX_CONFIG_BYTES // 2**20} MiB"))
            return
        issues.extend(parse_config(source.take(length), "a layer's metadata in keras_metadata.pb"))

    try:
        reader.walk(None, {1: lambda end: reader.walk(end, {5: metadata})})
    except (ProtobufError, Truncated, CorruptData) as exc:
        issues.append(KerasIssue("malformed", f"keras_metadata.pb: {exc}"))
    return issues


def parse_config(raw: bytes, source: str = "config.json") -> list[KerasIssue]:
    """Issues of a ``config.json`` (bounded size; invalid JSON is a malformed issue)."""
    if len(raw) > MAX_CONFIG_BYTES:
        return [KerasIssue("malformed", f"config larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB not checked")]
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return [KerasIssue("malformed", f"{source} is not valid JSON ({type(exc).__name__})")]
    return config_issues(config)


class SeekableInput(Protocol):
    """What h5py needs of a file object."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


class H5Error(ValueError):
    """An HDF5 file h5py cannot read, or a ``model_config`` that is not a JSON object."""


def h5_model_config(handle: SeekableInput, size: int) -> Any | None:
    """The parsed ``model_config`` attribute of an HDF5 file (``None`` when it has none: a data file).

    Attribute names are stored as they are, so a file of at most :data:`H5_SEARCH_BYTES` without the bytes
    ``model_config`` has no such attribute and costs no reader; any other file is read by h5py in a child process
    (:mod:`.h5_reader`), or searched in its first bytes where h5py is not installed.
    """
    from aispm.checks.modelfiles.h5_reader import H5ReaderError, H5Unavailable, read_model_config

    whole = size <= H5_SEARCH_BYTES
    handle.seek(0)
    start = handle.read(size if whole else _SUPERBLOCK_BYTES)  # a large file: only its superblock here
    end = h5_end_of_file(start)
    if end is not None and end > size:
        raise H5Error(f"the file is cut short: its superblock says {end} bytes, it has {size}")
    if whole and b"model_config" not in start:
        return None
    name = getattr(handle, "name", None)
    path = name if isinstance(name, str) and Path(name).is_file() else None
    data = None
    if path is None:
        if not whole:
            handle.seek(0)
        data = start if whole else handle.read()
    try:
        text = read_model_config(path, data)
    except H5Unavailable:
        if not whole:
            handle.seek(0)
        return find_h5_model_config(start if whole else handle.read(H5_SEARCH_BYTES))
    except H5ReaderError as exc:
        raise H5Error(str(exc)) from None
    if text is None:
        return None
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        raise H5Error("model_config is not valid JSON") from None
    if not isinstance(config, dict):
        raise H5Error("model_config is not a JSON object")
    return config


def h5_end_of_file(head: bytes) -> int | None:
    """The size an HDF5 file declares in its superblock (at offset 0), or ``None`` when it cannot be read."""
    if not head.startswith(b"\x89HDF\r\n\x1a\n") or len(head) < 16:
        return None
    version = head[8]
    if version in (0, 1):  # size of offsets at 13; base, free-space, end-of-file addresses after the fixed fields
        width, addresses = head[13], 24 if version == 0 else 28
    elif version in (2, 3):  # size of offsets at 9; base, extension, end-of-file addresses from 12
        width, addresses = head[9], 12
    else:
        return None
    if width not in (2, 4, 8) or len(head) < addresses + 3 * width:
        return None
    base = int.from_bytes(head[addresses : addresses + width], "little")
    end = int.from_bytes(head[addresses + 2 * width : addresses + 3 * width], "little")
    return base + end


def find_h5_model_config(data: bytes) -> Any | None:
    """The ``model_config`` JSON of a Keras HDF5 file, located in its first bytes (``None`` when absent).

    The outermost candidate wins: candidates are tried in file order, and a layer's own ``class_name`` object
    only comes after the model's.
    """
    decoder = json.JSONDecoder()
    starts = sorted(position for opening in _H5_CONFIG_OPENINGS for position in _positions(data, opening))
    for start in starts:
        try:
            config, _ = decoder.raw_decode(data[start : start + _H5_WINDOW].decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            continue
        if isinstance(config, dict) and isinstance(config.get("config"), dict):
            return config
    return None


def _positions(data: bytes, needle: bytes, limit: int = 64) -> Iterator[int]:
    start = data.find(needle)
    while start != -1 and limit > 0:
        yield start
        limit -= 1
        start = data.find(needle, start + 1)
