"""Benchmark: what one request of bench/load.py's mix costs in the web process —
CPU time and SQL statements — measured in-process (``app.test_client()``), so it
counts the server's own work and none of a shared machine's neighbours.

A throwaway database (SQLite, or a scratch PostgreSQL database when
VIRTPLAN_BENCH_POSTGRES_URL is set or with ``--postgres URL``), migrated; one
organization with a write token and a signed-in consultant; a plan of ``--vms``
VMs built as bench/load.py builds its plans (synthetic, with design faults, analysed
once). Then each request kind of the load mix is asked for ``--repeat`` times
after a warm-up (templates compiled, per-process caches filled), in CPU time
(user + sys of this process), best of ``--rounds`` medians, and with the SQL
statements it sent (SQLAlchemy's ``before_cursor_execute``), the connections
it checked out of the pool and the pings of those (a round trip each; on
PostgreSQL a connection idle for more than models.database.PING_AFTER_IDLE_SECONDS
is pinged first):

* GET /api/v1/plans/{id}/findings?page_size=50 (token);
* GET /plans/{id}/inventory/vms?page=N (signed in; N varies);
* PATCH /api/v1/plans/{id}/answers/{question} (token; the value flips).

    .venv/bin/python bench/request_cpu.py                   # SQLite, 2,000 VMs
    VIRTPLAN_BENCH_POSTGRES_URL=postgresql://virtplan_ci:virtplan_ci@127.0.0.1/virtplan_ci \\
        .venv/bin/python bench/request_cpu.py               # PostgreSQL too
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUESTION = "initiation.policy.hypervisor_types"
PASSWORD = "request cpu password 0123456789"  # noqa: S105 -- the throwaway consultant's password


def _app(url: str, folder: str):
    from planner.app import create_app
    from planner.cli.database import upgrade_database
    from planner.config import Settings

    upgrade_database(url)
    return create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=folder, job_queue="inline"))


def _world(app, vms: int) -> tuple[int, str]:
    """(plan id, API token) of a plan built as bench/load.py builds them."""
    from synthetic import generate

    from planner.services import accounts, analysis, plans
    from planner.services.accounts import Caller

    with app.extensions["virtplan.sessions"]() as session:
        org = accounts.create_organization(session, "Bench")
        _row, token = accounts.create_token(session, org, "write")
        accounts.create_user(session, "bench", PASSWORD, org, "consultant")
        caller = Caller(org.id, frozenset({"read", "write"}), None, "bench")
        plan = plans.create_plan(session, caller, "Estate")
        plans.put_inventory(session, caller, plan.id, generate(vms, violations=True, seed=1))
        analysis.run_analysis(session, caller, plan.id)
        session.commit()
        return plan.id, token


def _signed_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf})
    assert resp.status_code == 302, resp.status_code
    return client


class Counting:
    """SQL statements sent, pool checkouts made and connections pinged on ``engine`` while counting."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.on = False
        self.seen: Counter[str] = Counter()
        self.statements = self.checkouts = self.pings = 0
        ping = engine.dialect.do_ping

        def pinged(connection):
            self.pings += self.on
            return ping(connection)

        engine.dialect.do_ping = pinged

        def statement(_conn, _cursor, sql, *_args):
            if self.on:
                self.statements += 1
                self.seen[" ".join(sql.split())[:110]] += 1

        def checkout(*_args):
            if self.on:
                self.checkouts += 1

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine.pool, "checkout", checkout)


def measure(app, plan_id: int, token: str, repeat: int, rounds: int, show: bool) -> list[tuple]:
    """(request kind, CPU ms, statements, checkouts) per request."""
    import random

    api, web = app.test_client(), _signed_in(app)
    auth = {"Authorization": f"Bearer {token}"}
    pick = random.Random(1)
    kinds = {
        "GET findings": lambda: api.get(f"/api/v1/plans/{plan_id}/findings?page_size=50", headers=auth),
        "GET inventory page": lambda: web.get(f"/plans/{plan_id}/inventory/vms?page={pick.randint(1, 40)}"),
        "PATCH answer": lambda: api.patch(
            f"/api/v1/plans/{plan_id}/answers/{QUESTION}", json={"value": pick.random() < 0.5}, headers=auth
        ),
    }
    counting = Counting(app.extensions["virtplan.engine"])
    rows = []
    for name, ask in kinds.items():
        status = ask().status_code  # warm-up
        assert status == 200, (name, status)
        medians = []
        for _ in range(rounds):
            cpus = []
            for _ in range(repeat):
                c0 = time.process_time()
                ask()
                cpus.append(time.process_time() - c0)
            medians.append(statistics.median(cpus))
        counting.seen.clear()
        counting.statements = counting.checkouts = counting.pings = 0
        counting.on = True
        for _ in range(repeat):
            ask()
        counting.on = False
        per = [n / repeat for n in (counting.statements, counting.checkouts, counting.pings)]
        rows.append((name, min(medians) * 1000, *per))
        if show:
            for sql, n in counting.seen.most_common():
                print(f"    {n / repeat:4.1f} × {sql}")
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=2_000)
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--postgres", default=os.environ.get("VIRTPLAN_BENCH_POSTGRES_URL"))
    p.add_argument("--statements", action="store_true", help="list the statements each request kind sends")
    a = p.parse_args(argv)

    from models.database import create_scratch_database, drop_database

    folder = tempfile.mkdtemp(prefix="bench-request-cpu-")
    databases = [("SQLite", f"sqlite:///{folder}/requests.sqlite3")]
    if a.postgres:
        databases.append(("PostgreSQL", create_scratch_database(a.postgres, "vp_request_cpu")))
    print(f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}; "
          f"a {a.vms:,}-VM plan; CPU ms per request, best of {a.rounds} medians of {a.repeat}")  # fmt: skip
    print("| database | request | CPU | SQL statements | pool checkouts | pings |")
    print("|---|---|---|---|---|---|")
    try:
        for label, url in databases:
            app = _app(url, folder)
            plan_id, token = _world(app, a.vms)
            for name, cpu, statements, checkouts, pings in measure(
                app, plan_id, token, a.repeat, a.rounds, a.statements
            ):
                print(
                    f"| {label} | {name} | {cpu:.1f} ms | {statements:.1f} | {checkouts:.1f} | {pings:.1f} |",
                    flush=True,
                )
            app.extensions["virtplan.engine"].dispose()
    finally:
        if a.postgres:
            drop_database(databases[-1][1])
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
