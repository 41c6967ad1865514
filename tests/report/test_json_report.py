from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

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
    for data in ({"evidence": "bad \udc80 text"}, {"offset": 2**70}):
        assert json_report.dumps(data) == _stdlib(data)


def test_render_of_a_real_scan_equals_the_stdlib_rendering(scan_result: ScanResult) -> None:
    assert json_report.render(scan_result) == _stdlib(scan_result.to_json())
