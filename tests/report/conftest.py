"""A realistic, hand-built ScanResult for the report tests: every asset kind, relations, findings of every
severity (one suppressed, one with redacted secret evidence, cloud-only ones), per-file errors and two roots."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from aispm.model import (
    Asset,
    AssetKind,
    Finding,
    Location,
    Relation,
    RelationKind,
    ScanError,
    ScanResult,
    Severity,
    Suppression,
)
from aispm.rules import get_rule

CHATBOT = "/srv/estate/chatbot"
PLATFORM = "/srv/estate/platform"

# Built by concatenation so no scanner mistakes this test file for a leak.  It is placed only where a report
# must never look (finding properties and identity); the evidence shows the redacted form.
FULL_SECRET = "sk-proj-" + "Zq8Lm3Vt6Wx1Yb4Nc7Ds0Fg2Hj5Kp9Rr"
REDACTED_EVIDENCE = 'OPENAI_API_KEY = "sk-p…Kp9Rr" (redacted)'


def loc(root: str, path: str, line: int | None = None, end: int | None = None) -> Location:
    return Location(path=path, start_line=line, end_line=end if end is not None else line, root=root)


def _assets() -> dict[str, Asset]:
    a = {
        "repo_chatbot": Asset(
            AssetKind.REPOSITORY, "chatbot", f"repo:{CHATBOT}", locations=(loc(CHATBOT, "."),), properties={"path": "."}
        ),
        "repo_platform": Asset(
            AssetKind.REPOSITORY,
            "ml-platform",
            f"repo:{PLATFORM}/ml-platform",
            locations=(loc(PLATFORM, "ml-platform"),),
            properties={"path": "ml-platform"},
        ),
        "openai_pkg": Asset(
            AssetKind.PACKAGE,
            "openai",
            "pypi:openai",
            version="1.52.0",
            locations=(loc(CHATBOT, "requirements.txt", 3), loc(CHATBOT, "app/chat.py", 1)),
            properties={
                "ecosystem": "pypi",
                "category": "llm-client",
                "provider": "openai",
                "purl": "pkg:pypi/openai@1.52.0",
                "source": "requirements.txt",
            },
        ),
        "langchain_npm": Asset(
            AssetKind.PACKAGE,
            "@langchain/openai",
            "npm:@langchain/openai",
            version="^0.3.0",
            locations=(loc(CHATBOT, "web/package.json", 14),),
            properties={"ecosystem": "npm", "category": "agent-framework", "source": "package.json"},
        ),
        "torch_pkg": Asset(
            AssetKind.PACKAGE,
            "torch",
            "pypi:torch",
            version="2.4.1",
            locations=(loc(PLATFORM, "ml-platform/requirements-dev.txt", 2),),
            properties={"ecosystem": "pypi", "category": "ml-framework", "dev": True, "source": "requirements.txt"},
        ),
        "openai_provider": Asset(
            AssetKind.PROVIDER,
            "OpenAI",
            "provider:openai",
            locations=(loc(CHATBOT, "app/chat.py", 8),),
            properties={"provider": "openai", "hosts": ["api.openai.com"]},
        ),
        "ollama_provider": Asset(
            AssetKind.PROVIDER,
            "Ollama",
            "provider:ollama",
            locations=(loc(PLATFORM, "ml-platform/serve/local.py", 4),),
            properties={"provider": "ollama"},
        ),
        "gpt4o": Asset(
            AssetKind.MODEL,
            "gpt-4o",
            "model:openai:gpt-4o",
            locations=(loc(CHATBOT, "app/chat.py", 9),),
            properties={"provider": "openai", "source": "python-source"},
        ),
        "llama": Asset(
            AssetKind.MODEL,
            "meta-llama/Llama-3.1-8B-Instruct",
            "model:huggingface:meta-llama/llama-3.1-8b-instruct",
            locations=(loc(PLATFORM, "ml-platform/models/llama/config.json", 1),),
            properties={
                "provider": "huggingface",
                "source": "huggingface-dir",
                "architecture": "LlamaForCausalLM",
                "model_type": "llama",
                "task": "text-generation",
                "licence": "apache-2.0",
                "library": "transformers",
            },
        ),
        "safetensors_file": Asset(
            AssetKind.MODEL_FILE,
            "model.safetensors",
            f"model-file:{PLATFORM}/ml-platform/models/llama/model.safetensors",
            locations=(loc(PLATFORM, "ml-platform/models/llama/model.safetensors"),),
            properties={
                "format": "safetensors",
                "framework": "safetensors",
                "size": 16_060_522_240,
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            },
        ),
        "pickle_file": Asset(
            AssetKind.MODEL_FILE,
            "classifier.pkl",
            f"model-file:{PLATFORM}/ml-platform/models/classifier.pkl",
            locations=(loc(PLATFORM, "ml-platform/models/classifier.pkl"),),
            properties={"format": "pickle", "framework": "sklearn", "size": 48213},
        ),
        "squad": Asset(
            AssetKind.DATASET,
            "rajpurkar/squad",
            "dataset:huggingface:rajpurkar/squad",
            locations=(loc(PLATFORM, "ml-platform/train.py", 12),),
            properties={"hub": "huggingface", "source": "python-source", "license": "cc-by-sa-4.0"},
        ),
        "tickets": Asset(
            AssetKind.DATASET,
            "data/support-tickets",
            f"dataset:local:{PLATFORM}/ml-platform/data/support-tickets",
            locations=(loc(PLATFORM, "ml-platform/data/support-tickets"),),
            properties={"formats": ["jsonl"], "files": 3, "size": 9_120_000, "classification": "confidential"},
        ),
        "agent": Asset(
            AssetKind.AGENT,
            "support_agent",
            "agent:langgraph:app/agent.py:support_agent",
            locations=(loc(CHATBOT, "app/agent.py", 31),),
            properties={"framework": "langgraph", "model": "gpt-4o"},
        ),
        "mcp_fs": Asset(
            AssetKind.MCP_SERVER,
            "filesystem",
            "mcp-server:filesystem:npx @modelcontextprotocol/server-filesystem",
            locations=(loc(CHATBOT, ".vscode/mcp.json", 4),),
            properties={
                "transport": "stdio",
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"],
                "package": "@modelcontextprotocol/server-filesystem",
                "pinned": False,
                "env": ["FS_TOKEN"],
            },
        ),
        "mcp_remote": Asset(
            AssetKind.MCP_SERVER,
            "tickets",
            "mcp-server:tickets:https://mcp.example.com/sse",
            locations=(loc(CHATBOT, ".vscode/mcp.json", 12),),
            properties={"transport": "sse", "url": "https://mcp.example.com/sse", "headers": ["Authorization"]},
        ),
        "qdrant": Asset(
            AssetKind.VECTOR_DB,
            "qdrant",
            "service:qdrant:ml-platform/docker-compose.yml:qdrant",
            locations=(loc(PLATFORM, "ml-platform/docker-compose.yml", 18),),
            properties={"product": "qdrant", "category": "vector-db", "image": "qdrant/qdrant", "tag": "v1.12.1"},
        ),
        "ollama_service": Asset(
            AssetKind.SERVICE,
            "ollama",
            "service:ollama:ml-platform/docker-compose.yml:ollama",
            locations=(loc(PLATFORM, "ml-platform/docker-compose.yml", 5),),
            properties={"product": "ollama", "image": "ollama/ollama", "tag": "latest", "pinned": False},
        ),
        "endpoint": Asset(
            AssetKind.ENDPOINT,
            "0.0.0.0:11434",
            "endpoint:0.0.0.0:11434",
            locations=(loc(PLATFORM, "ml-platform/docker-compose.yml", 9),),
            properties={"host": "0.0.0.0", "port": 11434},  # noqa: S104 - data about a published port
        ),
        "notebook": Asset(
            AssetKind.NOTEBOOK,
            "explore.ipynb",
            f"notebook:{PLATFORM}/ml-platform/notebooks/explore.ipynb",
            locations=(loc(PLATFORM, "ml-platform/notebooks/explore.ipynb", 3),),
            properties={"cells": 14},
        ),
        "sagemaker": Asset(
            AssetKind.CLOUD_RESOURCE,
            "fraud-scoring",
            "cloud:aws.sagemaker.endpoint:arn:aws:sagemaker:eu-west-1:123456789012:endpoint/fraud-scoring",
            locations=(
                Location(resource_id="arn:aws:sagemaker:eu-west-1:123456789012:endpoint/fraud-scoring"),
                loc(PLATFORM, "ml-platform/infra/main.tf", 40, 52),
            ),
            properties={"type": "aws.sagemaker.endpoint", "source": "terraform"},
        ),
    }
    return a


def _relations(a: dict[str, Asset]) -> tuple[Relation, ...]:
    pairs = [
        ("repo_chatbot", RelationKind.DEPENDS_ON, "openai_pkg"),
        ("repo_chatbot", RelationKind.DEPENDS_ON, "langchain_npm"),
        ("repo_chatbot", RelationKind.CALLS, "openai_provider"),
        ("repo_chatbot", RelationKind.USES, "gpt4o"),
        ("repo_chatbot", RelationKind.CONTAINS, "agent"),
        ("repo_chatbot", RelationKind.CONTAINS, "mcp_fs"),
        ("repo_chatbot", RelationKind.CONTAINS, "mcp_remote"),
        ("repo_platform", RelationKind.DEPENDS_ON, "torch_pkg"),
        ("repo_platform", RelationKind.CALLS, "ollama_provider"),
        ("repo_platform", RelationKind.USES, "llama"),
        ("repo_platform", RelationKind.CONTAINS, "safetensors_file"),
        ("repo_platform", RelationKind.CONTAINS, "pickle_file"),
        ("repo_platform", RelationKind.CONTAINS, "squad"),
        ("repo_platform", RelationKind.CONTAINS, "tickets"),
        ("repo_platform", RelationKind.USES, "qdrant"),
        ("repo_platform", RelationKind.CONTAINS, "ollama_service"),
        ("repo_platform", RelationKind.CONTAINS, "endpoint"),
        ("repo_platform", RelationKind.CONTAINS, "notebook"),
        ("repo_platform", RelationKind.CONTAINS, "sagemaker"),
        ("agent", RelationKind.USES, "mcp_fs"),
        ("agent", RelationKind.USES, "mcp_remote"),
        ("agent", RelationKind.USES, "gpt4o"),
        ("openai_provider", RelationKind.SERVES, "gpt4o"),
        ("ollama_service", RelationKind.EXPOSES, "endpoint"),
        ("llama", RelationKind.CONTAINS, "safetensors_file"),
        ("llama", RelationKind.TRAINS_ON, "squad"),
        ("notebook", RelationKind.USES, "llama"),
    ]
    relations = [Relation(a[s].id, kind, a[t].id) for s, kind, t in pairs]
    relations.append(Relation(a["agent"].id, RelationKind.USES, "0000dangling0000"))  # must not break a report
    return tuple(sorted(relations, key=lambda r: r.identity))


def _findings(a: dict[str, Asset]) -> tuple[Finding, ...]:
    secret = Finding(
        rule_id="AISPM-SECRET-001",
        title="OpenAI API key committed to the repository",
        severity=Severity.CRITICAL,
        family="secrets",
        message="An OpenAI project API key is hard-coded in app/config.py",
        location=loc(CHATBOT, "app/config.py", 12),
        asset_id=a["openai_provider"].id,
        evidence=REDACTED_EVIDENCE,
        description="Anyone who can read the repository can spend on the account and read its stored data.",
        remediation="Revoke the key in the OpenAI dashboard, then load it from a secret manager.",
        references=("https://platform.openai.com/docs/guides/production-best-practices",),
        frameworks=("LLM02:2025", "AML.T0055"),
        identity="secret-sha256:" + "4b227777d4dd1fc61c6f884f48641d02",
        properties={"raw_match": FULL_SECRET, "entropy": 5.1},
    )
    typosquat = get_rule("AISPM-MCP-002").finding(
        message="MCP package '@modelcontextprotoco1/server-filesystem' imitates '@modelcontextprotocol'",
        location=loc(CHATBOT, ".vscode/mcp.json", 4, 9),
        asset_id=a["mcp_fs"].id,
        evidence='"args": ["-y", "@modelcontextprotoco1/server-filesystem"]',
    )
    pickle_model = Finding(
        rule_id="AISPM-MODEL-001",
        title="Pickle model file can run code when loaded",
        severity=Severity.HIGH,
        family="models",
        message="classifier.pkl is a pickle: loading it runs whatever code it carries",
        location=loc(PLATFORM, "ml-platform/models/classifier.pkl"),
        asset_id=a["pickle_file"].id,
        description="Unpickling executes arbitrary code embedded in the file.",
        remediation="Convert the model to safetensors or ONNX and load only trusted, signed files.",
        references=("https://huggingface.co/docs/hub/security-pickle",),
        frameworks=("ML06:2023", "AML.T0011.000"),
    )
    unpinned = get_rule("AISPM-MCP-001").finding(
        message="MCP server 'filesystem' runs '@modelcontextprotocol/server-filesystem' without a version",
        location=loc(CHATBOT, ".vscode/mcp.json", 6),
        asset_id=a["mcp_fs"].id,
        evidence='"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]',
    )
    shadow = get_rule("AISPM-SHADOW-001").finding(
        message="provider 'Ollama' is not approved by policy (seen in ml-platform/serve/local.py:4)",
        location=loc(PLATFORM, "ml-platform/serve/local.py", 4),
        asset_id=a["ollama_provider"].id,
        evidence="provider: Ollama",
        properties={"asset_kind": "provider", "asset_name": "Ollama"},
    )
    cloud_only = Finding(
        rule_id="AISPM-CLOUD-001",
        title="SageMaker endpoint without data capture encryption",
        severity=Severity.MEDIUM,
        family="iac",
        message="Endpoint fraud-scoring stores captured requests unencrypted",
        location=Location(resource_id="arn:aws:sagemaker:eu-west-1:123456789012:endpoint/fraud-scoring"),
        asset_id=a["sagemaker"].id,
        description="Captured inference requests can hold customer data.",
        remediation="Set a KMS key on the endpoint's data capture configuration.",
    )
    terraform = Finding(
        rule_id="AISPM-CLOUD-002",
        title="SageMaker endpoint has no network isolation",
        severity=Severity.LOW,
        family="iac",
        message="aws_sagemaker_endpoint_configuration.fraud allows outbound internet access",
        location=Location(
            path="ml-platform/infra/main.tf",
            start_line=40,
            end_line=52,
            root=PLATFORM,
            resource_id="aws_sagemaker_endpoint_configuration.fraud",
        ),
        asset_id=a["sagemaker"].id,
        description="A compromised model container can send data anywhere.",
        remediation="Enable network isolation or run the endpoint in a VPC without a NAT gateway.",
    )
    info = Finding(
        rule_id="AISPM-INFO-001",
        title="Model has no licence on record",
        severity=Severity.INFO,
        family="inventory",
        message="gpt-4o is used without a recorded licence or terms review",
        location=loc(CHATBOT, "app/chat.py", 9),
        asset_id=a["gpt4o"].id,
        description="Unknown licence terms can forbid the intended use.",
        remediation="Record the provider terms that apply in the model register.",
    )
    suppressed = get_rule("AISPM-MCP-001").finding(
        message="MCP server 'tickets-dev' runs 'tickets-mcp' without a version",
        location=loc(CHATBOT, ".cursor/mcp.json", 3),
        asset_id=a["mcp_remote"].id,
        evidence='"command": "uvx", "args": ["tickets-mcp"]',
    )
    suppressed = replace(suppressed, suppression=Suppression("inline", "inline 'aispm: ignore' comment at line 3"))
    findings = [secret, typosquat, pickle_model, unpinned, shadow, cloud_only, terraform, info, suppressed]
    findings.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.location, f.fingerprint))
    return tuple(findings)


@pytest.fixture
def full_secret() -> str:
    """The unredacted credential that no report may ever contain."""
    return FULL_SECRET


@pytest.fixture
def redacted_evidence() -> str:
    return REDACTED_EVIDENCE


@pytest.fixture
def assets() -> dict[str, Asset]:
    return _assets()


@pytest.fixture
def scan_result(assets: dict[str, Asset]) -> ScanResult:
    return ScanResult(
        roots=(CHATBOT, PLATFORM),
        scanners=("data", "iac", "inventory", "models", "secrets"),
        started_at="2025-03-04T10:15:00+00:00",
        finished_at="2025-03-04T10:15:07+00:00",
        assets=tuple(sorted(assets.values(), key=lambda x: (x.kind.value, x.key))),
        relations=_relations(assets),
        findings=_findings(assets),
        errors=(
            ScanError("ml-platform/broken.ipynb", "invalid JSON: Expecting value at line 1 column 1", PLATFORM, "nb"),
            ScanError("app/huge.py", "file larger than 16 MiB: not read", CHATBOT),
        ),
        stats={"files_seen": 1834, "files_analysed": 212, "duration_seconds": 6.8, "policy": "aispm.yaml"},
        tool_version="0.1.0",
    )


REAL_TREE = {
    "requirements.txt": "openai==1.52.0\nlangchain>=0.3\n",
    "app/chat.py": 'from openai import OpenAI\n\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o")\n',
    ".vscode/mcp.json": (
        '{\n  // the servers this workspace uses\n  "servers": {\n'
        '    "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/d"]}\n'
        "  }\n}\n"
    ),
    "docker-compose.yml": 'services:\n  ollama:\n    image: ollama/ollama:latest\n    ports: ["11434:11434"]\n',
    "aispm.yaml": "approved:\n  providers: [openai]\n  models: [gpt-4o]\n  packages: [openai]\n",
}


@pytest.fixture
def real_scan(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """The real engine and analysers on a small tree written here (whatever detectors are registered)."""
    from aispm.engine import scan
    from aispm.options import ScanOptions
    from aispm.policy import load_policy

    root = tmp_path_factory.mktemp("estate")
    for relpath, text in REAL_TREE.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text, "utf-8")
    return scan([str(root)], ScanOptions(workers=1), policy=load_policy(root / "aispm.yaml"))


@pytest.fixture
def empty_result() -> ScanResult:
    return ScanResult(roots=("/srv/empty",), scanners=("inventory",), started_at="", finished_at="")
