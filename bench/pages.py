"""Page speed: every page of the demo plan rendered server-side, and the plan
overview, questionnaire and findings pages of a 10,000-VM plan.

The pages are asked for through the Flask test client of a real app on a
fresh SQLite database (no network, no browser): what is timed is the server's
work for one page — the request, the services' queries, the templates. Each
page is asked for once to warm up (templates compiled, caches filled, the
stored run read once), then ``--repeat`` times; the table gives the median
wall time and the median CPU time (user + sys of this process) per page.
The verdict is on CPU time: SQLite runs in this process, so it counts the
whole server-side work, and unlike wall time it does not count the neighbours
of a shared machine.

Targets (issue 12): every page of the demo plan < 150 ms; the overview,
questionnaire and findings pages of a 10,000-VM plan < 300 ms. No page may
compute an analysis or a placement on the fly: they read the stored run.

Every GET page of the ``web`` blueprint is found in the app's URL map (a page
added later is timed without touching this file); its URL arguments come
from the demo plan (a finding, a report, a zone, a question...). A page whose
arguments cannot be filled is listed, so it is not silently left out.

    .venv/bin/python bench/pages.py                  # the demo plan and a 10,000-VM plan
    .venv/bin/python bench/pages.py --vms 0          # the demo plan only
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEMO_TARGET_MS = 150.0
LARGE_TARGET_MS = 300.0
#: Pages that must stay fast on a large plan: (endpoint pattern, query) pairs.
LARGE_PAGES = (
    (r"web\.plans\.overview$", ""),
    (r"web\.questionnaire\.", ""),
    (r"web\.findings\.register$", ""),
    (r"web\.findings\.register$", "?sort=rule&page=3"),
    (r"web\.findings\.register$", "?text=host&risk=moderate&risk=low"),
    (r"web\.findings\.register$", "?zone=restricted&per_page=200"),
)
#: Endpoints that are not pages of a plan a user reads (files, the API's documentation).
NOT_PAGES = re.compile(r"^web\.static$|^web\.api_docs$|download|preview|diagram|\.svg")


def _app(folder: str):
    from planner.app import create_app
    from planner.cli.database import upgrade_database
    from planner.config import Settings

    url = f"sqlite:///{folder}/pages.sqlite3"
    upgrade_database(url)
    return create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=folder, job_queue="inline"))


def _signed_in(app, username: str, password: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    return client


def _time(client, url: str, repeat: int) -> tuple[float, float, float, int]:
    """(first ms, median wall ms, median CPU ms, status) of GET ``url``."""
    t0 = time.perf_counter()
    status = client.get(url).status_code
    first = (time.perf_counter() - t0) * 1000
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        client.get(url)
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return first, statistics.median(walls), statistics.median(cpus), status


def _pages(app, values: dict) -> tuple[list[tuple[str, str]], list[str]]:
    """Every GET page of ``web`` with its arguments filled from ``values``; and the endpoints that could not be."""
    pages, unfilled = [], []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("web.") or "GET" not in rule.methods or NOT_PAGES.search(rule.endpoint):
                continue
            if not set(rule.arguments) <= set(values):
                unfilled.append(f"{rule.endpoint} ({', '.join(sorted(set(rule.arguments) - set(values)))})")
                continue
            pages.append((rule.endpoint, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})))
    return pages, unfilled


def _demo_values(app, plan_id: int, organization_id: int) -> dict:
    """URL arguments from the demo plan: its id, a finding, a report, a zone, a host, a VM, a question..."""
    from planner.demo import estate_document
    from planner.services import analysis, report_jobs
    from planner.services.accounts import Caller

    doc = estate_document()
    with app.extensions["virtplan.sessions"]() as session:
        caller = Caller(organization_id, frozenset({"read", "write"}), None, "bench")
        findings, _n = analysis.list_findings(session, caller, plan_id, rule="ZONE-MIX-HOST", limit=1)
        row = report_jobs.request_report(session, caller, plan_id, "html")
        session.commit()
        report_id = row.id
    report_jobs.run_report_job(app.extensions["virtplan.sessions"], report_id)
    from planner.core.questionnaire import default_questionnaire

    q = default_questionnaire()
    phase = q.phases[0]
    return {
        "plan_id": plan_id,
        "finding_id": findings[0].id,
        "report_id": report_id,
        "phase": phase.id,
        "phase_id": phase.id,
        "question_id": phase.sections[0].questions[0].id,
        "zone_id": doc["zones"][0]["id"],
        "host_id": doc["hosts"][0]["id"],
        "vm_id": doc["vms"][0]["id"],
        "kind": "hosts",
        "collection": "hosts",
        "object_id": doc["hosts"][0]["id"],
        "version": 1,
    }


def demo(repeat: int) -> list[tuple]:
    from models import Plan
    from planner.demo import load_demo

    folder = tempfile.mkdtemp(prefix="bench-pages-")
    app = _app(folder)
    with app.extensions["virtplan.sessions"]() as session:
        access = load_demo(session)
        session.commit()
        org = session.get(Plan, access.plan_id).organization_id
    values = _demo_values(app, access.plan_id, org)
    client = _signed_in(app, "demo", access.password)
    pages, unfilled = _pages(app, values)
    rows = []
    for endpoint, url in pages:
        first, wall, cpu, status = _time(client, url, repeat)
        rows.append(("demo", endpoint, url, first, wall, cpu, status, DEMO_TARGET_MS))
    for endpoint in unfilled:
        print(f"not timed (arguments unknown to this benchmark): {endpoint}", file=sys.stderr)
    app.extensions["virtplan.engine"].dispose()
    return rows


def large(vms: int, repeat: int) -> list[tuple]:
    import yaml
    from synthetic import generate

    from models import Organization
    from planner.core.inventory import load_estate
    from planner.core.questionnaire import default_questionnaire, validate_answers
    from planner.demo import answers_path
    from planner.services import accounts, analysis, answers, plans
    from planner.services.accounts import Caller

    folder = tempfile.mkdtemp(prefix="bench-pages-")
    app = _app(folder)
    password = secrets.token_urlsafe(18)
    t0 = time.perf_counter()
    with app.extensions["virtplan.sessions"]() as session:
        org = accounts.create_organization(session, "Bench")
        accounts.create_user(session, "bench", password, session.get(Organization, org.id), "consultant")
        caller = Caller(org.id, frozenset({"read", "write"}), None, "bench")
        plan = plans.create_plan(session, caller, f"{vms:,} VMs")
        inventory = generate(vms=vms, violations=True)
        plans.put_inventory(session, caller, plan.id, inventory)
        # The demo's answers, less those to questions this estate does not raise (no network storage).
        document = yaml.safe_load(answers_path().read_text(encoding="utf-8"))
        estate = load_estate(inventory)
        while problems := validate_answers(default_questionnaire(), document["answers"], estate):
            for problem in problems:  # a removed answer may make questions that depend on it not apply
                document["answers"].pop(problem.path.removeprefix("answers.").split(".value")[0], None)
        answers.put_answers(session, caller, plan.id, document)
        run, _changes = analysis.run_analysis(session, caller, plan.id)
        session.commit()
        plan_id, n_findings = plan.id, run.summary["findings"]
    print(f"{vms:,}-VM plan stored and analysed in {time.perf_counter() - t0:.1f} s: {n_findings:,} findings")
    client = _signed_in(app, "bench", password)
    values = {"plan_id": plan_id, "phase": "initiation", "phase_id": "initiation"}
    pages, _unfilled = _pages(app, values)
    rows = []
    for pattern, query in LARGE_PAGES:
        for endpoint, url in pages:
            if re.search(pattern, endpoint):
                first, wall, cpu, status = _time(client, url + query, repeat)
                rows.append((f"{vms // 1000}k", endpoint, url + query, first, wall, cpu, status, LARGE_TARGET_MS))
    app.extensions["virtplan.engine"].dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=10_000, help="size of the large plan (0: demo only)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page after the first")
    args = parser.parse_args(argv)
    rows = demo(args.repeat)
    if args.vms:
        rows += large(args.vms, args.repeat)
    print("\n| plan | page | first ms | median ms | median CPU ms | target ms | |\n|---|---|---|---|---|---|---|")
    failed = 0
    for plan, _endpoint, url, first, wall, cpu, status, target in rows:
        ok = status == 200 and cpu < target
        failed += not ok
        verdict = "ok" if ok else (f"HTTP {status}" if status != 200 else "SLOW")
        print(f"| {plan} | `{url}` | {first:.0f} | {wall:.1f} | {cpu:.1f} | {target:.0f} | {verdict} |")
    print(f"\n{len(rows) - failed} of {len(rows)} pages within their target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
