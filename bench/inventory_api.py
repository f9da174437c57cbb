"""Benchmark: the inventory through the REST API — validate, PUT, GET — on
SQLite and PostgreSQL.

For each size (default: the foundation benchmark's 100,000 VMs on 5,000 hosts,
2,000 networks, 200 datastores, two NICs and two disks per VM) and each
backend, a fresh subprocess (so memory peaks do not mix) creates an empty
database, migrates it, creates an organization and a token, and then times,
through the real Flask app (WSGI test client, no network):

* ``validate``: ``json.loads`` of the body plus ``validate_document``;
* ``put``: ``PUT /api/v1/plans/{id}/inventory`` of the document (body parsing,
  validation, the bulk diff-and-write, commit);
* ``put again``: the same document a second time (idempotent: nothing written);
* ``get``: ``GET`` of the inventory, the response body fully produced;

and reports the process's peak RSS.

    .venv/bin/python bench/inventory_api.py                       # 100k, SQLite (+ PostgreSQL if set)
    VIRTPLAN_BENCH_POSTGRES_URL=postgresql://virtplan:virtplan@127.0.0.1/postgres \\
        .venv/bin/python bench/inventory_api.py --sizes 10000 100000

Targets (issue 2): 100k validated < 10 s, stored by PUT < 30 s, read back by GET
< 15 s, on both backends, 2 cores, peak memory < 2 GiB.
"""

from __future__ import annotations

import argparse
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


def child(path: str, backend: str) -> dict:
    from models.database import create_scratch_database, drop_database
    from planner.app import create_app
    from planner.cli.database import upgrade_database
    from planner.config import Settings
    from planner.core.inventory import validate_document
    from planner.services import accounts

    tmp = tempfile.mkdtemp(prefix="vp-bench-")
    url = f"sqlite:///{tmp}/bench.sqlite3" if backend == "sqlite" else create_scratch_database(backend, "vp_bench")
    try:
        upgrade_database(url)
        app = create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=tmp))
        session = app.extensions["virtplan.sessions"]()
        org = accounts.create_organization(session, "bench")
        _row, token = accounts.create_token(session, org, "write")
        session.commit()
        session.close()
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        pid = client.post("/api/v1/plans", json={"name": "bench"}, headers=headers).get_json()["id"]
        body = Path(path).read_bytes()
        out = {"bytes": len(body)}

        t = time.perf_counter()
        validate_document(json.loads(body))
        out["validate"] = time.perf_counter() - t

        t = time.perf_counter()
        resp = client.put(f"/api/v1/plans/{pid}/inventory", data=body, content_type="application/json", headers=headers)
        out["put"] = time.perf_counter() - t
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]

        t = time.perf_counter()
        resp = client.put(f"/api/v1/plans/{pid}/inventory", data=body, content_type="application/json", headers=headers)
        out["put_again"] = time.perf_counter() - t
        assert resp.get_json()["changed"] is False

        t = time.perf_counter()
        resp = client.get(f"/api/v1/plans/{pid}/inventory", headers=headers)
        got = resp.get_data()
        out["get"] = time.perf_counter() - t
        assert resp.status_code == 200 and len(got) > 0
        out["vms_back"] = len(json.loads(got)["vms"])
        app.extensions["virtplan.engine"].dispose()
    finally:
        if backend != "sqlite":
            drop_database(url)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="inventory validate / PUT / GET benchmark")
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    p.add_argument("--child", nargs=2, metavar=("FILE", "BACKEND"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(*a.child)))
        return 0
    from synthetic import generate

    backends = ["sqlite"]
    if os.environ.get("VIRTPLAN_BENCH_POSTGRES_URL"):
        backends.append(os.environ["VIRTPLAN_BENCH_POSTGRES_URL"])
    print(f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}")
    print("| VMs | backend | body | validate | PUT | PUT again | GET | peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for vms in a.sizes:
            path = Path(tmp) / f"estate-{vms}.json"
            path.write_text(json.dumps(generate(vms, *shape(vms), violations=True), separators=(",", ":")))
            for backend in backends:
                proc = subprocess.run(
                    [sys.executable, __file__, "--child", str(path), backend], capture_output=True, text=True
                )
                if proc.returncode:
                    print(proc.stderr, file=sys.stderr)
                    return 1
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                name = "sqlite" if backend == "sqlite" else "postgresql"
                print(
                    f"| {vms:,} | {name} | {r['bytes'] / 2**20:.0f} MiB | {r['validate']:.1f} s | {r['put']:.1f} s "
                    f"| {r['put_again']:.1f} s | {r['get']:.1f} s | {r['peak_rss_mib']:.0f} MiB |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
