"""Framework catalogues (as data) and the lookup of the controls that rules map to."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from msgspec import Struct


class Control(Struct, frozen=True):
    framework: str
    id: str
    name: str


_FILES = (
    "eu-ai-act-2024.json",
    "mitre-atlas.json",
    "nist-ai-rmf-1.0.json",
    "owasp-llm-2025.json",
    "owasp-ml-2023.json",
)


@cache
def controls() -> dict[str, Control]:
    """Every known control id (``LLM03:2025``, ``AML.T0010.003``, ``MEASURE 2.7``,
    ``EU AI Act Art. 10`` ...) with its framework and name."""
    out: dict[str, Control] = {}
    data_dir = Path(__file__).parent / "data"  # package data, read as plain files
    for name in _FILES:
        doc = json.loads((data_dir / name).read_text("utf-8"))
        framework = str(doc["framework"])
        for key in ("items", "tactics", "techniques"):
            for item in doc.get(key, []):
                out[item["id"]] = Control(framework, item["id"], item["name"])
    return out


def describe(control_id: str) -> str:
    """'LLM03:2025 Supply Chain' for a known id, the id itself otherwise."""
    control = controls().get(control_id)
    return f"{control.id} {control.name}" if control else control_id
