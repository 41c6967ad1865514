"""A scan collects young garbage less often while it runs, and leaves the process's collector as it found it."""

from __future__ import annotations

import gc
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from aispm import engine
from aispm.engine import GC_YOUNG_THRESHOLD, scan
from aispm.options import ScanOptions


@pytest.fixture
def restore_gc() -> Iterator[None]:
    saved, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*saved)
    (gc.enable if enabled else gc.disable)()


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"weights": [1, 2, 3]}, protocol=4))
    return tmp_path


def test_threshold_is_raised_during_the_scan_and_restored_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_gc: None
) -> None:
    gc.set_threshold(700, 10, 10)
    seen: list[tuple[int, int, int]] = []
    real = engine.analyse_file

    def spy(*args: object, **kwargs: object) -> engine.FileOutcome:
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "analyse_file", spy)
    result = scan([str(_tree(tmp_path))], ScanOptions(scanners=frozenset({"models"})))
    assert seen == [(GC_YOUNG_THRESHOLD, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)
    assert [asset.kind.value for asset in result.assets if asset.kind.value == "model-file"] == ["model-file"]


def test_higher_or_disabled_thresholds_are_left_alone(tmp_path: Path, restore_gc: None) -> None:
    for threshold in ((0, 10, 10), (GC_YOUNG_THRESHOLD * 2, 5, 5)):
        gc.set_threshold(*threshold)
        scan([str(_tree(tmp_path))], ScanOptions(scanners=frozenset({"models"})))
        assert gc.get_threshold() == threshold


def test_threshold_is_restored_when_the_scan_fails(restore_gc: None, monkeypatch: pytest.MonkeyPatch) -> None:
    gc.set_threshold(700, 10, 10)

    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "build_analysers", broken)
    with pytest.raises(RuntimeError):
        scan(["."], ScanOptions(scanners=frozenset({"models"})))
    assert gc.get_threshold() == (700, 10, 10)
