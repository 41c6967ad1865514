"""The walker's inlined opcodes behave exactly as their handlers: same values, same errors at the same offsets."""

from __future__ import annotations

import pickle

import pytest

from aispm.checks.modelfiles.pickle_scan import PickleLimits, PickleScan, scan_pickle_stream
from aispm.checks.modelfiles.streams import ByteSource


def walk(data: bytes, limits: PickleLimits | None = None) -> PickleScan:
    return scan_pickle_stream(ByteSource.of_bytes(data), limits=limits or PickleLimits())


@pytest.mark.parametrize(
    ("body", "offset"),
    [
        (b"\x85", 2),  # TUPLE1 on an empty stack
        (b"N\x86", 3),  # TUPLE2 with one item
        (b"NN\x87", 4),  # TUPLE3 with two items
        (b"NR", 3),  # REDUCE with one item
        (b"\x94", 2),  # MEMOIZE on an empty stack
        (b"q\x00", 2),  # BINPUT on an empty stack
        (b"h\x05", 2),  # BINGET of a memo entry never written
    ],
)
def test_short_stacks_are_malformed_at_the_opcode(body: bytes, offset: int) -> None:
    scan = walk(b"\x80\x04" + body + b".")
    assert [issue.kind for issue in scan.issues] == ["malformed"]
    assert scan.issues[0].offset == offset


@pytest.mark.parametrize("opcode", [b"J\x01\x02", b"K", b"q", b"h", b"\x8c\x05ab"])
def test_operands_cut_by_the_end_of_data_are_truncation(opcode: bytes) -> None:
    scan = walk(b"\x80\x04N" + opcode)
    assert [issue.kind for issue in scan.issues] == ["malformed"]
    assert "truncated" in scan.issues[0].message


def test_inlined_opcodes_build_the_same_values_as_pickle() -> None:
    value = (None, True, False, (), (1,), (1, 2), (1, 2, 3), -70000, 255, "name", ["x"], {"k": "v"})
    data = pickle.dumps(value, protocol=4)
    scan = walk(data)
    assert scan.issues == [] and scan.pickles == 1
    stream = ByteSource.of_bytes(data)
    from aispm.checks.modelfiles.pickle_scan import PickleWalker

    assert PickleWalker(stream).load_one() == value


def test_reduce_marks_the_global_called_and_other_factories_are_not_globals() -> None:
    called = walk(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.")
    assert called.globals[("os", "system")].called
    only_imported = walk(b"\x80\x02cos\nsystem\n.")
    assert not only_imported.globals[("os", "system")].called


def test_mark_and_opcode_limits_still_stop_the_walk() -> None:
    marks = walk(b"\x80\x04" + b"(" * 20 + b".", PickleLimits(max_marks=10))
    assert [issue.kind for issue in marks.issues] == ["incomplete"]
    assert "MARK" in marks.issues[0].message
    opcodes = walk(b"\x80\x04" + b"N0" * 200 + b"N.", PickleLimits(max_opcodes=100))
    assert [issue.kind for issue in opcodes.issues] == ["incomplete"]
    assert opcodes.issues[0].offset is not None and opcodes.issues[0].offset < 110


def _top(data: bytes, limits: PickleLimits | None = None) -> object:
    from aispm.checks.modelfiles.pickle_scan import PickleWalker

    return PickleWalker(ByteSource.of_bytes(data), limits=limits or PickleLimits()).load_one()


def test_tuples_over_the_container_limits_are_opaque() -> None:
    from aispm.checks.modelfiles.pickle_scan import OPAQUE

    small = b"\x80\x04(KaKbKct."
    assert _top(small) == (0x61, 0x62, 0x63)
    assert _top(small, PickleLimits(container_items=2)) is OPAQUE
    assert _top(b"\x80\x04(KaKbt(Kct\x86.", PickleLimits(max_kept_items=2)) == ((0x61, 0x62), OPAQUE)
    assert [issue.kind for issue in walk(b"\x80\x04t.").issues] == ["malformed"]  # TUPLE without a MARK


def test_binunicode_keeps_short_text_and_passes_over_long_text() -> None:
    from aispm.checks.modelfiles.pickle_scan import OPAQUE

    assert _top(b"\x80\x04X\x03\x00\x00\x00abc.") == "abc"
    assert _top(b"\x80\x04X\x03\x00\x00\x00abc.", PickleLimits(kept_operand=2)) is OPAQUE
    bad = walk(b"\x80\x04X\x02\x00\x00\x00\xff\xfe.")
    assert [issue.kind for issue in bad.issues] == ["malformed"] and bad.issues[0].offset == 2
    cut = walk(b"\x80\x04X\x09\x00\x00\x00abc")
    assert [issue.kind for issue in cut.issues] == ["malformed"] and "truncated" in cut.issues[0].message
