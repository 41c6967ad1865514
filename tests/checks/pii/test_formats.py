"""Dataset formats by name and bounded decompression by magic bytes."""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from aispm.checks.pii import formats
from aispm.checks.pii.formats import compression_of_bytes, compression_of_name, dataset_format, open_dataset
from aispm.checks.pii.records import DatasetReadError, ReadLimits

JSONL = b"".join(b'{"messages": [{"role": "user", "content": "row %d"}]}\n' % i for i in range(20_000))
CSV = b"name,email\n" + b"".join(b"person %d,p%d@example.org\n" % (i, i) for i in range(20_000))


def _zstd(data: bytes) -> bytes:
    return bytes(pa.Codec("zstd").compress(data, asbytes=True))


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": _zstd,
}


def _read_all(path: Path, limits: ReadLimits | None = None) -> tuple[str, bytes]:
    fmt, stream = open_dataset(path, limits or ReadLimits())
    with stream:
        return fmt, stream.read()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("train.csv", "csv"),
        ("dev.TSV", "tsv"),
        ("chat.jsonl", "jsonl"),
        ("chat.ndjson", "jsonl"),
        ("records.json", "json"),
        ("train-00000-of-00004.parquet", "parquet"),
        ("data-00000-of-00001.arrow", "arrow"),
        ("table.feather", "feather"),
        ("corpus.txt", "text"),
        ("notes.md", "text"),
        ("notes.markdown", "text"),
        ("chat.jsonl.gz", "jsonl"),
        ("train.csv.bz2", "csv"),
        ("corpus.txt.xz", "text"),
        ("train-00001-of-00002.parquet.zst", "parquet"),
    ],
)
def test_dataset_format_names_the_inner_format(name: str, expected: str) -> None:
    assert dataset_format(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "README.md",
        "LICENSE.txt",
        "requirements.txt",
        "requirements-dev.txt",
        "CHANGELOG.md",
        "dataset_info.json",
        "state.json",
        "dataset_dict.json",
        "package.json",
        "tsconfig.json",
        "model.safetensors",
        "train.avro",
        "train.tfrecord",
        "archive.gz",
        "report.docx",
        "script.py",
    ],
)
def test_dataset_format_ignores_documents_configs_and_unreadable_formats(name: str) -> None:
    assert dataset_format(name) is None


def test_compression_is_told_by_magic_bytes() -> None:
    assert compression_of_bytes(gzip.compress(b"x")) == "gzip"
    assert compression_of_bytes(bz2.compress(b"x")) == "bz2"
    assert compression_of_bytes(bz2.compress(b"")) == "bz2"
    assert compression_of_bytes(lzma.compress(b"x")) == "xz"
    assert compression_of_bytes(_zstd(b"x")) == "zstd"
    # Text that merely starts like a bzip2 header, and plain data, are not compressed.
    assert compression_of_bytes(b"BZh9 is a name,email\n") is None
    assert compression_of_bytes(b'{"a": 1}\n') is None
    assert compression_of_bytes(b"") is None
    assert compression_of_name("x.jsonl.gz") == "gzip"
    assert compression_of_name("x.jsonl") is None


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
@pytest.mark.parametrize(("inner", "fmt", "data"), [("chat.jsonl", "jsonl", JSONL), ("people.csv", "csv", CSV)])
def test_open_dataset_decompresses_each_compression(
    tmp_path: Path, suffix: str, inner: str, fmt: str, data: bytes
) -> None:
    path = tmp_path / (inner + suffix)
    path.write_bytes(COMPRESSORS[suffix](data))
    assert _read_all(path) == (fmt, data)


def test_open_dataset_returns_an_uncompressed_file_seekable(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(CSV)
    fmt, stream = open_dataset(path, ReadLimits())
    with stream:
        assert fmt == "csv"
        assert stream.seekable()
        assert stream.read(4) == b"name"
        stream.seek(0)
        assert stream.read() == CSV


def test_a_dataset_named_plain_but_compressed_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_bytes(gzip.compress(JSONL))
    assert _read_all(path) == ("jsonl", JSONL)


def test_concatenated_gzip_members_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl.gz"
    path.write_bytes(gzip.compress(JSONL[:1000]) + gzip.compress(JSONL[1000:]))
    assert _read_all(path) == ("jsonl", JSONL)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("chat.jsonl.gz", JSONL, "named as gzip but holds uncompressed data"),
        ("chat.jsonl.gz", lzma.compress(JSONL), "named as gzip but holds xz data"),
        ("chat.jsonl.bz2", b"", "named as bz2 but holds an empty file"),
    ],
)
def test_a_suffix_that_lies_about_compression_is_an_error(tmp_path: Path, name: str, content: bytes, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DatasetReadError, match=says):
        open_dataset(path, ReadLimits())


def test_unknown_format_and_missing_file_are_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetReadError, match="not a dataset format"):
        open_dataset(tmp_path / "model.safetensors", ReadLimits())
    with pytest.raises(DatasetReadError, match=r"cannot open missing\.csv"):
        open_dataset(tmp_path / "missing.csv", ReadLimits())


def _write_zeros(path: Path, suffix: str, mib: int) -> None:
    """``mib`` MiB of zeros compressed in a streaming way (the test itself must not hold the bomb in memory)."""
    block = b"\0" * (1 << 20)
    if suffix == ".zst":
        with pa.CompressedOutputStream(str(path), "zstd") as sink:
            for _ in range(mib):
                sink.write(block)
        return
    openers: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    with openers[suffix](path, "wb") as out:
        for _ in range(mib):
            out.write(block)


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_a_decompression_bomb_stops_at_the_byte_limit(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / ("bomb.jsonl" + suffix)
    _write_zeros(path, suffix, 64)
    assert path.stat().st_size < 1 << 20
    fmt, stream = open_dataset(path, ReadLimits(max_bytes=3 << 20))
    got = 0
    with stream, pytest.raises(DatasetReadError, match="stopped after 3145728 decompressed bytes") as caught:
        while chunk := stream.read(1 << 20):
            got += len(chunk)
    assert fmt == "jsonl"
    assert got == 3 << 20
    assert caught.value.progress.bytes == 3 << 20
    assert caught.value.progress.stopped is not None


def test_the_default_cap_applies_without_a_byte_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "DEFAULT_MAX_DECOMPRESSED_BYTES", 100_000)
    path = tmp_path / "chat.jsonl.xz"
    path.write_bytes(lzma.compress(JSONL))
    with pytest.raises(DatasetReadError, match="stopped after 100000 decompressed bytes"):
        _read_all(path)


def test_data_exactly_at_the_limit_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "people.csv.gz"
    path.write_bytes(gzip.compress(CSV))
    assert _read_all(path, ReadLimits(max_bytes=len(CSV))) == ("csv", CSV)
    with pytest.raises(DatasetReadError, match="stopped after"):
        _read_all(path, ReadLimits(max_bytes=len(CSV) - 1))


@pytest.mark.parametrize("suffix", [".gz", ".xz", ".zst"])
def test_a_truncated_stream_hands_over_what_came_before_then_errs(tmp_path: Path, suffix: str) -> None:
    big = JSONL * 2
    path = tmp_path / ("chat.jsonl" + suffix)
    path.write_bytes(COMPRESSORS[suffix](big)[:-64])
    _, stream = open_dataset(path, ReadLimits())
    got = bytearray()
    with stream, pytest.raises(DatasetReadError, match=r"truncated|corrupt") as caught:
        while chunk := stream.read(64 * 1024):
            got += chunk
    assert 0 < len(got) < len(big)
    assert big.startswith(bytes(got))
    assert caught.value.progress.bytes >= len(got)


def test_corrupt_compressed_data_is_a_dataset_read_error(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(JSONL))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xa5" * 64
    path = tmp_path / "chat.jsonl.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetReadError, match="gzip data"):
        _read_all(path)


def test_closing_the_stream_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl.bz2"
    path.write_bytes(bz2.compress(JSONL))
    _, stream = open_dataset(path, ReadLimits())
    stream.read(10)
    stream.close()
    assert stream.closed
    with pytest.raises(ValueError, match="closed"):
        stream.read(1)


def test_zstd_frames_are_read_across(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl.zst"
    path.write_bytes(_zstd(JSONL[:5000]) + _zstd(JSONL[5000:]))  # two frames, as ``zstd`` appends them
    assert _read_all(path) == ("jsonl", JSONL)


def test_zstd_without_a_decoder_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "chat.jsonl.zst"
    path.write_bytes(_zstd(JSONL))
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes ``import pyarrow`` fail
    with pytest.raises(DatasetReadError, match="no zstd codec"):
        open_dataset(path, ReadLimits())


# --- a stream that breaks off: everything decoded before the break is scanned, then the error says how far ---------
MAILS = b"".join(
    b'{"messages": [{"role": "user", "content": "write to kim.%d@gmail.com"}]}\n' % i for i in range(30_000)
)
PARTIAL_COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".bz2": lambda data: bz2.compress(data, compresslevel=1),  # 100 kB blocks: a bzip2 block decodes only whole
    ".xz": lzma.compress,
}
KINDS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}


@pytest.mark.parametrize("suffix", list(PARTIAL_COMPRESSORS))
def test_big_reads_of_a_truncated_stream_keep_what_came_before(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / ("chat.jsonl" + suffix)
    compressed = PARTIAL_COMPRESSORS[suffix](MAILS)
    path.write_bytes(compressed[: len(compressed) * 6 // 10])
    _, stream = open_dataset(path, ReadLimits())
    with stream:
        first = stream.read(4 << 20)  # more than the whole file holds: the gathered part comes back first ...
        assert 0 < len(first) < len(MAILS) and MAILS.startswith(first)
        with pytest.raises(DatasetReadError, match=f"{KINDS[suffix]} data is truncated"):
            stream.read(4 << 20)  # ... and the next read reports the break


@pytest.mark.parametrize("suffix", list(PARTIAL_COMPRESSORS))
def test_scan_dataset_profiles_a_truncated_file_up_to_the_break(tmp_path: Path, suffix: str) -> None:
    from aispm.checks.pii.entities import EntityType
    from aispm.checks.pii.scanner import scan_dataset

    path = tmp_path / ("chat.jsonl" + suffix)
    compressed = PARTIAL_COMPRESSORS[suffix](MAILS)
    path.write_bytes(compressed[: len(compressed) * 6 // 10])
    profile = scan_dataset(path, credentials=False)
    assert profile.error is not None
    match = re.search(r"truncated after (\d+) decompressed bytes", profile.error)
    assert match is not None
    decoded = int(match.group(1))
    assert len(MAILS) // 3 < decoded < len(MAILS)
    assert profile.bytes == decoded
    whole_lines = MAILS[:decoded].count(b"\n")  # the line cut by the break is not valid JSON: scanned as text
    assert profile.entities[EntityType.EMAIL].count in (whole_lines, whole_lines + 1)


def test_scan_dataset_profiles_a_corrupt_gzip_up_to_the_damage(tmp_path: Path) -> None:
    from aispm.checks.pii.scanner import scan_dataset

    data = bytearray(gzip.compress(MAILS))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xa5" * 64
    path = tmp_path / "chat.jsonl.gz"
    path.write_bytes(bytes(data))
    profile = scan_dataset(path, credentials=False)
    assert profile.error is not None and profile.error.startswith("corrupt gzip data after")
    assert profile.rows > 1000 and profile.entities
    # The kind of error, never the decompressor's message (which may quote the data).
    assert re.fullmatch(r"corrupt gzip data after \d+ decompressed bytes \(\w+\)", profile.error), profile.error
