"""Benchmark: a stored inventory through the REST API — PUT, PUT again, GET, read back —
against ``json.loads`` of the same document, on SQLite and PostgreSQL.

The same estate shapes every time (``synthetic.shape``, violations planted), at
1k, 10k and 100k VMs. Each backend and size runs in a fresh subprocess (an
empty, migrated database, an organization and a token; the real Flask app
through its WSGI test client) that measures, in CPU time of that process
(``time.process_time``: user+sys) and in wall time:

* ``json.loads`` of the request body (a plain caller: collector on) — the unit;
* ``PUT`` of the document to an empty plan (body parsing, validation, the
  write, commit). Target: <= 4x json.loads;
* ``PUT again``, the unchanged document (nothing written). Target: <= 1.5x;
* ``GET`` of the inventory, the response body produced (against json.loads of it);
* ``read back``: the stored inventory as the services read it (the normalized
  document, and the typed estate the analysis reads). Target: <= 1.5x json.loads
  of the document it returns;

and the peak RSS of the process. Each step is repeated in the process (``--reps``,
each after a full collection so that one left pending by the step before is not
charged to it; each PUT of a new document to a new plan), and each process
``--runs`` times: medians of medians.
The PostgreSQL server's own CPU time is not in the process's figures (wall
time shows it).

    .venv/bin/python bench/inventory_api.py                           # SQLite (+ PostgreSQL if set)
    VIRTPLAN_BENCH_POSTGRES_URL=postgresql://virtplan_ci:virtplan_ci@127.0.0.1/virtplan_ci \\
        .venv/bin/python bench/inventory_api.py --sizes 10000 100000 --runs 3
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from synthetic import generate, shape  # noqa: E402  (bench/ is on sys.path above)

TARGETS = {"put": 4.0, "put_again": 1.5, "read": 1.5}


def _timed(out: dict, name: str, reps: int, work, prepare=None) -> object:
    """Run ``work()`` ``reps`` times, each after a full collection (so a collection the
    previous step left pending is not charged to it), and keep the median CPU time
    (``time.process_time``: user+sys) in ``out[name]`` and wall time in ``out[name + "_wall"]``;
    ``prepare()``, untimed, before each. Returns the last result."""
    cpu, wall = [], []
    result = None
    for _ in range(reps):
        arg = prepare() if prepare else None
        result = None
        gc.collect()
        c, w = time.process_time(), time.perf_counter()
        result = work(arg) if prepare else work()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    out[name], out[name + "_wall"] = statistics.median(cpu), statistics.median(wall)
    return result


def child(path: str, backend: str, reps: int) -> dict:
    from models import Plan
    from models.database import create_scratch_database, drop_database
    from models.inventory_store import read_inventory
    from planner.app import create_app
    from planner.cli.database import upgrade_database
    from planner.config import Settings
    from planner.services import accounts

    try:  # the typed estate straight from storage, where the store has that route
        from models.inventory_store import read_estate
    except ImportError:  # before: the document, then the estate built from it
        from planner.core.inventory import estate_from_document

        def read_estate(session, plan):
            return estate_from_document(read_inventory(session, plan))

    tmp = tempfile.mkdtemp(prefix="vp-bench-")
    url = f"sqlite:///{tmp}/bench.sqlite3" if backend == "sqlite" else create_scratch_database(backend, "vp_bench")
    out: dict = {}
    try:
        upgrade_database(url)
        app = create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=tmp))
        sessions = app.extensions["virtplan.sessions"]
        session = sessions()
        org = accounts.create_organization(session, "bench")
        _row, token = accounts.create_token(session, org, "write")
        session.commit()
        session.close()
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        body = Path(path).read_bytes()
        out["bytes"] = len(body)

        def new_plan() -> str:
            pid = client.post("/api/v1/plans", json={"name": "bench"}, headers=headers).get_json()["id"]
            return f"/api/v1/plans/{pid}/inventory"

        def put(url_of: str):
            resp = client.put(url_of, data=body, content_type="application/json", headers=headers)
            assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
            return resp.get_json()

        _timed(out, "loads", reps, lambda: json.loads(body))
        plans: list[str] = []  # each PUT of a new document goes to a new, empty plan
        _timed(out, "put", reps, put, lambda: plans.append(new_plan()) or plans[-1])
        url_of = plans[-1]
        assert _timed(out, "put_again", reps, lambda: put(url_of))["changed"] is False
        got = _timed(out, "get", reps, lambda: client.get(url_of, headers=headers).get_data())
        _timed(out, "loads_stored", reps, lambda: json.loads(got))  # the unit for reading back
        session = sessions()
        plan = session.get(Plan, int(url_of.split("/")[-2]))
        doc = _timed(out, "read_document", reps, lambda: read_inventory(session, plan))
        assert len(doc["vms"]) == len(json.loads(body)["vms"])
        del doc
        _timed(out, "read_estate", reps, lambda: read_estate(session, plan))
        session.close()
        app.extensions["virtplan.engine"].dispose()
    finally:
        if backend != "sqlite":
            drop_database(url)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="inventory PUT / GET / read-back benchmark")
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--reps", type=int, default=3, help="repeats of each step in one process (median)")
    p.add_argument("--child", nargs=2, metavar=("FILE", "BACKEND"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(*a.child, a.reps)))
        return 0

    backends = ["sqlite"]
    if os.environ.get("VIRTPLAN_BENCH_POSTGRES_URL"):
        backends.append(os.environ["VIRTPLAN_BENCH_POSTGRES_URL"])
    print(f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}, {a.runs} runs each, medians; CPU s (wall s)")
    print(
        "| VMs | backend | body | json.loads | PUT (ratio) | PUT again (ratio) | GET | read back: document (ratio) "
        "| read back: estate | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        for vms in a.sizes:
            path = Path(tmp) / f"estate-{vms}.json"
            path.write_text(json.dumps(generate(vms, *shape(vms), violations=True), separators=(",", ":")))
            for backend in backends:
                runs = []
                for _ in range(a.runs):
                    proc = subprocess.run(
                        [sys.executable, __file__, "--child", str(path), backend, "--reps", str(a.reps)],
                        capture_output=True,
                        text=True,
                        cwd=ROOT,
                        env=env,
                    )
                    if proc.returncode:
                        print(proc.stderr, file=sys.stderr)
                        return 1
                    runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
                m = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                name = "sqlite" if backend == "sqlite" else "postgresql"

                def cell(key: str, unit: str = "loads", m: dict = m) -> str:
                    ratio = f", {m[key] / m[unit]:.2f}x" if unit else ""
                    return f"{m[key]:.3f} s ({m[key + '_wall']:.3f} s{ratio})"

                print(
                    f"| {vms:,} | {name} | {m['bytes'] / 2**20:.1f} MiB | {cell('loads', '')} | {cell('put')} "
                    f"| {cell('put_again')} | {cell('get', 'loads_stored')} | {cell('read_document', 'loads_stored')} "
                    f"| {cell('read_estate', 'loads_stored')} | {m['peak_rss_mib']:.0f} MiB |",
                    flush=True,
                )
    print(f"targets: PUT <= {TARGETS['put']}x, PUT again <= {TARGETS['put_again']}x, read back <= {TARGETS['read']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
