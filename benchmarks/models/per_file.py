"""Per-file cost of aispm and picklescan: interleaved best-of-N wall times on one small pickle, on 2,000 and on
the 1 GiB PyTorch checkpoint.

    .venv/bin/python benchmarks/models/per_file.py             # best of 10 (after run.py has written the workloads)
    .venv/bin/python benchmarks/models/per_file.py --repeat 20

The table goes into ``results.json`` (key ``per_file``) and ``results.md`` beside this file.

On a shared machine a single best-of-5 per tool mixes each tool's cost with the load of the moment; running the
tools in turn, round after round, exposes them to the same load.  The fixed cost of a run (interpreter start-up,
imports, report) is the wall time on one file; the per-file cost is the slope ``(T(2000) - T(1)) / 1999``.  The
one-file workload is a malicious pickle of the 2,000 (so both runs raise findings), copied beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # benchmarks/measure.py

from measure import offline_prefix
from run import markdown
from scanners import WORK, command

HERE = Path(__file__).resolve().parent
SPEED = WORK / "models" / "speed"
TOOLS = ("aispm", "picklescan")


def one_file_workload() -> Path:
    labels = json.loads((SPEED / "pickles-2000.labels.json").read_text())
    malicious = sorted(path for path, label in labels.items() if label == "malicious" and path.endswith(".pkl"))
    target = WORK / "models" / "per-file" / "pickles-1"
    target.mkdir(parents=True, exist_ok=True)
    source = SPEED / "pickles-2000" / malicious[0]
    shutil.copyfile(source, target / source.name)
    return target


def wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if not (SPEED / "pickles-2000").is_dir():
        sys.exit("run benchmarks/models/run.py first: it writes the speed workloads")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # tools run as installed, with their bytecode cached
    report = WORK / "models" / "per-file" / "report.json"
    workloads = {
        "1 file": one_file_workload(),
        "2,000 files": SPEED / "pickles-2000",
        "1 GiB checkpoint": SPEED / "checkpoint-1g",
    }
    times: dict[tuple[str, str], list[float]] = {(tool, name): [] for tool in TOOLS for name in workloads}
    prefix = offline_prefix()  # as run.py runs the tools: without network when the machine allows it
    load = float(Path("/proc/loadavg").read_text().split()[0])
    for _ in range(args.repeat):
        for name, target in workloads.items():
            for tool in TOOLS:
                extra = ["--no-hash"] if tool == "aispm" else []
                times[(tool, name)].append(wall(prefix + command(tool, target, report) + extra, env))
    rows = {}
    for tool in TOOLS:
        one, many = min(times[(tool, "1 file")]), min(times[(tool, "2,000 files")])
        rows[tool] = {"one_file": round(one, 3), "files_2000": round(many, 3),
                      "per_file_us": round((many - one) / 1999 * 1e6),
                      "checkpoint_1g": round(min(times[(tool, "1 GiB checkpoint")]), 3)}  # fmt: skip
    results_path = HERE / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["per_file"] = {"date": dt.date.today().isoformat(), "repeat": args.repeat, "load_average": load,
                           "tools": rows}  # fmt: skip
    if "machine" in results:  # results.md needs the rest of run.py's results
        results_path.write_text(json.dumps(results, indent=1) + "\n")
        (HERE / "results.md").write_text(markdown(results))
    print(json.dumps(results["per_file"], indent=1))


if __name__ == "__main__":
    main()
