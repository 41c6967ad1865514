"""The data family's estate step: per-file personal-data findings become one classification per dataset."""

from __future__ import annotations

import json

from aispm.checks.pii.classification import LEVELS, classify, entity_class, entity_classes
from aispm.checks.pii.entities import EntityType
from aispm.checks.pii.estate import (
    INCOMPLETE_FILES,
    SAMPLE_ROWS,
    SAMPLED_FILES,
    SCANNED_FILES,
    WARNINGS,
    classify_datasets,
)
from aispm.model import Asset, AssetKind, Finding, Location, Severity
from aispm.registry import ESTATE_STEPS
from aispm.rules import all_rules, get_rule

ROOT = "/srv/repo"


def _dataset(path: str, **properties: object) -> Asset:
    return Asset(
        AssetKind.DATASET, path, f"dataset:local:{ROOT}/{path}", None, (Location(path=path, root=ROOT),), properties
    )


def _finding(asset: Asset, path: str, entity_type: str, count: int) -> Finding:
    rule = get_rule(entity_class(entity_type).rule_id)
    return rule.finding(
        message=f"{count} {entity_type}",
        location=Location(path=path, start_line=1, root=ROOT),
        asset_id=asset.id,
        identity=entity_type,
        properties={"entity_type": entity_type, "count": count},
    )


def test_every_entity_type_has_a_rule_a_level_and_a_label() -> None:
    table = entity_classes()
    for entity_type in EntityType:
        assert entity_type.value in table, f"{entity_type} missing from classification.yaml"
        entry = table[entity_type.value]
        assert entry.rule_id in all_rules() and entry.level in LEVELS and entry.label
        assert get_rule(entry.rule_id).family == "data"
    assert set(table) == {t.value for t in EntityType}


def test_unlisted_types_are_national_ids_and_the_highest_level_wins() -> None:
    assert entity_class("xx-new-id").rule_id == "AISPM-PII-NATIONAL-ID"
    assert classify([]) == "public"
    assert classify(["ip-address"]) == "internal"
    assert classify(["ip-address", "email"]) == "confidential"
    assert classify(["email", "payment-card", "ip-address"]) == "restricted"
    assert get_rule("AISPM-PII-PAYMENT-CARD").severity is Severity.HIGH
    assert get_rule("AISPM-PII-IP-ADDRESS").severity is Severity.LOW


def test_counts_of_every_file_sum_on_the_dataset_and_the_level_follows_the_worst_type() -> None:
    chat = _dataset("data/chat", **{SCANNED_FILES: ["data/chat/a.jsonl", "data/chat/b.jsonl", "data/chat/c.jsonl"]})
    other = _dataset("data/other", source="data files")
    findings = [
        _finding(chat, "data/chat/a.jsonl", "email", 3),
        _finding(chat, "data/chat/b.jsonl", "email", 2),
        _finding(chat, "data/chat/b.jsonl", "payment-card", 1),
        _finding(chat, "data/chat/a.jsonl", "ip-address", 7),
    ]
    assets, out = classify_datasets([chat, other], findings, [ROOT], None)
    assert out == findings
    classified = {a.name: a for a in assets}
    props = classified["data/chat"].properties
    assert props["classification"] == "restricted"
    # Most sensitive type first, then by count.
    assert list(props["sensitive_data"].items()) == [("payment-card", 1), ("email", 5), ("ip-address", 7)]
    assert props["pii_files"] == ["data/chat/a.jsonl", "data/chat/b.jsonl"]
    assert props["pii_files_scanned"] == 3 and props["pii_scan"] == "complete"
    assert SCANNED_FILES not in props
    # A dataset the PII scan never read is left as discovery made it: no claim that it is clean.
    assert classified["data/other"].properties == {"source": "data files"}


def test_a_scanned_dataset_without_personal_data_is_public() -> None:
    clean = _dataset("data/clean", **{SCANNED_FILES: ["data/clean/x.csv"]})
    (asset,), _ = classify_datasets([clean], [], [ROOT], None)
    assert asset.properties["classification"] == "public"
    assert asset.properties["sensitive_data"] == {} and asset.properties["pii_files"] == []


def test_sampling_and_incomplete_files_show_on_the_dataset() -> None:
    sampled = _dataset("data/big", **{SCANNED_FILES: ["data/big/x.jsonl"], SAMPLED_FILES: ["data/big/x.jsonl"]})
    sampled = Asset(
        sampled.kind, sampled.name, sampled.key, None, sampled.locations, {**sampled.properties, SAMPLE_ROWS: 100}
    )
    broken = _dataset("data/broken", **{SCANNED_FILES: ["data/broken/y.csv"], INCOMPLETE_FILES: ["data/broken/y.csv"]})
    (big, bad), _ = classify_datasets(
        [sampled, broken], [_finding(broken, "data/broken/y.csv", "phone", 1)], [ROOT], None
    )
    assert big.properties["pii_scan"] == "sampled (first 100 rows per file)" and big.properties[SAMPLE_ROWS] == 100
    assert bad.properties["pii_scan"] == "incomplete"
    assert bad.properties["pii_incomplete_files"] == ["data/broken/y.csv"]
    assert bad.properties["classification"] == "confidential"


def test_a_dataset_that_could_not_be_read_and_showed_nothing_is_unknown_not_public() -> None:
    unread = _dataset("data/cut", **{SCANNED_FILES: ["data/cut/a.jsonl.gz"], INCOMPLETE_FILES: ["data/cut/a.jsonl.gz"]})
    clean = _dataset("data/clean", **{SCANNED_FILES: ["data/clean/a.csv"]})
    (cut, ok), _ = classify_datasets([unread, clean], [], [ROOT], None)
    assert cut.properties["classification"] == "unknown" and cut.properties["pii_scan"] == "incomplete"
    assert ok.properties["classification"] == "public"
    # The BOM makes no claim for it; a level found before the break is still the level.
    from aispm.model import ScanResult
    from aispm.report import renderer

    result = ScanResult((ROOT,), ("data",), "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", assets=(cut, ok))
    bom = json.loads(renderer("cyclonedx")(result))
    data = {c["name"]: c.get("data", [{}])[0] for c in bom["components"] if c["type"] == "data"}
    assert "classification" not in data["data/cut"] and data["data/clean"]["classification"] == "public"


def test_reader_warnings_are_kept_on_the_dataset() -> None:
    warned = [f"data/w/{n}.csv: row {n} (line {n + 1}) has 3 values for 2 columns" for n in range(60)]
    asset = _dataset("data/w", **{SCANNED_FILES: ["data/w/0.csv"], WARNINGS: warned})
    (classified,), _ = classify_datasets([asset], [], [ROOT], None)
    assert classified.properties[WARNINGS] == warned[:50]


def test_other_families_findings_do_not_classify_a_dataset() -> None:
    data = _dataset("data/x", **{SCANNED_FILES: ["data/x/a.csv"]})
    secret = get_rule("AISPM-SECRET-OPENAI").finding(
        message="key", location=Location(path="data/x/a.csv", root=ROOT), asset_id=data.id, properties={"count": 1}
    )
    (asset,), _ = classify_datasets([data], [secret], [ROOT], None)
    assert asset.properties["classification"] == "public"


def test_the_step_is_registered_for_the_data_family() -> None:
    assert "aispm.checks.pii.estate:classify_datasets" in ESTATE_STEPS["data"]
