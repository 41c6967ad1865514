"""The terminal summary: inventory by kind, findings by severity, the top findings and the scan's errors."""

from __future__ import annotations

import io
import os
from collections import Counter

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from aispm.model import AssetKind, ScanResult, Severity

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

TOP_FINDINGS = 15
MAX_ERRORS_SHOWN = 10
MAX_SUPPRESSED_SHOWN = 200


def _inventory_table(result: ScanResult) -> Table:
    table = Table(title="AI inventory", title_justify="left", expand=False)
    table.add_column("Kind")
    table.add_column("Count", justify="right")
    table.add_column("Examples", overflow="fold")
    by_kind: dict[AssetKind, list[str]] = {}
    for asset in result.assets:
        label = asset.name + (f" {asset.version}" if asset.version else "")
        classification = asset.properties.get("classification") if asset.kind is AssetKind.DATASET else None
        by_kind.setdefault(asset.kind, []).append(label + (f" ({classification})" if classification else ""))
    for kind in AssetKind:
        names = by_kind.get(kind)
        if not names:
            continue
        shown = ", ".join(sorted(set(names))[:6])
        more = len(set(names)) - 6
        table.add_row(kind.value, str(len(names)), shown + (f", +{more} more" if more > 0 else ""))
    if not by_kind:
        table.add_row("-", "0", "no AI assets found")
    return table


def _severity_table(result: ScanResult) -> Table:
    counts = Counter(f.severity for f in result.active_findings)
    suppressed = sum(1 for f in result.findings if f.suppressed)
    table = Table(title="Findings by severity", title_justify="left")
    for sev in reversed(Severity):
        table.add_column(sev.value.capitalize(), justify="right", style=SEVERITY_STYLE[sev])
    table.add_column("Suppressed", justify="right", style="dim")
    table.add_row(*[str(counts.get(sev, 0)) for sev in reversed(Severity)], str(suppressed))
    return table


def _top_findings(result: ScanResult) -> Table | None:
    active = result.active_findings
    if not active:
        return None
    table = Table(title=f"Top findings ({min(len(active), TOP_FINDINGS)} of {len(active)})", title_justify="left")
    table.add_column("Severity")
    table.add_column("Rule")
    table.add_column("Where", overflow="fold")
    table.add_column("What", overflow="fold")
    for finding in active[:TOP_FINDINGS]:
        table.add_row(
            Text(finding.severity.value, style=SEVERITY_STYLE[finding.severity]),
            finding.rule_id,
            finding.location.display(),
            finding.message,
        )
    return table


def _suppressed_by_layer(result: ScanResult) -> Text | None:
    """One line that says how many findings each layer suppressed, so a wrong suppression can be noticed."""
    layers = Counter(f.suppression.layer for f in result.findings if f.suppression is not None)
    if not layers:
        return None
    counts = ", ".join(f"{layer} {count}" for layer, count in sorted(layers.items(), key=lambda kv: (-kv[1], kv[0])))
    return Text(f"Suppressed by layer: {counts}", style="dim")


def _suppressed_table(result: ScanResult) -> Table | None:
    """Every suppressed finding with the layer that suppressed it and why (``--show-suppressed``)."""
    suppressed = sorted(
        (f for f in result.findings if f.suppression is not None),
        key=lambda f: (f.suppression.layer if f.suppression else "", f.location, f.rule_id),
    )
    if not suppressed:
        return None
    shown = suppressed[:MAX_SUPPRESSED_SHOWN]
    table = Table(title=f"Suppressed findings ({len(shown)} of {len(suppressed)})", title_justify="left")
    table.add_column("Suppressed by")
    table.add_column("Rule")
    table.add_column("Where", overflow="fold")
    table.add_column("What", overflow="fold")
    table.add_column("Why", overflow="fold")
    for finding in shown:
        assert finding.suppression is not None
        reason = finding.suppression.reason
        if finding.suppression.expires:
            reason += f" (until {finding.suppression.expires})"
        table.add_row(
            finding.suppression.layer,
            finding.rule_id,
            finding.location.display(),
            finding.evidence or finding.message,
            reason,
        )
    if len(suppressed) > MAX_SUPPRESSED_SHOWN:
        table.add_row("…", "", "", f"{len(suppressed) - MAX_SUPPRESSED_SHOWN} more: see the JSON or HTML report", "")
    return table


def _downgraded_note(result: ScanResult) -> Text | None:
    """Downgraded findings (a key in a test fixture) are kept and counted, at a lower severity: say so."""
    downgraded = [f for f in result.active_findings if f.properties.get("downgraded")]
    if not downgraded:
        return None
    return Text(
        f"{len(downgraded)} finding(s) downgraded, not suppressed (e.g. {downgraded[0].properties['downgraded']}): "
        "they are counted above at a lower severity.",
        style="dim",
    )


def _errors_table(result: ScanResult) -> Table | None:
    if not result.errors:
        return None
    table = Table(title=f"Files not fully analysed ({len(result.errors)})", title_justify="left")
    table.add_column("Path", overflow="fold")
    table.add_column("Reason", overflow="fold")
    for error in result.errors[:MAX_ERRORS_SHOWN]:
        table.add_row(error.path or error.root, error.message)
    if len(result.errors) > MAX_ERRORS_SHOWN:
        table.add_row("…", f"{len(result.errors) - MAX_ERRORS_SHOWN} more: see the JSON or HTML report")
    return table


def summary(result: ScanResult, show_suppressed: bool = False) -> RenderableType:
    """The terminal summary; with ``show_suppressed``, every suppressed finding and the layer that suppressed it."""
    stats = result.stats
    header = Text.assemble(
        ("aispm ", "bold"),
        f"scanned {stats.get('files_seen', 0)} files ({stats.get('files_analysed', 0)} analysed) in ",
        f"{stats.get('duration_seconds', 0)} s: ",
        (f"{len(result.assets)} AI assets", "bold"),
        ", ",
        (f"{len(result.active_findings)} findings", "bold"),
    )
    parts: list[RenderableType] = [header, _inventory_table(result), _severity_table(result)]
    extras = (
        (_suppressed_table(result), _downgraded_note(result)) if show_suppressed else (_suppressed_by_layer(result),)
    )
    parts.extend(t for t in extras if t is not None)
    parts.extend(t for t in (_top_findings(result), _errors_table(result)) if t is not None)
    return Panel(Group(*parts), title="AI security posture", expand=False)


def render(result: ScanResult, width: int | None = None, show_suppressed: bool = False) -> str:
    """The summary as plain text (for ``--format table --output FILE``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 120, color_system=None, force_terminal=False)
    console.print(summary(result, show_suppressed))
    return buffer.getvalue()


def print_summary(result: ScanResult, console: Console | None = None, show_suppressed: bool = False) -> None:
    (console or Console(no_color="NO_COLOR" in os.environ)).print(summary(result, show_suppressed))
