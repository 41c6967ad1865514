"""The rule catalogue: every finding aispm can raise is one data entry in a YAML file.

A rule carries what a finding needs to be useful on its own: why it matters, how to fix it, references, and the
framework controls it maps to.  Detectors create findings through :meth:`Rule.finding`, so titles, severities and
guidance live in one place.  Most rules sit in the YAML files beside this module; a family whose rules carry more
than these fields (the misconfiguration rules, with their conditions and fixed snippets) keeps its own YAML files
and is listed in :data:`FAMILY_CATALOGUES`, so :func:`all_rules` is the one catalogue every report sees.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from msgspec import Struct

from aispm.files.structured import load_shipped_yaml
from aispm.model import Finding, JSONValue, Location, Severity


class Rule(Struct, frozen=True):
    id: str
    title: str
    severity: Severity
    family: str
    description: str
    remediation: str
    references: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()

    def finding(
        self,
        *,
        message: str,
        location: Location,
        asset_id: str | None = None,
        evidence: str = "",
        identity: str = "",
        severity: Severity | None = None,
        properties: Mapping[str, JSONValue] | None = None,
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            title=self.title,
            severity=severity or self.severity,
            family=self.family,
            message=message,
            location=location,
            asset_id=asset_id,
            evidence=evidence,
            description=self.description,
            remediation=self.remediation,
            references=self.references,
            frameworks=self.frameworks,
            identity=identity,
            properties=dict(properties or {}),
        )


def _parse_rule(entry: Mapping[str, object], source: str) -> Rule:
    try:
        return Rule(
            id=str(entry["id"]),
            title=str(entry["title"]),
            severity=Severity.parse(str(entry["severity"])),
            family=str(entry["family"]),
            description=str(entry["description"]).strip(),
            remediation=str(entry["remediation"]).strip(),
            references=tuple(str(r) for r in entry.get("references", []) or []),  # type: ignore[attr-defined]
            frameworks=tuple(str(f) for f in entry.get("frameworks", []) or []),  # type: ignore[attr-defined]
        )
    except KeyError as exc:
        raise ValueError(f"rule in {source} lacks field {exc}") from None


FAMILY_CATALOGUES = ("aispm.checks.misconfig.catalogue:catalogue_rules",)
"""``module:function`` of each family catalogue kept outside this package; each function returns its ``Rule``s."""


def _family_rules(spec: str) -> Iterable[Rule]:
    # Imported when first asked for, so that a detector importing this module never imports every family.
    module_name, _, function_name = spec.partition(":")
    loader = getattr(importlib.import_module(module_name), function_name)
    rules: Iterable[Rule] = loader()
    return rules


def _add(rules: dict[str, Rule], rule: Rule, source: str) -> None:
    if rule.id in rules:
        raise ValueError(f"duplicate rule id {rule.id} in {source}")
    rules[rule.id] = rule


RULE_FILES = tuple(sorted(path.name for path in Path(__file__).parent.glob("*.yaml")))
"""The YAML files beside this module (read as plain files: the package ships as a normal directory)."""


@cache
def _file_rules(name: str) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for entry in load_shipped_yaml((Path(__file__).parent / name).read_text("utf-8")) or []:
        _add(rules, _parse_rule(entry, name), name)
    return rules


@cache
def _package_rules() -> dict[str, Rule]:
    """The rules in the YAML files beside this module (what most detectors raise)."""
    rules: dict[str, Rule] = {}
    for name in RULE_FILES:
        for rule in _file_rules(name).values():
            _add(rules, rule, name)
    return rules


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule of every family, by id; an id used twice anywhere is an error."""
    rules = dict(_package_rules())
    for spec in FAMILY_CATALOGUES:
        for rule in _family_rules(spec):
            _add(rules, rule, spec)
    return rules


def get_rule(rule_id: str) -> Rule:
    # The package's files one by one, then the family catalogues: a detector raising a rule parses only the files
    # up to the one that holds it (duplicate ids are caught by ``all_rules``, which the catalogue tests read).
    for name in RULE_FILES:
        rule = _file_rules(name).get(rule_id)
        if rule is not None:
            return rule
    return all_rules()[rule_id]
