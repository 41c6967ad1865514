"""SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDEs): findings only, the inventory goes elsewhere.

The log is shaped so that GitHub code scanning accepts it as is:

* every rule carries ``properties.security-severity`` (GitHub's bands: over 9.0 critical, 7.0-8.9 high,
  4.0-6.9 medium, 3.9 or less low) and ``properties.tags`` with its family and ``security``.  Info rules carry
  no score: GitHub would show any score as at least "low", and an informational note is not a security alert;
* every result has a physical location with a URI relative to its scan root (one ``uriBaseId`` per root).
  GitHub rejects the *whole* file when one result lacks a file location, so findings that only point at a
  cloud resource id or a URL are left out of ``results`` and counted in a tool notification instead (they are in
  the JSON and HTML reports); a cloud finding read from a file (Terraform ...) keeps its resource id as a
  logical location beside the file;
* at most :data:`GITHUB_MAX_RESULTS` results and :data:`GITHUB_MAX_TAGS` tags per rule (GitHub's limits).

Nothing here recomputes anything: texts come from the findings (or the rule catalogue for a rule's defaults).
Of a finding's properties only the already redacted ``evidence`` and the archive ``member`` a finding sits in (its
location is the archive file, which is what a viewer can open) are written, never the others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

from aispm import __version__
from aispm.compliance import describe
from aispm.model import Finding, JSONValue, Location, ScanError, ScanResult, Severity
from aispm.rules import Rule, all_rules

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "aispm/v1"
GITHUB_MAX_RESULTS = 25_000
GITHUB_MAX_TAGS = 20

SECURITY_SEVERITY: Mapping[Severity, str | None] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: None,
}
"""The score GitHub turns back into our severity (its bands, mid-band so rounding never moves a finding)."""

LEVEL: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _information_uri() -> str | None:
    """The project's home page from the installed package metadata (set in one place, pyproject), if any."""
    try:
        meta = metadata.metadata("aispm")
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        url = str(entry).partition(",")[2].strip()
        if url.startswith("https://"):
            return url
    for home in meta.get_all("Home-page") or []:
        if str(home).startswith("https://"):
            return str(home)
    return None


def _utc(timestamp: str) -> str | None:
    """ISO 8601 with a UTC offset, as SARIF prefers it (``...Z``); None when there is no timestamp."""
    if not timestamp:
        return None
    return timestamp[:-6] + "Z" if timestamp.endswith("+00:00") else timestamp


def _rule_name(title: str) -> str:
    """A readable identifier from the title (``Shadow AI (not approved)`` -> ``ShadowAiNotApproved``)."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:].lower() for w in words) or "Finding"


class _RootIds:
    """One ``uriBaseId`` per scan root, declared in ``run.originalUriBaseIds``."""

    def __init__(self, roots: Iterable[str]) -> None:
        self.ids: dict[str, str] = {}
        for root in roots:
            self.id_for(root)

    def id_for(self, root: str) -> str:
        if root not in self.ids:
            self.ids[root] = "SRCROOT" if not self.ids else f"SRCROOT{len(self.ids) + 1}"
        return self.ids[root]

    def declarations(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {}
        for root, base_id in self.ids.items():
            uri = Path(root).expanduser().resolve().as_uri()
            out[base_id] = {"uri": uri if uri.endswith("/") else uri + "/"}
        return out


def _artifact_location(path: str, root: str, roots: _RootIds) -> dict[str, JSONValue]:
    # a file name that is not UTF-8 holds lone surrogates: its original bytes are percent-encoded
    location: dict[str, JSONValue] = {"uri": quote(path.lstrip("/"), safe="/", errors="surrogateescape")}
    if root:
        location["uriBaseId"] = roots.id_for(root)
    return location


def _location(loc: Location, roots: _RootIds) -> dict[str, JSONValue] | None:
    """The SARIF location of ``loc``, or None when it has no file (GitHub needs one)."""
    if not loc.path:
        return None
    physical: dict[str, JSONValue] = {"artifactLocation": _artifact_location(loc.path, loc.root, roots)}
    if loc.start_line is not None and loc.start_line >= 1:
        end = loc.end_line if loc.end_line is not None and loc.end_line >= loc.start_line else loc.start_line
        physical["region"] = {"startLine": loc.start_line, "endLine": end}
    out: dict[str, JSONValue] = {"physicalLocation": physical}
    if loc.resource_id:
        out["logicalLocations"] = [{"fullyQualifiedName": loc.resource_id, "kind": "resource"}]
    return out


def _rule_severity(findings: Iterable[Finding]) -> Severity:
    """The highest severity the rule's findings have in this run (so policy severity overrides show in GitHub)."""
    return max((f.severity for f in findings), key=lambda s: s.rank)


def _help(description: str, remediation: str, references: Iterable[str], frameworks: Iterable[str]) -> JSONValue:
    refs = list(references)
    controls = [describe(control) for control in frameworks]
    text = f"Why it matters: {description}\n\nHow to fix: {remediation}"
    markdown = f"**Why it matters**\n\n{description}\n\n**How to fix**\n\n{remediation}"
    if refs:
        text += "\n\nReferences: " + " ".join(refs)
        markdown += "\n\n**References**\n\n" + "\n".join(f"- {ref}" for ref in refs)
    if controls:
        text += "\n\nFramework controls: " + "; ".join(controls)
        markdown += "\n\n**Framework controls**\n\n" + "\n".join(f"- {c}" for c in controls)
    return {"text": text, "markdown": markdown}


def _rule_descriptor(rule_id: str, findings: list[Finding], catalogue: Mapping[str, Rule]) -> dict[str, JSONValue]:
    first = findings[0]
    known = catalogue.get(rule_id)
    title = known.title if known else first.title
    description = (known.description if known else first.description) or first.message
    remediation = (known.remediation if known else first.remediation) or "See the references."
    references = known.references if known else first.references
    frameworks = known.frameworks if known else first.frameworks
    family = known.family if known else first.family
    severity = _rule_severity(findings)
    tags = list(dict.fromkeys([family, "security", *frameworks]))[:GITHUB_MAX_TAGS]
    properties: dict[str, JSONValue] = {"tags": tags, "severity": severity.value}
    score = SECURITY_SEVERITY[severity]
    if score is not None:
        properties["security-severity"] = score
    if frameworks:
        properties["frameworks"] = list(frameworks)
    descriptor: dict[str, JSONValue] = {
        "id": rule_id,
        "name": _rule_name(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": _help(description, remediation, references, frameworks),
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": properties,
    }
    if references:
        descriptor["helpUri"] = references[0]
    return descriptor


def _result(finding: Finding, rule_index: int, location: dict[str, JSONValue]) -> dict[str, JSONValue]:
    properties: dict[str, JSONValue] = {"severity": finding.severity.value, "family": finding.family}
    score = SECURITY_SEVERITY[finding.severity]
    if score is not None:
        properties["security-severity"] = score
    if finding.evidence:
        properties["evidence"] = finding.evidence  # already redacted by the detector
    if finding.asset_id:
        properties["assetId"] = finding.asset_id
    member = finding.properties.get("member")
    if isinstance(member, str) and member:
        properties["member"] = member
    result: dict[str, JSONValue] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message or finding.title},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.suppression is not None:
        kind = "inSource" if finding.suppression.layer == "inline" else "external"
        justification = finding.suppression.reason
        if finding.suppression.expires:
            justification += f" (until {finding.suppression.expires})"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": justification}]
    return result


def _error_notification(error: ScanError, roots: _RootIds) -> dict[str, JSONValue]:
    notification: dict[str, JSONValue] = {
        "level": "warning",
        "message": {"text": f"{error.path or error.root or 'input'}: {error.message}"},
        "descriptor": {"id": "aispm/file-not-analysed"},
    }
    if error.path:
        artifact = _artifact_location(error.path, error.root, roots)
        notification["locations"] = [{"physicalLocation": {"artifactLocation": artifact}}]
    if error.analyser:
        notification["properties"] = {"analyser": error.analyser}
    return notification


def build_log(result: ScanResult) -> dict[str, JSONValue]:
    """The SARIF log as a dict (``render`` serialises it)."""
    roots = _RootIds(result.roots)
    catalogue = all_rules()
    ranked = sorted(result.findings, key=lambda f: (-f.severity.rank, f.rule_id, f.location, f.fingerprint))
    placed: list[tuple[Finding, dict[str, JSONValue]]] = []
    fileless = 0
    for finding in ranked:
        location = _location(finding.location, roots)
        if location is None:
            fileless += 1
        else:
            placed.append((finding, location))
    dropped = max(0, len(placed) - GITHUB_MAX_RESULTS)
    placed = placed[:GITHUB_MAX_RESULTS]

    by_rule: dict[str, list[Finding]] = {}
    for finding, _ in placed:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = sorted(by_rule)
    rule_index = {rule_id: index for index, rule_id in enumerate(rule_ids)}
    rules = [_rule_descriptor(rule_id, by_rule[rule_id], catalogue) for rule_id in rule_ids]
    results = [_result(finding, rule_index[finding.rule_id], location) for finding, location in placed]

    notifications = [_error_notification(error, roots) for error in result.errors]
    if fileless:
        text = (
            f"{fileless} finding(s) concern a cloud resource or URL rather than a file and are not in this SARIF "
            "log (code scanning needs a file); see the JSON or HTML report"
        )
        notifications.append({"level": "note", "message": {"text": text}, "descriptor": {"id": "aispm/no-file"}})
    if dropped:
        text = f"{dropped} lower-severity finding(s) left out: code scanning accepts {GITHUB_MAX_RESULTS} per run"
        notifications.append({"level": "warning", "message": {"text": text}, "descriptor": {"id": "aispm/limit"}})

    invocation: dict[str, JSONValue] = {"executionSuccessful": True, "toolExecutionNotifications": notifications}
    for key, stamp in (("startTimeUtc", result.started_at), ("endTimeUtc", result.finished_at)):
        utc = _utc(stamp)
        if utc:
            invocation[key] = utc
    version = result.tool_version or __version__
    driver: dict[str, JSONValue] = {"name": "aispm", "version": version, "semanticVersion": version}
    information_uri = _information_uri()
    if information_uri:
        driver["informationUri"] = information_uri
    driver["rules"] = rules
    run: dict[str, JSONValue] = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": roots.declarations(),
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"scanners": list(result.scanners)},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(result: ScanResult) -> str:
    return json.dumps(build_log(result), indent=2, ensure_ascii=False) + "\n"
