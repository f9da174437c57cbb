"""Benchmark: ``virtplan analyze`` end to end against ``json.loads`` on the same file.

For each size (10k, 30k, 100k VMs by default; the 100k estate has 5,000 hosts,
2,000 networks, 200 datastores, two NICs and two disks per VM, violations
planted) it writes the synthetic estate to a temporary file, then, each in a
fresh subprocess so memory peaks do not mix:

* ``analyze``: the real command, in-process — ``virtplan analyze FILE --format json``
  through click with stdout captured (reading the file, json.loads, validation,
  the typed estate, the indexes and network segments, every rule, scoring,
  ordering, JSON output); wall time and peak RSS (ru_maxrss);
* ``stages``: the same pipeline step by step, to show where the time goes;
* ``loads``: ``json.loads`` of the file's text alone, best of three, as a plain
  caller runs it (collector on) and with the collector paused.

    .venv/bin/python bench/analyze.py            # 10k, 30k, 100k
    .venv/bin/python bench/analyze.py --sizes 10000 100000

Targets (issue 3): 100k end to end < 15 s on 2 cores, ratio to json.loads < 5,
peak < 2 GiB, time per VM not growing from 10k to 100k.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
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

from synthetic import shape  # noqa: E402  (bench/ is on sys.path above)


def child_analyze(path: str) -> dict:
    from planner.cli import main

    out = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(out):
        main(["analyze", path, "--format", "json"], standalone_mode=False)
    elapsed = time.perf_counter() - t
    findings = len(json.loads(out.getvalue())["findings"])
    return {
        "seconds": elapsed,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "findings": findings,
    }


def child_stages(path: str) -> dict:
    from planner.cli.analysis import bulk_allocation
    from planner.core.analysis import analyze, build_graph
    from planner.core.inventory import read_document
    from planner.core.inventory.estate import estate_from_document
    from planner.core.inventory.validate import validate_document

    times = {}
    with bulk_allocation():
        t = time.perf_counter()
        doc = read_document(path)
        times["read+json.loads"] = time.perf_counter() - t
        t = time.perf_counter()
        norm = validate_document(doc)
        times["validate"] = time.perf_counter() - t
        t = time.perf_counter()
        estate = estate_from_document(norm)
        times["estate"] = time.perf_counter() - t
        t = time.perf_counter()
        result = analyze(estate)
        times["rules+scoring"] = time.perf_counter() - t
        t = time.perf_counter()
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1)
        times["output"] = time.perf_counter() - t
        t = time.perf_counter()
        build_graph(estate)
        times["full graph (export only, not in analyze)"] = time.perf_counter() - t
    return times


def child_loads(path: str) -> dict:
    text = Path(path).read_text(encoding="utf-8")
    best_on = best_off = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        doc = json.loads(text)
        best_on = min(best_on, time.perf_counter() - t)
        del doc
        gc.collect()
    gc.disable()
    for _ in range(3):
        t = time.perf_counter()
        doc = json.loads(text)
        best_off = min(best_off, time.perf_counter() - t)
        del doc
    return {"gc_on": best_on, "gc_off": best_off}


def run_child(mode: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, path], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    p.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        mode, path = a.child
        print(json.dumps({"analyze": child_analyze, "stages": child_stages, "loads": child_loads}[mode](path)))
        return 0

    from synthetic import generate

    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for vms in a.sizes:
            hosts, networks, datastores = shape(vms)
            path = os.path.join(tmp, f"estate-{vms}.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(generate(vms, hosts, networks, datastores, violations=True), fh, separators=(",", ":"))
            size_mb = os.path.getsize(path) / 1e6
            loads = run_child("loads", path)
            e2e = run_child("analyze", path)
            stages = run_child("stages", path)
            rows.append((vms, e2e["seconds"]))
            print(
                f"\n{vms:,} VMs ({hosts:,} hosts, {networks:,} networks, {datastores:,} datastores), "
                f"file {size_mb:.0f} MB, {e2e['findings']:,} findings"
            )
            print(f"  analyze end to end   {e2e['seconds']:7.2f} s   peak RSS {e2e['peak_mib']:,.0f} MiB")
            print(f"  json.loads alone     {loads['gc_on']:7.2f} s   (collector paused: {loads['gc_off']:.2f} s)")
            print(
                f"  ratio                {e2e['seconds'] / loads['gc_on']:7.2f}     "
                f"(against paused json.loads: {e2e['seconds'] / loads['gc_off']:.2f})"
            )
            print(f"  per VM               {e2e['seconds'] / vms * 1e6:7.1f} µs")
            for stage, seconds in stages.items():
                print(f"    {stage:<44}{seconds:6.2f} s")
    if len(rows) > 1:
        (v0, t0), (v1, t1) = rows[0], rows[-1]
        print(
            f"\ngrowth {v0:,} -> {v1:,} VMs: time x{t1 / t0:.2f} for size x{v1 / v0:.0f} "
            f"(per-VM time x{(t1 / v1) / (t0 / v0):.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
