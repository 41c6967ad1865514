"""Model integrity through the CLI: a baseline records model hashes; later scans report tampering."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from click.testing import CliRunner

from aispm.cli import cli


def _safetensors(values: tuple[float, float]) -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + struct.pack("<2f", *values)


def _scan(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["scan", *args, "--no-store", "-q", "--format", "json"])
    return result.exit_code, json.loads(result.output) if result.output.startswith("{") else {}


def test_changed_appeared_and_disappeared_models_are_reported_against_the_baseline(tmp_path: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    (root / "classifier.safetensors").write_bytes(_safetensors((0.1, 0.2)))
    (root / "old.safetensors").write_bytes(_safetensors((0.5, 0.6)))
    baseline = tmp_path / "baseline.json"
    code = CliRunner().invoke(cli, ["scan", str(root), "--no-store", "-q", "--write-baseline", str(baseline)])
    assert code.exit_code == 0, code.output
    assert "classifier.safetensors" in json.dumps(json.loads(baseline.read_text()))

    _, unchanged = _scan(str(root), "--baseline", str(baseline))
    rules = [f["rule_id"] for f in unchanged["findings"]]  # type: ignore[index]
    assert not [r for r in rules if r in ("AISPM-MODEL-015", "AISPM-MODEL-016", "AISPM-MODEL-017")]

    (root / "classifier.safetensors").write_bytes(_safetensors((9.9, 0.2)))  # same size, other weights
    (root / "old.safetensors").unlink()
    (root / "new.safetensors").write_bytes(_safetensors((0.3, 0.4)))
    _, tampered = _scan(str(root), "--baseline", str(baseline))
    by_path = {
        (f["rule_id"], f["location"]["path"])  # type: ignore[index]
        for f in tampered["findings"]  # type: ignore[union-attr]
        if f["rule_id"] in ("AISPM-MODEL-015", "AISPM-MODEL-016", "AISPM-MODEL-017")  # type: ignore[index]
    }
    assert {path for _, path in by_path} == {"classifier.safetensors", "new.safetensors", "old.safetensors"}
    assert len({rule for rule, _ in by_path}) == 3  # changed, appeared and disappeared are three rules


def test_code_that_loads_a_malicious_model_inherits_its_severity(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    root.mkdir()
    (root / "model.pkl").write_bytes(b"cos\nsystem\n(S'echo aispm-canary'\ntR.")  # written, never loaded
    (root / "serve.py").write_text('import torch\n\nmodel = torch.load("model.pkl")\n')
    _, doc = _scan(str(root), "--scanners", "models")
    findings = doc["findings"]  # type: ignore[index]
    loader = [f for f in findings if f["location"]["path"] == "serve.py"]  # type: ignore[index]
    assert loader and loader[0]["severity"] == "critical"
    assert any(f["location"]["path"] == "model.pkl" and f["severity"] == "critical" for f in findings)  # type: ignore[index]


def test_the_baseline_command_records_hashes_that_a_later_scan_checks(tmp_path: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    (root / "classifier.safetensors").write_bytes(_safetensors((0.1, 0.2)))
    baseline = tmp_path / "accepted.json"
    done = CliRunner().invoke(cli, ["baseline", str(root), "-o", str(baseline), "-q"])
    assert done.exit_code == 0, done.output
    recorded = json.loads(baseline.read_text())["model_files"]
    assert list(recorded) == ["classifier.safetensors"] and len(recorded["classifier.safetensors"]["sha256"]) == 64

    _, unchanged = _scan(str(root), "--baseline", str(baseline))
    assert not [f for f in unchanged["findings"] if f["rule_id"] == "AISPM-MODEL-015"]  # type: ignore[index,union-attr]
    (root / "classifier.safetensors").write_bytes(_safetensors((9.9, 0.2)))
    _, tampered = _scan(str(root), "--baseline", str(baseline))
    changed = [f["location"]["path"] for f in tampered["findings"] if f["rule_id"] == "AISPM-MODEL-015"]  # type: ignore[index,union-attr]
    assert changed == ["classifier.safetensors"]


def test_the_baseline_command_needs_a_path() -> None:
    done = CliRunner().invoke(cli, ["baseline"])
    assert done.exit_code == 2 and "Missing argument" in done.output
