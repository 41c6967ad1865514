"""The baseline file: findings accepted as they are today, so that CI fails only on new ones.

``aispm scan . --write-baseline aispm-baseline.json`` records every open finding; later scans with
``--baseline aispm-baseline.json`` suppress the findings it holds (layer ``baseline``) and count only the rest.
The file is JSON meant to be committed and reviewed, so it never holds a secret: each entry is the finding's
fingerprint, its rule, its path and its (already redacted) evidence.

Matching uses a *portable* fingerprint -- rule, path and the detector's identity (for a key, the SHA-256 of the
key), without the scan root or the asset -- so a baseline written by ``aispm scan .`` on a laptop still holds
when CI scans ``/builds/repo``, and a key deleted from the working tree but still in git history stays accepted.

The file is sectioned: ``findings`` is this module's; other top-level sections (model hashes, say) belong to other
features and are kept unchanged when the findings are rewritten.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from msgspec import Struct, field
from msgspec.structs import replace

from aispm.model import Finding, JSONValue, Suppression, stable_hash

FORMAT_KEY = "aispm_baseline"
FORMAT_VERSION = 1
BASELINE_LAYER = "baseline"
MAX_BASELINE_BYTES = 64 * 1024 * 1024
MAX_EVIDENCE_CHARS = 200
_OWN_KEYS = frozenset({FORMAT_KEY, "created_at", "tool_version", "findings"})


class BaselineError(ValueError):
    """The baseline file cannot be used; the message says which file and why."""


def portable_fingerprint(finding: Finding) -> str:
    """The finding's identity without the scan root or the asset (see the module docstring)."""
    return stable_hash("baseline", finding.rule_id, finding.location.path, finding.identity or finding.asset_id or "")


class BaselineEntry(Struct, frozen=True):
    fingerprint: str
    portable: str
    rule_id: str
    path: str
    evidence: str

    @classmethod
    def of(cls, finding: Finding) -> BaselineEntry:
        evidence = finding.evidence
        if len(evidence) > MAX_EVIDENCE_CHARS:
            evidence = evidence[: MAX_EVIDENCE_CHARS - 1] + "\N{HORIZONTAL ELLIPSIS}"
        return cls(finding.fingerprint, portable_fingerprint(finding), finding.rule_id, finding.location.path, evidence)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "fingerprint": self.fingerprint,
            "portable_fingerprint": self.portable,
            "rule_id": self.rule_id,
            "path": self.path,
            "evidence": self.evidence,
        }


class Baseline(Struct, frozen=True):
    entries: tuple[BaselineEntry, ...] = ()
    created_at: str = ""
    source: str = ""
    other_sections: Mapping[str, JSONValue] = field(default_factory=dict)
    """Top-level sections this module does not own, written back unchanged."""

    def __len__(self) -> int:
        return len(self.entries)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Suppress (layer ``baseline``) each open finding the baseline holds; others pass unchanged."""
        fingerprints = {entry.fingerprint for entry in self.entries}
        portables = {entry.portable for entry in self.entries}
        since = f" of {self.created_at[:10]}" if self.created_at else ""
        where = f" {self.source}" if self.source else ""
        suppression = Suppression(BASELINE_LAYER, f"accepted in baseline{where}{since}")
        out: list[Finding] = []
        for finding in findings:
            if finding.suppression is None and (
                finding.fingerprint in fingerprints or portable_fingerprint(finding) in portables
            ):
                finding = replace(finding, suppression=suppression)
            out.append(finding)
        return out

    def to_json(self) -> dict[str, JSONValue]:
        document: dict[str, JSONValue] = {FORMAT_KEY: FORMAT_VERSION, "created_at": self.created_at}
        document.update({k: v for k, v in self.other_sections.items() if k not in _OWN_KEYS})
        document["findings"] = [entry.to_json() for entry in self.entries]
        return document


def accepted(findings: Iterable[Finding]) -> list[Finding]:
    """The findings a new baseline records: the open ones, and those an earlier baseline already accepted.

    Findings suppressed for another reason (a placeholder, an inline comment, the policy) stay out: their own
    suppression already holds, and the baseline should list only what was knowingly accepted."""
    return [f for f in findings if f.suppression is None or f.suppression.layer == BASELINE_LAYER]


def build_baseline(
    findings: Iterable[Finding], previous: Baseline | None = None, now: dt.datetime | None = None
) -> Baseline:
    """A baseline of ``findings`` (one entry per fingerprint, in a stable order), keeping the other sections of the
    ``previous`` file."""
    entries = {finding.fingerprint: BaselineEntry.of(finding) for finding in accepted(findings)}
    ordered = sorted(entries.values(), key=lambda e: (e.rule_id, e.path, e.fingerprint))
    created = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    others = dict(previous.other_sections) if previous is not None else {}
    return Baseline(tuple(ordered), created, other_sections=others)


def parse_baseline(document: object, source: str = "") -> Baseline:
    """Validate a parsed baseline document; errors name the file and the offending entry."""
    if not isinstance(document, Mapping) or FORMAT_KEY not in document:
        raise BaselineError(f"{source}: not an aispm baseline (no '{FORMAT_KEY}' key); write one with --write-baseline")
    if document[FORMAT_KEY] != FORMAT_VERSION:
        raise BaselineError(f"{source}: baseline format {document[FORMAT_KEY]!r} is not supported (expected 1)")
    raw_entries = document.get("findings", [])
    if not isinstance(raw_entries, list):
        raise BaselineError(f"{source}: 'findings' must be a list")
    entries: list[BaselineEntry] = []
    for index, raw in enumerate(raw_entries):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("fingerprint"), str):
            raise BaselineError(f"{source}: findings[{index}] needs a 'fingerprint' string")
        entries.append(
            BaselineEntry(
                fingerprint=raw["fingerprint"],
                portable=str(raw.get("portable_fingerprint", "")),
                rule_id=str(raw.get("rule_id", "")),
                path=str(raw.get("path", "")),
                evidence=str(raw.get("evidence", "")),
            )
        )
    others = {str(k): v for k, v in document.items() if k not in _OWN_KEYS}
    return Baseline(tuple(entries), str(document.get("created_at", "")), source, others)


def load_baseline(path: Path) -> Baseline:
    try:
        size = path.stat().st_size
        if size > MAX_BASELINE_BYTES:
            raise BaselineError(f"{path}: {size} bytes is too large for a baseline file")
        text = path.read_text("utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot read baseline file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not UTF-8 text") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BaselineError(f"{path}: invalid JSON: {exc}") from None
    return parse_baseline(document, str(path))


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write the baseline as stable, reviewable JSON (sorted entries, one per finding)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
