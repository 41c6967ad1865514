"""ONNX models that reach outside themselves: custom operator domains and external data paths that escape.

An ONNX model is a protobuf ``ModelProto``.  Operators from domains other than the standard ones need a native
library registered by the loading process (custom code); tensors stored as external data name a file by a path
relative to the model's directory, and a path that is absolute or climbs out with ``..`` makes the loader read
any file it can reach (CVE-2024-27318 class).  The protobuf is walked as a stream: tensor payloads
(``raw_data``) are skipped by seeking, subgraphs (If/Loop/Scan bodies, functions, training graphs) are followed
within a depth limit.
"""

from __future__ import annotations

from msgspec import Struct, field

from aispm.checks.modelfiles.protobuf import ProtobufError, ProtoReader
from aispm.checks.modelfiles.streams import ByteSource, LimitExceeded

STANDARD_DOMAINS = frozenset(
    {
        "",
        "ai.onnx",
        "ai.onnx.ml",
        "ai.onnx.training",
        "ai.onnx.preview.training",
        "com.microsoft",
        "com.microsoft.nchwc",
        "com.microsoft.experimental",
        "com.ms.internal.nhwc",
    }
)
"""Operator domains that ONNX and ONNX Runtime implement themselves."""

MAX_DEPTH = 32

OnnxError = ProtobufError
"""The protobuf is malformed (bad wire type, lengths that run past their message)."""


class OnnxFacts(Struct):
    domains: set[str] = field(default_factory=set)
    external_locations: dict[str, str] = field(default_factory=dict)
    """External data location -> the first tensor that uses it."""


class _Reader(ProtoReader):
    def __init__(self, source: ByteSource) -> None:
        super().__init__(source)
        self.facts = OnnxFacts()

    # --- messages ----------------------------------------------------------------------------------------------

    def model(self, end: int) -> None:
        self.walk(
            end,
            {
                7: lambda e: self.graph(e, 0),
                8: self.opset_import,
                20: lambda e: self.training_info(e, 0),
                25: lambda e: self.function(e, 0),
            },
        )

    def opset_import(self, end: int) -> None:
        self.walk(end, {1: self.domain})

    def domain(self, end: int) -> None:
        self.facts.domains.add(self.text(end))

    def graph(self, end: int, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"subgraphs nested deeper than {MAX_DEPTH}")
        self.walk(
            end,
            {
                1: lambda e: self.node(e, depth),
                5: self.tensor,
                15: lambda e: self.walk(e, {1: self.tensor, 2: self.tensor}),
            },
        )

    def training_info(self, end: int, depth: int) -> None:
        self.walk(end, {1: lambda e: self.graph(e, depth + 1), 2: lambda e: self.graph(e, depth + 1)})

    def function(self, end: int, depth: int) -> None:
        self.walk(end, {7: lambda e: self.node(e, depth + 1), 9: self.opset_import})

    def node(self, end: int, depth: int) -> None:
        self.walk(end, {7: self.domain, 5: lambda e: self.attribute(e, depth)})

    def attribute(self, end: int, depth: int) -> None:
        def subgraph(field_end: int) -> None:
            self.graph(field_end, depth + 1)

        self.walk(end, {6: subgraph, 11: subgraph, 5: self.tensor, 12: self.tensor})

    def tensor(self, end: int) -> None:
        name: list[str] = []
        locations: list[str] = []
        self.walk(end, {8: lambda e: name.append(self.text(e)), 13: lambda e: self.entry(e, locations)})
        for location in locations:
            self.facts.external_locations.setdefault(location, name[0] if name else "")

    def entry(self, end: int, locations: list[str]) -> None:
        key: list[str] = []
        value: list[str] = []
        self.walk(end, {1: lambda e: key.append(self.text(e)), 2: lambda e: value.append(self.text(e))})
        if key == ["location"] and value:
            locations.append(value[-1])


def read_onnx(source: ByteSource, size: int) -> OnnxFacts:
    """Operator domains and external-data locations of an ONNX model of ``size`` bytes.

    Raises :class:`OnnxError`, ``Truncated`` or ``LimitExceeded``.
    """
    reader = _Reader(source)
    reader.model(size)
    return reader.facts
