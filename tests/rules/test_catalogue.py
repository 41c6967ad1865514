from __future__ import annotations

import re
from collections import Counter

import pytest

import aispm.rules as rules_module
from aispm.checks.misconfig.catalogue import misconfig_rules
from aispm.compliance import controls, describe
from aispm.options import FAMILIES
from aispm.rules import Rule, all_rules, get_rule

NIST_SUBCATEGORY = re.compile(r"(?:GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+")


def test_every_rule_is_complete_and_maps_to_known_controls() -> None:
    known = controls()
    assert all_rules()
    for rule in all_rules().values():
        assert rule.family in FAMILIES, rule.id
        assert re.fullmatch(r"AISPM-[A-Z0-9]+(?:-[A-Z0-9]+)+", rule.id), rule.id
        assert len(rule.title) > 10 and not rule.title.endswith("."), rule.id
        assert len(rule.description) > 40 and len(rule.remediation) > 20, rule.id
        assert rule.references and all(r.startswith("https://") for r in rule.references), rule.id
        assert rule.frameworks, f"{rule.id} maps to no framework control"
        for control in rule.frameworks:
            assert control in known, f"{rule.id}: unknown control {control}"


def test_every_rule_of_every_family_maps_to_a_nist_ai_rmf_subcategory() -> None:
    for rule in all_rules().values():
        nist = [c for c in rule.frameworks if controls()[c].framework == "NIST AI RMF"]
        assert nist, f"{rule.id} maps to no NIST AI RMF control"
        # Rules are evidence for outcomes, so they map to subcategories, not to whole functions or categories.
        assert all(NIST_SUBCATEGORY.fullmatch(c) for c in nist), rule.id


def test_one_catalogue_holds_every_family_including_misconfigurations() -> None:
    catalogue = all_rules()
    families = Counter(rule.family for rule in catalogue.values())
    assert {"inventory", "secrets", "models", "iac", "data"} <= set(families)
    assert families["iac"] == len(misconfig_rules()) >= 70
    for misconfig in misconfig_rules():
        entry = catalogue[misconfig.id]
        assert entry.title == misconfig.title and entry.severity is misconfig.severity
        assert entry.frameworks == misconfig.frameworks and entry.references == misconfig.references
        assert entry.remediation.startswith(misconfig.remediation)
    assert get_rule("AISPM-SAGEMAKER-001").family == "iac"


def test_misconfiguration_rules_keep_their_fixed_snippets_in_the_catalogue() -> None:
    remediation = get_rule("AISPM-AZAI-002").remediation
    assert "Fixed (terraform):" in remediation and "local_auth_enabled = false" in remediation
    assert "Fixed (arm):" in remediation and "Fixed (bicep):" in remediation


def test_a_duplicate_id_across_families_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    clash = Rule("AISPM-SHADOW-001", "Clashing rule title", get_rule("AISPM-SHADOW-001").severity, "iac", "d", "r")
    monkeypatch.setattr(rules_module, "_family_rules", lambda spec: [clash])
    rules_module.all_rules.cache_clear()
    try:
        with pytest.raises(ValueError, match="duplicate rule id AISPM-SHADOW-001"):
            rules_module.all_rules()
    finally:
        monkeypatch.undo()
        rules_module.all_rules.cache_clear()
    assert "AISPM-SHADOW-001" in rules_module.all_rules()


def test_framework_catalogues_are_imported_with_names() -> None:
    assert describe("LLM03:2025") == "LLM03:2025 Supply Chain"
    assert describe("AML.T0010.003") == "AML.T0010.003 Model"
    assert describe("ML06:2023") == "ML06:2023 AI Supply Chain Attacks"
    assert describe("MAP 4.1").startswith("MAP 4.1 Technology and legal risks of components")
    assert describe("NOPE") == "NOPE"


def test_personal_data_rules_cite_llm02_and_the_eu_ai_act_data_governance_article() -> None:
    pii = [rule for rule in all_rules().values() if rule.id.startswith("AISPM-PII-")]
    assert len(pii) >= 12 and all(rule.family == "data" for rule in pii)
    for rule in pii:
        assert "LLM02:2025" in rule.frameworks and "EU AI Act Art. 10" in rule.frameworks, rule.id
        assert controls()["EU AI Act Art. 10"].framework == "EU AI Act"
