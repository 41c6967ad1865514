from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from msgspec.structs import replace

from aispm.model import Asset, AssetKind, Location, Relation, RelationKind, ScanResult
from aispm.report import cyclonedx, renderer


@cache
def strict_validator() -> JsonStrictValidator:
    return JsonStrictValidator(SchemaVersion.V1_6)


def assert_valid_bom(text: str) -> None:
    error = strict_validator().validate_str(text)
    message = None if error is None else getattr(error.data, "message", str(error.data))
    assert message is None


def render_bom(result: ScanResult) -> dict[str, Any]:
    text = cyclonedx.render(result)
    assert_valid_bom(text)
    bom: dict[str, Any] = json.loads(text)
    return bom


def by_ref(bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["bom-ref"]: item for item in [*bom["components"], *bom["services"]]}


def props(item: dict[str, Any], name: str) -> list[str]:
    return [p["value"] for p in item.get("properties", []) if p["name"] == name]


def test_bom_is_valid_against_the_strict_1_6_schema(scan_result: ScanResult) -> None:
    bom = render_bom(scan_result)
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.6"
    assert bom["version"] == 1


def test_strict_validator_rejects_an_unknown_field(scan_result: ScanResult) -> None:
    bom = cyclonedx.build_bom(scan_result)
    bom["components"][0]["colour"] = "red"
    with pytest.raises(AssertionError):
        assert_valid_bom(json.dumps(bom))


def test_empty_scan_is_a_valid_bom(empty_result: ScanResult) -> None:
    bom = render_bom(empty_result)
    assert bom["components"] == [] and bom["services"] == []
    assert bom["dependencies"] == [{"ref": "aispm-estate", "dependsOn": []}]
    assert "timestamp" not in bom["metadata"]


def test_renderer_is_registered_for_the_cli(scan_result: ScanResult) -> None:
    assert renderer("cyclonedx")(scan_result) == cyclonedx.render(scan_result)


def test_serial_number_is_deterministic_per_scan(scan_result: ScanResult) -> None:
    first = render_bom(scan_result)["serialNumber"]
    assert first == render_bom(scan_result)["serialNumber"]
    assert first.startswith("urn:uuid:")
    later = replace(scan_result, started_at="2025-03-05T10:15:00+00:00", finished_at="2025-03-05T10:15:09+00:00")
    assert render_bom(later)["serialNumber"] != first


def test_metadata_names_the_tool_and_the_estate(scan_result: ScanResult) -> None:
    metadata = render_bom(scan_result)["metadata"]
    assert metadata["timestamp"] == "2025-03-04T10:15:07+00:00"
    assert metadata["tools"]["components"] == [{"type": "application", "name": "aispm", "version": "0.1.0"}]
    assert metadata["component"] == {
        "type": "application",
        "bom-ref": "aispm-estate",
        "name": "AI estate (chatbot, platform)",
    }
    assert props(metadata, "aispm:root") == ["/srv/estate/chatbot", "/srv/estate/platform"]


def test_every_asset_is_in_the_bom_once_with_its_id_as_bom_ref(scan_result: ScanResult) -> None:
    bom = render_bom(scan_result)
    refs = [item["bom-ref"] for item in [*bom["components"], *bom["services"]]]
    assert sorted(refs) == sorted(a.id for a in scan_result.assets)


@pytest.mark.parametrize(
    ("asset_name", "expected_type"),
    [
        ("openai_pkg", "library"),
        ("llama", "machine-learning-model"),
        ("gpt4o", "machine-learning-model"),
        ("safetensors_file", "file"),
        ("squad", "data"),
        ("repo_chatbot", "application"),
        ("agent", "application"),
        ("notebook", "application"),
    ],
)
def test_component_types(
    scan_result: ScanResult, assets: dict[str, Asset], asset_name: str, expected_type: str
) -> None:
    component = next(c for c in render_bom(scan_result)["components"] if c["bom-ref"] == assets[asset_name].id)
    assert component["type"] == expected_type


@pytest.mark.parametrize(
    "asset_name", ["openai_provider", "ollama_provider", "endpoint", "mcp_fs", "mcp_remote", "qdrant", "ollama_service"]
)
def test_services(scan_result: ScanResult, assets: dict[str, Asset], asset_name: str) -> None:
    services = {s["bom-ref"] for s in render_bom(scan_result)["services"]}
    assert assets[asset_name].id in services


def test_packages_carry_purls(scan_result: ScanResult, assets: dict[str, Asset]) -> None:
    items = by_ref(render_bom(scan_result))
    openai = items[assets["openai_pkg"].id]
    assert openai["purl"] == "pkg:pypi/openai@1.52.0"
    assert openai["version"] == "1.52.0"
    langchain = items[assets["langchain_npm"].id]
    assert langchain["purl"] == "pkg:npm/%40langchain/openai"  # a range is no version
    assert "version" not in langchain
    assert props(langchain, "aispm:version-spec") == ["^0.3.0"]
    torch = items[assets["torch_pkg"].id]
    assert torch["purl"] == "pkg:pypi/torch@2.4.1"
    assert torch["scope"] == "optional"
    assert props(torch, "aispm:dev") == ["true"]


@pytest.mark.parametrize(
    ("ecosystem", "name", "version", "purl"),
    [
        ("go", "github.com/sashabaranov/go-openai", "v1.32.0", "pkg:golang/github.com/sashabaranov/go-openai@v1.32.0"),
        ("maven", "dev.langchain4j:langchain4j", "0.35.0", "pkg:maven/dev.langchain4j/langchain4j@0.35.0"),
        ("pypi", "LangChain_Core", ">=0.3", "pkg:pypi/langchain-core"),
        ("pypi", "openai", "==1.52.0", "pkg:pypi/openai@1.52.0"),
    ],
)
def test_purl_is_built_when_not_recorded(ecosystem: str, name: str, version: str, purl: str) -> None:
    asset = Asset(AssetKind.PACKAGE, name, f"{ecosystem}:{name.lower()}", version, properties={"ecosystem": ecosystem})
    result = ScanResult(roots=("/r",), scanners=(), started_at="", finished_at="", assets=(asset,))
    (component,) = render_bom(result)["components"]
    assert component["purl"] == purl
    assert component.get("version") == (purl.rpartition("@")[2] if "@" in purl.replace("%40", "") else None)


def test_model_card_from_config(scan_result: ScanResult, assets: dict[str, Asset]) -> None:
    items = by_ref(render_bom(scan_result))
    llama = items[assets["llama"].id]
    assert llama["modelCard"]["modelParameters"] == {
        "task": "text-generation",
        "architectureFamily": "llama",
        "modelArchitecture": "LlamaForCausalLM",
        "datasets": [{"ref": assets["squad"].id}],
    }
    assert llama["purl"] == "pkg:huggingface/meta-llama/Llama-3.1-8B-Instruct"
    assert llama["publisher"] == "meta-llama"
    assert llama["licenses"] == [{"license": {"name": "apache-2.0"}}]
    gpt4o = items[assets["gpt4o"].id]
    assert "modelCard" not in gpt4o  # nothing is known beyond the name
    assert gpt4o["publisher"] == "OpenAI"
    assert "purl" not in gpt4o


def test_model_file_has_sha256(scan_result: ScanResult, assets: dict[str, Asset]) -> None:
    items = by_ref(render_bom(scan_result))
    safetensors = items[assets["safetensors_file"].id]
    assert safetensors["hashes"] == [
        {"alg": "SHA-256", "content": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
    ]
    assert props(safetensors, "aispm:format") == ["safetensors"]
    assert "hashes" not in items[assets["pickle_file"].id]  # hashing was off or failed: no made-up hash


def test_datasets_are_data_with_classification_hook(scan_result: ScanResult, assets: dict[str, Asset]) -> None:
    items = by_ref(render_bom(scan_result))
    tickets = items[assets["tickets"].id]
    assert tickets["data"] == [{"type": "dataset", "name": "data/support-tickets", "classification": "confidential"}]
    squad = items[assets["squad"].id]
    assert squad["data"] == [
        {
            "type": "dataset",
            "name": "rajpurkar/squad",
            "contents": {"url": "https://huggingface.co/datasets/rajpurkar/squad"},
        }
    ]


def test_classified_dataset_carries_classification_and_sensitive_data(assets: dict[str, Asset]) -> None:
    tickets = assets["tickets"]
    classified = replace(
        tickets,
        properties={
            **tickets.properties,
            "classification": "restricted",
            "sensitive_data": {"payment-card": 2, "email": 41},
            "pii_files": ["ml-platform/data/support-tickets/a.jsonl"],
        },
    )
    result = ScanResult(roots=("/r",), scanners=("data",), started_at="", finished_at="", assets=(classified,))
    (component,) = render_bom(result)["components"]
    assert component["data"] == [
        {
            "type": "dataset",
            "name": "data/support-tickets",
            "classification": "restricted",
            "sensitiveData": ["payment-card: 2", "email: 41"],
        }
    ]
    assert props(component, "aispm:pii_files") == ["ml-platform/data/support-tickets/a.jsonl"]


def test_services_have_endpoints_and_trust_boundaries(scan_result: ScanResult, assets: dict[str, Asset]) -> None:
    items = by_ref(render_bom(scan_result))
    openai = items[assets["openai_provider"].id]
    assert openai["endpoints"] == ["https://api.openai.com"]
    assert openai["x-trust-boundary"] is True
    assert openai["authenticated"] is True
    assert openai["provider"] == {"name": "OpenAI"}
    ollama = items[assets["ollama_provider"].id]
    assert ollama["x-trust-boundary"] is False  # a local runtime
    assert "authenticated" not in ollama
    assert props(ollama, "aispm:shadow-ai") == ["true"]
    assert props(openai, "aispm:shadow-ai") == []
    remote = items[assets["mcp_remote"].id]
    assert remote["endpoints"] == ["https://mcp.example.com/sse"]
    assert remote["x-trust-boundary"] is True
    assert remote["authenticated"] is True
    local = items[assets["mcp_fs"].id]
    assert local["x-trust-boundary"] is False
    assert props(local, "aispm:env") == ["FS_TOKEN"]
    assert props(local, "aispm:location") == [".vscode/mcp.json:4"]
    endpoint = items[assets["endpoint"].id]
    assert endpoint["endpoints"] == ["tcp://0.0.0.0:11434"]
    assert endpoint["x-trust-boundary"] is True
    ollama_service = items[assets["ollama_service"].id]
    assert ollama_service["endpoints"] == ["tcp://0.0.0.0:11434"]  # what it exposes


@pytest.mark.parametrize(
    ("host", "external"), [("127.0.0.1", False), ("localhost", False), ("::1", False), ("10.0.0.5", True)]
)
def test_loopback_endpoints_do_not_cross_a_trust_boundary(host: str, external: bool) -> None:
    endpoint = Asset(
        AssetKind.ENDPOINT, f"{host}:8000", f"endpoint:{host}:8000", properties={"host": host, "port": 8000}
    )
    result = ScanResult(roots=("/r",), scanners=(), started_at="", finished_at="", assets=(endpoint,))
    (service,) = render_bom(result)["services"]
    assert service["x-trust-boundary"] is external


def test_file_evidence_has_line_numbers(scan_result: ScanResult, assets: dict[str, Asset]) -> None:
    items = by_ref(render_bom(scan_result))
    occurrences = items[assets["openai_pkg"].id]["evidence"]["occurrences"]
    assert {"location": "requirements.txt", "line": 3, "additionalContext": "scan root: /srv/estate/chatbot"} in (
        occurrences
    )
    assert [o["line"] for o in occurrences] == [3, 1]
    tickets = items[assets["tickets"].id]["evidence"]["occurrences"]
    assert tickets == [
        {"location": "ml-platform/data/support-tickets", "additionalContext": "scan root: /srv/estate/platform"}
    ]
    sagemaker = items[assets["sagemaker"].id]
    assert props(sagemaker, "aispm:location") == [
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/fraud-scoring",
        "ml-platform/infra/main.tf:40-52",
    ]


def test_dependency_graph_follows_relations(scan_result: ScanResult, assets: dict[str, Asset]) -> None:
    bom = render_bom(scan_result)
    graph = {d["ref"]: set(d["dependsOn"]) for d in bom["dependencies"]}
    assert set(graph) == {a.id for a in scan_result.assets} | {"aispm-estate"}
    ids = {name: asset.id for name, asset in assets.items()}
    assert ids["openai_pkg"] in graph[ids["repo_chatbot"]]
    assert {ids["mcp_fs"], ids["mcp_remote"], ids["gpt4o"]} <= graph[ids["agent"]]
    assert ids["openai_provider"] in graph[ids["gpt4o"]]  # served by: the model depends on its provider
    assert ids["ollama_service"] in graph[ids["endpoint"]]  # exposed by
    assert {ids["safetensors_file"], ids["squad"]} <= graph[ids["llama"]]
    assert graph["aispm-estate"] == {ids["repo_chatbot"], ids["repo_platform"]}
    assert "0000dangling0000" not in {ref for refs in graph.values() for ref in refs}


def test_assets_nothing_points_to_hang_off_the_estate() -> None:
    lone = Asset(AssetKind.MODEL, "gpt-4o", "model:openai:gpt-4o", locations=(Location("a.py", 1, 1, "/r"),))
    result = ScanResult(roots=("/r",), scanners=(), started_at="", finished_at="", assets=(lone,))
    bom = render_bom(result)
    assert bom["dependencies"][0] == {"ref": "aispm-estate", "dependsOn": [lone.id]}
    assert bom["metadata"]["component"]["name"] == "r"


def test_self_and_duplicate_relations_keep_the_graph_valid(assets: dict[str, Asset]) -> None:
    model = assets["llama"]
    dataset = assets["squad"]
    relations = (
        Relation(model.id, RelationKind.TRAINS_ON, dataset.id),
        Relation(model.id, RelationKind.USES, dataset.id),
        Relation(model.id, RelationKind.USES, model.id),
    )
    result = ScanResult(
        roots=("/r",), scanners=(), started_at="", finished_at="", assets=(dataset, model), relations=relations
    )
    graph = {d["ref"]: d["dependsOn"] for d in render_bom(result)["dependencies"]}
    assert graph[model.id] == [dataset.id]


def test_findings_and_secrets_stay_out_of_the_bom(scan_result: ScanResult, full_secret: str) -> None:
    text = cyclonedx.render(scan_result)
    assert full_secret not in text
    assert "AISPM-SECRET-001" not in text
    assert "vulnerabilities" not in json.loads(text)


def test_real_scan_gives_a_valid_bom_with_every_asset(real_scan: ScanResult) -> None:
    bom = render_bom(real_scan)
    assert set(by_ref(bom)) == {a.id for a in real_scan.assets}
    assert {d["ref"] for d in bom["dependencies"]} == {a.id for a in real_scan.assets} | {"aispm-estate"}
    assert any(c.get("purl") == "pkg:pypi/openai@1.52.0" for c in bom["components"])
