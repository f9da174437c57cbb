"""Benchmark: ``virtplan analyze`` against ``json.loads`` of the same file, in CPU time.

The same estate shapes every time (``synthetic.shape``, violations planted) at
1k, 10k and 100k VMs. For each size, repeated (3x by default, the median
printed), every measurement in a fresh process:

* ``analyze as a process``: ``python -m planner analyze FILE --format json``,
  its CPU time (user+sys, from the child's own rusage) and peak RSS, against
  a process that reads the file and runs ``json.loads`` on it (a plain
  caller: collector on). Target: ratio <= 2.5 at 100k; <= 0.3 s at 1k
  (startup: a file-only command imports no database, web or migration code);
* ``in-process``: in one fresh interpreter with the CLI imported, the CPU time
  of ``json.loads`` of the file's bytes and then of the analyze command (click,
  stdout captured). Target: ratio <= 2 at 100k;
* ``peak baseline``: the peak RSS of a process holding the parsed JSON and a
  networkx graph of the estate (a node per object, an edge per reference).
  Target: analyze's peak <= 1.2x that at 100k;
* ``stages``: where analyze's CPU time goes (informational).

Growth from 10k to 100k (CPU time per VM) says whether it stays linear.

    .venv/bin/python bench/analyze.py                         # 1k, 10k, 100k, 3 runs each
    .venv/bin/python bench/analyze.py --sizes 100000 --runs 5

The machine may be shared: CPU time and ratios measured in the same run are
what to compare, not wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synthetic import generate, shape  # noqa: E402  (bench/ is on sys.path above)

#: (ratio as a process, ratio in-process, peak against the baseline) at 100k; CPU seconds at 1k.
TARGETS = {"process": 2.5, "in_process": 2.0, "peak": 1.2, "startup_s": 0.3}
SERVER_SIDE = ("sqlalchemy", "flask", "alembic", "werkzeug", "models", "migrations")


def child_in_process(path: str) -> dict:
    """CPU time of json.loads and of the analyze command, in this one process."""
    from planner.cli import main

    raw = Path(path).read_bytes()
    t = time.process_time()
    doc = json.loads(raw)
    loads = time.process_time() - t
    del doc
    gc.collect()
    out = io.StringIO()
    t = time.process_time()
    with contextlib.redirect_stdout(out):
        main(["analyze", path, "--format", "json"], standalone_mode=False)
    analyze = time.process_time() - t
    return {"loads": loads, "analyze": analyze, "findings": len(json.loads(out.getvalue())["findings"])}


def child_baseline(path: str) -> dict:
    """json.loads of the file and a networkx graph of the estate: the peak to compare with."""
    import networkx as nx

    doc = json.loads(Path(path).read_bytes())
    g = nx.Graph()
    for coll in ("zones", "clusters", "networks", "hosts", "datastores", "appliances", "vms"):
        for o in doc.get(coll, []):
            g.add_node(f"{coll}:{o['id']}")
    for h in doc.get("hosts", []):
        if h.get("cluster"):
            g.add_edge(f"hosts:{h['id']}", f"clusters:{h['cluster']}")
    for n in doc.get("networks", []):
        if n.get("zone"):
            g.add_edge(f"networks:{n['id']}", f"zones:{n['zone']}")
    for d in doc.get("datastores", []):
        for h in d.get("hosts", []):
            g.add_edge(f"datastores:{d['id']}", f"hosts:{h}")
    for a in doc.get("appliances", []):
        for n in a.get("networks", []):
            g.add_edge(f"appliances:{a['id']}", f"networks:{n}")
    for v in doc.get("vms", []):
        vk = f"vms:{v['id']}"
        for key, coll in (("host", "hosts"), ("zone", "zones")):
            if v.get(key):
                g.add_edge(vk, f"{coll}:{v[key]}")
        for nic in v.get("nics", []):
            g.add_edge(vk, f"networks:{nic['network']}")
        for disk in v.get("disks", []):
            g.add_edge(vk, f"datastores:{disk['datastore']}")
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}


def child_stages(path: str) -> dict:
    """Analyze's pipeline step by step, CPU seconds each (as the CLI runs it)."""
    from planner.core import inventory
    from planner.core.allocation import bulk_allocation
    from planner.core.analysis import analyze

    times = {}
    with bulk_allocation():
        t = time.process_time()
        if hasattr(inventory, "load_estate_file"):
            estate = inventory.load_estate_file(path)
        else:  # before the file path had its own fast route
            estate = inventory.load_estate(inventory.read_document(path))
        times["read, parse, validate, estate"] = time.process_time() - t
        t = time.process_time()
        result = analyze(estate)
        times["rules and scoring"] = time.process_time() - t
        t = time.process_time()
        result.to_json() if hasattr(result, "to_json") else json.dumps(result.to_dict(), ensure_ascii=False, indent=1)
        times["JSON output"] = time.process_time() - t
        t = time.process_time()
        del estate, result
        times["freeing"] = time.process_time() - t
    return times


CHILDREN = {"in-process": child_in_process, "baseline": child_baseline, "stages": child_stages}


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """(CPU seconds user+sys, peak RSS MiB, stdout) of one child process, from its own rusage."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out)
        _pid, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{cmd} failed")
        out.seek(0)
        text = out.read().decode()
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def child(mode: str, path: str) -> dict:
    cpu, peak, text = measure([sys.executable, __file__, "--child", mode, path])
    return {**json.loads(text.strip().splitlines()[-1]), "cpu": cpu, "peak": peak}


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        mode, path = a.child
        print(json.dumps(CHILDREN[mode](path)))
        return 0

    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}, {a.runs} runs each, medians")
    per_vm = {}
    with tempfile.TemporaryDirectory() as tmp:
        for vms in a.sizes:
            path = os.path.join(tmp, f"estate-{vms}.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(generate(vms, *shape(vms), violations=True), fh, separators=(",", ":"))
            loads_cmd = [sys.executable, "-c", "import json,sys; json.loads(open(sys.argv[1],'rb').read())", path]
            analyze_cmd = [sys.executable, "-m", "planner", "analyze", path, "--format", "json"]
            runs = []
            for _ in range(a.runs):
                loads_cpu, loads_peak, _ = measure(loads_cmd)
                cpu, peak, text = measure(analyze_cmd)
                inner = child("in-process", path)
                base = child("baseline", path)
                runs.append(
                    {
                        "loads": loads_cpu,
                        "analyze": cpu,
                        "ratio": cpu / loads_cpu,
                        "peak": peak,
                        "loads_peak": loads_peak,
                        "in_loads": inner["loads"],
                        "in_analyze": inner["analyze"],
                        "in_ratio": inner["analyze"] / inner["loads"],
                        "base_peak": base["peak"],
                        "peak_ratio": peak / base["peak"],
                        "findings": len(json.loads(text)["findings"]),
                    }
                )
            stages = child("stages", path)
            hosts, networks, datastores = shape(vms)
            m = {k: median(runs, k) for k in runs[0]}
            per_vm[vms] = m["in_analyze"] / vms
            print(
                f"\n{vms:,} VMs ({hosts:,} hosts, {networks:,} networks, {datastores:,} datastores), "
                f"file {os.path.getsize(path) / 1e6:.1f} MB, {m['findings']:.0f} findings"
            )
            print(
                f"  as a process   analyze {m['analyze']:6.2f} s CPU   json.loads {m['loads']:6.2f} s   "
                f"ratio {m['ratio']:5.2f} (target <= {TARGETS['process']})"
            )
            print(
                f"  in-process     analyze {m['in_analyze']:6.2f} s CPU   json.loads {m['in_loads']:6.2f} s   "
                f"ratio {m['in_ratio']:5.2f} (target <= {TARGETS['in_process']})"
            )
            print(
                f"  peak RSS       analyze {m['peak']:6.0f} MiB    json+networkx {m['base_peak']:4.0f} MiB   "
                f"ratio {m['peak_ratio']:5.2f} (target <= {TARGETS['peak']}; "
                f"json.loads alone {m['loads_peak']:.0f} MiB)"
            )
            if vms <= 1_000:
                target = TARGETS["startup_s"]
                print(f"  startup        analyze as a process {m['analyze']:.2f} s CPU (target <= {target} s)")
            shown = {k: v for k, v in stages.items() if k not in ("cpu", "peak")}
            print("  stages (CPU s): " + ", ".join(f"{k} {v:.2f}" for k, v in shown.items()))
    if len(per_vm) > 1:
        sizes = sorted(per_vm)
        lo, hi = sizes[1] if len(sizes) > 2 else sizes[0], sizes[-1]
        growth = per_vm[hi] / per_vm[lo]
        print(f"\ngrowth {lo:,} -> {hi:,} VMs: in-process CPU time per VM x{growth:.2f} (1.00 is linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
