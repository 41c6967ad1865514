"""Misconfigured AI infrastructure in Terraform, CloudFormation, ARM, Bicep, Kubernetes and compose files.

For each file: parse it into native resources (with the resources it can see, for cross-resource rules),
normalise them, add the properties only several resources decide together, and judge every resource the file
declares against the rules for its type.  A rule that fails gives a finding that says which value failed and
where that value came from; a rule that cannot be decided is recorded as unknown on the resource's asset, never
reported as a pass or a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from msgspec import Struct

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.checks.misconfig.catalogue import FAMILY, MisconfigRule, rules_by_type
from aispm.checks.misconfig.conditions import Evaluation, Observation
from aispm.files.content import FileContent
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Finding, JSONValue, Location, asset_id
from aispm.resources.derived import derive_all
from aispm.resources.formats import FormatError, parse_file, wanted
from aispm.resources.mapping import ResourceView, normalise
from aispm.resources.parsed import NativeResource
from aispm.resources.resource_set import ResourceSet

MAX_EVIDENCE = 6


class RuleResult(Struct, frozen=True):
    """The verdict of one rule on one resource: ``True`` fails, ``False`` passes, ``None`` is unknown."""

    rule: MisconfigRule
    view: ResourceView
    verdict: bool | None
    observations: tuple[Observation, ...]


def judge(view: ResourceView, resources: ResourceSet) -> Iterator[RuleResult]:
    """Every rule for ``view``'s type, with its verdict (rules whose ``applies_when`` is false are skipped)."""
    for rule in rules_by_type().get(view.type, ()):
        if rule.applies_when is not None:
            applies = Evaluation(resources).check(rule.applies_when, view)
            if applies is False:
                continue
            if applies is None:
                yield RuleResult(rule, view, None, ())
                continue
        evaluation = Evaluation(resources)
        verdict = evaluation.check(rule.condition, view)
        yield RuleResult(rule, view, verdict, tuple(evaluation.observations))


def evaluate_resources(views: list[ResourceView], own: list[ResourceView]) -> list[RuleResult]:
    """Derive cross-resource properties over ``views`` and judge each resource of ``own``."""
    resources = ResourceSet(views)
    derive_all(resources)
    results: list[RuleResult] = []
    for view in own:
        results.extend(judge(view, resources))
    return results


def resource_asset_key(view: ResourceView) -> str:
    native = view.native
    return f"cloud-resource:{native.source}:{native.path}:{native.address}".lower()


def _asset(view: ResourceView, location: Location, results: list[RuleResult]) -> Asset:
    native = view.native
    unknown_rules = sorted({r.rule.id for r in results if r.verdict is None})
    properties: dict[str, JSONValue] = {
        "type": view.type,
        "title": view.title,
        "source": native.source,
        "native_type": native.native_type,
        "address": native.address,
        "provider": view.type.split(".", 1)[0],
    }
    if unknown_rules:
        properties["unknown_checks"] = unknown_rules
    return Asset(
        kind=AssetKind.CLOUD_RESOURCE,
        name=native.name,
        key=resource_asset_key(view),
        locations=(location,),
        properties=properties,
    )


def _finding_line(result: RuleResult) -> int | None:
    """The line of the first observed value set in this file, else the resource's first line."""
    native = result.view.native
    for observation in result.observations:
        line = observation.origin.line if observation.origin is not None else None
        if (
            line
            and "->" not in observation.property
            and (native.start_line is None or native.start_line <= line <= (native.end_line or 0))
        ):
            return line
    return native.start_line


def finding_of(result: RuleResult, file: FileContent | FileRef, resource_asset_id: str) -> Finding:
    view = result.view
    native = view.native
    rule = result.rule
    observations = list(dict.fromkeys(o.describe() for o in result.observations))[:MAX_EVIDENCE]
    evidence = "; ".join(observations)
    context = f" [{native.context}]" if native.context else ""
    message = f"{rule.title}: {native.address}{context}"
    if evidence:
        message += f" ({evidence})"
    line = _finding_line(result)
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        severity=rule.severity,
        family=FAMILY,
        message=message,
        location=file_location(file, line, native.end_line if line == native.start_line else line),
        asset_id=resource_asset_id,
        evidence=evidence,
        description=rule.rationale,
        remediation=rule.remediation_for(native.source),
        references=rule.references,
        frameworks=rule.frameworks,
        identity=native.address,
        properties={
            "resource_type": view.type,
            "native_type": native.native_type,
            "resource": native.address,
            "source": native.source,
            "context": native.context,
            "origins": [o.describe() for o in result.observations][:MAX_EVIDENCE],
        },
    )


class IacAnalyser(Analyser):
    """Infrastructure as code judged against the misconfiguration rules (``--scanners iac``)."""

    name = "iac"
    family = "iac"

    def wants(self, ref: FileRef) -> bool:
        return wanted(ref)

    def analyse(self, file: FileContent) -> Iterable[Record]:
        text = file.text
        if not text:
            return []
        try:
            parsed = parse_file(file.ref, text)
        except FormatError as exc:
            raise AnalysisError(str(exc)) from None
        if parsed is None or not parsed.own:
            return []
        return list(self._records(file, parsed.own, parsed.visible))

    def _records(
        self, file: FileContent, own_natives: list[NativeResource], visible_natives: list[NativeResource]
    ) -> Iterator[Record]:
        root = file.ref.root
        own_ids = {id(n) for n in own_natives}
        views: list[ResourceView] = []
        own: list[ResourceView] = []
        for native in visible_natives:
            view = normalise(native, root)
            if view is None:
                continue
            views.append(view)
            if id(native) in own_ids:
                own.append(view)
        results = evaluate_resources(views, own)
        by_view: dict[int, list[RuleResult]] = {}
        for result in results:
            by_view.setdefault(id(result.view), []).append(result)
        reported: set[tuple[str, str]] = set()
        emitted_assets: set[str] = set()
        for view in own:
            view_results = by_view.get(id(view), [])
            failing = [r for r in view_results if r.verdict is True]
            if not view.ai and not failing:
                continue
            location = file_location(file, view.native.start_line, view.native.end_line)
            asset = _asset(view, location, view_results)
            if asset.key not in emitted_assets:
                emitted_assets.add(asset.key)
                yield asset
            for result in failing:
                key = (result.rule.id, view.native.address)
                if key in reported:
                    continue  # the same resource failing in two module instantiations is one finding
                reported.add(key)
                yield finding_of(result, file, asset_id(AssetKind.CLOUD_RESOURCE, asset.key))
