"""Score located reports against the ground truth of ``corpus.py``, the same way for every tool.

A report is ``{file, line, row, column, type, text?}``: where a tool says it found something and the type it says.
Each tool's types are mapped to the corpus kinds (``TYPE_MAPS``); a type that is a personal-data claim with no
corpus kind (Presidio's ``US_DRIVER_LICENSE``) maps to ``OTHER_PII``; a type that claims no personal data (``URL``,
``UUID``) maps to ``None`` and is ignored.

Positions: a line (JSONL, CSV, text) or a row (Parquet, Arrow), plus the column when both the report and the planted
item have one.  When a report carries the text it matched (Presidio does), it is also held to the planted values it
overlaps; aispm never outputs a value, so its reports are matched by position alone (which can only help it).

- An **entity is found** when a report of its kind is at its position.
- A report at a position with no entity of its kind lands, in this order, on an entity of another kind there
  (**wrong type**), on a **decoy** there (the decoy is *reported*), or on unmarked text (**other report**).
- A **clean file is flagged** when any personal-data report is in it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

OTHER_PII = "other-pii"
PRESIDIO_TYPES: dict[str, str | None] = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "payment-card",
    "US_SSN": "us-ssn",
    "IBAN_CODE": "iban",
    "UK_NINO": "uk-nino",
    "IP_ADDRESS": "ip-address",
    # Presidio's only date type: it is scored as a date of birth (found on a DOB's line, a decoy on a timestamp's).
    "DATE_TIME": "date-of-birth",
    # US DEA/medical licence numbers, not MRNs; mapped anyway so that Presidio gets every chance.
    "MEDICAL_LICENSE": "medical-record-number",
    "PERSON": "person-name",
    "LOCATION": "postal-address",
    "URL": None,
    "UUID": None,
    "ORGANIZATION": None,
    "NRP": None,
}
AISPM_TYPES: dict[str, str | None] = {
    kind: kind
    for kind in (
        "email", "phone", "payment-card", "us-ssn", "iban", "uk-nino", "ip-address", "date-of-birth",
        "medical-record-number", "person-name", "postal-address", "credential",
    )
}  # fmt: skip
TYPE_MAPS = {"presidio": PRESIDIO_TYPES, "aispm": AISPM_TYPES}


def map_type(tool: str, reported: str) -> str | None:
    table = TYPE_MAPS[tool]
    if reported in table:
        return table[reported]
    return OTHER_PII if tool == "presidio" else reported


def _compact(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _overlaps(report_text: str | None, value: str) -> bool:
    if report_text is None:
        return True
    a, b = _compact(report_text), _compact(value)
    return bool(a) and bool(b) and (a in b or b in a)


def _position(item: dict[str, Any]) -> tuple[str, str, int] | None:
    if item.get("line") is not None:
        return item["file"], "line", int(item["line"])
    if item.get("row") is not None:
        return item["file"], "row", int(item["row"])
    return None


def _column_ok(report: dict[str, Any], item: dict[str, Any]) -> bool:
    return report.get("column") is None or item.get("column") is None or report["column"] == item["column"]


def score(tool: str, reports: Iterable[dict[str, Any]], truth: dict[str, Any],
          min_score: float | None = None, max_listed: int = 100) -> dict[str, Any]:  # fmt: skip
    items: list[dict[str, Any]] = truth["items"]
    by_position: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        for key in ("line", "row"):
            if item.get(key) is not None:
                by_position[(item["file"], key, int(item[key]))].append(index)
    found: set[int] = set()
    decoys_hit: dict[int, str] = {}
    wrong_type: Counter[str] = Counter()
    other: Counter[str] = Counter()
    ignored: Counter[str] = Counter()
    flagged_files: Counter[str] = Counter()
    clean = {path for path, info in truth["files"].items() if info["clean"]}
    for report in reports:
        if min_score is not None and report.get("score") is not None and report["score"] < min_score:
            continue
        kind = map_type(tool, report["type"])
        if kind is None:
            ignored[report["type"]] += 1
            continue
        if report["file"] in clean:
            flagged_files[report["file"]] += 1
        position = _position(report)
        here = [
            i for i in (by_position.get(position, []) if position else [])
            if _column_ok(report, items[i]) and _overlaps(report.get("text"), items[i]["value"])
        ]  # fmt: skip
        matches = [i for i in here if not items[i]["decoy"] and items[i]["kind"] == kind]
        if matches:
            found.update(matches)
            continue
        entities = [i for i in here if not items[i]["decoy"]]
        if entities:
            wrong_type[f"{report['type']} on {items[entities[0]]['kind']}"] += 1
            continue
        decoys = [i for i in here if items[i]["decoy"]]
        if decoys:
            for i in decoys:
                decoys_hit.setdefault(i, report["type"])
            continue
        other[report["type"]] += 1
    entities_all = [i for i, item in enumerate(items) if not item["decoy"]]
    decoys_all = [i for i, item in enumerate(items) if item["decoy"]]
    by_kind: dict[str, dict[str, int]] = {}
    for i in entities_all:
        entry = by_kind.setdefault(items[i]["kind"], {"found": 0, "planted": 0})
        entry["planted"] += 1
        entry["found"] += i in found
    decoy_kinds: Counter[str] = Counter(items[i]["kind"] for i in decoys_hit)
    decoy_types: Counter[str] = Counter(decoys_hit.values())
    missed = [_describe(items[i]) for i in entities_all if i not in found]
    return {
        "entities": len(entities_all),
        "found": len(found),
        "recall": round(len(found) / max(len(entities_all), 1), 4),
        "by_kind": dict(sorted(by_kind.items())),
        "decoys": len(decoys_all),
        "decoys_reported": len(decoys_hit),
        "decoys_reported_by_kind": dict(sorted(decoy_kinds.items())),
        "decoys_reported_by_type": dict(sorted(decoy_types.items())),
        "decoys_reported_without_date_time": sum(1 for t in decoys_hit.values() if t != "DATE_TIME"),
        "wrong_type_reports": dict(wrong_type.most_common()),
        "other_reports": dict(other.most_common()),
        "ignored_types": dict(ignored.most_common()),
        "clean_files": len(clean),
        "clean_files_flagged": sorted(flagged_files),
        "missed": missed[:max_listed],
        "decoys_reported_list": [_describe(items[i]) | {"as": t} for i, t in sorted(decoys_hit.items())][:max_listed],
    }


def _describe(item: dict[str, Any]) -> dict[str, Any]:
    """Where and what, with the value masked (results are committed; the corpus is not)."""
    out = {"file": item["file"], "kind": item["kind"], "masked": item["masked"]}
    for key in ("line", "row", "column"):
        if item.get(key) is not None:
            out[key] = item[key]
    return out
