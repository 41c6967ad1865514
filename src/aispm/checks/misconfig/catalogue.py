"""The misconfiguration rule catalogue: every rule is one entry in a YAML file of ``rules/`` beside this module.

An entry carries everything a finding needs on its own: id, title, severity, the normalised resource types it
judges, an optional ``applies_when`` filter and the ``condition`` of the misconfigured state (see
:mod:`aispm.checks.misconfig.conditions`), the rationale, a remediation with fixed snippets per format,
references and framework control ids.  Adding a rule needs no Python.  The rules also take their place in the
one rule catalogue of :func:`aispm.rules.all_rules` (through :func:`catalogue_rules`), where ids are unique across
every family.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from msgspec import Struct

from aispm.checks.misconfig.conditions import validate_condition
from aispm.files.structured import load_shipped_yaml
from aispm.model import Severity
from aispm.rules import Rule

SNIPPET_FORMATS = ("terraform", "cloudformation", "arm", "bicep", "kubernetes", "compose")
FAMILY = "iac"
_REQUIRED = ("id", "title", "severity", "resource_types", "condition", "rationale", "remediation")


class MisconfigRule(Struct, frozen=True):
    id: str
    title: str
    severity: Severity
    resource_types: tuple[str, ...]
    condition: Mapping[str, Any]
    rationale: str
    remediation: str
    snippets: Mapping[str, str]
    references: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    applies_when: Mapping[str, Any] | None = None

    def as_rule(self) -> Rule:
        """This rule as the catalogue entry that reports and ``aispm rules`` read, with every fixed snippet."""
        fixes = [f"Fixed ({fmt}):\n{snippet.rstrip()}" for fmt, snippet in self.snippets.items()]
        return Rule(
            id=self.id,
            title=self.title,
            severity=self.severity,
            family=FAMILY,
            description=self.rationale,
            remediation="\n\n".join([self.remediation, *fixes]),
            references=self.references,
            frameworks=self.frameworks,
        )

    def remediation_for(self, source: str) -> str:
        """The remediation text with the fixed snippet for ``source`` (Bicep falls back to ARM and back)."""
        snippet = self.snippets.get(source)
        if snippet is None and source in ("arm", "bicep"):
            snippet = self.snippets.get("bicep" if source == "arm" else "arm")
        if not snippet:
            return self.remediation
        return f"{self.remediation}\n\nFixed ({source}):\n{snippet.rstrip()}"


def _parse(entry: Mapping[str, Any], source: str) -> MisconfigRule:
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise ValueError(f"rule {entry.get('id', '?')} in {source} lacks {', '.join(missing)}")
    rule_id = str(entry["id"])
    where = f"{source}: {rule_id}"
    validate_condition(entry["condition"], where)
    if entry.get("applies_when") is not None:
        validate_condition(entry["applies_when"], where)
    remediation = entry["remediation"]
    if isinstance(remediation, Mapping):
        text = str(remediation.get("text", "")).strip()
        snippets = {fmt: str(remediation[fmt]) for fmt in SNIPPET_FORMATS if remediation.get(fmt)}
        unknown = set(remediation) - {"text", *SNIPPET_FORMATS}
        if unknown:
            raise ValueError(f"{where}: unknown remediation keys {sorted(unknown)}")
    else:
        text, snippets = str(remediation).strip(), {}
    types = entry["resource_types"]
    return MisconfigRule(
        id=rule_id,
        title=str(entry["title"]),
        severity=Severity.parse(str(entry["severity"])),
        resource_types=tuple(str(t) for t in (types if isinstance(types, list) else [types])),
        condition=entry["condition"],
        rationale=" ".join(str(entry["rationale"]).split()),
        remediation=text,
        snippets=snippets,
        references=tuple(str(r) for r in entry.get("references") or ()),
        frameworks=tuple(str(f) for f in entry.get("frameworks") or ()),
        applies_when=entry.get("applies_when"),
    )


@cache
def misconfig_rules() -> tuple[MisconfigRule, ...]:
    """Every misconfiguration rule, in file and entry order; duplicate ids are an error."""
    rules: list[MisconfigRule] = []
    seen: set[str] = set()
    folder = resources.files(__package__ or "aispm.checks.misconfig") / "rules"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        for entry in load_shipped_yaml(item.read_text("utf-8")) or []:
            rule = _parse(entry, item.name)
            if rule.id in seen:
                raise ValueError(f"duplicate misconfiguration rule id {rule.id} in {item.name}")
            seen.add(rule.id)
            rules.append(rule)
    return tuple(rules)


@cache
def rules_by_type() -> dict[str, tuple[MisconfigRule, ...]]:
    index: dict[str, list[MisconfigRule]] = defaultdict(list)
    for rule in misconfig_rules():
        for type_name in rule.resource_types:
            index[type_name].append(rule)
    return {k: tuple(v) for k, v in index.items()}


def catalogue_rules() -> tuple[Rule, ...]:
    """The misconfiguration rules as entries of the one rule catalogue (:func:`aispm.rules.all_rules`)."""
    return tuple(rule.as_rule() for rule in misconfig_rules())


def get_misconfig_rule(rule_id: str) -> MisconfigRule:
    for rule in misconfig_rules():
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)
