"""Finding every pickle in a model file, however it is packed, within hard limits.

A file is identified by its bytes (:func:`aispm.files.magic.sniff_format`), then opened as what it is: a raw or
joblib pickle, a PyTorch zip checkpoint (every pickle member, whatever its name; tensor storage is never read), a
legacy PyTorch stream or tar checkpoint, a numpy ``.npy`` with an object dtype (a pickle after the header), an
``.npz``, or a gzip/bz2/xz/zlib/zip/tar wrapper around any of these, nested up to a depth limit.  Decompressed
bytes are metered against a budget tied to the file's size, so zip bombs end as findings, not as exhausted memory.
"""

from __future__ import annotations

import bz2
import importlib
import io
import lzma
import posixpath
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, cast

from msgspec import Struct, field

from aispm.checks.modelfiles.joblib_arrays import joblib_build_hook
from aispm.checks.modelfiles.paths import escapes_directory, landing_path, link_escapes
from aispm.checks.modelfiles.pickle_scan import (
    DEFAULT_LIMITS,
    HIGHEST_PROTOCOL,
    PickleLimits,
    PickleScan,
    scan_pickle_stream,
)
from aispm.checks.modelfiles.stored_zip import read_stored_zip
from aispm.checks.modelfiles.streams import (
    Budget,
    ByteSource,
    ChargedReader,
    CorruptData,
    LimitExceeded,
    PrefixedReader,
    Readable,
    Truncated,
    read_errors,
)
from aispm.checks.modelfiles.torch_legacy import (
    LEGACY_STREAM_PICKLES,
    TAR_MEMBERS_WITH_RAW_DATA,
    scan_legacy_tar_member,
)
from aispm.files.magic import (
    HEAD_BYTES,
    MODEL_EXTENSIONS,
    compression_of,
    extension_of,
    pytorch_pickle_member,
    sniff_format,
    strip_compression,
)
from aispm.files.model_headers import MAX_ZIP_DIRECTORY, MAX_ZIP_MEMBERS, MalformedModel, open_bounded_zip

if TYPE_CHECKING:
    import tarfile

    from aispm.checks.modelfiles.config_targets import TargetIssue
    from aispm.checks.modelfiles.keras_config import KerasIssue
    from aispm.checks.modelfiles.stored_zip import MemberInfo, ZipArchive
    from aispm.checks.modelfiles.tf_graph import TfGraphFacts

# The readers of each format (Keras, skops/NeMo configs, GGUF, ONNX, TensorFlow, safetensors, tar) are imported
# where they are first needed: a scan of pickles, the common case, does not pay for the rest at start-up.

MiB = 1024 * 1024
GiB = 1024 * MiB

SCANNED_FORMATS = frozenset(
    {"pickle", "joblib", "pytorch-legacy", "pytorch-zip", "npz", "numpy", "zip", "tar", "keras-v3", "hdf5", "gguf",
     "safetensors", "onnx", "tf-savedmodel", "tf-graphdef", "keras-metadata"}
)  # fmt: skip
_METADATA_FORMATS = frozenset({"gguf", "safetensors", "onnx", "tf-savedmodel", "tf-graphdef"})
_COMPRESSED = frozenset({"gzip", "bz2", "xz", "lzma", "zlib", "lz4"})
_LZMA_ALONE = b"]\x00\x00\x80\x00"
"""joblib's raw ``.lzma`` compression (LZMA 'alone' format) has no magic number of its own; this is its header."""
_STRICT_PICKLE_NAMES = frozenset({".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt"})
_PICKLE_OPCODES = frozenset(b"(.0123FIJKLMNPQRSTUVXabcdeghijlopqrstu}])" + bytes(range(0x80, 0x99)))
_PICKLE_FIRST_BYTES = frozenset(bytes([byte]) for byte in b"(}])cilN\x80")
_FALLBACK_PROBE = 512
"""What a pickle starts with (a PROTO header, or the first opcode of a protocol 0/1 pickle)."""
_STRONG_EXTENSIONS = {".safetensors": "safetensors", ".gguf": "gguf", ".onnx": "onnx", ".npy": "numpy"}
"""Extensions only one format uses: a file under such a name whose bytes are no such file is malformed."""
_SIZED_FORMATS = frozenset({"safetensors", "onnx"})
"""Formats whose checks need the payload's size (offsets and lengths are compared with it)."""
SIZED_BUFFER_BYTES = 64 * 1024 * 1024
"""The most of a compressed safetensors or ONNX payload held in memory to check it."""
_EMPTY_IS_MALFORMED = frozenset(
    {
        ".pt",
        ".pth",
        ".ckpt",
        ".pkl",
        ".pickle",
        ".joblib",
        ".safetensors",
        ".gguf",
        ".ggml",
        ".onnx",
        ".keras",
        ".tflite",
    }
)
"""Names only model files use: an empty one is a broken model (an empty ``.bin``, ``.h5`` or ``.npy`` may be
anything, and is left alone)."""
_TORCH_STORAGE = re.compile(r"(?:[^/]+/)?data/\d+")
_NPY_OBJECT = re.compile(r"""['"][|<>=]?O\d*['"]""")


class ScanLimits(Struct, frozen=True):
    max_depth: int = 4
    """Containers within containers (a zip in a tar in a gzip is depth 3)."""
    max_members: int = 10_000
    max_decompressed: int = 4 * GiB
    bomb_ratio: int = 250
    """Decompressed output beyond this multiple of the file's size (and beyond ``bomb_floor``) is a bomb."""
    bomb_floor: int = 256 * MiB
    max_spooled: int = 1 * GiB
    """A nested zip is copied to a temporary file to be opened; larger ones are not analysed."""
    pickle: PickleLimits = DEFAULT_LIMITS


DEFAULT_SCAN_LIMITS = ScanLimits()


class PickleMember(Struct):
    """One pickle stream found in the file: where (``member``, '' for the file itself), in what format."""

    member: str
    format: str
    scan: PickleScan


class ContainerIssue(Struct, frozen=True):
    kind: str
    """``malformed`` (corrupt container), ``incomplete`` (a limit or unsupported encoding), ``bomb``."""
    message: str
    member: str = ""


class ModelScanReport(Struct):
    format: str
    pickles: list[PickleMember] = field(default_factory=list)
    issues: list[ContainerIssue] = field(default_factory=list)
    zip_names: list[str] | None = None
    """The member names of the file itself when it is a zip: identification reuses them instead of re-listing."""
    head_format: str | None = None
    """What :func:`sniff_format` said of the file's head: identification reuses it instead of sniffing again."""
    external_data: list[str] = field(default_factory=list)
    """External-data locations of an ONNX file (not of a member) whose names stay in its directory: the caller,
    which knows where the file is, checks that no link takes them out."""


def join_member(outer: str, inner: str) -> str:
    return f"{outer}/{inner}" if outer else inner


def _read_head(stream: Readable) -> tuple[bytes, str | None]:
    """Up to :data:`HEAD_BYTES` from ``stream``, and the read error that cut it short, if any."""
    head = b""
    try:
        while len(head) < HEAD_BYTES:
            chunk = stream.read(HEAD_BYTES - len(head))
            if not chunk:
                break
            head += chunk
    except read_errors() as exc:
        return head, str(exc) or type(exc).__name__
    return head, None


def sniff(head: bytes, name: str, pickle_fallback: bool) -> str | None:
    """The format to open ``head`` as; ``pickle_fallback`` accepts headerless pickles whatever the name says."""
    return _sniff_refined(head, name, pickle_fallback, sniff_format(head, name))


def _sniff_refined(head: bytes, name: str, pickle_fallback: bool, fmt: str | None) -> str | None:
    """:func:`sniff` given ``fmt``, what :func:`sniff_format` says of ``head`` (computed once per file)."""
    if head.startswith(_LZMA_ALONE) and (
        extension_of(name) == ".lzma" or extension_of(strip_compression(name)) in (".joblib", ".pkl", ".pickle")
    ):
        return "lzma"
    if fmt == "joblib":
        compression = compression_of(head)
        return compression if compression is not None else "joblib"
    if (
        fmt is None
        and pickle_fallback
        and head[:1] in _PICKLE_FIRST_BYTES
        and sniff_format(head, "m.pkl") == "pickle"
        and _opcodes_until_unknown(head)
    ):
        return "pickle"
    if fmt is None and _has_pickle_proto(head, name, pickle_fallback):
        return "pickle"
    return fmt


def _opcodes_until_unknown(head: bytes) -> bool:
    """Whether a headerless head reads as pickle opcodes to its end (or to a cut argument): text that merely opens
    with a pickle-like byte, ``(Note ...`` or ``((define``, meets a byte that is no opcode within a few bytes."""
    import pickletools  # parses opcodes and their arguments only; nothing is built or called

    try:
        for _ in pickletools.genops(io.BytesIO(head[:_FALLBACK_PROBE])):
            pass
    except ValueError as exc:
        return "unknown" not in str(exc)
    return True


def _has_pickle_proto(head: bytes, name: str, pickle_fallback: bool) -> bool:
    """A PROTO opcode that the magic sniffer does not accept: protocols 0 and 1 (which ``pickle.load`` takes, but
    no pickler writes, so they evade scanners), or any protocol under a pickle name (a bad opcode after it makes a
    malformed pickle, not an unknown file)."""
    if len(head) < 3 or head[0] != 0x80 or head[1] > HIGHEST_PROTOCOL:
        return False
    if head[1] < 2 and (head[2] in _PICKLE_OPCODES or not pickle_fallback):
        return True
    return extension_of(strip_compression(name)) in _STRICT_PICKLE_NAMES


class _Scanner:
    def __init__(self, report: ModelScanReport, limits: ScanLimits, budget: Budget, nemo: bool = False) -> None:
        self.report = report
        self.limits = limits
        self.budget = budget
        self.nemo = nemo
        """The scanned file is a NeMo archive: every YAML in it is a Hydra configuration."""

    def issue(self, kind: str, message: str, member: str) -> None:
        self.report.issues.append(ContainerIssue(kind, message, member))

    # --- dispatch ----------------------------------------------------------------------------------------------

    def blob(
        self,
        stream: Readable,
        *,
        name: str,
        member: str,
        depth: int,
        seekable: bool,
        size: int | None,
        fmt: str | None = None,
        head: bytes | None = None,
        pickle_fallback: bool = False,
    ) -> None:
        """Open one stream (the file, a member, a decompressed payload) as the format its bytes show."""
        if head is None:
            head, error = _read_head(stream)
            if error is not None:
                self.issue("malformed", f"unreadable data: {error}", member)
            if seekable:
                stream.seek(0)
        if fmt is None:
            fmt = sniff(head, name, pickle_fallback)
        if fmt is None or (fmt not in SCANNED_FORMATS and fmt not in _COMPRESSED):
            return
        if depth > self.limits.max_depth:
            self.issue("incomplete", f"not analysed: nested deeper than {self.limits.max_depth} containers", member)
            return
        replay: Readable = stream if seekable else PrefixedReader(head, stream)
        if fmt in ("pickle", "joblib", "pytorch-legacy"):
            self.pickle(ByteSource(replay, seekable=seekable, size=size), member, fmt)
        elif fmt in ("pytorch-zip", "npz", "zip", "keras-v3"):
            self.zip(replay, name=name, member=member, depth=depth, seekable=seekable, size=size)
        elif fmt == "tar":
            self.tar(replay, member=member, depth=depth, seekable=seekable)
        elif fmt == "numpy":
            self.numpy(replay, head, member=member, seekable=seekable, size=size)
        elif fmt == "hdf5":
            self.hdf5(replay, member=member, depth=depth, seekable=seekable)
        elif fmt == "keras-metadata":
            from aispm.checks.modelfiles.keras_config import keras_metadata_issues

            issues = keras_metadata_issues(ByteSource(replay, seekable=seekable, size=size))
            self._keras_issues(issues, member, depth)
        elif fmt in _METADATA_FORMATS:
            self.metadata(fmt, ByteSource(replay, seekable=seekable, size=size), member=member, size=size)
        else:
            self.decompress(fmt, replay, name=name, member=member, depth=depth)

    def pickle(self, source: ByteSource, member: str, fmt: str) -> None:
        found = PickleMember(member, fmt, PickleScan())
        self.report.pickles.append(found)
        max_pickles = LEGACY_STREAM_PICKLES if fmt == "pytorch-legacy" else None
        scan_pickle_stream(source, found.scan, self.limits.pickle, joblib_build_hook, max_pickles)

    # --- containers --------------------------------------------------------------------------------------------

    def decompress(self, fmt: str, stream: Readable, *, name: str, member: str, depth: int) -> None:
        if fmt == "lz4" and lz4_decompressor() is None:
            self.issue("incomplete", "not analysed: lz4-compressed data needs the optional 'lz4' package "
                       "(pip install lz4)", member)  # fmt: skip
            return
        charged = ChargedReader(_decompressor(fmt, stream), self.budget)
        inner_head, error = _read_head(charged)
        if error is not None:
            self.issue("malformed", f"corrupt {fmt} data: {error}", member)
            if not inner_head:
                return
        inner_name = strip_compression(name)
        if inner_name == name:
            inner_name = name + ".pkl"
        self.blob(charged, name=inner_name, member=member, depth=depth + 1, seekable=False, size=None,
                  head=inner_head, pickle_fallback=True)  # fmt: skip

    def zip(self, stream: Readable, *, name: str, member: str, depth: int, seekable: bool, size: int | None) -> None:
        with self._seekable_copy(stream, seekable, member) as (handle, length):
            if handle is None:
                return
            archive: ZipArchive | None = None
            if isinstance(handle, io.BytesIO):  # a small file held in memory: plain zips are read directly
                archive = read_stored_zip(handle.getvalue(), MAX_ZIP_MEMBERS, MAX_ZIP_DIRECTORY, _unread_members)
            try:
                if archive is None:
                    archive = open_bounded_zip(handle, size if seekable and size is not None else length)
                names = archive.namelist()
            except read_errors(MalformedModel, struct.error) as exc:
                self.issue("malformed", f"corrupt zip archive: {exc}", member)
                return
            if depth == 0:
                self.report.zip_names = names
            with archive:
                torch_zip = pytorch_pickle_member(names) is not None
                if "config.json" in names and not torch_zip and _KERAS_MEMBERS & set(names):
                    raw = self._zip_text(archive, "config.json", member)
                    if raw is not None:
                        from aispm.checks.modelfiles.keras_config import parse_config

                        self._keras_issues(parse_config(raw), join_member(member, "config.json"), depth)
                if "schema.json" in names and not torch_zip:
                    if not member:
                        self.report.format = "skops"
                    raw = self._zip_text(archive, "schema.json", member)
                    if raw is not None:
                        from aispm.checks.modelfiles.config_targets import skops_schema_issues

                        self._config_issues(skops_schema_issues(raw), join_member(member, "schema.json"))
                self._zip_members(archive, member, depth, torch_zip)

    def _zip_text(self, archive: ZipArchive, name: str, member: str) -> bytes | None:
        """A configuration member's bytes (bounded), or ``None`` after recording why it cannot be read."""
        where = join_member(member, name)
        if archive.getinfo(name).flag_bits & 0x1:
            self.issue("incomplete", "not analysed: encrypted member", where)
            return None
        from aispm.checks.modelfiles.keras_config import MAX_CONFIG_BYTES

        try:
            with archive.open(name) as opened:
                return ChargedReader(opened, self.budget).read(MAX_CONFIG_BYTES + 1)
        except read_errors() as exc:
            self.issue("malformed", f"unreadable configuration: {exc}", where)
            return None

    def _config_issues(self, issues: list[TargetIssue], member: str) -> None:
        for issue in issues:
            self.issue(issue.kind, issue.message, member)

    def _is_hydra_config(self, name: str) -> bool:
        """NeMo's ``model_config.yaml``, or any YAML inside a ``.nemo`` archive."""
        base = posixpath.basename(name)
        return base == "model_config.yaml" or (self.nemo and extension_of(base) in (".yaml", ".yml"))

    def _hydra_config(self, stream: Readable, inner: str) -> None:
        from aispm.checks.modelfiles.keras_config import MAX_CONFIG_BYTES

        try:
            raw = ChargedReader(stream, self.budget).read(MAX_CONFIG_BYTES + 1)
        except read_errors() as exc:
            self.issue("malformed", f"unreadable configuration: {exc}", inner)
            return
        from aispm.checks.modelfiles.config_targets import hydra_config_issues

        self._config_issues(hydra_config_issues(raw), inner)

    def _keras_issues(self, issues: list[KerasIssue], member: str, depth: int) -> None:
        for issue in issues:
            self.issue("malformed" if issue.kind == "malformed" else f"keras-{issue.kind}", issue.message, member)
            if issue.payload:  # a model embedded in the config: scanned like a member of its own
                inner = join_member(member, "TorchModuleWrapper.module")
                stream = io.BytesIO(issue.payload)
                self.blob(
                    stream, name="module.pt", member=inner, depth=depth + 1, seekable=True, size=len(issue.payload)
                )

    def _zip_members(self, archive: ZipArchive, member: str, depth: int, torch_zip: bool) -> None:
        infos = archive.infolist()
        if len(infos) > self.limits.max_members:
            self.issue("incomplete", f"only the first {self.limits.max_members} of {len(infos)} members analysed",
                       member)  # fmt: skip
        for info in infos[: self.limits.max_members]:
            if (
                not info.filename
                or info.filename.endswith("/")
                or (torch_zip and _TORCH_STORAGE.fullmatch(info.filename))
            ):
                continue
            inner = join_member(member, info.filename)
            if escapes_directory(info.filename):
                self.issue("archive-traversal", f"zip member {info.filename[:200]!r} is written outside the "
                           "folder it is extracted to", member)  # fmt: skip
            if self._is_bomb(info):
                ratio = info.file_size // max(info.compress_size, 1)
                self.issue("bomb", f"not analysed: expands {ratio}x to {info.file_size} bytes (zip bomb?)", inner)
                continue
            if info.flag_bits & 0x1:
                self.issue("incomplete", "not analysed: encrypted member", inner)
                continue
            try:
                with archive.open(info) as opened:
                    if self._is_hydra_config(info.filename):
                        self._hydra_config(opened, inner)
                        continue
                    charged = ChargedReader(opened, self.budget)
                    self.blob(charged, name=posixpath.basename(info.filename), member=inner, depth=depth + 1,
                              seekable=False, size=info.file_size, pickle_fallback=True)  # fmt: skip
            except read_errors() as exc:
                self.issue("malformed", f"unreadable zip member: {exc}", inner)

    def _is_bomb(self, info: MemberInfo) -> bool:
        limits = self.limits
        return info.file_size > limits.bomb_floor and info.file_size > limits.bomb_ratio * max(info.compress_size, 1)

    def tar(self, stream: Readable, *, member: str, depth: int, seekable: bool) -> None:
        import tarfile

        count = 0
        links: dict[str, str] = {}
        try:
            with tarfile.open(fileobj=cast(IO[bytes], stream), mode="r:" if seekable else "r|") as archive:
                for info in archive:
                    count += 1
                    if count > self.limits.max_members:
                        self.issue("incomplete", f"only the first {self.limits.max_members} members analysed", member)
                        return
                    self._tar_traversal(info, member, links)
                    if info.isfile():
                        self._tar_member(archive, info, member, depth, seekable)
        except read_errors(tarfile.TarError) as exc:
            self.issue("malformed", f"corrupt tar archive: {exc}", member)

    def _tar_traversal(self, info: tarfile.TarInfo, member: str, links: dict[str, str]) -> None:
        """A member written outside the extraction folder (by its name, or through links extracted before it) is
        high; a link that points out is medium on its own (a rootfs tarball has many) and makes what is written
        through it high."""
        name = info.name[:200]
        landing = landing_path(info.name, links)
        if escapes_directory(info.name) or landing is None or escapes_directory(landing):
            self.issue("archive-traversal", f"tar member {name!r} is written outside the folder it is extracted to",
                       member)  # fmt: skip
        elif (info.issym() or info.islnk()) and link_escapes(landing, info.linkname, hard=info.islnk()):
            self.issue("archive-link", f"tar member {name!r} links to {info.linkname[:200]!r}, outside the folder it "
                       "is extracted to", member)  # fmt: skip
        if info.issym() and landing is not None:
            links[landing] = info.linkname

    def _tar_member(
        self, archive: tarfile.TarFile, info: tarfile.TarInfo, member: str, depth: int, seekable: bool
    ) -> None:
        extracted = archive.extractfile(info)
        if extracted is None:
            return
        inner = join_member(member, info.name)
        base = posixpath.basename(info.name)
        with extracted:
            if self._is_hydra_config(info.name):
                self._hydra_config(cast(Readable, extracted), inner)
            elif base in TAR_MEMBERS_WITH_RAW_DATA:
                source = ByteSource(cast(Readable, extracted), seekable=seekable, size=info.size)
                if sniff(source.peek(HEAD_BYTES), "member.pkl", True) == "pickle":
                    scan = scan_legacy_tar_member(source, base, self.limits.pickle)
                    self.report.pickles.append(PickleMember(inner, "pytorch-legacy-tar", scan))
                    return
            else:
                self.blob(cast(Readable, extracted), name=base, member=inner, depth=depth + 1, seekable=seekable,
                          size=info.size, pickle_fallback=True)  # fmt: skip

    def numpy(self, stream: Readable, head: bytes, *, member: str, seekable: bool, size: int | None) -> None:
        layout = _npy_layout(head)
        if layout is None:
            self.issue("malformed", "numpy header is truncated or invalid", member)
            return
        data_offset, has_objects = layout
        if not has_objects:
            return
        source = ByteSource(stream, seekable=seekable, size=size)
        try:
            source.skip(data_offset)
        except (Truncated, CorruptData) as exc:
            self.issue("malformed", f"numpy header runs past the data: {exc}", member)
            return
        self.pickle(source, member, "numpy")

    def metadata(self, fmt: str, source: ByteSource, *, member: str, size: int | None) -> None:
        """Formats without pickles whose metadata can still run code or lie: GGUF, safetensors, ONNX, TensorFlow."""
        if size is None and fmt in _SIZED_FORMATS:
            # Decompressed or streamed: these checks compare offsets with the size, so the payload is held (up to a
            # bound) to learn it; a larger one is not analysed, and says so, rather than passing as clean.
            data = source.peek(SIZED_BUFFER_BYTES + 1)
            if len(data) > SIZED_BUFFER_BYTES:
                limit = SIZED_BUFFER_BYTES // MiB
                self.issue("incomplete", f"not analysed: compressed {fmt} data larger than {limit} MiB", member)
                return
            source, size = ByteSource.of_bytes(data), len(data)
        if fmt == "gguf":
            self._gguf(source, member)
        elif fmt == "safetensors" and size is not None:
            from aispm.checks.modelfiles.safetensors_check import safetensors_problems

            try:
                problems, complete = safetensors_problems(source, size)
            except (Truncated, CorruptData) as exc:
                problems, complete = [f"header cannot be read: {exc}"], True
            for problem in problems:
                self.issue("malformed", f"safetensors header: {problem}", member)
            if not complete:
                self.issue("incomplete", "not analysed: safetensors header larger than the checked limit", member)
        elif fmt == "onnx" and size is not None:
            self._onnx(source, size, member)
        elif fmt in ("tf-savedmodel", "tf-graphdef"):
            self._tensorflow(source, size, member, saved_model=fmt == "tf-savedmodel")

    def hdf5(self, stream: Readable, *, member: str, depth: int, seekable: bool) -> None:
        """A Keras HDF5 model's ``model_config`` (HDF5 is read at random offsets: a stream is held, up to a bound)."""
        from aispm.checks.modelfiles.keras_config import H5Error, SeekableInput, config_issues, h5_model_config

        if member and posixpath.basename(member) in _KERAS_WEIGHTS:
            return  # a .keras file's weights: its config is config.json, checked beside them
        if seekable and hasattr(stream, "tell"):
            handle = cast(SeekableInput, stream)
            handle.seek(0, io.SEEK_END)
            size = handle.tell()
        else:
            data = ByteSource(stream).peek(SIZED_BUFFER_BYTES + 1)
            if len(data) > SIZED_BUFFER_BYTES:
                limit = SIZED_BUFFER_BYTES // MiB
                self.issue("incomplete", f"not analysed: compressed HDF5 data larger than {limit} MiB", member)
                return
            handle, size = io.BytesIO(data), len(data)
        try:
            config = h5_model_config(handle, size)
        except H5Error as exc:
            self.issue("malformed", f"HDF5 model: {exc}", member)
            return
        if config is not None:
            self._keras_issues(config_issues(config), member, depth)

    def _onnx(self, source: ByteSource, size: int, member: str) -> None:
        from aispm.checks.modelfiles.onnx_check import STANDARD_DOMAINS, OnnxError, read_onnx

        try:
            facts = read_onnx(source, size)
        except (OnnxError, Truncated, CorruptData) as exc:
            self.issue("malformed", f"ONNX protobuf: {exc}", member)
            return
        except LimitExceeded as exc:
            self.issue("incomplete", f"not fully analysed: {exc}", member)
            return
        for location, tensor in sorted(facts.external_locations.items()):
            if escapes_directory(location):
                self.issue("onnx-external", f"tensor {tensor!r} reads external data from {location!r}, outside the "
                           "model's directory", member)  # fmt: skip
            elif not member:  # beside the file itself: the analyser checks it is no link out
                self.report.external_data.append(location)
        custom = sorted(facts.domains - STANDARD_DOMAINS)
        if custom:
            self.issue("onnx-domain", f"uses operators from custom domains {', '.join(custom[:10])}, which need "
                       "native code registered by the loader", member)  # fmt: skip

    def _tensorflow(self, source: ByteSource, size: int | None, member: str, *, saved_model: bool) -> None:
        from aispm.checks.modelfiles.protobuf import ProtobufError
        from aispm.checks.modelfiles.tf_graph import read_tf_graph

        try:
            facts = read_tf_graph(source, size, saved_model)
        except (ProtobufError, Truncated, CorruptData) as exc:
            self.issue("malformed", f"TensorFlow protobuf: {exc}", member)
            return
        except LimitExceeded as exc:
            self.issue("incomplete", f"not fully analysed: {exc}", member)
            return
        self.tf_uses(facts, member)

    def tf_uses(self, facts: TfGraphFacts, member: str) -> None:
        for use in facts.uses:
            where = f" in function {use.function!r}" if use.function else ""
            on = f" on {', '.join(repr(path[:200]) for path in use.paths)}" if use.paths else ""
            self.issue(f"tf-{use.category}", f"{_TF_CATEGORY[use.category]}: op {use.op} (node {use.node[:100]!r}"
                       f"{where}){on}", member)  # fmt: skip

    def _gguf(self, source: ByteSource, member: str) -> None:
        from aispm.checks.modelfiles.gguf_template import GgufError, read_templates, template_gadgets

        try:
            found = read_templates(source)
        except (GgufError, Truncated, CorruptData) as exc:
            self.issue("malformed", f"GGUF metadata: {exc}", member)
            return
        for key in found.oversized:
            self.issue("incomplete", f"not analysed: chat template {key} is larger than 1 MiB", member)
        for key, template in found.templates.items():
            gadgets = template_gadgets(template)
            if gadgets:
                self.issue("gguf-template", f"chat template {key} reaches Python internals: {', '.join(gadgets[:5])}",
                           member)  # fmt: skip

    @contextmanager
    def _seekable_copy(self, stream: Readable, seekable: bool, member: str) -> Iterator[tuple[Any, int]]:
        """``stream`` itself when it can seek, else a bounded temporary copy (zip needs random access)."""
        if seekable:
            yield stream, 0
            return
        import tempfile

        with tempfile.SpooledTemporaryFile(max_size=16 * MiB) as spool:
            length = 0
            try:
                while chunk := stream.read(1024 * 1024):
                    length += len(chunk)
                    if length > self.limits.max_spooled:
                        raise LimitExceeded(f"nested archive larger than {self.limits.max_spooled // MiB} MiB")
                    spool.write(chunk)
            except LimitExceeded as exc:
                self.issue("incomplete", f"not analysed: {exc}", member)
                yield None, 0
                return
            except read_errors() as exc:
                self.issue("malformed", f"corrupt data: {exc}", member)
                yield None, 0
                return
            spool.seek(0)
            yield spool, length


_DECOMPRESSORS: dict[str, tuple[Callable[[], Any], bool]] = {
    "gzip": (lambda: zlib.decompressobj(16 + zlib.MAX_WBITS), True),
    "zlib": (zlib.decompressobj, False),
    "bz2": (bz2.BZ2Decompressor, True),
    "xz": (lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ), True),
    "lzma": (lambda: lzma.LZMADecompressor(lzma.FORMAT_ALONE), False),
}
"""format -> (new decompressor, whether concatenated streams continue the data as gzip/bz2/xz files allow)."""


def lz4_decompressor() -> Callable[[], Any] | None:
    """The LZ4 frame decompressor class (joblib's ``.lz4`` compression) when the optional package is installed."""
    try:
        module = importlib.import_module("lz4.frame")
    except ImportError:
        return None
    factory: Callable[[], Any] = module.LZ4FrameDecompressor
    return factory


def _decompressor(fmt: str, stream: Readable) -> Readable:
    if fmt == "lz4":
        lz4_factory = lz4_decompressor()
        if lz4_factory is None:
            raise LimitExceeded("lz4-compressed data needs the optional 'lz4' package")
        return _Inflater(stream, lz4_factory, True)
    factory, concatenated = _DECOMPRESSORS[fmt]
    if fmt == "zlib":
        stream = _skip_joblib_zf_header(stream)
    return _Inflater(stream, factory, concatenated)


def _skip_joblib_zf_header(stream: Readable) -> Readable:
    """joblib's old ``ZF`` format: 'ZF', the length in 19 hex/space characters, maybe a space, then zlib."""
    header = stream.read(22)
    if header.startswith(b"ZF"):
        header = header[22:] if header[21:22] == b" " else header[21:]
    return PrefixedReader(header, stream)


class _Inflater:
    """Incremental decompression with bounded output per read, which (unlike the gzip/bz2/lzma file classes)
    hands over everything decoded before a truncation or corruption is met."""

    def __init__(self, stream: Readable, factory: Callable[[], Any], concatenated: bool) -> None:
        self.stream = stream
        self.factory = factory
        self.concatenated = concatenated
        self.decompressor = factory()
        self.pending = b""

    def _needs_input(self) -> bool:
        decompressor = self.decompressor
        if hasattr(decompressor, "needs_input"):
            return bool(decompressor.needs_input)
        return not decompressor.unconsumed_tail

    def read(self, size: int = -1, /) -> bytes:
        size = size if size > 0 else 64 * 1024
        out = b""
        while len(out) < size:
            decompressor = self.decompressor
            if decompressor.eof:
                if not self.concatenated:
                    break
                leftover = decompressor.unused_data or self.pending or self.stream.read(64 * 1024)
                self.pending = b""
                if not leftover.strip(b"\0"):
                    break
                self.decompressor, self.pending = self.factory(), leftover
                continue
            if self._needs_input():
                data = self.pending or self.stream.read(64 * 1024)
                self.pending = b""
                if not data:
                    if out:
                        break
                    raise EOFError("compressed data ends before its end-of-stream marker")
            else:
                data = getattr(decompressor, "unconsumed_tail", b"")
            try:
                chunk = decompressor.decompress(data, size - len(out))
            except RuntimeError as exc:  # lz4 reports corrupt frames this way
                raise ValueError(str(exc)) from None
            if not chunk and not data:
                break
            out += chunk
        return out

    def seek(self, offset: int, whence: int = 0, /) -> int:
        raise OSError("not seekable")


_TF_CATEGORY = {
    "code": "runs a Python function of the loading process",
    "files": "reads or writes files",
    "network": "talks to the network",
    "path": "reads or writes a path outside the model directory",
}

_KERAS_MEMBERS = frozenset({"model.weights.h5", "model.weights.npz", "metadata.json"})
_KERAS_WEIGHTS = frozenset({"model.weights.h5"})

_NPY_MAGIC = b"\x93NUMPY"


def _never(_name: str) -> bool:
    return False


def _is_torch_storage(name: str) -> bool:
    return _TORCH_STORAGE.fullmatch(name) is not None


def _unread_members(names: list[str]) -> Callable[[str], bool]:
    """The members :meth:`_Scanner._zip_members` never opens: tensor storage of a PyTorch zip."""
    return _is_torch_storage if pytorch_pickle_member(names) is not None else _never


def _npy_layout(head: bytes) -> tuple[int, bool] | None:
    """(offset of the array data, whether the dtype holds Python objects) from a ``.npy`` header."""
    if len(head) < 10 or not head.startswith(_NPY_MAGIC):
        return None
    major = head[6]
    if major == 1:
        length, start = struct.unpack_from("<H", head, 8)[0], 10
    elif major in (2, 3) and len(head) >= 12:
        length, start = struct.unpack_from("<I", head, 8)[0], 12
    else:
        return None
    header = head[start : start + length]
    if len(header) < length:
        return None
    return start + length, _NPY_OBJECT.search(header.decode("latin-1")) is not None


def scan_model_file(
    stream: Readable, name: str, size: int, limits: ScanLimits = DEFAULT_SCAN_LIMITS
) -> ModelScanReport | None:
    """Every pickle in the file (seekable ``stream`` of ``size`` bytes), or ``None`` when it cannot hold one."""
    extension = extension_of(name)
    if extension == ".pbtxt":
        return _scan_text_graph(stream, name, size, limits)
    head, _ = _read_head(stream)
    stream.seek(0)
    inner_extension = extension_of(strip_compression(name))  # what a compressed file's name says it holds
    head_format = sniff_format(head, name)
    fmt = _sniff_refined(head, name, inner_extension not in MODEL_EXTENSIONS, head_format)
    expected = _STRONG_EXTENSIONS.get(extension)
    if size == 0 and extension in _EMPTY_IS_MALFORMED:
        report = ModelScanReport(expected or "empty", head_format=head_format)
        reason = "the file is empty: no model to load (an interrupted download or save, or an unfetched LFS file?)"
        report.issues.append(ContainerIssue("malformed", reason))
        return report
    if fmt is None and expected is not None and size >= 8:
        report = ModelScanReport(expected, head_format=head_format)
        report.issues.append(ContainerIssue("malformed", f"the bytes are not a valid {expected} file ({size} bytes "
                                            f"starting {head[:8].hex()})"))  # fmt: skip
        return report
    if fmt is None or (fmt not in SCANNED_FORMATS and fmt not in _COMPRESSED):
        return None
    report = ModelScanReport(fmt, head_format=head_format)
    cap = min(limits.max_decompressed, max(limits.bomb_floor, limits.bomb_ratio * size))
    budget = Budget(cap, f"over {limits.bomb_ratio}x the file's size: possible decompression bomb")
    nemo = inner_extension == ".nemo"
    scanner = _Scanner(report, limits, budget, nemo)
    if nemo:
        report.format = "nemo"
    try:
        scanner.blob(stream, name=name, member="", depth=0, seekable=True, size=size, fmt=fmt, head=head)
    except LimitExceeded as exc:
        scanner.issue("incomplete", f"not fully analysed: {exc}", "")
    except CorruptData as exc:
        scanner.issue("malformed", f"corrupt data: {exc}", "")
    return report


def _scan_text_graph(stream: Readable, name: str, size: int, limits: ScanLimits) -> ModelScanReport | None:
    """A TensorFlow graph in text format (``saved_model.pbtxt``); ``None`` for other text protobufs (label maps,
    pipeline configs), and for any ``.pbtxt`` but a SavedModel's that is not valid text format."""
    from aispm.checks.modelfiles.tf_text import MAX_TEXT_BYTES, TextFormatError, read_tf_text_graph

    saved_model = name.lower() == "saved_model.pbtxt"
    report = ModelScanReport("tf-savedmodel-text" if saved_model else "tf-graphdef-text")
    scanner = _Scanner(report, limits, Budget(size))
    if size > MAX_TEXT_BYTES:
        scanner.issue("incomplete", f"not analysed: text graph larger than {MAX_TEXT_BYTES // MiB} MiB", "")
        return report
    try:
        facts = read_tf_text_graph(stream.read(size))
    except TextFormatError as exc:
        if not saved_model:
            return None
        scanner.issue("malformed", f"TensorFlow text protobuf: {exc}", "")
        return report
    except LimitExceeded as exc:
        scanner.issue("incomplete", f"not fully analysed: {exc}", "")
        return report
    if facts is None:
        return report if saved_model else None
    scanner.tf_uses(facts, "")
    return report
