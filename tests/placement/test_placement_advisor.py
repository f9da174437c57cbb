"""The placement advisor on hand-built estates: each hard constraint, each
priority, unplaceable VMs with their reasons, pinned VMs."""

from __future__ import annotations

from placement_estates import broken_constraints, estate, host, vm

from planner.core.placement import advise


def run(*args, **kw):
    e = estate(*args, **kw)
    r = advise(e)
    assert broken_constraints(e, r.placement) == []
    return r


def moved(r) -> dict[str, tuple]:
    return {m["vm"]: (m["from"], m["to"]) for m in r.moves}


# -- hard constraints ------------------------------------------------------------
def test_memory_over_the_ceiling_moves_the_fewest_vms():
    r = run(
        [host("h1"), host("h2")],
        [vm("v1", "h1", memory=32), vm("v2", "h1", memory=16), vm("v3", "h1", memory=16), vm("v4", "h1", memory=8)],
    )
    # 72 GiB on 64: one VM leaving is enough, and the largest is the one that suffices.
    assert moved(r) == {"v1": ("h1", "h2")}
    assert "h1 is over its overcommit ceiling" in r.moves[0]["reason"]


def test_cpu_over_the_ceiling():
    r = run([host("h1", cores=2), host("h2", cores=2)], [vm(f"v{i}", "h1", vcpus=3) for i in range(3)])
    assert list(moved(r).values()) == [("h1", "h2")]


def test_vm_larger_than_any_host_is_unplaced_with_sizes():
    r = run([host("h1", memory=64)], [vm("big", None, memory=128)])
    assert r.placement == {} and r.unplaced[0]["vm"] == "big"
    assert "needs 1 vCPUs and 128 GiB" in r.unplaced[0]["reason"] and "64 GiB on h1" in r.unplaced[0]["reason"]


def test_no_free_room_names_the_zone_and_the_most_free_host():
    r = run(
        [host("h1", memory=16), host("h2", memory=16)],
        [vm("v1", "h1", memory=12), vm("v2", "h2", memory=10), vm("new", None, memory=8)],
    )
    assert r.unplaced == [
        {"vm": "new", "reason": "no host open to zone a with 8 GiB free memory; the most free has 6 GiB (h2)"}
    ]
    assert moved(r) == {}


def test_no_free_vcpus_reason():
    r = run([host("h1", cores=1)], [vm("v1", "h1", vcpus=3), vm("new", None, zone="a", vcpus=4)], cpu=4.0)
    assert r.unplaced[0]["reason"] == "no host open to zone a with 4 free vCPUs; the most free has 1 vCPUs (h1)"


def test_anti_affinity_members_split():
    r = run([host("h1"), host("h2")], [vm("w1", "h1", group="web"), vm("w2", "h1", group="web")])
    assert moved(r) == {"w2": ("h1", "h2")}
    assert r.moves[0]["reason"] == "anti-affinity group web: w1 is also on h1"


def test_anti_affinity_group_on_every_host_is_the_reason():
    r = run(
        [host("h1"), host("h2")],
        [vm("w1", "h1", group="web"), vm("w2", "h2", group="web"), vm("w3", None, group="web")],
    )
    assert r.unplaced == [
        {"vm": "w3", "reason": "anti-affinity group web already on every host open to zone a (h1, h2)"}
    ]


def test_evicted_vm_without_a_host_is_unplaced_and_says_where_it_was():
    r = run([host("h1")], [vm("w1", "h1", group="web"), vm("w2", "h1", group="web")])
    (kept,) = r.placement
    (gone,) = {"w1", "w2"} - {kept}
    assert r.placement == {kept: "h1"} and r.moves == []
    assert r.unplaced == [
        {
            "vm": gone,
            "reason": f"removed from h1 (anti-affinity group web: {kept} is also on h1); "
            "anti-affinity group web already on every host open to zone a (h1)",
        }
    ]


def test_dedicated_zone_only_takes_its_zone():
    r = run(
        [host("d1", dedicated="a"), host("h2")],
        [vm("x", "d1", zone="b"), vm("nozone", "d1", zone=None), vm("ok", "d1", zone="a")],
    )
    assert moved(r) == {"x": ("d1", "h2"), "nozone": ("d1", "h2")}
    assert r.placement["ok"] == "d1"
    assert "d1 is dedicated to zone a; the VM has no zone" in {m["reason"] for m in r.moves}


def test_every_host_dedicated_elsewhere():
    r = run([host("d1", dedicated="a"), host("d2", dedicated="c")], [vm("x", None, zone="b")])
    assert r.unplaced == [
        {"vm": "x", "reason": "zone b: every host open to zone b is dedicated to another zone (a, c)"}
    ]


# -- pinned VMs -------------------------------------------------------------------
def test_pinned_vms_never_move_and_their_partners_do():
    r = run(
        [host("h1"), host("h2")],
        [vm("w1", "h1", group="web"), vm("w2", "h1", group="web", pinned=True), vm("p", "h1", zone="b", pinned=True)],
    )
    assert r.placement["w2"] == "h1" and r.placement["p"] == "h1"
    assert moved(r) == {"w1": ("h1", "h2")}


def test_pinned_vms_breaking_constraints_stay_and_are_reported():
    r = run(
        [host("d1", memory=16, dedicated="a"), host("h2")],
        [
            vm("p1", "d1", zone="b", pinned=True, memory=12, group="g"),
            vm("p2", "d1", zone="a", pinned=True, memory=12, group="g"),
            vm("m", "d1", memory=1),
        ],
    )
    assert r.placement["p1"] == "d1" and r.placement["p2"] == "d1" and moved(r) == {"m": ("d1", "h2")}
    reasons = " | ".join(p["reason"] for p in r.pinned_violations)
    assert "dedicated to zone a" in reasons and "anti-affinity group g" in reasons and "overcommit" in reasons
    assert r.conflicts and r.conflicts[0]["host"] == "d1" and "is pinned" in r.conflicts[0]["reason"]


# -- priorities ------------------------------------------------------------------
def test_priority_1_minority_zone_moves_to_a_host_of_its_zone():
    r = run(
        [host("h1"), host("h2")], [vm("a1", "h1"), vm("a2", "h1"), vm("b1", "h1", zone="b"), vm("b2", "h2", zone="b")]
    )
    assert moved(r) == {"b1": ("h1", "h2")} and r.conflicts == []
    assert r.moves[0]["reason"] == "zone b conflicts with zone a kept on h1"
    assert r.moves[0]["resolves"] == {"rule": "ZONE-MIX-HOST", "host": "h1"}


def test_priority_1_beats_priority_2_by_recolouring_a_host():
    # b has no other home while a4 holds h2: swapping b1 and a4 (two moves) clears the conflict.
    r = run(
        [host("h1"), host("h2")],
        [vm("a1", "h1"), vm("a2", "h1"), vm("a3", "h1"), vm("b1", "h1", zone="b"), vm("a4", "h2")],
    )
    assert r.conflicts == []
    assert moved(r) == {"b1": ("h1", "h2"), "a4": ("h2", "h1")}
    assert {m["vm"]: m["reason"] for m in r.moves} == {
        "b1": "zone b conflicts with zone a kept on h1",
        "a4": "makes room on h2 for b1",
    }


def test_priority_2_the_cheaper_fix_wins():
    r = run([host("h1"), host("h2")], [vm("a1", "h1"), vm("a2", "h1"), vm("b1", "h1", zone="b")])
    assert moved(r) == {"b1": ("h1", "h2")}


def test_unavoidable_conflict_is_explained_and_concentrated():
    # Two hosts, three zones: one host must mix; the reason names the full host.
    r = run(
        [host("h1", memory=16), host("h2", memory=16)],
        [vm("a1", "h1", memory=16), vm("b1", "h2", zone="b", memory=8), vm("c1", "h2", zone="c", memory=8)],
    )
    assert len(r.conflicts) == 1
    c = r.conflicts[0]
    assert c["host"] == "h2" and c["zones"] == ["b", "c"]
    assert c["reason"] == "c1 (zone c): every other host serves a zone that conflicts with it, and none is empty"


def test_adjacent_policy_lets_neighbouring_trust_levels_share():
    zones = {"a": 1, "b": 2, "c": 4}
    r = run(
        [host("h1"), host("h2")],
        [vm("a1", "h1"), vm("b1", "h1", zone="b"), vm("c1", "h1", zone="c")],
        zones=zones,
        mixing="adjacent",
    )
    assert moved(r) == {"c1": ("h1", "h2")} and r.conflicts == []


def test_priority_3_new_vms_spread_over_hosts():
    r = run([host(f"h{i}", cores=8, memory=128) for i in range(4)], [vm(f"v{i}", None) for i in range(8)])
    per_host = {}
    for h in r.placement.values():
        per_host[h] = per_host.get(h, 0) + 1
    assert sorted(per_host.values()) == [2, 2, 2, 2]
    assert all(m["from"] is None and m["reason"] == "not placed yet" for m in r.moves)


def test_empty_hosts_are_shared_between_zones_by_demand():
    r = run(
        [host(f"h{i}", cores=8, memory=64) for i in range(4)],
        [vm(f"a{i}", None, memory=16) for i in range(9)] + [vm("b0", None, zone="b", memory=16)],
    )
    assert r.unplaced == [] and r.conflicts == []
    assert len({h for v, h in r.placement.items() if v.startswith("a")}) == 3


def test_nothing_to_do():
    r = run([host("h1")], [vm("a1", "h1")])
    assert r.moves == [] and r.unplaced == [] and r.conflicts == [] and r.pinned_violations == []


def test_no_hosts():
    r = run([], [vm("a1", None)])
    assert r.unplaced == [{"vm": "a1", "reason": "the inventory has no hosts"}]
