from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from aispm.engine import scan
from aispm.model import ScanResult
from aispm.report import json_report


def _schema() -> dict[str, object]:
    text = (resources.files("aispm.report") / "schemas" / "scan-result-v1.schema.json").read_text("utf-8")
    schema: dict[str, object] = json.loads(text)
    return schema


def test_fixture_result_matches_the_documented_schema(scan_result: ScanResult) -> None:
    doc = json.loads(json_report.render(scan_result))
    jsonschema.Draft202012Validator(_schema()).validate(doc)
    assert ScanResult.from_json(doc).to_json() == doc


def test_real_scan_matches_the_documented_schema(make_tree) -> None:
    root: Path = make_tree(
        {
            "app.py": "from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o')\n",
            ".mcp.json": '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-x"]}}}',
            "broken.ipynb": "{",
        }
    )
    doc = json.loads(json_report.render(scan([str(root)])))
    jsonschema.Draft202012Validator(_schema()).validate(doc)
    assert doc["assets"] and doc["findings"] and doc["errors"]


def test_schema_rejects_an_unknown_top_level_field(scan_result: ScanResult) -> None:
    doc = json.loads(json_report.render(scan_result))
    doc["surprise"] = 1
    errors = list(jsonschema.Draft202012Validator(_schema()).iter_errors(doc))
    assert errors


def _stdlib(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_dumps_matches_the_stdlib_text_key_order_and_content() -> None:
    data = {"z": 1, "a": [1, 2.5, None, True], "é": {"nested": "naïve ✓", "empty": [], "none": {}}, "s": "x\ny"}
    text = json_report.dumps(data)
    assert text == _stdlib(data)
    assert list(json.loads(text)) == ["z", "a", "é", "s"]


def test_dumps_falls_back_to_the_stdlib_for_values_orjson_refuses() -> None:
    # A lone surrogate (a pickle string decoded with surrogatepass) and an integer beyond 64 bits.
    assert json_report.dumps({"offset": 2**70}) == _stdlib({"offset": 2**70})
    data = {"evidence": "bad \udc80 text"}
    assert json_report.dumps(data) == _stdlib(data).replace("\udc80", "\\udc80")


def _strict(text: str) -> object:
    """JSON as the standard has it: no NaN or Infinity, valid UTF-8."""

    def refuse(name: str) -> object:
        raise AssertionError(f"{name} is not JSON")

    text.encode("utf-8")
    return json.loads(text, parse_constant=refuse)


ODD_VALUES = {
    "nan": float("nan"),
    "infinities": [float("inf"), float("-inf")],
    "nested": {"score": (float("nan"), 0.5)},
    "floats": [1e16, 1e-7, 0.1, -0.0, 1.5e300, 5e-324],
    "ints": [2**63 - 1, -(2**63)],
    "text": "\u2028 \x7f é ✓",
    "keys": {1: "int key", None: "none key"},
}
EXPECTED = {
    "nan": None,
    "infinities": [None, None],
    "nested": {"score": [None, 0.5]},
    "floats": [1e16, 1e-7, 0.1, -0.0, 1.5e300, 5e-324],
    "ints": [2**63 - 1, -(2**63)],
    "text": "\u2028 \x7f é ✓",
    "keys": {"1": "int key", "null": "none key"},
}


def test_orjson_and_stdlib_write_the_same_content(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = json_report.dumps(ODD_VALUES)
    monkeypatch.setattr(json_report, "orjson", None)
    slow = json_report.dumps(ODD_VALUES)
    assert _strict(fast) == _strict(slow) == EXPECTED
    assert list(_strict(slow)) == list(EXPECTED)  # and the same key order


def test_non_finite_floats_are_null_when_the_stdlib_writes_the_report() -> None:
    data = {"huge": 2**70, "score": float("nan"), "bad": "\udcff"}  # each forces the stdlib
    assert _strict(json_report.dumps(data)) == {"huge": 2**70, "score": None, "bad": "\udcff"}


def test_lone_surrogates_are_escaped_and_read_back() -> None:
    data = {"path": "caf\udce9/model.pkl", "pair": "\ud83d\ude00", "plain": "é"}
    text = json_report.dumps(data)
    assert "\\udce9" in text and "é" in text
    assert _strict(text) == {"path": "caf\udce9/model.pkl", "pair": "\U0001f600", "plain": "é"}


def test_a_real_scan_renders_the_same_content_through_the_stdlib(
    scan_result: ScanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = json_report.render(scan_result)
    monkeypatch.setattr(json_report, "orjson", None)
    assert _strict(json_report.render(scan_result)) == _strict(fast)


def test_render_of_a_real_scan_equals_the_stdlib_rendering(scan_result: ScanResult) -> None:
    assert json_report.render(scan_result) == _stdlib(scan_result.to_json())
