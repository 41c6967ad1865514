from __future__ import annotations

import gzip
import hashlib
import io
import json
import pickle
import random
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from aispm.analyser import Analyser, AnalysisError, Record
from aispm.checks.modelfiles.analyser import ModelSecurityAnalyser
from aispm.discover.model_files import HuggingFaceModelDirAnalyser, wants_model_file
from aispm.engine import scan
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Finding, Relation, RelationKind, asset_id
from aispm.options import ScanOptions

Tree = Callable[[dict[str, str | bytes]], Path]
PLAIN = {"w": [1.0, 2.0]}


# --- sample files, written by hand (nothing here is ever loaded) ------------------------------------------------


def safetensors_bytes(data_bytes: int = 8) -> bytes:
    header = {"w": {"dtype": "F32", "shape": [data_bytes // 4], "data_offsets": [0, data_bytes]}}
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\1" * data_bytes


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def torch_zip() -> bytes:
    return zip_bytes({"archive/data.pkl": pickle.dumps(PLAIN, protocol=2), "archive/version": b"3\n"})


def gguf_bytes(architecture: str = "llama") -> bytes:
    def string(text: str) -> bytes:
        return struct.pack("<Q", len(text)) + text.encode()

    entries = string("general.architecture") + struct.pack("<I", 8) + string(architecture)
    entries += string("general.name") + struct.pack("<I", 8) + string("Tiny")
    return b"GGUF" + struct.pack("<IQQ", 3, 2, 2) + entries + b"\0" * 64


def npy_bytes() -> bytes:
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"\0" * 16


def onnx_bytes() -> bytes:
    return b"\x08\x08\x12\x07pytorch\x1a\x052.3.0\x3a\x03\x0a\x01x"


def tar_gz(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


HDF5 = b"\x89HDF\r\n\x1a\n" + b"\0" * 120
FIRMWARE = random.Random(3).randbytes(16 * 1024)
OLLAMA_BLOB = "blobs/sha256-" + "ab" * 32
LFS_OID = "c" * 64
LFS_POINTER = f"version https://git-lfs.github.com/spec/v1\noid sha256:{LFS_OID}\nsize 4200000000\n"


def run(analyser: Analyser, root: Path, relpath: str) -> list[Record]:
    path = root / relpath
    ref = FileRef(root=str(root), path=path, relpath=relpath, size=path.stat().st_size)
    assert analyser.wants(ref), relpath
    data = path.read_bytes() if analyser.reads_content else None
    return list(analyser.analyse(FileContent(ref, data)))


def only_asset(records: list[Record]) -> Asset:
    assets = [r for r in records if isinstance(r, Asset)]
    assert len(assets) == 1, assets
    return assets[0]


# --- model files ------------------------------------------------------------------------------------------------

POSITIVES: list[tuple[str, bytes | str, str, str, dict[str, Any]]] = [
    ("model.safetensors", safetensors_bytes(), "safetensors", "safetensors", {"tensors": 1, "parameters": 2}),
    ("pytorch_model.bin", torch_zip(), "pytorch-zip", "pytorch", {"member": "archive/data.pkl", "members": 2}),
    ("clf.pkl", pickle.dumps(PLAIN, protocol=4), "pickle", "pickle", {"pickle_protocol": 4}),
    ("old.pkl", pickle.dumps(PLAIN, protocol=0), "pickle", "pickle", {}),
    ("model.joblib", zlib.compress(pickle.dumps(PLAIN, protocol=4)), "joblib", "sklearn", {"compression": "zlib"}),
    ("tiny.gguf", gguf_bytes(), "gguf", "gguf", {"architecture": "llama", "model_name": "Tiny", "tensors": 2}),
    ("weights.h5", HDF5, "hdf5", "hdf5", {}),
    ("model.onnx", onnx_bytes(), "onnx", "onnx", {"ir_version": 8, "producer_name": "pytorch"}),
    ("export/saved_model.pb", b"\x08\x01\x12\x05\x0a\x03\x12\x01x", "tf-savedmodel", "tensorflow", {}),
    ("model.tflite", b"\x1c\x00\x00\x00TFL3" + b"\0" * 40, "tflite", "tensorflow", {}),
    ("embeddings.npy", npy_bytes(), "numpy", "numpy", {"dtype": "<f4", "shape": [2, 2]}),
    (
        "model.keras",
        zip_bytes({"metadata.json": b"{}", "config.json": b"{}", "model.weights.h5": HDF5}),
        "keras-v3",
        "keras",
        {"member": "model.weights.h5"},
    ),
    ("model.pt.gz", gzip.compress(pickle.dumps(PLAIN, protocol=2)), "pickle", "pytorch", {"compression": "gzip"}),
    (
        "model.tar.gz",
        tar_gz({"code/inference.py": b"print(1)\n", "model.pth": torch_zip()}),
        "tar",
        "pytorch",
        {"compression": "gzip", "members": ["model.pth"]},
    ),
    (OLLAMA_BLOB, gguf_bytes("qwen2"), "gguf", "gguf", {"architecture": "qwen2"}),
]


@pytest.mark.parametrize(("relpath", "content", "fmt", "framework", "facts"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_model_files_are_identified_by_their_bytes(
    make_tree: Tree, relpath: str, content: bytes | str, fmt: str, framework: str, facts: dict[str, Any]
) -> None:
    root = make_tree({relpath: content})
    asset = only_asset(run(ModelSecurityAnalyser(), root, relpath))
    data = (root / relpath).read_bytes()
    assert asset.kind is AssetKind.MODEL_FILE
    assert asset.key == f"model-file:{root}/{relpath}"
    assert asset.locations[0].path == relpath and asset.locations[0].root == str(root)
    assert asset.properties["format"] == fmt
    assert asset.properties["framework"] == framework
    assert asset.properties["size"] == len(data)
    assert asset.properties["sha256"] == hashlib.sha256(data).hexdigest()
    assert "malformed" not in asset.properties
    for key, value in facts.items():
        assert asset.properties[key] == value, key


DECOYS: list[tuple[str, bytes | str]] = [
    ("firmware/router.bin", FIRMWARE),
    ("model.pt", "This text file is named like a model but is not one.\n"),
    ("proto/descriptor.pb", b"\x0a\x12\x0a\x09foo.proto\x12\x05acme."),
    ("model.bin", zip_bytes({"readme.txt": b"not a checkpoint"})),
    ("model.tar.gz", tar_gz({"code/inference.py": b"print(1)\n", "requirements.txt": b"torch\n"})),
    ("cache.pkl.gz", gzip.compress(b"just,a,csv\n1,2,3\n")),
    ("site/assets.zip", zip_bytes({"index.html": b"<html></html>", "style.css": b"body {}"})),
    ("dist/release.tgz", tar_gz({"install.sh": b"#!/bin/sh\necho installing\n"})),
    ("dist/docs.tar", tar_gz({"docs/index.md": b"# Docs\n"}, mode="w")),
]
"""Files that are no model: not even the security scan, which opened the archives, may report them."""


@pytest.mark.parametrize(("relpath", "content"), DECOYS, ids=[d[0] for d in DECOYS])
def test_look_alikes_are_not_model_files(make_tree: Tree, relpath: str, content: bytes | str) -> None:
    root = make_tree({relpath: content})
    assert run(ModelSecurityAnalyser(), root, relpath) == []


BROKEN_LOOK_ALIKES: list[tuple[str, bytes | str, str]] = [
    ("model.onnx", b"\x08\x07" + FIRMWARE[:300], "onnx"),
    ("model.safetensors", "placeholder: download the weights from the hub\n", "safetensors"),
]


@pytest.mark.parametrize(("relpath", "content", "fmt"), BROKEN_LOOK_ALIKES, ids=[d[0] for d in BROKEN_LOOK_ALIKES])
def test_look_alikes_under_a_one_format_name_are_reported_unscanned_not_inventoried(
    make_tree: Tree, relpath: str, content: bytes | str, fmt: str
) -> None:
    root = make_tree({relpath: content})
    asset, finding = run(ModelSecurityAnalyser(), root, relpath)
    data = (root / relpath).read_bytes()
    assert isinstance(asset, Asset) and isinstance(finding, Finding)
    assert asset.properties == {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "format": fmt,
        "security_scan": "incomplete",
        "pickles": 0,
    }
    assert finding.rule_id == "AISPM-MODEL-003" and finding.asset_id == asset.id


def test_wants_only_model_names(tmp_path: Path) -> None:
    def ref(relpath: str) -> FileRef:
        return FileRef(root=str(tmp_path), path=tmp_path / relpath, relpath=relpath, size=1)

    for wanted in ("a.pt", "b.safetensors", "x/model.tar.gz", "m.onnx.gz", OLLAMA_BLOB, "w/flax_model.msgpack"):
        assert wants_model_file(ref(wanted)), wanted
    for unwanted in ("model.py", "notes.txt", "data.csv", "sha256-" + "ab" * 32, "blobs/readme", "archive.tar.gz"):
        assert not wants_model_file(ref(unwanted)), unwanted


MALFORMED: list[tuple[str, bytes, str, str]] = [
    ("empty.safetensors", b"", "safetensors", "empty file"),
    ("short.gguf", b"GGU", "gguf", "too short"),
    ("cut.safetensors", safetensors_bytes(64)[:-10], "safetensors", "truncated"),
    ("cut.gguf", gguf_bytes()[:40], "gguf", "truncated"),
    ("cut.pt", torch_zip()[:120], "pytorch-zip", "end-of-archive record missing"),
    ("bad.joblib", b"\x78\x9c" + b"\xff" * 40, "joblib", "corrupt zlib"),
]


@pytest.mark.parametrize(("relpath", "content", "fmt", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_broken_model_files_are_assets_marked_malformed(
    make_tree: Tree, relpath: str, content: bytes, fmt: str, reason: str
) -> None:
    root = make_tree({relpath: content})
    asset = only_asset(run(ModelSecurityAnalyser(), root, relpath))
    assert asset.properties["format"] == fmt
    assert reason in asset.properties["malformed"]


def test_git_lfs_pointer_reports_the_real_files_hash_and_size(make_tree: Tree) -> None:
    root = make_tree({"model.safetensors": LFS_POINTER})
    asset = only_asset(run(ModelSecurityAnalyser(), root, "model.safetensors"))
    assert asset.properties["format"] == "git-lfs-pointer"
    assert asset.properties["framework"] == "safetensors"
    assert asset.properties["sha256"] == LFS_OID
    assert asset.properties["size"] == 4_200_000_000


class _SpyHandle(io.BufferedReader):
    """Records the size of every read, to prove the file is streamed."""

    reads: list[int]

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


class _SpyContent(FileContent):
    handles: list[_SpyHandle] = []

    def open(self) -> BinaryIO:
        handle = _SpyHandle(io.FileIO(self.ref.path, "rb"))
        handle.reads = []
        _SpyContent.handles.append(handle)
        return handle


def test_sha256_is_correct_and_streamed(make_tree: Tree) -> None:
    content = safetensors_bytes(3 * 1024 * 1024 + 12)
    root = make_tree({"big.safetensors": content})
    path = root / "big.safetensors"
    ref = FileRef(root=str(root), path=path, relpath="big.safetensors", size=len(content))
    _SpyContent.handles = []
    asset = only_asset(list(ModelSecurityAnalyser().analyse(_SpyContent(ref, None))))
    assert asset.properties["sha256"] == hashlib.sha256(content).hexdigest()
    reads = [size for handle in _SpyContent.handles for size in handle.reads]
    assert reads and all(0 < size <= 1024 * 1024 for size in reads), reads


def test_a_small_model_file_is_opened_once_for_identification_and_scan(make_tree: Tree) -> None:
    content = torch_zip()
    root = make_tree({"model.pt": content})
    ref = FileRef(root=str(root), path=root / "model.pt", relpath="model.pt", size=len(content))
    _SpyContent.handles = []
    records = list(ModelSecurityAnalyser().analyse(_SpyContent(ref, None)))
    asset = only_asset(records)
    assert len(_SpyContent.handles) == 1
    # One asset holds both the inventory's facts and the security verdict.
    assert asset.properties["format"] == "pytorch-zip" and asset.properties["framework"] == "pytorch"
    assert asset.properties["sha256"] == hashlib.sha256(content).hexdigest()
    assert asset.properties["security_scan"] == "clean" and asset.properties["pickles"] == 1


def test_a_pickle_outside_the_inventory_names_gets_the_security_verdict_size_and_hash(make_tree: Tree) -> None:
    data = pickle.dumps(PLAIN, protocol=4)
    root = make_tree({"weights": data})
    asset = only_asset(run(ModelSecurityAnalyser(), root, "weights"))
    sha256 = hashlib.sha256(data).hexdigest()
    assert asset.properties == {"size": len(data), "sha256": sha256, "format": "pickle", "security_scan": "clean",
                                "pickles": 1}  # fmt: skip


def test_no_hash_option_is_respected(make_tree: Tree) -> None:
    root = make_tree({"model.safetensors": safetensors_bytes()})
    asset = only_asset(run(ModelSecurityAnalyser(ScanOptions(hash_models=False)), root, "model.safetensors"))
    assert "sha256" not in asset.properties
    assert asset.properties["format"] == "safetensors"


# --- Hugging Face model directories -----------------------------------------------------------------------------

CONFIG = {
    "_name_or_path": "bert-base-uncased",
    "architectures": ["BertForSequenceClassification"],
    "model_type": "bert",
    "torch_dtype": "float32",
    "transformers_version": "4.44.0",
}
CARD = """---
license: apache-2.0
pipeline_tag: text-classification
base_model: google-bert/bert-base-uncased
datasets:
  - stanfordnlp/imdb
---
# Sentiment classifier
"""


def records_of(records: list[Record], kind: AssetKind) -> list[Asset]:
    return [r for r in records if isinstance(r, Asset) and r.kind is kind]


def test_model_directory_from_config_and_card(make_tree: Tree) -> None:
    root = make_tree(
        {
            "models/sentiment/config.json": json.dumps(CONFIG, indent=2),
            "models/sentiment/README.md": CARD,
            "models/sentiment/model.safetensors": safetensors_bytes(),
            "models/sentiment/tokenizer.json": "{}",
        }
    )
    analyser = HuggingFaceModelDirAnalyser()
    from_config = run(analyser, root, "models/sentiment/config.json")
    from_card = run(analyser, root, "models/sentiment/README.md")
    assert from_config == from_card  # either file gives the same, complete picture
    (model,) = records_of(from_config, AssetKind.MODEL)
    assert model.key == f"model:huggingface:{root}/models/sentiment".lower()
    assert model.name == "sentiment"
    props = model.properties
    assert props["architecture"] == "BertForSequenceClassification"
    assert props["model_type"] == "bert"
    assert props["task"] == "text-classification"
    assert props["library"] == "transformers"
    assert props["licence"] == "apache-2.0"
    assert props["base_model"] == "google-bert/bert-base-uncased"
    assert props["files"] == ["model.safetensors"]
    assert {loc.path: loc.start_line for loc in model.locations} == {
        "models/sentiment/config.json": 3,
        "models/sentiment/README.md": 3,
    }
    (weights,) = records_of(from_config, AssetKind.MODEL_FILE)
    assert weights.key == f"model-file:{root}/models/sentiment/model.safetensors"
    (dataset,) = records_of(from_config, AssetKind.DATASET)
    assert dataset.key == "dataset:huggingface:stanfordnlp/imdb"
    relations = {(r.source, r.kind, r.target) for r in from_config if isinstance(r, Relation)}
    assert relations == {
        (model.id, RelationKind.CONTAINS, weights.id),
        (model.id, RelationKind.TRAINS_ON, dataset.id),
    }


def test_hub_cache_directory_is_named_by_repo_id(make_tree: Tree) -> None:
    snapshot = "hub/models--google--gemma-2b/snapshots/0123abcd"
    root = make_tree(
        {
            f"{snapshot}/config.json": json.dumps({"architectures": ["GemmaForCausalLM"], "model_type": "gemma"}),
            f"{snapshot}/model-00001-of-00002.safetensors": safetensors_bytes(),
            f"{snapshot}/model-00002-of-00002.safetensors": safetensors_bytes(),
        }
    )
    (model,) = records_of(run(HuggingFaceModelDirAnalyser(), root, f"{snapshot}/config.json"), AssetKind.MODEL)
    assert model.key == "model:huggingface:google/gemma-2b"
    assert model.name == "google/gemma-2b"
    assert model.version == "0123abcd"
    assert model.properties["files"] == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]


def test_gguf_repository_with_a_model_card_and_no_config(make_tree: Tree) -> None:
    card = "---\nlicense: llama3.1\nlibrary_name: gguf\nmodel-index:\n- name: acme/llama-3.1-8b-q4\n---\n"
    root = make_tree({"llm/README.md": card, "llm/llama-q4.gguf": gguf_bytes()})
    records = run(HuggingFaceModelDirAnalyser(), root, "llm/README.md")
    (model,) = records_of(records, AssetKind.MODEL)
    assert model.key == "model:huggingface:acme/llama-3.1-8b-q4"
    assert model.properties["library"] == "gguf"
    assert model.properties["licence"] == "llama3.1"
    assert [a.properties["format"] for a in records_of(records, AssetKind.MODEL_FILE)] == ["gguf"]


def test_task_from_task_specific_params(make_tree: Tree) -> None:
    config = {"architectures": ["T5ForConditionalGeneration"], "task_specific_params": {"summarization": {}}}
    root = make_tree({"t5/config.json": json.dumps(config), "t5/pytorch_model.bin": torch_zip()})
    (model,) = records_of(run(HuggingFaceModelDirAnalyser(), root, "t5/config.json"), AssetKind.MODEL)
    assert model.properties["task"] == "summarization"
    assert "library" not in model.properties


HF_DECOYS: list[tuple[dict[str, str | bytes], str]] = [
    ({"app/config.json": json.dumps({"model_type": "bert"})}, "app/config.json"),  # no weights
    ({"fw/config.json": json.dumps(CONFIG), "fw/model.bin": FIRMWARE}, "fw/config.json"),  # weights are not
    ({"web/config.json": '{"port": 8080}', "web/model.safetensors": safetensors_bytes()}, "web/config.json"),
    ({"orm/config.json": '{"model": "User"}', "orm/model.pt": torch_zip()}, "orm/config.json"),
    ({"docs/README.md": "---\ntitle: Home\nlayout: page\n---\n", "docs/a.onnx": onnx_bytes()}, "docs/README.md"),
    ({"m/README.md": "# Model\npipeline_tag: x\n", "m/model.safetensors": safetensors_bytes()}, "m/README.md"),
    (
        {"d/README.md": "---\ntask_categories:\n- text-classification\n---\n", "d/a.npy": npy_bytes()},
        "d/README.md",
    ),
]


@pytest.mark.parametrize(("files", "relpath"), HF_DECOYS)
def test_not_model_directories(make_tree: Tree, files: dict[str, str | bytes], relpath: str) -> None:
    root = make_tree(files)
    assert run(HuggingFaceModelDirAnalyser(), root, relpath) == []


def test_invalid_model_config_is_a_clear_error(make_tree: Tree) -> None:
    root = make_tree({"m/config.json": '{"model_type": "bert",', "m/model.safetensors": safetensors_bytes()})
    with pytest.raises(AnalysisError, match="model config: invalid JSON"):
        run(HuggingFaceModelDirAnalyser(), root, "m/config.json")


def test_scan_merges_directory_and_file_views(make_tree: Tree) -> None:
    weights = safetensors_bytes()
    root = make_tree(
        {
            "m/config.json": json.dumps(CONFIG),
            "m/model.safetensors": weights,
            "firmware.bin": FIRMWARE,
            "notes/model.pt": "not a model",
        }
    )
    result = scan([str(root)], ScanOptions(workers=1))
    files = {a.name: a for a in result.assets if a.kind is AssetKind.MODEL_FILE}
    assert set(files) == {"m/model.safetensors"}
    merged = files["m/model.safetensors"]
    assert merged.properties["sha256"] == hashlib.sha256(weights).hexdigest()
    (model,) = [a for a in result.assets if a.kind is AssetKind.MODEL]
    assert (model.id, "contains", merged.id) in {r.identity for r in result.relations}
    assert merged.id == asset_id(AssetKind.MODEL_FILE, f"model-file:{root}/m/model.safetensors")
    assert not [e for e in result.errors if e.analyser in ("model-files", "huggingface-model-dirs")]


def test_links_out_of_the_root_are_not_followed_from_a_model_directory(make_tree: Tree, tmp_path: Path) -> None:
    """The walk never leaves the root; reading a config's siblings must not either (a card or weights linked from
    elsewhere on the machine are not part of the scanned tree)."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "README.md").write_text(CARD, encoding="utf-8")
    (outside / "model.safetensors").write_bytes(safetensors_bytes())
    root = make_tree({"m/config.json": json.dumps(CONFIG), "m/own.safetensors": safetensors_bytes()})
    (root / "m" / "README.md").symlink_to(outside / "README.md")
    (root / "m" / "model.safetensors").symlink_to(outside / "model.safetensors")
    records = run(HuggingFaceModelDirAnalyser(), root, "m/config.json")
    (model,) = records_of(records, AssetKind.MODEL)
    assert model.properties["files"] == ["own.safetensors"]
    assert "licence" not in model.properties and "task" not in model.properties
    assert [loc.path for loc in model.locations] == ["m/config.json"]
    assert records_of(records, AssetKind.DATASET) == []


def test_links_inside_the_root_are_followed_as_in_a_hub_cache(make_tree: Tree) -> None:
    """Hugging Face cache snapshots link every file to ``../../blobs``: inside the root, so they count."""
    repo = "hub/models--acme--tiny"
    root = make_tree({f"{repo}/blobs/aaa": safetensors_bytes(), f"{repo}/blobs/bbb": CARD})
    snapshot = root / repo / "snapshots" / "rev1"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    (snapshot / "model.safetensors").symlink_to("../../blobs/aaa")
    (snapshot / "README.md").symlink_to("../../blobs/bbb")
    (model,) = records_of(
        run(HuggingFaceModelDirAnalyser(), root, f"{repo}/snapshots/rev1/config.json"), AssetKind.MODEL
    )
    assert model.key == "model:huggingface:acme/tiny"
    assert model.properties["files"] == ["model.safetensors"]
    assert model.properties["licence"] == "apache-2.0"


def test_a_zip_listed_by_the_scan_is_not_listed_again_for_identification(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree({"model.pt": torch_zip(), "broken.pt": torch_zip()[:120]})

    def must_not_list(handle: BinaryIO, size: int) -> list[str]:
        raise AssertionError("the zip was listed a second time")

    monkeypatch.setattr("aispm.files.model_headers.zip_member_names", must_not_list)
    asset = only_asset(run(ModelSecurityAnalyser(), root, "model.pt"))
    assert asset.properties["format"] == "pytorch-zip" and asset.properties["member"] == "archive/data.pkl"
    # A zip the scan could not list is identified (and found malformed) on its own.
    with pytest.raises(AnalysisError, match=r"cannot identify model file: AssertionError: .*listed a second time"):
        run(ModelSecurityAnalyser(), root, "broken.pt")
