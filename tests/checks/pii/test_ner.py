"""The NER plug-in: a registered recogniser adds names no keyword introduces; without one everything still works."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from aispm.checks.pii.contextual import find_contextual
from aispm.checks.pii.entities import EntityType
from aispm.checks.pii.ner import (
    NamedEntityRecogniser,
    load_recogniser,
    register_recogniser,
    spacy_recogniser,
    unregister_recogniser,
)
from aispm.checks.pii.records import Cell


class CapitalisedPairs:
    """A toy recogniser: every two capitalised words in a row are a person (good enough to exercise the path)."""

    def find(self, text: str) -> list[tuple[int, int, EntityType]]:
        spans: list[tuple[int, int, EntityType]] = []
        words = text.split(" ")
        offset = 0
        starts = []
        for word in words:
            starts.append(offset)
            offset += len(word) + 1
        for index in range(len(words) - 1):
            first, second = words[index], words[index + 1].rstrip(".,")
            if first[:1].isupper() and second[:1].isupper() and first.isalpha() and second.isalpha():
                spans.append((starts[index], starts[index + 1] + len(second), EntityType.PERSON_NAME))
        return spans


class Broken:
    def find(self, text: str) -> list[tuple[int, int, EntityType]]:
        raise RuntimeError("model crashed")


class OutOfBounds:
    def find(self, text: str) -> list[tuple[int, int, EntityType]]:
        return [(0, len(text) + 10, EntityType.PERSON_NAME), (0, 4, EntityType.EMAIL)]


def _capitalised_pairs() -> NamedEntityRecogniser:
    return CapitalisedPairs()


@pytest.fixture
def registered() -> Iterator[NamedEntityRecogniser]:
    register_recogniser(_capitalised_pairs)
    try:
        recogniser = load_recogniser()
        assert recogniser is not None
        yield recogniser
    finally:
        unregister_recogniser(_capitalised_pairs)


def test_registered_recogniser_is_loaded_and_finds_standalone_names(registered: NamedEntityRecogniser) -> None:
    assert isinstance(registered, CapitalisedPairs)
    text = "thanks, and Priya Raman called back about the Standing Desk order"
    entities = find_contextual(Cell(text, "content"), registered)
    # The recogniser proposes both pairs; the product words are dropped by the name checks.
    assert [(entity.type, text[entity.start : entity.end]) for entity in entities] == [
        (EntityType.PERSON_NAME, "Priya Raman")
    ]
    assert "Priya" not in entities[0].redacted


def test_without_recogniser_standalone_names_are_not_found() -> None:
    assert find_contextual(Cell("thanks, and Priya Raman called back", "content")) == []


def test_recogniser_is_not_used_on_fields_that_say_what_they_hold(registered: NamedEntityRecogniser) -> None:
    assert find_contextual(Cell("Priya Raman", "created_at"), registered) == []
    assert find_contextual(Cell("Standing Desk", "name"), registered) == []


def test_failing_or_sloppy_recognisers_do_not_break_the_scan() -> None:
    text = "Priya Raman, DOB 1985-03-12"
    for recogniser in (Broken(), OutOfBounds()):
        entities = find_contextual(Cell(text, None), recogniser)
        assert [entity.type for entity in entities] == [EntityType.DATE_OF_BIRTH]


def test_loader_falls_back_to_nothing_or_spacy() -> None:
    recogniser = load_recogniser()
    spacy_model_installed = (
        importlib.util.find_spec("spacy") is not None and importlib.util.find_spec("en_core_web_sm") is not None
    )
    assert (recogniser is not None) is spacy_model_installed
    assert spacy_recogniser("aispm_no_such_model") is None


def test_factory_returning_none_is_skipped() -> None:
    def nothing_installed() -> NamedEntityRecogniser | None:
        return None

    register_recogniser(nothing_installed)
    register_recogniser(_capitalised_pairs)
    try:
        assert isinstance(load_recogniser(), CapitalisedPairs)
    finally:
        unregister_recogniser(nothing_installed)
        unregister_recogniser(_capitalised_pairs)
    assert not isinstance(load_recogniser(), CapitalisedPairs)
