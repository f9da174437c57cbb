"""Moves a person chooses: which hard constraints they break, and what they change.

The advisor proposes; a person may take only some of its moves, or try one
of their own. :func:`constraint_violations` judges a set of moves against
the advisor's hard constraints (the same :class:`.ledger.Ledger` tests the
advisor obeys: where a VM may go — its cluster, its datastores, no type 2
host —, pinned VMs stay, ``dedicated_zone``, anti-affinity, the overcommit
ceilings), each with the constraint's name and words a planner can act on.
:func:`what_if` moves one VM and says which findings disappear, appear or
change risk (by rule and objects), counted by the caller's ``judge`` — the
plan's assessment with its answers — and which constraints the move breaks.
Nothing here stores anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from planner.core.analysis import Analysis, analyze
from planner.core.inventory.estate import Estate

from . import apply_placement, explain
from .ledger import Ledger
from .reasons import number

#: The hard constraints, as a violation names them.
CONSTRAINTS = (
    "pinned",
    "cluster",
    "datastore",
    "hosted-hypervisor",
    "dedicated-zone",
    "anti-affinity",
    "cpu",
    "memory",
)


class Violation(TypedDict):
    vm: str
    host: str
    constraint: str
    message: str


def constraint_violations(estate: Estate, moves: Mapping[str, str | None]) -> list[Violation]:
    """The hard constraints broken by moving each VM of ``moves`` (VM id → host
    id, or None: left without a host) from where ``estate`` has it, all of
    ``moves`` applied at once. A VM whose host does not change is no move.

    In the order of ``moves``, each VM's violations in :data:`CONSTRAINTS` order.
    """
    ledger = Ledger(estate)
    where = {vid: vm.host for vid, vm in estate.vms.items()}
    where.update(moves)
    arriving = {vid: host for vid, host in moves.items() if host is not None and host != estate.vms[vid].host}
    targets = {ledger.host_index[h] for h in arriving.values()}
    for vid, host in where.items():
        if host is not None and (i := ledger.host_index[host]) in targets:
            v = ledger.vm_index[vid]
            ledger.place(v, i, not ledger.joins_cleanly(v, i))
    out: list[Violation] = []
    for vid, host in arriving.items():
        v, i = ledger.vm_index[vid], ledger.host_index[host]
        out += [{"vm": vid, "host": host, "constraint": c, "message": m} for c, m in _broken(ledger, v, i)]
    return out


def _broken(ledger: Ledger, v: int, i: int) -> list[tuple[str, str]]:
    """(constraint, message) for each hard constraint VM ``v`` on host ``i`` breaks (``v`` placed there)."""
    vm, host = ledger.vms[v], ledger.hosts[i]
    out: list[tuple[str, str]] = []
    if ledger.pinned[v] and vm.host is not None:
        out.append(("pinned", f"{vm.id} is pinned: it stays on {vm.host}"))
    if not ledger.eligible(v, i):
        scope = ledger.scope[v]
        reach = ledger.stores[v]
        if scope is not None and ledger.domain[i] != scope:
            own = ledger.domain_names[scope]
            out.append(
                (
                    "cluster",
                    f"{host.id} is outside cluster {own or '(hosts without a cluster)'}, "
                    f"{vm.id}'s migration domain (policy.placement_scope is cluster)",
                )
            )
        if reach is not None and i not in reach:
            stores = sorted({d.datastore for d in vm.disks})
            out.append(("datastore", f"{host.id} is not attached to every datastore of {vm.id} ({', '.join(stores)})"))
        if ledger.type2[i] and (ledger.origin[v] is not None or not ledger.low[v]):
            rule = (
                "no VM is moved onto a type 2 (hosted) hypervisor"
                if ledger.origin[v] is not None
                else "a type 2 (hosted) hypervisor takes only a VM whose high-water mark is low"
            )
            out.append(("hosted-hypervisor", f"{host.id} is a type 2 (hosted) hypervisor: {rule}"))
    d = ledger.dedicated[i]
    if d is not None and ledger.zone[v] != d:
        what = "has no zone" if ledger.zone[v] is None else f"is in zone {ledger.zone[v]}"
        out.append(("dedicated-zone", f"{host.id} is dedicated to zone {d}; {vm.id} {what}"))
    g = ledger.group[v]
    if g is not None and ledger.groups[i].get(g, 0) > 1:
        others = sorted(ledger.vms[w].id for w in ledger.residents[i] if w != v and ledger.group[w] == g)
        out.append(("anti-affinity", f"anti-affinity group {g}: {', '.join(others)} would also be on {host.id}"))
    if ledger.used_cpu[i] / ledger.cores[i] > ledger.cpu_ratio:
        out.append(
            (
                "cpu",
                f"{host.id} would carry {number(ledger.used_cpu[i])} vCPUs on {ledger.cores[i]} cores, "
                f"above its ceiling of {number(ledger.cores[i] * ledger.cpu_ratio)} "
                f"(max_cpu_overcommit {number(ledger.cpu_ratio)})",
            )
        )
    memory, ceiling = ledger.used_mem[i], ledger.memory[i] * ledger.mem_ratio
    if memory > ceiling if ledger.memory[i] else memory > 0:
        out.append(
            (
                "memory",
                f"{host.id} would carry {number(memory)} GiB of memory, above its ceiling of {number(ceiling)} GiB "
                f"(max_memory_overcommit {number(ledger.mem_ratio)})",
            )
        )
    return out


def what_if(
    estate: Estate,
    vm: str,
    host: str,
    judge: Callable[[Estate], Analysis] = analyze,
    before: Analysis | None = None,
) -> dict[str, Any]:
    """VM ``vm`` moved to host ``host`` (both exist in ``estate``): the hard
    constraints it breaks and the findings it adds, removes or changes.

    ``judge`` counts findings the way the plan does (pass the assessment with
    the plan's answers); ``before`` is ``judge(estate)`` when the caller has it.
    """
    placement = {vid: h for vid, v in estate.vms.items() if (h := v.host) is not None}
    placement[vm] = host
    old = before if before is not None else judge(estate)
    new = judge(apply_placement(estate, placement))
    removed, added, changed = explain.finding_changes(old, new)
    violations = constraint_violations(estate, {vm: host})
    return {
        "vm": vm,
        "from": estate.vms[vm].host,
        "to": host,
        "allowed": not violations,
        "violations": [dict(v) for v in violations],
        "findings_before": old.summary(),
        "findings_after": new.summary(),
        "findings_removed": [dict(f) for f in removed],
        "findings_added": [dict(f) for f in added],
        "findings_changed": [dict(f) for f in changed],
    }
