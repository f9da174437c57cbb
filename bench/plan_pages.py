"""Benchmark: what the web pages of stored plans cost now that an inventory is read
back at parse speed, and whether the questionnaire's remembered inventory facts
(``planner.services.answers.inventory_context``, by document digest) earn their place.

In one process, on SQLite (or ``--url``), ``--plans`` plans of ``--vms`` VMs each
(the synthetic shapes, violations planted) are stored; then, in CPU time (user+sys,
``time.process_time``), the median of ``--reps`` after a full collection each, the
service calls each page makes:

* the plans list (``overview.plan_statuses``: counts, progress, runs of every plan),
  with the facts remembered, and forgotten before each call (every plan read back);
* a questionnaire page of one plan (``answers.questionnaire_state``), the same two ways;
* a VM table page sorted and filtered (``inventory.browse``), and a VM's page with its
  edit form's choices (``inventory.object_view``): both read the document;
* ``read_estate`` of one plan and ``json.loads`` of its stored document, for scale.

    .venv/bin/python bench/plan_pages.py                          # 20 plans of 2,000 VMs
    .venv/bin/python bench/plan_pages.py --plans 5 --vms 10000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from synthetic import generate, shape  # noqa: E402  (bench/ is on sys.path above)


def cpu(work, reps: int, before=None) -> float:
    """Median CPU seconds of ``work()`` over ``reps``, a full collection (and ``before()``) first."""
    times = []
    for _ in range(reps):
        if before:
            before()
        gc.collect()
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--plans", type=int, default=20)
    p.add_argument("--vms", type=int, default=2_000)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--url", help="database URL (migrated here); default: a temporary SQLite file")
    a = p.parse_args(argv)

    from models import Plan
    from models.database import make_engine, make_session_factory
    from models.inventory_store import read_estate, read_inventory_json
    from planner.cli.database import upgrade_database
    from planner.core.inventory import plainly_valid
    from planner.services import accounts, answers, inventory, overview, plans
    from planner.services.accounts import Caller

    url = a.url or f"sqlite:///{tempfile.mkdtemp(prefix='vp-bench-')}/pages.sqlite3"
    upgrade_database(url)
    session = make_session_factory(make_engine(url))()
    org = accounts.create_organization(session, f"bench-{os.urandom(4).hex()}")
    caller = Caller(org.id, frozenset({"read", "write"}), None, "bench")
    doc = generate(a.vms, *shape(a.vms), violations=True)
    ids = []
    for i in range(a.plans):
        plan = plans.create_plan(session, caller, f"plan {i + 1}")
        doc["source"] = {"system": f"cmdb {i + 1}"}  # documents that differ: facts remembered apart
        plans.put_inventory(session, caller, plan.id, plainly_valid(json.dumps(doc).encode()))
        ids.append(plan.id)
    session.commit()
    first = session.get(Plan, ids[0])
    vm = doc["vms"][a.vms // 2]["id"]
    forget = answers._contexts.clear

    rows = [
        ("plans list, facts remembered", cpu(lambda: overview.plan_statuses(session, caller), a.reps)),
        ("plans list, facts forgotten", cpu(lambda: overview.plan_statuses(session, caller), a.reps, forget)),
        ("questionnaire page, remembered", cpu(lambda: answers.questionnaire_state(session, caller, ids[0]), a.reps)),
        (
            "questionnaire page, forgotten",
            cpu(lambda: answers.questionnaire_state(session, caller, ids[0]), a.reps, forget),
        ),
        (
            "VM table page (filtered, sorted)",
            cpu(
                lambda: inventory.browse(
                    session, caller, ids[0], "vms", filters={"confidentiality": "high"}, sort="vcpus", descending=True
                ),
                a.reps,
            ),
        ),
        ("a VM's page with its form", cpu(lambda: inventory.object_view(session, caller, ids[0], "vms", vm), a.reps)),
        ("read_estate of one plan", cpu(lambda: read_estate(session, first), a.reps)),
        ("json.loads of its document", cpu(lambda: json.loads(read_inventory_json(session, first)), a.reps)),
    ]
    print(f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}; {a.plans} plans of {a.vms:,} VMs; CPU s, median")
    print("| service call | CPU |")
    print("|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds * 1000:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
