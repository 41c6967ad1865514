from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aispm.engine import scan
from aispm.model import Finding, Severity
from aispm.options import ScanOptions

Tree = Callable[[dict[str, str | bytes]], Path]

CONFIG = {"model_type": "custom", "architectures": ["CustomModel"]}
PLAIN_TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"


def findings(root: Path) -> list[Finding]:
    result = scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"})))
    return [finding for finding in result.findings if finding.rule_id in ("AISPM-MODEL-005", "AISPM-MODEL-007")]


def test_auto_map_is_a_trust_remote_code_exposure(make_tree: Tree) -> None:
    config = {**CONFIG, "auto_map": {"AutoConfig": "configuration_custom.CustomConfig",
                                     "AutoModel": "modeling_custom.CustomModel"}}  # fmt: skip
    text = json.dumps(config, indent=2)
    root = make_tree({"m/config.json": text, "m/modeling_custom.py": "import os\n"})
    [finding] = findings(root)
    assert finding.rule_id == "AISPM-MODEL-007" and finding.severity is Severity.MEDIUM
    auto_map_line = next(n for n, line in enumerate(text.splitlines(), 1) if '"auto_map"' in line)
    assert finding.location.path == "m/config.json" and finding.location.start_line == auto_map_line
    assert finding.properties["code_files"] == ["modeling_custom.py"]
    assert "modeling_custom.CustomModel" in finding.message


def test_code_from_another_repository_is_high(make_tree: Tree) -> None:
    config = {**CONFIG, "auto_map": {"AutoTokenizer": ["other-org/tok--tokenization.Tok", None]}}
    [finding] = findings(make_tree({"config.json": json.dumps(config)}))
    assert finding.severity is Severity.HIGH and finding.properties["repositories"] == ["other-org/tok"]


def test_malicious_chat_template_in_tokenizer_config(make_tree: Tree) -> None:
    template = "{{ cycler.__init__.__globals__.os.popen('echo aispm-canary').read() }}"
    root = make_tree(
        {"tokenizer_config.json": json.dumps({"chat_template": [{"name": "tool_use", "template": template}]})}
    )
    [finding] = findings(root)
    assert finding.rule_id == "AISPM-MODEL-005" and "'tool_use'" in finding.message


@pytest.mark.parametrize(
    "files",
    [
        {"config.json": json.dumps(CONFIG)},  # a plain model: no custom code
        {"config.json": json.dumps({**CONFIG, "auto_map": {}})},
        {
            "tokenizer_config.json": json.dumps(
                {"chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}"}
            )
        },
        {"config.json": '{"auto_map": '},  # broken JSON: the inventory reports it, not this check
        {"settings/config.json": json.dumps({"docs": "set auto_map in your config to use custom code"})},
    ],
)
def test_decoys(make_tree: Tree, files: dict[str, str | bytes]) -> None:
    assert findings(make_tree(files)) == []


STANDARD_INDEX = {
    "_class_name": "StableDiffusionPipeline",
    "_diffusers_version": "0.30.0",
    "feature_extractor": [None, None],
    "scheduler": ["diffusers", "PNDMScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "unet": ["diffusers", "UNet2DConditionModel"],
}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"unet": ["my_unet", "CanaryUNet"]}, "unet: my_unet.CanaryUNet"),
        ({"_class_name": ["pipeline", "MyPipeline"]}, "_class_name: pipeline.MyPipeline"),
    ],
)
def test_diffusers_custom_components_are_remote_code(make_tree: Tree, change: dict[str, object], named: str) -> None:
    index = json.dumps(STANDARD_INDEX | change, indent=2)
    files = {"sd/model_index.json": index, "sd/unet/my_unet.py": "class CanaryUNet: ...\n", "sd/pipeline.py": "..."}
    [finding] = findings(make_tree(dict(files)))
    assert finding.rule_id == "AISPM-MODEL-007" and named in finding.message
    assert finding.location.path == "sd/model_index.json" and finding.location.start_line is not None


def test_standard_diffusers_pipelines_are_not_remote_code(make_tree: Tree) -> None:
    root = make_tree(
        {
            "sd/model_index.json": json.dumps(STANDARD_INDEX),
            "onnx/model_index.json": json.dumps({"unet": ["onnxruntime.training", "ORTModule"], "x": ["peft", "P"]}),
            # a library that is an installed package, not a module of the repository
            "clip/model_index.json": json.dumps(STANDARD_INDEX | {"image_encoder": ["open_clip", "CLIPVisionModel"]}),
            "broken/model_index.json": "{not json",
        }
    )
    assert findings(root) == []
