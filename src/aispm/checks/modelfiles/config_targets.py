"""Model configurations that name code to import on load: skops schemas and NeMo's Hydra ``_target_`` configs.

A ``.skops`` file is a zip whose ``schema.json`` names the module and class (or function, or bound method) of
every object skops rebuilds; skops only loads types outside its default trusted set when the caller trusts them,
and callers often trust whatever ``get_untrusted_types`` lists.  A ``.nemo`` archive holds ``model_config.yaml``,
whose ``_target_`` entries Hydra imports and calls when the model is restored.  Each name is judged here like a
pickle global: denylisted (dangerous), trusted (the lists in ``trusted_types.yaml`` and the pickle allowlist), or
untrusted.  The configuration is data: nothing is imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct

from aispm.checks.modelfiles.config_tree import iter_mappings, under_package
from aispm.checks.modelfiles.globals_policy import Verdict, judge_global
from aispm.files.structured import StructuredError, load_shipped_yaml, load_yaml_documents

MAX_NODES = 1_000_000
MAX_DEPTH = 500
MAX_CONFIG_BYTES = 64 * 1024 * 1024
HYDRA_TARGET = "_target_"


class TargetIssue(Struct, frozen=True):
    kind: str
    """``config-dangerous`` (a denylisted callable), ``config-untrusted`` (code outside the trusted lists),
    ``malformed`` (the configuration cannot be read)."""
    message: str


class _TrustedTypes(Struct, frozen=True):
    skops: frozenset[str]
    skops_function_modules: tuple[str, ...]
    hydra_packages: tuple[str, ...]


@cache
def _trusted() -> _TrustedTypes:
    data = load_shipped_yaml(Path(__file__).with_name("trusted_types.yaml").read_text("utf-8"))
    skops = frozenset(f"{module}.{name}" for module, names in (data.get("skops_trusted") or {}).items()
                      for name in names)  # fmt: skip
    return _TrustedTypes(
        skops,
        tuple(map(str, data.get("skops_trusted_function_modules") or [])),
        tuple(map(str, data.get("hydra_trusted_packages") or [])),
    )


def _split(dotted: str) -> tuple[str, str]:
    module, _, name = dotted.rpartition(".")
    return module, name


# --- skops -----------------------------------------------------------------------------------------------------


def _skops_names(node: dict[Any, Any]) -> Iterator[tuple[str, str]]:
    """(loader, dotted name) that loading this schema node imports."""
    module, cls, loader = node.get("__module__"), node.get("__class__"), node.get("__loader__")
    if not isinstance(module, str) or not isinstance(cls, str) or loader == "JsonNode":
        return
    loader = loader if isinstance(loader, str) else "ObjectNode"
    content = node.get("content")
    if isinstance(content, dict) and isinstance(content.get("module_path"), str):  # older FunctionNode layout
        yield loader, f"{content['module_path']}.{content.get('function', '')}"
        return
    yield loader, f"{module}.{cls}"
    if loader == "MethodNode" and isinstance(content, dict) and isinstance(content.get("func"), str):
        yield "bound-method", f"{module}.{cls}.{content['func']}"


def skops_verdict(loader: str, dotted: str) -> Verdict:
    """DANGEROUS (denylisted), SAFE (trusted by skops by default) or UNKNOWN (the caller must trust it)."""
    module, name = _split(dotted)
    judgement = judge_global(module, name)
    if judgement.verdict is Verdict.DANGEROUS:
        return Verdict.DANGEROUS
    if loader == "bound-method":
        return Verdict.UNKNOWN  # skops trusts no bound method
    trusted = _trusted()
    if dotted in trusted.skops or judgement.verdict is Verdict.SAFE:
        return Verdict.SAFE
    if loader == "FunctionNode" and under_package(module, trusted.skops_function_modules) and name[:1].islower():
        return Verdict.SAFE
    return Verdict.UNKNOWN


def skops_schema_issues(raw: bytes) -> list[TargetIssue]:
    """What the ``schema.json`` of a ``.skops`` file asks the loader to import."""
    if len(raw) > MAX_CONFIG_BYTES:
        return [TargetIssue("malformed", f"schema.json larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB")]
    try:
        schema = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return [TargetIssue("malformed", f"schema.json is not valid JSON ({type(exc).__name__})")]
    dangerous: dict[str, str] = {}
    untrusted: dict[str, str] = {}
    try:
        for node in iter_mappings(schema, max_nodes=MAX_NODES, max_depth=MAX_DEPTH):
            for loader, dotted in _skops_names(node):
                verdict = skops_verdict(loader, dotted)
                if verdict is Verdict.DANGEROUS:
                    dangerous.setdefault(dotted, loader)
                elif verdict is Verdict.UNKNOWN:
                    untrusted.setdefault(dotted, loader)
    except ValueError as exc:
        return [TargetIssue("malformed", str(exc))]
    issues = [TargetIssue("config-dangerous", f"schema makes skops import {name} ({loader}), which runs commands "
                          "or code") for name, loader in dangerous.items()]  # fmt: skip
    if untrusted:
        names = sorted(untrusted)
        listed = ", ".join(names[:10]) + (f" (+{len(names) - 10} more)" if len(names) > 10 else "")
        issues.append(TargetIssue("config-untrusted", f"schema names {len(names)} type(s) outside skops' default "
                                  f"trusted set, which load only if the caller trusts them: {listed}"))  # fmt: skip
    return issues


# --- Hydra (NeMo) ----------------------------------------------------------------------------------------------


def hydra_verdict(target: str) -> Verdict:
    module, name = _split(target)
    if not module or not name:
        return Verdict.UNKNOWN
    judgement = judge_global(module, name)
    if judgement.verdict is Verdict.DANGEROUS:
        return Verdict.DANGEROUS
    if under_package(module, _trusted().hydra_packages) or judgement.verdict is Verdict.SAFE:
        return Verdict.SAFE
    return Verdict.UNKNOWN


def hydra_config_issues(raw: bytes) -> list[TargetIssue]:
    """What the ``_target_`` entries of a Hydra YAML configuration make Hydra import and call."""
    if len(raw) > MAX_CONFIG_BYTES:
        return [TargetIssue("malformed", f"configuration larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB")]
    if HYDRA_TARGET.encode() not in raw:
        return []
    try:
        documents = load_yaml_documents(raw.decode("utf-8", "replace"))
    except StructuredError as exc:
        return [TargetIssue("malformed", f"configuration is not valid YAML: {exc}")]
    dangerous: list[str] = []
    untrusted: list[str] = []
    try:
        for mapping in iter_mappings(documents, max_nodes=MAX_NODES, max_depth=MAX_DEPTH):
            target = mapping.get(HYDRA_TARGET)
            if not isinstance(target, str):
                continue
            verdict = hydra_verdict(target.strip())
            if verdict is Verdict.DANGEROUS and target not in dangerous:
                dangerous.append(target)
            elif verdict is Verdict.UNKNOWN and target not in untrusted:
                untrusted.append(target)
    except ValueError as exc:
        return [TargetIssue("malformed", str(exc))]
    issues = [TargetIssue("config-dangerous", f"_target_ {target[:200]} makes Hydra call a callable that runs "
                          "commands or code") for target in dangerous]  # fmt: skip
    if untrusted:
        listed = ", ".join(t[:200] for t in untrusted[:10]) + (f" (+{len(untrusted) - 10} more)"
                                                               if len(untrusted) > 10 else "")  # fmt: skip
        issues.append(TargetIssue("config-untrusted", f"_target_ entries make Hydra import and call code outside "
                                  f"the model's framework: {listed}"))  # fmt: skip
    return issues
