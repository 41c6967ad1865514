from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from aispm.checks.modelfiles.analyser import report_findings
from aispm.checks.modelfiles.archives import ModelScanReport, ScanLimits, scan_model_file, sniff
from aispm.files.content import FileContent
from aispm.files.walk import FileRef

from .builders import (
    Ops,
    benign_numpy_pickle,
    benign_sklearn_pickle,
    evil_reduce,
    gguf_bytes,
    keras_config,
    npy_bytes,
    onnx_model,
    onnx_tensor,
    safetensors_bytes,
    tar_bytes,
    torch_data_pkl,
    torch_zip,
    zip_bytes,
)

EVIL = evil_reduce(2)


def scan(data: bytes, name: str, limits: ScanLimits | None = None) -> ModelScanReport:
    report = scan_model_file(io.BytesIO(data), name, len(data), limits or ScanLimits())
    assert report is not None
    return report


def dangerous_members(report: ModelScanReport) -> list[str]:
    return [found.member for found in report.pickles if ("os", "system") in found.scan.globals]


def all_issue_kinds(report: ModelScanReport) -> list[str]:
    kinds = [issue.kind for issue in report.issues]
    for found in report.pickles:
        kinds += [issue.kind for issue in found.scan.issues]
    return kinds


def test_benign_torch_zip_checkpoint_reads_only_its_pickle() -> None:
    report = scan(torch_zip(torch_data_pkl()), "pytorch_model.bin")
    assert report.format == "pytorch-zip"
    assert [found.member for found in report.pickles] == ["archive/data.pkl"]
    assert dangerous_members(report) == [] and all_issue_kinds(report) == []


def test_payload_in_data_pkl_is_located_on_its_member() -> None:
    payload = Ops(None).call("os", "system", "echo aispm-canary").raw(b"0")
    report = scan(torch_zip(torch_data_pkl(extra=payload), prefix="my_model"), "model.pt")
    assert dangerous_members(report) == ["my_model/data.pkl"]


def test_extra_pickle_with_a_non_standard_name_is_found() -> None:
    report = scan(torch_zip(torch_data_pkl(), extra={"archive/extra/hook": EVIL}), "model.pt")
    assert dangerous_members(report) == ["archive/extra/hook"]


def test_torchscript_style_members_are_scanned() -> None:
    report = scan(torch_zip(torch_data_pkl(), extra={"archive/constants.pkl": EVIL}), "model.pt")
    assert dangerous_members(report) == ["archive/constants.pkl"]


@pytest.mark.parametrize(
    ("compress", "name"),
    [
        (zlib.compress, "model.joblib"),
        (gzip.compress, "model.joblib"),
        (bz2.compress, "model.pkl"),
        (lzma.compress, "model.joblib"),
        (lambda data: lzma.compress(data, format=lzma.FORMAT_ALONE), "model.joblib"),
        (gzip.compress, "model.pkl.gz"),
        (bz2.compress, "model.pt.bz2"),
        (lzma.compress, "weights.pkl.xz"),
    ],
)
def test_compressed_pickles_are_decompressed_as_streams(compress: object, name: str) -> None:
    report = scan(compress(EVIL), name)  # type: ignore[operator]
    assert dangerous_members(report) == [""]
    benign = scan(compress(benign_sklearn_pickle()), name)  # type: ignore[operator]
    assert dangerous_members(benign) == [] and all_issue_kinds(benign) == []


def test_old_joblib_zf_format_is_read() -> None:
    data = b"ZF" + b"0x" + format(len(EVIL), "x").encode().ljust(17) + zlib.compress(EVIL)
    assert dangerous_members(scan(data, "model.pkl")) == [""]


def test_numpy_object_array_pickle_is_walked() -> None:
    report = scan(npy_bytes(EVIL), "features.npy")
    assert report.format == "numpy" and dangerous_members(report) == [""]
    benign = scan(npy_bytes(benign_numpy_pickle()), "features.npy")
    assert dangerous_members(benign) == [] and all_issue_kinds(benign) == []


def test_numpy_plain_array_is_not_a_pickle() -> None:
    report = scan(npy_bytes(b"cos\nsystem\n" * 4, descr="<f8", shape="(5,)"), "features.npy")
    assert report.pickles == [] and report.issues == []


def test_structured_dtype_with_object_fields_counts_as_object() -> None:
    data = npy_bytes(EVIL, descr="[('a', '<i8'), ('b', '|O')]").replace(b"'[(", b"[(").replace(b")]'", b")]")
    assert dangerous_members(scan(data, "x.npy")) == [""]


def test_npz_members_are_walked() -> None:
    data = zip_bytes({"a.npy": npy_bytes(b"\0" * 8, descr="<f8"), "b.npy": npy_bytes(EVIL)}, zipfile.ZIP_DEFLATED)
    report = scan(data, "arrays.npz")
    assert report.format == "npz" and dangerous_members(report) == ["b.npy"]


def test_nested_archives_are_followed_and_members_named() -> None:
    inner_zip = torch_zip(EVIL)
    data = gzip.compress(tar_bytes({"bundle/model.pt": inner_zip, "bundle/readme.txt": b"hello"}))
    report = scan(data, "model.tar.gz")
    assert dangerous_members(report) == ["bundle/model.pt/archive/data.pkl"]


def test_plain_tar_with_a_plain_pickle_member() -> None:
    report = scan(tar_bytes({"model/weights.pkl": EVIL, "model/notes": b"just text"}), "model.tar")
    assert dangerous_members(report) == ["model/weights.pkl"]


def test_nesting_beyond_the_depth_limit_is_incomplete() -> None:
    data = EVIL
    for _ in range(4):
        data = gzip.compress(data)
    report = scan(data, "deep.pkl.gz", ScanLimits(max_depth=2))
    assert "incomplete" in all_issue_kinds(report) and dangerous_members(report) == []


def test_zip_bomb_member_is_reported_and_not_inflated() -> None:
    bomb = zip_bytes({"archive/data.pkl": torch_data_pkl(), "archive/big": b"\0" * (8 << 20)}, zipfile.ZIP_DEFLATED)
    report = scan(bomb, "model.pt", ScanLimits(bomb_floor=1 << 20))
    assert [(issue.kind, issue.member) for issue in report.issues] == [("bomb", "archive/big")]


def test_gzip_bomb_exhausts_the_budget_as_incomplete() -> None:
    payload = b"\x80\x04" + b"N0" * (2 << 20) + b"N."
    report = scan(gzip.compress(payload), "model.pkl.gz", ScanLimits(bomb_floor=1 << 20, bomb_ratio=10))
    assert "incomplete" in all_issue_kinds(report)
    assert any("decompression bomb" in issue.message for found in report.pickles for issue in found.scan.issues)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"PK\x03\x04" + b"\0" * 60, "model.pt"),  # zip without a directory
        (torch_zip(torch_data_pkl())[:-30], "model.pt"),  # truncated end record
        (gzip.compress(EVIL, mtime=0)[:-12], "model.pkl.gz"),  # truncated gzip stream
        (b"\x1f\x8b\x08" + b"\xff" * 40, "model.pkl.gz"),  # corrupt gzip
        (b"BZh9" + b"\x00" * 40, "model.pkl"),  # corrupt bz2
        (npy_bytes(EVIL)[:12], "x.npy"),  # header cut short
    ],
)
def test_corrupt_containers_are_reported_not_raised(data: bytes, name: str) -> None:
    report = scan_model_file(io.BytesIO(data), name, len(data))
    if report is None:  # not even recognisable: nothing to report, but no crash
        return
    assert {"malformed", "incomplete"} & set(all_issue_kinds(report))


def test_truncated_gzip_keeps_the_payload_seen_before_the_cut() -> None:
    report = scan(gzip.compress(EVIL)[:-12], "model.pkl.gz")
    assert dangerous_members(report) == [""]


def test_lz4_compressed_joblib_is_decompressed_and_walked() -> None:
    lz4_frame = pytest.importorskip("lz4.frame")
    assert dangerous_members(scan(lz4_frame.compress(EVIL), "model.joblib")) == [""]
    assert dangerous_members(scan(lz4_frame.compress(EVIL), "model.pkl.lz4")) == [""]
    benign = scan(lz4_frame.compress(benign_sklearn_pickle()), "model.joblib")
    assert benign.issues == [] and [p.scan.globals for p in benign.pickles if not p.scan.complete] == []


def test_corrupt_lz4_is_malformed() -> None:
    pytest.importorskip("lz4.frame")
    report = scan(b'\x04"M\x18' + b"\0" * 40, "model.pkl.lz4")
    assert "malformed" in all_issue_kinds(report)


def test_lz4_without_the_optional_package_is_reported_as_not_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aispm.checks.modelfiles.archives.lz4_decompressor", lambda: None)
    report = scan(b'\x04"M\x18' + b"\0" * 40, "model.pkl.lz4")
    assert [issue.kind for issue in report.issues] == ["incomplete"]
    assert "lz4" in report.issues[0].message and "not analysed" in report.issues[0].message


def test_extension_that_lies_is_ignored_in_favour_of_the_bytes() -> None:
    assert dangerous_members(scan(EVIL, "model.safetensors")) == [""]
    assert dangerous_members(scan(torch_zip(EVIL), "weights.h5")) == ["archive/data.pkl"]


def test_headerless_protocol0_pickle_under_any_name() -> None:
    data = pickle.dumps({"a": 1}, protocol=0)[:-1] + Ops(None).call("os", "system", "x").raw(b"s.").build()
    assert sniff(data, "blob", pickle_fallback=True) == "pickle"
    assert sniff(b"just some text\n", "blob", pickle_fallback=True) is None


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b'{"a": 1}', "config.json"),
        (b"GGUF\x03\x00\x00\x00" + b"\0" * 24, "model.gguf"),
        (zip_bytes({"readme.txt": b"hello"}), "docs.zip"),
        (b"", "model.bin"),  # an empty .pkl or .pt is a broken model file (test_analyser), an empty .bin anything
    ],
)
def test_files_without_pickles(data: bytes, name: str) -> None:
    report = scan_model_file(io.BytesIO(data), name, len(data))
    assert report is None or (dangerous_members(report) == [] and report.issues == [])


def test_mutated_files_never_crash_the_scanner() -> None:
    """A deterministic fuzz: random byte flips, cuts and insertions in every container kind."""
    seeds = [
        (EVIL, "a.pkl"),
        (benign_sklearn_pickle(), "b.pkl"),
        (torch_zip(torch_data_pkl()), "m.pt"),
        (gzip.compress(benign_sklearn_pickle(), mtime=0), "c.joblib"),
        (npy_bytes(benign_numpy_pickle()), "x.npy"),
        (tar_bytes({"pickle": torch_data_pkl(), "storages": b"\x80\x02K\x00.\x80\x02]."}), "l.pt"),
        (zip_bytes({"a.npy": npy_bytes(EVIL)}, zipfile.ZIP_DEFLATED), "z.npz"),
        (gguf_bytes("{{ x.__class__ }}", tokens=30), "m.gguf"),
        (safetensors_bytes({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8), "m.safetensors"),
        (zip_bytes({"metadata.json": b"{}", "config.json": keras_config(), "model.weights.h5": b"x"}), "m.keras"),
        (onnx_model([onnx_tensor("w", location="x.data"), onnx_tensor("b")], domains=("", "com.x")), "m.onnx"),
    ]
    rng = random.Random(6)
    for _ in range(800):
        original, name = rng.choice(seeds)
        data = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(max(len(data), 1))
            choice = rng.random()
            if choice < 0.5 and data:
                data[pos] = rng.randrange(256)
            elif choice < 0.7:
                del data[pos : pos + rng.randint(1, 8)]
            elif choice < 0.9:
                data[pos:pos] = rng.randbytes(rng.randint(1, 8))
            else:
                del data[pos:]
        report = scan_model_file(io.BytesIO(bytes(data)), name, len(data))
        if report is not None:
            ref = FileRef("root", Path(name), name, len(data))
            list(report_findings(report, FileContent(ref, bytes(data))))


def test_extensionless_pickle_in_a_generic_zip_is_found() -> None:
    report = scan(zip_bytes({"bundle/payload": EVIL, "bundle/readme": b"hello"}), "bundle.zip")
    assert dangerous_members(report) == ["bundle/payload"]


@pytest.mark.parametrize("protocol", [0, 1])
def test_proto_header_0_and_1_is_still_a_pickle(protocol: int) -> None:
    """pickle.load accepts PROTO 0/1 (no pickler writes them), so they must not hide a pickle from the sniffer."""
    data = b"\x80" + bytes([protocol]) + Ops(None).call("os", "system", "x").stop().build()
    assert dangerous_members(scan(data, "model.bin")) == [""]
    assert dangerous_members(scan(data, "blob")) == [""]


def test_bad_opcode_after_a_proto_header_under_a_pickle_name_is_malformed() -> None:
    report = scan(b"\x80\x02\xff\xfe.", "model.pkl")
    assert all_issue_kinds(report) == ["malformed"]


def test_random_binary_starting_like_a_proto_header_is_not_a_pickle() -> None:
    assert scan_model_file(io.BytesIO(b"\x80\x02\xff" + bytes(64)), "firmware.bin", 67) is None


@pytest.mark.parametrize(
    ("name", "data"),
    [("model.safetensors", struct.pack("<Q", 2**60) + b'{"a": 1}'), ("model.onnx", b"\x08\x07\x12\x03abc\x3f\xff"),
     ("model.gguf", b"<html>not found</html>"), ("x.npy", b"just text, not numpy")],
)  # fmt: skip
def test_strong_extension_whose_bytes_are_no_such_file_is_malformed(name: str, data: bytes) -> None:
    report = scan(data, name)
    assert [issue.kind for issue in report.issues] == ["malformed"] and "not a valid" in report.issues[0].message


def test_git_lfs_pointer_under_a_strong_extension_is_not_malformed() -> None:
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 12\n"
    assert scan_model_file(io.BytesIO(pointer), "model.safetensors", len(pointer)) is None


def test_zip_with_an_absurd_directory_is_malformed_without_listing_it() -> None:
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFF0, 0, 0)
    report = scan(b"PK\x03\x04" + bytes(40) + end, "model.zip")
    assert "malformed" in all_issue_kinds(report)
