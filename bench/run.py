"""Run every benchmark in turn (``make bench``); each prints its own table.

    .venv/bin/python bench/run.py                 # all of them, default sizes
    .venv/bin/python bench/run.py inventory_api analyze

Set VIRTPLAN_BENCH_POSTGRES_URL to include PostgreSQL where a benchmark
stores data. The figures last measured are in bench/README.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "inventory_api",
    "plan_pages",
    "analyze",
    "findings_sync",
    "placement",
    "placement_quality",
    "analysis_run",
    "report",
    "importers",
    "hostile_bodies",
    "pages",
    "load",
)


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        print(f"\n== {name} ==", flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / f"{name}.py")]).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
