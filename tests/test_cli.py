from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from aispm.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_help_teaches_with_examples() -> None:
    code, out = run("--help")
    assert code == 0
    assert "aispm scan" in out and "--format sarif" in out and "aispm diff" in out
    code, out = run("scan", "--help")
    assert code == 0 and "Exit codes" in out and "aispm: ignore" in out


def test_unknown_scanner_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("scan", str(tmp_path), "--scanners", "inventory,magic", "--no-store")
    assert code == 2 and "unknown scanner(s) magic" in out


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("scan", str(tmp_path / "nope"), "--no-store")
    assert code == 2 and "does not exist" in out


def test_invalid_policy_exits_2_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("approved: {model: [x]}\n")
    code, out = run("scan", str(tmp_path), "--policy", str(tmp_path / "p.yaml"), "--no-store")
    assert code == 2 and "unknown kind(s) model" in out


def test_json_to_stdout_and_report_file_with_format_from_name(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    code, out = run("scan", str(tmp_path), "--format", "json", "--no-store")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == "1" and doc["roots"] == [str(tmp_path)]
    target = tmp_path / "out" / "r.json"
    code, out = run("scan", str(tmp_path), "-o", str(target), "--no-store", "--quiet")
    assert code == 0 and json.loads(target.read_text())["tool"]["name"] == "aispm"


def test_strict_turns_per_file_errors_into_exit_2(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    code, _ = run("scan", str(tmp_path), "--no-store", "--quiet")
    assert code == 0
    code, out = run("scan", str(tmp_path), "--no-store", "--quiet", "--strict")
    assert code == 2 and "could not be analysed" in out


def test_sample_option_is_explained_and_validated(tmp_path: Path) -> None:
    code, out = run("scan", "--help")
    assert code == 0 and "--sample N" in out and "first N rows" in out
    code, out = run("scan", str(tmp_path), "--sample", "0", "--no-store")
    assert code == 2 and "--sample" in out


@pytest.mark.parametrize("fmt", ["json", "cyclonedx", "sarif", "html", "table"])
def test_reports_on_file_names_that_are_not_utf8_are_written_as_utf8(tmp_path: Path, fmt: str) -> None:
    """os.fsdecode turns the byte 0xff of a file name into a lone surrogate, which the UTF-8 codec refuses."""
    root = tmp_path / "estate"
    root.mkdir()
    name = os.fsdecode(b"m\xff.py")
    (root / name).write_text("import openai\nclient = openai.OpenAI(api_key='sk-proj-" + "Ab3" * 16 + "')\n")
    target = tmp_path / f"report.{fmt}"
    code, _ = run("scan", str(root), "--format", fmt, "-o", str(target), "--no-store", "--quiet")
    assert code in (0, 1)
    text = target.read_bytes().decode("utf-8")  # strict: the file is valid UTF-8
    if fmt == "table":
        return  # the summary names no file
    assert ("m%FF.py" if fmt == "sarif" else "m\\udcff.py") in text  # SARIF has URIs: the byte, percent-encoded
    if fmt in ("json", "cyclonedx"):
        assert any(name in value for value in _strings(json.loads(text)))  # the escape reads back as the name
    printed = CliRunner().invoke(cli, ["scan", str(root), "--format", fmt, "--no-store"], catch_exceptions=False)
    assert "m\\udcff.py" in printed.stdout_bytes.decode("utf-8") or fmt == "sarif"


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [str(value)]
