"""The framework catalogues: every file loads, and NIST AI RMF 1.0 has exactly the Core's identifiers."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

from aispm.compliance import controls, describe

NIST = "NIST AI RMF"
# NIST AI 100-1, Section 5, Tables 1-4: categories and subcategories per function.
CORE_SHAPE = {"GOVERN": (6, 19), "MAP": (5, 18), "MEASURE": (4, 22), "MANAGE": (4, 13)}


def _nist_ids() -> list[str]:
    return [c.id for c in controls().values() if c.framework == NIST]


def test_every_catalogue_file_has_the_same_shape() -> None:
    data = resources.files("aispm.compliance") / "data"
    for item in data.iterdir():
        if not item.name.endswith(".json"):
            continue
        doc = json.loads(item.read_text("utf-8"))
        assert doc["framework"] and doc["version"] and doc["source"], item.name
        entries = [e for key in ("items", "tactics", "techniques") for e in doc.get(key, [])]
        assert entries and all(e["id"] and e["name"] for e in entries), item.name
        assert len({e["id"] for e in entries}) == len(entries), f"duplicate ids in {item.name}"


def test_nist_ai_rmf_has_the_core_functions_categories_and_subcategories() -> None:
    ids = _nist_ids()
    functions = [i for i in ids if " " not in i]
    categories = Counter(i.split()[0] for i in ids if re.fullmatch(r"[A-Z]+ \d+", i))
    subcategories = Counter(i.split()[0] for i in ids if re.fullmatch(r"[A-Z]+ \d+\.\d+", i))
    assert functions == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    assert {f: (categories[f], subcategories[f]) for f in functions} == CORE_SHAPE
    assert len(ids) == 4 + 19 + 72
    # Every subcategory sits under a category that exists, numbered without gaps.
    for function, (n_categories, _) in CORE_SHAPE.items():
        for number in range(1, n_categories + 1):
            assert f"{function} {number}" in ids
            assert f"{function} {number}.1" in ids


def test_nist_ids_are_spelled_as_nist_spells_them() -> None:
    known = controls()
    for control_id in ("GOVERN 1.6", "GOVERN 6.1", "MAP 4.1", "MEASURE 2.7", "MEASURE 2.10", "MANAGE 3.2"):
        assert known[control_id].framework == NIST
    # Look-alikes from third-party summaries are not NIST identifiers.
    for wrong in ("GV-1.1", "GOVERN-1.1", "MEASURE 2.14", "MANAGE 4.4", "GOVERN 1.8", "MAP 6.1"):
        assert wrong not in known


def test_describe_gives_id_and_short_name() -> None:
    assert describe("MEASURE 2.7") == "MEASURE 2.7 AI system security and resilience are evaluated and documented"
    assert describe("GOVERN 1.6").startswith("GOVERN 1.6 Mechanisms are in place to inventory AI systems")
    assert all(len(c.name) <= 120 for c in controls().values() if c.framework == NIST)


def test_eu_ai_act_catalogue_has_the_high_risk_requirements_and_transparency_articles() -> None:
    articles = {c.id: c.name for c in controls().values() if c.framework == "EU AI Act"}
    for number in (9, 10, 11, 12, 13, 14, 15, 50):
        assert f"EU AI Act Art. {number}" in articles
    assert all(re.fullmatch(r"EU AI Act Art\. \d{1,3}", i) for i in articles)
    assert describe("EU AI Act Art. 10") == "EU AI Act Art. 10 Data and data governance"
    assert articles["EU AI Act Art. 15"] == "Accuracy, robustness and cybersecurity"
    # The adopted numbering, not that of the 2021 proposal (whose Art. 52 held the transparency duties).
    assert "EU AI Act Art. 52" not in articles
