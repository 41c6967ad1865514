"""Telling model formats apart by their bytes, never by their name alone.

A ``.bin`` may be a PyTorch checkpoint or router firmware, and a ``.pb`` a TensorFlow graph or any protobuf, so
every format is identified from the first bytes of the file (the *head*).  Names only narrow the weak cases:
formats without a magic number (protobuf, old pickle protocols, msgpack) are accepted only under a name that
claims them, and then only when the bytes have the expected structure.  Nothing here decodes or loads the
payload: the deep scanner of model files reuses these functions before it walks pickle opcodes itself.
"""

from __future__ import annotations

import bz2
import lzma
import re
import struct
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

HEAD_BYTES = 64 * 1024
"""How much of a file identification and cheap header reading look at."""

MODEL_FORMATS = frozenset(
    {
        "pickle",
        "pytorch-legacy",
        "pytorch-zip",
        "keras-v3",
        "npz",
        "hdf5",
        "gguf",
        "ggml",
        "safetensors",
        "onnx",
        "tf-savedmodel",
        "tf-graphdef",
        "keras-metadata",
        "tflite",
        "numpy",
        "joblib",
        "flax-msgpack",
        "git-lfs-pointer",
    }
)
"""Formats whose file is a model (or model weights) in its own right."""

COMPRESSIONS = ("gzip", "bz2", "xz", "lz4", "zlib")
WRAPPERS = frozenset({*COMPRESSIONS, "tar", "zip"})
"""Containers that are a model only if what they hold is one."""

PICKLE_FORMATS = frozenset({"pickle", "pytorch-legacy", "joblib"})

MODEL_EXTENSIONS = frozenset(
    {
        ".pt",
        ".pth",
        ".bin",
        ".ckpt",
        ".pkl",
        ".pickle",
        ".joblib",
        ".sav",
        ".h5",
        ".hdf5",
        ".keras",
        ".onnx",
        ".gguf",
        ".ggml",
        ".safetensors",
        ".npy",
        ".npz",
        ".pb",
        ".tflite",
        ".msgpack",
        ".ot",
    }
)
"""Extensions under which model files are stored; the weak (name-assisted) heuristics apply only to these."""

_PICKLE_NAMES = (".pkl", ".pickle", ".joblib", ".sav", ".pt", ".pth", ".bin", ".ckpt")

_FIXED_MAGIC: tuple[tuple[str, int, bytes], ...] = (
    ("gguf", 0, b"GGUF"),
    ("numpy", 0, b"\x93NUMPY"),
    ("tflite", 4, b"TFL3"),
    ("hdf5", 0, b"\x89HDF\r\n\x1a\n"),
    ("zip", 0, b"PK\x03\x04"),
    ("zip", 0, b"PK\x05\x06"),
    ("gzip", 0, b"\x1f\x8b\x08"),
    ("bz2", 0, b"BZh"),
    ("xz", 0, b"\xfd7zXZ\x00"),
    ("lz4", 0, b'\x04"M\x18'),
    ("tar", 257, b"ustar"),
    ("git-lfs-pointer", 0, b"version https://git-lfs.github.com/spec/v1"),
)
"""(format, offset, magic): formats with a fixed signature, checked first."""

_MAGIC_FIRST_BYTES = frozenset(magic[:1] for _fmt, offset, magic in _FIXED_MAGIC if offset == 0)
_FIXED_MAGIC_INSIDE = tuple(entry for entry in _FIXED_MAGIC if entry[1] > 0)
"""The magics not at offset 0, in their order in :data:`_FIXED_MAGIC`."""

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_HDF5_USER_BLOCK_OFFSETS = (512, 1024, 2048, 4096, 8192, 16384, 32768)
"""HDF5 allows a user block before the signature, at a power of two from 512."""

_GGML_MAGICS = (b"lmgg", b"fmgg", b"tjgg", b"algg")
"""Pre-GGUF llama.cpp files ('ggml', 'ggmf', 'ggjt', 'ggla' as little-endian uint32)."""

_TORCH_LEGACY_PREFIX = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"
"""``torch.save`` before the zip format: a protocol-2 pickle of PyTorch's magic number."""

_PICKLE_OPCODES = frozenset(b"(.0123FIJKLMNPQRSTUVXabcdeghijlopqrstu}])" + bytes(range(0x80, 0x99)))

_PICKLE_LOW_PROTOCOL = re.compile(
    rb"\A(?:\((?:dp\d|lp\d|c[A-Za-z_]|i[A-Za-z_]|S'|V|I-?\d|F-?\d|t|N|\()"
    rb"|c[A-Za-z_][\w.]*\n[A-Za-z_][\w.]*\n"
    rb"|[}\]](?:q\x00|\(|\.))"
)
"""Protocol 0/1 pickles have no header; these are the openings that ``pickle.dumps`` actually produces."""

_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")
_JOBLIB_LEGACY_PREFIX = b"ZF"

_TF_GRAPH_OPS = frozenset(
    {b"Placeholder", b"PlaceholderWithDefault", b"Const", b"VariableV2", b"VarHandleOp", b"Variable", b"NoOp"}
)
"""Ops that a frozen TensorFlow GraphDef starts with: its first node is an input, a constant or a variable."""

_ONNX_FIELDS = {1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2}
"""ONNX ModelProto field number -> protobuf wire type."""

_LFS_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.M)
_LFS_SIZE = re.compile(rb"^size (\d{1,20})$", re.M)

FRAMEWORK_BY_FORMAT = {
    "pytorch-legacy": "pytorch",
    "pytorch-zip": "pytorch",
    "keras-v3": "keras",
    "npz": "numpy",
    "numpy": "numpy",
    "gguf": "gguf",
    "ggml": "ggml",
    "safetensors": "safetensors",
    "onnx": "onnx",
    "tf-savedmodel": "tensorflow",
    "tf-graphdef": "tensorflow",
    "keras-metadata": "keras",
    "tflite": "tensorflow",
    "joblib": "sklearn",
    "flax-msgpack": "flax",
}

_PICKLE_FRAMEWORK_BY_EXTENSION = {
    ".pt": "pytorch",
    ".pth": "pytorch",
    ".ckpt": "pytorch",
    ".bin": "pytorch",
    ".joblib": "sklearn",
}

_PICKLE_FRAMEWORK_HINTS: tuple[tuple[bytes, str], ...] = (
    (b"torch", "pytorch"),
    (b"sklearn", "sklearn"),
    (b"xgboost", "xgboost"),
    (b"lightgbm", "lightgbm"),
    (b"catboost", "catboost"),
    (b"keras", "keras"),
    (b"tensorflow", "tensorflow"),
)
"""Module names that a pickle's first GLOBAL opcodes name, in order of preference."""

_FRAMEWORK_BY_EXTENSION = {
    ".safetensors": "safetensors",
    ".gguf": "gguf",
    ".onnx": "onnx",
    ".tflite": "tensorflow",
    ".keras": "keras",
    ".h5": "keras",
    ".npy": "numpy",
    ".npz": "numpy",
    ".joblib": "sklearn",
    ".pb": "tensorflow",
    **_PICKLE_FRAMEWORK_BY_EXTENSION,
}


def extension_of(name: str) -> str:
    """The lower-case last suffix (``.safetensors``), '' when there is none."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def strip_compression(name: str) -> str:
    """``model.pt.gz`` -> ``model.pt``: the name of what a compressed file holds."""
    lowered = name.lower()
    for suffix in (".gz", ".bz2", ".xz", ".lz4", ".z"):
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    if lowered.endswith(".tgz"):
        return name[:-4] + ".tar"
    return name


def sniff_format(head: bytes, name: str) -> str | None:
    """The format of a file from its first bytes (``head``, ideally :data:`HEAD_BYTES` long) and name.

    Returns a member of :data:`MODEL_FORMATS` or :data:`WRAPPERS`, or ``None`` for anything else.
    """
    lowered = name.lower()
    extension = extension_of(lowered)
    fixed = _fixed_magic(head)
    if fixed == "zip":
        return classify_zip(zip_names_in_head(head))
    if fixed in COMPRESSIONS and extension in (".joblib", ".pkl", ".pickle"):
        return "joblib"
    if fixed is not None:
        return fixed
    if head.startswith(_TORCH_LEGACY_PREFIX):
        return "pytorch-legacy"
    if len(head) >= 3 and head[0] == 0x80 and 2 <= head[1] <= 5 and head[2] in _PICKLE_OPCODES:
        return "joblib" if extension == ".joblib" else "pickle"
    if is_safetensors_head(head, strict=extension != ".safetensors"):
        return "safetensors"
    return _sniff_by_structure(head, lowered, extension)


def _fixed_magic(head: bytes) -> str | None:
    # Most heads (pickles, text) start with no magic's first byte: then only the magics further in can match.
    for fmt, offset, magic in _FIXED_MAGIC if head[:1] in _MAGIC_FIRST_BYTES else _FIXED_MAGIC_INSIDE:
        if head.startswith(magic, offset):
            return fmt
    # A user block puts the HDF5 signature at a power-of-two offset: one search rules all of them out at once.
    if _HDF5_SIGNATURE in head and any(head.startswith(_HDF5_SIGNATURE, offset) for offset in _HDF5_USER_BLOCK_OFFSETS):
        return "hdf5"
    return None


def _sniff_by_structure(head: bytes, lowered: str, extension: str) -> str | None:
    """Formats without a magic number: accepted only under a name that claims them."""
    if extension == ".onnx" and onnx_header(head) is not None:
        return "onnx"
    if extension == ".pb":
        if lowered.rsplit("/", 1)[-1] == "keras_metadata.pb" and head[:1] == b"\x0a":
            return "keras-metadata"  # a TF-Keras SavedModel's layer configs (SavedMetadata: field 1, nodes)
        if _is_tf_saved_model(head):
            return "tf-savedmodel"
        if _is_tf_graph_def(head):
            return "tf-graphdef"
        return None
    if extension in (".bin", ".ggml") and head[:4] in _GGML_MAGICS:
        return "ggml"
    if extension == ".msgpack" and head[:1] and (0x80 <= head[0] <= 0x8F or head[0] in (0xDE, 0xDF)):
        return "flax-msgpack"
    if extension in (".joblib", ".pkl", ".pickle") and (
        head.startswith(_ZLIB_HEADERS) or head.startswith(_JOBLIB_LEGACY_PREFIX)
    ):
        return "joblib"
    if extension in _PICKLE_NAMES and _PICKLE_LOW_PROTOCOL.match(head):
        return "joblib" if extension == ".joblib" else "pickle"
    return None


def compression_of(head: bytes) -> str | None:
    """The compression a head starts with (``gzip``, ``zlib`` ...), for compressed joblib and wrapped models."""
    fixed = _fixed_magic(head)
    if fixed in COMPRESSIONS:
        return fixed
    if head.startswith(_ZLIB_HEADERS) or head.startswith(_JOBLIB_LEGACY_PREFIX):
        return "zlib"
    return None


def framework_of(fmt: str, name: str, head: bytes = b"") -> str:
    """The framework that a model file of format ``fmt`` belongs to (``pickle`` when nothing says more)."""
    extension = extension_of(strip_compression(name))
    if fmt in ("pickle", "joblib"):
        start = head[:4096]
        for needle, framework in _PICKLE_FRAMEWORK_HINTS:
            if needle in start:
                return framework
        return _PICKLE_FRAMEWORK_BY_EXTENSION.get(extension, "sklearn" if fmt == "joblib" else "pickle")
    if fmt == "hdf5":
        if b"keras_version" in head or b"model_config" in head or extension == ".keras":
            return "keras"
        return "tensorflow" if name.lower().startswith("tf_model") else "hdf5"
    if fmt == "git-lfs-pointer":
        return _FRAMEWORK_BY_EXTENSION.get(extension, "unknown")
    return FRAMEWORK_BY_FORMAT.get(fmt, "unknown")


# --- zip -------------------------------------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_MAX_HEAD_MEMBERS = 64


def zip_names_in_head(head: bytes) -> list[str]:
    """Member names from the local file headers within ``head`` (the central directory is at the end)."""
    names: list[str] = []
    pos = 0
    while len(names) < _MAX_HEAD_MEMBERS and pos + _LOCAL_HEADER.size <= len(head):
        sig, _ver, flags, _method, _t, _d, _crc, csize, _usize, nlen, xlen = _LOCAL_HEADER.unpack_from(head, pos)
        if sig != b"PK\x03\x04":
            break
        start = pos + _LOCAL_HEADER.size
        if start + nlen > len(head):
            break
        names.append(head[start : start + nlen].decode("utf-8", "replace"))
        if (flags & 0x08 and csize == 0) or csize == 0xFFFFFFFF:
            break  # sizes are in a data descriptor or zip64 extra field: the next header cannot be found cheaply
        pos = start + nlen + xlen + csize
    return names


def pytorch_pickle_member(names: Iterable[str]) -> str | None:
    """The ``<archive>/data.pkl`` member of a PyTorch zip checkpoint (TorchScript archives have one too)."""
    for member in names:
        if member == "data.pkl" or (member.endswith("/data.pkl") and member.count("/") == 1):
            return member
    return None


def classify_zip(names: list[str]) -> str:
    """``pytorch-zip``, ``keras-v3``, ``npz`` or plain ``zip`` from the member names."""
    if pytorch_pickle_member(names) is not None:
        return "pytorch-zip"
    members = set(names)
    if {"config.json", "model.weights.h5"} <= members:
        return "keras-v3"
    if names and all(member.endswith(".npy") for member in names):
        return "npz"
    return "zip"


# --- safetensors -----------------------------------------------------------------------------------------------

SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024
"""The safetensors format caps its JSON header at 100 MB."""


def safetensors_header_length(head: bytes) -> int | None:
    return int(struct.unpack_from("<Q", head)[0]) if len(head) >= 8 else None


def is_safetensors_head(head: bytes, strict: bool) -> bool:
    """An 8-byte little-endian header length, then a JSON object.

    ``strict`` (for names that do not claim safetensors) also requires the whole header to be in ``head`` and
    to be an object whose first key is quoted, so random binaries do not pass by chance.
    """
    length = safetensors_header_length(head)
    if length is None or not 2 <= length <= SAFETENSORS_MAX_HEADER or head[8:9] != b"{":
        return False
    opening = head[9:64].lstrip(b" \t\r\n")[:1]
    if opening not in (b'"', b"}"):
        return False
    if not strict:
        return True
    header = head[8 : 8 + length]
    return len(header) == length and header.rstrip(b" ").endswith(b"}")


# --- protobuf (ONNX, TensorFlow) -------------------------------------------------------------------------------


def _varint(buf: bytes, pos: int) -> tuple[int, int] | None:
    value = 0
    for shift in range(0, 70, 7):
        if pos >= len(buf):
            return None
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    return None


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, varint value or the bytes available) of top-level fields, until ``buf`` ends."""
    pos = 0
    while pos < len(buf):
        tag = _varint(buf, pos)
        if tag is None:
            return
        key, pos = tag
        number, wire = key >> 3, key & 7
        if wire == 0:
            value = _varint(buf, pos)
            if value is None:
                return
            yield number, wire, value[0]
            pos = value[1]
        elif wire == 2:
            length = _varint(buf, pos)
            if length is None:
                return
            start = length[1]
            yield number, wire, buf[start : start + length[0]]
            pos = start + length[0]
        else:
            yield number, wire, b""
            return


def _printable(value: bytes) -> bool:
    return bool(value) and len(value) <= 256 and all(32 <= b < 127 for b in value)


def onnx_header(head: bytes) -> dict[str, Any] | None:
    """``ir_version`` and producer of an ONNX ModelProto, or ``None`` when the bytes are not one.

    ONNX has no magic number: the file must open with ``ir_version`` (field 1, a small varint) and continue with
    ModelProto fields of the right wire types, including a printable producer name, the graph or opset imports.
    """
    if head[:1] != b"\x08":
        return None
    info: dict[str, Any] = {}
    evidence = False
    for count, (number, wire, value) in enumerate(_fields(head)):
        if _ONNX_FIELDS.get(number) != wire or count > 16:
            return None
        if number == 1:
            if count != 0 or not isinstance(value, int) or not 1 <= value <= 32:
                return None
            info["ir_version"] = value
        elif number in (2, 3) and isinstance(value, bytes):
            if not _printable(value):
                return None
            info["producer_name" if number == 2 else "producer_version"] = value.decode("ascii")
            evidence = evidence or number == 2
        elif number in (7, 8):
            evidence = True
            break
    return info if evidence and "ir_version" in info else None


def _is_tf_saved_model(head: bytes) -> bool:
    """SavedModel: schema version 1 (field 1), then a MetaGraphDef (field 2) opening with meta_info_def/graph."""
    if not head.startswith(b"\x08\x01\x12"):
        return False
    length = _varint(head, 3)
    return length is not None and length[0] > 0 and head[length[1] : length[1] + 1] in (b"\x0a", b"\x12")


def _is_tf_graph_def(head: bytes) -> bool:
    """A frozen GraphDef: its first NodeDef has a printable name and a TensorFlow input/constant op."""
    first = next(_fields(head), None)
    if first is None or first[:2] != (1, 2) or not isinstance(first[2], bytes):
        return False
    node = {number: value for number, wire, value in _fields(first[2]) if wire == 2}
    name, op = node.get(1), node.get(2)
    return isinstance(name, bytes) and _printable(name) and op in _TF_GRAPH_OPS


# --- wrappers --------------------------------------------------------------------------------------------------


def peek_decompressed(compression: str, data: bytes, limit: int = HEAD_BYTES) -> bytes:
    """The first ``limit`` bytes that compressed ``data`` expands to (bounded: bombs cannot inflate).

    Raises ``ValueError`` for corrupt data or a compression the standard library cannot read (lz4).
    """
    try:
        if compression == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit)
        if compression == "zlib":
            return zlib.decompressobj().decompress(data, limit)
        if compression == "bz2":
            return bz2.BZ2Decompressor().decompress(data, limit)
        if compression == "xz":
            return lzma.LZMADecompressor().decompress(data, limit)
    except (zlib.error, OSError, lzma.LZMAError, EOFError) as exc:
        raise ValueError(f"corrupt {compression} data: {exc}") from None
    raise ValueError(f"cannot look inside {compression} data")


def tar_names_in_head(head: bytes, limit: int = 64) -> list[str]:
    """Member names from the tar headers within ``head``."""
    names: list[str] = []
    pos = 0
    while len(names) < limit and pos + 512 <= len(head) and head[pos + 257 : pos + 262] == b"ustar":
        raw_name = head[pos : pos + 100].split(b"\0", 1)[0]
        prefix = head[pos + 345 : pos + 500].split(b"\0", 1)[0]
        names.append((prefix + b"/" + raw_name if prefix else raw_name).decode("utf-8", "replace"))
        try:
            size = int(head[pos + 124 : pos + 136].split(b"\0", 1)[0].strip() or b"0", 8)
        except ValueError:
            break
        pos += 512 + (size + 511) // 512 * 512
    return names


def git_lfs_pointer(head: bytes) -> tuple[str, int] | None:
    """(sha256 oid, size) of the real file a Git LFS pointer stands for."""
    oid, size = _LFS_OID.search(head[:1024]), _LFS_SIZE.search(head[:1024])
    if oid is None or size is None:
        return None
    return oid.group(1).decode("ascii"), int(size.group(1))
