"""Start-up stays lean: the CLI and a models scan import heavy libraries only where they are used (issue #6).

Checked in a fresh interpreter through ``sys.modules``, not by timing, so the test fails on a stray import and on
nothing else.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("yaml", "sqlalchemy", "rich", "jinja2", "pyarrow", "importlib.resources", "h5py", "numpy")


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in HEAVY if name in modules)


def test_importing_the_cli_imports_no_heavy_library() -> None:
    modules = _modules_after("import aispm.cli")
    assert "aispm.cli" in modules
    assert _heavy(modules) == []


def test_a_clean_models_scan_parses_no_yaml(tmp_path: Path) -> None:
    # A PyTorch-style pickle whose globals are all allowlisted: the allow and deny lists are read, no rule is.
    import collections
    import pickle  # writing the fixture only; nothing is ever unpickled

    payload = pickle.dumps(collections.OrderedDict(weights=[1.0, 2.0], step=3), protocol=2)
    (tmp_path / "model.pkl").write_bytes(payload)
    report = tmp_path / "report.json"
    code = (
        "from aispm.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
    )
    argv = ["aispm", "scan", str(tmp_path / "model.pkl"), "--scanners", "models", "-f", "json", "--no-store"]
    argv += ["--no-progress", "--quiet", "--no-hash", "-o", str(report)]
    modules = _modules_after(f"sys.argv = {argv!r}\n{code}")
    result = json.loads(report.read_text("utf-8"))
    assert [a["kind"] for a in result["assets"] if a["kind"] == "model-file"] == ["model-file"]
    assert "aispm.checks.modelfiles.globals_policy" in modules  # the globals were judged
    assert _heavy(modules) == []
    for lazy in ("aispm.baseline", "aispm.checks.modelfiles.gguf_template", "aispm.checks.modelfiles.integrity"):
        assert lazy not in modules
    assert "zipfile" not in modules  # a scan that meets no zip


def test_raising_a_model_rule_parses_no_rule_file_after_its_own() -> None:
    from aispm import rules

    rules._file_rules.cache_clear()
    assert rules.get_rule("AISPM-MODEL-001").family == "models"
    assert rules._file_rules.cache_info().currsize == rules.RULE_FILES.index("modelfiles.yaml") + 1


def test_a_models_scan_with_findings_imports_no_yaml_once_the_rules_are_cached(tmp_path: Path) -> None:
    # A pickle that calls os.system (never unpickled): the rule catalogue is read for its finding.  The first run
    # parses the rule files with PyYAML and caches the result; the second reads the cache and never imports yaml.
    (tmp_path / "evil.pkl").write_bytes(b"\x80\x02cos\nsystem\nX\x0c\x00\x00\x00echo canary\x85R.")
    cache = tmp_path / "cache"
    argv = ["aispm", "scan", str(tmp_path / "evil.pkl"), "--scanners", "models", "-f", "json", "--no-store"]
    argv += ["--no-progress", "--quiet", "--no-hash", "-o", str(tmp_path / "report.json")]
    code = (
        f"import os\nos.environ['AISPM_CACHE_DIR'] = {str(cache)!r}\nsys.argv = {argv!r}\n"
        "from aispm.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 1, exc.code\n"
    )
    first = _modules_after(code)
    rule_ids = [f["rule_id"] for f in json.loads((tmp_path / "report.json").read_text("utf-8"))["findings"]]
    second = _modules_after(code)
    assert "AISPM-MODEL-001" in rule_ids
    assert json.loads((tmp_path / "report.json").read_text("utf-8"))["findings"][0]["rule_id"] in rule_ids
    assert "yaml" in first and list((cache / "yaml").glob("*.json"))
    assert _heavy(second) == [] and "zipfile" not in second
