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
