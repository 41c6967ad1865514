"""One thing found by several analysers is one asset: the same model, Hugging Face repository, MCP server or package
seen in code, configuration, notebooks, CLI downloads and lockfiles merges through the engine into a single asset
with every sighting as a location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aispm.engine import scan
from aispm.model import Asset, AssetKind, RelationKind, ScanResult, asset_id
from aispm.options import ScanOptions


def _notebook(*lines: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": list(lines)}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


ESTATE = {
    # gpt-4o: Python, JavaScript, .env, LiteLLM (direct and routed through Azure and OpenRouter), a Helm value
    "py/app.py": (
        "from openai import OpenAI, AzureOpenAI\n"
        "client = OpenAI()\n"
        'client.chat.completions.create(model="gpt-4o", messages=[])\n'
        'azure = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com")\n'
        'azure.chat.completions.create(model="gpt-4o-mini", messages=[])\n'
        'router = OpenAI(base_url="https://openrouter.ai/api/v1")\n'
        'router.chat.completions.create(model="anthropic/claude-3-5-sonnet-20241022", messages=[])\n'
        "import ollama\n"
        'ollama.chat(model="llama3.1:latest", messages=[])\n'
    ),
    "js/app.ts": (
        'import OpenAI, { AzureOpenAI } from "openai";\n'
        "const client = new OpenAI();\n"
        'await client.chat.completions.create({ model: "gpt-4o", messages: [] });\n'
        'const azure = new AzureOpenAI({ endpoint: "https://acme.openai.azure.com" });\n'
        'await azure.chat.completions.create({ model: "gpt-4o-mini", messages: [] });\n'
        'const router = new OpenAI({ baseURL: "https://openrouter.ai/api/v1" });\n'
        'await router.chat.completions.create({ model: "anthropic/claude-3-5-sonnet-20241022", messages: [] });\n'
        'const hf = new OpenAI({ baseURL: "https://openrouter.ai/api/v1" });\n'
        'await hf.chat.completions.create({ model: "meta-llama/llama-3.1-8b-instruct", messages: [] });\n'
    ),
    ".env": "OPENAI_MODEL=gpt-4o\nOLLAMA_MODEL=llama3.1\n",
    "litellm_config.yaml": (
        "model_list:\n"
        "  - model_name: main\n"
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
        "  - model_name: azure-mini\n"
        "    litellm_params:\n"
        "      model: azure/gpt-4o-mini\n"
        "  - model_name: sonnet\n"
        "    litellm_params:\n"
        "      model: openrouter/anthropic/claude-3-5-sonnet-20241022\n"
    ),
    # a Hugging Face repository id, written in different cases, from a notebook, YAML, a CLI download and compose
    "nb/explore.ipynb": _notebook(
        "from transformers import AutoModelForCausalLM\n",
        'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")\n',
    ),
    "deploy/values.yaml": "llm:\n  model: meta-llama/llama-3.1-8b-instruct\n",
    "scripts/fetch.sh": "huggingface-cli download Meta-Llama/Llama-3.1-8B-Instruct --local-dir /models\n",
    "deploy/docker-compose.yml": (
        "services:\n"
        "  vllm:\n"
        "    image: vllm/vllm-openai:v0.6.3\n"
        '    command: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n'
    ),
    # one MCP server from a client config, Python and TypeScript code
    ".cursor/mcp.json": json.dumps(
        {
            "mcpServers": {
                "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"]},
                "docs": {"url": "https://mcp.example.com/sse"},
            }
        }
    ),
    "agent/tools.py": (
        "from langchain_mcp_adapters.client import MultiServerMCPClient\n"
        "client = MultiServerMCPClient({\n"
        '    "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"]},\n'
        '    "docs": {"url": "https://mcp.example.com/sse", "transport": "sse"},\n'
        "})\n"
    ),
    "agent/tools.ts": (
        'import { MultiServerMCPClient } from "@langchain/mcp-adapters";\n'
        "const client = new MultiServerMCPClient({ mcpServers: {\n"
        '  github: { command: "npx", args: ["-y", "@modelcontextprotocol/server-github@2025.4.8"] },\n'
        '  docs: { url: "https://mcp.example.com/sse" },\n'
        "} });\n"
    ),
    # a package from imports (Python, notebook, TypeScript), manifests and lockfiles
    "py/requirements.txt": "openai>=1.40\n",
    "py/poetry.lock": '[[package]]\nname = "openai"\nversion = "1.52.0"\n',
    "js/package.json": json.dumps({"dependencies": {"openai": "^4.56.0"}}),
    "js/package-lock.json": json.dumps(
        {
            "lockfileVersion": 3,
            "packages": {
                "": {"dependencies": {"openai": "^4.56.0"}},
                "node_modules/openai": {"version": "4.56.0"},
            },
        }
    ),
}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    root = tmp_path_factory.mktemp("estate")
    for relpath, text in ESTATE.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"inventory"})))


def _one(result: ScanResult, kind: AssetKind, key: str) -> Asset:
    matches = [a for a in result.assets if a.kind is kind and a.key.lower() == key]
    assert len(matches) == 1, (key, sorted(a.key for a in result.assets if a.kind is kind))
    return matches[0]


def _files(asset: Asset) -> set[str]:
    return {loc.path for loc in asset.locations}


def test_gpt_4o_from_code_env_and_litellm_is_one_model(result: ScanResult) -> None:
    model = _one(result, AssetKind.MODEL, "model:openai:gpt-4o")
    assert _files(model) == {"py/app.py", "js/app.ts", ".env", "litellm_config.yaml"}


def test_a_routed_model_is_keyed_by_its_own_provider_and_served_by_the_route(result: ScanResult) -> None:
    """Azure OpenAI and OpenRouter serve models that are still ``gpt-4o-mini`` and ``claude-3-5-sonnet``: the model
    merges with the directly used one, and the route is a provider that SERVES it."""
    mini = _one(result, AssetKind.MODEL, "model:openai:gpt-4o-mini")
    assert _files(mini) == {"py/app.py", "js/app.ts", "litellm_config.yaml"}
    sonnet = _one(result, AssetKind.MODEL, "model:anthropic:claude-3-5-sonnet-20241022")
    assert _files(sonnet) == {"py/app.py", "js/app.ts", "litellm_config.yaml"}
    serves = {(r.source, r.target) for r in result.relations if r.kind is RelationKind.SERVES}
    azure, openrouter = (
        asset_id(AssetKind.PROVIDER, "provider:azure-openai"),
        asset_id(AssetKind.PROVIDER, "provider:openrouter"),
    )
    assert {(azure, mini.id), (openrouter, sonnet.id)} <= serves
    assert not [a.key for a in result.assets if a.kind is AssetKind.MODEL and a.key.startswith("model:openrouter:")]
    assert not [a.key for a in result.assets if a.kind is AssetKind.MODEL and a.key.startswith("model:azure-openai:")]


def test_ollama_latest_tag_is_the_bare_name(result: ScanResult) -> None:
    model = _one(result, AssetKind.MODEL, "model:ollama:llama3.1")
    assert _files(model) == {"py/app.py", ".env"}


def test_a_hub_repository_in_any_case_is_one_model(result: ScanResult) -> None:
    model = _one(result, AssetKind.MODEL, "model:huggingface:meta-llama/llama-3.1-8b-instruct")
    assert _files(model) == {
        "nb/explore.ipynb",
        "deploy/values.yaml",
        "scripts/fetch.sh",
        "deploy/docker-compose.yml",
        "js/app.ts",
    }


def test_an_mcp_server_from_config_and_code_is_one_server(result: ScanResult) -> None:
    github = _one(result, AssetKind.MCP_SERVER, "mcp-server:github:npx @modelcontextprotocol/server-github")
    assert _files(github) == {".cursor/mcp.json", "agent/tools.py", "agent/tools.ts"}
    docs = _one(result, AssetKind.MCP_SERVER, "mcp-server:docs:https://mcp.example.com/sse")
    assert _files(docs) == {".cursor/mcp.json", "agent/tools.py", "agent/tools.ts"}
    servers = [a for a in result.assets if a.kind is AssetKind.MCP_SERVER]
    assert len(servers) == 2, sorted(a.key for a in servers)


def test_a_package_from_imports_manifests_and_lockfiles_is_one_package(result: ScanResult) -> None:
    pypi = _one(result, AssetKind.PACKAGE, "pypi:openai")
    assert _files(pypi) == {"py/app.py", "py/requirements.txt", "py/poetry.lock"}
    assert pypi.version == "1.52.0"  # the lockfile's exact version wins over the range and the import
    npm = _one(result, AssetKind.PACKAGE, "npm:openai")
    assert _files(npm) == {"js/app.ts", "js/package.json", "js/package-lock.json"}
    assert npm.version == "4.56.0"


def test_path_keyed_assets_do_not_depend_on_how_the_root_was_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``aispm scan .`` and ``aispm scan /abs/path`` must give a model file and a local dataset the same ids,
    or every scan history would see them disappear and reappear."""
    estate = tmp_path / "estate"
    (estate / "models").mkdir(parents=True)
    (estate / "models" / "weights.safetensors").write_bytes(_tiny_safetensors())
    (estate / "data").mkdir()
    (estate / "data" / "train.csv").write_text("text,label\nhello,1\n")
    (tmp_path / "link").symlink_to(estate)

    def ids(root: str) -> set[tuple[str, str]]:
        result = scan([root], ScanOptions(workers=1, history=False))
        return {(a.kind.value, a.id) for a in result.assets if a.kind in (AssetKind.MODEL_FILE, AssetKind.DATASET)}

    absolute = ids(str(estate))
    assert {kind for kind, _ in absolute} == {"model-file", "dataset"}
    monkeypatch.chdir(estate)
    assert ids(".") == absolute
    assert ids(str(tmp_path / "link")) == absolute  # a root reached through a link is the same place


def _tiny_safetensors() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    return len(header).to_bytes(8, "little") + header + b"\x00\x00\x80\x3f"
