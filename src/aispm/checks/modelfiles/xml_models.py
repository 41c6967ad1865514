"""XML model files (PMML, OpenVINO IR, OpenCV) that pull in other files: XML external entities (XXE), XInclude.

A model server that parses a PMML document with a permissive XML parser resolves its ``<!ENTITY x SYSTEM
"file:///etc/passwd">`` declarations (reading files or fetching URLs from the server) and expands nested internal
entities without bound ("billion laughs").  Model formats have no use for a DOCTYPE, so one that declares entities
or an external DTD is reported.  Only the prolog is parsed (the DOCTYPE must precede the root element), with
defusedxml, which refuses to resolve anything.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from msgspec import Struct

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.model_files import model_file_key
from aispm.files.content import FileContent
from aispm.files.magic import extension_of
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Finding, JSONValue, Severity, asset_id
from aispm.rules import get_rule

XXE_RULE = "AISPM-MODEL-010"
UNSCANNED_RULE = "AISPM-MODEL-003"
HEAD_BYTES = 1024 * 1024
_HASH_CHUNK = 1024 * 1024

_MODEL_ROOTS = {"PMML": "pmml", "net": "openvino-ir", "opencv_storage": "opencv-xml"}
_FRAMEWORKS = {"pmml": "pmml", "openvino-ir": "openvino", "opencv-xml": "opencv"}
_ROOT_HINT = re.compile(rb"<(?:[\w.-]+:)?(PMML|net|opencv_storage)[\s>/]")
_PROLOG_HINT = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_XINCLUDE_NAMESPACE = b"http://www.w3.org/2001/XInclude"
_CHAR_REFERENCE = re.compile(rb"&#(x?)([0-9A-Fa-f]{1,8});")
_XINCLUDE = re.compile(rb"""<(?:[\w.-]+:)?include\b[^>]{0,2000}?\bhref\s*=\s*["']([^"']{0,2000})["']""")


class XmlProlog(Struct, frozen=True):
    """What the prolog of an XML document holds: its root element, a DOCTYPE and the first entity declared."""

    root: str | None
    doctype_id: str | None = None
    """The external DTD (SYSTEM or PUBLIC id) the DOCTYPE loads, if any."""
    entity: str | None = None
    entity_source: str | None = None
    """Where an external entity reads from (``file:///etc/passwd``), ``None`` for an internal entity."""
    error: str | None = None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _first_root(stream: BinaryIO, forbid_dtd: bool) -> str | None:
    from defusedxml import ElementTree as SafeElementTree  # imported when a prolog is parsed: start-up stays lean

    events = SafeElementTree.iterparse(stream, events=("start",), forbid_dtd=forbid_dtd, forbid_entities=True,
                                       forbid_external=True)  # fmt: skip
    for _, element in events:
        return _local(element.tag)
    return None


def read_prolog(data: bytes | BinaryIO) -> XmlProlog:
    """The root element and any DOCTYPE or entity declaration of an XML document (nothing is resolved)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

    def stream() -> BinaryIO:
        if isinstance(data, bytes):
            return io.BytesIO(data)
        data.seek(0)
        return data

    doctype_root: str | None = None
    doctype_id: str | None = None
    try:
        return XmlProlog(_first_root(stream(), forbid_dtd=True))
    except DTDForbidden as exc:
        doctype_root, doctype_id = exc.name, exc.sysid or exc.pubid
    except ParseError as exc:
        return XmlProlog(None, error=str(exc))
    try:
        root = _first_root(stream(), forbid_dtd=False) or doctype_root
        return XmlProlog(_local(root) if root else None, doctype_id)
    except EntitiesForbidden as exc:
        return XmlProlog(doctype_root, doctype_id, exc.name, exc.sysid or exc.pubid)
    except ExternalReferenceForbidden as exc:
        return XmlProlog(doctype_root, doctype_id, "(external reference)", exc.sysid or exc.pubid)
    except DefusedXmlException as exc:
        return XmlProlog(doctype_root, doctype_id, error=str(exc))
    except ParseError as exc:
        return XmlProlog(doctype_root, doctype_id, error=str(exc))


def model_xml_format(prolog: XmlProlog, name: str, head: bytes) -> str | None:
    """``pmml``, ``openvino-ir`` or ``opencv-xml`` when the document is a model; ``None`` otherwise."""
    fmt = _MODEL_ROOTS.get(prolog.root or "")
    if fmt == "openvino-ir" and b"<layers" not in head:
        fmt = None
    if fmt is None and extension_of(name) == ".pmml":
        fmt = "pmml"
    return fmt


class XmlModelAnalyser(Analyser):
    """PMML and other XML model files: an inventory entry, and XXE or entity-expansion declarations."""

    name = "model-xml"
    family = "models"
    reads_content = False
    """Uses the bytes when another analyser had the file read, else reads the head itself (large PMML files too)."""

    def wants(self, ref: FileRef) -> bool:
        return extension_of(ref.name_lower) in (".pmml", ".xml")

    def analyse(self, file: FileContent) -> Iterable[Record]:
        try:
            if file.data is not None:
                yield from self._analyse(file, file.data[:HEAD_BYTES], file.data)
            else:
                with file.open() as handle:
                    yield from self._analyse(file, handle.read(HEAD_BYTES), handle)
        except OSError as exc:
            raise AnalysisError(f"cannot read model file: {exc.strerror or exc}") from None

    def _analyse(self, file: FileContent, head: bytes, body: bytes | BinaryIO) -> Iterator[Record]:
        name = file.ref.name_lower
        if extension_of(name) != ".pmml" and _ROOT_HINT.search(head) is None:
            return
        prolog = read_prolog(body) if _PROLOG_HINT.search(head) or extension_of(name) == ".pmml" else None
        if prolog is None:
            match = _ROOT_HINT.search(head)
            prolog = XmlProlog(match.group(1).decode() if match else None)
        fmt = model_xml_format(prolog, name, head)
        if fmt is None:
            return
        searched = body if isinstance(body, bytes) else head  # a large file: its first MiB
        findings = list(self._findings(file, prolog, fmt, _xinclude_href(searched)))
        properties: dict[str, JSONValue] = {
            "format": fmt,
            "framework": _FRAMEWORKS[fmt],
            "size": file.ref.size,
            "security_scan": "unsafe-code" if any(f.rule_id == XXE_RULE for f in findings) else (
                "incomplete" if findings else "clean"),
        }  # fmt: skip
        if self.options.hash_models:
            properties["sha256"] = _sha256(body)
        key = model_file_key(file.ref.root, file.ref.relpath)
        yield Asset(AssetKind.MODEL_FILE, file.ref.relpath, key, None, (file_location(file),), properties)
        yield from findings

    def _findings(self, file: FileContent, prolog: XmlProlog, fmt: str, xinclude: str | None) -> Iterator[Finding]:
        location = file_location(file)
        model = asset_id(AssetKind.MODEL_FILE, model_file_key(file.ref.root, file.ref.relpath))
        properties: dict[str, JSONValue] = {"format": fmt}
        if prolog.entity is not None:
            source = prolog.entity_source
            external = source is not None
            what = (f"external entity {prolog.entity!r} reading {source[:200]!r}" if source is not None
                    else f"internal entity {prolog.entity!r} (entity expansion)")  # fmt: skip
            yield get_rule(XXE_RULE).finding(
                message=f"{fmt.upper()} document declares an {what}",
                location=location,
                asset_id=model,
                severity=None if external else Severity.MEDIUM,
                evidence=f"<!ENTITY {prolog.entity} ...>",
                identity="entity",
                properties=properties | {"entity": prolog.entity, "external": external},
            )
        if prolog.doctype_id is not None:
            yield get_rule(XXE_RULE).finding(
                message=f"{fmt.upper()} document loads an external DTD from {prolog.doctype_id[:200]!r}",
                location=location,
                asset_id=model,
                evidence=f"<!DOCTYPE ... {prolog.doctype_id[:100]}>",
                identity="doctype",
                properties=properties | {"dtd": prolog.doctype_id[:500]},
            )
        if xinclude is not None:
            yield get_rule(XXE_RULE).finding(
                message=f"{fmt.upper()} document includes {xinclude[:200]!r} with XInclude",
                location=location,
                asset_id=model,
                evidence=f'<xi:include href="{xinclude[:100]}">',
                identity="xinclude",
                properties=properties | {"xinclude": xinclude[:500]},
            )
        if prolog.error is not None:
            yield get_rule(UNSCANNED_RULE).finding(
                message=f"malformed model file: XML prolog cannot be parsed ({prolog.error[:200]})",
                location=location,
                asset_id=model,
                identity="|malformed",
                properties=properties | {"issue": "malformed"},
            )


def _xinclude_href(data: bytes) -> str | None:
    """The target of the first XInclude in ``data``: a parser with XInclude on (lxml's ``xinclude()``, Xerces with
    XInclude awareness) reads that file or URL into the document, as an external entity would."""
    if b"&#" in data:  # character references spell the namespace as well as its letters do (&#58; for ':')
        data = _CHAR_REFERENCE.sub(_referenced_character, data)
    if _XINCLUDE_NAMESPACE not in data:
        return None
    match = _XINCLUDE.search(data)
    return match.group(1).decode("utf-8", "replace") if match else None


def _referenced_character(match: re.Match[bytes]) -> bytes:
    hexadecimal, digits = match.group(1), match.group(2)
    try:
        code = int(digits, 16 if hexadecimal else 10)
        return chr(code).encode("utf-8") if code < 0x110000 else match.group(0)
    except ValueError:
        return match.group(0)


def _sha256(body: bytes | BinaryIO) -> str:
    if isinstance(body, bytes):
        return hashlib.sha256(body).hexdigest()
    body.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(_HASH_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()
