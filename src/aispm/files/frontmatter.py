"""YAML front matter of Markdown files (Hugging Face model and dataset cards), parsed safely with line numbers."""

from __future__ import annotations

import re
from pathlib import Path

from msgspec import Struct

from aispm.files.structured import LineDict, load_yaml

MAX_FRONT_MATTER_BYTES = 256 * 1024
"""Cards keep their metadata at the top; nothing past this is front matter."""

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$", re.S | re.M)


class FrontMatter(Struct, frozen=True):
    data: LineDict
    offset: int
    """Lines before the YAML text (the opening ``---``), to turn YAML lines into file lines."""

    def line_of(self, key: str) -> int:
        return self.data.line_of(key) + self.offset

    def text(self, key: str, limit: int = 200) -> str | None:
        """``key`` as a short string, if it is a scalar."""
        value = self.data.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)[:limit]
        return None

    def texts(self, key: str, limit: int = 50) -> list[str]:
        """``key`` as a list of short strings (a scalar becomes a one-item list)."""
        value = self.data.get(key)
        items = value if isinstance(value, list) else [value] if value is not None else []
        return [str(item)[:200] for item in items[:limit] if isinstance(item, str | int | float)]


def front_matter_text(text: str) -> str | None:
    """The raw YAML between the opening and closing ``---``, or ``None`` when there is none."""
    match = _FRONT_MATTER.match(text[:MAX_FRONT_MATTER_BYTES])
    return match.group(1) if match else None


def parse_front_matter(text: str) -> FrontMatter | None:
    """The front matter as a mapping, or ``None`` when there is none or it is not a mapping.

    Raises ``StructuredError`` for invalid YAML.
    """
    raw = front_matter_text(text)
    if raw is None:
        return None
    data = load_yaml(raw)
    return FrontMatter(data, 1) if isinstance(data, LineDict) and data else None


def read_front_matter_text(path: Path) -> str:
    """The first :data:`MAX_FRONT_MATTER_BYTES` of a card on disk, decoded leniently ('' when unreadable)."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_FRONT_MATTER_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
