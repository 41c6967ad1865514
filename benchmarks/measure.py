"""Run one command and measure it: wall time, CPU seconds, peak memory, with a timeout.

Memory is measured two ways because the tools differ in shape: ``max_rss_mb`` is the largest single process (the
kernel's ``ru_maxrss`` of the command and the children it waited for), ``peak_tree_mb`` is the largest sum of the
resident sets of every process in the command's session, sampled every 50 ms (what a process pool or a Node tool
that spawns helpers really holds).  CPU seconds are user + system time of the command and its children: the
kernel's count for the children it reaped, or, when larger, the sum over every process seen in the session (a
process pool whose workers are reaped by a fork server escapes the first; processes shorter than one sample
escape the second, so both are lower bounds).  Wall time ends when the command exits, seen by a thread blocked on
its exit, not at the next sample: a 70 ms run is not rounded up to 100 or 150 ms.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.05


@dataclass(slots=True)
class Measurement:
    command: list[str]
    returncode: int | None
    wall_seconds: float
    cpu_seconds: float
    max_rss_mb: float
    peak_tree_mb: float
    timed_out: bool
    log: str

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["wall_seconds"] = round(self.wall_seconds, 2)
        out["cpu_seconds"] = round(self.cpu_seconds, 2)
        out["max_rss_mb"] = round(self.max_rss_mb, 1)
        out["peak_tree_mb"] = round(self.peak_tree_mb, 1)
        return out

    def tail(self, lines: int = 15) -> str:
        try:
            text = Path(self.log).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _session_sample(session: int, cpu_ticks: dict[int, int]) -> int:
    """Resident bytes of every live process in ``session``; records each one's CPU ticks in ``cpu_ticks``."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name is in parentheses and may contain spaces: split after the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 21 and int(fields[3]) == session:
            total += int(fields[21]) * PAGE_SIZE
            cpu_ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    return total


def run_measured(
    command: Sequence[str],
    *,
    log: Path,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Measurement:
    """Run ``command`` in its own session (so the whole tree can be measured and stopped), output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    peak = 0
    cpu_ticks: dict[int, int] = {}
    timed_out = False
    exited = threading.Event()
    ended: list[float] = []

    def wait_for_exit() -> None:
        # WNOWAIT leaves the exited leader a zombie, so its id cannot be reused while leftovers are stopped
        with contextlib.suppress(ChildProcessError):  # reaped below after a timeout
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        ended.append(time.perf_counter())
        exited.set()

    threading.Thread(target=wait_for_exit, daemon=True).start()
    while not exited.is_set():
        peak = max(peak, _session_sample(proc.pid, cpu_ticks))
        if time.perf_counter() - start > timeout:
            timed_out = True
            break
        exited.wait(SAMPLE_SECONDS)
    # stop the command on a timeout, and any helper it left running in its session either way
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = (ended[0] if ended else time.perf_counter()) - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        command=list(command),
        returncode=None if timed_out else proc.returncode,
        wall_seconds=wall,
        cpu_seconds=max(usage.ru_utime + usage.ru_stime, sum(cpu_ticks.values()) / CLOCK_TICKS),
        max_rss_mb=usage.ru_maxrss / 1024,
        peak_tree_mb=max(peak, usage.ru_maxrss * 1024) / (1024 * 1024),
        timed_out=timed_out,
        log=str(log),
    )


def offline_prefix() -> list[str]:
    """``unshare -n`` when this user may create a network namespace: every tool then runs without network."""
    ok = shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], check=False).returncode == 0
    return ["unshare", "-n"] if ok else []


def machine() -> dict[str, Any]:
    """What the numbers were measured on (CPUs, memory, Python, kernel, network)."""
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next((line.split()[1] for line in meminfo if line.startswith("MemTotal")), "0")
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "network": "none (unshare -n)" if offline_prefix() else "host network",
    }
