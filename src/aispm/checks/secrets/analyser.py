"""The ``secrets`` analyser: leaked AI credentials in every text file, as provider-named findings.

For each file: extract the texts a key can hide in (:mod:`.extract`), match them against the rule pack
(:mod:`.engine`), judge each match for decoys (:mod:`.decoys`) and turn it into a finding of its provider's rule
with redacted evidence (:mod:`.redact`).  A leaked key also shows that the repository uses its provider, so an
unsuppressed finding adds the provider to the inventory when the provider catalogue knows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from msgspec import Struct
from msgspec.structs import replace

from aispm.analyser import Analyser, Record, file_location
from aispm.checks.secrets.decoys import DecoyVerdict, judge
from aispm.checks.secrets.engine import Candidate, SecretEngine, default_engine
from aispm.checks.secrets.extract import extract_segments
from aispm.checks.secrets.pack import Confidence, KeyType
from aispm.checks.secrets.redact import fingerprint, redact, secret_hash
from aispm.discover.catalogue import load_catalogue
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Finding, JSONValue, Location, Severity
from aispm.rules import get_rule

LOCKFILES = frozenset(
    {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "poetry.lock",
     "pipfile.lock", "uv.lock", "pdm.lock", "cargo.lock", "go.sum", "composer.lock", "gemfile.lock",
     "packages.lock.json", "conda-lock.yml", "pixi.lock", "mix.lock", "podfile.lock", "flake.lock"}
)  # fmt: skip
BINARY_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd", ".svgz", ".pdf", ".zip",
     ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar", ".whl", ".egg", ".jar", ".war", ".class", ".so",
     ".dylib", ".dll", ".exe", ".o", ".a", ".lib", ".pyc", ".pyo", ".bin", ".pt", ".pth", ".ckpt", ".safetensors",
     ".onnx", ".h5", ".hdf5", ".keras", ".pb", ".tflite", ".gguf", ".ggml", ".pkl", ".pickle", ".joblib", ".npy",
     ".npz", ".parquet", ".arrow", ".feather", ".avro", ".orc", ".mp3", ".mp4", ".wav", ".flac", ".ogg", ".mov",
     ".avi", ".mkv", ".webm", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".sqlite", ".db", ".mdb", ".iso",
     ".dmg", ".msi", ".deb", ".rpm", ".lockb", ".pdb", ".idx", ".pack", ".wasm"}
)  # fmt: skip
MINIFIED_SUFFIXES = (".min.js", ".min.mjs", ".min.css", ".js.map", ".css.map", ".min.map")
AGENT_CONFIG_NAMES = frozenset(
    {"mcp.json", ".mcp.json", "claude_desktop_config.json", "mcp_config.json", "cline_mcp_settings.json",
     "mcp_settings.json", ".aider.conf.yml"}
)  # fmt: skip
AGENT_CONFIG_DIRS = frozenset({".claude", ".cursor", ".vscode", ".gemini", ".codex", ".continue", ".windsurf", ".roo"})
AGENT_CONFIG_CONTROL = "AML.T0083"
"""MITRE ATLAS 'Credentials from AI Agent Configuration': a key in an agent's own configuration."""

_SEVERITY_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
_CONFIDENCE_STEPS = {Confidence.HIGH: 0, Confidence.MEDIUM: 1, Confidence.LOW: 2}
MAX_LINES_LISTED = 10


def severity_for(base: Severity, confidence: Confidence) -> Severity:
    """The rule's severity for a high-confidence key, one step lower per step of lower confidence."""
    index = max(1, _SEVERITY_ORDER.index(base) - _CONFIDENCE_STEPS[confidence])
    return _SEVERITY_ORDER[index]


def is_agent_config(ref: FileRef) -> bool:
    parts = ref.relpath.split("/")
    if ref.name_lower in AGENT_CONFIG_NAMES:
        return True
    return any(part in AGENT_CONFIG_DIRS for part in parts[:-1]) and ref.suffix in {".json", ".toml", ".yaml", ".yml"}


def prefix_length(key_type: KeyType, secret: str) -> int:
    """Length of the fixed prefix the key starts with (its anchor), which is safe to show."""
    lowered = secret.lower()
    return max((len(a) for a in key_type.anchors if lowered.startswith(a.lower())), default=0)


class _Sighting(Struct):
    """One key in one file: its best occurrence and where else it occurs."""

    candidate: Candidate
    verdict: DecoyVerdict
    lines: list[int]


def _better(new: tuple[Candidate, DecoyVerdict], old: _Sighting) -> bool:
    """Prefer an unsuppressed occurrence, then a more confident one, then the earlier line."""
    candidate, verdict = new

    def rank(c: Candidate, v: DecoyVerdict) -> tuple[int, int, int]:
        return (v.suppression is not None, _CONFIDENCE_STEPS[c.confidence], c.line)

    return rank(candidate, verdict) < rank(old.candidate, old.verdict)


def group_sightings(candidates: Sequence[Candidate], path: str, engine: SecretEngine) -> list[_Sighting]:
    """One sighting per distinct key in a file, judged for decoys."""
    documented = engine.pack.documented_examples
    by_secret: dict[str, _Sighting] = {}
    for candidate in candidates:
        verdict = judge(candidate, path, documented, engine.hex_body(candidate.key_type))
        sighting = by_secret.get(candidate.secret)
        if sighting is None:
            by_secret[candidate.secret] = _Sighting(candidate, verdict, [candidate.line])
            continue
        if candidate.line not in sighting.lines:
            sighting.lines.append(candidate.line)
        if _better((candidate, verdict), sighting):
            sighting.candidate, sighting.verdict = candidate, verdict
    return sorted(by_secret.values(), key=lambda s: (s.candidate.line, s.candidate.start))


def secret_finding(
    sighting: _Sighting,
    location: Location,
    *,
    agent_config: bool = False,
    asset_id: str | None = None,
    extra: dict[str, JSONValue] | None = None,
    line_offset: int = 0,
) -> Finding:
    """The finding for one sighting: the provider's rule, redacted evidence, the key's hash as identity."""
    candidate, verdict = sighting.candidate, sighting.verdict
    key_type, secret = candidate.key_type, candidate.secret
    rule = get_rule(key_type.rule_id)
    severity = severity_for(rule.severity, candidate.confidence)
    if verdict.downgrade:
        severity = Severity.LOW
    lines = sorted(line + line_offset for line in sighting.lines)
    properties: dict[str, JSONValue] = {
        "provider": key_type.provider,
        "provider_name": key_type.provider_name,
        "key_type": key_type.key_type,
        "key_type_id": key_type.id,
        "confidence": candidate.confidence.value,
        "fingerprint": fingerprint(secret),
        "extraction": candidate.segment.kind,
        "occurrences": len(lines),
        "lines": lines[:MAX_LINES_LISTED],
    }
    if candidate.context:
        properties["context"] = candidate.context
    if candidate.validation is not None:
        properties["validation"] = f"{key_type.validator}: {candidate.validation.value}"
    if verdict.downgrade:
        properties["downgraded"] = verdict.downgrade
    if extra:
        properties.update(extra)
    finding = rule.finding(
        message=f"{key_type.provider_name} {key_type.key_type} exposed ({candidate.confidence} confidence)",
        location=location,
        asset_id=asset_id,
        evidence=f"{key_type.provider_name} {key_type.key_type}: {redact(secret, prefix_length(key_type, secret))}",
        identity=secret_hash(secret),
        severity=severity,
        properties=properties,
    )
    if agent_config and AGENT_CONFIG_CONTROL not in finding.frameworks:
        finding = replace(finding, frameworks=(*finding.frameworks, AGENT_CONFIG_CONTROL))
    if verdict.suppression is not None:
        finding = replace(finding, suppression=verdict.suppression)
    return finding


def provider_asset(key_type: KeyType, location: Location) -> Asset | None:
    """The provider a leaked key belongs to, as an inventory asset (only for providers the catalogue knows)."""
    if not key_type.implies_provider:
        return None
    info = load_catalogue().providers.get(key_type.provider)
    if info is None:
        return None
    return Asset(
        kind=AssetKind.PROVIDER,
        name=info.name,
        key=f"provider:{info.id}",
        locations=(location,),
        properties={"provider": info.id},
    )


def scan_text(
    text: str,
    ref: FileRef,
    engine: SecretEngine | None = None,
    extra: dict[str, JSONValue] | None = None,
    with_assets: bool = True,
    first_line: int = 1,
) -> Iterator[Record]:
    """Findings (and, with ``with_assets``, provider assets) for the text of one file.

    Also the entry point for other scanners: git history blobs, and chunks of large data files (training data
    holds keys too) -- ``first_line`` is the file line of the chunk's first line, ``extra`` adds properties.
    """
    engine = engine or default_engine()
    segments = extract_segments(ref.name, ref.suffix, text)
    candidates = engine.scan(segments, text)
    if not candidates:
        return
    agent_config = is_agent_config(ref)
    providers_seen: set[str] = set()
    for sighting in group_sightings(candidates, ref.relpath, engine):
        location = file_location(ref, sighting.candidate.line + first_line - 1)
        key_type = sighting.candidate.key_type
        active = sighting.verdict.suppression is None and with_assets
        asset = provider_asset(key_type, location) if active else None
        yield secret_finding(
            sighting,
            location,
            agent_config=agent_config,
            asset_id=asset.id if asset else None,
            extra=extra,
            line_offset=first_line - 1,
        )
        if asset is not None and key_type.provider not in providers_seen:
            providers_seen.add(key_type.provider)
            yield asset


class SecretsAnalyser(Analyser):
    """Leaked AI credentials in code, configs, notebooks and data files."""

    name = "secrets"
    family = "secrets"

    def wants(self, ref: FileRef) -> bool:
        name = ref.name_lower
        if name in LOCKFILES or ref.suffix in BINARY_SUFFIXES or name.endswith(MINIFIED_SUFFIXES):
            return False
        return ref.size <= self.options.max_file_bytes

    def analyse(self, file: FileContent) -> Iterable[Record]:
        if file.data is None or file.is_binary:
            return
        text = file.text
        if text:
            yield from scan_text(text, file.ref)
