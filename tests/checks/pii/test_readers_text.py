"""The line-block reader behind text and JSON Lines: whole lines, limits, encodings, over-long lines."""

from __future__ import annotations

import io

from aispm.checks.pii.readers.text import iter_line_blocks, read_text
from aispm.checks.pii.records import Cell, ReadLimits, ReadProgress


def blocks(data: bytes, **limits: int) -> tuple[list[tuple[str, int]], ReadProgress]:
    progress = ReadProgress()
    return list(iter_line_blocks(io.BytesIO(data), ReadLimits(**limits), progress)), progress  # type: ignore[arg-type]


def all_cells(data: bytes, **limits: int) -> tuple[list[Cell], ReadProgress]:
    progress = ReadProgress()
    cells: list[Cell] = []
    for block in read_text(io.BytesIO(data), ReadLimits(**limits), progress):  # type: ignore[arg-type]
        for index, line in enumerate(block.text.split("\n")[: block.text.count("\n") or 1]):
            cells.extend(block.cells(line, block.first_line + index))
    return cells, progress


def test_blocks_cut_at_line_ends_and_number_lines() -> None:
    data = b"".join(b"line %d with some padding text\n" % n for n in range(1, 2001))
    found, progress = blocks(data, block_bytes=4096)
    assert len(found) > 5
    assert "".join(text for text, _ in found).encode() == data
    for text, first_line in found:
        assert text.endswith("\n")
        assert text.startswith(f"line {first_line} ")
    assert progress.rows == 2000 and progress.bytes == len(data) and progress.stopped is None


def test_text_cells_carry_line_numbers_and_skip_blank_lines() -> None:
    cells, progress = all_cells(b"first line\n\n   \nfourth line\r\nlast without newline")
    assert [(cell.text, cell.line) for cell in cells] == [
        ("first line", 1),
        ("fourth line", 4),
        ("last without newline", 5),
    ]
    assert progress.rows == 5


def test_sample_rows_stops_and_says_so() -> None:
    data = b"".join(b"row %d\n" % n for n in range(100))
    found, progress = blocks(data, sample_rows=10)
    assert "".join(text for text, _ in found).count("\n") == 10
    assert progress.rows == 10 and progress.stopped == "sampled first 10 rows"


def test_sample_rows_equal_to_file_is_not_a_stop() -> None:
    _, progress = blocks(b"a\nb\nc\n", sample_rows=3)
    assert progress.rows == 3 and progress.stopped is None


def test_byte_limit_stops_reading() -> None:
    data = b"".join(b"row %05d\n" % n for n in range(10_000))
    found, progress = blocks(data, max_bytes=5000, block_bytes=1024)
    text = "".join(text for text, _ in found)
    assert len(text) <= 5000 and text.startswith("row 00000")
    assert progress.stopped is not None and "byte limit" in progress.stopped


def test_latin1_file_is_decoded_with_a_warning() -> None:
    cells, progress = all_cells("café owner: josé\n".encode("latin-1"))
    assert [cell.text for cell in cells] == ["café owner: josé"]
    assert progress.warnings and "Latin-1" in progress.warnings[0]


def test_utf8_file_has_no_warning() -> None:
    cells, progress = all_cells("naïve café ☕\n".encode())
    assert [cell.text for cell in cells] == ["naïve café ☕"]
    assert progress.warnings is None


def test_huge_single_line_is_cut_and_the_next_line_still_read() -> None:
    data = b"x" * 300_000 + b" tail\nnext line\n"
    cells, progress = all_cells(data, max_cell_chars=10_000, block_bytes=4096)
    assert [len(cell.text) for cell in cells] == [10_000, len("next line")]
    assert cells[1].line == 2
    assert progress.warnings and "longer than" in progress.warnings[0]
    assert progress.bytes == len(data)


def test_empty_file_yields_nothing() -> None:
    cells, progress = all_cells(b"")
    assert cells == [] and progress.rows == 0 and progress.stopped is None
