"""One multi-pattern prefilter over every literal anchor of the rule pack.

Exact key patterns are expensive to try on every file; literal anchors (``sk-proj-``, ``hf_``, ``cohere``) are
cheap to find all at once.  The prefilter answers "which anchors occur, and where" in one pass, and only the key
types behind those anchors are then confirmed with their exact patterns.  Matching is case-insensitive (a
prefilter may over-report, never under-report).

Backends, fastest first: Hyperscan (a SIMD multi-literal database), pyahocorasick (an Aho-Corasick automaton in C),
and a pure-Python path that compiles all anchors into one trie-shaped regular expression.  The optional
libraries are imported when present; the result is the same whichever backend runs.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any, Protocol

from msgspec import Struct, field

MAX_HITS_PER_ANCHOR = 256
"""Past this many hits of one anchor in one text, positions stop mattering (the whole text is confirmed)."""


class AnchorHits(Struct):
    """Anchor index -> character offsets where it occurs (up to ``MAX_HITS_PER_ANCHOR``, then ``saturated``)."""

    offsets: dict[int, list[int]] = field(default_factory=dict)
    saturated: set[int] = field(default_factory=set)

    def add(self, anchor: int, offset: int) -> None:
        positions = self.offsets.setdefault(anchor, [])
        if len(positions) < MAX_HITS_PER_ANCHOR:
            positions.append(offset)
        else:
            self.saturated.add(anchor)

    def __bool__(self) -> bool:
        return bool(self.offsets)


class Prefilter(Protocol):
    backend: str

    def scan(self, text: str) -> AnchorHits: ...


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def trie_regex(words: Sequence[str]) -> str:
    """One regular expression matching any of ``words``, shaped as a trie so alternatives share prefixes."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class RegexPrefilter:
    """Pure Python: one trie-shaped alternation over the lower-cased text."""

    backend = "re"

    def __init__(self, anchors: Sequence[str]) -> None:
        self._index = {anchor: i for i, anchor in enumerate(anchors)}
        # A zero-width look-ahead finds anchors at every position, so overlapping anchors are all reported.
        self._regex = re.compile(f"(?=({trie_regex(list(self._index))}))")

    def scan(self, text: str) -> AnchorHits:
        hits = AnchorHits()
        lowered = text.lower()
        if len(lowered) != len(text):  # a rare character changed length when lower-cased: keep offsets honest
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        index = self._index
        for match in self._regex.finditer(lowered):
            found = match.group(1)
            hits.add(index[found], match.start())
            # Anchors that are prefixes of the longest one found here (``sk-`` of ``sk-proj-``) occur here too.
            for cut in range(len(found) - 1, 0, -1):
                shorter = index.get(found[:cut])
                if shorter is not None:
                    hits.add(shorter, match.start())
        return hits


class AhoCorasickPrefilter:
    """pyahocorasick's automaton: every occurrence of every anchor, overlapping, in one pass."""

    backend = "ahocorasick"

    def __init__(self, anchors: Sequence[str], module: Any) -> None:
        automaton = module.Automaton()
        for index, anchor in enumerate(anchors):
            automaton.add_word(anchor, (index, len(anchor)))
        automaton.make_automaton()
        self._automaton = automaton

    def scan(self, text: str) -> AnchorHits:
        hits = AnchorHits()
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        for end, (index, length) in self._automaton.iter(lowered):
            hits.add(index, end - length + 1)
        return hits


class HyperscanPrefilter:
    """Hyperscan: all anchors as caseless literals in one compiled block-mode database."""

    backend = "hyperscan"

    def __init__(self, anchors: Sequence[str], module: Any) -> None:
        self._hs = module
        database = module.Database(mode=module.HS_MODE_BLOCK)
        expressions = [re.escape(anchor.encode("utf-8")) for anchor in anchors]
        database.compile(
            expressions=expressions,
            ids=list(range(len(anchors))),
            elements=len(anchors),
            flags=[module.HS_FLAG_CASELESS] * len(anchors),
        )
        self._database = database
        self._lengths = [len(anchor.encode("utf-8")) for anchor in anchors]

    def scan(self, text: str) -> AnchorHits:
        byte_hits = AnchorHits()
        data = text.encode("utf-8", "surrogatepass")
        lengths = self._lengths

        def on_match(anchor: int, start: int, end: int, flags: int, context: object) -> None:
            byte_hits.add(anchor, end - lengths[anchor])

        self._database.scan(data, match_event_handler=on_match)
        if len(data) == len(text):  # ASCII: byte offsets are character offsets
            return byte_hits
        hits = AnchorHits(saturated=byte_hits.saturated)
        for anchor, offsets in byte_hits.offsets.items():
            for byte_offset in offsets:
                hits.add(anchor, len(data[:byte_offset].decode("utf-8", "ignore")))
        return hits


def build_prefilter(anchors: Sequence[str], backend: str | None = None) -> Prefilter:
    """The fastest available prefilter over ``anchors`` (lower-cased literals), or the one named by ``backend``."""
    lowered = [anchor.lower() for anchor in anchors]
    if backend in (None, "hyperscan"):
        module = _optional("hyperscan")
        if module is not None:
            return HyperscanPrefilter(lowered, module)
        if backend == "hyperscan":
            raise RuntimeError("hyperscan is not installed")
    if backend in (None, "ahocorasick"):
        module = _optional("ahocorasick")
        if module is not None:
            return AhoCorasickPrefilter(lowered, module)
        if backend == "ahocorasick":
            raise RuntimeError("pyahocorasick is not installed")
    if backend not in (None, "re"):
        raise ValueError(f"unknown prefilter backend {backend!r}")
    return RegexPrefilter(lowered)
