"""What the advisor proves without the exact solver: the lower bounds of the first three
levels (only VMs no host can hold unplaced, only hosts that must mix zones mixed, and the
moves the zones each host can serve force), and that what it calls proven, CP-SAT run on the
same estate cannot beat."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from placement_estates import document, estate, host, vm
from test_placement_properties import FAST, documents

from planner.core.inventory import load_estate
from planner.core.placement import SolverOptions, advise
from planner.core.placement.objective import LEVELS

HEURISTIC = SolverOptions(time_limit=0)
#: Enough for CP-SAT to settle these small estates, and every domain handed to it.
EXACT = SolverOptions(time_limit=20, polish_pairs=10**9)

FIRST_THREE = ["unplaced", "conflicting_hosts", "moves"]


def test_a_zone_no_other_host_serves_keeps_its_host_and_the_moves_are_proven():
    # vm-c's zone has no other host and no empty one: clearing h1 of it would mix another host,
    # so the fewest moves send h1's three zone-a VMs away — more than "one VM leaves h1".
    hosts = [host(f"h{i}", cores=16, memory=256) for i in range(1, 4)]
    vms = [vm("vm-c", "h1", zone="c")] + [vm(f"a{i}{n}", f"h{i}", zone="a") for i in range(1, 4) for n in range(3)]
    e = estate(hosts, vms, zones={"a": 1, "c": 3})
    r = advise(e, findings=False, options=HEURISTIC)
    (domain,) = r.domains
    assert domain.method == "heuristic" and domain.proven[:3] == FIRST_THREE
    assert (domain.result.conflicting_hosts, domain.result.moves) == (0, 3) and domain.bound["moves"] == 3
    assert "the zones each host can serve" in domain.note
    assert r.placement["vm-c"] == "h1" and sorted(m["vm"] for m in r.moves) == ["a10", "a11", "a12"]
    exact = advise(e, findings=False, options=EXACT).domains[0]
    assert exact.optimal and exact.result.moves == 3


def test_vms_only_their_host_can_hold_make_it_mix_and_that_is_proven():
    # Each VM's datastore reaches its own host only: h1 must carry both zones, whatever is moved.
    hosts = [host("h1"), host("h2")]
    vms = [vm("a1", "h1", stores=("ds1",)), vm("b1", "h1", zone="b", stores=("ds1",)), vm("a2", "h2")]
    e = estate(hosts, vms, zones={"a": 1, "b": 3}, datastores={"ds1": ["h1"]})
    r = advise(e, findings=False, options=HEURISTIC)
    (domain,) = r.domains
    assert domain.result.conflicting_hosts == 1 and domain.bound["conflicting_hosts"] == 1
    assert domain.proven[:3] == FIRST_THREE and [c["host"] for c in r.conflicts] == ["h1"]


def test_a_vm_every_possible_host_of_which_it_would_mix_proves_one_mixed_host():
    # b1 may only be on h1 or h2, and each holds a zone-a VM that no other host can hold.
    hosts = [host("h1"), host("h2")]
    vms = [vm("a1", "h1", stores=("ds1",)), vm("a2", "h2", stores=("ds2",)), vm("b1", "h1", zone="b", stores=("ds12",))]
    e = estate(hosts, vms, zones={"a": 1, "b": 3}, datastores={"ds1": ["h1"], "ds2": ["h2"], "ds12": ["h1", "h2"]})
    (domain,) = advise(e, findings=False, options=HEURISTIC).domains
    assert (domain.result.conflicting_hosts, domain.bound["conflicting_hosts"]) == (1, 1)
    assert domain.proven[:3] == FIRST_THREE and domain.result.moves == 0
    exact = advise(e, findings=False, options=EXACT).domains[0]
    assert exact.optimal and (exact.result.conflicting_hosts, exact.result.moves) == (1, 0)


@st.composite
def settled(draw):
    """Estates as they are found: each host mostly of one zone, a few VMs of another zone among
    them, some VMs pinned or new, datastores that reach part of the hosts, zones rare or common."""
    zones = {"a": 0, "b": 1, "c": 2, "d": 4}
    nh = draw(st.integers(2, 7))
    hosts = [
        host(f"h{i}", cores=draw(st.sampled_from([4, 8])), memory=draw(st.sampled_from([32, 64]))) for i in range(nh)
    ]
    ids = [h["id"] for h in hosts]
    datastores = {"ds-all": ids, "ds-part": draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))}
    main = [draw(st.sampled_from("aabbcd")) for _ in hosts]
    vms = []
    for i, h in enumerate(hosts):
        for n in range(draw(st.integers(0, 4))):
            stray = draw(st.integers(0, 5)) == 0
            vms.append(
                vm(
                    f"v{i}-{n}",
                    None if draw(st.integers(0, 9)) == 0 else h["id"],
                    zone=draw(st.sampled_from(sorted(zones))) if stray else main[i],
                    vcpus=draw(st.integers(1, 4)),
                    memory=draw(st.sampled_from([2, 8, 16])),
                    group=draw(st.sampled_from([None, None, None, "g"])),
                    pinned=draw(st.integers(0, 7)) == 0,
                    stores=(draw(st.sampled_from(["ds-all", "ds-all", "ds-part"])),),
                )
            )
    mixing = draw(st.sampled_from(["forbid", "adjacent"]))
    return document(hosts, vms, zones=zones, mixing=mixing, cpu=2.0, datastores=datastores)


# About one settled estate in twenty reaches the bound of the zones each host can serve.
@settings(FAST, max_examples=150)
@given(st.one_of(documents(), settled(), settled()))
def test_what_is_proven_without_the_solver_is_what_cp_sat_proves(doc):
    e = load_estate(doc)
    fast = advise(e, findings=False, options=HEURISTIC)
    exact = advise(e, findings=False, options=EXACT)
    for quick, slow in zip(fast.domains, exact.domains, strict=True):
        levels = LEVELS[: len(quick.proven)]
        if not levels or quick.result is None or slow.result is None:
            continue
        ours = [getattr(quick.result, level) for level in levels]
        best = [getattr(slow.result, level) for level in levels]
        assert ours <= best  # no placement beats what is called proven
        if slow.optimal:
            assert ours == best
