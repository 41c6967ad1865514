from __future__ import annotations

import collections
import datetime
import io
import os
import pickle
import struct
from pathlib import Path

import pytest

from aispm.checks.modelfiles.globals_policy import Verdict, judge_global
from aispm.checks.modelfiles.pickle_scan import PickleLimits, PickleScan, looks_like_pickle_start, scan_pickle_stream
from aispm.checks.modelfiles.streams import ByteSource

from .builders import CANARY, Ops, benign_numpy_pickle, benign_sklearn_pickle, evil_reduce, torch_data_pkl


class Canary:
    """Pickles as a call of os.system (written only, never loaded)."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (CANARY,))


def scan(data: bytes, **limits: int) -> PickleScan:
    return scan_pickle_stream(ByteSource.of_bytes(data), limits=PickleLimits(**limits))


def imported(result: PickleScan) -> set[str]:
    return {found.dotted for found in result.globals.values()}


def kinds(result: PickleScan) -> list[str]:
    return [issue.kind for issue in result.issues]


@pytest.mark.parametrize("protocol", range(6))
def test_reduce_payload_is_found_in_every_protocol(protocol: int) -> None:
    result = scan(pickle.dumps({"weights": [1.0, 2.0], "x": Canary()}, protocol=protocol))
    system = next(found for found in result.globals.values() if found.name == "system")
    assert system.module in ("posix", "nt") and system.called
    assert result.issues == [] and result.pickles == 1


@pytest.mark.parametrize("protocol", range(6))
def test_benign_stdlib_objects_import_only_allowlisted_classes(protocol: int) -> None:
    value = {"when": datetime.datetime(2024, 1, 2), "order": collections.OrderedDict(a=1), "s": {1, 2}, "b": b"x"}
    result = scan(pickle.dumps(value, protocol=protocol))
    assert {"datetime.datetime", "collections.OrderedDict"} <= imported(result)
    assert all(judge_global(found.module, found.name).verdict is Verdict.SAFE for found in result.globals.values())
    assert result.issues == []


def test_stack_global_names_are_resolved_through_the_memo() -> None:
    ops = Ops(4).unicode("os").memoize().unicode("system").binput(7).pop().pop()
    ops.binget(0).binget(7).stack_global().unicode(CANARY).tuple_(1).reduce().stop()
    result = scan(ops.build())
    assert imported(result) == {"os.system"} and result.globals[("os", "system")].called


def test_long_memo_indexes_and_protocol0_strings_resolve_too() -> None:
    ops = Ops(None).string0("subprocess").long_binput(70000).string0("getoutput").long_binput(70001)
    ops.pop().pop().long_binget(70000).long_binget(70001).stack_global().stop()
    assert imported(scan(ops.build())) == {"subprocess.getoutput"}


def test_inst_and_obj_calls_are_resolved() -> None:
    inst = Ops(None).mark().string0(CANARY).inst("os", "system").stop().build()
    result = scan(inst)
    assert result.globals[("os", "system")].opcode == "INST" and result.globals[("os", "system")].called
    obj = Ops(2).mark().global_("builtins", "eval").unicode("1+1").raw(pickle.OBJ).stop().build()
    assert scan(obj).globals[("builtins", "eval")].called


def test_newobj_marks_the_class_as_called() -> None:
    ops = Ops(2).global_("__main__", "Model").tuple_(0).newobj().empty_dict().build_().stop()
    result = scan(ops.build())
    assert result.globals[("__main__", "Model")].called and result.issues == []


def test_a_global_only_referenced_is_still_reported() -> None:
    ops = Ops(2).empty_dict().unicode("callback").global_("builtins", "exec").setitem().stop()
    result = scan(ops.build())
    assert imported(result) == {"builtins.exec"} and not result.globals[("builtins", "exec")].called


def test_computed_import_names_are_unresolved() -> None:
    ops = Ops(4).unicode("o").call("builtins", "str", "s").stack_global().stop()
    result = scan(ops.build())
    assert "unresolved" in kinds(result)


def test_build_on_an_imported_global_is_tampering() -> None:
    ops = Ops(2).global_("torch._utils", "_rebuild_tensor_v2").empty_dict().build_().stop()
    assert kinds(scan(ops.build())) == ["tampering"]


@pytest.mark.parametrize("code", [pickle.EXT1 + b"\x05", pickle.EXT2 + b"\x05\x01", pickle.EXT4 + b"\x05\x00\x00\x00"])
def test_copyreg_extension_codes_are_reported(code: bytes) -> None:
    result = scan(Ops(2).raw(code).tuple_(0).reduce().stop().build())
    assert kinds(result) == ["extension"]


def test_extension_code_zero_is_malformed() -> None:
    assert kinds(scan(Ops(2).raw(pickle.EXT1 + b"\x00").stop().build())) == ["malformed"]


def test_payload_in_a_second_pickle_after_stop_is_found() -> None:
    data = pickle.dumps({"benign": 1}, protocol=2) + evil_reduce(2)
    result = scan(data)
    assert imported(result) == {"os.system"} and result.pickles == 2


def test_protocol0_payload_after_a_binary_pickle_is_found() -> None:
    data = pickle.dumps([1, 2], protocol=4) + Ops(None).mark().string0(CANARY).inst("os", "system").stop().build()
    assert imported(scan(data)) == {"os.system"}


def test_raw_data_after_the_pickle_is_trailing_bytes_not_a_finding() -> None:
    data = pickle.dumps({"a": 1}, protocol=2) + b"\x00\x01raw tensor data" * 10
    result = scan(data)
    assert result.issues == [] and result.trailing_bytes == 170 and imported(result) == set()


def test_truncated_pickle_is_malformed_but_keeps_what_it_saw() -> None:
    data = evil_reduce(2)[:-1]
    result = scan(data)
    assert kinds(result) == ["malformed"] and "truncated" in result.issues[0].message
    assert imported(result) == {"os.system"}


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x80\x02\xff.", "invalid opcode"),
        (b"\x80\x02R.", "stack underflow"),
        (b"\x80\x02h\x03.", "memo entry 3"),
        (b"\x80\x09N.", "protocol 9"),
        (b"\x80\x02t.", "no MARK"),
        (b"\x80\x02cos system\n.", "Python name"),
        (b"\x80\x02S'unterminated\n.", "quoted"),
        (b"\x80\x02T\xff\xff\xff\xff.", "negative length"),
        (b"\x80\x02Iabc\n.", "not a number"),
        (b"", "without a STOP"),
    ],
)
def test_malformed_opcodes_are_reported_not_raised(data: bytes, needle: str) -> None:
    result = scan(data)
    assert kinds(result) == ["malformed"]
    assert needle in result.issues[0].message


def test_absurd_operand_lengths_are_truncation_not_allocation() -> None:
    data = b"\x80\x04\x8e" + struct.pack("<Q", 2**62) + b"."
    result = scan(data)
    assert kinds(result) == ["malformed"] and "past the end" in result.issues[0].message


@pytest.mark.parametrize(
    ("limits", "data"),
    [
        ({"max_opcodes": 50}, pickle.dumps(list(range(100)), protocol=2)),
        ({"max_memo": 10}, pickle.dumps([str(i) for i in range(50)], protocol=2)),
        ({"max_stack": 100}, b"\x80\x02(" + b"N" * 200 + b"t."),
        ({"max_marks": 10}, b"\x80\x02" + b"(" * 20),
    ],
)
def test_limits_make_the_scan_incomplete_never_clean(limits: dict[str, int], data: bytes) -> None:
    result = scan(data, **limits)
    assert kinds(result) == ["incomplete"] and "not fully analysed" in result.issues[0].message
    assert not result.complete


def test_limit_hit_after_the_payload_keeps_the_payload() -> None:
    data = evil_reduce(2)[:-1] + b"N0" * 100 + b"."
    result = scan(data, max_opcodes=50)
    assert imported(result) == {"os.system"} and kinds(result) == ["incomplete"]


@pytest.mark.parametrize("builder", [benign_numpy_pickle, benign_sklearn_pickle, torch_data_pkl])
def test_benign_model_layouts_walk_cleanly(builder: object) -> None:
    result = scan(builder())  # type: ignore[operator]
    assert result.issues == [] and result.pickles == 1 and result.globals


def test_large_operands_are_skipped_by_seeking(tmp_path: Path) -> None:
    """A 200 MB byte string before the payload costs a seek, not a read."""
    size = 200 * 1024 * 1024
    path = tmp_path / "huge.pkl"
    with path.open("wb") as handle:
        handle.write(b"\x80\x04(" + b"\x8e" + struct.pack("<Q", size))
        handle.seek(size, io.SEEK_CUR)  # sparse: the payload bytes are never written
        handle.write(b"0" + evil_reduce(2)[2:])

    class CountingReader(io.FileIO):
        bytes_read = 0

        def read(self, size: int = -1, /) -> bytes:
            data = super().read(size)
            CountingReader.bytes_read += len(data)
            return data

    with CountingReader(path, "rb") as handle:
        result = scan_pickle_stream(ByteSource(handle, seekable=True, size=path.stat().st_size))
    assert imported(result) == {"os.system"} and result.issues == []
    assert CountingReader.bytes_read < 1024 * 1024


def test_looks_like_pickle_start() -> None:
    assert looks_like_pickle_start(b"\x80\x04")
    assert looks_like_pickle_start(b"(d")
    assert not looks_like_pickle_start(b"\x80\x09")
    assert not looks_like_pickle_start(b"\x00\x01")
    assert not looks_like_pickle_start(b"")


def _getattr_call(owner: tuple[str, str], attribute: str, protocol: int = 4) -> Ops:
    """``getattr(owner, attribute)`` as pickle writes a classmethod (``ZoneInfo._unpickle``) from protocol 4."""
    return Ops(protocol).global_("builtins", "getattr").global_(*owner).unicode(attribute).tuple_(2).reduce()


def test_getattr_on_a_global_with_a_constant_name_becomes_that_global() -> None:
    ops = _getattr_call(("zoneinfo", "ZoneInfo"), "_unpickle").unicode("Europe/Paris").int_(1).tuple_(2).reduce()
    result = scan(ops.stop().build())
    assert imported(result) == {"builtins.getattr", "zoneinfo.ZoneInfo", "zoneinfo.ZoneInfo._unpickle"}
    reached = result.globals[("zoneinfo", "ZoneInfo._unpickle")]
    assert reached.opcode == "getattr" and reached.called
    getattr_ = result.globals[("builtins", "getattr")]
    assert getattr_.resolved == 1 and not getattr_.called


def test_getattr_hiding_a_dangerous_callable_is_resolved_to_it() -> None:
    ops = _getattr_call(("os", "path"), "join").unicode(CANARY).tuple_(1).reduce()
    result = scan(ops.stop().build())
    assert "os.path.join" in imported(result) and result.globals[("os", "path.join")].called


def test_getattr_on_anything_else_stays_a_call_of_getattr() -> None:
    computed = Ops(4).global_("builtins", "getattr").global_("builtins", "str").unicode("x").tuple_(1).reduce()
    computed.unicode("system").tuple_(2).reduce().stop()  # getattr(str("x"), "system"): the owner is computed
    result = scan(computed.build())
    assert result.globals[("builtins", "getattr")].called and result.globals[("builtins", "getattr")].resolved == 0
    bad_name = _getattr_call(("zoneinfo", "ZoneInfo"), "not an identifier").stop().build()
    assert scan(bad_name).globals[("builtins", "getattr")].called
