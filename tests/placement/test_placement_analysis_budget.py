"""The advice made with every analysis run: a small exact-solver budget, the
heuristic alone above a size, the same answer every time."""

from __future__ import annotations

from placement_estates import estate, host, vm

from planner.core.assessment import ANALYSIS_EXACT_VMS, ANALYSIS_TIME_LIMIT, analysis_solver, assessment


def test_small_plans_get_the_exact_solver_within_the_analysis_budget():
    e = estate([host("h1"), host("h2")], [vm("a1", "h1"), vm("b1", "h1", zone="b")])
    assert analysis_solver(e).time_limit == ANALYSIS_TIME_LIMIT
    (domain,) = assessment(e).placement["domains"]
    assert domain["method"] == "cp-sat" and domain["status"] == "optimal"


def test_large_plans_get_the_heuristic_alone_and_say_so():
    # Every host over its memory ceiling, and the estate too: VMs are left without a host where
    # each alone would fit, so no cheap bound proves how few must be.
    hosts = [host(f"h{i}", cores=64, memory=96) for i in range(60)]
    vms = [vm(f"v{n}", f"h{n % 60}", zone="ab"[n % 60 % 2], memory=2) for n in range(ANALYSIS_EXACT_VMS + 1)]
    e = estate(hosts, vms)
    assert analysis_solver(e).time_limit == 0
    first = assessment(e).placement
    assert {d["method"] for d in first["domains"]} == {"heuristic"}
    assert "more than 5,000 VMs advises with the heuristic alone" in " ".join(d["note"] for d in first["domains"])
    assert first["unplaced"] and first["conflicts"] == []
    assert first["domains"][0]["proven"] == []
    assert assessment(e).placement == first
