"""The models family's estate-wide step, run by the engine after every file is analysed (see the registry)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aispm.checks.modelfiles.linking import link_model_loaders
from aispm.model import Asset, Finding

if TYPE_CHECKING:
    from aispm.baseline import Baseline


def link_and_compare(
    assets: Sequence[Asset], findings: Sequence[Finding], roots: Sequence[str], baseline: Baseline | None
) -> tuple[list[Asset], list[Finding]]:
    """A malicious model that code loads is worse than one lying unused; a trusted model that changed is tamper."""
    linked_assets, linked_findings = link_model_loaders(assets, findings)
    if baseline is not None:
        from aispm.checks.modelfiles.integrity import MODEL_SECTION, compare  # only a scan with a baseline compares

        linked_findings += compare(baseline.other_sections.get(MODEL_SECTION), linked_assets, roots)
    return linked_assets, linked_findings
