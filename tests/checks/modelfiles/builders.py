"""Hand-assembled pickles and model files for the tests: benign layouts and harmless malicious payloads.

Nothing here is ever loaded.  Malicious payloads only name ``os.system("echo aispm-canary")`` and friends.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import tarfile
import zipfile

CANARY = "echo aispm-canary"


class Ops:
    """A tiny pickle assembler: each method appends one opcode (names follow pickletools)."""

    def __init__(self, protocol: int | None = 2) -> None:
        self.data = bytearray()
        if protocol is not None and protocol >= 2:
            self.data += pickle.PROTO + bytes([protocol])

    def raw(self, data: bytes) -> Ops:
        self.data += data
        return self

    def build(self) -> bytes:
        return bytes(self.data)

    def mark(self) -> Ops:
        return self.raw(pickle.MARK)

    def stop(self) -> Ops:
        return self.raw(pickle.STOP)

    def global_(self, module: str, name: str) -> Ops:
        return self.raw(pickle.GLOBAL + f"{module}\n{name}\n".encode())

    def inst(self, module: str, name: str) -> Ops:
        return self.raw(pickle.INST + f"{module}\n{name}\n".encode())

    def stack_global(self) -> Ops:
        return self.raw(pickle.STACK_GLOBAL)

    def unicode(self, text: str) -> Ops:
        encoded = text.encode()
        if len(encoded) < 256:
            return self.raw(pickle.SHORT_BINUNICODE + bytes([len(encoded)]) + encoded)
        return self.raw(pickle.BINUNICODE + struct.pack("<I", len(encoded)) + encoded)

    def string0(self, text: str) -> Ops:
        return self.raw(pickle.STRING + repr(text).encode() + b"\n")

    def int_(self, value: int) -> Ops:
        if 0 <= value < 256:
            return self.raw(pickle.BININT1 + bytes([value]))
        return self.raw(pickle.BININT + struct.pack("<i", value))

    def none(self) -> Ops:
        return self.raw(pickle.NONE)

    def true(self) -> Ops:
        return self.raw(pickle.NEWTRUE)

    def false(self) -> Ops:
        return self.raw(pickle.NEWFALSE)

    def bytes_(self, data: bytes) -> Ops:
        if len(data) < 256:
            return self.raw(pickle.SHORT_BINBYTES + bytes([len(data)]) + data)
        return self.raw(pickle.BINBYTES + struct.pack("<I", len(data)) + data)

    def tuple_(self, size: int | None = None) -> Ops:
        codes = {0: pickle.EMPTY_TUPLE, 1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}
        return self.raw(pickle.TUPLE if size is None else codes[size])

    def empty_dict(self) -> Ops:
        return self.raw(pickle.EMPTY_DICT)

    def empty_list(self) -> Ops:
        return self.raw(pickle.EMPTY_LIST)

    def setitems(self) -> Ops:
        return self.raw(pickle.SETITEMS)

    def setitem(self) -> Ops:
        return self.raw(pickle.SETITEM)

    def appends(self) -> Ops:
        return self.raw(pickle.APPENDS)

    def reduce(self) -> Ops:
        return self.raw(pickle.REDUCE)

    def build_(self) -> Ops:
        return self.raw(pickle.BUILD)

    def newobj(self) -> Ops:
        return self.raw(pickle.NEWOBJ)

    def binput(self, index: int) -> Ops:
        return self.raw(pickle.BINPUT + bytes([index]))

    def binget(self, index: int) -> Ops:
        return self.raw(pickle.BINGET + bytes([index]))

    def long_binput(self, index: int) -> Ops:
        return self.raw(pickle.LONG_BINPUT + struct.pack("<I", index))

    def long_binget(self, index: int) -> Ops:
        return self.raw(pickle.LONG_BINGET + struct.pack("<I", index))

    def memoize(self) -> Ops:
        return self.raw(pickle.MEMOIZE)

    def binpersid(self) -> Ops:
        return self.raw(pickle.BINPERSID)

    def pop(self) -> Ops:
        return self.raw(pickle.POP)

    def call(self, module: str, name: str, *args: str) -> Ops:
        """``module.name(*args)`` with GLOBAL and REDUCE."""
        self.global_(module, name)
        for arg in args:
            self.unicode(arg)
        return self.tuple_(len(args)).reduce()


def evil_reduce(protocol: int = 2, module: str = "os", name: str = "system") -> bytes:
    """A pickle whose REDUCE calls ``module.name("echo aispm-canary")``."""
    return Ops(protocol).call(module, name, CANARY).stop().build()


def numpy_array_ops(ops: Ops, dtype: str = "f4", shape: tuple[int, ...] = (2, 3)) -> Ops:
    """numpy's own layout for ``pickle.dumps(ndarray)`` (protocol 2), with the array bytes as a short string."""
    ops.global_("numpy.core.multiarray", "_reconstruct").global_("numpy", "ndarray")
    ops.int_(0).tuple_(1).global_("_codecs", "encode").unicode("b").unicode("latin1").tuple_(2).reduce()
    ops.tuple_(3).reduce()
    ops.mark().int_(1)
    for dim in shape:
        ops.int_(dim)
    ops.tuple_(len(shape))
    ops.global_("numpy", "dtype").unicode(dtype).false().true().tuple_(3).reduce()
    ops.mark().int_(3).unicode("<").none().none().none().int_(-1).int_(-1).int_(0).tuple_().build_()
    ops.false().global_("_codecs", "encode").unicode("\x00" * 8).unicode("latin1").tuple_(2).reduce()
    return ops.tuple_().build_()


def benign_numpy_pickle() -> bytes:
    return numpy_array_ops(Ops(2)).stop().build()


def benign_sklearn_pickle() -> bytes:
    """A scikit-learn estimator as pickle writes it: class via copyreg, state dict with arrays and datetimes."""
    ops = Ops(2).global_("copyreg", "_reconstructor").global_("sklearn.linear_model._logistic", "LogisticRegression")
    ops.global_("builtins", "object").none().tuple_(3).reduce()
    ops.empty_dict().mark().unicode("C").raw(pickle.BINFLOAT + struct.pack(">d", 1.0))
    ops.unicode("coef_")
    numpy_array_ops(ops)
    ops.unicode("fitted").global_("datetime", "datetime").bytes_(b"\x07\xe4\x01\x02\x00\x00\x00\x00\x00\x00")
    ops.tuple_(1).reduce()
    ops.unicode("classes").global_("collections", "OrderedDict").tuple_(0).reduce()
    return ops.setitems().build_().stop().build()


def torch_data_pkl(extra: Ops | None = None, tensors: int = 2) -> bytes:
    """``data.pkl`` of a PyTorch zip checkpoint: an OrderedDict of tensors rebuilt from persistent storages."""
    ops = Ops(2).global_("collections", "OrderedDict").tuple_(0).reduce().binput(0).mark()
    for index in range(tensors):
        ops.unicode(f"layer{index}.weight")
        ops.global_("torch._utils", "_rebuild_tensor_v2").mark()
        ops.mark().unicode("storage").global_("torch", "FloatStorage").unicode(str(index)).unicode("cpu").int_(6)
        ops.tuple_().binpersid()
        ops.int_(0).int_(2).int_(3).tuple_(2).int_(3).int_(1).tuple_(2).false()
        ops.global_("collections", "OrderedDict").tuple_(0).reduce().tuple_()
        ops.reduce()
    ops.setitems()
    if extra is not None:
        ops.raw(extra.build())
    return ops.stop().build()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():  # a fixed timestamp: the same members give the same bytes
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, compression)
    return buffer.getvalue()


def torch_zip(data_pkl: bytes, prefix: str = "archive", extra: dict[str, bytes] | None = None) -> bytes:
    """A PyTorch zip checkpoint; the storages hold bytes that would look like a malicious pickle if walked."""
    members = {
        f"{prefix}/data.pkl": data_pkl,
        f"{prefix}/byteorder": b"little",
        f"{prefix}/data/0": b"\x80\x02cos\nsystem\nq\x00." + b"\0" * 16,
        f"{prefix}/data/1": b"\0" * 24,
        f"{prefix}/version": b"3\n",
    }
    members.update(extra or {})
    return zip_bytes(members)


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def npy_bytes(payload: bytes, descr: str = "|O", shape: str = "(1,)") -> bytes:
    """A ``.npy`` (format 1.0) with ``payload`` as its data (for an object dtype: the pickle numpy writes)."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def gguf_string(text: str) -> bytes:
    encoded = text.encode()
    return struct.pack("<Q", len(encoded)) + encoded


def gguf_bytes(template: str | None, tokens: int = 1000, version: int = 3) -> bytes:
    """A GGUF file: a vocabulary array (stepped over by the scanner), scalars, then the chat template."""
    entries = [
        gguf_string("general.architecture") + struct.pack("<I", 8) + gguf_string("llama"),
        gguf_string("llama.context_length") + struct.pack("<I", 4) + struct.pack("<I", 4096),
        gguf_string("tokenizer.ggml.tokens")
        + struct.pack("<I", 9)
        + struct.pack("<I", 8)
        + struct.pack("<Q", tokens)
        + b"".join(gguf_string(f"tok{i}") for i in range(tokens)),
        gguf_string("tokenizer.ggml.scores")
        + struct.pack("<I", 9)
        + struct.pack("<I", 6)
        + struct.pack("<Q", tokens)
        + b"\0" * (4 * tokens),
    ]
    if template is not None:
        entries.append(gguf_string("tokenizer.chat_template") + struct.pack("<I", 8) + gguf_string(template))
    header = b"GGUF" + struct.pack("<I", version) + struct.pack("<Q", 0) + struct.pack("<Q", len(entries))
    return header + b"".join(entries)


def safetensors_bytes(header: dict[str, object], data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def keras_config(*layers: dict[str, object]) -> bytes:
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": list(layers)},
        "registered_name": None,
    }
    return json.dumps(config).encode()


def keras_layer(class_name: str, module: str = "keras.layers", **config: object) -> dict[str, object]:
    return {"module": module, "class_name": class_name, "config": {"name": class_name.lower(), **config},
            "registered_name": None}  # fmt: skip


def pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb(number: int, payload: bytes | str | int) -> bytes:
    """One protobuf field: an int is a varint, bytes/str are length-delimited."""
    if isinstance(payload, int):
        return pb_varint(number << 3) + pb_varint(payload)
    data = payload.encode() if isinstance(payload, str) else payload
    return pb_varint((number << 3) | 2) + pb_varint(len(data)) + data


def onnx_tensor(name: str, location: str | None = None, raw: bytes = b"\0" * 8) -> bytes:
    tensor = pb(1, 2) + pb(2, 1) + pb(8, name)
    if location is None:
        return tensor + pb(9, raw)
    return tensor + pb(13, pb(1, "location") + pb(2, location)) + pb(14, 1)


def onnx_model(
    initializers: list[bytes] | None = None, domains: tuple[str, ...] = ("",), node_domain: str = ""
) -> bytes:
    """An ONNX ModelProto: ir_version, producer, opset imports, and a graph with one node and initializers."""
    node = pb(1, "x") + pb(1, "w") + pb(2, "y") + pb(4, "Add") + (pb(7, node_domain) if node_domain else b"")
    graph = pb(1, node) + pb(2, "g") + b"".join(pb(5, tensor) for tensor in initializers or [onnx_tensor("w")])
    opsets = b"".join(pb(8, pb(1, domain) + pb(2, 17)) for domain in domains)
    return pb(1, 8) + pb(2, "pytorch") + pb(3, "2.3.0") + opsets + pb(7, graph)


def tf_attr(key: str, value: bytes) -> bytes:
    """One ``map<string, AttrValue>`` entry (``value`` is the serialised AttrValue)."""
    return pb(1, key) + pb(2, value)


def tf_node(name: str, op: str, *inputs: str, attrs: tuple[bytes, ...] = ()) -> bytes:
    return pb(1, name) + pb(2, op) + b"".join(pb(3, item) for item in inputs) + b"".join(pb(5, a) for a in attrs)


def tf_const_string(name: str, value: str) -> bytes:
    """A Const node holding one string tensor (dtype DT_STRING = 7)."""
    tensor = pb(1, 7) + pb(2, b"") + pb(8, value)
    return tf_node(name, "Const", attrs=(tf_attr("dtype", pb(6, 7)), tf_attr("value", pb(8, tensor))))


def tf_const_float(name: str) -> bytes:
    tensor = pb(1, 1) + pb(2, b"") + pb(4, b"\0" * 4096)
    return tf_node(name, "Const", attrs=(tf_attr("dtype", pb(6, 1)), tf_attr("value", pb(8, tensor))))


def tf_function(name: str, *nodes: bytes) -> bytes:
    return pb(1, pb(1, name)) + b"".join(pb(3, node) for node in nodes)


def tf_graph_def(nodes: list[bytes], functions: list[bytes] | None = None) -> bytes:
    library = pb(2, b"".join(pb(1, function) for function in functions)) if functions else b""
    return b"".join(pb(1, node) for node in nodes) + library + pb(4, pb(1, 1205))


def tf_saved_model(nodes: list[bytes], functions: list[bytes] | None = None) -> bytes:
    """``saved_model.pb``: schema version 1, one MetaGraphDef with meta info and the graph."""
    meta_graph = pb(1, pb(4, "serve")) + pb(2, tf_graph_def(nodes, functions))
    return pb(1, 1) + pb(2, meta_graph)


def tf_benign_saved_model() -> bytes:
    """What Keras exports: variables, a MatMul, and the traced save/restore functions with relative paths."""
    graph = [
        tf_node("x", "Placeholder"),
        tf_const_float("dense/kernel/init"),
        tf_node("dense/kernel", "VarHandleOp"),
        tf_node("dense/MatMul", "MatMul", "x", "dense/kernel"),
        tf_node("saver_filename", "Placeholder"),
        tf_node("StatefulPartitionedCall", "StatefulPartitionedCall", "saver_filename"),
    ]
    save = tf_function(
        "__inference__traced_save_42",
        tf_const_string("Const", "_temp/part"),
        tf_node("StringJoin", "StringJoin", "file_prefix", "Const:output:0"),
        tf_node("ShardedFilename", "ShardedFilename", "StringJoin:output:0"),
        tf_const_string("SaveV2/tensor_names", "dense/kernel/.ATTRIBUTES/VARIABLE_VALUE"),
        tf_node("SaveV2", "SaveV2", "ShardedFilename:filename:0", "SaveV2/tensor_names:output:0"),
        tf_node("MergeV2Checkpoints", "MergeV2Checkpoints", "ShardedFilename:filename:0", "file_prefix"),
    )
    restore = tf_function(
        "__inference__traced_restore_57",
        tf_node("RestoreV2", "RestoreV2", "file_prefix", "RestoreV2/tensor_names:output:0"),
    )
    vocab = tf_function(
        "__inference_lookup_init_9",
        tf_const_string("asset_path", "assets/vocab.txt"),
        tf_node("InitializeTableFromTextFileV2", "InitializeTableFromTextFileV2", "table", "asset_path:output:0"),
        tf_node("log", "PrintV2", "message", attrs=(tf_attr("output_stream", pb(2, "log(info)")),)),
    )
    return tf_saved_model(graph, [save, restore, vocab])


def skops_node(module: str, cls: str, loader: str, content: object = None, **extra: object) -> dict[str, object]:
    node: dict[str, object] = {"__class__": cls, "__module__": module, "__loader__": loader}
    if content is not None:
        node["content"] = content
    node.update(extra)
    return node


def skops_json(value: str) -> dict[str, object]:
    return skops_node("builtins", "str", "JsonNode", value, is_json=True)


def skops_estimator(*extra_steps: dict[str, object]) -> dict[str, object]:
    """The schema of a fitted Pipeline(FunctionTransformer(numpy.log1p), LogisticRegression) as skops writes it."""
    key_types = skops_node("builtins", "list", "ListNode", [skops_node("builtins", "str", "TypeNode")])
    logistic = skops_node("sklearn.linear_model._logistic", "LogisticRegression", "ObjectNode", skops_node(
        "builtins", "dict", "DictNode", {
            "C": skops_json("1.0"),
            "coef_": skops_node("numpy", "ndarray", "NdArrayNode", type="numpy", file="7f1e.npy"),
            "dtype": skops_node("numpy", "dtype", "DTypeNode", {"dtype": "float64"}),
            "int_type": skops_node("numpy", "float64", "TypeNode"),
            "sparse": skops_node("scipy.sparse._csr", "csr_matrix", "SparseMatrixNode", type="scipy", file="a.npz"),
        }, key_types=key_types))  # fmt: skip
    function = skops_node("builtins", "dict", "DictNode", {"func": skops_node("numpy", "log1p", "FunctionNode")},
                          key_types=key_types)  # fmt: skip
    transformer = skops_node("sklearn.preprocessing._function_transformer", "FunctionTransformer", "ObjectNode",
                             function)  # fmt: skip
    steps = [transformer, logistic, *extra_steps]
    pipeline = skops_node("sklearn.pipeline", "Pipeline", "ObjectNode", skops_node("builtins", "dict", "DictNode", {
        "steps": skops_node("builtins", "list", "ListNode", steps)}, key_types=key_types))  # fmt: skip
    pipeline.update({"protocol": 2, "_skops_version": "0.10.0"})
    return pipeline


def skops_file(schema: dict[str, object], extra: dict[str, bytes] | None = None) -> bytes:
    members = {"schema.json": json.dumps(schema).encode(), "7f1e.npy": npy_bytes(b"\0" * 16, "<f8", "(2,)")}
    members.update(extra or {})
    return zip_bytes(members, zipfile.ZIP_DEFLATED)


NEMO_CONFIG = """\
sample_rate: 16000
preprocessor:
  _target_: nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor
  window_size: 0.025
encoder:
  _target_: nemo.collections.asr.modules.ConformerEncoder
  feat_in: 80
optim:
  name: adamw
  sched:
    _target_: torch.optim.lr_scheduler.CosineAnnealingLR
    T_max: 1000
"""


def nemo_archive(config: str = NEMO_CONFIG, weights: bytes | None = None) -> bytes:
    """A ``.nemo`` tarball: model_config.yaml, a PyTorch checkpoint, a tokenizer file."""
    members = {
        "./model_config.yaml": config.encode(),
        "./model_weights.ckpt": weights if weights is not None else torch_zip(torch_data_pkl()),
        "./tokenizer.model": b"\x0a\x0bsentencepiece",
    }
    return tar_bytes(members)


def h5_bytes(attrs: dict[str, str | bytes] | None = None, datasets: dict[str, int] | None = None) -> bytes:
    """A real HDF5 file, as h5py writes it: root attributes (Keras keeps ``model_config`` there) and float32
    datasets of the given element counts (weights, written before the attributes when given)."""
    import h5py
    import numpy

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for name, count in (datasets or {}).items():
            h5.create_dataset(name, data=numpy.zeros(count, dtype="float32"))
        for key, value in (attrs or {}).items():
            h5.attrs[key] = value
    return buffer.getvalue()
