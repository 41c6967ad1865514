from __future__ import annotations

import bz2
import gzip
import json
import lzma
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aispm.checks.modelfiles.analyser import ModelSecurityAnalyser, wants_model_security
from aispm.discover.model_files import model_file_key
from aispm.engine import scan
from aispm.files.walk import FileRef
from aispm.model import AssetKind, Finding, ScanResult, Severity, asset_id
from aispm.options import ScanOptions
from aispm.registry import ANALYSERS

from .builders import (
    CANARY,
    NEMO_CONFIG,
    Ops,
    benign_numpy_pickle,
    benign_sklearn_pickle,
    evil_reduce,
    gguf_bytes,
    h5_bytes,
    keras_config,
    keras_layer,
    nemo_archive,
    npy_bytes,
    onnx_model,
    onnx_tensor,
    safetensors_bytes,
    skops_estimator,
    skops_file,
    skops_node,
    tar_bytes,
    tf_benign_saved_model,
    tf_const_string,
    tf_function,
    tf_graph_def,
    tf_node,
    tf_saved_model,
    torch_data_pkl,
    torch_zip,
    zip_bytes,
)

Tree = Callable[[dict[str, str | bytes]], Path]


def run(root: Path) -> ScanResult:
    return scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"})))


def model_findings(result: ScanResult) -> list[Finding]:
    return [finding for finding in result.findings if finding.rule_id.startswith("AISPM-MODEL-")]


def test_registered_in_the_models_family() -> None:
    assert "aispm.checks.modelfiles.analyser:ModelSecurityAnalyser" in ANALYSERS
    assert ModelSecurityAnalyser.family == "models" and not ModelSecurityAnalyser.reads_content


def test_dangerous_pickle_is_a_critical_finding_on_the_model_file_asset(make_tree: Tree) -> None:
    root = make_tree({"models/model.pkl": evil_reduce(2)})
    result = run(root)
    [finding] = model_findings(result)
    assert finding.rule_id == "AISPM-MODEL-001" and finding.severity is Severity.CRITICAL
    assert finding.location.path == "models/model.pkl" and "os.system" in finding.message
    assert finding.properties["called"] is True and "member" not in finding.properties
    assert {"AML.T0010.003", "AML.T0011.000", "LLM03:2025", "LLM04:2025"} <= set(finding.frameworks)
    assert "weights_only=True" in finding.remediation
    expected_asset = asset_id(AssetKind.MODEL_FILE, model_file_key(str(root), "models/model.pkl"))
    assert finding.asset_id == expected_asset
    [asset] = [asset for asset in result.assets if asset.kind is AssetKind.MODEL_FILE]
    assert asset.id == expected_asset and asset.properties["security_scan"] == "dangerous"
    assert "sha256" in asset.properties  # merged with the inventory's view of the same file


def test_finding_inside_an_archive_names_the_member(make_tree: Tree) -> None:
    root = make_tree({"ckpt/model.pt": torch_zip(torch_data_pkl(), extra={"archive/hook.pkl": evil_reduce(2)})})
    [finding] = model_findings(run(root))
    assert finding.location.path == "ckpt/model.pt"
    assert finding.properties["member"] == "archive/hook.pkl" and "archive/hook.pkl" in finding.message


def test_unknown_globals_are_one_medium_finding_per_pickle(make_tree: Tree) -> None:
    ops = Ops(2).global_("__main__", "Net").tuple_(0).newobj().global_("mylib.layers", "Block").pop().stop()
    root = make_tree({"net.pkl": ops.build()})
    [finding] = model_findings(run(root))
    assert finding.rule_id == "AISPM-MODEL-002" and finding.severity is Severity.MEDIUM
    assert finding.properties["globals"] == ["__main__.Net", "mylib.layers.Block"]
    assert "2 globals" in finding.message


def test_malformed_and_incomplete_files_are_findings_not_errors(make_tree: Tree) -> None:
    root = make_tree({"broken.pkl": evil_reduce(2)[:-3] + b"\xff", "cut.pt": torch_zip(torch_data_pkl())[:100]})
    result = run(root)
    rules = sorted((finding.rule_id, finding.location.path) for finding in model_findings(result))
    assert ("AISPM-MODEL-003", "broken.pkl") in rules
    assert ("AISPM-MODEL-001", "broken.pkl") in rules  # the call before the bad opcode still counts
    assert ("AISPM-MODEL-003", "cut.pt") in rules
    assert not [error for error in result.errors if error.analyser == "model-files"]


def _compressed_wrappers() -> dict[str, bytes]:
    evil = evil_reduce(2)
    return {
        "ckpt.tar.xz": lzma.compress(tar_bytes({"model.pkl": evil})),
        "export.tar.bz2": bz2.compress(tar_bytes({"model.pkl": evil})),
        "release.tar.gz": gzip.compress(tar_bytes({"weights/model.pkl": evil})),
        "state.gz": gzip.compress(evil),
        "bundle.zip.gz": gzip.compress(zip_bytes({"inner.pkl": evil})),
    }


def test_any_compressed_file_is_judged_by_what_it_holds(make_tree: Tree) -> None:
    wrappers = _compressed_wrappers()
    result = run(make_tree(dict(wrappers)))
    flagged = {finding.location.path for finding in model_findings(result) if finding.rule_id == "AISPM-MODEL-001"}
    assert flagged == set(wrappers)
    assert not [f for f in model_findings(result) if f.rule_id == "AISPM-MODEL-003"]


def test_compressed_files_without_models_are_not_model_files(make_tree: Tree) -> None:
    root = make_tree(
        {
            "data/train.csv.gz": gzip.compress(b"id,text\n1,hello\n" * 5000),
            "logs/app.tar.gz": gzip.compress(tar_bytes({"app.log": b"started\n" * 100})),
            "notes.txt.xz": lzma.compress(b"release notes"),
            "notes.txt.gz": gzip.compress(b"(Note: the pickle opcodes start like this line does)\n"),
            "tree.sexp.gz": gzip.compress(b"((define (f x) (* x x)))\n"),
            "readme.bz2": bz2.compress(b"(the readme of a project)\n"),
        }
    )
    result = run(root)
    assert model_findings(result) == [] and result.errors == ()
    assert not [asset for asset in result.assets if asset.kind is AssetKind.MODEL_FILE]


@pytest.mark.parametrize("name", ["model.pt", "weights.safetensors", "clf.pkl", "m.gguf", "net.onnx", "m.keras"])
def test_an_empty_model_file_is_malformed(make_tree: Tree, name: str) -> None:
    result = run(make_tree({name: b""}))
    [finding] = model_findings(result)
    assert finding.rule_id == "AISPM-MODEL-003" and "the file is empty" in finding.message
    [asset] = [asset for asset in result.assets if asset.kind is AssetKind.MODEL_FILE]
    assert asset.name == name and asset.properties["size"] == 0


@pytest.mark.parametrize("name", ["blob.bin", "data.h5", "array.npy", "graph.pb", "notes.txt", "config.json"])
def test_an_empty_file_under_a_name_other_data_shares_is_left_alone(make_tree: Tree, name: str) -> None:
    assert model_findings(run(make_tree({name: b""}))) == []


def test_obfuscated_import_is_high(make_tree: Tree) -> None:
    ops = Ops(4).unicode("o").call("builtins", "str", "s").stack_global().stop()
    root = make_tree({"odd.pkl": ops.build()})
    [finding] = [f for f in model_findings(run(root)) if f.properties.get("issue") == "unresolved"]
    assert finding.rule_id == "AISPM-MODEL-001" and finding.severity is Severity.HIGH


def test_benign_models_raise_nothing(make_tree: Tree) -> None:
    root = make_tree(
        {
            "torch/pytorch_model.bin": torch_zip(torch_data_pkl()),
            "sk/model.pkl": benign_sklearn_pickle(),
            "sk/model.joblib": gzip.compress(benign_sklearn_pickle()),
            "np/arr.npy": npy_bytes(benign_numpy_pickle()),
            "bundle/model.tar": tar_bytes({"model.pt": torch_zip(torch_data_pkl())}),
        }
    )
    result = run(root)
    assert model_findings(result) == [] and result.errors == ()
    scanned = {a.name: a.properties.get("security_scan") for a in result.assets if a.kind is AssetKind.MODEL_FILE}
    assert set(scanned.values()) == {"clean"} and len(scanned) == 5


@pytest.mark.parametrize(
    ("relpath", "content"),
    [
        ("notes/model.pkl", "This model was trained with pickle; see os.system docs."),  # prose under a model name
        ("docs/example.pt", "import torch\ntorch.save(model, 'example.pt')\n"),
        ("src/pickle_utils.py", "import pickle, os\npickle.dumps(os.system)\n"),  # code, not a pickle
        ("data/weights.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{}" + b" " * 14),
    ],
)
def test_decoys_are_not_flagged(make_tree: Tree, relpath: str, content: str | bytes) -> None:
    assert model_findings(run(make_tree({relpath: content}))) == []


def test_extensionless_pickle_is_found_by_its_bytes(make_tree: Tree) -> None:
    root = make_tree({"artifacts/blob": evil_reduce(4)})
    assert [f.rule_id for f in model_findings(run(root))] == ["AISPM-MODEL-001"]


def test_same_results_alone_or_in_a_directory(make_tree: Tree) -> None:
    root = make_tree({"a/model.pt": torch_zip(evil_reduce(2)), "b/other.pkl": benign_numpy_pickle()})
    in_tree = [(f.rule_id, f.message) for f in model_findings(run(root))]
    alone = [(f.rule_id, f.message) for f in model_findings(run(root / "a"))]
    assert in_tree == alone and len(alone) == 1


def test_wants(tmp_path: Path) -> None:
    def ref(name: str, size: int = 100) -> FileRef:
        return FileRef(str(tmp_path), tmp_path / name, name, size)

    for wanted in ("model.pt", "model.pkl.gz", "x.joblib", "weights.dat", "bundle.zip", "payload"):
        assert wants_model_security(ref(wanted)), wanted
    for unwanted in ("main.py", "README", "LICENSE", ".gitignore", "notes.md", "config.json"):
        assert not wants_model_security(ref(unwanted)), unwanted


LAMBDA_LAYER = {
    "module": "keras.layers",
    "class_name": "Lambda",
    "config": {"name": "evil", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}},
    "registered_name": None,
}


def keras_file(config: bytes) -> bytes:
    return zip_bytes({"metadata.json": b"{}", "config.json": config, "model.weights.h5": h5_bytes(datasets={"w": 4})})


@pytest.mark.parametrize(
    ("relpath", "content", "rule", "severity", "member"),
    [
        ("m.keras", keras_file(keras_config(LAMBDA_LAYER)), "AISPM-MODEL-004", Severity.HIGH, "config.json"),
        ("m.keras", keras_file(keras_config(keras_layer("Block", module="my_project.layers"))), "AISPM-MODEL-004",
         Severity.MEDIUM, "config.json"),
        ("m.keras", keras_file(keras_config(keras_layer("system", module="os"))), "AISPM-MODEL-001",
         Severity.CRITICAL, "config.json"),
        ("m.h5", h5_bytes({"model_config": keras_config(LAMBDA_LAYER).decode()}), "AISPM-MODEL-004", Severity.HIGH,
         None),
        ("m.gguf", gguf_bytes("{{ cycler.__init__.__globals__.os.popen('id') }}"), "AISPM-MODEL-005", Severity.HIGH,
         None),
        ("m.safetensors", safetensors_bytes({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}, b"\0" * 8),
         "AISPM-MODEL-003", Severity.MEDIUM, None),
        ("m.onnx", onnx_model([onnx_tensor("w", location="../../etc/passwd")]), "AISPM-MODEL-006", Severity.HIGH,
         None),
        ("m.onnx", onnx_model(domains=("", "com.acme.ops")), "AISPM-MODEL-006", Severity.MEDIUM, None),
    ],
)  # fmt: skip
def test_metadata_formats(
    make_tree: Tree, relpath: str, content: bytes, rule: str, severity: Severity, member: str | None
) -> None:
    [finding] = model_findings(run(make_tree({relpath: content})))
    assert (finding.rule_id, finding.severity) == (rule, severity)
    assert finding.properties.get("member") == member


def test_compressed_safetensors_and_onnx_are_checked_like_plain_ones(make_tree: Tree) -> None:
    bad_header = safetensors_bytes({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}, b"\0" * 8)
    good_header = safetensors_bytes({"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}}, b"\0" * 8)
    root = make_tree(
        {
            "bad.safetensors.gz": gzip.compress(bad_header),
            "m.onnx.xz": lzma.compress(onnx_model([onnx_tensor("w", location="../../etc/passwd")])),
            "ok.safetensors.gz": gzip.compress(good_header),
            "ok.onnx.bz2": bz2.compress(onnx_model([onnx_tensor("w", location="model.onnx.data")])),
        }
    )
    found = sorted((f.location.path, f.rule_id) for f in model_findings(run(root)))
    assert found == [("bad.safetensors.gz", "AISPM-MODEL-003"), ("m.onnx.xz", "AISPM-MODEL-006")]


def test_compressed_payload_too_large_to_hold_is_not_analysed_never_clean(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aispm.checks.modelfiles import archives

    monkeypatch.setattr(archives, "SIZED_BUFFER_BYTES", 1024)
    header = safetensors_bytes({"a": {"dtype": "F16", "shape": [1024], "data_offsets": [0, 2048]}}, b"\0" * 2048)
    [finding] = model_findings(run(make_tree({"big.safetensors.gz": gzip.compress(header)})))
    assert finding.rule_id == "AISPM-MODEL-003" and "larger than" in finding.message


@pytest.mark.parametrize(
    ("relpath", "content"),
    [
        ("ok.keras", keras_file(keras_config(keras_layer("InputLayer"), keras_layer("Dense", units=2)))),
        ("ok.gguf", gguf_bytes("{% for m in messages %}{{ m['role'] }}: {{ m['content'] | trim }}{% endfor %}")),
        ("ok.safetensors", safetensors_bytes({"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}}, b"\0" * 8)),
        ("ok.h5", h5_bytes({"model_config": keras_config(keras_layer("Dense", units=2)).decode()})),
        ("data.h5", h5_bytes({"description": "training data"}, {"x": 64})),  # HDF5 that is no model
        ("ok.onnx", onnx_model([onnx_tensor("w", location="model.onnx.data")], domains=("", "ai.onnx.ml"))),
    ],
)
def test_benign_metadata_formats_raise_nothing(make_tree: Tree, relpath: str, content: bytes) -> None:
    assert model_findings(run(make_tree({relpath: content}))) == []


def evil_saved_model() -> bytes:
    function = tf_function("__inference_serve_3", tf_node("py", "PyFunc", "x"))
    nodes = [tf_const_string("p", "/etc/shadow"), tf_node("read", "ReadFile", "p")]
    return tf_saved_model(nodes, [function])


EVIL_SKOPS_STEP = skops_node("builtins", "eval", "FunctionNode")


@pytest.mark.parametrize(
    ("relpath", "content", "expected"),
    [
        ("export/1/saved_model.pb", evil_saved_model(),
         {("AISPM-MODEL-008", Severity.CRITICAL, None), ("AISPM-MODEL-008", Severity.HIGH, None)}),
        ("frozen_graph.pb", tf_graph_def([tf_const_string("p", "x"), tf_node("w", "WriteFile", "p", "p")]),
         {("AISPM-MODEL-008", Severity.HIGH, None)}),
        ("model.skops", skops_file(skops_estimator(EVIL_SKOPS_STEP)),
         {("AISPM-MODEL-001", Severity.CRITICAL, "schema.json")}),
        ("model.skops", skops_file(skops_estimator(skops_node("acme.prep", "Scaler", "ObjectNode"))),
         {("AISPM-MODEL-009", Severity.MEDIUM, "schema.json")}),
        ("asr.nemo", nemo_archive(NEMO_CONFIG + "x:\n  _target_: subprocess.run\n"),
         {("AISPM-MODEL-001", Severity.CRITICAL, "./model_config.yaml")}),
        ("asr.nemo", nemo_archive(NEMO_CONFIG + "x:\n  _target_: acme.hooks.Setup\n"),
         {("AISPM-MODEL-009", Severity.MEDIUM, "./model_config.yaml")}),
        ("asr.nemo", nemo_archive(weights=torch_zip(evil_reduce(2))),
         {("AISPM-MODEL-001", Severity.CRITICAL, "./model_weights.ckpt/archive/data.pkl")}),
        ("old.nemo", gzip.compress(nemo_archive(NEMO_CONFIG + "x:\n  _target_: builtins.exec\n"), mtime=0),
         {("AISPM-MODEL-001", Severity.CRITICAL, "./model_config.yaml")}),
    ],
)  # fmt: skip
def test_tensorflow_skops_and_nemo(
    make_tree: Tree, relpath: str, content: bytes, expected: set[tuple[str, Severity, str | None]]
) -> None:
    findings = model_findings(run(make_tree({relpath: content})))
    assert {(f.rule_id, f.severity, f.properties.get("member")) for f in findings} == expected
    assert all(f.location.path == relpath for f in findings)


def test_model_file_asset_names_skops_and_nemo_formats(make_tree: Tree) -> None:
    root = make_tree({"a.skops": skops_file(skops_estimator()), "b.nemo": nemo_archive()})
    formats = {a.name: a.properties.get("format") for a in run(root).assets if a.kind is AssetKind.MODEL_FILE}
    assert formats == {"a.skops": "skops", "b.nemo": "nemo"}


@pytest.mark.parametrize(
    ("relpath", "content"),
    [
        ("export/1/saved_model.pb", tf_benign_saved_model()),
        ("model.skops", skops_file(skops_estimator())),
        ("asr.nemo", nemo_archive()),
        ("src.tar", tar_bytes({"conf/train.yaml": b"model:\n  _target_: mypackage.Net\n"})),  # not NeMo's config
        ("graph.pb", b"\x0a\x05hello"),  # some other protobuf under a TensorFlow name
    ],
)
def test_benign_tensorflow_skops_and_nemo_raise_nothing(make_tree: Tree, relpath: str, content: bytes) -> None:
    assert model_findings(run(make_tree({relpath: content}))) == []


def test_malformed_saved_model_is_a_finding(make_tree: Tree) -> None:
    data = evil_saved_model()
    [finding] = model_findings(run(make_tree({"saved_model.pb": data[: len(data) // 2]})))
    assert finding.rule_id == "AISPM-MODEL-003" and "TensorFlow protobuf" in finding.message


def test_an_identification_that_fails_keeps_the_security_findings(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_identification(*args: object) -> None:
        raise ValueError("header reader bug")

    monkeypatch.setattr("aispm.checks.modelfiles.analyser.identify_model_file", broken_identification)
    root = make_tree({"evil.pkl": evil_reduce()})
    result = run(root)
    [finding] = model_findings(result)
    assert finding.rule_id == "AISPM-MODEL-001" and finding.severity is Severity.CRITICAL
    [asset] = [a for a in result.assets if a.kind is AssetKind.MODEL_FILE]
    assert asset.properties["security_scan"] == "dangerous" and asset.properties["size"] == len(evil_reduce())
    assert [(e.path, e.message) for e in result.errors] == [
        ("evil.pkl", "cannot identify model file: ValueError: header reader bug")
    ]


def _lambda_config(compact: bool = False) -> str:
    config = json.loads(keras_config(LAMBDA_LAYER))
    return json.dumps(config, separators=(",", ":")) if compact else json.dumps(config)


@pytest.mark.parametrize(
    "content",
    [
        h5_bytes({"model_config": _lambda_config(compact=True)}),  # spelled as Keras's JSON reader accepts
        h5_bytes({"model_config": _lambda_config()}, {"weights": 3 * 1024 * 1024}),  # after 12 MiB of weights
        h5_bytes({"model_config": _lambda_config().encode()}),  # stored as bytes, as TF 2 writes it
    ],
)
def test_hdf5_model_config_is_read_wherever_and_however_it_is_written(make_tree: Tree, content: bytes) -> None:
    [finding] = model_findings(run(make_tree({"model.h5": content})))
    assert finding.rule_id == "AISPM-MODEL-004" and "Lambda" in finding.message


def test_hdf5_inside_a_compressed_file_is_read(make_tree: Tree) -> None:
    root = make_tree({"model.h5.gz": gzip.compress(h5_bytes({"model_config": _lambda_config()}))})
    [finding] = model_findings(run(root))
    assert finding.rule_id == "AISPM-MODEL-004"


def test_truncated_or_invalid_hdf5_model_is_malformed(make_tree: Tree) -> None:
    whole = h5_bytes({"model_config": _lambda_config()}, {"weights": 4096})
    root = make_tree(
        {
            "cut.h5": whole[: len(whole) // 3],
            "notjson.h5": h5_bytes({"model_config": "{not json"}),
        }
    )
    found = sorted((f.location.path, f.rule_id) for f in model_findings(run(root)))
    assert found == [("cut.h5", "AISPM-MODEL-003"), ("notjson.h5", "AISPM-MODEL-003")]


def test_without_h5py_the_config_is_still_found_in_the_first_bytes(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree({"model.h5": h5_bytes({"model_config": _lambda_config()})})
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now raises ImportError
    [finding] = model_findings(run(root))
    assert finding.rule_id == "AISPM-MODEL-004"


def test_a_lone_file_in_a_hub_cache_snapshot_names_its_repository(make_tree: Tree) -> None:
    # hf_hub_download of one file: no config.json, no model card, only the cache path says which repo it is.
    root = make_tree(
        {
            "hub/models--acme--tiny-gguf/snapshots/abc123/tiny.gguf": gguf_bytes("{{ messages[0]['content'] }}"),
            "hub/models--acme--tiny-gguf/snapshots/abc123/onnx/model.onnx": onnx_model(),
            "hub/models--acme--evil/snapshots/def456/model.pkl": evil_reduce(2),
            "downloads/models--not-a-cache/model.pkl": benign_sklearn_pickle(),  # no snapshots/: no repository
        }
    )
    result = run(root)
    models = {a.name: a for a in result.assets if a.kind is AssetKind.MODEL}
    assert set(models) == {"acme/tiny-gguf", "acme/evil"}
    assert models["acme/tiny-gguf"].version == "abc123" and models["acme/tiny-gguf"].properties["revision"] == "abc123"
    files = {a.id: a.name for a in result.assets if a.kind is AssetKind.MODEL_FILE}
    contained = sorted(files[r.target] for r in result.relations if r.source == models["acme/tiny-gguf"].id)
    assert contained == [
        "hub/models--acme--tiny-gguf/snapshots/abc123/onnx/model.onnx",
        "hub/models--acme--tiny-gguf/snapshots/abc123/tiny.gguf",
    ]
    [evil] = [f for f in model_findings(result) if f.rule_id == "AISPM-MODEL-001"]
    assert evil.location.path == "hub/models--acme--evil/snapshots/def456/model.pkl"
    alone = run(root / "hub/models--acme--evil/snapshots/def456/model.pkl")  # the file on its own
    assert [a.name for a in alone.assets if a.kind is AssetKind.MODEL] == ["acme/evil"]


def _torch_wrapper(module_bytes: bytes) -> bytes:
    import base64

    layer = keras_layer("TorchModuleWrapper")
    layer["config"] = {"name": "torch_module_wrapper", "module": base64.b64encode(module_bytes).decode()}
    return keras_file(keras_config(layer))


def test_keras_objects_that_download_or_deserialise_code_are_found(make_tree: Tree) -> None:
    get_file = {"module": "keras.utils", "class_name": "get_file", "config": {"origin": "http://127.0.0.1:9/x"}}
    root = make_tree(
        {
            "download.keras": keras_file(keras_config(keras_layer("Dense", units=2, activation=get_file))),
            "wrapped_evil.keras": _torch_wrapper(torch_zip(evil_reduce(2))),
            "wrapped_clean.keras": _torch_wrapper(torch_zip(torch_data_pkl())),
        }
    )
    found = sorted((f.location.path, f.rule_id, f.severity) for f in model_findings(run(root)))
    assert found == [
        ("download.keras", "AISPM-MODEL-001", Severity.CRITICAL),  # keras.utils.get_file
        ("wrapped_clean.keras", "AISPM-MODEL-004", Severity.MEDIUM),  # torch.load of a clean module: a warning
        ("wrapped_evil.keras", "AISPM-MODEL-001", Severity.CRITICAL),  # os.system in the embedded checkpoint
        ("wrapped_evil.keras", "AISPM-MODEL-004", Severity.MEDIUM),
    ]
    [embedded] = [f for f in model_findings(run(root)) if f.location.path == "wrapped_evil.keras" and f.severity is
                  Severity.CRITICAL]  # fmt: skip
    assert embedded.properties["member"].startswith("config.json/TorchModuleWrapper.module/")


def test_ordinary_keras_objects_stay_quiet(make_tree: Tree) -> None:
    layers = [keras_layer("Dense", units=2, activation="relu"), keras_layer("Dropout", rate=0.1)]
    layers.append({"module": "keras.utils", "class_name": "normalize", "config": {}})  # keras.utils, but inert
    assert model_findings(run(make_tree({"ok.keras": keras_file(keras_config(*layers))}))) == []


def test_joblib_lzma_is_recognised_under_its_own_extension(make_tree: Tree) -> None:
    compressor = lzma.LZMACompressor(lzma.FORMAT_ALONE)
    payload = compressor.compress(evil_reduce(2)) + compressor.flush()
    [finding] = model_findings(run(make_tree({"model.lzma": payload})))
    assert finding.rule_id == "AISPM-MODEL-001"


def _tar_with(entries: list[tuple[str, bytes | None, str]]) -> bytes:
    """A tarball of (name, data, link target): a file when data is given, else a symbolic link ("hard:" prefix for
    a hard link)."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data, target in entries:
            info = tarfile.TarInfo(name)
            if data is not None:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            else:
                hard = target.startswith("hard:")
                info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
                info.linkname = target.removeprefix("hard:")
                archive.addfile(info)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("entries", "severities"),
    [
        ([("../../.bashrc", b"echo canary", "")], [Severity.HIGH]),
        ([("/etc/cron.d/job", b"* * * * * root true", "")], [Severity.HIGH]),
        # a link out on its own is medium (rootfs and virtualenv tarballs have them) ...
        ([("weights/link", None, "../../../home/user/.ssh/authorized_keys")], [Severity.MEDIUM]),
        ([("weights/link", None, "/etc/passwd")], [Severity.MEDIUM]),
        ([("weights/hard", None, "hard:../outside")], [Severity.MEDIUM]),
        # ... and what is written through it is high, however the links are chained
        ([("etc", None, "/etc"), ("etc/cron.d/job", b"x", "")], [Severity.HIGH, Severity.MEDIUM]),
        ([("y", None, "."), ("x", None, "y/.."), ("x/canary.txt", b"x", "")], [Severity.HIGH]),
    ],
)
def test_archive_members_that_escape_extraction_are_found(
    make_tree: Tree, entries: list[tuple[str, bytes | None, str]], severities: list[Severity]
) -> None:
    findings = model_findings(run(make_tree({"model.tar": _tar_with(entries)})))
    assert {f.rule_id for f in findings} == {"AISPM-MODEL-018"}
    assert sorted(f.severity for f in findings) == sorted(severities)


def test_zip_member_that_escapes_extraction_is_found(make_tree: Tree) -> None:
    [finding] = model_findings(run(make_tree({"weights.zip": zip_bytes({"../../site.pth": b"import os"})})))
    assert finding.rule_id == "AISPM-MODEL-018" and "../../site.pth" in finding.message


def test_archive_names_that_stay_inside_are_not_findings(make_tree: Tree) -> None:
    entries = [
        ("model/../model/weights.bin", b"\0" * 8, ""),  # climbs and comes back
        ("..hidden/config", b"{}", ""),  # a name that starts with dots
        ("model/latest", None, "weights.bin"),  # a link beside itself
        ("model/up", None, "../README"),  # a link that climbs one level, still inside
    ]
    root = make_tree({"release.tar": _tar_with(entries), "bundle.zip": zip_bytes({"a/../b.txt": b"x"})})
    assert model_findings(run(root)) == []


def test_tz_aware_pandas_and_lightning_checkpoints_are_not_flagged(make_tree: Tree) -> None:
    tz = Ops(4).global_("builtins", "getattr").global_("zoneinfo", "ZoneInfo").unicode("_unpickle").tuple_(2).reduce()
    tz.unicode("Europe/Paris").int_(1).tuple_(2).reduce().stop()
    hparams = Ops(2).global_("lightning_fabric.utilities.data", "AttributeDict").tuple_(0).reduce()
    hparams.empty_dict().unicode("lr").int_(1).setitem().build_().stop()
    root = make_tree({"frame.pkl": tz.build(), "epoch=9.ckpt": torch_zip(hparams.build())})
    assert model_findings(run(root)) == []


def test_getattr_that_reaches_a_dangerous_callable_is_critical(make_tree: Tree) -> None:
    ops = Ops(4).global_("builtins", "getattr").global_("os", "path").unicode("join").tuple_(2).reduce()
    ops.unicode(CANARY).tuple_(1).reduce().stop()
    findings = model_findings(run(make_tree({"hidden.pkl": ops.build()})))
    assert {f.rule_id for f in findings} == {"AISPM-MODEL-001"}
    assert any("calls os.path.join" in f.message for f in findings)  # reported as what it reached, and getattr too


def _proto_field(number: int, data: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""

    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
            value >>= 7
            if not value:
                return bytes(out)

    return varint(number << 3 | 2) + varint(len(data)) + data


def keras_metadata(*configs: dict[str, object]) -> bytes:
    """A TF-Keras ``keras_metadata.pb``: SavedMetadata nodes (field 1), each with a JSON ``metadata`` (field 5)."""
    nodes = (_proto_field(3, b"root") + _proto_field(4, b"_tf_keras_layer") + _proto_field(5, json.dumps(c).encode())
             for c in configs)  # fmt: skip
    return b"".join(_proto_field(1, node) for node in nodes)


def test_keras_metadata_of_a_savedmodel_is_read_for_lambda_layers(make_tree: Tree) -> None:
    dense = {"class_name": "Dense", "config": {"name": "dense", "units": 2}}
    root = make_tree(
        {
            "evil/keras_metadata.pb": keras_metadata(dense, LAMBDA_LAYER),
            "clean/keras_metadata.pb": keras_metadata(dense, {"class_name": "Dropout", "config": {"rate": 0.1}}),
            "cut/keras_metadata.pb": keras_metadata(dense, LAMBDA_LAYER)[:-20],
        }
    )
    found = sorted((f.location.path, f.rule_id) for f in model_findings(run(root)))
    assert found == [("cut/keras_metadata.pb", "AISPM-MODEL-003"), ("evil/keras_metadata.pb", "AISPM-MODEL-004")]


def test_onnx_external_data_linked_out_of_the_model_directory_is_found(tmp_path: Path) -> None:
    outside = tmp_path / "secrets.txt"
    outside.write_text("not weights")
    model_dir = tmp_path / "scan" / "model"
    model_dir.mkdir(parents=True)
    (model_dir / "model.onnx").write_bytes(onnx_model([onnx_tensor("w", location="weights.bin")]))
    (model_dir / "weights.bin").symlink_to(outside)
    [finding] = model_findings(run(tmp_path / "scan"))
    assert finding.rule_id == "AISPM-MODEL-006" and "weights.bin" in finding.message


def test_onnx_external_data_linked_inside_the_model_directory_is_fine(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    (model_dir / "shards").mkdir(parents=True)
    (model_dir / "shards" / "weights-v2.bin").write_bytes(b"\0" * 16)
    (model_dir / "model.onnx").write_bytes(onnx_model([onnx_tensor("w", location="weights.bin")]))
    (model_dir / "weights.bin").symlink_to(model_dir / "shards" / "weights-v2.bin")
    (model_dir / "plain.onnx").write_bytes(onnx_model([onnx_tensor("w", location="missing.bin")]))
    assert model_findings(run(model_dir)) == []


def test_getattr_through_a_module_attribute_stays_critical(make_tree: Tree) -> None:
    # getattr(getattr(torch.serialization, "os"), "system")("echo ..."): the reached name is not allowlisted
    ops = Ops(4).global_("builtins", "getattr").memoize()
    ops.binget(0).global_("torch.serialization", "pickle_module").pop().global_("torch", "serialization")
    ops.unicode("os").tuple_(2).reduce().unicode("system").tuple_(2).reduce().unicode(CANARY).tuple_(1).reduce()
    findings = model_findings(run(make_tree({"chain.pkl": ops.stop().build()})))
    assert any(f.severity is Severity.CRITICAL and "builtins.getattr" in f.message for f in findings)


def test_getattr_handed_to_another_callable_stays_critical(make_tree: Tree) -> None:
    # One allowlisted getattr call, then getattr itself passed as a value to a callable that would call it.
    ops = Ops(4).global_("builtins", "getattr").memoize().global_("zoneinfo", "ZoneInfo").unicode("_unpickle")
    ops.tuple_(2).reduce().pop()
    ops.global_("torch._utils", "_rebuild_from_type_v2").mark().binget(0).global_("builtins", "str").tuple_(0)
    ops.none().tuple_().reduce().stop()
    findings = model_findings(run(make_tree({"escape.pkl": ops.build()})))
    assert any(f.severity is Severity.CRITICAL and "builtins.getattr" in f.message for f in findings)


def test_onnx_in_a_hub_cache_snapshot_links_to_its_blobs_without_a_finding(tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--org--tiny-onnx"
    (repo / "blobs").mkdir(parents=True)
    snapshot = repo / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (repo / "blobs" / "aaa").write_bytes(onnx_model([onnx_tensor("w", location="model.onnx_data")]))
    (repo / "blobs" / "bbb").write_bytes(b"\0" * 16)
    (snapshot / "model.onnx").symlink_to("../../blobs/aaa")
    (snapshot / "model.onnx_data").symlink_to("../../blobs/bbb")
    assert model_findings(run(tmp_path / "hub")) == []
    (snapshot / "model.onnx_data").unlink()
    (snapshot / "model.onnx_data").symlink_to(tmp_path / "elsewhere.bin")  # out of the repository: still a finding
    (tmp_path / "elsewhere.bin").write_bytes(b"\0")
    assert [f.rule_id for f in model_findings(run(tmp_path / "hub"))] == ["AISPM-MODEL-006"]


def test_a_snapshot_scanned_on_its_own_names_one_repository(make_tree: Tree) -> None:
    snapshot = "hub/models--Org--Tiny/snapshots/2222bbbb"
    config = json.dumps({"architectures": ["TinyModel"], "model_type": "tiny"})
    root = make_tree({f"{snapshot}/config.json": config, f"{snapshot}/model.pkl": benign_sklearn_pickle()})
    for scanned in (root, root / snapshot):
        result = scan([str(scanned)], ScanOptions(workers=1))
        models = [a for a in result.assets if a.kind is AssetKind.MODEL]
        assert [(m.name, m.version) for m in models] == [("Org/Tiny", "2222bbbb")], scanned
