"""Moves a person chooses, judged by the advisor's hard constraints
(:func:`constraint_violations`), and one move's effect on the findings
(:func:`what_if`). Each constraint has its own case; a property ties the
check to the advisor: no proposal's moves, all taken at once, break one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from placement_estates import estate, host, vm
from test_placement_properties import documents

from planner.core.inventory import load_estate
from planner.core.placement import SolverOptions, advise, changes
from planner.core.placement.whatif import constraint_violations, what_if


def broken(e, moves) -> list[tuple[str, str]]:
    return [(v["vm"], v["constraint"]) for v in constraint_violations(e, moves)]


def two_clusters(**kw):
    hosts = [
        host("h1", cluster="c1"),
        host("h2", cluster="c1", memory=12),
        host("h3", cluster="c2"),
        host("d1", cluster="c1", dedicated="b"),
        host("lab", cluster="c1", hosted=True),
    ]
    vms = [
        vm("a1", "h1", memory=8, group="g", stores=("ds1",)),
        vm("a2", "h2", memory=8, group="g"),
        vm("p1", "h1", pinned=True),
        vm("new", None, level="low"),
    ]
    return estate(hosts, vms, datastores={"ds1": ["h1", "h2", "d1"]}, **kw)


@pytest.mark.parametrize(
    ("moves", "expected"),
    [
        ({"a1": "h3"}, [("a1", "cluster"), ("a1", "datastore")]),
        ({"a1": "d1"}, [("a1", "dedicated-zone")]),
        ({"a1": "lab"}, [("a1", "datastore"), ("a1", "hosted-hypervisor")]),
        ({"a1": "h2"}, [("a1", "anti-affinity"), ("a1", "memory")]),
        ({"p1": "h3"}, [("p1", "pinned"), ("p1", "cluster")]),
        ({"new": "lab"}, []),  # a VM without a host, of low impact, may go onto a type 2 host
        ({"a1": "h2", "a2": "h1"}, []),  # a swap: each leaves room for the other
        ({"a1": "h1"}, []),  # staying is no move
    ],
)
def test_each_hard_constraint_is_named(moves, expected):
    assert broken(two_clusters(), moves) == expected


def test_the_estate_scope_lets_a_vm_leave_its_cluster():
    e = two_clusters(scope="estate")
    assert broken(e, {"a2": "h3"}) == []


def test_messages_say_what_to_change():
    e = two_clusters()
    (memory,) = [v for v in constraint_violations(e, {"a1": "h2"}) if v["constraint"] == "memory"]
    assert memory["message"] == "h2 would carry 16 GiB of memory, above its ceiling of 12 GiB (max_memory_overcommit 1)"
    (cpu,) = constraint_violations(
        estate([host("h1", cores=1), host("h2", cores=1)], [vm("v1", "h1", vcpus=3), vm("v2", "h2", vcpus=2)]),
        {"v1": "h2"},
    )
    assert cpu["constraint"] == "cpu"
    assert cpu["message"] == "h2 would carry 5 vCPUs on 1 cores, above its ceiling of 4 (max_cpu_overcommit 4)"


def test_what_if_counts_the_findings_a_move_removes_and_adds():
    e = estate([host("h1"), host("h2")], [vm("a1", "h1"), vm("b1", "h1", zone="b"), vm("a2", "h2")])
    result = what_if(e, "b1", "h2")
    assert result["from"] == "h1" and result["to"] == "h2" and result["allowed"]
    assert [(f["rule"], f["objects"]) for f in result["findings_removed"] if f["rule"] == "ZONE-MIX-HOST"] == [
        ("ZONE-MIX-HOST", [{"kind": "host", "id": "h1"}])
    ]
    assert [(f["rule"], f["objects"]) for f in result["findings_added"] if f["rule"] == "ZONE-MIX-HOST"] == [
        ("ZONE-MIX-HOST", [{"kind": "host", "id": "h2"}])
    ]
    assert result["findings_before"]["by_rule"]["ZONE-MIX-HOST"] == result["findings_after"]["by_rule"]["ZONE-MIX-HOST"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_a_proposal_taken_whole_breaks_no_hard_constraint(doc):
    e = load_estate(doc)
    advice = advise(e, findings=False, options=SolverOptions(time_limit=0.2))
    moves = {c["vm"]: c["to"] for c in changes(e, advice.placement)}
    # Pinned VMs that break a constraint on their own host stay regardless; the advisor never moves a VM there.
    assert constraint_violations(e, moves) == []
