"""Scan diffs: assets by id, findings by fingerprint; moves are not changes, look-alikes are not the same thing."""

from __future__ import annotations

from msgspec.structs import replace
from store_samples import ROOT, finding, package, scan_result

from aispm.model import Asset, AssetKind, Finding, Location, Severity
from aispm.store import ScanSummary, Store
from aispm.store.diff import ScanDiff, diff_scans

Scanned = tuple[tuple[Asset, ...], tuple[Finding, ...]]
"""(assets, findings) of one scan."""


def _summary(scan_id: int) -> ScanSummary:
    return ScanSummary(scan_id, "2025-11-21T10:00:00+00:00", "2025-11-21T10:00:05+00:00", [ROOT], 0, 0, 0, 0)


def _diff(old: Scanned, new: Scanned) -> ScanDiff:
    return diff_scans(
        _summary(1),
        scan_result(assets=old[0], findings=old[1]),
        _summary(2),
        scan_result(assets=new[0], findings=new[1]),
    )


def test_assets_new_gone_changed_and_unchanged() -> None:
    openai, langchain, torch = package("openai", "1.0"), package("langchain", "0.2"), package("torch", "2.4")
    diff = _diff(((openai, langchain), ()), ((replace(openai, version="1.1"), torch, langchain), ()))
    assert [a.name for a in diff.assets_new] == ["torch"]
    assert [a.name for a in diff.assets_gone] == []
    assert [(c.before.version, c.after.version) for c in diff.assets_changed] == [("1.0", "1.1")]
    assert [a.name for a in diff.assets_unchanged] == ["langchain"]
    gone = _diff(((openai, langchain), ()), ((openai,), ()))
    assert [a.name for a in gone.assets_gone] == ["langchain"]


def test_an_asset_that_moved_is_unchanged() -> None:
    before = package("openai", line=3)
    after = replace(before, locations=(Location("requirements/base.txt", 40, 40, ROOT),))
    diff = _diff(((before,), ()), ((after,), ()))
    assert diff.assets_unchanged == (after,)
    assert not diff.has_changes


def test_look_alike_assets_are_different_assets() -> None:
    """Same name, another kind (a package vs a model called openai) or ecosystem: not the same asset."""
    pypi = package("openai")
    npm = Asset(AssetKind.PACKAGE, "openai", "npm:openai", "4.0")
    model = Asset(AssetKind.MODEL, "openai", "model:openai:openai")
    diff = _diff(((pypi,), ()), ((npm, model), ()))
    assert {a.key for a in diff.assets_new} == {"npm:openai", "model:openai:openai"}
    assert [a.key for a in diff.assets_gone] == ["pypi:openai"]
    assert diff.assets_unchanged == ()


def test_findings_new_fixed_and_still_open() -> None:
    key = finding("AISPM-SECRET-001", "app/settings.py", identity="a")
    other = finding("AISPM-SECRET-001", "app/settings.py", identity="b")  # same rule and file, another secret
    shadow = finding("AISPM-SHADOW-001", "requirements.txt", family="inventory")
    diff = _diff(
        ((), (key, shadow)), ((), (other, replace(shadow, location=Location("requirements.txt", 99, 99, ROOT))))
    )
    assert [f.fingerprint for f in diff.findings_new] == [other.fingerprint]
    assert [f.fingerprint for f in diff.findings_fixed] == [key.fingerprint]
    assert [f.fingerprint for f in diff.findings_open] == [shadow.fingerprint]  # moved lines: still the same one
    assert diff.severity_changed == ()
    assert diff.has_changes


def test_changed_severity_is_noted() -> None:
    shadow = finding("AISPM-SHADOW-001", "requirements.txt", family="inventory", severity=Severity.MEDIUM)
    raised = replace(shadow, severity=Severity.HIGH)
    diff = _diff(((), (shadow,)), ((), (raised,)))
    assert diff.findings_open == (raised,)
    assert [(c.before, c.finding.severity) for c in diff.severity_changed] == [(Severity.MEDIUM, Severity.HIGH)]
    assert diff.has_changes


def test_identical_scans_have_no_changes() -> None:
    assets = (package("openai"), package("torch"))
    findings = (finding("AISPM-SECRET-001", "a.py"),)
    diff = _diff((assets, findings), (assets, findings))
    assert not diff.has_changes
    assert diff.counts() == {
        "assets_new": 0,
        "assets_gone": 0,
        "assets_changed": 0,
        "assets_unchanged": 2,
        "findings_new": 0,
        "findings_fixed": 0,
        "findings_still_open": 1,
        "findings_severity_changed": 0,
    }


def test_diff_json_lists_every_item_by_its_key() -> None:
    openai = package("openai", "1.0")
    key = finding("AISPM-SECRET-001", "app/settings.py", suppressed=True)
    data = _diff(((openai,), ()), ((replace(openai, version="2.0"),), (key,))).to_json()
    assert data["before"]["id"] == 1 and data["after"]["id"] == 2
    assert data["summary"]["assets_changed"] == 1
    assert data["assets"]["changed"] == [
        {
            "id": openai.id,
            "kind": "package",
            "name": "openai",
            "key": "pypi:openai",
            "version": "2.0",
            "version_before": "1.0",
        }
    ]
    (new,) = data["findings"]["new"]
    assert (new["fingerprint"], new["suppressed"], new["location"]["path"]) == (
        key.fingerprint,
        True,
        "app/settings.py",
    )


def test_store_diff_between_stored_scans(store: Store) -> None:
    openai, torch = package("openai"), package("torch")
    key = finding("AISPM-SECRET-001", "app/settings.py")
    first = store.save(scan_result(assets=(openai,), findings=(key,)))
    second = store.save(scan_result(assets=(openai, torch)))
    diff = store.diff("previous", "latest")
    assert (diff.before.id, diff.after.id) == (first, second)
    assert [a.name for a in diff.assets_new] == ["torch"]
    assert [f.fingerprint for f in diff.findings_fixed] == [key.fingerprint]
    backwards = store.diff(str(second), str(first))
    assert [a.name for a in backwards.assets_gone] == ["torch"]
    assert [f.fingerprint for f in backwards.findings_new] == [key.fingerprint]
