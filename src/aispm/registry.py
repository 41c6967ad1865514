"""The one place where analysers are registered.

Entries are ``module:Class`` strings imported only when a scan needs them, so ``aispm --help`` stays fast and a
family that is not selected costs nothing.  Adding a detector is one module plus one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aispm.analyser import Analyser
from aispm.options import ScanOptions

if TYPE_CHECKING:
    from aispm.baseline import Baseline
    from aispm.model import Asset, Finding

EstateStep = Callable[
    [Sequence["Asset"], Sequence["Finding"], Sequence[str], "Baseline | None"], tuple[list["Asset"], list["Finding"]]
]

REGISTERED: dict[str, tuple[str, ...]] = {
    "inventory": (
        "aispm.discover.dependencies:DependencyAnalyser",
        "aispm.discover.python_source:PythonSourceAnalyser",
        "aispm.discover.js_source:JavaScriptSourceAnalyser",
        "aispm.discover.notebooks:NotebookAnalyser",
        "aispm.discover.endpoints:ProviderEndpointAnalyser",
        "aispm.discover.model_refs:ModelReferenceAnalyser",
        "aispm.discover.mcp:McpConfigAnalyser",
        "aispm.discover.containers:ContainerAnalyser",
        "aispm.discover.model_files:HuggingFaceModelDirAnalyser",
    ),
    "models": (
        "aispm.checks.modelfiles.analyser:ModelSecurityAnalyser",
        "aispm.checks.modelfiles.remote_code:RemoteCodeAnalyser",
        "aispm.checks.modelfiles.xml_models:XmlModelAnalyser",
        "aispm.checks.modelfiles.loaders:LoaderCallAnalyser",
    ),
    "data": ("aispm.discover.datasets:DatasetAnalyser", "aispm.checks.pii.analyser:PiiAnalyser"),
    "iac": ("aispm.checks.misconfig.analyser:IacAnalyser",),
    "secrets": ("aispm.checks.secrets.analyser:SecretsAnalyser",),
}
"""Analysers by ``--scanners`` family: a scan imports only the modules of the families it runs."""

ESTATE_STEPS: dict[str, tuple[str, ...]] = {
    "models": ("aispm.checks.modelfiles.estate:link_and_compare",),
    "data": ("aispm.checks.pii.estate:classify_datasets",),
}
"""Estate-wide steps by family, run after every file is analysed: ``step(assets, findings, roots, baseline)``
returns the new assets and findings (records are immutable)."""

ANALYSERS: tuple[str, ...] = tuple(entry for entries in REGISTERED.values() for entry in entries)
_FAMILY_OF = {entry: family for family, entries in REGISTERED.items() for entry in entries}


def _load(entry: str) -> type[Analyser]:
    module_name, _, class_name = entry.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Analyser)):
        raise TypeError(f"{entry} is not an Analyser")
    return cls


def build_analysers(options: ScanOptions) -> list[Analyser]:
    """Instantiate every registered analyser whose family is selected, in registration order."""
    analysers = []
    for entry in ANALYSERS:
        family = _FAMILY_OF.get(entry)
        if family is not None and family not in options.scanners:
            continue  # not imported at all
        cls = _load(entry)
        if family is not None and cls.family != family:
            raise TypeError(f"{entry} is registered under {family} but declares family {cls.family}")
        if cls.family in options.scanners:
            analysers.append(cls(options))
    return analysers


def build_estate_steps(options: ScanOptions) -> list[EstateStep]:
    """The estate-wide steps of the selected families, in registration order."""
    steps: list[EstateStep] = []
    for family, entries in ESTATE_STEPS.items():
        if family in options.scanners:
            for entry in entries:
                module_name, _, function_name = entry.partition(":")
                step: Any = getattr(importlib.import_module(module_name), function_name)
                steps.append(step)
    return steps
