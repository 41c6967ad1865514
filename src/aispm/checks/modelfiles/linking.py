"""Estate phase: link the code that loads models to the model files it loads, and escalate what is loaded.

Per-file analysers cannot see each other, so a ``torch.load("models/best.pt")`` call and the malicious
``models/best.pt`` are two unrelated findings until the whole scan is known.  Here each loader call whose path the
code spells out is matched to the model files the scan found (relative to the script's directory or any directory
above it, which covers paths relative to the repository root; a directory matches the model files inside it, as
``from_pretrained("./local-model")`` loads a directory).  A matched model file's findings go one severity up -- a
malicious file that code loads is worse than one lying unused -- and both sides name each other in properties.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence

from msgspec.structs import replace

from aispm.checks.modelfiles.loaders import LOADER_RULES
from aispm.model import Asset, AssetKind, Finding, JSONValue, Severity

MAX_LISTED = 5
MODEL_FILE_RULES = frozenset(f"AISPM-MODEL-{number:03d}" for number in range(1, 11))
"""Rules raised on model files themselves (not on code, not integrity)."""
_RISKY_SUMMARY = ("dangerous", "unsafe-code")
_STEP_UP = {
    Severity.INFO: Severity.LOW,
    Severity.LOW: Severity.MEDIUM,
    Severity.MEDIUM: Severity.HIGH,
    Severity.HIGH: Severity.CRITICAL,
    Severity.CRITICAL: Severity.CRITICAL,
}

Place = tuple[str, str]
"""(scan root, POSIX path relative to it)."""


def _ancestors(directory: str) -> Iterable[str]:
    """``a/b`` -> ``a/b``, ``a``, ``''``."""
    while True:
        yield directory
        if not directory:
            return
        directory = posixpath.dirname(directory)


def _candidates(script: str, path: str) -> Iterable[str]:
    if not path or path.startswith(("/", "~")) or "://" in path or ":\\" in path:
        return
    for base in _ancestors(posixpath.dirname(script)):
        joined = posixpath.normpath(posixpath.join(base, path.replace("\\", "/")))
        if joined != ".." and not joined.startswith("../"):
            yield "" if joined == "." else joined


class _ModelIndex:
    def __init__(self, assets: Iterable[Asset]) -> None:
        self.files: dict[Place, Asset] = {}
        self.under: dict[Place, list[str]] = defaultdict(list)
        for asset in assets:
            if asset.kind is not AssetKind.MODEL_FILE:
                continue
            for location in asset.locations:
                if not location.path:
                    continue
                self.files[(location.root, location.path)] = asset
                for directory in list(_ancestors(posixpath.dirname(location.path))):
                    self.under[(location.root, directory)].append(location.path)

    def match(self, root: str, script: str, path: str) -> tuple[list[str], str | None]:
        """(model files the call loads, the directory it loads or ``None`` for a single file)."""
        for candidate in _candidates(script, path):
            if (root, candidate) in self.files:
                return [candidate], None
            inside = self.under.get((root, candidate))
            if inside and candidate:
                return sorted(set(inside)), candidate
        return [], None


def _summary(sites: list[str]) -> str:
    listed = ", ".join(sites[:MAX_LISTED])
    return listed + (f" and {len(sites) - MAX_LISTED} more" if len(sites) > MAX_LISTED else "")


def link_model_loaders(assets: Sequence[Asset], findings: Sequence[Finding]) -> tuple[list[Asset], list[Finding]]:
    """Link loader findings to the model files they load; escalate the findings of loaded model files.

    Returns new lists (the records are immutable); everything unrelated passes through unchanged.
    """
    calls = [
        (position, finding, path)
        for position, finding in enumerate(findings)
        if finding.rule_id in LOADER_RULES and isinstance(path := finding.properties.get("path"), str)
    ]
    if not calls:  # no loader spells out a path: nothing to link, and no index of every model file to build
        return list(assets), list(findings)
    index = _ModelIndex(assets)
    loaded_by: dict[Place, list[str]] = defaultdict(list)
    directories: dict[Place, list[str]] = defaultdict(list)
    links: dict[int, tuple[str, list[str]]] = {}
    for position, finding, path in calls:
        root, script = finding.location.root, finding.location.path
        files, directory = index.match(root, script, path)
        if not files:
            continue
        site = f"{script}:{finding.location.start_line} ({finding.properties.get('loader', 'loader')})"
        for file in files:
            loaded_by[(root, file)].append(site)
        if directory is not None:
            directories[(root, directory)].append(site)
        links[position] = (root, files)
    if not links:
        return list(assets), list(findings)

    def sites_for(location_root: str, location_path: str) -> list[str]:
        sites = list(loaded_by.get((location_root, location_path), []))
        for directory in _ancestors(posixpath.dirname(location_path)):
            sites += directories.get((location_root, directory), [])
        return sorted(set(sites))

    out: list[Finding] = []
    worst: dict[Place, Severity] = {}
    for finding in findings:
        if finding.rule_id in MODEL_FILE_RULES:
            sites = sites_for(finding.location.root, finding.location.path)
            if sites:
                finding = replace(
                    finding,
                    severity=_STEP_UP[finding.severity],
                    message=f"{finding.message} (loaded by {_summary(sites)})",
                    properties={
                        **finding.properties,
                        "loaded_by": sites,
                        "severity_before_loading": finding.severity.value,
                    },
                )
                place = (finding.location.root, finding.location.path)
                if place not in worst or finding.severity.rank > worst[place].rank:
                    worst[place] = finding.severity
        out.append(finding)
    for position, (root, files) in links.items():
        out[position] = _linked_loader(out[position], root, files, index, worst)
    return [_with_loaders(asset, loaded_by) for asset in assets], out


def _linked_loader(
    finding: Finding, root: str, files: list[str], index: _ModelIndex, worst: dict[Place, Severity]
) -> Finding:
    verdicts = {file: str(index.files[(root, file)].properties.get("security_scan", "unknown")) for file in files}
    risky = sorted(file for file, verdict in verdicts.items() if verdict in _RISKY_SUMMARY)
    severity = finding.severity
    for file in risky:
        file_worst = worst.get((root, file))
        if file_worst is not None and file_worst.rank > severity.rank:
            severity = file_worst
    message = finding.message
    if risky:
        message += f"; it loads {_summary(risky)}, which the scan found unsafe"
    properties: dict[str, JSONValue] = {**finding.properties, "loads": files[:50],
                                        "loaded_security_scan": [verdicts[file] for file in files[:50]]}  # fmt: skip
    return replace(finding, severity=severity, message=message, properties=properties)


def _with_loaders(asset: Asset, loaded_by: dict[Place, list[str]]) -> Asset:
    if asset.kind is not AssetKind.MODEL_FILE:
        return asset
    sites = sorted({site for location in asset.locations for site in loaded_by.get((location.root, location.path), [])})
    if not sites:
        return asset
    return replace(asset, properties={**asset.properties, "loaded_by": sites})
