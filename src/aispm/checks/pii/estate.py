"""The data family's estate-wide step: per-file personal-data findings become a classification of each dataset.

The PII analyser files every scanned data file under the dataset asset that discovery makes for its directory (or,
for a data file in no dataset, under a dataset asset of its own) and marks the asset with the files it scanned.
Only here, with every file seen, can counts be summed: this step sets on each such asset its ``classification``
(the sensitivity level, see :mod:`.classification`; ``unknown`` when nothing was found and some file could not be
read to the end), ``sensitive_data`` (entity type -> values found, most first),
``pii_files`` (files with personal data) and how complete the scan was, which the reports and the CycloneDX
``data`` component show.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from msgspec.structs import replace

from aispm.baseline import Baseline
from aispm.checks.pii.classification import UNKNOWN, classify, level_rank
from aispm.model import Asset, AssetKind, Finding, JSONValue

RULE_PREFIX = "AISPM-PII-"
SCANNED_FILES = "pii_scanned_files"
SAMPLED_FILES = "pii_sampled_files"
INCOMPLETE_FILES = "pii_incomplete_files"
"""Asset properties the analyser sets per file (lists, which the engine unions per asset); this step replaces them
with counts."""
WARNINGS = "pii_warnings"
"""What the readers warned about, per file (``path: warning``); never quotes data."""
SAMPLE_ROWS = "pii_sample_rows"
MAX_LISTED_FILES = 50
MAX_LISTED_WARNINGS = 50


def _entity_counts(finding: Finding) -> tuple[str, int] | None:
    """(entity type, count) of a personal-data finding, ``None`` for any other finding."""
    if not finding.rule_id.startswith(RULE_PREFIX):
        return None
    entity_type, count = finding.properties.get("entity_type"), finding.properties.get("count")
    if not isinstance(entity_type, str) or not isinstance(count, int) or isinstance(count, bool):
        return None
    return entity_type, count


def _scan_state(properties: dict[str, JSONValue]) -> str:
    if properties.get(INCOMPLETE_FILES):
        return "incomplete"
    if properties.get(SAMPLED_FILES):
        return f"sampled (first {properties.get(SAMPLE_ROWS)} rows per file)"
    return "complete"


def _listed(value: JSONValue) -> list[str]:
    return sorted({str(item) for item in value}) if isinstance(value, list) else []


def classify_dataset(asset: Asset, findings: Sequence[Finding]) -> Asset:
    """``asset`` with the classification that its personal-data ``findings`` give it."""
    counts: Counter[str] = Counter()
    files: set[str] = set()
    for finding in findings:
        found = _entity_counts(finding)
        if found is not None:
            counts[found[0]] += found[1]
            files.add(finding.location.path)
    properties = dict(asset.properties)
    scanned = _listed(properties.pop(SCANNED_FILES, None)) or sorted(files)
    sampled = _listed(properties.pop(SAMPLED_FILES, None))
    incomplete = _listed(properties.pop(INCOMPLETE_FILES, None))
    state = _scan_state(
        {SAMPLED_FILES: sampled, INCOMPLETE_FILES: incomplete, SAMPLE_ROWS: properties.get(SAMPLE_ROWS)}
    )
    ranked = sorted(counts.items(), key=lambda item: (-level_rank(classify([item[0]])), -item[1], item[0]))
    # Nothing found in a file that could not be read says nothing about it: "public" would be a claim.
    classification = UNKNOWN if incomplete and not counts else classify(counts)
    properties.update(
        {
            "classification": classification,
            "sensitive_data": dict(ranked),
            "pii_files": sorted(files)[:MAX_LISTED_FILES],
            "pii_files_scanned": len(scanned),
            "pii_scan": state,
        }
    )
    if incomplete:
        properties["pii_incomplete_files"] = incomplete[:MAX_LISTED_FILES]
    if not sampled:
        properties.pop(SAMPLE_ROWS, None)
    warnings = properties.pop(WARNINGS, None)
    if isinstance(warnings, list) and warnings:
        properties[WARNINGS] = [str(item) for item in warnings[:MAX_LISTED_WARNINGS]]
    return replace(asset, properties=properties)


def classify_datasets(
    assets: Sequence[Asset], findings: Sequence[Finding], roots: Sequence[str], baseline: Baseline | None
) -> tuple[list[Asset], list[Finding]]:
    """Every dataset asset the PII scan touched, classified by the personal data found in its files."""
    by_asset: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.asset_id and _entity_counts(finding) is not None:
            by_asset[finding.asset_id].append(finding)
    out = []
    for asset in assets:
        if asset.kind is AssetKind.DATASET and (SCANNED_FILES in asset.properties or asset.id in by_asset):
            asset = classify_dataset(asset, by_asset.get(asset.id, ()))
        out.append(asset)
    return out, list(findings)
