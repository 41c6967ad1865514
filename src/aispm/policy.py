"""The organisation's policy file (``aispm.yaml``): approved AI, severity overrides, suppressions, fail-on.

Approval is default-deny per governed kind: once a policy has an ``approved`` section, every provider, model,
package, MCP server and AI service that no entry matches is *shadow AI*.  Entries are case-insensitive names or
shell-style globs (``gpt-4o*``, ``@langchain/*``).  Without an ``approved`` section there is no shadow-AI verdict.

Example::

    approved:
      providers: [openai, azure-openai]
      models: [gpt-4o, gpt-4o-mini, "meta-llama/Llama-3.1-8B-Instruct"]
      packages: [openai, "langchain*"]
      mcp-servers: ["@modelcontextprotocol/server-filesystem"]
      services: [ollama]
    severity-overrides:
      AISPM-MCP-001: high
    suppressions:
      - fingerprint: 3f2a9c0d1e4b5a69
        reason: accepted, the server runs in a sandbox
        expires: 2027-06-30
      - path: "examples/**"
        rule: AISPM-SHADOW-001
        reason: demo code, never deployed
    fail-on: high
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from msgspec import Struct, field
from msgspec.structs import replace

from aispm.model import Asset, AssetKind, Finding, Severity, Suppression

POLICY_FILE_NAMES = ("aispm.yaml", "aispm.yml", ".aispm.yaml")

GOVERNED_KINDS: Mapping[str, tuple[AssetKind, ...]] = {
    "providers": (AssetKind.PROVIDER,),
    "models": (AssetKind.MODEL,),
    "packages": (AssetKind.PACKAGE,),
    "mcp-servers": (AssetKind.MCP_SERVER,),
    "services": (AssetKind.SERVICE, AssetKind.VECTOR_DB),
}


class PolicyError(ValueError):
    """The policy file is invalid; the message says where and how to fix it."""


class SuppressionRule(Struct, frozen=True):
    reason: str
    fingerprint: str | None = None
    path: str | None = None
    rule: str | None = None
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, finding: Finding) -> bool:
        if self.rule and self.rule != finding.rule_id:
            return False
        if self.fingerprint:
            return self.fingerprint == finding.fingerprint
        if self.path:
            return fnmatch.fnmatchcase(finding.location.path, self.path)
        return False


class Policy(Struct, frozen=True):
    approved: Mapping[str, tuple[str, ...]] | None = None
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    suppressions: tuple[SuppressionRule, ...] = ()
    fail_on: Severity | None = None
    source: str = ""

    @property
    def governs_approval(self) -> bool:
        return self.approved is not None

    def is_approved(self, asset: Asset) -> bool:
        """True when the asset is not governed, or some approved entry of its kind matches it."""
        if self.approved is None:
            return True
        for section, kinds in GOVERNED_KINDS.items():
            if asset.kind in kinds:
                names = _asset_names(asset)
                return any(
                    fnmatch.fnmatchcase(name, pattern.lower())
                    for pattern in self.approved.get(section, ())
                    for name in names
                )
        return True

    def adjudicate(self, findings: Iterable[Finding], today: dt.date | None = None) -> list[Finding]:
        """Apply severity overrides and suppressions (an inline suppression already set is kept)."""
        day = today or dt.date.today()
        out: list[Finding] = []
        for finding in findings:
            override = self.severity_overrides.get(finding.rule_id)
            if override is not None:
                finding = replace(finding, severity=override)
            if finding.suppression is None:
                for sup in self.suppressions:
                    if not sup.expired(day) and sup.matches(finding):
                        layer = "policy-fingerprint" if sup.fingerprint else "policy-path"
                        expires = sup.expires.isoformat() if sup.expires else None
                        finding = replace(finding, suppression=Suppression(layer, sup.reason, expires))
                        break
            out.append(finding)
        return out


def _asset_names(asset: Asset) -> set[str]:
    names = {asset.name.lower(), asset.key.lower()}
    if ":" in asset.key:
        names.add(asset.key.split(":", 1)[1].lower())
    for alias in asset.properties.get("aliases", []) or []:
        names.add(str(alias).lower())
    return names


def shadow_ai_findings(policy: Policy, assets: Iterable[Asset]) -> list[Finding]:
    """One ``AISPM-SHADOW-001`` finding per AI asset that the policy does not approve."""
    if not policy.governs_approval:
        return []
    from aispm.rules import get_rule  # the rule catalogue is read only when a policy governs approval

    rule = get_rule("AISPM-SHADOW-001")
    findings = []
    for asset in assets:
        if policy.is_approved(asset) or not asset.locations:
            continue
        places = len(asset.locations)
        also = f" (and {places - 1} other place{'s' if places > 2 else ''})" if places > 1 else ""
        findings.append(
            rule.finding(
                message=f"{asset.kind.value} '{asset.name}' is not approved by policy{also}",
                location=asset.locations[0],
                asset_id=asset.id,
                evidence=f"{asset.kind.value}: {asset.name}" + (f" {asset.version}" if asset.version else ""),
                properties={"asset_kind": asset.kind.value, "asset_name": asset.name},
            )
        )
    return findings


def _as_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence):
        return tuple(str(v) for v in value)
    raise PolicyError(f"{where}: expected a list of names, got {type(value).__name__}")


def _as_date(value: object, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where}: expires must be a date like 2027-06-30, got {value!r}") from None


def parse_policy(data: object, source: str = "") -> Policy:
    """Validate the parsed YAML document and build a :class:`Policy`; errors name the offending key."""
    if data is None:
        return Policy(source=source)
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: the policy must be a mapping of sections (approved, suppressions, ...)")
    known = {"approved", "severity-overrides", "suppressions", "fail-on", "version"}
    unknown = sorted(set(map(str, data)) - known)
    if unknown:
        raise PolicyError(f"{source}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    approved: dict[str, tuple[str, ...]] | None = None
    if "approved" in data:
        section = data["approved"] or {}
        if not isinstance(section, Mapping):
            raise PolicyError(f"{source}: 'approved' must map kinds ({', '.join(GOVERNED_KINDS)}) to name lists")
        bad = sorted(set(map(str, section)) - set(GOVERNED_KINDS))
        if bad:
            raise PolicyError(f"{source}: approved: unknown kind(s) {', '.join(bad)}; use {', '.join(GOVERNED_KINDS)}")
        approved = {k: _as_list(section.get(k), f"{source}: approved.{k}") for k in GOVERNED_KINDS}
    overrides: dict[str, Severity] = {}
    for rule_id, sev in (data.get("severity-overrides") or {}).items():
        try:
            overrides[str(rule_id)] = Severity.parse(str(sev))
        except ValueError as exc:
            raise PolicyError(f"{source}: severity-overrides.{rule_id}: {exc}") from None
    suppressions = []
    for index, entry in enumerate(data.get("suppressions") or []):
        where = f"{source}: suppressions[{index}]"
        if not isinstance(entry, Mapping):
            raise PolicyError(f"{where}: expected a mapping with fingerprint or path, and reason")
        if not entry.get("reason"):
            raise PolicyError(f"{where}: a suppression needs a 'reason' (say why the risk is accepted)")
        if not entry.get("fingerprint") and not entry.get("path"):
            raise PolicyError(f"{where}: a suppression needs a 'fingerprint' or a 'path' glob")
        suppressions.append(
            SuppressionRule(
                reason=str(entry["reason"]),
                fingerprint=str(entry["fingerprint"]) if entry.get("fingerprint") else None,
                path=str(entry["path"]) if entry.get("path") else None,
                rule=str(entry["rule"]) if entry.get("rule") else None,
                expires=_as_date(entry.get("expires"), where),
            )
        )
    fail_on = None
    if data.get("fail-on"):
        try:
            fail_on = Severity.parse(str(data["fail-on"]))
        except ValueError as exc:
            raise PolicyError(f"{source}: fail-on: {exc}") from None
    return Policy(approved, overrides, tuple(suppressions), fail_on, source)


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    from aispm.files.structured import StructuredError, load_plain_yaml

    try:
        data = load_plain_yaml(text)
    except StructuredError as exc:  # invalid YAML, or nesting too deep to parse safely
        raise PolicyError(f"{path}: {exc}") from None
    return parse_policy(data, str(path))


def find_policy(roots: Iterable[str]) -> Path | None:
    """The policy file in the current directory, else in the first scan root that has one."""
    for directory in [Path.cwd(), *(Path(r) for r in roots)]:
        for name in POLICY_FILE_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None
