"""Every location of every entity aispm's dataset scanner finds, for scoring by line or row.

    .venv/bin/python benchmarks/pii/peers/aispm_runner.py --root TREE --out REPORT.json FILE...

``aispm scan`` keeps five sample locations per file and entity type in a finding (with the full count); scoring
needs all of them, so this runner calls the same scanner the ``pii`` analyser calls
(:func:`aispm.checks.pii.scanner.scan_dataset`, same defaults) with that cap lifted.  ``run.py`` keeps only the
(file, type) pairs that ``aispm scan`` itself reported and checks that the counts agree, so what is scored is what
the command line reports.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from aispm.checks.pii import scanner


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    scanner.MAX_SAMPLES = 1 << 30  # every location, not five (the counts are the same either way)
    started = time.perf_counter()
    reports = []
    counts = {}
    errors = []
    for relative in args.files:
        profile = scanner.scan_dataset(args.root / relative)
        if profile.error:
            errors.append(f"{relative}: {profile.error}")
        for entity_type, stats in profile.entities.items():
            counts[f"{relative}|{entity_type}"] = stats.count
            for sample in stats.samples:
                reports.append(
                    {
                        "file": relative,
                        "line": sample.line,
                        "row": sample.row,
                        "column": sample.field,
                        "type": str(entity_type),
                    }
                )
    output = {
        "tool": "aispm",
        "seconds": round(time.perf_counter() - started, 2),
        "reports": reports,
        "counts": counts,
        "errors": errors,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(output) + "\n")


if __name__ == "__main__":
    main()
