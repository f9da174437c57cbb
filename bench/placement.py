"""Benchmark: ``virtplan place`` on the synthetic 100,000-VM estate.

Two estates, each written to a temporary file and measured in a fresh
subprocess (so memory peaks do not mix):

* ``violations``: ``generate(100000, 5000, 2000, 200, violations=True)`` —
  VMs already placed, about one in a thousand on a host of another zone;
* ``all-new``: the same estate with every VM's host removed, so all 100,000
  are placed from scratch.

For each: the real command end to end (``virtplan place FILE --format json``
through click, stdout captured: read, validate, estate, advise, the analysis
before and after, JSON) with peak RSS (ru_maxrss), then the stages one by one.

    .venv/bin/python bench/placement.py
    .venv/bin/python bench/placement.py --vms 30000

Target (issue: placement advisor): 100k well under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def child_place(path: str) -> dict:
    from planner.cli import main

    out = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(out):
        main(["place", path, "--format", "json"], standalone_mode=False)
    elapsed = time.perf_counter() - t
    result = json.loads(out.getvalue())
    return {
        "seconds": elapsed,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "moves": len(result["moves"]),
        "unplaced": len(result["unplaced"]),
        "mixed": len(result["conflicts"]),
        "zone_mix_before": result["findings_before"]["by_rule"].get("ZONE-MIX-HOST", 0),
        "zone_mix_after": result["findings_after"]["by_rule"].get("ZONE-MIX-HOST", 0),
    }


def child_stages(path: str) -> dict:
    from planner.core.allocation import bulk_allocation
    from planner.core.analysis import analyze
    from planner.core.inventory import load_estate, read_document
    from planner.core.placement import advise, apply_placement

    times = {}
    with bulk_allocation():
        t = time.perf_counter()
        estate = load_estate(read_document(path))
        times["read, validate, estate"] = time.perf_counter() - t
        t = time.perf_counter()
        result = advise(estate)
        times["advise (placement only)"] = time.perf_counter() - t
        t = time.perf_counter()
        analyze(estate).summary()
        times["analysis before"] = time.perf_counter() - t
        t = time.perf_counter()
        analyze(apply_placement(estate, result.placement)).summary()
        times["apply + analysis after"] = time.perf_counter() - t
    return times


def in_child(mode: str, path: str) -> dict:
    """Run one measurement in a fresh interpreter; its JSON line back."""
    cmd = [sys.executable, __file__, "--child", mode, path]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=100_000)
    p.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        mode, path = a.child
        print(json.dumps({"place": child_place, "stages": child_stages}[mode](path)))
        return 0

    from synthetic import generate, shape

    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}")
    hosts, networks, datastores = shape(a.vms)
    doc = generate(a.vms, hosts, networks, datastores, violations=True)
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("violations", "all-new"):
            if variant == "all-new":
                for vm in doc["vms"]:
                    vm["host"] = None
            path = os.path.join(tmp, f"estate-{variant}.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, separators=(",", ":"))
            e2e = in_child("place", path)
            stages = in_child("stages", path)
            print(
                f"\n{a.vms:,} VMs on {hosts:,} hosts, {variant}: {e2e['moves']:,} moves, "
                f"{e2e['unplaced']:,} unplaced, ZONE-MIX-HOST {e2e['zone_mix_before']:,} -> "
                f"{e2e['zone_mix_after']:,}, {e2e['mixed']:,} hosts left mixed"
            )
            print(f"  place end to end     {e2e['seconds']:7.2f} s   peak RSS {e2e['peak_mib']:,.0f} MiB")
            for stage, seconds in stages.items():
                print(f"    {stage:<32}{seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
