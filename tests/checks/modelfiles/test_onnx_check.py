from __future__ import annotations

import pytest

from aispm.checks.modelfiles.onnx_check import OnnxError, OnnxFacts, read_onnx
from aispm.checks.modelfiles.paths import escapes_directory
from aispm.checks.modelfiles.streams import ByteSource, LimitExceeded, Truncated

from .builders import onnx_model, onnx_tensor, pb


def facts(data: bytes) -> OnnxFacts:
    return read_onnx(ByteSource.of_bytes(data), len(data))


@pytest.mark.parametrize("location", ["model.onnx.data", "weights/w.bin", "./w.bin", "a/../w.bin"])
def test_relative_locations_inside_the_directory_are_fine(location: str) -> None:
    assert not escapes_directory(location)


@pytest.mark.parametrize(
    "location", ["../secret", "/etc/passwd", "C:\\Windows\\win.ini", "\\\\server\\share\\x", "a/../../x", "x\0y"]
)
def test_escaping_locations(location: str) -> None:
    assert escapes_directory(location)


def test_domains_and_external_locations_are_collected() -> None:
    model = onnx_model(
        [onnx_tensor("w", location="model.onnx.data"), onnx_tensor("b", location="../../etc/passwd")],
        domains=("", "ai.onnx.ml", "com.evil.ops"),
        node_domain="com.evil.ops",
    )
    found = facts(model)
    assert found.domains == {"", "ai.onnx.ml", "com.evil.ops"}
    assert found.external_locations == {"model.onnx.data": "w", "../../etc/passwd": "b"}


def test_raw_tensor_data_is_skipped_not_read() -> None:
    found = facts(onnx_model([onnx_tensor("w", raw=b"\0" * 1_000_000)]))
    assert found.external_locations == {} and found.domains == {""}


def test_subgraphs_are_followed() -> None:
    inner_graph = pb(5, onnx_tensor("inner", location="/abs/path"))
    attribute = pb(1, "then_branch") + pb(6, inner_graph)
    node = pb(4, "If") + pb(5, attribute)
    model = pb(1, 8) + pb(2, "x") + pb(7, pb(1, node))
    assert facts(model).external_locations == {"/abs/path": "inner"}


def test_deep_subgraph_nesting_is_a_limit() -> None:
    graph = b""
    for _ in range(40):
        graph = pb(1, pb(5, pb(6, graph)))
    with pytest.raises(LimitExceeded):
        facts(pb(1, 8) + pb(7, graph))


@pytest.mark.parametrize(
    "data",
    [
        pb(1, 8) + b"\x3a\xff\xff\xff\x0f",  # graph length past the end
        pb(1, 8) + b"\x3b",  # wire type 3 (groups) is not ONNX
        pb(1, 8) + pb(7, pb(1, b"\x22\x10abc")),  # a field that overruns its message
    ],
)
def test_malformed_protobuf(data: bytes) -> None:
    with pytest.raises((OnnxError, Truncated)):
        facts(data)
