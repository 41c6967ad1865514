"""The HDF5 reader runs h5py in a child process: a crash, a hang or a memory blow-up in libhdf5 costs that file a
clear reason, never the scan.  The child's misbehaviour is simulated by replacing its code; the parent is real."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aispm.checks.modelfiles import h5_reader
from aispm.engine import scan
from aispm.model import Finding
from aispm.options import ScanOptions

from .builders import h5_bytes, keras_config, keras_layer

Tree = Callable[[dict[str, str | bytes]], Path]


def model_findings(root: Path) -> list[Finding]:
    result = scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"})))
    return [finding for finding in result.findings if finding.rule_id.startswith("AISPM-MODEL-")]


def _keras_h5() -> bytes:
    return h5_bytes({"model_config": keras_config(keras_layer("Dense", units=2)).decode()})


def test_the_real_reader_returns_the_attribute(tmp_path: Path) -> None:
    (tmp_path / "m.h5").write_bytes(_keras_h5())
    text = h5_reader.read_model_config(str(tmp_path / "m.h5"))
    assert text is not None and json.loads(text)["class_name"] == "Sequential"
    assert h5_reader.read_model_config(None, h5_bytes({"other": "x"})) is None


@pytest.mark.parametrize(
    ("child", "reason"),
    [
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "crashed"),
        ("import time; time.sleep(60)", "did not finish"),
        ("x = bytearray(int(3e9))", "reader failed"),  # over the address-space limit: MemoryError, exit 1
        ("print('not json')", "reader failed"),
    ],
)
def test_a_misbehaving_reader_is_a_malformed_finding_and_the_scan_goes_on(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch, child: str, reason: str
) -> None:
    limits = "import resource, sys\nresource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]),) * 2)\n"
    monkeypatch.setattr(h5_reader, "_CHILD", limits + child)
    monkeypatch.setattr(h5_reader, "TIMEOUT_SECONDS", 2)
    root = make_tree({"bad.h5": _keras_h5(), "evil.pkl": b"cos\nsystem\n(S'echo aispm-canary'\ntR."})
    found = {(f.location.path, f.rule_id): f for f in model_findings(root)}
    assert ("evil.pkl", "AISPM-MODEL-001") in found  # the other file is still scanned
    assert reason in found[("bad.h5", "AISPM-MODEL-003")].message


def test_without_h5py_in_the_child_the_first_bytes_are_searched(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(h5_reader, "_CHILD", "import json; print(json.dumps({'unavailable': True}))")
    lam = {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "evil"}, "registered_name": None}
    root = make_tree({"m.h5": h5_bytes({"model_config": keras_config(lam).decode()})})
    assert [f.rule_id for f in model_findings(root)] == ["AISPM-MODEL-004"]


def test_a_small_file_without_the_attribute_name_starts_no_reader(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(h5_reader, "_CHILD", "raise SystemExit('the reader must not run')")
    assert model_findings(make_tree({"data.h5": h5_bytes({"description": "x"}, {"x": 64})})) == []


def test_the_weights_of_a_keras_v3_file_are_not_read_for_a_config(
    make_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aispm.checks.modelfiles import archives

    from .builders import zip_bytes

    monkeypatch.setattr(archives, "SIZED_BUFFER_BYTES", 1024)  # the weights are larger than what may be held
    weights = h5_bytes(datasets={"dense/kernel": 4096})
    config = keras_config(keras_layer("Dense", units=2))
    root = make_tree(
        {"m.keras": zip_bytes({"metadata.json": b"{}", "config.json": config, "model.weights.h5": weights})}
    )
    assert model_findings(root) == []
