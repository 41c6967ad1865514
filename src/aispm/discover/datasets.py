"""Datasets: Hugging Face dataset cards and data files kept in data directories.

A dataset card is a README whose YAML front matter has dataset keys (``dataset_info``, ``task_categories`` ...);
a model card or a documentation page with front matter is not one.  Data files (CSV, JSON Lines, Parquet, Arrow
...) count only where a project keeps data: under a directory named like ``data``, ``datasets``, ``train`` or
``corpus``, next to a dataset card, or in the Hugging Face datasets cache; never in tests, fixtures, docs or web
assets.  Each dataset directory is one ``dataset`` asset with its formats, file count and size; a card in the
same directory merges into it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from msgspec import Struct, field

from aispm.analyser import Analyser, AnalysisError, Record, file_location
from aispm.discover.model_files import MODEL_CARD_KEYS, hub_cache_id
from aispm.files.content import FileContent
from aispm.files.frontmatter import (
    FrontMatter,
    front_matter_text,
    parse_front_matter,
    read_front_matter_text,
)
from aispm.files.structured import StructuredError
from aispm.files.walk import SKIPPED_DIRS, FileRef, inside_root, local_identity, readable_sibling
from aispm.model import Asset, AssetKind, JSONValue, Location

_DATA_FILE = re.compile(
    r"\.(csv|tsv|jsonl|ndjson|json|parquet|arrow|feather|avro|orc|tfrecords?)"
    r"(?:-\d{5}-of-\d{5})?(?:\.(?:gz|bz2|xz|zst))?$"
)
_FORMAT_ALIASES = {"ndjson": "jsonl", "tfrecords": "tfrecord"}

DATA_DIR_NAMES = frozenset(
    {
        "data",
        "dataset",
        "datasets",
        "training_data",
        "training-data",
        "train_data",
        "train",
        "training",
        "eval",
        "evals",
        "evaluation",
        "eval_data",
        "validation",
        "finetune",
        "fine-tune",
        "fine_tune",
        "finetuning",
        "fine-tuning",
        "fine_tuning",
        "corpus",
        "corpora",
        "raw_data",
        "processed_data",
        "labeled_data",
        "labelled_data",
    }
)
"""Directory names under which projects keep datasets."""

_CONTAINER_DIRS = frozenset({"datasets", "corpora"})
"""Data directories that hold one sub-directory per dataset (``datasets/imdb``)."""

EXCLUDED_DIRS = frozenset(
    {
        "test",
        "tests",
        "__tests__",
        "testing",
        "testdata",
        "test_data",
        "test-data",
        "fixtures",
        "__fixtures__",
        "mocks",
        "__mocks__",
        "spec",
        "specs",
        "docs",
        "static",
        "public",
        "assets",
        "dist",
        "build",
    }
)
"""Directories whose files are fixtures, documentation or web assets, not datasets (above a data directory)."""

_CONFIG_JSON_NAMES = frozenset(
    {
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "jsconfig.json",
        "composer.json",
        "composer.lock.json",
        "manifest.json",
        "angular.json",
        "tslint.json",
        "renovate.json",
        "vercel.json",
        "firebase.json",
        "app.json",
        "config.json",
        "settings.json",
        "launch.json",
        "tasks.json",
        "schema.json",
        "project.json",
        "nx.json",
        "lerna.json",
        "turbo.json",
        "deno.json",
        "bower.json",
        "dataset_info.json",
        "dataset_dict.json",
        "state.json",
    }
)
_CONFIG_JSON = re.compile(r"(?:^\.|^tsconfig\..*|\.(?:config|schema)\.json$|rc\.json$|-lock\.json$)")

_DATASET_CARD_KEYS = (
    "dataset_info",
    "task_categories",
    "task_ids",
    "size_categories",
    "source_datasets",
    "annotations_creators",
    "language_creators",
    "multilinguality",
    "paperswithcode_id",
)
_CARD_KEY_LINE = re.compile(r"^(?:dataset_info|task_categories|size_categories|configs)\s*:", re.M)
_CARD_LIST_FIELDS = (
    ("license", "licence"),
    ("task_categories", "task_categories"),
    ("task_ids", "task_ids"),
    ("language", "language"),
    ("size_categories", "size_categories"),
    ("source_datasets", "source_datasets"),
    ("multilinguality", "multilinguality"),
)

MAX_SUMMARY_ENTRIES = 20_000
MAX_SUMMARY_DEPTH = 8
MAX_LISTED_FILES = 50


def data_format(name: str) -> str | None:
    """The data format a file name says (``train-00000-of-00004.parquet`` -> parquet), else ``None``."""
    match = _DATA_FILE.search(name.lower())
    if match is None:
        return None
    fmt = _FORMAT_ALIASES.get(match.group(1), match.group(1))
    if fmt == "json" and _is_config_json(name.lower()):
        return None
    return fmt


def _is_config_json(name: str) -> bool:
    return name in _CONFIG_JSON_NAMES or _CONFIG_JSON.search(name) is not None


def is_dataset_card(card: FrontMatter) -> bool:
    """Front matter with dataset keys, and none of a model card's."""
    data = card.data
    if any(key in data for key in MODEL_CARD_KEYS):
        return False
    if any(key in data for key in _DATASET_CARD_KEYS):
        return True
    configs = data.get("configs")
    return isinstance(configs, list) and any(isinstance(c, dict) and "data_files" in c for c in configs)


def _data_dir_index(dirs: tuple[str, ...]) -> int | None:
    for index, name in enumerate(dirs):
        if name.lower() in DATA_DIR_NAMES:
            return index
    return None


def _excluded(dirs: Iterable[str]) -> bool:
    return any(name.lower() in EXCLUDED_DIRS for name in dirs)


class _Summary(Struct):
    formats: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    count: int = 0
    size: int = 0
    truncated: bool = False

    def properties(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "source": "data files",
            "formats": sorted(self.formats),
            "files": sorted(self.files),
            "file_count": self.count,
            "size": self.size,
        }
        if self.truncated:
            out["truncated"] = True
        return out


def summarise_data_directory(directory: Path, root: str | Path) -> _Summary:
    """Formats, count and total size of the data files under ``directory`` (bounded walk; directory links are
    not followed, file links only within the scan ``root``)."""
    summary = _Summary()
    stack: list[tuple[Path, str, int]] = [(directory, "", 0)]
    seen = 0
    while stack:
        path, rel, depth = stack.pop()
        try:
            with os.scandir(path) as iterator:
                entries = []
                for entry in iterator:
                    seen += 1
                    if seen > MAX_SUMMARY_ENTRIES:
                        summary.truncated = True
                        break
                    entries.append(entry)
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name, reverse=True):
            entry_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS and not entry.name.startswith(".") and depth < MAX_SUMMARY_DEPTH:
                        stack.append((Path(entry.path), entry_rel, depth + 1))
                    continue
                fmt = data_format(entry.name)
                if fmt is None or not entry.is_file():
                    continue
                if entry.is_symlink() and not inside_root(Path(entry.path), root):
                    continue
                summary.size += entry.stat().st_size
            except OSError:
                continue
            summary.count += 1
            summary.formats.add(fmt)
            summary.files.append(entry_rel)
        if summary.truncated:
            break
    summary.files = sorted(summary.files)[:MAX_LISTED_FILES]
    return summary


def _card_properties(card: FrontMatter) -> dict[str, JSONValue]:
    properties: dict[str, JSONValue] = {"source": "dataset card"}
    pretty_name = card.text("pretty_name")
    if pretty_name:
        properties["pretty_name"] = pretty_name
    for key, prop in _CARD_LIST_FIELDS:
        values = card.texts(key)
        if values:
            properties[prop] = values
    configs = card.data.get("configs")
    if isinstance(configs, list):
        names = [str(c.get("config_name"))[:100] for c in configs[:50] if isinstance(c, dict) and c.get("config_name")]
        if names:
            properties["configs"] = names
    properties.update(_dataset_info_totals(card.data.get("dataset_info")))
    return properties


def _dataset_info_totals(info: Any) -> dict[str, JSONValue]:
    """Split names, example count and size from ``dataset_info`` (one mapping, or one per config)."""
    splits: set[str] = set()
    examples = size = 0
    for entry in (info if isinstance(info, list) else [info])[:50]:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("dataset_size"), int):
            size += entry["dataset_size"]
        for split in entry.get("splits") or []:
            if isinstance(split, dict):
                if isinstance(split.get("name"), str):
                    splits.add(split["name"][:50])
                if isinstance(split.get("num_examples"), int):
                    examples += split["num_examples"]
    out: dict[str, JSONValue] = {}
    if splits:
        out["splits"] = sorted(splits)
    if examples:
        out["num_examples"] = examples
    if size:
        out["dataset_size"] = size
    return out


class DatasetPlace(NamedTuple):
    """Where a data file belongs: the dataset asset's key, display name, hub and location, and its directory."""

    key: str
    name: str
    hub: str
    location: Location
    dirs: tuple[str, ...]


class DatasetAnalyser(Analyser):
    """Dataset cards and data directories; streams nothing but the cards' front matter."""

    name = "datasets"
    family = "data"
    reads_content = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cards: dict[str, bool] = {}
        self._summaries: dict[str, _Summary] = {}

    def wants(self, ref: FileRef) -> bool:
        if ref.name_lower == "readme.md":
            return True
        fmt = data_format(ref.name)
        if fmt != "json":
            return fmt is not None
        return _data_dir_index(ref.parts[:-1]) is not None or "/datasets--" in f"/{ref.relpath}"

    def analyse(self, file: FileContent) -> Iterable[Record]:
        if file.ref.name_lower == "readme.md":
            yield from self._card(file)
        else:
            yield from self._data_file(file)

    # --- cards ---

    def _card(self, file: FileContent) -> Iterable[Record]:
        ref = file.ref
        text = file.text if file.data is not None else read_front_matter_text(ref.path)
        if not text.startswith(("---", "\ufeff---")):
            return
        try:
            card = parse_front_matter(text)
        except StructuredError as exc:
            raw = front_matter_text(text) or ""
            if _CARD_KEY_LINE.search(raw):
                raise AnalysisError(f"dataset card front matter: {exc}") from None
            return
        if card is None or not is_dataset_card(card):
            return
        dirs = ref.parts[:-1]
        if _excluded(dirs):
            return
        hub, identity, name = self._identity(ref.root, dirs, ref.parts)
        properties = _card_properties(card)
        properties["hub"] = hub
        display = properties.get("pretty_name") or name
        line = min(card.line_of(key) for key in (*_DATASET_CARD_KEYS, "configs") if key in card.data)
        key = f"dataset:{hub}:{identity}".lower()
        yield Asset(AssetKind.DATASET, str(display), key, None, (file_location(file, line),), properties)

    def _has_card(self, directory: Path, root: str) -> bool:
        cache_key = str(directory)
        known = self._cards.get(cache_key)
        if known is None:
            known = False
            for name in ("README.md", "readme.md"):
                path = directory / name
                if readable_sibling(path, root):
                    try:
                        card = parse_front_matter(read_front_matter_text(path))
                    except StructuredError:
                        card = None
                    known = card is not None and is_dataset_card(card)
                    break
            self._cards[cache_key] = known
        return known

    # --- data files ---

    @staticmethod
    def _identity(root: str, dirs: tuple[str, ...], parts: tuple[str, ...]) -> tuple[str, str, str]:
        """(hub, identity, display name) of the dataset whose directory is ``dirs``."""
        cached = hub_cache_id(parts, "datasets")
        if cached is not None:
            return "huggingface", cached[0], cached[0]
        rel = "/".join(dirs)
        identity = local_identity(root, rel)
        return "local", identity, dirs[-1] if dirs else Path(root).resolve().name or root

    def _dataset_dirs(self, ref: FileRef) -> tuple[str, ...] | None:
        """The directory (as path parts) of the dataset that holds ``ref``, or ``None`` when it is not data."""
        parts = ref.parts
        dirs = parts[:-1]
        cached = hub_cache_id(parts, "datasets")
        if cached is not None:
            return parts[: cached[2] + 1]
        index = _data_dir_index(dirs)
        if index is None:
            if _excluded(dirs) or not self._has_card(ref.path.parent, ref.root):
                return None
            return dirs
        if _excluded(dirs[:index]):
            return None
        # The nearest dataset card from the file's directory up to the data directory's parent names the dataset
        # (``data/intents/README.md`` for ``data/intents/train.csv``): the card and the files are one asset.
        for end in range(len(dirs), index - 1, -1):
            if self._has_card(self._absolute(ref, dirs[:end]), ref.root):
                return dirs[:end]
        if dirs[index].lower() in _CONTAINER_DIRS and index + 1 < len(dirs):
            index += 1
        return dirs[: index + 1]

    @staticmethod
    def _absolute(ref: FileRef, dirs: tuple[str, ...]) -> Path:
        return ref.path.parents[len(ref.parts) - 1 - len(dirs)]

    def dataset_of(self, ref: FileRef) -> DatasetPlace | None:
        """The dataset that holds data file ``ref`` (its asset's key, name, hub and location), else ``None``.

        Other analysers of data files (the PII scan) file what they find under the same asset through this.
        """
        dirs = self._dataset_dirs(ref)
        if dirs is None:
            return None
        hub, identity, name = self._identity(ref.root, dirs, ref.parts)
        location = Location(path="/".join(dirs) or ".", root=ref.root)
        return DatasetPlace(f"dataset:{hub}:{identity}".lower(), name, hub, location, dirs)

    def _data_file(self, file: FileContent) -> Iterable[Record]:
        ref = file.ref
        place = self.dataset_of(ref)
        if place is None:
            return
        directory = self._absolute(ref, place.dirs)
        summary = self._summaries.get(str(directory))
        if summary is None:
            summary = self._summaries[str(directory)] = summarise_data_directory(directory, ref.root)
        if summary.count == 0:
            return
        properties = summary.properties()
        properties["hub"] = place.hub
        yield Asset(AssetKind.DATASET, place.name, place.key, None, (place.location,), properties)
