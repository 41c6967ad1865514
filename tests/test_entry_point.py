"""The ``aispm`` command ends its process without the interpreter's teardown, and loses nothing doing so:
exit statuses, everything written to stdout and stderr, report files and exit handlers are as at a normal exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

MALICIOUS_PICKLE = b"\x80\x02cos\nsystem\nX\x0c\x00\x00\x00echo canary\x85R."  # never unpickled


def _run(*args: str, prelude: str = "", tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = f"import sys\n{prelude}\nsys.argv = ['aispm', *{list(args)!r}]\nfrom aispm.cli import run\nrun()\n"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
    )


def test_the_installed_command_is_the_fast_exit_entry_point() -> None:
    script = Path(sys.executable).parent / "aispm"
    if not script.exists():
        pytest.skip("aispm is not installed as a command in this environment")
    assert "from aispm.cli import run" in script.read_text("utf-8")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "aispm" in done.stdout


def test_a_scan_with_findings_exits_1_with_its_whole_report_on_stdout(tmp_path: Path) -> None:
    for index in range(300):  # a report far larger than a pipe's buffer
        (tmp_path / f"evil_{index}.pkl").write_bytes(MALICIOUS_PICKLE)
    done = _run(
        "scan", str(tmp_path), "--scanners", "models", "-f", "json", "--no-store", "--no-progress", tmp_path=tmp_path
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    flagged = {finding["location"]["path"] for finding in report["findings"] if finding["rule_id"] == "AISPM-MODEL-001"}
    assert len(flagged) == 300 and len(done.stdout) > 200_000


def test_a_clean_scan_exits_0_and_writes_its_report_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to see")
    report = tmp_path / "out.sarif"
    done = _run(
        "scan", str(tmp_path), "--no-store", "--no-progress", "-f", "sarif", "-o", str(report), tmp_path=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text("utf-8"))["version"] == "2.1.0"
    assert "sarif report written" in done.stdout


def test_usage_errors_keep_status_2_and_their_message(tmp_path: Path) -> None:
    done = _run("scan", "--no-such-flag", tmp_path=tmp_path)
    assert done.returncode == 2 and "No such option" in done.stderr


def test_exit_handlers_still_run(tmp_path: Path) -> None:
    prelude = "import atexit\natexit.register(lambda: print('handler ran'))"
    done = _run("--version", prelude=prelude, tmp_path=tmp_path)
    assert done.returncode == 0 and done.stdout.splitlines() == ["aispm, version 0.1.0", "handler ran"]


def test_a_text_exit_status_takes_the_normal_exit(tmp_path: Path) -> None:
    prelude = "import aispm.cli\naispm.cli.main = lambda: sys.exit('a message for the user')"
    done = _run("--version", prelude=prelude, tmp_path=tmp_path)
    assert done.returncode == 1 and done.stderr.strip() == "a message for the user"


def test_a_live_thread_is_joined_as_at_a_normal_exit(tmp_path: Path) -> None:
    prelude = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread finished', flush=True))).start()"
    )
    done = _run("--version", prelude=prelude, tmp_path=tmp_path)
    assert done.returncode == 0 and "thread finished" in done.stdout


@pytest.mark.parametrize("closed", [">&-", "2>&-"])
def test_a_closed_standard_stream_keeps_the_exit_status(tmp_path: Path, closed: str) -> None:
    # Started with stdout or stderr closed (some service launchers do): Python sets it to None.
    code = "import sys\nsys.argv = ['aispm', '--version']\nfrom aispm.cli import run\nrun()\n"
    script = tmp_path / "entry.py"
    script.write_text(code)
    done = subprocess.run(
        ["bash", "-c", f'"$0" "$1" {closed}', sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
