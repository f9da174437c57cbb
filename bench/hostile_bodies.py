"""What refusing an absurd body costs, against what parsing it used to cost,
and what the structure check adds to a real inventory.

Each measurement runs in a fresh subprocess (peak RSS is per process):

- a 16.8 MB body of 5.6 million empty arrays under ``vms``: ``parse_json``
  with the inventory's limits (refused by the structure check) against plain
  ``json.loads`` (what the API did before);
- the synthetic 100,000-VM estate: ``parse_json`` (structure check + strict
  parse) against ``json.loads``.

CPU time (user + sys) of the reader alone, and the memory it allocates at its
peak (tracemalloc, in a second run, since tracing slows the reader).

    .venv/bin/python bench/hostile_bodies.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _child(kind: str, path: str, traced: bool) -> dict:
    from planner.core.inventory.limits import DOCUMENT
    from planner.core.json_input import JsonInputError, parse_json

    text = Path(path).read_text()
    if traced:  # what the reader allocates, at its peak (tracemalloc slows it: timed apart)
        tracemalloc.start()
    started = time.process_time()
    outcome, document = "parsed", None
    try:
        document = json.loads(text) if kind == "json.loads" else parse_json(text, DOCUMENT)
    except JsonInputError as exc:
        outcome = f"refused: {exc.problems[0]}"
    cpu = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    assert document is None or outcome == "parsed"
    return {"cpu_s": round(cpu, 2), "peak_mib": round(peak / 2**20, 1), "outcome": outcome}


def _measure(kind: str, path: str, traced: bool) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, path, "traced" if traced else "timed"],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
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
        print("| body | size | reader | CPU (user+sys) | allocated at peak | outcome |")
        print("|---|---|---|---|---|---|")
        for label, path in (("5.6 M empty arrays", empty), ("100,000-VM estate", real)):
            size = path.stat().st_size / 1e6
            for kind in ("json.loads", "parse_json"):
                timed, traced = _measure(kind, str(path), False), _measure(kind, str(path), True)
                cells = [
                    label,
                    f"{size:.1f} MB",
                    kind,
                    f"{timed['cpu_s']} s",
                    f"{traced['peak_mib']} MiB",
                    timed["outcome"],
                ]
                print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        sys.path.insert(0, str(HERE.parent))
        print(json.dumps(_child(sys.argv[2], sys.argv[3], sys.argv[4] == "traced")))
        sys.exit(0)
    sys.exit(main())
