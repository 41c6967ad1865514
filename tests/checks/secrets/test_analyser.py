from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from msgspec.structs import replace

from aispm.checks.secrets.analyser import SecretsAnalyser, provider_asset, scan_text, severity_for
from aispm.checks.secrets.pack import Confidence, load_pack
from aispm.checks.secrets.redact import fingerprint, secret_hash
from aispm.discover.catalogue import load_catalogue
from aispm.engine import scan as run_scan
from aispm.files.walk import FileRef
from aispm.model import AssetKind, Finding, Location, ScanResult, Severity
from aispm.options import ScanOptions
from aispm.policy import parse_policy
from aispm.report import FORMATS, renderer
from aispm.store import open_store

from .keys import key

MakeTree = Callable[[dict[str, str | bytes]], Path]
SECRETS_ONLY = ScanOptions(scanners=frozenset({"secrets"}), workers=1)


def _ref(name: str, size: int = 100) -> FileRef:
    return FileRef("/r", Path("/r") / name, name, size)


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("app.py", True),
        (".env", True),
        (".netrc", True),
        ("Dockerfile", True),
        ("notebook.ipynb", True),
        ("terraform.tfvars", True),
        ("package-lock.json", False),
        ("yarn.lock", False),
        ("poetry.lock", False),
        ("vendor/jquery.min.js", False),
        ("logo.png", False),
        ("model.safetensors", False),
    ],
)
def test_wants_every_text_file_but_lockfiles_minified_bundles_and_binaries(name: str, wanted: bool) -> None:
    assert SecretsAnalyser().wants(_ref(name)) is wanted


def test_files_over_the_read_limit_are_not_wanted() -> None:
    analyser = SecretsAnalyser(ScanOptions(max_file_bytes=1000))
    assert not analyser.wants(_ref("big.txt", 1001))


def test_severity_follows_confidence() -> None:
    assert severity_for(Severity.CRITICAL, Confidence.HIGH) is Severity.CRITICAL
    assert severity_for(Severity.CRITICAL, Confidence.MEDIUM) is Severity.HIGH
    assert severity_for(Severity.CRITICAL, Confidence.LOW) is Severity.MEDIUM
    assert severity_for(Severity.LOW, Confidence.LOW) is Severity.LOW


def _tree(make_tree: MakeTree) -> tuple[Path, dict[str, str]]:
    keys = {
        "openai": key("openai-project-key"),
        "anthropic": key("anthropic-api-key"),
        "cohere": key("cohere-api-key"),
        "pinecone": key("pinecone-api-key"),
        "wandb": key("wandb-legacy-api-key"),
    }
    root = make_tree(
        {
            "app/settings.py": f'OPENAI_API_KEY = "{keys["openai"]}"\n',
            "app/.env": f"ANTHROPIC_API_KEY={keys['anthropic']}\nCOHERE_API_KEY={keys['cohere']}\n",
            ".cursor/mcp.json": json.dumps({"mcpServers": {"db": {"env": {"PINECONE_API_KEY": keys["pinecone"]}}}}),
            "home/.netrc": f"machine api.wandb.ai\n  login user\n  password {keys['wandb']}\n",
            "docs/README.md": "Set OPENAI_API_KEY=sk-proj-" + "x" * 74 + "T3BlbkFJ" + "x" * 74 + "\n",
            "img/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00" + keys["openai"].encode(),
        }
    )
    return root, keys


def _scan(root: Path, policy_text: str = "") -> ScanResult:
    policy = parse_policy(yaml.safe_load(policy_text), "aispm.yaml") if policy_text else None
    return run_scan([str(root)], SECRETS_ONLY, policy)


def test_a_tree_gives_one_finding_per_key_named_by_provider(make_tree: MakeTree) -> None:
    root, keys = _tree(make_tree)
    result = _scan(root)
    active = {(f.rule_id, f.location.path, f.location.start_line) for f in result.active_findings}
    assert active == {
        ("AISPM-SECRET-OPENAI", "app/settings.py", 1),
        ("AISPM-SECRET-ANTHROPIC", "app/.env", 1),
        ("AISPM-SECRET-COHERE", "app/.env", 2),
        ("AISPM-SECRET-PINECONE", ".cursor/mcp.json", 1),
        ("AISPM-SECRET-WANDB", "home/.netrc", 3),
    }
    (placeholder,) = [f for f in result.findings if f.suppression]
    assert (placeholder.location.path, placeholder.suppression.layer) == ("docs/README.md", "placeholder")
    by_rule = {f.rule_id: f for f in result.active_findings}
    openai = by_rule["AISPM-SECRET-OPENAI"]
    assert openai.identity == secret_hash(keys["openai"])
    assert openai.properties["fingerprint"] == fingerprint(keys["openai"])
    assert openai.evidence.startswith("OpenAI project API key: sk-proj-")
    assert {"LLM02:2025", "AML.T0055", "MEASURE 2.7"} <= set(openai.frameworks)
    assert "AML.T0083" in by_rule["AISPM-SECRET-PINECONE"].frameworks  # a key in an agent's configuration


def test_an_active_key_adds_its_provider_to_the_inventory(make_tree: MakeTree) -> None:
    root, _ = _tree(make_tree)
    result = _scan(root)
    providers = {a.key: a.id for a in result.assets if a.kind is AssetKind.PROVIDER}
    assert {"provider:openai", "provider:anthropic", "provider:cohere"} <= set(providers)
    openai = next(f for f in result.active_findings if f.rule_id == "AISPM-SECRET-OPENAI")
    assert openai.asset_id == providers["provider:openai"]
    pinecone = next(f for f in result.active_findings if f.rule_id == "AISPM-SECRET-PINECONE")
    assert pinecone.asset_id == providers["provider:pinecone"]


def test_every_provider_a_key_implies_is_in_the_provider_catalogue() -> None:
    known = load_catalogue().providers
    implied = {kt.provider for kt in load_pack().key_types if kt.implies_provider}
    assert implied <= set(known), sorted(implied - set(known))


def test_a_key_of_a_provider_the_catalogue_does_not_know_adds_no_asset() -> None:
    unknown = replace(load_pack().by_id()["groq-api-key"], provider="no-such-provider")
    assert provider_asset(unknown, Location(path="a.py", start_line=1)) is None
    general = load_pack().by_id()["aws-access-key-id"]  # a general credential does not show an AI provider
    assert provider_asset(general, Location(path="a.py", start_line=1)) is None


def test_inline_ignore_and_policy_fingerprint_suppress_a_key(make_tree: MakeTree) -> None:
    secret = key("groq-api-key")
    root = make_tree({"a.py": f"GROQ = '{secret}'  # aispm: ignore\n", "b.py": f"GROQ = '{secret}'\n"})
    first = _scan(root)
    inline = next(f for f in first.findings if f.location.path == "a.py")
    assert inline.suppression is not None and inline.suppression.layer == "inline"
    other = next(f for f in first.findings if f.location.path == "b.py")
    policy = f"suppressions:\n  - fingerprint: {other.fingerprint}\n    reason: rotated on 2025-01-02\n"
    again = next(f for f in _scan(root, policy).findings if f.location.path == "b.py")
    assert again.suppression is not None and again.suppression.layer == "policy-fingerprint"


def test_findings_are_stable_across_scans_and_line_moves(make_tree: MakeTree) -> None:
    secret = key("xai-api-key")
    root = make_tree({"a.py": f"XAI = '{secret}'\n"})
    before = {f.fingerprint for f in _scan(root).findings}
    (root / "a.py").write_text(f"# moved down\n\nXAI = '{secret}'\n", encoding="utf-8")
    after = _scan(root).findings
    assert {f.fingerprint for f in after} == before
    assert after[0].location.start_line == 3


def test_the_full_key_appears_in_no_report_and_no_database_row(make_tree: MakeTree, tmp_path: Path) -> None:
    root, keys = _tree(make_tree)
    result = _scan(root)
    assert len(result.findings) >= 6
    outputs = {fmt: renderer(fmt)(result) for fmt in FORMATS}
    database = tmp_path / "history.db"
    with open_store(f"sqlite:///{database}") as store:
        store.save(result)
    connection = sqlite3.connect(database)
    try:
        rows = [
            str(row)
            for (table,) in connection.execute("select name from sqlite_master where type='table'").fetchall()
            for row in connection.execute(f'select * from "{table}"').fetchall()  # noqa: S608 - test's own db
        ]
    finally:
        connection.close()
    outputs["database"] = "\n".join(rows)
    for secret in keys.values():
        random_part = secret[-20:]  # the random tail: no report may hold even part of it beyond the shown prefix
        for fmt, text in outputs.items():
            assert secret not in text, fmt
            assert random_part not in text, fmt


def test_binary_files_are_skipped(make_tree: MakeTree) -> None:
    secret = key("groq-api-key")
    root = make_tree({"blob.dat": b"\x00\x01\x02" + secret.encode()})
    assert _scan(root).findings == ()


def _finding_paths(findings: tuple[Finding, ...]) -> set[str]:
    return {f.location.path for f in findings}


def test_lockfiles_are_not_read(make_tree: MakeTree) -> None:
    secret = key("groq-api-key")
    root = make_tree({"package-lock.json": f'{{"x": "{secret}"}}', "config.json": f'{{"x": "{secret}"}}'})
    assert _finding_paths(_scan(root).findings) == {"config.json"}


def test_chunks_of_a_large_file_report_file_lines_and_extra_properties(tmp_path: Path) -> None:
    secret = key("groq-api-key")
    ref = FileRef(str(tmp_path), tmp_path / "train.jsonl", "train.jsonl", 10_000_000)
    chunk = '{"text": "hello"}\n' + f'{{"text": "my key is {secret}"}}\n'
    (finding,) = [
        r for r in scan_text(chunk, ref, first_line=5001, extra={"source": "dataset"}) if isinstance(r, Finding)
    ]
    assert finding.location.start_line == 5002
    assert finding.properties["lines"] == [5002]
    assert finding.properties["source"] == "dataset"


def test_general_cloud_keys_do_not_claim_an_ai_provider(tmp_path: Path) -> None:
    text = f"AWS_ACCESS_KEY_ID={key('aws-access-key-id')}\nAWS_BEARER_TOKEN_BEDROCK={key('aws-bedrock-api-key')}\n"
    ref = FileRef(str(tmp_path), tmp_path / ".env", ".env", len(text))
    records = list(scan_text(text, ref))
    assert len([r for r in records if isinstance(r, Finding)]) == 2
    assert [r.key for r in records if not isinstance(r, Finding)] == ["provider:aws-bedrock"]
