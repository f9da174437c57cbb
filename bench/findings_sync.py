"""Storing findings at scale: ``run_analysis`` on the synthetic 100,000-VM
estate with about 1,500 findings, on SQLite or PostgreSQL.

Measures, in one process: the first run (every finding inserted), a re-run
of the unchanged plan (every finding still firing), and a run after half of
the planted host faults are fixed (hundreds resolved). Each run is split into
reading and assessing the plan (the stored inventory, the estate, the rules,
:func:`planner.core.assessment.assess`) and syncing the findings (:func:`sync_findings`, with
its commit and its number of SQL statements).

    python bench/findings_sync.py                      # SQLite in a temporary file
    python bench/findings_sync.py --url postgresql://virtplan:virtplan@127.0.0.1/bench_findings
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time

from sqlalchemy import event
from synthetic import generate

from models import AnalysisRun
from models.database import make_engine, make_session_factory
from models.inventory_store import read_estate
from planner.cli.database import upgrade_database
from planner.core.assessment import assess
from planner.services import accounts, analysis, plans
from planner.services.accounts import Caller


def planted(doc: dict, hosts: int) -> dict:
    """``doc`` with time sync off on its first ``hosts`` hosts (one finding each)."""
    doc = copy.deepcopy(doc)
    for host in doc["hosts"][:hosts]:
        host["settings"]["time_sync"] = False
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="database URL (migrated here); default: a temporary SQLite file")
    parser.add_argument("--vms", type=int, default=100_000)
    parser.add_argument("--extra", type=int, default=1_200, help="hosts given a planted fault")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/findings.sqlite3"
    upgrade_database(url)
    engine = make_engine(url)
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *_a: statements.__setitem__(0, statements[0] + 1))
    session = make_session_factory(engine)()
    org = accounts.create_organization(session, f"bench-{os.urandom(4).hex()}")
    caller = Caller(org.id, frozenset({"read", "write"}), None, "bench")
    base = generate(vms=args.vms)
    plan = plans.create_plan(session, caller, "bench")
    plans.put_inventory(session, caller, plan.id, planted(base, args.extra))
    session.commit()

    def measure(label: str) -> None:
        t0 = time.perf_counter()
        estate = read_estate(session, plan)
        result = assess(estate, plan_id=str(plan.id))
        t1 = time.perf_counter()
        run = AnalysisRun(plan_id=plan.id, inventory_version=plan.inventory_version, requested_by="bench", summary={})
        session.add(run)
        session.flush()
        statements[0] = 0
        t2 = time.perf_counter()
        scopes = {f.fingerprint: scope for f, scope in zip(result.findings, result.scopes, strict=True)}
        changes = analysis.sync_findings(session, run, result.findings, scopes)
        session.commit()
        t3 = time.perf_counter()
        print(
            f"{label:<24} read+assess {t1 - t0:6.2f} s   sync+commit {t3 - t2:5.2f} s "
            f"({statements[0]} statements)   {changes}"
        )

    measure("first run (inserts)")
    measure("unchanged re-run")
    plans.put_inventory(session, caller, plan.id, planted(base, args.extra // 2))
    session.commit()
    measure("half the faults fixed")


if __name__ == "__main__":
    main()
