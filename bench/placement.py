"""Benchmark: ``virtplan place`` against validating the same inventory, in CPU time.

Two estates of the same shape (``synthetic.shape``: 10,000 VMs on 500 hosts by
default), each written to a temporary file:

* ``violations``: VMs already placed, about one in a thousand on a host of
  another zone;
* ``all-new``: the same estate with every VM's host removed, so all are placed
  from scratch.

For each, in fresh processes (CPU time user+sys from each child's own rusage,
peak RSS), repeated (3x by default, medians):

* ``virtplan place FILE --format json`` end to end (read, validate, estate,
  advise, the analysis before and after, JSON) against ``virtplan inventory
  validate FILE`` (read, validate, estate): the ratio. Target (issue 11, shared
  with the placement issue): <= 3 at 10,000 VMs / 500 hosts; its wall time
  (issue 15: 100,000 VMs / 5,000 hosts in under 60 s);
* the stages in one process: validating (read, check, estate), the advice
  alone (``advise``), the analyses before and after.

    .venv/bin/python bench/placement.py                 # 10,000 VMs / 500 hosts
    .venv/bin/python bench/placement.py --vms 100000    # 5,000 hosts

The machine may be shared: compare CPU times and ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from analyze import measure  # noqa: E402  (bench/ is on sys.path above)
from synthetic import generate, shape  # noqa: E402

TARGET = 3.0


def child_stages(path: str) -> dict:
    from planner.core.allocation import bulk_allocation
    from planner.core.analysis import analyze
    from planner.core.inventory import load_estate_file
    from planner.core.placement import SolverOptions, advise, apply_placement

    times = {}
    with bulk_allocation():
        t = time.process_time()
        estate = load_estate_file(path)
        times["validate (read, check, estate)"] = time.process_time() - t
        t = time.process_time()
        result = advise(estate, findings=False)
        times["advise (placement only)"] = time.process_time() - t
        t = time.process_time()
        advise(estate, findings=False, options=SolverOptions(time_limit=0))
        times["advise, heuristic alone"] = time.process_time() - t
        t = time.process_time()
        analyze(estate).summary()
        times["analysis before"] = time.process_time() - t
        t = time.process_time()
        analyze(apply_placement(estate, result.placement)).summary()
        times["apply + analysis after"] = time.process_time() - t
    return times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--child", metavar="PATH", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child_stages(a.child)))
        return 0

    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}, {a.runs} runs each, medians")
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
            place_cmd = [sys.executable, "-m", "planner", "place", path, "--format", "json"]
            validate_cmd = [sys.executable, "-m", "planner", "inventory", "validate", path]
            runs, walls = [], []
            for _ in range(a.runs):
                started = time.perf_counter()
                place_cpu, place_peak, out = measure(place_cmd)
                walls.append(time.perf_counter() - started)
                validate_cpu, _peak, _out = measure(validate_cmd)
                _cpu, _peak, stages = measure([sys.executable, __file__, "--child", path])
                runs.append((place_cpu, place_peak, validate_cpu, json.loads(stages.strip().splitlines()[-1])))
            result = json.loads(out)
            place_cpu = statistics.median(r[0] for r in runs)
            validate_cpu = statistics.median(r[2] for r in runs)
            stages = {k: statistics.median(r[3][k] for r in runs) for k in runs[0][3]}
            print(
                f"\n{a.vms:,} VMs on {hosts:,} hosts, {variant}: {len(result['moves']):,} moves, "
                f"{len(result['unplaced']):,} unplaced, ZONE-MIX-HOST "
                f"{result['findings_before']['by_rule'].get('ZONE-MIX-HOST', 0):,} -> "
                f"{result['findings_after']['by_rule'].get('ZONE-MIX-HOST', 0):,}"
            )
            print(
                f"  virtplan place {place_cpu:6.2f} s CPU ({statistics.median(walls):.2f} s wall)   "
                f"virtplan inventory validate {validate_cpu:5.2f} s   "
                f"ratio {place_cpu / validate_cpu:5.2f} (target <= {TARGET})   "
                f"peak RSS {statistics.median(r[1] for r in runs):,.0f} MiB; CP-SAT on "
                f"{sum(1 for d in result['domains'] if d['method'] == 'cp-sat')} of {len(result['domains'])} domains"
            )
            validate = stages["validate (read, check, estate)"]
            advise = stages["advise (placement only)"]
            print(f"  in one process: advise alone / validate = {advise / validate:.2f}")
            for stage, seconds in stages.items():
                print(f"    {stage:<34}{seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
