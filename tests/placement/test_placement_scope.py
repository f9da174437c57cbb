"""The v1.1 hard constraints (cluster scope, datastores, type 2 hosts, a VM may keep its
host), the strict priority order, what an infeasible instance says, and the exact
solver's report per migration domain."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from placement_estates import broken_constraints, document, estate, host, vm

from planner.core.inventory import load_estate
from planner.core.placement import SolverOptions, advise

QUICK = SolverOptions(time_limit=0.5)


def run(*args, **kw):
    e = estate(*args, **kw)
    r = advise(e, findings=False, options=QUICK)
    assert broken_constraints(e, r.placement) == []
    return r


def moved(r) -> dict[str, tuple]:
    return {m["vm"]: (m["from"], m["to"]) for m in r.moves}


# -- where a VM may go -------------------------------------------------------------
CLUSTERS = [host("h1", cluster="c1"), host("h2", cluster="c1"), host("h3", cluster="c2")]
MIXED = [vm("a1", "h1"), vm("b1", "h1", zone="b"), vm("c1", "h2", zone="c")]


def test_moves_stay_in_the_cluster():
    # h1 mixes a and b; the only host free of other zones is in another cluster: the conflict stays.
    r = run(CLUSTERS, MIXED)
    assert r.moves == [] and [c["host"] for c in r.conflicts] == ["h1"]
    assert "every other host in cluster c1 serves a zone that conflicts with it" in r.conflicts[0]["reason"]


def test_estate_scope_crosses_clusters():
    r = run(CLUSTERS, MIXED, scope="estate")
    assert len(r.moves) == 1 and r.moves[0]["to"] == "h3" and r.moves[0]["cluster"] == "c2"
    assert r.conflicts == []


def test_datastores_must_be_attached_to_the_target():
    # a1 and b1 need ds, which h3 lacks: c1 (free to go) leaves for h3 and b1 takes its place.
    r = run(
        [host("h1"), host("h2"), host("h3")],
        [vm("a1", "h1", stores=("ds",)), vm("b1", "h1", zone="b", stores=("ds",)), vm("c1", "h2", zone="c")],
        datastores={"ds": ["h1", "h2"]},
    )
    assert r.conflicts == [] and r.placement["c1"] == "h3"
    assert {r.placement["a1"], r.placement["b1"]} == {"h1", "h2"}


def test_a_vm_keeps_a_host_its_datastores_do_not_reach():
    r = run([host("h1"), host("h2")], [vm("a1", "h1", stores=("ds",))], datastores={"ds": ["h2"]})
    assert r.placement == {"a1": "h1"} and r.moves == []


def test_never_onto_a_type_2_host():
    r = run(
        [host("h1"), host("lab", hosted=True)],
        [vm("a1", "h1"), vm("b1", "h1", zone="b")],
    )
    assert r.placement == {"a1": "h1", "b1": "h1"} and r.moves == []
    assert "lab" not in r.placement.values()


def test_a_new_vm_goes_to_a_type_2_host_only_when_its_high_water_mark_is_low():
    hosts = [host("h1", memory=8), host("lab", hosted=True)]
    r = run(hosts, [vm("a1", "h1"), vm("low", None, level="low"), vm("high", None, level="high"), vm("unknown", None)])
    assert r.placement["low"] == "lab"
    unplaced = {u["vm"]: u["reason"] for u in r.unplaced}
    assert set(unplaced) == {"high", "unknown"}
    assert "no host open to zone a with 8 GiB free memory" in unplaced["high"]


def test_a_vm_may_stay_on_the_type_2_host_it_is_on():
    r = run([host("lab", hosted=True), host("h1")], [vm("x", "lab", level="high")])
    assert r.placement == {"x": "lab"} and r.moves == []


# -- infeasible instances: which VM, and the constraint that stops it ---------------
def test_infeasible_vms_are_named_with_what_stops_each():
    e = load_estate(
        document(
            [
                host("h1", cores=2, memory=16, cluster="c1"),
                host("d1", dedicated="c", cluster="c1"),
                host("lab", hosted=True),
            ],
            [
                vm("big", None, memory=128, level="low"),
                vm("mid", None, level="moderate", stores=("ds-lab",)),
                vm("fill", "h1", memory=16),
                vm("stray", "d1", zone="b"),
            ],
            datastores={"ds-lab": ["lab"]},
        )
    )
    r = advise(e, findings=False, options=QUICK)
    assert broken_constraints(e, r.placement) == []
    reasons = {u["vm"]: u["reason"] for u in r.unplaced}
    assert set(reasons) == {"big", "mid", "stray"}
    assert reasons["big"].startswith("needs 1 vCPUs and 128 GiB; at the overcommit ceilings no host open to zone a")
    assert reasons["mid"] == (
        "the only hosts its datastores reach (lab) are type 2; "
        "a type 2 (hosted) hypervisor takes only a VM whose high-water mark is low"
    )
    assert reasons["stray"].startswith("removed from d1 (d1 is dedicated to zone c; the VM is in zone b); ")
    assert "in cluster c1" in reasons["stray"]


# -- the strict order of priorities ---------------------------------------------------
def test_unplaced_before_conflicts():
    # The only room for b1 is beside a1: placing it (a conflict) beats leaving it out.
    r = run([host("h1", memory=16)], [vm("a1", "h1"), vm("b1", None, zone="b")])
    assert r.placement == {"a1": "h1", "b1": "h1"} and len(r.conflicts) == 1


def test_conflicts_before_moves():
    # b1 is pinned beside three VMs of zone a: clearing the conflict takes three moves, and it is done.
    r = run(
        [host("h1"), host("h2")],
        [vm("a1", "h1"), vm("a2", "h1"), vm("a3", "h1"), vm("b1", "h1", zone="b", pinned=True)],
    )
    assert r.conflicts == [] and moved(r) == {f"a{i}": ("h1", "h2") for i in (1, 2, 3)}
    assert {m["reason"] for m in r.moves} == {"zone a conflicts with zone b kept on h1"}


def test_moves_before_spread():
    # Spreading would move a VM to the empty host; moves come first, so nothing moves.
    r = run([host("h1"), host("h2")], [vm("a1", "h1"), vm("a2", "h1"), vm("a3", "h1")])
    assert r.moves == []


def test_each_domain_reports_its_method_and_proof():
    r = run(
        [host("h1", cluster="c1"), host("h2", cluster="c1"), host("h3", cluster="c2")],
        [vm("a1", "h1"), vm("b1", "h1", zone="b"), vm("c1", "h3", zone="c")],
    )
    report = {tuple(d.clusters): d.to_dict() for d in r.domains}
    assert report[("c1",)]["status"] == "optimal" and report[("c1",)]["method"] == "cp-sat"
    assert report[("c1",)]["result"] == report[("c1",)]["bound"]
    assert report[("c1",)]["result"]["moves"] == 1
    assert report[("c2",)]["proven"][:3] == ["unplaced", "conflicting_hosts", "moves"]


def test_heuristic_alone_when_the_budget_is_zero():
    e = estate([host("h1"), host("h2")], [vm("a1", "h1"), vm("b1", "h1", zone="b"), vm("a2", "h2")])
    r = advise(e, findings=False, options=SolverOptions(time_limit=0))
    assert broken_constraints(e, r.placement) == []
    assert all(d.method == "heuristic" for d in r.domains)


# -- known conflict-free instances come out conflict-free -------------------------------
@st.composite
def separable(draw):
    """A planted conflict-free placement (each host serves one zone, within its ceilings),
    then scrambled: some VMs put on other hosts of their cluster, some taken off."""
    clusters = draw(st.integers(1, 2))
    hosts, vms = [], []
    for c in range(clusters):
        for k in range(draw(st.integers(2, 4))):
            hid = f"c{c}h{k}"
            hosts.append(host(hid, cores=8, memory=64, cluster=f"c{c}"))
            zone = draw(st.sampled_from(["a", "b", "c"]))
            for n in range(draw(st.integers(0, 4))):
                vms.append(
                    vm(
                        f"{hid}v{n}",
                        hid,
                        zone=zone,
                        vcpus=draw(st.integers(1, 4)),
                        memory=draw(st.sampled_from([4, 8, 12])),
                    )
                )
    for v in vms:
        action = draw(st.integers(0, 5))
        same = [h["id"] for h in hosts if h["cluster"] == next(x for x in hosts if x["id"] == v["host"])["cluster"]]
        if action == 0:
            v["host"] = draw(st.sampled_from(same))
        elif action == 1:
            v["host"] = None
    return document(hosts, vms, cpu=4.0, memory=1.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(separable())
def test_a_separable_estate_comes_out_conflict_free(doc):
    e = load_estate(doc)
    r = advise(e, findings=False, options=QUICK)
    assert broken_constraints(e, r.placement) == []
    assert r.unplaced == [] and r.conflicts == []
