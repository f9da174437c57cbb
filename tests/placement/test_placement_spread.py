"""Spread, the contract's fourth level, in its three parts: stray VMs, VMs on
conflicting hosts, then the peak load. A host that mixes zones already costs
nothing more at the second level when a VM joins it; spread must not pile VMs
onto it — and must never buy that with a move. Each case is checked with the
heuristic alone and with the exact solver."""

from __future__ import annotations

import pytest
from placement_estates import broken_constraints, estate, host, vm

from planner.core.placement import SolverOptions, advise
from planner.core.placement.ledger import Ledger
from planner.core.placement.objective import LEVELS, Sizes, score

METHODS = {"heuristic": SolverOptions(time_limit=0), "cp-sat": SolverOptions(time_limit=2)}


def run(method: str, hosts, vms, **kw):
    e = estate(hosts, vms, **kw)
    r = advise(e, findings=False, options=METHODS[method])
    assert broken_constraints(e, r.placement) == []
    return r


def mixed_and_clean_hosts() -> list[dict]:
    """m1 mixes zones a and b on its own (both VMs pinned) and is nearly empty;
    a1 serves zone a, small and already a third full."""
    return [host("m1", cores=16, memory=512), host("a1", cores=4, memory=64)]


def pinned_mix() -> list[dict]:
    return [vm("pa", "m1", zone="a", pinned=True), vm("pb", "m1", zone="b", pinned=True), vm("old", "a1", memory=24)]


@pytest.mark.parametrize("method", METHODS)
def test_new_vms_go_to_a_clean_host_not_the_emptier_mixed_one(method):
    # Even load alone prefers m1 (new VMs there: peak 19 %; on a1: 94 %); but m1 mixes zones.
    r = run(method, mixed_and_clean_hosts(), [*pinned_mix(), vm("n1", None, memory=18), vm("n2", None, memory=18)])
    assert r.placement["n1"] == r.placement["n2"] == "a1"
    assert [c["host"] for c in r.conflicts] == ["m1"]
    domain = r.domains[0].to_dict()
    assert domain["result"]["vms_on_conflicting_hosts"] == 2 and domain["result"]["stray_vms"] == 1


@pytest.mark.parametrize("method", METHODS)
def test_a_new_vm_of_another_zone_goes_to_an_empty_host_not_the_mixed_one(method):
    hosts = [*mixed_and_clean_hosts(), host("e1", cores=4, memory=64)]
    r = run(method, hosts, [*pinned_mix(), vm("c1", None, zone="c", memory=40)])
    assert r.placement["c1"] == "e1"


@pytest.mark.parametrize("method", METHODS)
def test_the_mixed_host_takes_a_vm_only_when_no_clean_host_has_room(method):
    r = run(method, mixed_and_clean_hosts(), [*pinned_mix(), vm("n1", None, memory=48)])
    assert r.placement["n1"] == "m1" and r.unplaced == []


@pytest.mark.parametrize("method", METHODS)
def test_spread_never_buys_a_move(method):
    # "stay" sits on the mixed host; a clean host has room, but leaving would be a move.
    r = run(method, mixed_and_clean_hosts(), [*pinned_mix(), vm("stay", "m1", memory=8)])
    assert r.moves == []


@pytest.mark.parametrize("method", METHODS)
def test_the_host_left_mixed_is_the_one_with_the_fewest_strays(method):
    # w (zone d) can go nowhere clean; x (zone b) strays on h2 and can go to h3. Clearing h2 by moving
    # w there instead would also leave one mixed host at one move — with two strays on it, not one.
    hosts = [host("h1", cores=8, memory=128), host("h2", cores=8, memory=128), host("h3", cores=8, memory=128)]
    vms = [
        *[vm(f"a{i}", "h1", memory=16) for i in range(4)],
        vm("w", "h1", zone="d", memory=8),
        *[vm(f"c{i}", "h2", zone="c", memory=16) for i in range(2)],
        vm("x", "h2", zone="b", memory=8),
        vm("b0", "h3", zone="b", memory=16),
        vm("pd", "h3", zone="b", memory=96, pinned=True),
    ]
    r = run(method, hosts, vms, zones={"a": 2, "b": 2, "c": 2, "d": 2})
    assert {m["vm"]: m["to"] for m in r.moves} == {"x": "h3"}
    assert [(c["host"], c["vms"]) for c in r.conflicts] == [("h1", ["w"])]


def test_score_measures_every_level_in_the_contract_order():
    e = estate(mixed_and_clean_hosts(), [*pinned_mix(), vm("n1", "m1", memory=48)])
    ledger = Ledger(e)
    for v, vmodel in enumerate(ledger.vms):
        i = ledger.host_index[vmodel.host]
        ledger.place(v, i, not ledger.joins_cleanly(v, i))
    s = score(ledger, Sizes(ledger), range(len(ledger.hosts)), range(len(ledger.vms)))
    assert list(s.to_dict()) == list(LEVELS)
    assert s.to_dict() == {
        "unplaced": 0,
        "conflicting_hosts": 1,
        "moves": 0,
        "stray_vms": 1,
        "vms_on_conflicting_hosts": 3,
        "spread": 375,  # a1: 24 GiB of 64
    }
