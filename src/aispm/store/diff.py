"""What changed between two scans: assets by id, findings by fingerprint.

Both keys are stable across scans by design (see :mod:`aispm.model`), so an asset or finding present in both scans
is the *same* thing, whatever moved around it.  Lines are not compared: an edit above a finding is not a change.
"""

from __future__ import annotations

from collections.abc import Mapping

from msgspec import Struct

from aispm.model import Asset, Finding, JSONValue, ScanResult, Severity


class ScanSummary(Struct, frozen=True):
    """One stored scan as ``aispm history`` lists it; ``findings`` counts unsuppressed findings only."""

    id: int
    started_at: str
    finished_at: str
    roots: list[str]
    assets: int
    findings: int
    suppressed: int
    errors: int
    tool_version: str = ""

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "roots": list(self.roots),
            "assets": self.assets,
            "findings": self.findings,
            "suppressed": self.suppressed,
            "errors": self.errors,
            "tool_version": self.tool_version,
        }


class VersionChange(Struct, frozen=True):
    """An asset present in both scans whose version moved (an upgrade, a downgrade, a pin)."""

    before: Asset
    after: Asset


class SeverityChange(Struct, frozen=True):
    """A finding still open whose severity changed (a policy override, a new rule version)."""

    before: Severity
    finding: Finding


class ScanDiff(Struct, frozen=True):
    """Assets new/gone/changed/unchanged and findings new/fixed/still open from ``before`` to ``after``."""

    before: ScanSummary
    after: ScanSummary
    assets_new: tuple[Asset, ...] = ()
    assets_gone: tuple[Asset, ...] = ()
    assets_changed: tuple[VersionChange, ...] = ()
    assets_unchanged: tuple[Asset, ...] = ()
    findings_new: tuple[Finding, ...] = ()
    findings_fixed: tuple[Finding, ...] = ()
    findings_open: tuple[Finding, ...] = ()
    severity_changed: tuple[SeverityChange, ...] = ()

    @property
    def has_changes(self) -> bool:
        return any(
            (
                self.assets_new,
                self.assets_gone,
                self.assets_changed,
                self.findings_new,
                self.findings_fixed,
                self.severity_changed,
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "assets_new": len(self.assets_new),
            "assets_gone": len(self.assets_gone),
            "assets_changed": len(self.assets_changed),
            "assets_unchanged": len(self.assets_unchanged),
            "findings_new": len(self.findings_new),
            "findings_fixed": len(self.findings_fixed),
            "findings_still_open": len(self.findings_open),
            "findings_severity_changed": len(self.severity_changed),
        }

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "summary": dict(self.counts()),
            "assets": {
                "new": [_asset_json(a) for a in self.assets_new],
                "gone": [_asset_json(a) for a in self.assets_gone],
                "changed": [{**_asset_json(c.after), "version_before": c.before.version} for c in self.assets_changed],
                "unchanged": [_asset_json(a) for a in self.assets_unchanged],
            },
            "findings": {
                "new": [_finding_json(f) for f in self.findings_new],
                "fixed": [_finding_json(f) for f in self.findings_fixed],
                "still_open": [_finding_json(f) for f in self.findings_open],
                "severity_changed": [
                    {**_finding_json(c.finding), "severity_before": c.before.value} for c in self.severity_changed
                ],
            },
        }


def _asset_json(asset: Asset) -> dict[str, JSONValue]:
    return {"id": asset.id, "kind": asset.kind.value, "name": asset.name, "key": asset.key, "version": asset.version}


def _finding_json(finding: Finding) -> dict[str, JSONValue]:
    return {
        "fingerprint": finding.fingerprint,
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "title": finding.title,
        "message": finding.message,
        "location": finding.location.to_json(),
        "asset_id": finding.asset_id,
        "suppressed": finding.suppressed,
    }


def _by_fingerprint(findings: tuple[Finding, ...]) -> Mapping[str, Finding]:
    """Findings by fingerprint; the first wins, as it does in the engine's merge."""
    out: dict[str, Finding] = {}
    for finding in findings:
        out.setdefault(finding.fingerprint, finding)
    return out


def diff_scans(before: ScanSummary, old: ScanResult, after: ScanSummary, new: ScanResult) -> ScanDiff:
    """Compare two scan results (``old`` was stored as ``before``, ``new`` as ``after``); order follows each scan."""
    old_assets, new_assets = old.asset_by_id(), new.asset_by_id()
    changed: list[VersionChange] = []
    unchanged: list[Asset] = []
    for aid, asset in new_assets.items():
        previous = old_assets.get(aid)
        if previous is None:
            continue
        if previous.version != asset.version:
            changed.append(VersionChange(previous, asset))
        else:
            unchanged.append(asset)

    old_findings, new_findings = _by_fingerprint(old.findings), _by_fingerprint(new.findings)
    still_open: list[Finding] = []
    severity_changed: list[SeverityChange] = []
    for fingerprint, finding in new_findings.items():
        previous_finding = old_findings.get(fingerprint)
        if previous_finding is None:
            continue
        still_open.append(finding)
        if previous_finding.severity is not finding.severity:
            severity_changed.append(SeverityChange(previous_finding.severity, finding))

    return ScanDiff(
        before=before,
        after=after,
        assets_new=tuple(a for aid, a in new_assets.items() if aid not in old_assets),
        assets_gone=tuple(a for aid, a in old_assets.items() if aid not in new_assets),
        assets_changed=tuple(changed),
        assets_unchanged=tuple(unchanged),
        findings_new=tuple(f for fp, f in new_findings.items() if fp not in old_findings),
        findings_fixed=tuple(f for fp, f in old_findings.items() if fp not in new_findings),
        findings_open=tuple(still_open),
        severity_changed=tuple(severity_changed),
    )
