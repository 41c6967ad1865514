"""The ``model-files`` analyser: every model file as one asset, and its unsafe content, found statically.

Each candidate file is identified by its bytes and every pickle in it is walked (:mod:`.archives`,
:mod:`.pickle_scan`); each imported global is judged (:mod:`.globals_policy`).  Dangerous globals are one
critical finding each; globals off the allowlist are one medium finding per pickle; anything that could not be
fully analysed is a finding too, because a file that was not read to the end is not known to be clean.  Findings
inside archives point at the archive file and name the member in the message and in ``properties["member"]``.

The same analyser is the inventory of model files (format, framework, size, sha256, header facts, from
:mod:`aispm.discover.model_files`): identifying a file and scanning it share one open, one read of a small file and
one asset, where two analysers would each open the file, sniff it and list a zip's members, and the engine would
then merge two sightings of the same asset.  A file is a model-file asset when the inventory identifies it or the
scan finds a model format, pickles or issues in it (a zip of web assets is not one); every such asset has its size
and, unless ``--no-hash``, its sha256, which tamper detection compares.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.checks.modelfiles.archives import (
    DEFAULT_SCAN_LIMITS,
    ContainerIssue,
    ModelScanReport,
    PickleMember,
    scan_model_file,
)
from aispm.checks.modelfiles.globals_policy import Verdict, judge_global
from aispm.checks.modelfiles.paths import links_out_of
from aispm.checks.modelfiles.pickle_scan import ImportedGlobal, PickleScan
from aispm.discover.model_files import (
    ModelFileInfo,
    hub_cache_records,
    identify_model_file,
    inventory_properties,
    model_file_key,
    sha256_of,
    wants_model_file,
)
from aispm.files.content import FileContent
from aispm.files.magic import WRAPPERS, extension_of
from aispm.files.walk import FileRef
from aispm.model import Asset, AssetKind, Finding, JSONValue, Location, Severity, asset_id
from aispm.rules import get_rule

DANGEROUS_RULE = "AISPM-MODEL-001"
UNKNOWN_RULE = "AISPM-MODEL-002"
UNSCANNED_RULE = "AISPM-MODEL-003"
KERAS_RULE = "AISPM-MODEL-004"
TEMPLATE_RULE = "AISPM-MODEL-005"
ONNX_RULE = "AISPM-MODEL-006"
TENSORFLOW_RULE = "AISPM-MODEL-008"
CONFIG_RULE = "AISPM-MODEL-009"
TRAVERSAL_RULE = "AISPM-MODEL-018"

_METADATA_KINDS: dict[str, tuple[str, Severity | None]] = {
    "keras-dangerous": (DANGEROUS_RULE, None),
    "keras-lambda": (KERAS_RULE, None),
    "keras-custom": (KERAS_RULE, Severity.MEDIUM),
    "gguf-template": (TEMPLATE_RULE, None),
    "onnx-external": (ONNX_RULE, None),
    "archive-traversal": (TRAVERSAL_RULE, None),
    "archive-link": (TRAVERSAL_RULE, Severity.MEDIUM),
    "onnx-domain": (ONNX_RULE, Severity.MEDIUM),
    "tf-code": (TENSORFLOW_RULE, Severity.CRITICAL),
    "tf-files": (TENSORFLOW_RULE, None),
    "tf-network": (TENSORFLOW_RULE, None),
    "tf-path": (TENSORFLOW_RULE, None),
    "config-dangerous": (DANGEROUS_RULE, None),
    "config-untrusted": (CONFIG_RULE, None),
}
"""Issue kinds found in model metadata -> (rule, severity override)."""

EXTRA_EXTENSIONS = frozenset(
    {".dat", ".data", ".model", ".weights", ".zip", ".tar", ".tgz", ".nemo", ".skops", ".mar", ".pkl", ".z", ".pbtxt"}
    | {".gz", ".bz2", ".xz", ".lzma", ".lz4", ".tbz2", ".txz"}
)
"""Names under which pickles and model archives also travel (besides the model extensions), and text graphs.
Any compressed file is opened: what it holds is judged by its bytes (a ``.tar.xz`` checkpoint, a ``.zip.gz``), and
one that holds no model costs the decompression of its first bytes."""

_PLAIN_NAMES = frozenset(
    {"license", "licence", "copying", "notice", "authors", "makefile", "dockerfile", "readme", "changelog",
     "codeowners", "procfile", "gemfile", "rakefile", "jenkinsfile", "vagrantfile", "brewfile", "containerfile"}
)  # fmt: skip
MAX_LISTED = 10
WHOLE_PICKLE_EXTENSIONS = frozenset({".pkl", ".pickle", ".joblib"})
"""Names of files that are one pickle, walked opcode by opcode to the end."""
_OBFUSCATION_KINDS = {
    "unresolved": "imports a global whose name is computed at load time, which hides what it runs",
    "tampering": "modifies an imported module or class through BUILD",
}


def wants_model_security(ref: FileRef) -> bool:
    """Model files, archives and extensionless files (a pickle's bytes are checked, not its name)."""
    if wants_model_file(ref):
        return True
    name = ref.name_lower
    extension = extension_of(name)
    if extension in EXTRA_EXTENSIONS:
        return True
    return not extension and not name.startswith(".") and name not in _PLAIN_NAMES and ref.size >= 8


class ModelSecurityAnalyser(Analyser):
    """Dangerous and unknown code in pickles, however they are packed, and files that cannot be fully analysed;
    with the inventory facts of every model file."""

    name = "model-files"
    family = "models"
    reads_content = False

    def wants(self, ref: FileRef) -> bool:
        return wants_model_security(ref)

    def streams_whole(self, ref: FileRef) -> bool:
        """Named model files are hashed to their end, and bare pickles walked to it; other candidates (a zip whose
        members are listed, a safetensors header) cost a few reads, however large the file."""
        if not wants_model_file(ref):
            return False
        return self.options.hash_models or extension_of(ref.name_lower) in WHOLE_PICKLE_EXTENSIONS

    def analyse(self, file: FileContent) -> Iterable[Record]:
        ref = file.ref
        info: ModelFileInfo | None = None
        sha256: str | None = None
        problems: list[str] = []
        try:
            with _open(file) as handle:
                # The scan first: an identification that fails must not cost the security verdict.
                report = scan_model_file(handle, ref.name, ref.size, DEFAULT_SCAN_LIMITS)
                identified = False
                if wants_model_file(ref):
                    info = _identify(handle, ref, report, problems)
                    identified = info is not None or bool(problems)  # a file that could not be identified may be one
                if not (identified or is_model_report(report)):
                    report = None  # an archive of something else: not a model file
                hashable = report is not None or (info is not None and info.format != "git-lfs-pointer")
                if hashable and self.options.hash_models:
                    sha256 = _hash(handle, problems)
        except OSError as exc:
            raise AnalysisError(f"cannot read model file: {exc.strerror or exc}") from None
        asset: Asset | None = None
        if report is not None:
            for location, target in links_out_of(ref.path, report.external_data):
                report.issues.append(ContainerIssue("onnx-external", f"external data {location[:200]!r} is a link to "
                                                    f"{target[:200]!r}, outside the model's directory"))  # fmt: skip
            findings = list(report_findings(report, file))
            asset = model_file_asset(report, file, findings, _inventory(info, ref.size, sha256))
            yield asset
            yield from findings
        elif info is not None:
            asset = _asset(file, inventory_properties(info, ref.size, sha256))
            yield asset
        if asset is not None and "models--" in str(ref.path):
            yield from hub_cache_records(asset, ref.path)
        if problems:  # raised last: the records above are kept, and the file still shows an error
            raise AnalysisError("; ".join(problems))


CONTAINER_FORMATS = WRAPPERS | {"lzma"}
"""What a scan reports of a bare archive or compressed file: a model file only if it holds pickles or issues."""


def is_model_report(report: ModelScanReport | None) -> bool:
    """Whether the scan alone makes the file a model file: a model format, pickles inside, or something to report;
    a site's zip of assets or a release tarball of scripts is not one."""
    if report is None:
        return False
    return report.format not in CONTAINER_FORMATS or bool(report.pickles) or bool(report.issues)


def _identify(
    handle: BinaryIO, ref: FileRef, report: ModelScanReport | None, problems: list[str]
) -> ModelFileInfo | None:
    """The inventory's identification; any failure becomes a problem, never a lost scan."""
    try:
        handle.seek(0)
        zip_names = report.zip_names if report is not None else None
        head_format = report.head_format if report is not None else None
        return identify_model_file(handle, ref.name, ref.size, zip_names, head_format)
    except OSError as exc:
        problems.append(f"cannot identify model file: {exc.strerror or exc}")
    except Exception as exc:  # a bug in a header reader must not cost the findings of the scan
        problems.append(f"cannot identify model file: {type(exc).__name__}: {exc}")
    return None


def _hash(handle: BinaryIO, problems: list[str]) -> str | None:
    try:
        return sha256_of(handle)
    except OSError as exc:
        problems.append(f"cannot hash model file: {exc.strerror or exc}")
        return None


def _inventory(info: ModelFileInfo | None, size: int, sha256: str | None) -> dict[str, JSONValue]:
    """Size and sha256 of every model file, identified by name or not: tamper detection compares both."""
    if info is not None:
        return inventory_properties(info, size, sha256)
    properties: dict[str, JSONValue] = {"size": size}
    if sha256 is not None:
        properties["sha256"] = sha256
    return properties


SMALL_FILE_BYTES = 1024 * 1024
"""Files up to this size are read once into memory: identification and scan then re-read no file."""


def _open(file: FileContent) -> BinaryIO:
    if file.data is not None:
        return io.BytesIO(file.data)
    handle = file.open()
    size = file.ref.size
    if size > SMALL_FILE_BYTES:
        return handle
    with handle:
        data = handle.read(size + 1)  # sized to the file: a larger request would allocate that much
    if len(data) > size:  # the file grew since it was listed: stream it after all
        return file.open()
    return io.BytesIO(data)


def _summary(findings: list[Finding]) -> str:
    rules = {finding.rule_id for finding in findings}
    if DANGEROUS_RULE in rules:
        return "dangerous"
    if rules & {KERAS_RULE, TEMPLATE_RULE, ONNX_RULE, TENSORFLOW_RULE, CONFIG_RULE, UNKNOWN_RULE}:
        return "unsafe-code"
    return "incomplete" if UNSCANNED_RULE in rules else "clean"


def model_file_asset(
    report: ModelScanReport, file: FileContent, findings: list[Finding], inventory: dict[str, JSONValue] | None = None
) -> Asset:
    """The model-file asset: the inventory's facts (``inventory``, whose format wins: it names the file, the scan
    names what it opened) and what the security scan concluded."""
    properties: dict[str, JSONValue] = dict(inventory or {})
    properties.setdefault("format", report.format)
    properties["security_scan"] = _summary(findings)
    properties["pickles"] = len(report.pickles)
    return _asset(file, properties)


def _asset(file: FileContent, properties: dict[str, JSONValue]) -> Asset:
    ref = file.ref
    key = model_file_key(ref.root, ref.relpath)
    return Asset(AssetKind.MODEL_FILE, ref.relpath, key, None, (file_location(file),), properties)


def _where(member: str) -> str:
    return f"pickle member {member}: " if member else ""


def _where_file(member: str) -> str:
    return f"member {member}: " if member else ""


def _base_properties(member: str, fmt: str) -> dict[str, JSONValue]:
    properties: dict[str, JSONValue] = {"format": fmt}
    if member:
        properties["member"] = member
    return properties


def report_findings(report: ModelScanReport, file: FileContent) -> Iterator[Finding]:
    """Findings for everything the scan found, in a stable order."""
    location = file_location(file)
    model_asset = asset_id(AssetKind.MODEL_FILE, model_file_key(file.ref.root, file.ref.relpath))
    for found in report.pickles:
        yield from _pickle_findings(found, location, model_asset)
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for issue in report.issues:
        grouped[(issue.member, issue.kind)].append(issue.message)
    for (member, kind), messages in grouped.items():
        if kind in _METADATA_KINDS:
            rule_id, severity = _METADATA_KINDS[kind]
            yield get_rule(rule_id).finding(
                message=f"{_where_file(member)}{'; '.join(messages[:5])}",
                location=location,
                asset_id=model_asset,
                severity=severity,
                evidence="; ".join(messages[:5])[:300],
                identity=f"{member}|{kind}",
                properties=_base_properties(member, report.format) | {"issue": kind, "count": len(messages)},
            )
        else:
            yield _unscanned(member, kind, messages, report.format, location, model_asset)


def _pickle_findings(found: PickleMember, location: Location, model_asset: str) -> Iterator[Finding]:
    member, scan = found.member, found.scan
    unknown: list[ImportedGlobal] = []
    for imported in scan.globals.values():
        if imported.resolved and not imported.called and _reached_only_allowlisted(scan):
            continue  # getattr only ever reached allowlisted attributes (ZoneInfo._unpickle): nothing to report
        judgement = judge_global(imported.module, imported.name)
        if judgement.verdict is Verdict.DANGEROUS:
            action = "imports and calls" if imported.called else "imports"
            properties = _base_properties(member, found.format)
            properties.update(
                {"global": imported.dotted, "opcode": imported.opcode, "offset": imported.offset,
                 "called": imported.called, "reason": judgement.reason}
            )  # fmt: skip
            yield get_rule(DANGEROUS_RULE).finding(
                message=f"{_where(member)}{action} {imported.dotted}: {judgement.reason}",
                location=location,
                asset_id=model_asset,
                evidence=f"{imported.opcode} {imported.dotted} at byte {imported.offset}",
                identity=f"{member}|{imported.dotted}",
                properties=properties,
            )
        elif judgement.verdict is Verdict.UNKNOWN:
            unknown.append(imported)
    issues_by_kind: dict[str, list[str]] = defaultdict(list)
    for issue in scan.issues:
        issues_by_kind[issue.kind].append(issue.message)
    for kind, explanation in _OBFUSCATION_KINDS.items():
        if kind in issues_by_kind:
            yield get_rule(DANGEROUS_RULE).finding(
                message=f"{_where(member)}{explanation} ({'; '.join(issues_by_kind[kind][:3])})",
                location=location,
                asset_id=model_asset,
                severity=Severity.HIGH,
                identity=f"{member}|{kind}",
                properties=_base_properties(member, found.format) | {"issue": kind},
            )
    extensions = issues_by_kind.get("extension", [])
    if unknown or extensions:
        yield _unknown_finding(found, unknown, extensions, location, model_asset)
    for kind in ("malformed", "incomplete"):
        if kind in issues_by_kind:
            yield _unscanned(member, kind, issues_by_kind[kind], found.format, location, model_asset)


def _reached_only_allowlisted(scan: PickleScan) -> bool:
    """Whether every attribute the pickle's getattr calls reached is allowlisted."""
    reached = (g for g in scan.globals.values() if g.opcode == "getattr")
    return all(judge_global(g.module, g.name).verdict is Verdict.SAFE for g in reached)


def _unknown_finding(
    found: PickleMember, unknown: list[ImportedGlobal], extensions: list[str], location: Location, model_asset: str
) -> Finding:
    names = [imported.dotted for imported in unknown] + [message.split(" (")[0] for message in extensions]
    listed = ", ".join(names[:MAX_LISTED]) + (f" (+{len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else "")
    plural = "s" if len(names) != 1 else ""
    properties = _base_properties(found.member, found.format)
    properties["globals"] = names[:50]
    return get_rule(UNKNOWN_RULE).finding(
        message=f"{_where(found.member)}imports {len(names)} global{plural} not on the allowlist: {listed}",
        location=location,
        asset_id=model_asset,
        evidence=listed,
        identity=f"{found.member}|unknown",
        properties=properties,
    )


def _unscanned(member: str, kind: str, messages: list[str], fmt: str, location: Location, model_asset: str) -> Finding:
    where = _where_file(member)
    prefix = {"malformed": "malformed model file", "bomb": "possible decompression bomb"}.get(kind, "")
    text = "; ".join(messages[:3])
    message = f"{where}{prefix}: {text}" if prefix else f"{where}{text}"
    return get_rule(UNSCANNED_RULE).finding(
        message=message,
        location=location,
        asset_id=model_asset,
        identity=f"{member}|{kind}",
        properties=_base_properties(member, fmt) | {"issue": kind},
    )
