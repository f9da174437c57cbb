"""Benchmark: what an analysis run costs now that every run advises a placement.

For each size, in a fresh subprocess: the synthetic estate with violations
(``synthetic.generate``, the foundation shape) stored in a temporary SQLite
database, then ``run_analysis`` — the one path behind ``POST /analysis``,
report jobs and the web page's "analyse": read the inventory, assess it,
advise a placement within the analysis budget
(:func:`planner.core.assessment.analysis_solver`), sync the findings — and
commit. Beside it, on the same estate, the placement advice alone within the
analysis budget and within the advisor's full default budget (what each run
would cost without the analysis budget). Times are CPU seconds (user +
system, every thread of the process) and wall seconds.

    .venv/bin/python bench/analysis_run.py                    # 5,000, 10,000 and 100,000 VMs
    .venv/bin/python bench/analysis_run.py --sizes 10000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def measure(vms: int) -> dict:
    from synthetic import generate

    from models.database import make_engine, make_session_factory
    from planner.cli.database import upgrade_database
    from planner.core.assessment import analysis_solver, assess, placement_advice
    from planner.core.inventory import load_estate
    from planner.core.placement import SolverOptions
    from planner.services import accounts, analysis, plans
    from planner.services.accounts import Caller

    out: dict = {"vms": vms}
    doc = generate(vms, violations=True)
    url = f"sqlite:///{tempfile.mkdtemp()}/analysis.sqlite3"
    upgrade_database(url)
    session = make_session_factory(make_engine(url))()
    org = accounts.create_organization(session, f"bench-{os.urandom(4).hex()}")
    caller = Caller(org.id, frozenset({"read", "write"}), None, "bench")
    plan = plans.create_plan(session, caller, "bench")
    plans.put_inventory(session, caller, plan.id, doc)
    session.commit()

    c, t = time.process_time(), time.perf_counter()
    run, _changes = analysis.run_analysis(session, caller, plan.id)
    session.commit()
    out["run_cpu"], out["run_wall"] = time.process_time() - c, time.perf_counter() - t
    out["budget"] = analysis_solver(load_estate(doc)).time_limit
    out["methods"] = sorted({d["method"] for d in run.placement["domains"]})

    estate = load_estate(doc)
    before = assess(estate)
    for label, options in (("analysis", analysis_solver(estate)), ("full", SolverOptions())):
        c = time.process_time()
        advice = placement_advice(estate, before, options=options)
        out[f"advice_{label}_cpu"] = time.process_time() - c
        out[f"advice_{label}_conflicts"] = len(advice["conflicts"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 10_000, 100_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}; CPU seconds (user + system), wall in brackets")
    print("| VMs | analysis budget | run_analysis | advice, analysis budget | advice, full budget (10 s) |")
    print("|---|---|---|---|---|")
    for vms in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(vms)]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        budget = "heuristic alone" if r["budget"] == 0 else f"CP-SAT {r['budget']:g} s"
        print(
            f"| {vms:,} | {budget} | {r['run_cpu']:.2f} s ({r['run_wall']:.2f} s) | "
            f"{r['advice_analysis_cpu']:.2f} s, {r['advice_analysis_conflicts']} hosts mixed | "
            f"{r['advice_full_cpu']:.2f} s, {r['advice_full_conflicts']} hosts mixed |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
