"""Parquet and Arrow IPC readers: which columns become cells, row numbers, limits, and broken files."""

from __future__ import annotations

import datetime
import gzip
import io
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from aispm.checks.pii.formats import dataset_format, open_dataset
from aispm.checks.pii.readers import columnar, reader_for
from aispm.checks.pii.readers.columnar import read_arrow, read_parquet
from aispm.checks.pii.records import Cell, DatasetReadError, ReadLimits, ReadProgress

Reader = Callable[[BinaryIO, ReadLimits, ReadProgress], Iterator[list[Cell]]]

MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def _people(rows: int = 6) -> pa.Table:
    """A table mixing text columns (which are read) with columns that must not be."""
    return pa.table(
        {
            "name": [f"Person {i}" for i in range(rows)],
            "email": pa.array([f"p{i}@example.org" for i in range(rows)], pa.large_string()),
            "city": pa.array([["Leeds", "York"][i % 2] for i in range(rows)]).dictionary_encode(),
            "ssn": pa.array([78051120 + i for i in range(rows)], pa.int64()),
            "dob": pa.array([datetime.date(1980, 1, 1) + datetime.timedelta(days=i) for i in range(rows)], pa.date32()),
            "order_id": pa.array([5550123400 + i for i in range(rows)], pa.int64()),
            "created_at": pa.array(
                [datetime.date(2024, 1, 1) + datetime.timedelta(days=i) for i in range(rows)], pa.date32()
            ),
            "score": [0.5 * i for i in range(rows)],
            "photo": pa.array([b"jane@example.org" for _ in range(rows)], pa.binary()),
        }
    )


def _cells(reader: Reader, stream: BinaryIO, limits: ReadLimits | None = None) -> tuple[list[Cell], ReadProgress]:
    progress = ReadProgress()
    cells = [cell for batch in reader(stream, limits or ReadLimits(), progress) for cell in batch]
    return cells, progress


def _place(cell: Cell) -> tuple[int, str]:
    return cell.row or 0, cell.field or ""


def _parquet_bytes(table: pa.Table, **options: object) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)
    return sink.getvalue()


def _ipc_stream_bytes(table: pa.Table, max_chunksize: int | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max_chunksize)
    return bytes(sink.getvalue().to_pybytes())


def _ipc_file_bytes(table: pa.Table, max_chunksize: int | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max_chunksize)
    return bytes(sink.getvalue().to_pybytes())


class _ForwardOnly(io.RawIOBase):
    """A stream that cannot seek, like a decompressed file."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _forward_only(data: bytes) -> BinaryIO:
    return io.BufferedReader(_ForwardOnly(data))


def test_registered_for_their_formats() -> None:
    assert reader_for("parquet") is read_parquet
    assert reader_for("arrow") is read_arrow
    assert reader_for("feather") is read_arrow


def test_parquet_reads_text_and_personal_columns_only() -> None:
    cells, progress = _cells(read_parquet, io.BytesIO(_parquet_bytes(_people(3))))
    assert {cell.field for cell in cells} == {"name", "email", "city", "ssn", "dob"}
    row_two = [(cell.field, cell.text) for cell in cells if cell.row == 2]
    assert row_two == [
        ("name", "Person 1"),
        ("email", "p1@example.org"),
        ("city", "York"),
        ("ssn", "78051121"),
        ("dob", "1980-01-02"),
    ]
    # Decoys: ids, timestamps, floats and binary blobs are not personal text.
    assert not any(cell.text.startswith("555") or cell.text.startswith("2024") for cell in cells)
    assert not any("jane" in cell.text for cell in cells)
    assert (progress.rows, progress.stopped) == (3, None)
    assert progress.bytes > 0


def test_chat_messages_give_content_cells_with_the_role_as_context() -> None:
    table = pa.table(
        {
            "messages": pa.array(
                [
                    [
                        {"role": "system", "content": "You are helpful."},
                        {"role": "user", "content": "Mail me at ann@example.org"},
                    ],
                    [],
                    None,
                    [{"role": "assistant", "content": None}, {"role": "user", "content": "Call 020 7946 0958"}],
                ],
                MESSAGES,
            )
        }
    )
    cells, progress = _cells(read_parquet, io.BytesIO(_parquet_bytes(table)))
    assert [(c.text, c.field, c.row, c.context) for c in cells] == [
        ("You are helpful.", "messages.content", 1, "system"),
        ("Mail me at ann@example.org", "messages.content", 1, "user"),
        ("Call 020 7946 0958", "messages.content", 4, "user"),
    ]
    assert progress.rows == 4


def test_nested_lists_structs_and_maps_are_flattened_by_key_path() -> None:
    table = pa.table(
        {
            "tags": pa.array([["alpha", "beta"]], pa.list_(pa.string())),
            "customer": pa.array(
                [{"full_name": "Ann Lee", "phone": 2079460958, "address": {"street": "1 High St"}, "age": 41}],
                pa.struct(
                    [
                        ("full_name", pa.string()),
                        ("phone", pa.int64()),
                        ("address", pa.struct([("street", pa.string())])),
                        ("age", pa.int32()),
                    ]
                ),
            ),
            "attributes": pa.array([[("contact", "bo@example.org")]], pa.map_(pa.string(), pa.string())),
            "conversation": pa.array(
                [[{"from": "human", "value": "I was born on 1 May 1980"}]],
                pa.list_(pa.struct([("from", pa.string()), ("value", pa.string())])),
            ),
        }
    )
    cells, _ = _cells(read_parquet, io.BytesIO(_parquet_bytes(table)))
    assert [(c.text, c.field, c.context) for c in cells] == [
        ("alpha", "tags", None),
        ("beta", "tags", None),
        ("Ann Lee", "customer.full_name", None),
        ("2079460958", "customer.phone", None),
        ("1 High St", "customer.address.street", None),
        ("bo@example.org", "attributes.contact", None),
        ("human", "conversation.from", "human"),
        ("I was born on 1 May 1980", "conversation.value", "human"),
    ]


def test_rows_are_numbered_across_row_groups_and_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "ROWS_PER_BATCH", 7)
    table = pa.table({"email": [f"u{i}@example.org" for i in range(50)]})
    cells, progress = _cells(read_parquet, io.BytesIO(_parquet_bytes(table, row_group_size=20)))
    assert [cell.row for cell in cells] == list(range(1, 51))
    assert [cell.text for cell in cells] == table.column("email").to_pylist()
    assert progress.rows == 50


def test_cells_come_in_lists_of_batch_cells() -> None:
    table = pa.table({"a": [f"a{i}" for i in range(100)], "b": [f"b{i}" for i in range(100)]})
    progress = ReadProgress()
    batches = list(read_parquet(io.BytesIO(_parquet_bytes(table)), ReadLimits(batch_cells=25), progress))
    assert sum(len(batch) for batch in batches) == 200
    assert [len(batch) for batch in batches] == [25] * 8


def test_sampling_stops_after_n_rows_across_row_groups() -> None:
    table = pa.table({"email": [f"u{i}@example.org" for i in range(100)]})
    cells, progress = _cells(
        read_parquet, io.BytesIO(_parquet_bytes(table, row_group_size=10)), ReadLimits(sample_rows=25)
    )
    assert [cell.row for cell in cells] == list(range(1, 26))
    assert progress.rows == 25
    assert progress.stopped == "sampled first 25 rows"


def test_byte_limit_stops_reading() -> None:
    table = pa.table({"text": ["x" * 1000 for _ in range(100)]})
    cells, progress = _cells(
        read_parquet, io.BytesIO(_parquet_bytes(table, row_group_size=10)), ReadLimits(max_bytes=15_000)
    )
    assert 10 <= progress.rows < 100
    assert len(cells) == progress.rows
    assert progress.stopped == "byte limit (15000 bytes)"


def test_long_values_are_cut_to_max_cell_chars() -> None:
    table = pa.table({"text": ["y" * 5000, "short"]})
    cells, _ = _cells(read_parquet, io.BytesIO(_parquet_bytes(table)), ReadLimits(max_cell_chars=100))
    assert [len(cell.text) for cell in cells] == [100, 5]


def test_a_file_without_text_columns_yields_nothing_and_says_so() -> None:
    table = pa.table({"score": [1.0, 2.0], "order_id": [1, 2]})
    cells, progress = _cells(read_parquet, io.BytesIO(_parquet_bytes(table)))
    assert cells == []
    assert progress.warnings == ["no text columns"]


def test_values_nested_too_deep_are_skipped_with_a_warning() -> None:
    kind: pa.DataType = pa.string()
    value: object = "deep@example.org"
    for _ in range(columnar.MAX_NESTING + 2):
        kind, value = pa.list_(kind), [value]
    table = pa.table({"deep": pa.array([value], kind), "name": ["Ann Lee"]})
    cells, progress = _cells(read_parquet, io.BytesIO(_parquet_bytes(table)))
    assert [cell.text for cell in cells] == ["Ann Lee"]
    assert progress.warnings == [f"values nested deeper than {columnar.MAX_NESTING} levels not read (deep)"]
    # A column with shallow text is read; its part nested too deep is not.
    mixed = pa.table(
        {"row": pa.array([{"owner": "Bo Li", "deep": value}], pa.struct([("owner", pa.string()), ("deep", kind)]))}
    )
    cells, progress = _cells(read_parquet, io.BytesIO(_parquet_bytes(mixed)))
    assert [(cell.text, cell.field) for cell in cells] == [("Bo Li", "row.owner")]
    assert progress.warnings == [f"values nested deeper than {columnar.MAX_NESTING} levels not read (row.deep)"]


def test_forward_only_parquet_is_spooled_in_memory_or_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _parquet_bytes(_people(40), row_group_size=8)
    expected, _ = _cells(read_parquet, io.BytesIO(data))
    in_memory, _ = _cells(read_parquet, _forward_only(data))
    monkeypatch.setattr(columnar, "MEMORY_SPOOL_BYTES", 1024)
    on_disk, progress = _cells(read_parquet, _forward_only(data))
    assert in_memory == expected
    assert on_disk == expected
    assert progress.rows == 40


def test_gzipped_parquet_through_open_dataset(tmp_path: Path) -> None:
    data = _parquet_bytes(_people(10))
    path = tmp_path / "train-00000-of-00001.parquet.gz"
    path.write_bytes(gzip.compress(data))
    fmt, stream = open_dataset(path, ReadLimits())
    with stream:
        cells, progress = _cells(read_parquet, stream)
    assert fmt == "parquet"
    assert progress.rows == 10
    assert cells == _cells(read_parquet, io.BytesIO(data))[0]


def test_a_row_group_declaring_a_huge_size_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    table = pa.table({"text": [f"{i} " + "z" * 100 for i in range(30)]})
    data = _parquet_bytes(table, row_group_size=10, use_dictionary=False)
    monkeypatch.setattr(columnar, "MAX_ROW_GROUP_BYTES", 500)
    cells, progress = _cells(read_parquet, io.BytesIO(data))
    assert cells == []
    assert progress.warnings is not None
    assert progress.warnings[0].startswith("row group 1 skipped")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"name,email\nAnn,ann@example.org\n", "not a Parquet file"),
        (b"", "not a Parquet file"),
        (b"PAR1" + b"\0" * 100, "unreadable Parquet file"),
    ],
)
def test_not_parquet_is_a_dataset_read_error(data: bytes, says: str) -> None:
    with pytest.raises(DatasetReadError, match=says) as caught:
        _cells(read_parquet, io.BytesIO(data))
    _quotes_nothing(str(caught.value), data)


def _quotes_nothing(message: str, data: bytes) -> None:
    """An error names what the bytes look like, never the bytes (in any spelling)."""
    for piece in (data[:4], data[:4].hex(), b"ann@example.org"):
        shown = piece.decode("latin-1") if isinstance(piece, bytes) else piece
        assert not shown or shown not in message.replace("Parquet", "").replace("PAR1", ""), message


def test_truncated_parquet_is_a_dataset_read_error() -> None:
    data = _parquet_bytes(_people(20))
    with pytest.raises(DatasetReadError, match="unreadable Parquet file") as caught:
        _cells(read_parquet, io.BytesIO(data[: len(data) - 40]))
    assert caught.value.progress.rows == 0


@pytest.mark.parametrize("where", ["page header", "page data"])
def test_a_corrupt_row_group_keeps_the_rows_before_it(where: str) -> None:
    table = pa.table({"email": [f"u{i}@example.org" for i in range(30)]})
    data = bytearray(_parquet_bytes(table, row_group_size=10, use_dictionary=False, compression="snappy"))
    chunk = pq.ParquetFile(io.BytesIO(bytes(data))).metadata.row_group(1).column(0)
    start = chunk.data_page_offset if where == "page header" else chunk.data_page_offset + 30
    data[start : start + 16] = b"\xff" * 16
    progress = ReadProgress()
    cells: list[Cell] = []
    with pytest.raises(DatasetReadError, match="corrupt Parquet row group 2 of 3 after 10 rows") as caught:
        for batch in read_parquet(io.BytesIO(bytes(data)), ReadLimits(), progress):
            cells.extend(batch)
    assert [cell.text for cell in cells] == [f"u{i}@example.org" for i in range(10)]
    assert caught.value.progress is progress
    assert progress.rows == 10


def test_hugging_face_dataset_directory_arrow_stream(tmp_path: Path) -> None:
    directory = tmp_path / "data" / "train"
    directory.mkdir(parents=True)
    table = pa.table(
        {
            "messages": pa.array(
                [[{"role": "user", "content": f"I am user {i}, mail u{i}@example.org"}] for i in range(12)],
                MESSAGES,
            ),
            "label": list(range(12)),
        }
    )
    (directory / "dataset_info.json").write_text(json.dumps({"features": {"messages": {}}}))
    (directory / "state.json").write_text(json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}))
    (directory / "data-00000-of-00001.arrow").write_bytes(_ipc_stream_bytes(table, max_chunksize=5))
    formats = {path.name: dataset_format(path.name) for path in directory.iterdir()}
    assert formats == {"dataset_info.json": None, "state.json": None, "data-00000-of-00001.arrow": "arrow"}
    fmt, stream = open_dataset(directory / "data-00000-of-00001.arrow", ReadLimits())
    with stream:
        cells, progress = _cells(read_arrow, stream)
    assert fmt == "arrow"
    assert [(c.row, c.field, c.context) for c in cells] == [(i, "messages.content", "user") for i in range(1, 13)]
    assert cells[11].text == "I am user 11, mail u11@example.org"
    assert progress.rows == 12


@pytest.mark.parametrize("compression", ["uncompressed", "lz4", "zstd"])
def test_feather_v2_files_are_read(tmp_path: Path, compression: str) -> None:
    path = tmp_path / "people.feather"
    feather.write_feather(_people(5), str(path), compression=compression, chunksize=2)
    with path.open("rb") as stream:
        cells, progress = _cells(read_arrow, stream)
    expected = _cells(read_parquet, io.BytesIO(_parquet_bytes(_people(5))))[0]
    assert sorted(cells, key=_place) == sorted(expected, key=_place)
    assert len(cells) == 25
    assert progress.rows == 5


@pytest.mark.parametrize("writer", [_ipc_stream_bytes, _ipc_file_bytes])
def test_arrow_from_a_forward_only_stream_with_sampling(writer: Callable[..., bytes]) -> None:
    data = writer(_people(20), max_chunksize=3)
    cells, progress = _cells(read_arrow, _forward_only(data), ReadLimits(sample_rows=7))
    assert sorted({cell.row or 0 for cell in cells}) == list(range(1, 8))
    assert progress.stopped == "sampled first 7 rows"


def test_arrow_file_cut_short_keeps_the_batches_before_the_cut() -> None:
    data = _ipc_file_bytes(_people(20), max_chunksize=4)
    progress = ReadProgress()
    cells: list[Cell] = []
    with pytest.raises(DatasetReadError, match="Arrow data cut short or corrupt after") as caught:
        for batch in read_arrow(io.BytesIO(data[: len(data) // 2]), ReadLimits(), progress):
            cells.extend(batch)
    assert 0 < progress.rows < 20
    assert progress.rows % 4 == 0
    assert max(cell.row for cell in cells if cell.row is not None) == progress.rows
    assert caught.value.progress is progress


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"name,email\nAnn,ann@example.org\n", "not an Arrow IPC file or stream"),
        (b"", "not an Arrow IPC file or stream"),
        (b"FEA1" + b"\0" * 64, "Feather v1"),
        (_parquet_bytes(pa.table({"a": ["b"]})), "not an Arrow IPC file or stream"),
    ],
)
def test_not_arrow_is_a_dataset_read_error(data: bytes, says: str) -> None:
    with pytest.raises(DatasetReadError, match=says) as caught:
        _cells(read_arrow, io.BytesIO(data))
    _quotes_nothing(str(caught.value), data)


def test_a_parquet_column_named_by_a_value_is_not_quoted_by_an_error() -> None:
    """pyarrow's messages may name columns; the reader's error keeps only the kind of error."""
    data = _parquet_bytes(pa.table({"jane.doe@gmail.com": ["x"] * 50}))
    with pytest.raises(DatasetReadError) as caught:
        _cells(read_parquet, io.BytesIO(data[:-30] + b"\0" * 30))
    assert "jane" not in str(caught.value)


def test_slices_are_sized_by_bytes_and_rows_stay_numbered(monkeypatch: pytest.MonkeyPatch) -> None:
    """8,192 rows of megabyte strings would be gigabytes of Python strings: big values come a few rows at a time."""
    monkeypatch.setattr(columnar, "SLICE_BYTES", 20_000)
    values = [("x" * 4000 + f" mail u{i}@example.org") if i % 10 == 0 else "short" for i in range(100)]
    batch = pa.record_batch({"text": values})
    slices = list(columnar._slices(batch, batch.num_rows))
    assert sum(part.num_rows for _, part in slices) == 100 and len(slices) > 1
    assert all(part.nbytes <= 20_000 or part.num_rows == 1 for _, part in slices)
    assert [offset for offset, _ in slices] == list(itertools.accumulate([0] + [p.num_rows for _, p in slices[:-1]]))
    cells, progress = _cells(read_arrow, io.BytesIO(_ipc_stream_bytes(pa.table({"text": values}))))
    assert [(c.row, c.text[-20:]) for c in cells if "@" in c.text] == [
        (i + 1, values[i][-20:]) for i in range(0, 100, 10)
    ]
    assert progress.rows == 100


def test_a_truncated_gzip_arrow_stream_errs_with_the_rows_read(tmp_path: Path) -> None:
    table = pa.table({"text": [f"row {i} " + "w" * 2000 for i in range(2000)]})
    compressed = gzip.compress(_ipc_stream_bytes(table, max_chunksize=100))
    path = tmp_path / "data-00000-of-00001.arrow.gz"
    path.write_bytes(compressed[: len(compressed) * 3 // 4])
    _, stream = open_dataset(path, ReadLimits())
    progress = ReadProgress()
    with stream, pytest.raises(DatasetReadError, match="gzip data is truncated") as caught:
        for _ in read_arrow(stream, ReadLimits(), progress):
            pass
    assert 0 < progress.rows < 2000
    assert caught.value.progress is progress


def test_a_decompression_limit_inside_a_reader_keeps_why_it_stopped(tmp_path: Path) -> None:
    table = pa.table({"text": [f"row {i} " + "v" * 500 for i in range(4000)]})
    for name, data, reader in (
        ("big.arrow.gz", _ipc_stream_bytes(table, max_chunksize=100), read_arrow),
        ("big.parquet.gz", _parquet_bytes(table), read_parquet),
    ):
        path = tmp_path / name
        path.write_bytes(gzip.compress(data))
        _, stream = open_dataset(path, ReadLimits(max_bytes=len(data) // 2))
        progress = ReadProgress()
        with stream, pytest.raises(DatasetReadError, match="stopped after") as caught:
            for _ in reader(stream, ReadLimits(), progress):
                pass
        assert caught.value.progress is progress
        assert progress.stopped is not None
        assert progress.stopped.startswith("stopped after")
        assert progress.rows < 4000


@pytest.mark.parametrize("container", ["parquet", "arrow"])
def test_nested_values_keep_their_row_across_slices(monkeypatch: pytest.MonkeyPatch, container: str) -> None:
    monkeypatch.setattr(columnar, "ROWS_PER_BATCH", 7)
    chats: list[list[dict[str, str]] | None] = []
    for i in range(50):
        if i % 5 == 0:
            chats.append(None)
        elif i % 5 == 1:
            chats.append([])
        else:
            chats.append([{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}])
    table = pa.table({"messages": pa.array(chats, MESSAGES)})
    if container == "parquet":
        cells, progress = _cells(read_parquet, io.BytesIO(_parquet_bytes(table, row_group_size=20)))
    else:
        cells, progress = _cells(read_arrow, io.BytesIO(_ipc_stream_bytes(table)))
    expected = [
        (text, i + 1, role)
        for i in range(50)
        if i % 5 > 1
        for text, role in ((f"q{i}", "user"), (f"a{i}", "assistant"))
    ]
    assert [(cell.text, cell.row, cell.context) for cell in cells] == expected
    assert progress.rows == 50
