"""The baseline file: accepted findings by fingerprint, never a secret, portable across scan roots."""

from __future__ import annotations

import datetime as dt
import json
import random
import string
from pathlib import Path

import pytest
from msgspec.structs import replace

from aispm.baseline import (
    BASELINE_LAYER,
    Baseline,
    BaselineError,
    accepted,
    build_baseline,
    load_baseline,
    parse_baseline,
    portable_fingerprint,
    write_baseline,
)
from aispm.engine import scan as run_scan
from aispm.model import Finding, Location, Severity, Suppression
from aispm.options import ScanOptions
from aispm.policy import parse_policy

SECRETS_ONLY = ScanOptions(scanners=frozenset({"secrets"}), workers=1, history=False)
NOW = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def groq_key(seed: int) -> str:
    rng = random.Random(seed)
    return "gsk_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(52))


def finding(path: str = "app.py", identity: str = "k1", root: str = "/src/a", asset: str | None = "p1") -> Finding:
    return Finding(
        rule_id="AISPM-SECRET-GROQ",
        title="Groq credential exposed",
        severity=Severity.CRITICAL,
        family="secrets",
        message="Groq API key exposed",
        location=Location(path=path, start_line=3, root=root),
        asset_id=asset,
        evidence="Groq API key: gsk_Ab12…0123456789ab",
        identity=identity,
    )


def test_portable_fingerprint_ignores_the_scan_root_the_asset_and_the_line() -> None:
    base = finding()
    moved = replace(base, location=Location(path="app.py", start_line=40, root="."), asset_id=None)
    assert base.fingerprint != moved.fingerprint
    assert portable_fingerprint(base) == portable_fingerprint(moved)
    # ... but not the path, the rule or the key
    assert portable_fingerprint(base) != portable_fingerprint(finding(path="other.py"))
    assert portable_fingerprint(base) != portable_fingerprint(finding(identity="k2"))
    assert portable_fingerprint(base) != portable_fingerprint(replace(base, rule_id="AISPM-SECRET-OPENAI"))


def test_findings_without_an_identity_are_told_apart_by_their_asset() -> None:
    one, two = finding(identity="", asset="a1"), finding(identity="", asset="a2")
    assert portable_fingerprint(one) != portable_fingerprint(two)


def test_apply_suppresses_only_open_findings_the_baseline_holds() -> None:
    old, new = finding(identity="old"), finding(identity="new")
    policy_suppressed = replace(finding(identity="pol"), suppression=Suppression("policy-fingerprint", "accepted"))
    baseline = build_baseline([old, policy_suppressed], now=NOW)
    assert [e.fingerprint for e in baseline.entries] == [old.fingerprint]  # the policy's own suppression holds
    applied = replace(baseline, source="aispm-baseline.json").apply([old, new, policy_suppressed])
    assert applied[0].suppression is not None
    assert applied[0].suppression.layer == BASELINE_LAYER
    assert applied[0].suppression.reason == "accepted in baseline aispm-baseline.json of 2025-03-04"
    assert applied[1].suppression is None
    assert applied[2].suppression == policy_suppressed.suppression


def test_apply_matches_a_scan_of_the_same_tree_under_another_root() -> None:
    laptop = finding(root=".")
    ci = finding(root="/builds/group/repo")
    assert laptop.fingerprint != ci.fingerprint
    (applied,) = build_baseline([laptop]).apply([ci])
    assert applied.suppressed


def test_accepted_keeps_open_and_baselined_findings_only() -> None:
    open_finding = finding(identity="a")
    baselined = replace(finding(identity="b"), suppression=Suppression(BASELINE_LAYER, "accepted"))
    placeholder = replace(finding(identity="c"), suppression=Suppression("placeholder", "xxxx"))
    assert accepted([open_finding, baselined, placeholder]) == [open_finding, baselined]


def test_round_trip_is_stable_sorted_and_keeps_other_sections(tmp_path: Path) -> None:
    path = tmp_path / "aispm-baseline.json"
    previous = parse_baseline({"aispm_baseline": 1, "findings": [], "models": {"m.safetensors": "abc"}}, "x")
    written = build_baseline([finding(path="z.py", identity="2"), finding(path="a.py", identity="1")], previous, NOW)
    write_baseline(written, path)
    document = json.loads(path.read_text("utf-8"))
    assert document["aispm_baseline"] == 1
    assert document["created_at"] == "2025-03-04T05:06:07+00:00"
    assert document["models"] == {"m.safetensors": "abc"}  # another feature's section, kept as it was
    assert [e["path"] for e in document["findings"]] == ["a.py", "z.py"]
    assert set(document["findings"][0]) == {"fingerprint", "portable_fingerprint", "rule_id", "path", "evidence"}
    loaded = load_baseline(path)
    assert loaded.entries == written.entries
    assert loaded.source == str(path)
    assert loaded.other_sections == {"models": {"m.safetensors": "abc"}}
    write_baseline(build_baseline([finding(path="a.py", identity="1")], loaded, NOW), path)
    assert [e["path"] for e in json.loads(path.read_text("utf-8"))["findings"]] == ["a.py"]  # fixed: dropped


def test_long_evidence_is_cut() -> None:
    long = replace(finding(), evidence="e" * 5000)
    (entry,) = build_baseline([long]).entries
    assert len(entry.evidence) == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[]", "not an aispm baseline"),
        ('{"findings": []}', "not an aispm baseline"),
        ('{"aispm_baseline": 2, "findings": []}', "format 2 is not supported"),
        ('{"aispm_baseline": 1, "findings": {}}', "'findings' must be a list"),
        ('{"aispm_baseline": 1, "findings": [{"rule_id": "X"}]}', "findings[0] needs a 'fingerprint'"),
    ],
)
def test_invalid_baselines_say_why(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_baseline(path)


def test_unreadable_baseline_says_why(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read baseline file"):
        load_baseline(tmp_path / "missing.json")
    (tmp_path / "latin1.json").write_bytes(b'{"aispm_baseline": 1, "x": "\xff"}')
    with pytest.raises(BaselineError, match="not UTF-8"):
        load_baseline(tmp_path / "latin1.json")


def test_engine_applies_the_baseline_after_the_policy(tmp_path: Path) -> None:
    old, new, accepted_by_policy = groq_key(1), groq_key(2), groq_key(3)
    (tmp_path / "a.py").write_text(f"GROQ_API_KEY = '{old}'\nOTHER = '{accepted_by_policy}'\n", encoding="utf-8")
    first = run_scan([str(tmp_path)], SECRETS_ONLY)
    baseline = build_baseline(first.findings)
    assert len(baseline) == 2
    (tmp_path / "b.py").write_text(f"GROQ_API_KEY = '{new}'\n", encoding="utf-8")
    by_policy = next(f for f in first.findings if f.location.start_line == 2)
    policy = parse_policy({"suppressions": [{"fingerprint": by_policy.fingerprint, "reason": "rotated"}]})
    second = run_scan([str(tmp_path)], SECRETS_ONLY, policy, baseline=replace(baseline, source="bl.json"))
    layers = {
        (f.location.path, f.location.start_line): f.suppression.layer if f.suppression else None
        for f in second.findings
    }
    assert layers == {("a.py", 1): "baseline", ("a.py", 2): "policy-fingerprint", ("b.py", 1): None}
    assert second.stats["baseline"] == {"source": "bl.json", "entries": 2}


def test_a_baseline_never_holds_a_secret(tmp_path: Path) -> None:
    secrets = [groq_key(seed) for seed in range(5)]
    (tmp_path / ".env").write_text("".join(f"GROQ_API_KEY_{i}={s}\n" for i, s in enumerate(secrets)), encoding="utf-8")
    result = run_scan([str(tmp_path)], SECRETS_ONLY)
    path = tmp_path / "baseline.json"
    write_baseline(build_baseline(result.findings), path)
    text = path.read_text("utf-8")
    assert len(json.loads(text)["findings"]) == 5
    for secret in secrets:
        assert secret not in text
        assert secret[4:20] not in text  # not even a long piece of the random part


def test_an_empty_baseline_changes_nothing() -> None:
    findings = [finding()]
    assert Baseline().apply(findings) == findings
