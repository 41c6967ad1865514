"""The whole ScanResult as JSON.

The schema is documented in docs/json-schema.md, published as a JSON Schema in ``schemas/``, and versioned by
``schema_version``: within a version, fields are only ever added.

The stdlib encoder never uses its C accelerator when indenting, which makes a large report cost more than the
scan of small files that produced it; ``orjson`` (when installed) writes the same keys in the same order with the
same 2-space indent many times faster.  Values it refuses (integers beyond 64 bits, strings holding lone
surrogates) send the whole report through the stdlib instead, so the output never depends on the data's oddities.
Both encoders write the same content: NaN and the infinities (which JSON cannot hold) become ``null``, as orjson
writes them, and lone surrogates (file names that are not UTF-8) become ``\\uXXXX`` escapes, so the report is
always valid JSON in valid UTF-8.  Only the spelling of a few floats differs (``1e-7`` against ``1e-07``), never
their value.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from aispm.model import ScanResult

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a declared dependency; the stdlib keeps working without it
    orjson = None  # type: ignore[assignment]

_SURROGATE = re.compile("[\ud800-\udfff]")


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
    try:
        text = json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN or an infinity somewhere: null, as orjson writes it (the rare case pays for a copy)
        text = json.dumps(finite(data), indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False)
    return escape_surrogates(text) + "\n"


def finite(data: Any) -> Any:
    """``data`` with every NaN and infinity replaced by ``None``."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [finite(value) for value in data]
    return data


def escape_surrogates(text: str) -> str:
    """Lone surrogates (from file names decoded with ``surrogateescape``) as ``\\uXXXX``: in JSON text they can only
    stand inside strings, where the escape means the same character and keeps the text encodable as UTF-8."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
