from __future__ import annotations

import pickle

from aispm.model import Asset, AssetKind, Location, Severity, asset_id
from aispm.rules import get_rule


def test_asset_id_is_stable_and_case_insensitive_on_key() -> None:
    a = Asset(AssetKind.PACKAGE, "OpenAI", "pypi:OpenAI")
    assert a.id == asset_id(AssetKind.PACKAGE, "pypi:openai")
    assert len(a.id) == 16 and a.id == Asset(AssetKind.PACKAGE, "openai", "pypi:openai", "1.0").id
    assert a.id != Asset(AssetKind.PROVIDER, "OpenAI", "pypi:openai").id


def test_fingerprint_ignores_line_drift_but_not_identity() -> None:
    rule = get_rule("AISPM-MCP-001")
    one = rule.finding(message="m", location=Location("mcp.json", 3, 3, "/r"), identity="server-a")
    moved = rule.finding(message="m", location=Location("mcp.json", 9, 9, "/r"), identity="server-a")
    other = rule.finding(message="m", location=Location("mcp.json", 3, 3, "/r"), identity="server-b")
    assert one.fingerprint == moved.fingerprint
    assert one.fingerprint != other.fingerprint


def test_records_pickle_for_worker_processes() -> None:
    finding = get_rule("AISPM-MCP-001").finding(message="m", location=Location("a", 1, 1, "/r"))
    assert pickle.loads(pickle.dumps(finding)) == finding


def test_severity_parse_and_rank() -> None:
    assert Severity.parse(" High ") is Severity.HIGH
    assert Severity.CRITICAL.rank > Severity.HIGH.rank > Severity.INFO.rank


def test_location_display() -> None:
    assert Location("a.py", 3, 3).display() == "a.py:3"
    assert Location("a.py", 3, 5).display() == "a.py:3-5"
    assert Location(resource_id="arn:aws:sagemaker:x").display() == "arn:aws:sagemaker:x"


def test_locations_sort_whatever_is_absent_duplicates_included() -> None:
    from aispm.model import Location

    places = [Location("b.py", 2), Location("a.py", 1), Location("a.py", 1), Location("a.py"), Location(url="u")]
    places += [Location("a.py", 1, url="https://x"), Location(resource_id="arn:aws:sagemaker:x")]
    ordered = sorted(places)
    assert [(p.path, p.start_line) for p in ordered][:2] == [("", None), ("", None)]
    assert [p.path for p in ordered[2:]] == ["a.py", "a.py", "a.py", "a.py", "b.py"]
    assert ordered[-2] == Location("a.py", 1, url="https://x") and not Location("a.py", 1) < Location("a.py", 1)
