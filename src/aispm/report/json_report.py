"""The whole ScanResult as JSON.

The schema is documented in docs/json-schema.md, published as a JSON Schema in ``schemas/``, and versioned by
``schema_version``: within a version, fields are only ever added.

The stdlib encoder never uses its C accelerator when indenting, which makes a large report cost more than the
scan of small files that produced it; ``orjson`` (when installed) writes the same keys in the same order with the
same 2-space indent many times faster.  Values it refuses (integers beyond 64 bits, strings holding lone
surrogates) send the whole report through the stdlib instead, so the output never depends on the data's oddities.
"""

from __future__ import annotations

import json
from typing import Any

from aispm.model import ScanResult

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a declared dependency; the stdlib keeps working without it
    orjson = None  # type: ignore[assignment]


def render(result: ScanResult) -> str:
    return dumps(result.to_json())


def dumps(data: Any) -> str:
    """``data`` as indented JSON text (2 spaces, keys in insertion order, non-ASCII kept), newline-terminated."""
    if orjson is not None:
        try:
            options = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
            return orjson.dumps(data, option=options).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: a value only the stdlib encoder accepts
            pass
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
