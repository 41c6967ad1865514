"""The terminal summary: suppressed findings are counted by default and listed with their layer on request."""

from __future__ import annotations

from msgspec.structs import replace

from aispm.model import ScanResult, Suppression
from aispm.report.table import MAX_SUPPRESSED_SHOWN, render


def test_by_default_suppressed_findings_are_counted_by_layer_not_listed(scan_result: ScanResult) -> None:
    text = render(scan_result)
    assert "Suppressed by layer: inline 1" in text
    assert "Suppressed findings" not in text


def test_show_suppressed_lists_layer_reason_and_expiry(scan_result: ScanResult, full_secret: str) -> None:
    expiring = replace(
        scan_result.findings[0], suppression=Suppression("policy-fingerprint", "accepted risk", "2027-06-30")
    )
    result = replace(scan_result, findings=(*scan_result.findings, expiring))
    text = render(result, width=250, show_suppressed=True)
    assert "Suppressed findings (2 of 2)" in text
    inline = next(line for line in text.splitlines() if "│ inline" in line)
    assert "inline 'aispm: ignore' comment at line 3" in inline
    policy = next(line for line in text.splitlines() if "│ policy-fingerprint" in line)
    assert "accepted risk (until 2027-06-30)" in policy
    assert full_secret not in text


def test_a_long_list_of_suppressed_findings_is_cut(scan_result: ScanResult) -> None:
    base = scan_result.findings[0]
    many = tuple(replace(base, identity=str(i), suppression=Suppression("placeholder", "xxxx")) for i in range(250))
    text = render(replace(scan_result, findings=many), width=250, show_suppressed=True)
    assert f"Suppressed findings ({MAX_SUPPRESSED_SHOWN} of 250)" in text
    assert "50 more: see the JSON or HTML report" in text
