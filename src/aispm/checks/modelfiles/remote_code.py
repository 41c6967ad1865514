"""Hugging Face model directories that run their own code: ``auto_map`` and diffusers custom components
(trust_remote_code), and chat templates.

A ``config.json`` (or tokenizer/processor config) with ``auto_map`` names Python classes in ``*.py`` files of the
model repository (or of another repository, ``org/repo--module.Class``); ``from_pretrained(...,
trust_remote_code=True)`` imports and runs them.  A ``tokenizer_config.json`` ``chat_template`` is Jinja that
runtimes render on every request, checked for template-injection gadgets like GGUF templates are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from aispm.analyser import Analyser, Record, file_location
from aispm.files.content import FileContent
from aispm.files.structured import StructuredError, find_line, load_json
from aispm.files.walk import FileRef
from aispm.model import Finding, Severity
from aispm.rules import get_rule

REMOTE_CODE_RULE = "AISPM-MODEL-007"
TEMPLATE_RULE = "AISPM-MODEL-005"

CONFIG_NAMES = frozenset(
    {
        "config.json",
        "tokenizer_config.json",
        "processor_config.json",
        "preprocessor_config.json",
        "feature_extractor_config.json",
        "image_processor_config.json",
    }
)
_HINTS = (b'"auto_map"', b'"chat_template"')
PIPELINE_INDEX = "model_index.json"
_PIPELINE_LIBRARIES = frozenset({"diffusers", "transformers", "onnxruntime", "peft", "torch"})
"""Libraries a diffusers pipeline loads components from by name; any other is a module of the repository."""
_REFERENCE = re.compile(r"(?:(?P<repo>[\w.-]+/[\w.-]+)--)?(?P<module>[\w.]+)\.(?P<cls>\w+)")
MAX_LISTED = 8


def _references(auto_map: dict[str, Any]) -> Iterator[str]:
    for value in auto_map.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                yield item


def _templates(config: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(name, template) of ``chat_template``: a string, or a list of ``{"name", "template"}``."""
    value = config.get("chat_template")
    if isinstance(value, str):
        yield "default", value
    elif isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict) and isinstance(entry.get("template"), str):
                yield str(entry.get("name", "default")), entry["template"]


class RemoteCodeAnalyser(Analyser):
    """Custom code a Hugging Face model directory makes its loaders run."""

    name = "model-remote-code"
    family = "models"
    reads_content = True

    def wants(self, ref: FileRef) -> bool:
        return ref.name_lower in CONFIG_NAMES or ref.name_lower == PIPELINE_INDEX

    def analyse(self, file: FileContent) -> Iterable[Record]:
        if file.ref.name_lower == PIPELINE_INDEX:
            yield from self._pipeline_components(file)
            return
        if file.data is None or not any(hint in file.data for hint in _HINTS):
            return
        try:
            config = load_json(file.text)
        except StructuredError:
            return  # not ours to judge: the inventory reports invalid model configs
        if not isinstance(config, dict):
            return
        auto_map = config.get("auto_map")
        if isinstance(auto_map, dict) and auto_map:
            yield self._remote_code(file, auto_map)
        yield from self._chat_templates(file, config)

    def _remote_code(self, file: FileContent, auto_map: dict[str, Any]) -> Finding:
        references = sorted(set(_references(auto_map)))
        modules: set[str] = set()
        repositories: set[str] = set()
        for reference in references:
            match = _REFERENCE.fullmatch(reference)
            if match is None:
                continue
            if match.group("repo"):
                repositories.add(match.group("repo"))
            else:
                modules.add(match.group("module").split(".")[0] + ".py")
        directory = file.ref.path.parent
        present = sorted(module for module in modules if (directory / module).is_file())
        listed = ", ".join(references[:MAX_LISTED]) + (" ..." if len(references) > MAX_LISTED else "")
        message = f"auto_map makes trust_remote_code=True loaders import {listed}"
        if present:
            message += f" (code in {', '.join(present)})"
        severity = None
        if repositories:
            message += f"; code comes from other repositories: {', '.join(sorted(repositories))}"
            severity = Severity.HIGH
        line = find_line(file.text, '"auto_map"')
        return get_rule(REMOTE_CODE_RULE).finding(
            message=message,
            location=file_location(file, line),
            evidence=listed[:300],
            identity="auto_map",
            severity=severity,
            properties={"references": references[:50], "code_files": present, "repositories": sorted(repositories)},
        )

    def _pipeline_components(self, file: FileContent) -> Iterator[Finding]:
        """A diffusers ``model_index.json`` names each component's library and class; a library that is not one
        diffusers knows is a module of the repository (``unet/my_unet.py``), imported with trust_remote_code=True."""
        if file.data is None:
            return
        try:
            index = load_json(file.text)
        except StructuredError:
            return
        if not isinstance(index, dict):
            return
        custom: list[str] = []
        directory = file.ref.path.parent
        for component, value in index.items():
            if component.startswith("_") and component != "_class_name":
                continue
            if isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value):
                library, cls = value
                if library.split(".")[0] in _PIPELINE_LIBRARIES:
                    continue
                # A module of the repository (the component's folder, or the top for a custom pipeline); any other
                # name is an installed package, which diffusers imports as one.
                module = f"{library.replace('.', '/')}.py"
                if (directory / component / module).is_file() or (directory / module).is_file():
                    custom.append(f"{component}: {library}.{cls}")
        if not custom:
            return
        listed = ", ".join(custom[:MAX_LISTED]) + (" ..." if len(custom) > MAX_LISTED else "")
        yield get_rule(REMOTE_CODE_RULE).finding(
            message=f"model_index.json makes trust_remote_code=True pipelines import custom components ({listed})",
            location=file_location(file, find_line(file.text, f'"{custom[0].split(":")[0]}"')),
            evidence=listed[:300],
            identity="model_index",
            properties={"references": custom[:50]},
        )

    def _chat_templates(self, file: FileContent, config: dict[str, Any]) -> Iterator[Finding]:
        for name, template in _templates(config):
            from aispm.checks.modelfiles.gguf_template import template_gadgets  # config files with templates are rare

            gadgets = template_gadgets(template)
            if not gadgets:
                continue
            line = find_line(file.text, '"chat_template"')
            yield get_rule(TEMPLATE_RULE).finding(
                message=f"chat template {name!r} reaches Python internals: {', '.join(gadgets[:5])}",
                location=file_location(file, line),
                evidence=", ".join(gadgets[:5]),
                identity=f"chat_template|{name}",
                properties={"template": name, "gadgets": gadgets[:20]},
            )
