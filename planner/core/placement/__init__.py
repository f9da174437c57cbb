"""The placement advisor: a host for every VM, without mixing zones where it can.

Pure core: no Flask, no database. The entry point is :func:`advise`::

    from planner.core.placement import advise
    result = advise(load_estate(document))
    result.to_dict()   # {"placement", "unplaced", "moves", "conflicts", "pinned_violations"}

The findings before and after a proposal are counted by the plan's assessment
(:func:`planner.core.assessment.placement_advice`, the one caller of
:func:`advise`), with the questionnaire's answers applied.

What it must do (analysis-v1, "Placement advisor"): hard constraints —
capacity at the policy's overcommit ceilings, anti-affinity groups on
different hosts, a host's ``dedicated_zone`` (only VMs of that zone; a VM
without a zone is not of that zone), pinned VMs stay — then, in order:
(1) no host carries conflicting zones, wherever that is possible;
(2) as few VMs as possible leave the host they are on; (3) load spread evenly.

The algorithm (three passes over a ledger of hosts, :mod:`.ledger`):

1. **Settle** (:meth:`.advisor.Advisor.settle`). Each host gets a *colour*:
   its dedicated zone, else the zone (under ``adjacent``: the trust window
   [t, t+1]) that holds the most pinned VMs, then the most VMs — so the
   fewest VMs disagree with it. Pinned VMs stay whatever they break (that is
   reported under ``pinned_violations``). A movable VM is *evicted* if it
   breaks a hard constraint: a dedicated zone not its own, a second member of
   an anti-affinity group (pinned members keep their place first), or room
   beyond a ceiling (VMs of another colour go first, then the largest, so the
   fewest leave). A VM whose zone conflicts with the colour is a *misfit*: it
   stays for now, holding its room.
2. **Place** (:meth:`.advisor.Advisor.place_all`), largest VM first: an
   evicted or never-placed VM takes the host with the most free room among
   those of its colour or the empty ones (empty hosts are shared out between
   zones in proportion to their homeless demand, so new VMs spread without
   one zone taking every empty host), else a host that already mixes zones,
   else any host where it fits (creating a conflict, reported);
   failing all, it is unplaced with the precise reason (:mod:`.reasons`). A
   misfit moves only to a host of its colour or an empty one — never to a
   conflict — else it stays for pass 3. Ties prefer a host where the VM adds
   no internet-facing / high-impact co-residency (EXPOSED-CORESIDENCY), among
   the first 16 candidates.
3. **Repair** (:meth:`.advisor.Advisor.repair`). Each host still mixed,
   fewest misfits first, tries every colour its VMs suggest, cheapest first
   (fewest VMs leaving the host they started on): all VMs of other colours
   must find a host of their colour, an empty host, or a host *already*
   mixed; if one cannot, the attempt is rolled back exactly. A success clears
   one mixed host and makes no clean host mixed, so the count of mixed hosts
   only falls. Up to three sweeps.

Guarantees (tested, see tests/placement):

* The hard constraints hold for every VM the advisor places or keeps, except
  where pinned VMs alone break one (then only pinned VMs break it there, and
  it is reported). Every VM is either in ``placement`` or in ``unplaced``
  with a reason; a VM is unplaced only if no host could take it under the
  hard constraints at the end.
* If every VM has a host and the input is already conflict-free and within
  the hard constraints, no VM moves (each host's colour is then its only zone
  or trust window, so there are no misfits and no evictions). VMs without a
  host are added; existing VMs move for them only if a new VM can be placed
  nowhere but on a conflict and moving others clears it.
* A move is made only to meet a hard constraint, to place a VM without a
  host, or to clear a zone conflict; so priority (2) yields only to (1).
* Deterministic: hosts and VMs are taken in document order, ties broken by
  index, never by hash order.
* Every host left mixed is listed under ``conflicts`` with, for each VM of
  the minority colour, why no host could take it without a conflict.

Honest limits: deciding whether a conflict-free placement exists is bin
packing with colours — NP-hard — so priority (1) is met by a greedy with a
repair pass, not by an exact search. It reaches a conflict-free placement
whenever each VM that must leave or be placed finds room, at its turn, on a
host of its colour or an empty host (the common case: a few strays on
otherwise single-zone hosts), and the repair pass recolours hosts whose
minority zone has nowhere else to go. Where no conflict-free placement
exists, the repair keeps the number of mixed hosts low by gathering the
strays on hosts already mixed — on the demo estate, onto the host whose
pinned management VMs already make it the odd one out. It
can miss a conflict-free placement that needs several hosts recoloured at
once, or a different packing of the same zone's VMs (first-fit-decreasing
is not optimal packing); priority (2) is likewise minimised greedily, not
exactly. EXPOSED-CORESIDENCY is a tie-break, not a goal: hosts without a
zone conflict are not changed to break an internet-facing / high-impact
pair. VM-VCPU-EXCEEDS-CORES is not a placement constraint.

Cost: pass 1 is linear; passes 2 and 3 take a heap look-up per VM moved
(hosts filed by colour, most free room on top). A 100,000-VM estate on 5,000
hosts is advised in a few seconds (bench/placement.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypedDict

from planner.core.inventory.estate import Estate

from . import reasons
from .advisor import Advisor, PinnedViolation
from .ledger import Ledger

__all__ = ["Conflict", "Move", "PinnedViolation", "Placement", "Unplaced", "advise", "apply_placement"]


class Unplaced(TypedDict):
    vm: str
    reason: str


#: ``from`` is a Python keyword, hence the functional form.
Move = TypedDict("Move", {"vm": str, "from": str | None, "to": str, "reason": str})


class Conflict(TypedDict):
    """A host still mixing zones, the VMs that do not belong, and why they stay."""

    host: str
    zones: list[str]
    vms: list[str]
    reason: str


@dataclass(slots=True)
class Placement:
    """The advice. ``to_dict()`` is the contract's ``virtplan place`` JSON but for
    the findings before and after, which the assessment adds.

    ``moves`` lists every VM whose host changes, with ``"from": null`` for a
    VM that had none. ``conflicts`` (hosts still mixing zones, with why) and
    ``pinned_violations`` (hard constraints that pinned VMs break on their
    own) are additions to the contract's keys.
    """

    placement: dict[str, str]
    unplaced: list[Unplaced]
    moves: list[Move]
    conflicts: list[Conflict] = field(default_factory=list)
    pinned_violations: list[PinnedViolation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "placement": dict(self.placement),
            "unplaced": [dict(u) for u in self.unplaced],
            "moves": [dict(m) for m in self.moves],
            "conflicts": [dict(c) for c in self.conflicts],
            "pinned_violations": [dict(p) for p in self.pinned_violations],
        }


def apply_placement(estate: Estate, placement: dict[str, str]) -> Estate:
    """A copy of ``estate`` with each VM on its host in ``placement`` (absent: no host).

    Only VMs whose host changes are copied; the rest are shared with ``estate``.
    """
    vms = dict(estate.vms)
    for vid, vm in estate.vms.items():
        host = placement.get(vid)
        if host != vm.host:
            vms[vid] = dataclasses.replace(vm, host=host)
    return dataclasses.replace(estate, vms=vms)


def advise(estate: Estate) -> Placement:
    """Advise a placement for ``estate`` (see the module docstring)."""
    ledger = Ledger(estate)
    advisor = Advisor(ledger)
    advisor.settle()
    advisor.place_all()
    advisor.repair()
    left = advisor.place_all()
    vms, hosts = ledger.vms, ledger.hosts

    placement = {vm.id: hosts[i].id for v, vm in enumerate(vms) if (i := ledger.where[v]) is not None}
    unplaced: list[Unplaced] = []
    for v in sorted(left):
        why = reasons.unplaced(ledger, v)
        origin = ledger.origin[v]
        if origin is not None:
            why = f"removed from {hosts[origin].id} ({advisor.why[v]}); {why}"
        unplaced.append({"vm": vms[v].id, "reason": why})
    moves: list[Move] = []
    for v, vm in enumerate(vms):
        to, was = ledger.where[v], ledger.origin[v]
        if to is None or to == was:
            continue
        why = advisor.why.get(v, "not placed yet") if was is not None else "not placed yet"
        if ledger.is_misfit[v]:
            why += f"; no conflict-free host has room for it, and {hosts[to].id} mixes zones already"
        moves.append({"vm": vm.id, "from": None if was is None else hosts[was].id, "to": hosts[to].id, "reason": why})
    conflicts: list[Conflict] = []
    for h in sorted(ledger.mixed):
        residents = sorted(ledger.residents[h])
        strays = [v for v in residents if ledger.is_misfit[v]]
        stay_reasons = [reasons.stays_mixed(ledger, v) for v in strays[:3]]
        if len(strays) > 3:
            stay_reasons.append(f"and {len(strays) - 3} more")
        conflicts.append(
            {
                "host": hosts[h].id,
                "zones": sorted({z for v in residents if (z := ledger.zone[v]) is not None}),
                "vms": [vms[v].id for v in strays],
                "reason": "; ".join(stay_reasons),
            }
        )
    return Placement(placement, unplaced, moves, conflicts=conflicts, pinned_violations=advisor.pinned_violations)
