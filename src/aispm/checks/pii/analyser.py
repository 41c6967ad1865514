"""The ``pii`` analyser: personal data in dataset files, one finding per file and entity type, never a raw value.

Which files: the data files that dataset discovery counts (in data directories, next to a dataset card, in the
Hugging Face datasets cache), plain text and Markdown only there, and, anywhere outside tests, fixtures and docs,
Hugging Face ``save_to_disk`` directories and chat fine-tuning files (``.jsonl`` whose first record has
``messages``, ``prompt``/``completion`` ...).  Each file is streamed by
:func:`aispm.checks.pii.scanner.scan_dataset` (bounded memory, so a 20 GB file is fine), honouring ``--sample``.
Findings are filed under the dataset asset discovery makes for the file's directory (a chat file in no dataset
gets a dataset asset of its own) and the asset records which files were scanned; the data family's estate step
(:mod:`.estate`) then sums them into the dataset's classification.  A file that could not be read to the end
keeps what was found and adds an ``AISPM-PII-INCOMPLETE`` finding saying how far the scan got.  What the readers
warned about (ragged rows, lines that are not JSON, a Latin-1 fallback: never the data itself) goes on the findings
and, as ``pii_warnings``, on the dataset asset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aispm.analyser import Analyser, Record
from aispm.checks.pii.classification import INCOMPLETE_RULE, entity_class
from aispm.checks.pii.estate import INCOMPLETE_FILES, SAMPLE_ROWS, SAMPLED_FILES, SCANNED_FILES, WARNINGS
from aispm.checks.pii.formats import dataset_format, open_dataset
from aispm.checks.pii.records import DatasetReadError, ReadLimits
from aispm.checks.pii.scanner import DatasetProfile, SampleLocation, scan_dataset
from aispm.discover.datasets import DATA_DIR_NAMES, EXCLUDED_DIRS, DatasetAnalyser, DatasetPlace
from aispm.discover.model_files import hub_cache_id
from aispm.files.content import FileContent
from aispm.files.walk import FileRef, local_identity, readable_sibling
from aispm.model import Asset, AssetKind, Finding, JSONValue, Location, asset_id
from aispm.rules import get_rule

CHAT_HEAD_BYTES = 64 * 1024
SAVED_DATASET_STATE = "state.json"
"""Written by ``datasets.Dataset.save_to_disk`` beside the Arrow shards of each split."""
SAVED_DATASET_DICT = "dataset_dict.json"
"""Written by ``datasets.DatasetDict.save_to_disk`` above its split directories."""
_CHAT_RECORD = re.compile(
    rb'^\s*\{.*?"(?:messages|conversations|prompt|completion|chosen|rejected|instruction)"\s*:', re.S
)
"""The first record of a chat or instruction fine-tuning file (OpenAI ``messages``, ShareGPT ``conversations``,
prompt/completion pairs, preference pairs, Alpaca ``instruction``)."""
LOCATIONS_IN_MESSAGE = 3
EXAMPLES_IN_EVIDENCE = 3
MAX_WARNINGS = 5


def _in_data_directory(ref: FileRef) -> bool:
    dirs = ref.parts[:-1]
    return any(d.lower() in DATA_DIR_NAMES for d in dirs) or hub_cache_id(ref.parts, "datasets") is not None


def _excluded(dirs: tuple[str, ...]) -> bool:
    return any(d.lower() in EXCLUDED_DIRS for d in dirs)


class PiiAnalyser(Analyser):
    """Validated personal data in dataset files, summed per dataset by the estate step."""

    name = "pii"
    family = "data"
    reads_content = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._datasets = DatasetAnalyser(self.options)  # discovery's notion of which dataset holds a file

    def wants(self, ref: FileRef) -> bool:
        fmt = dataset_format(ref.name)
        if fmt is None:
            return False
        if fmt in ("text", "json"):
            return _in_data_directory(ref)
        return True  # discovery's dataset directories and cards, or the file's own kind, decide in analyse

    def streams_whole(self, ref: FileRef) -> bool:
        return self.options.sample_rows is None  # every row of every dataset file is read

    def analyse(self, file: FileContent) -> Iterable[Record]:
        ref = file.ref
        fmt = dataset_format(ref.name)
        if fmt is None:
            return
        place = self._datasets.dataset_of(ref) or _place_outside_datasets(ref, fmt)
        if place is None:
            return
        limits = ReadLimits(sample_rows=self.options.sample_rows)
        profile = scan_dataset(ref.path, fmt, limits, content=file.data)  # bytes another analyser read, if any
        dataset = asset_id(AssetKind.DATASET, place.key)
        yield _dataset_asset(ref, fmt, place, profile, self.options.sample_rows)
        yield from profile_findings(profile, ref, dataset)


def _is_chat_file(ref: FileRef) -> bool:
    """Whether the first record of a ``.jsonl`` (possibly compressed) is a chat or instruction example."""
    try:
        _, stream = open_dataset(ref.path, ReadLimits(max_bytes=CHAT_HEAD_BYTES))
        with stream:
            head = stream.read(CHAT_HEAD_BYTES)
    except (DatasetReadError, OSError):
        return False
    first = head.lstrip().split(b"\n", 1)[0]
    return _CHAT_RECORD.match(first) is not None


def _place_outside_datasets(ref: FileRef, fmt: str) -> DatasetPlace | None:
    """The dataset of a data file that discovery puts in none: a Hugging Face ``save_to_disk`` directory (Arrow
    shards beside ``state.json``) is one, a chat file (``finetune.jsonl``) is one of its own; anything else is not
    data (``None``).  Nothing under tests, fixtures or docs counts (a split named ``test`` is not such a directory)."""
    dirs = ref.parts[:-1]
    if fmt == "arrow" and readable_sibling(ref.path.with_name(SAVED_DATASET_STATE), ref.root):
        if len(dirs) > 1 and readable_sibling(ref.path.parent.with_name(SAVED_DATASET_DICT), ref.root):
            dirs = dirs[:-1]  # one split of a saved DatasetDict: the dataset is the directory of all splits
        if _excluded(dirs):
            return None
        rel = "/".join(dirs)
        key = f"dataset:local:{local_identity(ref.root, rel)}"
        name = dirs[-1] if dirs else ref.root
        return DatasetPlace(key.lower(), name, "local", Location(path=rel or ".", root=ref.root), dirs)
    if fmt == "jsonl" and not _excluded(dirs) and _is_chat_file(ref):
        key = f"dataset:local:{local_identity(ref.root, ref.relpath)}".lower()
        return DatasetPlace(key, ref.relpath, "local", Location(path=ref.relpath, root=ref.root), dirs)
    return None


def _incomplete(profile: DatasetProfile) -> bool:
    """Whether the file broke off or hit a limit (a sample the user asked for is not incomplete)."""
    return profile.error is not None or (profile.stopped is not None and not profile.sampled)


def _stop_reason(profile: DatasetProfile) -> str:
    return profile.error or profile.stopped or "stopped"


def _dataset_asset(
    ref: FileRef, fmt: str, place: DatasetPlace, profile: DatasetProfile, sample_rows: int | None
) -> Asset:
    """The dataset asset (merged by the engine with discovery's) marked with this file's scan."""
    properties: dict[str, JSONValue] = {"hub": place.hub, "formats": [fmt], SCANNED_FILES: [ref.relpath]}
    if profile.sampled:
        properties[SAMPLED_FILES] = [ref.relpath]
        properties[SAMPLE_ROWS] = sample_rows
    if _incomplete(profile):
        properties[INCOMPLETE_FILES] = [ref.relpath]
    if profile.warnings:
        properties[WARNINGS] = [f"{ref.relpath}: {warning}" for warning in profile.warnings[:MAX_WARNINGS]]
    return Asset(AssetKind.DATASET, place.name, place.key, None, (place.location,), properties)


def _place_text(sample: SampleLocation) -> str:
    if sample.line is not None:
        return f"line {sample.line}" + (f" ({sample.field})" if sample.field else "")
    if sample.row is not None:
        return f"row {sample.row}" + (f" column {sample.field}" if sample.field else "")
    return f"field {sample.field}" if sample.field else "somewhere in the file"


def _scope(profile: DatasetProfile) -> str:
    """What part of the file the counts cover, for messages."""
    if profile.sampled:
        return f"; sampled first {profile.rows} rows"
    if _incomplete(profile):
        return f"; scan stopped after {profile.rows} rows"
    return ""


def profile_findings(profile: DatasetProfile, ref: FileRef, dataset: str) -> Iterable[Finding]:
    """One finding per entity type found, and one for a file that could not be read to the end."""
    scope = _scope(profile)
    incomplete = _incomplete(profile)
    for entity_type in profile.entity_types:
        stats = profile.entities[entity_type]
        kind = entity_class(entity_type.value)
        first_line = next((s.line for s in stats.samples if s.line is not None), None)
        shown = stats.samples[:LOCATIONS_IN_MESSAGE]
        where = ", ".join(_place_text(s) for s in shown)
        more = f" and {stats.count - len(shown)} more" if stats.count > len(shown) else ""
        properties: dict[str, JSONValue] = {
            "entity_type": entity_type.value,
            "count": stats.count,
            "sample_locations": [s.to_json() for s in stats.samples],
            "examples": list(stats.examples),
            "rows_scanned": profile.rows,
        }
        if stats.fields:
            properties["columns"] = dict(stats.fields)
        if profile.sampled:
            properties["sampled"] = f"first {profile.rows} rows"
        if incomplete:
            properties["stopped"] = _stop_reason(profile)
        if profile.warnings:
            properties["warnings"] = profile.warnings[:MAX_WARNINGS]
        yield get_rule(kind.rule_id).finding(
            message=f"{kind.counted(stats.count)}: {where}{more}{scope}",
            location=Location(path=ref.relpath, start_line=first_line, root=ref.root),
            asset_id=dataset,
            evidence=", ".join(stats.examples[:EXAMPLES_IN_EVIDENCE]),
            identity=entity_type.value,
            properties=properties,
        )
    if incomplete:
        reason = _stop_reason(profile)
        properties = {"rows_scanned": profile.rows, "bytes_scanned": profile.bytes, "reason": reason}
        if profile.warnings:
            properties["warnings"] = profile.warnings[:MAX_WARNINGS]
        yield get_rule(INCOMPLETE_RULE).finding(
            message=f"scan stopped after {profile.rows} rows ({profile.bytes} bytes): {reason}",
            location=Location(path=ref.relpath, root=ref.root),
            asset_id=dataset,
            identity="incomplete",
            properties=properties,
        )
