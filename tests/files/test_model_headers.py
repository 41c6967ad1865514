from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest

from aispm.files.model_headers import (
    MalformedModel,
    gguf_facts,
    header_facts,
    numpy_facts,
    safetensors_facts,
    zip_facts,
    zip_member_names,
)


def safetensors_bytes(header: dict[str, object], data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def gguf_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf_bytes(entries: list[bytes], tensors: int = 291, declared: int | None = None) -> bytes:
    count = len(entries) if declared is None else declared
    return b"GGUF" + struct.pack("<IQQ", 3, tensors, count) + b"".join(entries)


def kv_string(key: str, value: str) -> bytes:
    return gguf_string(key) + struct.pack("<I", 8) + gguf_string(value)


def kv_u32(key: str, value: int) -> bytes:
    return gguf_string(key) + struct.pack("<II", 4, value)


def npy_bytes(descr: str, shape: str) -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1") + b"\0" * 48


TENSORS = {
    "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
    "b": {"dtype": "BF16", "shape": [3], "data_offsets": [24, 30]},
    "__metadata__": {"format": "pt"},
}


def test_safetensors_facts() -> None:
    data = safetensors_bytes(TENSORS, b"\0" * 30)
    facts = safetensors_facts(io.BytesIO(data), data, len(data))
    assert facts["tensors"] == 2
    assert facts["parameters"] == 9
    assert facts["dtypes"] == ["BF16", "F32"]
    assert facts["weights_format"] == "pt"


def test_safetensors_header_beyond_the_head_is_read_from_the_file() -> None:
    data = safetensors_bytes(TENSORS, b"\0" * 30)
    facts = safetensors_facts(io.BytesIO(data), data[:16], len(data))
    assert facts["tensors"] == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x01\x02", "too short"),
        (struct.pack("<Q", 500) + b"{}", "does not fit"),
        (safetensors_bytes(TENSORS, b"\0" * 10), "truncated: tensor data ends at byte"),
        (struct.pack("<Q", 5) + b"{nope", "not valid JSON"),
        (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
        (safetensors_bytes({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "lacks"),
    ],
)
def test_broken_safetensors_are_malformed(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedModel, match=reason):
        safetensors_facts(io.BytesIO(data), data, len(data))


@pytest.mark.parametrize(
    ("shape", "reason"),
    [
        ([10**18] * 300, "implausible shape \\(300 dimensions\\)"),  # its product had 5,400 digits: unprintable
        ([1] * 65, "implausible shape \\(65 dimensions\\)"),
        ([2**32, 2**32], "implausible shape \\(more than 2\\*\\*63 elements\\)"),
        ([10**30], "more than 2"),
    ],
)
def test_implausible_safetensors_shapes_are_malformed(shape: list[int], reason: str) -> None:
    data = safetensors_bytes({"t": {"dtype": "F32", "shape": shape, "data_offsets": [0, 4]}}, b"\0" * 4)
    with pytest.raises(MalformedModel, match=reason):
        safetensors_facts(io.BytesIO(data), data, len(data))


@pytest.mark.parametrize("shape", [[1] * 64, [2**31, 2**32], [0, 10**30], [2**63]])
def test_large_but_possible_safetensors_shapes_are_counted(shape: list[int]) -> None:
    data = safetensors_bytes({"t": {"dtype": "F32", "shape": shape, "data_offsets": [0, 4]}}, b"\0" * 4)
    count = 1
    for dim in shape:
        count *= dim
    assert safetensors_facts(io.BytesIO(data), data, len(data))["parameters"] == count


def test_gguf_general_metadata() -> None:
    data = gguf_bytes(
        [
            kv_string("general.architecture", "llama"),
            kv_u32("general.quantization_version", 2),
            kv_string("general.name", "Tiny Llama"),
            kv_u32("general.file_type", 15),
        ]
    )
    facts = gguf_facts(data, len(data) + 10_000)
    assert facts == {
        "gguf_version": 3,
        "tensors": 291,
        "metadata_entries": 4,
        "architecture": "llama",
        "model_name": "Tiny Llama",
        "file_type": 15,
    }


def test_gguf_stops_quietly_at_the_end_of_the_head_of_a_large_file() -> None:
    vocabulary = gguf_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 100_000) + gguf_string("a") * 10
    data = gguf_bytes([kv_string("general.architecture", "qwen2"), vocabulary])
    facts = gguf_facts(data, 10**9)
    assert facts["architecture"] == "qwen2"


def test_gguf_truncated_or_invalid() -> None:
    whole = gguf_bytes([kv_string("general.architecture", "llama")], declared=3)
    with pytest.raises(MalformedModel, match="truncated"):
        gguf_facts(whole, len(whole))
    with pytest.raises(MalformedModel, match="invalid GGUF version"):
        gguf_facts(b"GGUF" + struct.pack("<I", 0) + b"\0" * 16, 24)
    bad_type = gguf_bytes([gguf_string("general.x") + struct.pack("<I", 77)])
    with pytest.raises(MalformedModel, match="invalid metadata value type 77"):
        gguf_facts(bad_type, len(bad_type))
    huge_string = gguf_bytes([struct.pack("<Q", 10**12)])
    with pytest.raises(MalformedModel, match="implausible"):
        gguf_facts(huge_string, 10**13)


def test_numpy_facts() -> None:
    data = npy_bytes("<f4", "(3, 4)")
    assert numpy_facts(data, len(data)) == {"dtype": "<f4", "shape": [3, 4]}
    objects = npy_bytes("|O", "(2,)")
    assert numpy_facts(objects, len(objects))["object_dtype"] is True
    with pytest.raises(MalformedModel, match="does not fit"):
        numpy_facts(data[:12], 12)
    hostile = npy_bytes("<f4", "(L, 3L)")
    assert numpy_facts(hostile, len(hostile))["shape"] == [3]


def test_zip_facts_from_the_central_directory() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model/data.pkl", b"\x80\x02}.")
        archive.writestr("model/code/__torch__.py", b"")
        archive.writestr("model/data/0", b"\0" * 16)
    fmt, facts = zip_facts(buffer, len(buffer.getvalue()))
    assert fmt == "pytorch-zip"
    assert facts == {"members": 3, "member": "model/data.pkl", "torchscript": True}


def test_truncated_zip_is_malformed() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}." * 100)
    cut = buffer.getvalue()[:200]
    with pytest.raises(MalformedModel, match="end-of-archive record missing"):
        zip_member_names(io.BytesIO(cut), len(cut))


def test_header_facts_dispatch() -> None:
    data = npy_bytes("<i8", "(5,)")
    assert header_facts("numpy", io.BytesIO(data), data, len(data)) == ("numpy", {"dtype": "<i8", "shape": [5]})
    assert header_facts("tflite", io.BytesIO(b""), b"", 0) == ("tflite", {})
