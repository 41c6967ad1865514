"""An optional named-entity recogniser for person names in free text, used only when one is installed locally.

Patterns find names that a keyword introduces ("my name is ..."); a statistical model also finds the ones that stand
alone ("... and Priya Raman called back").  aispm never downloads a model and works fully without one: the loader
returns ``None`` unless a recogniser was registered through :func:`register_recogniser` or spaCy and its
``en_core_web_sm`` model are importable.  A recogniser only proposes spans; :mod:`.contextual` still applies its own
name checks and redaction to them.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any, Protocol

from aispm.checks.pii.entities import EntityType

SPACY_MODEL = "en_core_web_sm"
MAX_TEXT_CHARS = 100_000  # a model's cost grows with the text; longer cells are read in their first part only


class NamedEntityRecogniser(Protocol):
    """Finds entities in text: ``(start, end, type)`` spans, ``text[start:end]`` being the entity."""

    def find(self, text: str) -> list[tuple[int, int, EntityType]]: ...


RecogniserFactory = Callable[[], NamedEntityRecogniser | None]
"""Makes a recogniser, or returns ``None`` when what it needs is not installed."""

_FACTORIES: list[RecogniserFactory] = []


def register_recogniser(factory: RecogniserFactory) -> None:
    """The hook for plug-ins: ``factory`` is tried (in registration order) before the built-in spaCy loader."""
    if factory not in _FACTORIES:
        _FACTORIES.append(factory)


def unregister_recogniser(factory: RecogniserFactory) -> None:
    """Undo :func:`register_recogniser` (a no-op for a factory never registered)."""
    if factory in _FACTORIES:
        _FACTORIES.remove(factory)


def load_recogniser() -> NamedEntityRecogniser | None:
    """The first recogniser a registered factory or the locally installed spaCy model provides, else ``None``."""
    for factory in _FACTORIES:
        recogniser = factory()
        if recogniser is not None:
            return recogniser
    return spacy_recogniser()


class SpacyRecogniser:
    """spaCy's ``PERSON`` entities as person names (its places are towns and countries, not postal addresses)."""

    LABELS = {"PERSON": EntityType.PERSON_NAME}

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp

    def find(self, text: str) -> list[tuple[int, int, EntityType]]:
        document = self._nlp(text[:MAX_TEXT_CHARS])
        return [
            (entity.start_char, entity.end_char, self.LABELS[entity.label_])
            for entity in document.ents
            if entity.label_ in self.LABELS
        ]


def spacy_recogniser(model: str = SPACY_MODEL) -> SpacyRecogniser | None:
    """spaCy with ``model`` when both are installed; ``None`` otherwise or when loading fails (never downloads)."""
    if importlib.util.find_spec("spacy") is None or importlib.util.find_spec(model) is None:
        return None
    try:
        spacy = importlib.import_module("spacy")
        nlp = spacy.load(model, exclude=["parser", "lemmatizer", "textcat"])
    except Exception:  # a broken install is the same as none: patterns still work
        return None
    return SpacyRecogniser(nlp)


def recognised_spans(text: str, recogniser: NamedEntityRecogniser) -> list[tuple[int, int, EntityType]]:
    """The recogniser's person-name and address spans that lie inside ``text``; a failing plug-in yields none."""
    try:
        spans = recogniser.find(text)
    except Exception:  # a plug-in's bug must not end the scan of a dataset
        return []
    wanted = (EntityType.PERSON_NAME, EntityType.POSTAL_ADDRESS)
    return [
        (start, end, entity_type)
        for start, end, entity_type in spans
        if entity_type in wanted and 0 <= start < end <= len(text)
    ]
