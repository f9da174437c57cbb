"""What refusing an absurd body costs, against what parsing it used to cost,
and what the structure check adds to a real inventory.

Each measurement runs in a fresh subprocess (peak RSS is per process):

- a 16.8 MB body of 5.6 million empty arrays under ``vms``: ``parse_json``
  with the inventory's limits (refused by the structure check) against plain
  ``json.loads`` (what the API did before);
- the synthetic 100,000-VM estate: ``parse_json`` (structure check + strict
  parse) against ``json.loads``, CPU time (user + sys) and peak RSS.

    .venv/bin/python bench/hostile_bodies.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _child(kind: str, path: str) -> dict:
    from planner.core.inventory.limits import DOCUMENT
    from planner.core.json_input import JsonInputError, parse_json

    text = Path(path).read_text()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    outcome = "parsed"
    try:
        if kind == "json.loads":
            json.loads(text)
        else:
            parse_json(text, DOCUMENT)
    except JsonInputError as exc:
        outcome = f"refused: {exc.problems[0]}"
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"cpu_s": round(cpu, 2), "rss_growth_mib": round((peak - base) / 1024, 1), "outcome": outcome}


def _measure(kind: str, path: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, path], capture_output=True, text=True, check=True, cwd=HERE.parent
    )
    return json.loads(out.stdout)


def main() -> int:
    sys.path.insert(0, str(HERE))
    from synthetic import generate

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty-arrays.json"
        empty.write_text('{"schema": "virtplan.inventory/v1", "vms": [' + ",".join(["[]"] * 5_600_000) + "]}")
        real = Path(tmp) / "estate-100k.json"
        real.write_text(json.dumps(generate(100_000)))
        print("| body | size | reader | CPU (user+sys) | peak RSS growth | outcome |")
        print("|---|---|---|---|---|---|")
        for label, path in (("5.6 M empty arrays", empty), ("100,000-VM estate", real)):
            size = path.stat().st_size / 1e6
            for kind in ("json.loads", "parse_json"):
                r = _measure(kind, str(path))
                cells = [label, f"{size:.1f} MB", kind, f"{r['cpu_s']} s", f"{r['rss_growth_mib']} MiB", r["outcome"]]
                print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        sys.path.insert(0, str(HERE.parent))
        print(json.dumps(_child(sys.argv[2], sys.argv[3])))
        sys.exit(0)
    sys.exit(main())
