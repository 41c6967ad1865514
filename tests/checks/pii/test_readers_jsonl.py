"""JSON Lines and JSON documents: a cell per leaf with its key, the chat role as context, bad lines kept as text."""

from __future__ import annotations

import io
import json
from pathlib import Path

from aispm.checks.pii.readers.jsonl import read_json, read_jsonl
from aispm.checks.pii.records import Cell, LineBlock, ReadLimits, ReadProgress
from aispm.checks.pii.scanner import scan_dataset


def cells_of(batches: object) -> list[Cell]:
    """Every cell of every batch (each line of a block parsed, as the scanner would for candidate lines)."""
    out: list[Cell] = []
    for batch in batches:  # type: ignore[attr-defined]
        if isinstance(batch, LineBlock):
            for index, line in enumerate(batch.text.splitlines()):
                out.extend(batch.cells(line, batch.first_line + index))
        else:
            out.extend(batch)
    return out


def jsonl(data: bytes, **limits: int) -> tuple[list[Cell], ReadProgress]:
    progress = ReadProgress()
    cells = cells_of(read_jsonl(io.BytesIO(data), ReadLimits(**limits), progress))  # type: ignore[arg-type]
    return cells, progress


def whole_json(data: bytes, **limits: int) -> tuple[list[Cell], ReadProgress]:
    progress = ReadProgress()
    cells = cells_of(read_json(io.BytesIO(data), ReadLimits(**limits), progress))  # type: ignore[arg-type]
    return cells, progress


def test_chat_messages_give_content_cells_with_role_context() -> None:
    record = {"messages": [{"role": "user", "content": "hi, I'm Ann"}, {"role": "assistant", "content": "Hello"}]}
    cells, _ = jsonl((json.dumps(record) + "\n").encode())
    assert [(c.text, c.field, c.context, c.line) for c in cells] == [
        ("hi, I'm Ann", "messages.content", "user", 1),
        ("Hello", "messages.content", "assistant", 1),
    ]


def test_prompt_completion_and_nested_leaves_are_cells_with_their_keys() -> None:
    lines = [
        {"prompt": "What is 2+2?", "completion": "4"},
        {"instruction": "Summarise", "input": "text", "output": "done", "meta": {"patient": {"dob": "1980-02-03"}}},
        {"text": "plain", "ssn": 536221234, "ok": True, "none": None},
    ]
    cells, _ = jsonl("\n".join(json.dumps(line) for line in lines).encode())
    assert [(c.field, c.text, c.line) for c in cells] == [
        ("prompt", "What is 2+2?", 1),
        ("completion", "4", 1),
        ("instruction", "Summarise", 2),
        ("input", "text", 2),
        ("output", "done", 2),
        ("meta.patient.dob", "1980-02-03", 2),
        ("text", "plain", 3),
        ("ssn", "536221234", 3),
    ]


def test_invalid_json_line_is_scanned_as_text_and_counted() -> None:
    data = b'{"text": "fine"}\n{"text": "broken +44 20 7183 8750\n' + b"{oops}\n" * 7
    cells, progress = jsonl(data)
    assert cells[0] == Cell("fine", field="text", line=1)
    assert cells[1] == Cell('{"text": "broken +44 20 7183 8750', line=2)
    assert len(cells) == 9 and cells[-1].line == 9
    assert progress.warnings is not None
    assert progress.warnings[0] == "line 2: not valid JSON, scanned as text"
    assert progress.warnings[-1] == (
        "8 of the lines parsed were not valid JSON and were scanned as text"
        " (only lines where the prefilter saw a candidate are parsed)"
    )


def test_the_invalid_line_count_is_of_the_lines_parsed(tmp_path: Path) -> None:
    """Lines the prefilter passes over are not parsed, so the warning counts (and says it counts) parsed lines."""
    lines = [f"{{broken, mail kim.{i}@gmail.com" for i in range(7)] + ["{broken, nothing here"] * 20
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n")
    prefiltered = scan_dataset(path, credentials=False)
    everything = scan_dataset(path, credentials=False, use_prefilter=False)
    assert prefiltered.warnings[-1].startswith("7 of the lines parsed were not valid JSON")
    assert everything.warnings[-1].startswith("27 of the lines parsed were not valid JSON")
    assert prefiltered.entities == everything.entities


def test_truncated_last_line_is_kept_as_text() -> None:
    cells, progress = jsonl(b'{"text": "a"}\n{"text": "mail bob@')
    assert cells[-1] == Cell('{"text": "mail bob@', line=2)
    assert progress.rows == 2


def test_deep_nesting_is_bounded() -> None:
    deep = '{"a":' * 500 + '"x"' + "}" * 500
    cells, _ = jsonl(deep.encode() + b"\n")
    assert cells == []  # too deep to walk, and no crash


def test_jsonl_sampling() -> None:
    data = b"".join(b'{"text": "row %d"}\n' % n for n in range(50))
    cells, progress = jsonl(data, sample_rows=5)
    assert [c.text for c in cells] == [f"row {n}" for n in range(5)]
    assert progress.stopped == "sampled first 5 rows"


def test_compact_json_list_gives_rows() -> None:
    data = json.dumps([{"name": "Ann Lee", "email": "ann@corp.io"}, {"name": "Bo", "tags": ["x", "y"]}]).encode()
    cells, progress = whole_json(data)
    assert [(c.field, c.text, c.row, c.line) for c in cells] == [
        ("name", "Ann Lee", 1, 1),
        ("email", "ann@corp.io", 1, 1),
        ("name", "Bo", 2, 1),
        ("tags", "x", 2, 1),
        ("tags", "y", 2, 1),
    ]
    assert progress.rows == 2 and progress.bytes == len(data)


def test_pretty_json_keeps_each_leaf_on_its_line() -> None:
    document = {"customers": [{"name": "Ann Lee", "dob": "1980-02-03", "notes": ["call +44 20 7183 8750"]}]}
    data = json.dumps(document, indent=2).encode()
    cells, _ = whole_json(data)
    lines = data.decode().splitlines()
    found = {(c.field, c.text) for c in cells}
    assert {("name", "Ann Lee"), ("dob", "1980-02-03"), (None, "call +44 20 7183 8750")} <= found
    for cell in cells:
        assert cell.line is not None
        assert json.dumps(cell.text) in lines[cell.line - 1]


def test_invalid_compact_json_is_scanned_as_text() -> None:
    cells, progress = whole_json(b'{"email": "ann@corp.io", ')
    assert any("ann@corp.io" in c.text for c in cells)
    assert progress.warnings and "not valid JSON" in progress.warnings[0]


def test_empty_inputs() -> None:
    assert jsonl(b"")[0] == []
    assert whole_json(b"")[0] == []
