"""Cheap, bounded facts from model file headers: tensor counts, architectures, array shapes, archive members.

Only headers are read, never weights, and each read has a hard bound, so a 70 GB checkpoint costs the same as a
small one.  A header that is cut short or contradicts the file raises :class:`MalformedModel` with the reason;
the file is still a model file, just a broken (or tampered) one.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from aispm.files.magic import (
    classify_zip,
    onnx_header,
    pytorch_pickle_member,
    safetensors_header_length,
)
from aispm.model import JSONValue

if TYPE_CHECKING:
    import zipfile

Facts = dict[str, JSONValue]

MAX_PARSED_SAFETENSORS_HEADER = 16 * 1024 * 1024
MAX_TENSOR_DIMS = 64
MAX_TENSOR_ELEMENTS = 2**63
"""No real tensor has more dimensions or elements: beyond them a safetensors shape is malformed (or hostile)."""
MAX_ZIP_MEMBERS = 200_000
MAX_ZIP_DIRECTORY = 64 * 1024 * 1024
MAX_GGUF_ENTRIES = 64
MAX_GGUF_STRING = 1024 * 1024


class MalformedModel(ValueError):
    """A model file whose header is truncated or inconsistent; the message says how."""


# --- safetensors -----------------------------------------------------------------------------------------------


def safetensors_facts(handle: BinaryIO, head: bytes, size: int) -> Facts:
    """Tensor count, parameter count and dtypes from the JSON header (which is bounded by its own length)."""
    length = safetensors_header_length(head)
    if length is None:
        raise MalformedModel(f"file is {size} bytes, too short for a safetensors header")
    if length < 2 or 8 + length > size:
        raise MalformedModel(f"header length {length} does not fit in the {size}-byte file")
    if length > MAX_PARSED_SAFETENSORS_HEADER:
        return {"header_bytes": length}
    if len(head) >= 8 + length:
        raw = head[8 : 8 + length]
    else:
        handle.seek(8)
        raw = handle.read(length)
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise MalformedModel(f"header is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise MalformedModel("header is not a JSON object")
    parameters = 0
    data_end = 0
    dtypes: set[str] = set()
    tensors = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        shape, offsets = _tensor_layout(entry)
        if shape is None or offsets is None:
            raise MalformedModel(f"tensor {name[:60]!r} lacks a valid dtype, shape or data_offsets")
        tensors += 1
        dtypes.add(str(entry["dtype"])[:16])
        if len(shape) > MAX_TENSOR_DIMS:  # bounds the product below: huge products were quadratic, then unprintable
            raise MalformedModel(f"tensor {name[:60]!r} has an implausible shape ({len(shape)} dimensions)")
        count = 1
        for dim in shape:
            count *= dim
            if count > MAX_TENSOR_ELEMENTS:
                raise MalformedModel(f"tensor {name[:60]!r} has an implausible shape (more than 2**63 elements)")
        parameters += count
        data_end = max(data_end, offsets[1])
    if 8 + length + data_end > size:
        raise MalformedModel(f"truncated: tensor data ends at byte {8 + length + data_end}, the file has {size}")
    facts: Facts = {"tensors": tensors, "parameters": parameters, "dtypes": sorted(dtypes), "header_bytes": length}
    metadata = header.get("__metadata__")
    if isinstance(metadata, dict) and isinstance(metadata.get("format"), str):
        facts["weights_format"] = metadata["format"][:32]
    return facts


def _tensor_layout(entry: Any) -> tuple[list[int] | None, tuple[int, int] | None]:
    if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
        return None, None
    shape, offsets = entry.get("shape"), entry.get("data_offsets")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        return None, None
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
        return shape, None
    begin, end = offsets
    return shape, ((begin, end) if 0 <= begin <= end else None)


# --- GGUF ------------------------------------------------------------------------------------------------------

_GGUF_SCALARS = {
    0: struct.Struct("<B"),
    1: struct.Struct("<b"),
    2: struct.Struct("<H"),
    3: struct.Struct("<h"),
    4: struct.Struct("<I"),
    5: struct.Struct("<i"),
    6: struct.Struct("<f"),
    7: struct.Struct("<?"),
    10: struct.Struct("<Q"),
    11: struct.Struct("<q"),
    12: struct.Struct("<d"),
}
_GGUF_STRING, _GGUF_ARRAY = 8, 9
_GGUF_KEYS = {
    "general.architecture": "architecture",
    "general.name": "model_name",
    "general.basename": "basename",
    "general.size_label": "size_label",
    "general.file_type": "file_type",
    "general.license": "licence",
}
"""Metadata keys worth reporting -> property names."""


class _OutOfHead(Exception):
    """The metadata goes on past the bytes we read."""


class _GgufReader:
    def __init__(self, buf: bytes, wide: bool) -> None:
        self.buf, self.pos = buf, 0
        self.count = struct.Struct("<Q" if wide else "<I")

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise _OutOfHead
        chunk = self.buf[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def number(self, fmt: struct.Struct) -> Any:
        return fmt.unpack(self.take(fmt.size))[0]

    def length(self) -> int:
        return int(self.number(self.count))

    def string(self) -> str:
        length = self.length()
        if length > MAX_GGUF_STRING:
            raise MalformedModel(f"implausible metadata string length {length}")
        return self.take(length).decode("utf-8", "replace")

    def value(self, kind: int) -> JSONValue:
        if kind in _GGUF_SCALARS:
            return self.number(_GGUF_SCALARS[kind])
        if kind == _GGUF_STRING:
            return self.string()
        if kind == _GGUF_ARRAY:
            item_kind, count = self.number(_GGUF_SCALARS[4]), self.length()
            if item_kind in _GGUF_SCALARS:
                self.take(_GGUF_SCALARS[item_kind].size * count)
                return None
            if item_kind == _GGUF_STRING:
                for _ in range(count):
                    self.string()
                return None
            raise _OutOfHead  # arrays of arrays: stop here, the keys we want come first
        raise MalformedModel(f"invalid metadata value type {kind}")


def gguf_facts(head: bytes, size: int) -> Facts:
    """Version, tensor count and the ``general.*`` metadata, parsed from the first entries within ``head``."""
    if len(head) < 8:
        raise MalformedModel("truncated GGUF header")
    version = struct.unpack_from("<I", head, 4)[0]
    if not 1 <= version <= 64:
        raise MalformedModel(f"invalid GGUF version {version}")
    reader = _GgufReader(head, wide=version >= 2)
    reader.take(8)
    facts: Facts = {"gguf_version": version}
    try:
        tensors, entries = reader.length(), reader.length()
        facts.update(tensors=tensors, metadata_entries=entries)
        for _ in range(min(entries, MAX_GGUF_ENTRIES)):
            key = reader.string()
            value = reader.value(int(reader.number(_GGUF_SCALARS[4])))
            wanted = _GGUF_KEYS.get(key)
            if wanted is not None and isinstance(value, str | int):
                facts[wanted] = value[:200] if isinstance(value, str) else value
    except _OutOfHead:
        if len(head) >= size:
            raise MalformedModel("truncated: the GGUF header ends inside its metadata") from None
    return facts


# --- numpy -----------------------------------------------------------------------------------------------------

_NPY_DESCR = re.compile(r"""['"]descr['"]\s*:\s*['"]([^'"]{1,64})['"]""")
_NPY_SHAPE = re.compile(r"""['"]shape['"]\s*:\s*\(([\d,\sL]{0,400})\)""")


def numpy_facts(head: bytes, size: int) -> Facts:
    """dtype and shape from the ``.npy`` header (a Python dict literal, read with a regex, never evaluated)."""
    if len(head) < 10:
        raise MalformedModel("truncated .npy header")
    major = head[6]
    if major == 1:
        length, start = struct.unpack_from("<H", head, 8)[0], 10
    elif major in (2, 3) and len(head) >= 12:
        length, start = struct.unpack_from("<I", head, 8)[0], 12
    else:
        raise MalformedModel(f"unsupported .npy format version {major}")
    if start + length > size:
        raise MalformedModel(f"header length {length} does not fit in the {size}-byte file")
    text = head[start : start + length].decode("utf-8" if major == 3 else "latin-1", "replace")
    descr, shape = _NPY_DESCR.search(text), _NPY_SHAPE.search(text)
    if descr is None or shape is None:
        raise MalformedModel("header has no dtype or shape")
    facts: Facts = {
        "dtype": descr.group(1),
        "shape": [int(dim) for dim in re.findall(r"\d{1,20}", shape.group(1))],
    }
    if descr.group(1).lstrip("<>|=") == "O":
        facts["object_dtype"] = True  # object arrays are pickles inside
    return facts


# --- zip -------------------------------------------------------------------------------------------------------


def open_bounded_zip(handle: BinaryIO, size: int) -> zipfile.ZipFile:
    """The archive, once its end record shows a central directory within the hard bounds (``zipfile`` would
    otherwise build one object per advertised member).  Raises :class:`MalformedModel` or a read error."""
    tail_length = min(size, 22 + 65535)
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise MalformedModel("zip end-of-archive record missing (truncated file?)")
    entries, directory_size = struct.unpack_from("<HI", tail, at + 10)
    if (entries == 0xFFFF or directory_size == 0xFFFFFFFF) and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        handle.seek(struct.unpack_from("<Q", tail, at - 12)[0])
        record = handle.read(56)
        if len(record) == 56 and record.startswith(b"PK\x06\x06"):
            entries, directory_size = struct.unpack_from("<QQ", record, 32)
    if entries > MAX_ZIP_MEMBERS or directory_size > MAX_ZIP_DIRECTORY:
        raise MalformedModel(f"zip directory too large to list ({entries} members, {directory_size} bytes)")
    handle.seek(0)
    import zipfile  # only a scan that meets a zip pays for zipfile (and the shutil, bz2 and lzma it imports)

    return zipfile.ZipFile(handle)


def zip_member_names(handle: BinaryIO, size: int) -> list[str]:
    """Member names from the central directory, after checking its advertised size against hard bounds."""
    import zipfile

    try:
        with open_bounded_zip(handle, size) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error, NotImplementedError) as exc:
        if isinstance(exc, MalformedModel):
            raise
        raise MalformedModel(f"corrupt zip archive: {exc}") from None


def zip_facts(handle: BinaryIO, size: int, names: list[str] | None = None) -> tuple[str, Facts]:
    """The zip's real format (from all its members, listed here unless ``names`` already are) and what it holds."""
    if names is None:
        names = zip_member_names(handle, size)
    fmt = classify_zip(names)
    facts: Facts = {"members": len(names)}
    if fmt == "pytorch-zip":
        facts["member"] = pytorch_pickle_member(names)
        if any("/code/" in name or name.endswith("/constants.pkl") for name in names):
            facts["torchscript"] = True
    elif fmt == "keras-v3":
        facts["member"] = "model.weights.h5"
    elif fmt == "npz":
        facts["arrays"] = len(names)
    return fmt, facts


# --- ONNX ------------------------------------------------------------------------------------------------------


def onnx_facts(head: bytes) -> Facts:
    header = onnx_header(head)
    if header is None:
        raise MalformedModel("not a valid ONNX ModelProto header")
    return dict(header)


_HEAD_ONLY: dict[str, Callable[[bytes, int], Facts]] = {
    "gguf": gguf_facts,
    "numpy": numpy_facts,
    "onnx": lambda head, _size: onnx_facts(head),
}


def header_facts(
    fmt: str, handle: BinaryIO, head: bytes, size: int, zip_names: list[str] | None = None
) -> tuple[str, Facts]:
    """(possibly refined format, facts) for a file whose head sniffed as ``fmt`` (``zip_names``: its members, when
    a zip that was already listed)."""
    if fmt in ("pytorch-zip", "keras-v3", "npz", "zip"):
        return zip_facts(handle, size, zip_names)
    if fmt == "safetensors":
        return fmt, safetensors_facts(handle, head, size)
    reader = _HEAD_ONLY.get(fmt)
    return fmt, (reader(head, size) if reader is not None else {})
