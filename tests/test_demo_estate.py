"""End to end: the bundled demo estate through the real CLI and engine (what `make demo` shows)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aispm.cli import cli
from aispm.engine import scan
from aispm.model import AssetKind
from aispm.options import ScanOptions
from aispm.policy import load_policy

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("demo") / "estate"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_demo_estate.py"), str(dest)], check=True)
    return dest


def _keys(result_assets: list[dict[str, object]], kind: str) -> set[str]:
    return {str(a["key"]) for a in result_assets if a["kind"] == kind}


def test_demo_scan_finds_the_estate_and_fails_on_the_typosquat(estate: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["scan", str(estate), "--policy", str(estate / "aispm.yaml"), "-o", str(out), "--no-store", "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output  # the typosquatted MCP server is a high finding
    doc = json.loads(out.read_text())
    assets = doc["assets"]
    assert {
        "pypi:openai",
        "pypi:langchain-openai",
        "pypi:torch",
        "pypi:transformers",
        "npm:openai",
        "npm:@anthropic-ai/sdk",
        "pypi:crewai",
        "pypi:peft",
    } <= _keys(assets, "package")
    assert not {"pypi:requests", "npm:openapi-typescript", "npm:next", "pypi:anthropic"} & _keys(assets, "package")
    assert {
        "model:openai:gpt-4o",
        "model:anthropic:claude-3-5-sonnet-20241022",
        "model:huggingface:meta-llama/llama-3.1-8b-instruct",
        "model:ollama:llama3.1:8b",
        "model:huggingface:mistralai/mistral-7b-instruct-v0.3",
    } <= _keys(assets, "model")
    assert {"provider:openai", "provider:azure-openai", "provider:anthropic", "provider:ollama"} <= _keys(
        assets, "provider"
    )
    assert "dataset:huggingface:stanfordnlp/imdb" in _keys(assets, "dataset")
    assert not [k for k in _keys(assets, "dataset") if k.endswith(":json")]
    rules = {f["rule_id"] for f in doc["findings"]}
    assert {"AISPM-MCP-001", "AISPM-MCP-002", "AISPM-SHADOW-001"} <= rules
    assert not [a for a in assets if any(loc.get("path") == "aispm.yaml" for loc in a["locations"])]
    assert doc["errors"] == []

    leaked = [f for f in doc["findings"] if f["family"] == "secrets" and f["suppression"] is None]
    assert [(f["location"]["path"], f["severity"]) for f in leaked] == [("payments-assistant/.env", "critical")]
    key = (estate / "payments-assistant" / ".env").read_text().split("OPENAI_API_KEY=")[1].strip()
    assert key not in out.read_text()  # the report shows a prefix and a fingerprint, never the key

    pii = {(f["rule_id"], f["location"]["path"]) for f in doc["findings"] if f["family"] == "data"}
    tickets = "support-tickets-dataset/data/train.jsonl"
    assert pii == {(f"AISPM-PII-{kind}", tickets) for kind in ("EMAIL", "PHONE", "PAYMENT-CARD")}  # eval.csv: decoys
    [tickets_dataset] = [a for a in assets if a["kind"] == "dataset" and a["name"] == "support-tickets-dataset"]
    assert tickets_dataset["properties"]["classification"] == "restricted"
    assert "4539 1488 0343 6467" not in out.read_text() and "maria.kowalski" not in out.read_text()

    high_only = CliRunner().invoke(cli, [*args, "--scanners", "inventory,models,data,iac", "--fail-on", "critical"])
    assert high_only.exit_code == 0


def test_pool_and_in_process_scans_give_identical_results(estate: Path) -> None:
    policy = load_policy(estate / "aispm.yaml")
    inline = scan([str(estate)], ScanOptions(workers=1), policy).to_json()
    pooled = scan([str(estate)], ScanOptions(workers=2, inline_threshold=0), policy).to_json()
    assert pooled["stats"]["workers"] == 2
    for doc in (inline, pooled):
        for key in ("started_at", "finished_at", "stats"):
            doc.pop(key)
    assert inline == pooled


def test_model_directory_and_dataset_are_inventoried(estate: Path) -> None:
    result = scan([str(estate)], ScanOptions())
    kinds = {a.kind for a in result.assets}
    assert {
        AssetKind.MODEL_FILE,
        AssetKind.DATASET,
        AssetKind.MCP_SERVER,
        AssetKind.AGENT,
        AssetKind.SERVICE,
        AssetKind.VECTOR_DB,
        AssetKind.ENDPOINT,
        AssetKind.NOTEBOOK,
    } <= kinds
    [weights] = [a for a in result.assets if a.kind is AssetKind.MODEL_FILE]
    assert weights.properties["format"] == "safetensors" and len(str(weights.properties["sha256"])) == 64
