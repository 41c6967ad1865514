"""Personal data in training datasets: aispm and Microsoft Presidio side by side (issue #5).

    .venv/bin/python benchmarks/pii/run.py                  # everything (installs Presidio on first use)
    .venv/bin/python benchmarks/pii/run.py --skip-peers     # aispm only (Presidio's earlier figures are kept)
    .venv/bin/python benchmarks/pii/run.py --no-speed       # the quality corpus only
    .venv/bin/python benchmarks/pii/run.py --report-only    # rewrite results.md and the README from results.json
    .venv/bin/python benchmarks/pii/run.py --holdout        # the held-out corpus of holdout.py (see its docstring)

(a) Quality: the corpus of ``corpus.py`` scored by ``scoring.py``.  (b) Speed: the 200 MB chat JSONL of
``speed_corpus.py``.  Wall time, CPU seconds and peak memory of each tool's whole process tree come from
``benchmarks/measure.py``.  Results go to ``results.json`` and ``results.md`` beside this file and to the PII table of
the top-level README; the corpus, reports and logs to ``benchmarks/work/pii/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.append(str(HERE.parent))  # benchmarks/measure.py

from corpus import build_corpus  # noqa: E402
from measure import machine, offline_prefix, run_measured  # noqa: E402
from scoring import score  # noqa: E402
from speed_corpus import build_speed_file  # noqa: E402

WORK = REPO / "benchmarks" / "work"
OUT = WORK / "pii"
PEER_VENV = WORK / "pii-peers-venv"
PRESIDIO_PIN = ("presidio-analyzer==2.2.366", "pyarrow==26.0.1")
SPEED_FILE = OUT / "speed" / "data" / "chat-200mb.jsonl"
PRESIDIO_SLICE_BYTES = 10 * 1000 * 1000
PRESIDIO_FULL_LIMIT_SECONDS = 600.0
README_START = "<!-- pii-bench:start (benchmarks/pii/run.py writes this table) -->"
README_END = "<!-- pii-bench:end -->"
HOLDOUT_START = "<!-- pii-holdout:start (benchmarks/pii/holdout.py writes this section) -->"
HOLDOUT_END = "<!-- pii-holdout:end -->"
TARGETS = {"recall": 0.95, "decoys_reported": 5, "mb_per_second": 40.0}


def install_presidio() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import presidio_analyzer, pyarrow"], check=False, capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PRESIDIO_PIN], check=True)
    return python


def version(python: Path, package: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    result = subprocess.run([str(python), "-c", code], check=False, capture_output=True, text=True)
    return result.stdout.strip() or "?"


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(OUT / "home")  # caches of every tool stay in the work directory
    Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
    return env


def measured(argv: list[str], label: str, timeout: float) -> dict[str, Any]:
    result = run_measured(offline_prefix() + argv, log=OUT / "logs" / f"{label}.log", timeout=timeout,
                          env=environment(), cwd=REPO)  # fmt: skip
    row = result.to_json()
    if result.returncode not in (0, 1):  # aispm exits 1 when it has findings
        row["error"] = result.tail(5)
    return row


def dataset_files(truth: dict[str, Any]) -> list[str]:
    return sorted(truth["files"])


# --- quality ---------------------------------------------------------------------------------------------------------


def quality_presidio(python: Path, truth: dict[str, Any], timeout: float, root: Path = OUT,
                     label: str = "corpus", max_listed: int = 100) -> dict[str, Any]:  # fmt: skip
    """``root``/``label``: the corpus directory and the report name (the held-out corpus of ``holdout.py``)."""
    report = OUT / "reports" / f"presidio-{label}.json"
    argv = [str(python), str(HERE / "peers" / "presidio_runner.py"), "--root", str(root / "tree"), "--out",
            str(report), *dataset_files(truth)]  # fmt: skip
    measurement = measured(argv, f"presidio-{label}", timeout)
    data = json.loads(report.read_text())
    return {
        "measurement": measurement,
        "errors": data["errors"],
        "score": score("presidio", data["reports"], truth, max_listed=max_listed),
        "score_at_0.5": score("presidio", data["reports"], truth, min_score=0.5),
    }


def _cli_findings(report: Path) -> tuple[dict[str, int], list[str]]:
    """``{"file|entity_type": count}`` of the PII findings of an ``aispm scan -f json`` report, and its errors."""
    data = json.loads(report.read_text())
    counts: dict[str, int] = {}
    for finding in data.get("findings", []):
        properties = finding.get("properties") or {}
        if "entity_type" not in properties:
            continue
        path = (finding.get("location") or {}).get("path", "")
        counts[f"{path}|{properties['entity_type']}"] = int(properties.get("count", 0))
    errors = [json.dumps(e)[:300] for e in data.get("errors", [])]
    return counts, errors


def quality_aispm(truth: dict[str, Any], timeout: float, root: Path = OUT, label: str = "corpus",
                  max_listed: int = 100) -> dict[str, Any]:  # fmt: skip
    tree = root / "tree"
    cli_report = OUT / "reports" / f"aispm-{label}-cli.json"
    cli_report.parent.mkdir(parents=True, exist_ok=True)
    aispm = str(REPO / ".venv" / "bin" / "aispm")
    argv = [aispm, "scan", str(tree), "--scanners", "data", "--format", "json", "--output", str(cli_report),
            "--no-store"]  # fmt: skip
    measurement = measured(argv, f"aispm-{label}-cli", timeout)
    cli_counts, cli_errors = _cli_findings(cli_report) if cli_report.is_file() else ({}, ["no report written"])
    located = OUT / "reports" / f"aispm-{label}-located.json"
    argv = [str(REPO / ".venv" / "bin" / "python"), str(HERE / "peers" / "aispm_runner.py"), "--root", str(tree),
            "--out", str(located), *dataset_files(truth)]  # fmt: skip
    runner = measured(argv, f"aispm-{label}-located", timeout)
    data = json.loads(located.read_text())
    reports = data["reports"]
    scored_from = "aispm scan (locations from the scanner with the sample cap lifted)"
    if cli_counts:
        reports = [r for r in reports if f"{r['file']}|{r['type']}" in cli_counts]
    else:
        scored_from = "the dataset scanner directly: `aispm scan` reported no PII finding"
    mismatches = {
        key: {"cli": cli_counts.get(key), "scanner": count}
        for key, count in data["counts"].items()
        if cli_counts and cli_counts.get(key) != count
    }
    return {
        "measurement": measurement,
        "runner_measurement": runner,
        "scored_from": scored_from,
        "cli_findings": len(cli_counts),
        "cli_errors": cli_errors,
        "count_mismatches": mismatches,
        "errors": data["errors"],
        "score": score("aispm", reports, truth, max_listed=max_listed),
    }


# --- speed -----------------------------------------------------------------------------------------------------------


def speed_aispm(info: dict[str, Any], timeout: float) -> dict[str, Any]:
    report = OUT / "reports" / "aispm-speed.json"
    aispm = str(REPO / ".venv" / "bin" / "aispm")
    argv = [aispm, "scan", str(SPEED_FILE.parent.parent), "--scanners", "data", "--format", "json", "--output",
            str(report), "--no-store"]  # fmt: skip
    load_before = os.getloadavg()[0]
    row = measured(argv, "aispm-speed", timeout)
    row["load_average_before"] = round(load_before, 1)
    counts, errors = _cli_findings(report) if report.is_file() else ({}, ["no report written"])
    row["how"] = "aispm scan DIR --scanners data (the whole command: start-up, walk, scan, report)"
    if not counts:  # not wired into the command line yet: time the scanner alone
        located = OUT / "reports" / "aispm-speed-located.json"
        argv = [str(REPO / ".venv" / "bin" / "python"), str(HERE / "peers" / "aispm_runner.py"), "--root",
                str(SPEED_FILE.parent), "--out", str(located), SPEED_FILE.name]  # fmt: skip
        row = measured(argv, "aispm-speed-located", timeout)
        row["how"] = "the dataset scanner alone (aispm scan reported no PII finding)"
        counts = json.loads(located.read_text())["counts"]
    row["findings"] = {key.split("|", 1)[1]: value for key, value in sorted(counts.items())}
    row["cli_errors"] = errors
    row["bytes"] = info["bytes"]
    row["mb_per_second"] = round(info["bytes"] / 1e6 / row["wall_seconds"], 1) if row["wall_seconds"] else None
    row["mb_per_cpu_second"] = round(info["bytes"] / 1e6 / row["cpu_seconds"], 1) if row["cpu_seconds"] else None
    return row


def speed_presidio(python: Path, info: dict[str, Any], timeout: float) -> dict[str, Any]:
    """A 10 MB slice first; the whole file only when the slice says it would finish within 10 minutes."""
    report = OUT / "reports" / "presidio-speed.json"
    base = [str(python), str(HERE / "peers" / "presidio_runner.py"), "--root", str(SPEED_FILE.parent), "--out",
            str(report)]  # fmt: skip
    load_before = os.getloadavg()[0]
    row = measured([*base, "--max-bytes", str(PRESIDIO_SLICE_BYTES), SPEED_FILE.name], "presidio-speed-slice", timeout)
    row["load_average_before"] = round(load_before, 1)
    data = json.loads(report.read_text())
    rate = PRESIDIO_SLICE_BYTES / 1e6 / row["wall_seconds"]
    row["slice_bytes"] = PRESIDIO_SLICE_BYTES
    row["results"] = len(data["reports"])
    if info["bytes"] / 1e6 / rate <= PRESIDIO_FULL_LIMIT_SECONDS:
        row = measured([*base, SPEED_FILE.name], "presidio-speed-full", timeout)
        row["results"] = len(json.loads(report.read_text())["reports"])
        row["extrapolated"] = False
        row["mb_per_second"] = round(info["bytes"] / 1e6 / row["wall_seconds"], 2)
        row["mb_per_cpu_second"] = round(info["bytes"] / 1e6 / row["cpu_seconds"], 2)
        return row
    row["extrapolated"] = True
    row["mb_per_second"] = round(rate, 2)
    row["mb_per_cpu_second"] = round(PRESIDIO_SLICE_BYTES / 1e6 / row["cpu_seconds"], 2)
    row["whole_file_seconds_estimate"] = round(info["bytes"] / 1e6 / rate)
    return row


# --- report ----------------------------------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def summary_table(results: dict[str, Any]) -> list[str]:
    lines = ["| tool | entities found, right type | decoys reported | clean files flagged | MB/s, wall (200 MB "
             "JSONL) | MB per CPU s | peak MB |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for tool, entry in results["quality"].items():
        s = entry["score"]
        speed = results.get("speed", {}).get(tool, {})
        slice_note = " (first 10 MB)" if speed.get("extrapolated") else ""
        rate = f"{speed['mb_per_second']}{slice_note}" if "mb_per_second" in speed else ""
        per_cpu = f"{speed['mb_per_cpu_second']}{slice_note}" if "mb_per_cpu_second" in speed else ""
        peak = f"{speed['peak_tree_mb']:.0f}" if "peak_tree_mb" in speed else ""
        decoys = f"{s['decoys_reported']}/{s['decoys']}"
        if s["decoys_reported_without_date_time"] != s["decoys_reported"]:
            decoys += f" ({s['decoys_reported_without_date_time']} without `DATE_TIME` on timestamps)"
        lines.append(
            f"| {tool} | {_pct(s['recall'])} ({s['found']}/{s['entities']}) | {decoys} | "
            f"{len(s['clean_files_flagged'])}/{s['clean_files']} | {rate} | {per_cpu} | {peak} |"
        )
    return lines


def markdown(results: dict[str, Any]) -> str:
    info = results["machine"]
    c = results["corpus"]
    lines = [
        "# Personal data in training datasets: aispm and Microsoft Presidio",
        "",
        f"Measured {results['date']} on {info['cpus']} CPUs ({info['cpu']}), {info['memory_gb']} GB RAM, Python "
        f"{info['python']}, network: {info['network']}. Generated by `benchmarks/pii/run.py`; every number below is "
        "measured, except the Presidio speed marked as a slice (its rate on the first 10 MB, as the whole 200 MB "
        "file would take more than ten minutes).",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()) + ".",
        "",
        "## Quality corpus",
        "",
        f"{c['files']} dataset files ({c['bytes'] / 1e3:.0f} kB: chat and prompt/completion JSONL, CSV, Parquet, an "
        f"Arrow file of a Hugging Face dataset directory, Markdown, a `.jsonl.gz`; {c['clean_files']} clean files) "
        f"with {c['entities']} planted entities of {len(c['entities_by_kind'])} kinds and {c['decoys']} decoys.",
        "",
        *summary_table(results),
        "",
    ]
    tools = list(results["quality"])
    kinds = sorted(c["entities_by_kind"])
    lines += ["Entities found with the right type, by kind:", ""]
    lines += ["| kind | planted | " + " | ".join(tools) + " |", "|---|---|" + "---|" * len(tools)]
    for kind in kinds:
        cells = []
        for tool in tools:
            entry = results["quality"][tool]["score"]["by_kind"].get(kind, {"found": 0})
            cells.append(str(entry["found"]))
        lines.append(f"| {kind} | {c['entities_by_kind'][kind]} | " + " | ".join(cells) + " |")
    lines += ["", "Decoys reported, by decoy kind (of " + ", ".join(
        f"{k} {v}" for k, v in c["decoys_by_kind"].items()) + "):", ""]  # fmt: skip
    for tool in tools:
        s = results["quality"][tool]["score"]
        kinds_text = ", ".join(f"{k} {v}" for k, v in s["decoys_reported_by_kind"].items()) or "none"
        types_text = ", ".join(f"{k} {v}" for k, v in s["decoys_reported_by_type"].items()) or "none"
        lines.append(f"- **{tool}**: {kinds_text} (reported as: {types_text})")
    presidio = results["quality"].get("presidio")
    if presidio:
        s = presidio["score"]
        t = presidio["score_at_0.5"]
        lines += [
            "",
            f"Presidio without its `DATE_TIME` results on timestamps: {s['decoys_reported_without_date_time']} "
            f"decoys reported. With a score threshold of 0.5: {_pct(t['recall'])} of entities, "
            f"{t['decoys_reported']} decoys. Presidio also put {sum(s['wrong_type_reports'].values())} results of "
            "another type on planted entities (" + ", ".join(
                f"{k} {v}" for k, v in list(s["wrong_type_reports"].items())[:6]) + ", ...).",
        ]  # fmt: skip
    for tool in tools:
        s = results["quality"][tool]["score"]
        lines += ["", f"Clean files flagged by {tool}: {', '.join(s['clean_files_flagged']) or 'none'}."]
    aispm = results["quality"].get("aispm")
    if aispm:
        lines += ["", f"aispm scored from: {aispm['scored_from']}."]
        if aispm["count_mismatches"]:
            lines.append(f"Count mismatches between `aispm scan` and the scanner: {aispm['count_mismatches']}.")
    speed = results.get("speed")
    if speed:
        s_info = results["speed_file"]
        lines += [
            "",
            "## Speed",
            "",
            f"One chat JSONL of {s_info['bytes'] / 1e6:.0f} MB ({s_info['lines']:,} conversations, "
            f"{s_info['pii_lines']:,} with personal data, {s_info['decoy_lines']:,} with decoys).",
            "",
            "| tool | how | wall s | CPU s | peak MB | MB/s (wall) | MB per CPU s | load average before |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for tool, row in speed.items():
            how = row.get("how", "")
            if row.get("extrapolated"):
                how = (f"first {row['slice_bytes'] / 1e6:.0f} MB only; the whole file would take about "
                       f"{row['whole_file_seconds_estimate']:,} s")  # fmt: skip
            lines.append(
                f"| {tool} | {how} | {row['wall_seconds']} | {row['cpu_seconds']} | {row['peak_tree_mb']:.0f} | "
                f"{row['mb_per_second']} | {row['mb_per_cpu_second']} | {row.get('load_average_before', '?')} |"
            )
        lines += [
            "",
            "The machine has 2 cores shared with other work: with a load average above 2 the wall time includes time "
            "spent waiting for a core, and MB per CPU second is the steadier figure of the two.",
        ]
        a = speed.get("aispm")
        if a and a.get("findings"):
            lines += ["", "aispm's findings on the speed file: " + ", ".join(
                f"{k} {v}" for k, v in a["findings"].items()) + "."]  # fmt: skip
    lines += ["", "## What aispm missed and what it flagged", ""]
    if aispm:
        s = aispm["score"]
        missed: dict[str, int] = {}
        for m in s["missed"]:
            key = f"{m['kind']} in {m['file']}" + (f" ({m['column']})" if m.get("column") else "")
            missed[key] = missed.get(key, 0) + 1
        lines += [f"- missed: {k}: {v}" for k, v in sorted(missed.items(), key=lambda kv: -kv[1])] or ["- missed: none"]
        lines += [
            f"- decoy reported: {d['kind']} `{d['masked']}` in {d['file']} "
            + (f"row {d['row']} column {d['column']}" if d.get("column") else f"line {d.get('line')}")
            + f" as {d['as']}"
            for d in s["decoys_reported_list"]
        ] or ["- decoys reported: none"]
    targets = results["targets"]
    lines += [
        "",
        f"Targets (issue #5): at least {_pct(targets['recall'])} of entities with the right type, at most "
        f"{targets['decoys_reported']} decoys reported, at least {targets['mb_per_second']:.0f} MB/s on the 200 MB "
        "file.",
        "",
    ]
    return "\n".join(lines)


def write_results_md(results: dict[str, Any]) -> None:
    """Rewrite results.md, keeping the held-out section that ``holdout.py`` writes between its markers."""
    path = HERE / "results.md"
    text = markdown(results)
    old = path.read_text() if path.exists() else ""
    kept = re.search(re.escape(HOLDOUT_START) + ".*?" + re.escape(HOLDOUT_END), old, re.S)
    path.write_text(text + ("\n" + kept.group(0) + "\n" if kept else ""))


def update_readme(results: dict[str, Any]) -> None:
    readme = REPO / "README.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        print("README.md has no PII benchmark markers; table not written there", file=sys.stderr)
        return
    block = "\n".join([README_START, *summary_table(results), README_END])
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    readme.write_text(pattern.sub(lambda _: block, text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--holdout", action="store_true", help="the held-out corpus of holdout.py instead")
    args = parser.parse_args()
    if args.holdout:
        import holdout  # imported late: it imports this module

        holdout.main([*(["--skip-peers"] if args.skip_peers else []), *(["--report-only"] if args.report_only else [])])
        return
    results_path = HERE / "results.json"
    previous = json.loads(results_path.read_text()) if results_path.exists() else {}
    if args.report_only:
        write_results_md(previous)
        update_readme(previous)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    truth = build_corpus(OUT)
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "targets": TARGETS,
        "versions": previous.get("versions", {}),
        "corpus": truth["summary"],
        "quality": previous.get("quality", {}),
        "speed": previous.get("speed", {}),
        "speed_file": previous.get("speed_file", {}),
    }
    results["versions"]["aispm"] = version(REPO / ".venv" / "bin" / "python", "aispm")
    python = None
    if not args.skip_peers:
        python = install_presidio()
        results["versions"]["presidio-analyzer"] = version(python, "presidio-analyzer")
        print("quality: presidio", flush=True)
        results["quality"]["presidio"] = quality_presidio(python, truth, args.timeout)
    print("quality: aispm", flush=True)
    results["quality"]["aispm"] = quality_aispm(truth, args.timeout)
    if not args.no_speed:
        info = build_speed_file(SPEED_FILE)
        results["speed_file"] = info
        subprocess.run(["sync"], check=False)
        print("speed: aispm", flush=True)
        results["speed"]["aispm"] = speed_aispm(info, args.timeout)
        if python is not None:
            print("speed: presidio", flush=True)
            results["speed"]["presidio"] = speed_presidio(python, info, args.timeout)
    order = ("aispm", "presidio")
    results["quality"] = {t: results["quality"][t] for t in order if t in results["quality"]}
    results["speed"] = {t: results["speed"][t] for t in order if t in results["speed"]}
    results_path.write_text(json.dumps(results, indent=1) + "\n")
    write_results_md(results)
    update_readme(results)
    print(markdown(results))


if __name__ == "__main__":
    main()
