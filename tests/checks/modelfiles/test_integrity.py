from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aispm.checks.modelfiles.integrity import (
    IntegrityBaselineError,
    compare,
    parse_model_section,
    record_model_hashes,
)
from aispm.engine import scan
from aispm.model import ScanResult, Severity
from aispm.options import ScanOptions

from .builders import (
    benign_sklearn_pickle,
    nemo_archive,
    skops_estimator,
    skops_file,
    torch_data_pkl,
    torch_zip,
    zip_bytes,
)

Tree = Callable[[dict[str, str | bytes]], Path]


def run(root: Path, hash_models: bool = True) -> ScanResult:
    return scan([str(root)], ScanOptions(workers=1, scanners=frozenset({"models"}), hash_models=hash_models))


def test_record_lists_every_model_file_with_hash_size_and_format(make_tree: Tree) -> None:
    root = make_tree({"m/a.pt": torch_zip(torch_data_pkl()), "m/b.pkl": benign_sklearn_pickle(), "README.md": "hi"})
    record = record_model_hashes(run(root))
    assert list(record) == ["m/a.pt", "m/b.pkl"]
    assert record["m/a.pt"]["format"] == "pytorch-zip" and len(str(record["m/a.pt"]["sha256"])) == 64
    assert record["m/b.pkl"]["size"] == len(benign_sklearn_pickle())
    json.dumps(record)  # stored in the baseline file as is


def test_unchanged_estate_has_no_findings(make_tree: Tree) -> None:
    root = make_tree({"m/a.pt": torch_zip(torch_data_pkl())})
    assert compare(record_model_hashes(run(root)), run(root)) == []


def test_changed_appeared_and_disappeared(make_tree: Tree) -> None:
    root = make_tree({"m/a.pt": torch_zip(torch_data_pkl()), "m/b.pkl": benign_sklearn_pickle()})
    baseline = json.loads(json.dumps(record_model_hashes(run(root))))  # as read back from the file
    (root / "m/a.pt").write_bytes(torch_zip(torch_data_pkl(tensors=3)))  # tampered
    (root / "m/b.pkl").unlink()
    (root / "m/c.pkl").write_bytes(benign_sklearn_pickle())
    findings = {f.rule_id: f for f in compare(baseline, run(root))}
    assert set(findings) == {"AISPM-MODEL-015", "AISPM-MODEL-016", "AISPM-MODEL-017"}
    changed = findings["AISPM-MODEL-015"]
    assert changed.severity is Severity.HIGH and changed.location.path == "m/a.pt" and "sha256 was" in changed.message
    assert changed.asset_id is not None and changed.properties["compared"] == "sha256"
    assert findings["AISPM-MODEL-016"].location.path == "m/c.pkl"
    gone = findings["AISPM-MODEL-017"]
    assert gone.location.path == "m/b.pkl" and gone.location.root == str(root) and gone.severity is Severity.LOW


def test_baseline_holds_when_the_scan_root_moves(make_tree: Tree, tmp_path: Path) -> None:
    root = make_tree({"m/a.pt": torch_zip(torch_data_pkl())})
    baseline = record_model_hashes(run(root))
    moved = root.rename(tmp_path / "ci-checkout")
    assert compare(baseline, run(moved)) == []


def test_without_hashes_a_size_change_still_counts(make_tree: Tree) -> None:
    root = make_tree({"m/a.pt": torch_zip(torch_data_pkl())})
    baseline = record_model_hashes(run(root))
    (root / "m/a.pt").write_bytes(torch_zip(torch_data_pkl(tensors=3)))
    [finding] = compare(baseline, run(root, hash_models=False))
    assert finding.rule_id == "AISPM-MODEL-015" and finding.properties["compared"] == "size"
    same_size = record_model_hashes(run(root, hash_models=False))
    assert compare(same_size, run(root, hash_models=False)) == []


def test_a_new_change_is_a_new_finding(make_tree: Tree) -> None:
    """The fingerprint follows the file's new hash: accepting one change does not accept the next."""
    root = make_tree({"m/a.pt": torch_zip(torch_data_pkl())})
    baseline = record_model_hashes(run(root))
    (root / "m/a.pt").write_bytes(torch_zip(torch_data_pkl(tensors=3)))
    [first] = compare(baseline, run(root))
    (root / "m/a.pt").write_bytes(torch_zip(torch_data_pkl(tensors=4)))
    [second] = compare(baseline, run(root))
    assert first.fingerprint != second.fingerprint


def test_no_baseline_section_means_no_comparison(make_tree: Tree) -> None:
    assert compare(None, run(make_tree({"m/a.pt": torch_zip(torch_data_pkl())}))) == []


@pytest.mark.parametrize("section", [[], {"a.pt": "abc"}, {"a.pt": {"sha256": 5}}, {"a.pt": {"size": "big"}}])
def test_invalid_sections_are_clear_errors(section: object) -> None:
    with pytest.raises(IntegrityBaselineError, match="model_files"):
        parse_model_section(section)


def test_compare_during_the_estate_phase_takes_assets_and_roots(make_tree: Tree) -> None:
    root = make_tree({"m/a.pt": torch_zip(torch_data_pkl())})
    result = run(root)
    baseline = {"m/gone.pkl": {"sha256": "0" * 64, "size": 3, "format": "pickle"}} | record_model_hashes(result)
    [gone] = compare(baseline, list(result.assets), [str(root)])
    assert gone.rule_id == "AISPM-MODEL-017" and gone.location.root == str(root)


def _same_size_swap(data: bytes) -> bytes:
    """The same bytes with one byte changed: a swap that a size comparison cannot see."""
    index = len(data) // 2
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize(
    ("relpath", "content"),
    [
        ("m/weights", benign_sklearn_pickle()),  # an extensionless pickle: a model by its bytes, not its name
        ("m/clf.skops", skops_file(skops_estimator())),
        ("m/asr.nemo", nemo_archive()),
        ("m/bundle.zip", zip_bytes({"model/clf.pkl": benign_sklearn_pickle()})),
    ],
)
def test_model_files_not_named_as_models_are_hashed_and_a_same_size_swap_is_seen(
    make_tree: Tree, relpath: str, content: bytes
) -> None:
    root = make_tree({relpath: content})
    baseline = record_model_hashes(run(root))
    assert baseline[relpath]["size"] == len(content) and len(str(baseline[relpath]["sha256"])) == 64
    swapped = _same_size_swap(content)
    (root / relpath).write_bytes(swapped)
    [finding] = compare(baseline, run(root))
    assert finding.rule_id == "AISPM-MODEL-015" and finding.properties["compared"] == "sha256"
    assert record_model_hashes(run(root, hash_models=False))[relpath] == {
        "size": len(swapped),
        "format": baseline[relpath]["format"],
    }
