from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from aispm.model import Asset, AssetKind, Finding, Location, ScanResult, Severity
from aispm.report import html, renderer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _TagCollector()
    parser.feed(page)
    return parser.tags


def finding_severities(page: str) -> list[str]:
    return re.findall(r'<details class="finding sev-\w+" data-severity="(\w+)"', page)


def test_renderer_is_registered_for_the_cli(scan_result: ScanResult) -> None:
    assert renderer("html")(scan_result) == html.render(scan_result)


def test_page_has_every_section(scan_result: ScanResult) -> None:
    page = html.render(scan_result)
    assert page.startswith("<!DOCTYPE html>")
    ids = {attrs.get("id") for _, attrs in tags_of(page)}
    assert {"findings", "shadow", "inventory", "repositories", "relations", "errors", "filter"} <= ids
    assert "2 scan roots" in page
    assert "1834 files seen, 212 analysed" in page
    assert "2025-03-04 10:15 UTC" in page


def test_page_loads_nothing_from_outside(scan_result: ScanResult) -> None:
    page = html.render(scan_result)
    for tag, attrs in tags_of(page):
        assert "src" not in attrs, f"<{tag}> loads {attrs['src']}"
        if tag == "link":
            assert attrs.get("href") == "data:,"
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)


def test_content_security_policy_allows_only_our_inline_blocks(scan_result: ScanResult) -> None:
    page = html.render(scan_result)
    csp = next(
        a["content"] for t, a in tags_of(page) if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None
    assert csp.startswith("default-src 'none';")
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert len(scripts) == 1 and len(styles) == 1
    for block, directive in ((scripts[0], "script-src"), (styles[0], "style-src")):
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp
    assert not any("style" in attrs for _, attrs in tags_of(page)), "inline style attributes would be blocked"


def test_findings_are_ranked_by_severity_and_suppressed_ones_kept_apart(scan_result: ScanResult) -> None:
    page = html.render(scan_result)
    severities = finding_severities(page)
    assert len(severities) == len(scan_result.active_findings) == 8
    assert severities == sorted(severities, key=SEVERITY_ORDER.index)
    suppressed = page.split('class="suppressed-group"', 1)[1]
    assert "tickets-dev" in suppressed
    assert "inline &#39;aispm: ignore&#39; comment at line 3" in suppressed
    assert "tickets-dev" not in page.split('class="suppressed-group"', 1)[0]


def test_each_finding_says_why_and_how_with_named_controls(scan_result: ScanResult) -> None:
    page = html.render(scan_result)
    assert page.count("<h4>Why it matters</h4>") == 8
    assert page.count("<h4>How to fix</h4>") == 8
    assert "Revoke the key in the OpenAI dashboard" in page
    assert "LLM02:2025 Sensitive Information Disclosure" in page
    assert "AML.T0010 AI Supply Chain Compromise" in page
    assert 'href="https://huggingface.co/docs/hub/security-pickle"' in page
    assert "<code>ml-platform/infra/main.tf:40-52</code>" in page  # file first, resource beside it
    assert "<code>aws_sagemaker_endpoint_configuration.fraud</code>" in page


def test_only_redacted_evidence_appears(scan_result: ScanResult, full_secret: str) -> None:
    page = html.render(scan_result)
    assert full_secret not in page
    assert full_secret[8:] not in page
    assert "raw_match" not in page
    assert "OPENAI_API_KEY = &#34;sk-p…Kp9Rr&#34; (redacted)" in page


def test_shadow_ai_section_lists_unapproved_assets(scan_result: ScanResult) -> None:
    section = html.render(scan_result).split('id="shadow"', 1)[1].split("</section>", 1)[0]
    assert "<b>Ollama</b>" in section
    assert "OpenAI" not in section
    assert "ml-platform/serve/local.py:4" in section


def test_without_shadow_findings_the_page_says_what_the_verdict_needs(scan_result: ScanResult) -> None:
    result = replace(
        scan_result, findings=tuple(f for f in scan_result.findings if f.rule_id != "AISPM-SHADOW-001"), stats={}
    )
    section = html.render(result).split('id="shadow"', 1)[1].split("</section>", 1)[0]
    assert "No shadow AI reported" in section
    assert "none was used in this scan" in section


def test_inventory_by_kind_and_by_repository(scan_result: ScanResult) -> None:
    page = html.render(scan_result)
    inventory = page.split('id="inventory"', 1)[1].split("</section>", 1)[0]
    for kind in ("provider", "model", "agent", "mcp-server", "package", "service", "vector-db", "endpoint"):
        assert f'id="kind-{kind}"' in inventory
    assert 'id="kind-repository"' not in inventory  # repositories have their own section
    assert "meta-llama/Llama-3.1-8B-Instruct" in inventory
    assert "15.0 GiB" in inventory  # sizes for people
    assert '<span class="tag warn">shadow AI</span>' in inventory
    repositories = page.split('id="repositories"', 1)[1].split("</section>", 1)[0]
    assert repositories.count('<article class="repo filterable">') == 2
    assert "openai 1.52.0" in repositories


def test_relations_and_errors_are_listed(scan_result: ScanResult) -> None:
    page = html.render(scan_result)
    relations = page.split('id="relations"', 1)[1].split("</section>", 1)[0]
    assert "support_agent" in relations and "uses →" in relations and "filesystem" in relations
    assert "depends-on" not in relations  # repository edges are shown per repository
    errors = page.split('id="errors"', 1)[1].split("</section>", 1)[0]
    assert "ml-platform/broken.ipynb" in errors
    assert "invalid JSON: Expecting value at line 1 column 1" in errors


def test_hostile_text_is_escaped_and_never_linked() -> None:
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    asset = Asset(AssetKind.MODEL, hostile, "model:x:evil", locations=(Location(hostile, 1, 1, "/r"),))
    finding = Finding(
        rule_id="AISPM-X-1",
        title=hostile,
        severity=Severity.HIGH,
        family="code",
        message=hostile,
        location=Location(hostile, 1, 1, "/r"),
        asset_id=asset.id,
        evidence=hostile,
        description=hostile,
        remediation=hostile,
        references=("javascript:alert(3)", "https://example.org/ok"),
        frameworks=(hostile,),
    )
    result = ScanResult(("/r",), ("inventory",), "", "", assets=(asset,), findings=(finding,))
    page = html.render(result)
    assert "<script>alert" not in page
    assert "<img" not in page
    assert 'href="javascript:' not in page
    assert "javascript:alert(3)" in page  # shown as text
    assert 'href="https://example.org/ok"' in page


def test_empty_scan_renders_a_calm_page(empty_result: ScanResult) -> None:
    page = html.render(empty_result)
    assert "No open findings." in page
    assert "No AI assets found." in page
    assert "Every file was analysed." in page
    assert "unknown time" in page


def test_real_scan_renders_every_finding_and_asset(real_scan: ScanResult) -> None:
    page = html.render(real_scan)
    assert len(finding_severities(page)) == len(real_scan.active_findings)
    for asset in real_scan.assets:
        assert html_escape(asset.name) in page


# --- in a real browser -------------------------------------------------------------------------------------------


def require_browser(executable: str) -> None:
    """Debian's chromium and Playwright must be there: missing is a failure in CI, a skip on a developer's machine."""
    missing = None
    if shutil.which(executable) is None:
        missing = f"{executable} not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "playwright is not installed (pip install playwright)"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser test cannot run in CI: {missing}")
        pytest.skip(missing)


def test_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    absent = str(tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI"):
        require_browser(absent)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_browser(absent)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    require_browser(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def opened(chromium: Any, scan_result: ScanResult, tmp_path: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    report = tmp_path / "report.html"
    report.write_text(html.render(scan_result), "utf-8")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in {"error", "warning"} else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    try:
        yield page, requests, problems
    finally:
        page.close()


def visible_findings(page: Any) -> list[str]:
    return list(page.eval_on_selector_all(".finding:not([hidden])", "els => els.map(e => e.dataset.severity)"))


@pytest.mark.browser
def test_browser_shows_ranked_findings_without_network_or_errors(
    opened: tuple[Any, list[str], list[str]], tmp_path: Path
) -> None:
    page, requests, problems = opened
    assert requests == [(tmp_path / "report.html").as_uri()]
    assert problems == []
    severities = visible_findings(page)
    assert severities == ["critical", "high", "high", "medium", "medium", "medium", "low", "info"]
    assert page.locator(".finding").first.locator(".title").inner_text() == "OpenAI API key committed to the repository"
    assert page.inner_text("#finding-count") == "8 of 8"
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000


@pytest.mark.browser
def test_browser_filter_box_and_severity_toggles(opened: tuple[Any, list[str], list[str]]) -> None:
    page, _, problems = opened
    page.fill("#filter", "pickle")
    assert visible_findings(page) == ["high"]
    assert page.inner_text("#finding-count") == "1 of 8"
    assert page.locator("#kind-model-file tbody tr:not([hidden])").count() == 1  # classifier.pkl
    page.fill("#filter", "no such thing anywhere")
    assert visible_findings(page) == []
    assert page.locator("#no-match").is_visible()
    page.fill("#filter", "")
    assert len(visible_findings(page)) == 8
    page.click('[data-sev-toggle="medium"]')
    page.click('[data-sev-toggle="info"]')
    assert visible_findings(page) == ["critical", "high", "high", "low"]
    page.click('[data-sev-toggle="medium"]')
    assert visible_findings(page).count("medium") == 3
    assert problems == []


@pytest.mark.browser
def test_browser_details_expand_and_tables_sort(opened: tuple[Any, list[str], list[str]]) -> None:
    page, _, problems = opened
    first = page.locator(".finding").first
    from playwright.sync_api import expect  # web-first assertions wait for the page to settle

    expect(first.locator(".body")).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator(".body")).to_be_visible()
    assert "Revoke the key" in first.locator(".fix").inner_text()
    page.click('[data-expand="open"]')
    expect(page.locator(".finding[open]")).to_have_count(8)
    page.click('[data-expand="close"]')
    expect(page.locator(".finding[open]")).to_have_count(0)
    names = "#kind-package tbody tr td:first-child"
    expect(page.locator(names)).to_have_text(["@langchain/openai", "openai", "torch"])
    page.click("#kind-package th:first-child")
    page.click("#kind-package th:first-child")
    expect(page.locator(names)).to_have_text(["torch", "openai", "@langchain/openai"])
    assert problems == []
