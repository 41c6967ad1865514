"""Model files on disk (weights, checkpoints, serialised estimators) and Hugging Face model directories.

A file is a model file when its *bytes* say so (:mod:`aispm.files.magic`): firmware named ``.bin`` or a text
file named ``.pt`` is not one.  Files are streamed, never loaded: a small head identifies the format, headers are
read within hard bounds (:mod:`aispm.files.model_headers`) and the sha256 is computed in a separate streamed
pass.  A Hugging Face model directory (``config.json`` and/or a model card next to weights) becomes one ``model``
asset that CONTAINS its weight files, with what the config and card say (architecture, task, licence).
Each model file is identified here but inventoried by the models family's one per-file analyser
(:mod:`aispm.checks.modelfiles.analyser`), which opens it once for identification and security scan alike.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from msgspec import Struct, field

from aispm.analyser import Analyser, AnalysisError, Record
from aispm.files.content import FileContent
from aispm.files.magic import (
    COMPRESSIONS,
    HEAD_BYTES,
    MODEL_EXTENSIONS,
    MODEL_FORMATS,
    PICKLE_FORMATS,
    compression_of,
    extension_of,
    framework_of,
    git_lfs_pointer,
    peek_decompressed,
    sniff_format,
    strip_compression,
    tar_names_in_head,
)
from aispm.files.model_headers import Facts, MalformedModel, header_facts
from aispm.files.structured import StructuredError, find_line, load_json
from aispm.files.walk import FileRef, inside_root, local_identity, readable_sibling
from aispm.model import Asset, AssetKind, JSONValue, Location, Relation, RelationKind, asset_id

if TYPE_CHECKING:
    from aispm.files.frontmatter import FrontMatter

_STRONG_FORMAT_BY_EXTENSION = {
    ".safetensors": "safetensors",
    ".gguf": "gguf",
    ".onnx": "onnx",
    ".tflite": "tflite",
    ".npy": "numpy",
    ".npz": "npz",
    ".keras": "keras-v3",
}
"""Extensions that only one format uses: such a file too short to hold its header is a broken model file."""

MIN_MODEL_BYTES = 16
_MODEL_ARCHIVE_NAMES = frozenset({"model.tar.gz", "model.tgz", "model.tar"})
"""SageMaker-style model artefacts: a tarball that is a model only if it holds model files."""
_OLLAMA_BLOB = re.compile(r"sha256-[0-9a-f]{64}")
_MAX_DIRECTORY_ENTRIES = 2000
_MAX_SNIFFED_WEIGHTS = 256
_HASH_CHUNK = 1024 * 1024


class ModelFileInfo(Struct, frozen=True):
    """What a model file is, from its bytes."""

    format: str
    framework: str
    facts: Facts = field(default_factory=dict)
    malformed: str | None = None
    compression: str | None = None


def wants_model_file(ref: FileRef) -> bool:
    """Model extensions, compressed model files, SageMaker model tarballs and Ollama blobs (by name only)."""
    name = ref.name_lower
    extension = extension_of(name)
    if extension in MODEL_EXTENSIONS or name in _MODEL_ARCHIVE_NAMES:
        return True
    if extension in (".gz", ".bz2", ".xz") and extension_of(strip_compression(name)) in MODEL_EXTENSIONS:
        return True
    return not extension and ref.path.parent.name == "blobs" and _OLLAMA_BLOB.fullmatch(name) is not None


def identify_model_file(
    handle: BinaryIO, name: str, size: int, zip_names: list[str] | None = None, head_format: str | None = None
) -> ModelFileInfo | None:
    """Identify an open file as a model file, or ``None`` when its bytes are not one (``zip_names``: the members of
    the file, when it is a zip that the caller has already listed; ``head_format``: what :func:`sniff_format`
    already said of its head, when the caller has sniffed it)."""
    head = handle.read(HEAD_BYTES)
    fmt = head_format if head_format is not None else sniff_format(head, name)
    if fmt is None:
        expected = _STRONG_FORMAT_BY_EXTENSION.get(extension_of(name))
        if expected is not None and size < MIN_MODEL_BYTES:
            reason = "empty file" if size == 0 else f"file is {size} bytes, too short for a {expected} header"
            return ModelFileInfo(expected, framework_of(expected, name), malformed=reason)
        return None
    if fmt == "git-lfs-pointer":
        pointer = git_lfs_pointer(head)
        if pointer is None:
            return None
        return ModelFileInfo(fmt, framework_of(fmt, name), {"sha256": pointer[0], "lfs_size": pointer[1]})
    if fmt == "tar" or fmt in COMPRESSIONS:
        return _identify_wrapped(fmt, head, name)
    if fmt == "joblib" and compression_of(head) is not None:
        return _identify_compressed_joblib(head, name)
    try:
        fmt_refined, facts = header_facts(fmt, handle, head, size, zip_names)
    except MalformedModel as exc:
        if fmt not in MODEL_FORMATS:
            return None
        return ModelFileInfo(fmt, framework_of(fmt, name, head), malformed=str(exc))
    if fmt_refined not in MODEL_FORMATS:
        return None
    if fmt_refined in PICKLE_FORMATS and head[:1] == b"\x80":
        facts["pickle_protocol"] = head[1]
    return ModelFileInfo(fmt_refined, framework_of(fmt_refined, name, head), facts)


def _tar_model_members(head: bytes) -> list[str]:
    return [member for member in tar_names_in_head(head) if extension_of(member) in MODEL_EXTENSIONS][:20]


def _identify_wrapped(fmt: str, head: bytes, name: str) -> ModelFileInfo | None:
    """A tarball or compressed file is a model file when what it holds is one (looked at within bounds)."""
    if fmt == "tar":
        members = _tar_model_members(head)
        return ModelFileInfo("tar", _framework_of_members(members), {"members": members}) if members else None
    inner_name = strip_compression(name)
    try:
        inner = peek_decompressed(fmt, head)
    except ValueError as exc:
        if fmt == "lz4" or extension_of(inner_name) not in MODEL_EXTENSIONS:
            return None
        return ModelFileInfo(fmt, "unknown", malformed=str(exc), compression=fmt)
    inner_fmt = sniff_format(inner, inner_name)
    if inner_fmt == "tar":
        members = _tar_model_members(inner)
        if not members:
            return None
        return ModelFileInfo("tar", _framework_of_members(members), {"members": members}, compression=fmt)
    if inner_fmt not in MODEL_FORMATS:
        return None
    return ModelFileInfo(inner_fmt, framework_of(inner_fmt, inner_name, inner), compression=fmt)


def _identify_compressed_joblib(head: bytes, name: str) -> ModelFileInfo:
    compression = compression_of(head) or "zlib"
    if head.startswith(b"ZF") or compression == "lz4":
        return ModelFileInfo("joblib", framework_of("joblib", name), compression=compression)
    try:
        inner = peek_decompressed(compression, head)
    except ValueError as exc:
        return ModelFileInfo("joblib", "sklearn", malformed=str(exc), compression=compression)
    if sniff_format(inner, "inner.pkl") not in PICKLE_FORMATS:
        return ModelFileInfo("joblib", "sklearn", malformed="compressed data is not a pickle", compression=compression)
    return ModelFileInfo("joblib", framework_of("joblib", name, inner), compression=compression)


def _framework_of_members(members: list[str]) -> str:
    for member in members:
        framework = framework_of("pickle", member) if extension_of(member) in (".pt", ".pth") else None
        if framework:
            return framework
    return "unknown"


def sha256_of(handle: BinaryIO) -> str:
    """The file's sha256, streamed in chunks (never the whole file in memory)."""
    handle.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(_HASH_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def model_file_key(root: str, relpath: str) -> str:
    return f"model-file:{local_identity(root, relpath)}"


def inventory_properties(info: ModelFileInfo, size: int, sha256: str | None) -> dict[str, JSONValue]:
    """What the inventory says of a model file: format, framework, size, sha256 (when hashed) and header facts."""
    properties: dict[str, JSONValue] = {"format": info.format, "framework": info.framework, "size": size}
    properties.update(info.facts)
    if info.format == "git-lfs-pointer":
        properties["size"] = info.facts.get("lfs_size", size)
    elif sha256 is not None:
        properties["sha256"] = sha256
    if info.compression:
        properties["compression"] = info.compression
    if info.malformed:
        properties["malformed"] = info.malformed
    return properties


def sibling_model_file_asset(ref: tuple[str, str], info: ModelFileInfo, size: int, sha256: str | None) -> Asset:
    """The ``model-file`` asset of a weight file seen from its model directory (``ref`` is (root, relpath)); the
    files themselves are inventoried by the models family's scan (:mod:`aispm.checks.modelfiles.analyser`)."""
    root, relpath = ref
    location = Location(path=relpath, root=root)
    properties = inventory_properties(info, size, sha256)
    return Asset(AssetKind.MODEL_FILE, relpath, model_file_key(root, relpath), None, (location,), properties)


# --- Hugging Face model directories ----------------------------------------------------------------------------

MODEL_CARD_KEYS = ("pipeline_tag", "library_name", "base_model", "model-index", "model_name")
"""Front-matter keys that make a README a model card (and not a dataset card)."""
_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}(?:/[A-Za-z0-9][\w.-]{0,95})?")
_CONFIG_HINTS = (b'"model_type"', b'"architectures"')


def is_repo_id(value: str) -> bool:
    return _REPO_ID.fullmatch(value) is not None and "--" not in value and ".." not in value


def hub_cache_id(parts: tuple[str, ...], prefix: str) -> tuple[str, str, int] | None:
    """(repo id, revision, index of the snapshot dir) from a Hugging Face cache path
    (``<prefix>--org--name/snapshots/<revision>/...``)."""
    for index, part in enumerate(parts[:-2]):
        if part.startswith(f"{prefix}--") and parts[index + 1] == "snapshots":
            repo = part[len(prefix) + 2 :].replace("--", "/")
            if is_repo_id(repo):
                return repo, parts[index + 2], index + 2
    return None


def hub_cache_records(model_file: Asset, path: Path) -> Iterator[Record]:
    """A model file inside a Hugging Face cache snapshot (``models--org--name/snapshots/<revision>/...``) names its
    repository even when nothing else was downloaded (``hf_hub_download`` of one file brings no config.json or
    model card): the repository's ``model`` asset, which contains the file.  ``path`` is the file's absolute path,
    so that a file scanned on its own names its repository too."""
    cached = hub_cache_id(path.parts, "models")
    if cached is None:
        return
    repo, revision, _ = cached
    properties: dict[str, JSONValue] = {"provider": "huggingface", "source": "huggingface-cache", "revision": revision}
    model = Asset(
        AssetKind.MODEL, repo, f"model:huggingface:{repo}".lower(), revision, model_file.locations, properties
    )
    yield model
    yield Relation(model.id, RelationKind.CONTAINS, model_file.id)


class _DirectoryEvidence(Struct):
    root: str
    dir_rel: str
    config: dict[str, Any] | None = None
    config_text: str = ""
    card: FrontMatter | None = None
    readme_rel: str = ""


def _sibling(directory: Path, root: str, *names: str) -> Path | None:
    for name in names:
        candidate = directory / name
        if readable_sibling(candidate, root):
            return candidate
    return None


def _model_config(text: str) -> dict[str, Any] | None:
    """The parsed config when it describes a model (``model_type`` or ``architectures``), else ``None``."""
    data = load_json(text)
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("model_type"), str) or isinstance(data.get("architectures"), list):
        return data
    return None


def _is_model_card(card: FrontMatter | None) -> bool:
    return card is not None and any(key in card.data for key in MODEL_CARD_KEYS)


def _join(dir_rel: str, name: str) -> str:
    return f"{dir_rel}/{name}" if dir_rel else name


def _weights(directory: Path, root: str) -> list[tuple[str, ModelFileInfo, int]]:
    """The weight files next to a config or card, each confirmed by its bytes (bounded listing and reads; links
    are followed only within the scan root, as in a Hugging Face cache whose snapshots link to its blobs)."""
    found: list[tuple[str, ModelFileInfo, int]] = []
    try:
        with os.scandir(directory) as entries:
            names = sorted(
                entry.name
                for _, entry in zip(range(_MAX_DIRECTORY_ENTRIES), entries, strict=False)
                if extension_of(entry.name) in MODEL_EXTENSIONS
                and entry.is_file()
                and (not entry.is_symlink() or inside_root(Path(entry.path), root))
            )
    except OSError:
        return found
    for name in names[:_MAX_SNIFFED_WEIGHTS]:
        path = directory / name
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                info = identify_model_file(handle, name, size)
        except OSError:
            continue
        if info is not None:
            found.append((name, info, size))
    return found


class HuggingFaceModelDirAnalyser(Analyser):
    """One ``model`` asset per Hugging Face model directory, from its ``config.json`` and model card."""

    name = "huggingface-model-dirs"
    family = "inventory"
    reads_content = True

    def wants(self, ref: FileRef) -> bool:
        return ref.name_lower in ("config.json", "readme.md")

    def analyse(self, file: FileContent) -> Iterable[Record]:
        if file.data is None:
            return
        ref = file.ref
        directory = ref.path.parent
        dir_rel = ref.relpath.rpartition("/")[0]
        evidence = _DirectoryEvidence(ref.root, dir_rel)
        if ref.name_lower == "config.json":
            if not any(hint in file.data for hint in _CONFIG_HINTS):
                return
            try:
                evidence.config = _model_config(file.text)
            except StructuredError as exc:
                raise AnalysisError(f"model config: {exc}") from None
            if evidence.config is None:
                return
            evidence.config_text = file.text
            readme = _sibling(directory, ref.root, "README.md", "readme.md")
            if readme is not None:
                from aispm.files.frontmatter import read_front_matter_text  # model cards: Hugging Face directories only

                evidence.card = _card_or_none(read_front_matter_text(readme))
                evidence.readme_rel = _join(dir_rel, readme.name)
        else:
            if not file.text.startswith(("---", "\ufeff---")):
                return
            evidence.card = _card_or_none(file.text)
            evidence.readme_rel = ref.relpath
            config_path = _sibling(directory, ref.root, "config.json")
            if config_path is not None:
                evidence.config_text = _read_small(config_path)
                try:
                    evidence.config = _model_config(evidence.config_text)
                except StructuredError:
                    evidence.config = None
            if evidence.config is None and not _is_model_card(evidence.card):
                return
        weights = _weights(directory, ref.root)
        if weights:
            yield from _directory_records(evidence, weights)


def _card_or_none(text: str) -> FrontMatter | None:
    from aispm.files.frontmatter import parse_front_matter

    try:
        return parse_front_matter(text)
    except StructuredError:
        return None


def _read_small(path: Path, limit: int = 4 * 1024 * 1024) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _model_identity(evidence: _DirectoryEvidence) -> tuple[str, str | None, str]:
    """(identity for the key, revision, display name): hub cache repo id, else model-index name, else the path."""
    parts = tuple(evidence.dir_rel.split("/")) if evidence.dir_rel else ()
    # The absolute path, as for a lone file of a snapshot (hub_cache_records): scanning the snapshot itself or the
    # whole cache names the same repository.
    absolute = Path(evidence.root).resolve().joinpath(*parts).parts
    cached = hub_cache_id((*absolute, "config.json"), "models")
    if cached is not None and cached[2] == len(absolute) - 1:
        return cached[0], cached[1], cached[0]
    card = evidence.card
    index = card.data.get("model-index") if card is not None else None
    if isinstance(index, list) and index and isinstance(index[0], dict):
        name = index[0].get("name")
        if isinstance(name, str) and is_repo_id(name):
            return name, None, name
    path_identity = local_identity(evidence.root, evidence.dir_rel)
    display = parts[-1] if parts else Path(evidence.root).resolve().name or evidence.root
    return path_identity, None, display


def _model_properties(evidence: _DirectoryEvidence, files: list[str]) -> dict[str, JSONValue]:
    properties: dict[str, JSONValue] = {"provider": "huggingface", "source": "huggingface-directory", "files": files}
    config, card = evidence.config or {}, evidence.card
    architectures = [str(a)[:100] for a in config.get("architectures") or [] if isinstance(a, str)]
    if architectures:
        properties["architecture"] = architectures[0]
        if len(architectures) > 1:
            properties["architectures"] = architectures
    if isinstance(config.get("model_type"), str):
        properties["model_type"] = config["model_type"][:100]
    if isinstance(config.get("torch_dtype"), str):
        properties["torch_dtype"] = config["torch_dtype"][:32]
    task_params = config.get("task_specific_params")
    tasks = sorted(str(t)[:100] for t in task_params) if isinstance(task_params, dict) else []
    task = card.text("pipeline_tag") if card is not None else None
    if task or tasks:
        properties["task"] = task or tasks[0]
    library = card.text("library_name") if card is not None else None
    if library is None and "transformers_version" in config:
        library = "transformers"
    if library:
        properties["library"] = library
    if card is not None:
        for key, prop in (("license", "licence"), ("base_model", "base_model")):
            values = card.texts(key)
            if values:
                properties[prop] = values[0] if len(values) == 1 else values
        datasets = [d for d in card.texts("datasets") if is_repo_id(d)]
        if datasets:
            properties["datasets"] = datasets
    return properties


def _directory_records(evidence: _DirectoryEvidence, weights: list[tuple[str, ModelFileInfo, int]]) -> Iterator[Record]:
    identity, revision, display = _model_identity(evidence)
    locations = []
    if evidence.config is not None:
        config_rel = _join(evidence.dir_rel, "config.json")
        line = find_line(evidence.config_text, '"architectures"') or find_line(evidence.config_text, '"model_type"')
        locations.append(Location(path=config_rel, start_line=line, end_line=line, root=evidence.root))
    card = evidence.card
    if card is not None and evidence.readme_rel:
        key = next((k for k in MODEL_CARD_KEYS if k in card.data), None)
        line = card.line_of(key) if key else 1
        locations.append(Location(path=evidence.readme_rel, start_line=line, end_line=line, root=evidence.root))
    properties = _model_properties(evidence, [name for name, _, _ in weights])
    if revision:
        properties["revision"] = revision
    model = Asset(
        AssetKind.MODEL,
        display,
        f"model:huggingface:{identity}".lower(),
        revision,
        tuple(sorted(locations)),
        properties,
    )
    yield model
    for name, info, size in weights:
        weight = sibling_model_file_asset((evidence.root, _join(evidence.dir_rel, name)), info, size, None)
        yield weight
        yield Relation(model.id, RelationKind.CONTAINS, weight.id)
    datasets = properties.get("datasets")
    if isinstance(datasets, list) and card is not None:
        line = card.line_of("datasets")
        where = Location(path=evidence.readme_rel, start_line=line, end_line=line, root=evidence.root)
        for dataset in datasets:
            key = f"dataset:huggingface:{dataset}".lower()
            props: dict[str, JSONValue] = {"hub": "huggingface", "source": "model card"}
            yield Asset(AssetKind.DATASET, str(dataset), key, None, (where,), props)
            yield Relation(model.id, RelationKind.TRAINS_ON, asset_id(AssetKind.DATASET, key))
