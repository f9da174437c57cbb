"""Load on VirtPlan scaled out on this machine: gunicorn web workers and Celery
workers on PostgreSQL and Redis, driven by locust (headless, bounded, 127.0.0.1).

    pip install -e '.[bench]'     # locust
    VIRTPLAN_BENCH_POSTGRES_URL=postgresql://virtplan_ci:virtplan_ci@127.0.0.1/virtplan_ci \\
        .venv/bin/python bench/load.py [--plans 20] [--vms 2000] [--users 8] [--duration 45] \\
            [--web 1 2 4] [--celery 1 2] [--jobs 6] [--threads 4] [--no-waitress]

1. A throwaway PostgreSQL database, migrated; four organizations, each with a
   token and a signed-in consultant, share ``--plans`` plans of ``--vms`` VMs
   (synthetic, with design faults), each analysed once.
2. For each count of Celery workers (``--celery``): ``--jobs`` PDF reports
   asked for at once, no web load; printed: jobs per minute until all finished.
3. For each count of web workers (``--web``): ``virtplan serve --workers N``
   (gunicorn, ``--threads`` threads each; at 1 worker both one gunicorn worker,
   which the scaling ratio is taken against, and the default single waitress
   process unless ``--no-waitress``) with two (idle) Celery workers, and locust for ``--duration`` seconds:
   ``--users`` consultants without pause (GET findings, GET web inventory pages,
   PATCH an answer; bench/locustfile.py). Then for each of ``--mixed-web`` the
   issue's whole mix: the same and one requester asking for a CSV report every
   ``--report-every`` s. Printed: requests/s, error rate, p50/p95/p99 per kind,
   the CPU per request of the web workers, of the PostgreSQL processes serving
   them and of locust, the Celery workers' CPU, the reports finished meanwhile,
   the load average.

Figures, with ``nproc`` and what else ran on the machine, go in bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from cluster import REDIS_SERVER, RedisServer, descendants, gunicorn, process_environment, wait_until, workers
from synthetic import generate

HERE = Path(__file__).resolve().parent
PASSWORD = "load test password 0123456789"  # noqa: S105 -- the throwaway consultants' password
ORGANIZATIONS = 4
PAGE_SIZE = 50


def build_world(database_url: str, plans: int, vms: int, users: int) -> dict:
    """Organizations, tokens, consultants and analysed plans; what locust needs to know."""
    from models.database import make_engine, make_session_factory
    from planner.services import accounts, analysis
    from planner.services import plans as plan_service

    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    world: dict = {"password": PASSWORD, "accounts": [], "vm_pages": max(1, vms // PAGE_SIZE), "plans": []}
    orgs = []
    with sessions() as session:
        for n in range(ORGANIZATIONS):
            org = accounts.create_organization(session, f"Load org {n + 1}")
            _row, token = accounts.create_token(session, org, "write")
            orgs.append((org, token, accounts.Caller(org.id, frozenset({"read", "write"}), None, "load")))
        session.commit()
        for i in range(plans):
            org, _token, caller = orgs[i % ORGANIZATIONS]
            plan = plan_service.create_plan(session, caller, f"Estate {i + 1}")
            plan_service.put_inventory(session, caller, plan.id, generate(vms, violations=True, seed=i + 1))
            analysis.run_analysis(session, caller, plan.id)
            session.commit()
            world["plans"].append({"id": plan.id, "organization": org.id})
        for u in range(users):
            org, token, _caller = orgs[u % ORGANIZATIONS]
            name = f"consultant-{u + 1}"
            accounts.create_user(session, name, PASSWORD, org, "consultant")
            mine = [p["id"] for p in world["plans"] if p["organization"] == org.id]
            world["accounts"].append({"username": name, "token": token, "plans": mine})
        session.commit()
    engine.dispose()
    return world


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU seconds the living processes ``pids`` have used."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def finished_reports(database_url: str, since: dt.datetime, fmt: str | None = None) -> tuple[int, int]:
    """(succeeded, failed) reports finished since ``since``."""
    from sqlalchemy import func, select

    from models import Report
    from models.database import make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            query = select(Report.state, func.count()).where(Report.finished_at >= since).group_by(Report.state)
            if fmt:
                query = query.where(Report.format == fmt)
            counts = dict(session.execute(query).all())
    finally:
        engine.dispose()
    return counts.get("succeeded", 0), counts.get("failed", 0)


def active_reports(database_url: str) -> int:
    from sqlalchemy import func, select

    from models import Report
    from models.database import make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(
                select(func.count()).select_from(Report).where(Report.state.in_(("queued", "running")))
            )
    finally:
        engine.dispose()


#: The other connections to the database a query is made on, by their server process.
_BACKENDS = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


def database_backends(database_url: str) -> set[int]:
    """The PostgreSQL server processes serving connections to this database now."""
    from sqlalchemy import text

    from models.database import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text(_BACKENDS)))
    finally:
        engine.dispose()


def run_locust(port: int, world_file: Path, users: int, duration: int, report_every: float, out: Path):
    """locust headless against 127.0.0.1:port: its statistics per request name, and
    the CPU seconds locust itself used (user + system, its whole process tree)."""
    prefix = out / f"locust-{port}"
    command = [
        sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
        "-u", str(users + (report_every > 0)), "-r", str(users + 1), "-t", f"{duration}s", "--stop-timeout", "10",
        "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (out / f"locust-{port}.log").open("wb") as log:  # its own summary; the table below says it all
        subprocess.run(
            command,
            env={**os.environ, "VIRTPLAN_LOAD_WORLD": str(world_file), "VIRTPLAN_LOAD_REPORT_EVERY": str(report_every)},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=duration + 120,
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError("locust wrote no statistics:\n" + (out / f"locust-{port}.log").read_text()[-3000:])
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}, cpu


def web_run(env, folder, database_url, world_file, web: int, server_name: str, args, report_every, celery) -> dict:
    """One locust run against ``web`` web workers of ``server_name`` (gunicorn with
    ``args.threads`` threads each, or waitress); the CPU each part of the machine
    used meanwhile: the web workers, the PostgreSQL processes serving them, locust,
    the Celery workers (``celery``: their Worker objects)."""
    known = database_backends(database_url)  # the Celery workers' connections, made earlier
    threads = args.threads if server_name == "gunicorn" else None
    with gunicorn(env, folder, workers=web, access_log=False, server=server_name, threads=threads) as server:
        pids = {server.process.pid, *descendants(server.process.pid)}
        celery_pids = set().union(*(w.family() for w in celery))
        cpu_before, celery_before = cpu_seconds(pids), cpu_seconds(celery_pids)
        load_before = os.getloadavg()[0]
        since = dt.datetime.now(dt.UTC)
        stats, locust_cpu = run_locust(server.port, world_file, args.users, args.duration, report_every, folder)
        cpu = cpu_seconds(pids) - cpu_before
        celery_cpu = cpu_seconds(celery_pids) - celery_before
        database_cpu = cpu_seconds(database_backends(database_url) - known)  # made for this run's web workers
        load_after = os.getloadavg()[0]
    wait_until(lambda: active_reports(database_url) == 0, 600, "the report queue to drain")
    reports, failed = finished_reports(database_url, since, "csv")
    return {
        "web": web,
        "server": server_name,
        "stats": stats,
        "cpu": cpu,
        "database_cpu": database_cpu,
        "locust_cpu": locust_cpu,
        "celery_cpu": celery_cpu,
        "reports": reports,
        "reports_failed": failed,
        "load": (load_before, load_after),
        "duration": args.duration,
    }


def jobs_run(env: dict, folder: Path, database_url: str, world: dict, celery: int, jobs: int) -> dict:
    from models.database import make_engine, make_session_factory
    from planner.config import Settings
    from planner.jobs import make_queue
    from planner.jobs.runner import Runner
    from planner.services import report_jobs
    from planner.services.accounts import Caller

    settings = Settings.from_env(
        {}, env="development", database_url=database_url, broker_url=env["VIRTPLAN_BROKER_URL"]
    )
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    queue = make_queue("celery", Runner(settings, sessions))
    with workers(env, folder, celery):
        since = dt.datetime.now(dt.UTC)
        started = time.monotonic()
        with sessions() as session:
            for n in range(jobs):
                plan = world["plans"][n % len(world["plans"])]
                caller = Caller(plan["organization"], frozenset({"read", "write"}), None, "load")
                row = report_jobs.request_report(session, caller, plan["id"], "pdf")
                session.commit()
                queue.submit("report", row.id)
        wait_until(lambda: sum(finished_reports(database_url, since, "pdf")) >= jobs, 1800, "the PDF jobs")
        elapsed = time.monotonic() - started
    queue.shutdown()
    engine.dispose()
    done, failed = finished_reports(database_url, since, "pdf")
    return {"celery": celery, "jobs": done, "failed": failed, "seconds": elapsed, "per_minute": done * 60 / elapsed}


def print_web(results: list[dict]) -> None:
    print("\n| web workers | req/s | errors | GET findings p50/p95/p99 | GET inventory page p50/p95/p99 | "
          "PATCH answer p95 | POST report p95 | CSV reports done | CPU ms per request: web / PostgreSQL / locust "
          "| Celery workers' CPU | load average |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    def pct(stats: dict, name: str, *columns: str) -> str:
        row = stats.get(name)
        return " / ".join(f"{float(row[c]):.0f}" for c in columns) + " ms" if row else "–"

    for r in results:
        s, total = r["stats"], r["stats"]["Aggregated"]
        label = f"{r['web']} ({r['server']})"
        count, failures = int(total["Request Count"]), int(total["Failure Count"])
        per = 1000 / max(count, 1)
        print(
            f"| {label} | {float(total['Requests/s']):.1f} | {failures} of {count} ({failures / max(count, 1):.2%}) "
            f"| {pct(s, 'GET findings', '50%', '95%', '99%')} | {pct(s, 'GET inventory page', '50%', '95%', '99%')} "
            f"| {pct(s, 'PATCH answer', '95%')} | {pct(s, 'POST report', '95%')} | {r['reports']} "
            f"(failed {r['reports_failed']}) | {r['cpu'] * per:.1f} / {r['database_cpu'] * per:.1f} / "
            f"{r['locust_cpu'] * per:.1f} | {r['celery_cpu'] / r['duration']:.2f} cores "
            f"| {r['load'][0]:.1f} → {r['load'][1]:.1f} |"
        )
    # Scaling against one worker of the same server (gunicorn), and against the default single process.
    for base in [r for r in results if r["web"] == 1]:
        per_second = float(base["stats"]["Aggregated"]["Requests/s"])
        for r in results:
            if r["web"] > 1:
                print(f"throughput {r['web']} ({r['server']}) / 1 ({base['server']}) web worker: "
                      f"{float(r['stats']['Aggregated']['Requests/s']) / per_second:.2f}x")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--vms", type=int, default=2000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=int, default=45, help="seconds of load per web-worker count")
    parser.add_argument("--web", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--celery", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--jobs", type=int, default=6, help="PDF reports per Celery-worker count")
    parser.add_argument(
        "--mixed-web",
        type=int,
        nargs="*",
        default=[4],
        help="web-worker counts also run with the issue's whole mix: a CSV report asked for every --report-every s",
    )
    parser.add_argument("--report-every", type=float, default=6.0)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (virtplan serve --threads)")
    parser.add_argument(
        "--waitress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="at 1 web worker, also the default single process (waitress) beside one gunicorn worker",
    )
    args = parser.parse_args(argv)
    server_url = os.environ.get("VIRTPLAN_BENCH_POSTGRES_URL")
    if not server_url or REDIS_SERVER is None:
        print("skipped: needs VIRTPLAN_BENCH_POSTGRES_URL (a role that may create databases) and redis-server")
        return 0
    from models.database import create_scratch_database, drop_database
    from planner.cli.database import upgrade_database

    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    database_url = create_scratch_database(server_url, "vp_load")
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="virtplan-load-") as tmp:
        stack.callback(drop_database, database_url)
        folder = Path(tmp)
        upgrade_database(database_url)
        started = time.monotonic()
        world = build_world(database_url, args.plans, args.vms, args.users)
        print(f"{args.plans} plans of {args.vms:,} VMs stored and analysed in {time.monotonic() - started:.0f} s")
        world_file = folder / "world.json"
        world_file.write_text(json.dumps(world))
        redis = RedisServer(folder)
        redis.start()
        stack.callback(redis.stop)
        env = process_environment(database_url, redis.url, folder, VIRTPLAN_ENV="development")
        # The jobs first, while every plan's analysis run is current (the web load changes
        # answers, after which a report job analyses its plan again): each count of workers
        # renders the same reports of the same plans.
        print("\n| Celery workers | PDF jobs | failed | seconds | jobs per minute |\n|---|---|---|---|---|")
        for celery in args.celery:
            r = jobs_run(env, folder, database_url, world, celery, args.jobs)
            row = f"| {celery} | {r['jobs']} | {r['failed']} | {r['seconds']:.0f} | {r['per_minute']:.1f} |"
            print(row, flush=True)
        # The web load alone (the Celery workers idle), then the whole mix, whose
        # report requests make the Celery workers analyse plans whose answers changed
        # (seconds of CPU each) on the same two cores as the web workers.
        with workers(env, folder, 2) as celery:
            for title, counts, every in (
                ("web load alone (consultants; no report requests)", args.web, 0.0),
                (
                    f"the issue's whole mix (and a CSV report asked for every {args.report_every:g} s)",
                    args.mixed_web,
                    args.report_every,
                ),
            ):
                results = []
                for web in counts:
                    servers = ["waitress", "gunicorn"] if web == 1 and args.waitress and not every else ["gunicorn"]
                    for name in servers:
                        results.append(web_run(env, folder, database_url, world_file, web, name, args, every, celery))
                        print(f"  {web} web worker(s) ({name}) done, load average {os.getloadavg()[0]:.1f}", flush=True)
                if results:
                    print(f"\n{title}:")
                    print_web(results)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
