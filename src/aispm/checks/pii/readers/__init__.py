"""Dataset readers by format: each turns a (decompressed) binary stream into batches of cells.

A reader is ``read(stream, limits, progress) -> Iterator[Batch]`` (see :mod:`aispm.checks.pii.records`).  Modules
are imported only when a file of their format is scanned, so pyarrow costs nothing to a scan without Parquet.
"""

from __future__ import annotations

import importlib
from typing import cast

from aispm.checks.pii.records import Reader

READERS: dict[str, str] = {
    "csv": "aispm.checks.pii.readers.tabular:read_csv",
    "tsv": "aispm.checks.pii.readers.tabular:read_tsv",
    "jsonl": "aispm.checks.pii.readers.jsonl:read_jsonl",
    "json": "aispm.checks.pii.readers.jsonl:read_json",
    "text": "aispm.checks.pii.readers.text:read_text",
    "parquet": "aispm.checks.pii.readers.columnar:read_parquet",
    "arrow": "aispm.checks.pii.readers.columnar:read_arrow",
    "feather": "aispm.checks.pii.readers.columnar:read_arrow",
}
"""Format name (as :func:`aispm.checks.pii.formats.dataset_format` says it) -> ``module:function``."""


def reader_for(fmt: str) -> Reader | None:
    """The reader of ``fmt``, or ``None`` when aispm cannot read that format."""
    entry = READERS.get(fmt)
    if entry is None:
        return None
    module_name, _, function_name = entry.partition(":")
    return cast(Reader, getattr(importlib.import_module(module_name), function_name))
