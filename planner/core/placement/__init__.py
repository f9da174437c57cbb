"""The placement advisor: a host for every VM, as the contract orders it, and proven where it can be.

Pure core: no Flask, no database. The entry point is :func:`advise`::

    from planner.core.placement import advise
    result = advise(load_estate(document), judge=plan_assessment)
    result.to_dict()   # {"placement", "unplaced", "moves", "findings_before", "findings_after", ...}

What it must do (analysis-v1, "Placement advisor" and "Placement, v1.1
additions"). Hard constraints: capacity at the policy's overcommit ceilings,
anti-affinity groups on different hosts, a host's ``dedicated_zone`` (only VMs
of that zone; a VM without a zone is not of that zone), pinned VMs stay; a VM
moves only within its cluster unless ``policy.placement_scope`` is
``"estate"``; only to hosts its datastores are attached to; never onto a type 2
host (a VM without a host may go there when its high-water mark is low); the
host a VM is on may always keep it. Then, strictly lexicographic: fewer
unplaced VMs, fewer hosts with conflicting zones, fewer moves, spread — fewer
VMs in the wrong place, then fewer VMs sharing a host with them, then even
load (:mod:`.objective`), so load is never spread onto a mixed host.

How (see docs/architecture.md, "The placement advisor"):

1. The fast heuristic (:mod:`.advisor` over :mod:`.ledger`) places every VM it
   can: settle (keep what may stay), place largest first, repair mixed hosts
   one at a time, send VMs home that can go back without a conflict.
2. Per migration domain (:mod:`.domains`), the result is measured
   (:mod:`.objective`) against cheap lower bounds, the moves level against the
   zones each host can serve (:mod:`.colours`, which may also place VMs by
   those zones when that takes fewer moves); unless already proven and
   large, the domain goes to CP-SAT (:mod:`.exact`), warm-started from the
   heuristic, level by level, within its share of the time budget (what a
   domain leaves goes to the next). The solver's placement is kept only when
   better, so the heuristic is the fallback. Each domain reports
   its method, ``optimal`` or ``best found``, its result and bound.
3. :mod:`.explain` says what the advice buys: each move's reason and the
   finding it resolves, why a VM has no host, why a host still mixes zones,
   which hosts serve each zone, and the findings that disappear, appear or
   change risk, counted by the caller's ``judge``.
4. :mod:`.whatif` judges moves a person chooses (some of a proposal's, or one
   of their own) against the same hard constraints, and what one move changes.

Deterministic: hosts and VMs in document order, the solver with one worker, a
fixed seed and a limit in deterministic time.

Not in the objective (so only a consequence, never a goal): EXPOSED-CORESIDENCY
and the other findings; VM-VCPU-EXCEEDS-CORES is not a placement constraint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.core.analysis import Analysis, analyze
from planner.core.inventory.estate import Estate

from . import explain
from .advisor import Advisor, PinnedViolation
from .domains import Domain, SolverOptions, optimise
from .explain import Conflict, FindingChange, Move, Unplaced
from .ledger import Ledger

__all__ = [
    "Conflict",
    "FindingChange",
    "Move",
    "PinnedViolation",
    "Placement",
    "SolverOptions",
    "Unplaced",
    "advise",
    "apply_placement",
    "changes",
]

#: Judges an estate the way the caller's plan does (``analyze``, or the
#: assessment with the questionnaire's answers applied).
Judge = Callable[[Estate], Analysis]


@dataclass(slots=True)
class Placement:
    """The advice. ``to_dict()`` is the contract's ``virtplan place`` JSON.

    ``moves`` lists every VM whose host changes, with ``"from": null`` for a
    VM that had none, each with its reason and the finding it resolves.
    Additions to the contract's keys: ``conflicts`` (hosts still mixing
    zones, with why), ``pinned_violations`` (hard constraints that pinned VMs
    break on their own), ``hosts_by_zone`` (hosts serving one zone only, after
    the advice), ``domains`` (per migration domain: method, proven or best
    found, result and bound), ``findings_removed`` / ``findings_added`` (by
    rule and objects).
    """

    placement: dict[str, str]
    unplaced: list[Unplaced]
    moves: list[Move]
    findings_before: dict[str, dict[str, int]] | None = None
    findings_after: dict[str, dict[str, int]] | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    pinned_violations: list[PinnedViolation] = field(default_factory=list)
    hosts_by_zone: dict[str, list[str]] = field(default_factory=dict)
    domains: list[Domain] = field(default_factory=list)
    findings_removed: list[FindingChange] = field(default_factory=list)
    findings_added: list[FindingChange] = field(default_factory=list)
    findings_changed: list[FindingChange] = field(default_factory=list)

    @property
    def relocations(self) -> int:
        """Moves of VMs that had a host (the objective's "moves"; new VMs placed are not moves)."""
        return sum(1 for m in self.moves if m["from"] is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "placement": dict(self.placement),
            "unplaced": [dict(u) for u in self.unplaced],
            "moves": [dict(m) for m in self.moves],
            "findings_before": self.findings_before,
            "findings_after": self.findings_after,
            "findings_removed": [dict(f) for f in self.findings_removed],
            "findings_added": [dict(f) for f in self.findings_added],
            "findings_changed": [dict(f) for f in self.findings_changed],
            "conflicts": [dict(c) for c in self.conflicts],
            "pinned_violations": [dict(p) for p in self.pinned_violations],
            "hosts_by_zone": {z: list(h) for z, h in self.hosts_by_zone.items()},
            "domains": [d.to_dict() for d in self.domains],
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


def changes(estate: Estate, placement: Mapping[str, str]) -> list[dict[str, str | None]]:
    """Every VM whose host ``placement`` changes, in document order: ``{"vm", "from", "to"}``
    (``from`` None: it had no host; ``to`` None: ``placement`` leaves it without one)."""
    return [
        {"vm": vid, "from": vm.host, "to": placement.get(vid)}
        for vid, vm in estate.vms.items()
        if placement.get(vid) != vm.host
    ]


def advise(
    estate: Estate,
    *,
    findings: bool = True,
    judge: Judge | None = None,
    before: Analysis | None = None,
    options: SolverOptions | None = None,
) -> Placement:
    """Advise a placement for ``estate`` (see the module docstring).

    ``judge`` counts findings the way the plan does (default: the topology
    analysis alone; pass the assessment with the answers to count as the
    plan's summary counts); ``before`` is the plan's analysis when the caller
    has it already. ``findings=False`` skips both analyses. ``options`` sets
    the exact solver's budget (:class:`SolverOptions`).
    """
    ledger = Ledger(estate)
    advisor = Advisor(ledger)
    advisor.settle()
    advisor.place_all()
    advisor.repair()
    advisor.place_all()
    advisor.return_home()
    parts = optimise(ledger, lambda hosts: _adopt(ledger, advisor, hosts), options or SolverOptions())

    vms, hosts = ledger.vms, ledger.hosts
    placement = {vm.id: hosts[i].id for v, vm in enumerate(vms) if (i := ledger.where[v]) is not None}
    result = Placement(
        placement,
        explain.unplaced(ledger),
        explain.moves(ledger),
        conflicts=explain.conflicts(ledger),
        pinned_violations=advisor.pinned_violations,
        hosts_by_zone=explain.hosts_by_zone(ledger),
        domains=parts,
    )
    if findings:
        judge = judge or analyze
        old = before if before is not None else judge(estate)
        new = judge(apply_placement(estate, placement))
        result.findings_before, result.findings_after = old.summary(), new.summary()
        result.findings_removed, result.findings_added, result.findings_changed = explain.finding_changes(old, new)
    return result


def _adopt(ledger: Ledger, advisor: Advisor, assignment: dict[int, int | None]) -> None:
    """Put ``assignment`` (a host or None per VM) into the ledger.

    Each host's VMs of its colour (the zone most of its VMs, pinned first,
    belong to) go first, so the others are the ones marked as not belonging.
    """
    for v in assignment:
        if ledger.where[v] is not None:
            ledger.remove(v)
    by_host: dict[int, list[int]] = {}
    for v, i in assignment.items():
        if i is not None:
            by_host.setdefault(i, []).append(v)
    for i, new in sorted(by_host.items()):
        is_colour, _text = advisor.colour(i, [*ledger.residents[i], *new])
        for v in sorted(new, key=lambda v: (not is_colour(ledger.zone[v]), v)):
            ledger.place(v, i, not ledger.joins_cleanly(v, i))
