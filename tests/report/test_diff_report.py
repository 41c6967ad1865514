"""`aispm diff` output: terminal tables list only what changed; the JSON holds everything."""

from __future__ import annotations

import io
import json

from msgspec.structs import replace
from rich.console import Console

from aispm.model import Asset, AssetKind, Finding, Location, ScanResult, Severity, Suppression
from aispm.report.diff import MAX_ROWS, print_diff, render_json
from aispm.store.diff import ScanDiff, ScanSummary, diff_scans

ROOT = "/srv/app"


def _asset(name: str, version: str = "1.0") -> Asset:
    return Asset(AssetKind.PACKAGE, name, f"pypi:{name}", version, (Location("requirements.txt", 2, 2, ROOT),))


def _finding(name: str, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(
        f"RULE-{name.upper()}", name, severity, "secrets", f"message about {name}", Location(f"{name}.py", 7, 7, ROOT)
    )


def _result(assets: tuple[Asset, ...], findings: tuple[Finding, ...]) -> ScanResult:
    return ScanResult(
        (ROOT,), ("secrets",), "2025-11-21T10:00:00+00:00", "2025-11-21T10:00:05+00:00", assets, (), findings
    )


def _summary(scan_id: int) -> ScanSummary:
    return ScanSummary(scan_id, "2025-11-21T10:00:00+00:00", f"2025-11-2{scan_id}T10:00:05+00:00", [ROOT], 0, 0, 0, 0)


def _diff(old: ScanResult, new: ScanResult) -> ScanDiff:
    return diff_scans(_summary(1), old, _summary(2), new)


def _text(diff: ScanDiff) -> str:
    buffer = io.StringIO()
    print_diff(diff, Console(file=buffer, width=160, color_system=None))
    return buffer.getvalue()


def test_tables_show_each_kind_of_change() -> None:
    kept, old_only = _finding("kept", Severity.LOW), _finding("leaked")
    old = _result((_asset("openai"), _asset("langchain")), (kept, old_only))
    new = _result(
        (_asset("openai", "2.0"), _asset("torch")),
        (replace(kept, severity=Severity.CRITICAL), replace(_finding("fresh"), suppression=Suppression("inline", "x"))),
    )
    text = _text(_diff(old, new))
    assert "Changes from scan 1 (2025-11-21T10:00:05+00:00) to scan 2 (2025-11-22T10:00:05+00:00)" in text
    sections = ["New findings (1)", "Fixed findings (gone) (1)", "Severity changes (1)", "New assets (1)"]
    sections += ["Gone assets (1)", "Version changes (1)"]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    new_part = text[positions[0] : positions[1]]
    assert "RULE-FRESH" in new_part and "(suppressed)" in new_part and "fresh.py:7" in new_part
    assert "RULE-LEAKED" in text[positions[1] : positions[2]]
    assert "low" in text[positions[2] : positions[3]] and "critical" in text[positions[2] : positions[3]]
    assert "torch" in text[positions[3] : positions[4]] and "langchain" in text[positions[4] : positions[5]]
    assert "2.0" in text[positions[5] :]
    assert "RULE-KEPT" not in text[positions[0] : positions[2]]  # still open is counted, not listed as new/fixed


def test_no_changes_says_so_and_lists_nothing() -> None:
    same = _result((_asset("openai"),), (_finding("kept"),))
    text = _text(_diff(same, same))
    assert "No changes" in text
    assert "New findings" not in text and "RULE-KEPT" not in text


def test_long_lists_are_cut_and_point_to_json() -> None:
    many = tuple(_finding(f"f{i}") for i in range(MAX_ROWS + 7))
    text = _text(_diff(_result((), ()), _result((), many)))
    assert f"New findings ({MAX_ROWS + 7})" in text
    assert "7 more: see aispm diff --json" in text
    assert f"RULE-F{MAX_ROWS - 1} " in text
    assert f"RULE-F{MAX_ROWS} " not in text and f"RULE-F{MAX_ROWS + 6} " not in text


def test_json_is_the_whole_diff() -> None:
    diff = _diff(
        _result((_asset("openai"),), ()), _result((_asset("torch"),), (replace(_finding("cafe"), title="caf\udce9"),))
    )
    text = render_json(diff)
    assert text.isascii()
    assert json.loads(text) == json.loads(json.dumps(diff.to_json()))
    data = json.loads(text)
    assert [a["name"] for a in data["assets"]["new"]] == ["torch"]
    assert [a["name"] for a in data["assets"]["gone"]] == ["openai"]
    assert data["findings"]["new"][0]["title"] == "caf\udce9"
