"""What the advice buys, in words: why each VM moves, why a VM has no host,
which hosts still mix zones and why, which hosts serve each zone, and the
findings that disappear and appear.

Every reason is read off the inventory as it is and the placement as
proposed — whichever method produced it — so the heuristic and the exact
solver explain themselves the same way. A move's ``resolves`` names the
finding (rule and host) it takes away, where it takes one away.
"""

from __future__ import annotations

from typing import Any, TypedDict

from planner.core.analysis import Analysis

from . import reasons
from .ledger import Ledger
from .objective import host_conflicts
from .reasons import number


class Resolves(TypedDict):
    rule: str
    host: str


class Unplaced(TypedDict):
    vm: str
    reason: str


#: ``from`` is a Python keyword, hence the functional form.
Move = TypedDict(
    "Move",
    {"vm": str, "from": str | None, "to": str, "cluster": str | None, "reason": str, "resolves": Resolves | None},
)


class Conflict(TypedDict):
    """A host still mixing zones, the VMs that do not belong, and why they stay."""

    host: str
    zones: list[str]
    vms: list[str]
    reason: str


class FindingChange(TypedDict, total=False):
    rule: str
    title: str
    risk: str
    objects: list[dict[str, str]]
    risk_before: str


def _ids(ledger: Ledger, vs: list[int]) -> str:
    names = [ledger.vms[v].id for v in vs[:3]]
    return ", ".join(names) + (f" and {len(vs) - 3} more" if len(vs) > 3 else "")


def _start_over(ledger: Ledger, i: int) -> list[str]:
    """The overcommit findings host ``i`` raises as the inventory stands."""
    start = ledger.residents_at_start(i)
    cpu = sum(ledger.cpu[v] for v in start)
    mem = sum(ledger.mem[v] for v in start)
    out = []
    if cpu / ledger.cores[i] > ledger.cpu_ratio:
        out.append(f"HOST-CPU-OVERCOMMIT:{number(cpu)} vCPUs on {ledger.cores[i]} cores")
    if (mem / ledger.memory[i] > ledger.mem_ratio) if ledger.memory[i] else mem > 0:
        out.append(f"HOST-MEMORY-OVERCOMMIT:{number(mem)} GiB of {number(ledger.memory[i])} GiB")
    return out


def leave_reason(ledger: Ledger, v: int) -> tuple[str, Resolves | None]:
    """Why VM ``v`` leaves the host it is on, and the finding that goes with it."""
    o = ledger.origin[v]
    if o is None:
        return "not placed yet", None
    host = ledger.hosts[o].id
    z, d = ledger.zone[v], ledger.dedicated[o]
    if d is not None and z != d:
        what = "the VM has no zone" if z is None else f"the VM is in zone {z}"
        return f"{host} is dedicated to zone {d}; {what}", (
            None if z is None else {"rule": "ZONE-MIX-HOST", "host": host}
        )
    g = ledger.group[v]
    if g is not None:
        partners = [w for w in ledger.residents_at_start(o) if w != v and ledger.group[w] == g]
        staying = [w for w in partners if ledger.where[w] == o] or partners
        if staying:
            verb = "is" if len(staying) == 1 else "are"
            return f"anti-affinity group {g}: {_ids(ledger, staying)} {verb} also on {host}", {
                "rule": "ANTI-AFFINITY-VIOLATION",
                "host": host,
            }
    over = _start_over(ledger, o)
    if over:
        rule, text = over[0].split(":", 1)
        ceilings = f"ceilings {number(ledger.cpu_ratio)} and {number(ledger.mem_ratio)}"
        return f"{host} is over its overcommit ceiling ({text}; {ceilings})", {"rule": rule, "host": host}
    kept = sorted({zz for w in ledger.residents[o] if (zz := ledger.zone[w]) is not None})
    mixed_before = host_conflicts(ledger, o, ledger.residents_at_start(o))
    resolves: Resolves = {"rule": "ZONE-MIX-HOST", "host": host}
    if mixed_before and z is not None and kept and ledger.conflict([*kept, z]):
        return f"zone {z} conflicts with zone{'s' if len(kept) > 1 else ''} {', '.join(kept)} kept on {host}", resolves
    arrivals = [w for w in ledger.residents[o] if ledger.origin[w] != o]
    if arrivals:
        return f"makes room on {host} for {_ids(ledger, arrivals)}", None
    if mixed_before:
        return f"clears the zone conflict on {host}", resolves
    return f"leaves {host}", None


def moves(ledger: Ledger) -> list[Move]:
    out: list[Move] = []
    for v, vm in enumerate(ledger.vms):
        to, was = ledger.where[v], ledger.origin[v]
        if to is None or to == was:
            continue
        if was is None:
            why, resolves = "not placed yet", None
        else:
            why, resolves = leave_reason(ledger, v)
        if ledger.is_misfit[v]:
            why += (
                f"; no conflict-free host it may go to has room for it, and {ledger.hosts[to].id} mixes zones already"
            )
        out.append(
            {
                "vm": vm.id,
                "from": None if was is None else ledger.hosts[was].id,
                "to": ledger.hosts[to].id,
                "cluster": ledger.hosts[to].cluster,
                "reason": why,
                "resolves": resolves,
            }
        )
    return out


def unplaced(ledger: Ledger) -> list[Unplaced]:
    out: list[Unplaced] = []
    for v, vm in enumerate(ledger.vms):
        if ledger.where[v] is not None:
            continue
        why = reasons.unplaced(ledger, v)
        o = ledger.origin[v]
        if o is not None:
            why = f"removed from {ledger.hosts[o].id} ({leave_reason(ledger, v)[0]}); {why}"
        out.append({"vm": vm.id, "reason": why})
    return out


def conflicts(ledger: Ledger) -> list[Conflict]:
    out: list[Conflict] = []
    for h in range(len(ledger.hosts)):
        residents = sorted(ledger.residents[h])
        if not host_conflicts(ledger, h, residents):
            continue
        strays = [v for v in residents if ledger.is_misfit[v]]
        stay_reasons = [reasons.stays_mixed(ledger, v) for v in strays[:3]]
        if len(strays) > 3:
            stay_reasons.append(f"and {len(strays) - 3} more")
        out.append(
            {
                "host": ledger.hosts[h].id,
                "zones": sorted({z for v in residents if (z := ledger.zone[v]) is not None}),
                "vms": [ledger.vms[v].id for v in strays],
                "reason": "; ".join(stay_reasons),
            }
        )
    return out


def hosts_by_zone(ledger: Ledger) -> dict[str, list[str]]:
    """Hosts that serve one zone only after the advice (no VM of another zone), by zone."""
    out: dict[str, list[str]] = {}
    for h in range(len(ledger.hosts)):
        zones = {z for v in ledger.residents[h] if (z := ledger.zone[v]) is not None}
        if len(zones) == 1:
            out.setdefault(zones.pop(), []).append(ledger.hosts[h].id)
    return dict(sorted(out.items()))


def _key(f: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    return f.rule, tuple((o.kind, o.id) for o in f.objects)


def finding_changes(
    before: Analysis, after: Analysis
) -> tuple[list[FindingChange], list[FindingChange], list[FindingChange]]:
    """(findings that disappear, that appear, that stay with another risk), by rule and
    objects, each in its analysis's order (a changed one shows its risk after, and ``risk_before``)."""
    old = {_key(f): f for f in before.findings}
    new = {_key(f): f for f in after.findings}

    def change(f: Any) -> FindingChange:
        return {
            "rule": f.rule,
            "title": f.title,
            "risk": f.risk,
            "objects": [{"kind": o.kind, "id": o.id} for o in f.objects],
        }

    changed = []
    for f in after.findings:
        was = old.get(_key(f))
        if was is not None and was.risk != f.risk:
            changed.append(change(f) | {"risk_before": was.risk})
    return (
        [change(f) for f in before.findings if _key(f) not in new],
        [change(f) for f in after.findings if _key(f) not in old],
        changed,
    )
