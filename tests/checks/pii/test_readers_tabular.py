"""CSV and TSV: a cell per value named by its column, with row and line; ragged rows, encodings, limits."""

from __future__ import annotations

import io

import pytest

from aispm.checks.pii.readers.tabular import read_csv, read_tsv
from aispm.checks.pii.records import Cell, ReadLimits, ReadProgress


def table(data: bytes, tsv: bool = False, **limits: int) -> tuple[list[Cell], ReadProgress]:
    progress = ReadProgress()
    reader = read_tsv if tsv else read_csv
    cells = [cell for batch in reader(io.BytesIO(data), ReadLimits(**limits), progress) for cell in batch]  # type: ignore[arg-type]
    return cells, progress


def test_cells_are_named_by_header_with_row_and_line() -> None:
    cells, progress = table(b"name,email,notes\nAnn Lee,ann@corp.io,\nBo Chan,bo@corp.io,likes tea\n")
    assert [(c.field, c.text, c.row, c.line) for c in cells] == [
        ("name", "Ann Lee", 1, 2),
        ("email", "ann@corp.io", 1, 2),
        ("name", "Bo Chan", 2, 3),
        ("email", "bo@corp.io", 2, 3),
        ("notes", "likes tea", 2, 3),
    ]
    assert progress.rows == 2 and progress.warnings is None


def test_quoted_values_spanning_lines_keep_the_start_line() -> None:
    cells, _ = table(b'id,note\n1,"first\nsecond"\n2,after\n')
    assert [(c.field, c.text, c.line) for c in cells] == [
        ("id", "1", 2),
        ("note", "first\nsecond", 2),
        ("id", "2", 4),
        ("note", "after", 4),
    ]


def test_ragged_rows_are_scanned_and_warned() -> None:
    cells, progress = table(b"a,b\n1,2,3\n4\n5,6\n")
    assert [(c.field, c.text, c.row) for c in cells] == [
        ("a", "1", 1),
        ("b", "2", 1),
        (None, "3", 1),
        ("a", "4", 2),
        ("a", "5", 3),
        ("b", "6", 3),
    ]
    assert progress.warnings is not None
    assert progress.warnings[0] == "row 1 (line 2) has 3 values for 2 columns"
    assert progress.warnings[-1] == "2 rows do not have one value per column"


def test_semicolon_csv_is_sniffed() -> None:
    cells, _ = table("Name;E-Mail\nJosé Díaz;jose@corp.es\n".encode())
    assert [(c.field, c.text) for c in cells] == [("Name", "José Díaz"), ("E-Mail", "jose@corp.es")]


def test_comma_csv_with_semicolons_in_values_is_not_resniffed() -> None:
    cells, _ = table(b"a,b\nx;y,z\n")
    assert [(c.field, c.text) for c in cells] == [("a", "x;y"), ("b", "z")]


def test_tsv() -> None:
    cells, _ = table(b"name\tphone\nAnn\t+44 20 7183 8750\n", tsv=True)
    assert [(c.field, c.text) for c in cells] == [("name", "Ann"), ("phone", "+44 20 7183 8750")]


def test_latin1_csv_is_decoded_with_a_warning() -> None:
    cells, progress = table("name,city\nJosé,Málaga\n".encode("latin-1"))
    assert [c.text for c in cells] == ["José", "Málaga"]
    assert progress.warnings and "Latin-1" in progress.warnings[0]


def test_bom_is_not_part_of_the_first_column_name() -> None:
    cells, _ = table("\ufeffemail\nann@corp.io\n".encode())
    assert cells[0].field == "email"


def test_sampling_and_byte_limit() -> None:
    data = b"n,v\n" + b"".join(b"%d,value %d\n" % (n, n) for n in range(1000))
    cells, progress = table(data, sample_rows=3)
    assert {c.row for c in cells} == {1, 2, 3} and progress.stopped == "sampled first 3 rows"
    cells, progress = table(data, max_bytes=200)
    assert progress.stopped is not None and "byte limit" in progress.stopped
    assert 0 < progress.rows < 1000 and progress.bytes <= 200


def test_huge_cell_is_cut() -> None:
    data = b"a,b\n" + b"x" * 50_000 + b",tail\n"
    cells, _ = table(data, max_cell_chars=1000)
    assert len(cells[0].text) <= 1002
    assert cells[-1].line == 2


@pytest.mark.parametrize("data", [b"", b"\n\n", b"only,a,header\n"])
def test_empty_tables(data: bytes) -> None:
    cells, progress = table(data)
    assert cells == [] and progress.rows == 0


def test_nul_bytes_and_truncated_quote_do_not_crash() -> None:
    cells, progress = table(b'a,b\n1,\x002\n3,"unterminated\n')
    assert ("a", "1") in [(c.field, c.text) for c in cells]
    assert progress.rows >= 1


# --- files without a header row ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "first",
    [
        b"jane.doe@gmail.com,+44 20 7183 8750,Ann\n",  # entities
        b"17,2024-01-15,shipped\n",  # numbers and dates
        b"John Smith,12 Baker Street,London\n",  # a person's name and a street address
    ],
)
def test_a_first_record_that_is_data_is_row_one_of_numbered_columns(first: bytes) -> None:
    cells, progress = table(first + b"kim.lee@fastmail.fm,+44 20 7946 0958,Bo\n")
    assert {c.field for c in cells} == {"col1", "col2", "col3"}
    assert [(c.row, c.line) for c in cells if c.field == "col1"] == [(1, 1), (2, 2)]
    assert cells[0].text == first.split(b",")[0].decode()  # the first record is scanned, not used as names
    assert progress.rows == 2 and progress.warnings and "no header row" in progress.warnings[0]


@pytest.mark.parametrize("header", [b"name,email,phone\n", b"Full Name,E-Mail,Date of Birth\n", b"id,q1_2024,notes\n"])
def test_a_header_of_labels_names_the_columns(header: bytes) -> None:
    cells, progress = table(header + b"Ann Lee,ann@corp.io,1\n")
    assert [c.field for c in cells] == header.decode().strip().split(",")
    assert progress.rows == 1 and progress.warnings is None


def test_extra_values_of_a_headerless_file_get_numbered_columns_too() -> None:
    cells, _ = table(b"1,2\n3,4,5\n")
    assert [(c.field, c.text) for c in cells] == [
        ("col1", "1"),
        ("col2", "2"),
        ("col1", "3"),
        ("col2", "4"),
        ("col3", "5"),
    ]


# --- malformed records, sampling, encodings, line ends ----------------------------------------------------------
def test_a_malformed_record_after_the_sample_does_not_break_the_file() -> None:
    """The look-ahead that tells whether a sample stopped early meets a record csv refuses."""
    data = b"email,note\nann@corp.io,y\na\rb,c\nbo@corp.io,z\n"
    cells, progress = table(data, sample_rows=1)
    assert [c.text for c in cells] == ["ann@corp.io", "y"]
    assert progress.stopped == "sampled first 1 rows"
    assert progress.warnings == ["line 3: malformed CSV record, skipped"]  # the parser's message is not kept
    cells, progress = table(data)
    assert [c.row for c in cells if c.field == "email"] == [1, 2] and progress.stopped is None


def test_bare_cr_line_ends_are_lines() -> None:
    cells, progress = table(b'email,note\rann@corp.io,"two\rlines"\rbo@corp.io,z\r')
    assert [(c.field, c.text, c.row, c.line) for c in cells] == [
        ("email", "ann@corp.io", 1, 2),
        ("note", "two\nlines", 1, 2),
        ("email", "bo@corp.io", 2, 4),
        ("note", "z", 2, 4),
    ]
    assert progress.warnings is None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_with_a_byte_order_mark_is_decoded(encoding: str) -> None:
    text = "name,email\r\nJosé Díaz,jose@corp.es\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    cells, progress = table(data)
    assert [(c.field, c.text) for c in cells] == [("name", "José Díaz"), ("email", "jose@corp.es")]
    assert progress.warnings is None  # no Latin-1 fallback
