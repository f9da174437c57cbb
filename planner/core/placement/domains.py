"""Migration domains: the natural decomposition, and solving each one.

A VM on a host moves only within its cluster (policy ``placement_scope``
``"cluster"``, the default), so clusters are independent problems — except
that a VM without a host may go to any host its datastores reach, which ties
together the clusters it could go to. :func:`domains` joins clusters tied that
way (union-find) and returns each group with its hosts and the VMs that are
decided there.

:func:`optimise` then takes the heuristic's placement (already in the ledger)
and, per domain: measures it (:func:`.objective.score`) against cheap lower
bounds; where the first three levels are not yet proven and the domain is
small enough, runs CP-SAT (:mod:`.exact`) warm-started from it, and keeps the
solver's placement only when it is better — so the heuristic is always the
fallback. Each domain reports its method, status, result and bound.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import colours
from .ledger import Ledger
from .objective import LEVELS, Bounds, Score, Sizes, lower_bounds, score


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """How hard the advisor tries.

    ``time_limit`` is the exact solver's budget for the whole estate, in
    CP-SAT's deterministic time (about a second of work each on a common
    machine; the same answer whatever the machine's speed), shared between the
    domains that need it in proportion to their size. ``max_pairs`` is the
    largest domain (VM-host pairs it could use) handed to the exact solver;
    larger ones keep the heuristic's placement. ``time_limit=0`` is the
    heuristic alone.
    """

    time_limit: float = 10.0
    max_pairs: int = 60_000
    #: Domains up to this size go to the exact solver even when the heuristic has
    #: proven the first three levels, to settle spread (and prove the optimum).
    polish_pairs: int = 5_000
    workers: int = 1
    seed: int = 0
    #: Why the budget is 0, said in each unproven domain's note (default: not asked for).
    why_heuristic: str = "exact solver not asked for (time limit 0)"


@dataclass(slots=True)
class Domain:
    """A group of hosts solved together, the VMs decided there, and what came of it."""

    hosts: list[int]
    vms: list[int]
    clusters: list[str | None] = field(default_factory=list)
    method: str = "heuristic"
    optimal: bool = False
    result: Score | None = None
    bound: dict[str, int | None] = field(default_factory=dict)
    note: str = ""

    @property
    def proven(self) -> list[str]:
        """The levels, from the top, whose result equals its bound."""
        out = []
        for level in LEVELS:
            b = self.bound.get(level)
            if self.result is None or b is None or getattr(self.result, level) != b:
                break
            out.append(level)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "clusters": list(self.clusters),
            "hosts": len(self.hosts),
            "vms": len(self.vms),
            "method": self.method,
            "status": "optimal" if self.optimal else "best found",
            "proven": self.proven,
            "result": self.result.to_dict() if self.result else None,
            "bound": dict(self.bound),
            "note": self.note,
        }


def domains(ledger: Ledger) -> list[Domain]:
    """The migration domains, joined where a VM without a host could go to either."""
    n = len(ledger.domain_names)
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def join(items: list[int]) -> None:
        first = root(items[0])
        for b in items[1:]:
            rb = root(b)
            if rb != first:
                parent[max(rb, first)] = min(rb, first)
                first = min(rb, first)

    home: list[int | None] = []
    seen_before: dict[tuple[Any, ...], list[int]] = {}
    for v in range(len(ledger.vms)):
        reach = _domains_of(ledger, v, seen_before)
        if reach:
            join(reach)
        home.append(reach[0] if reach else None)
    groups: dict[int, Domain] = {}
    for i in range(len(ledger.hosts)):
        groups.setdefault(root(ledger.domain[i]), Domain([], [])).hosts.append(i)
    stray: list[int] = []
    for v, d in enumerate(home):
        if d is None or root(d) not in groups:
            stray.append(v)
        else:
            groups[root(d)].vms.append(v)
    out = [groups[k] for k in sorted(groups)]
    for g in out:
        g.clusters = sorted(
            {ledger.domain_names[ledger.domain[i]] for i in g.hosts}, key=lambda c: (c is None, c or "")
        )
    if stray:
        out.append(Domain([], stray, note="no host may take these VMs"))
    return out


def _domains_of(ledger: Ledger, v: int, seen_before: dict[tuple[Any, ...], list[int]]) -> list[int]:
    """The migration domains VM ``v`` could end up in (its own first, if it has a host).

    They follow from its host, the hosts its datastores reach and whether it may go to a type 2
    host (:meth:`.ledger.Ledger.eligible`): VMs alike in those share the answer (``seen_before``)."""
    o, scope = ledger.origin[v], ledger.scope[v]
    if scope is not None:
        return [scope]
    reach = ledger.stores[v]
    key = (o, reach, ledger.low[v])
    if key not in seen_before:
        seen_before[key] = _reachable_domains(ledger, v, o, reach)
    return seen_before[key]


def _reachable_domains(ledger: Ledger, v: int, o: int | None, reach: frozenset[int] | None) -> list[int]:
    hosts = range(len(ledger.hosts)) if reach is None else sorted(reach)
    out = [] if o is None else [ledger.domain[o]]
    seen = set(out)
    for i in hosts:
        d = ledger.domain[i]
        if d not in seen and ledger.eligible(v, i):
            seen.add(d)
            out.append(d)
    return out


def _pairs(ledger: Ledger, domain: Domain) -> int:
    """How many VM-host pairs the exact model of ``domain`` could have (an upper estimate)."""
    total = 0
    for v in domain.vms:
        if ledger.pinned[v] and ledger.origin[v] is not None:
            continue
        reach = ledger.stores[v]
        total += len(domain.hosts) if reach is None else min(len(reach), len(domain.hosts))
    return total


def optimise(ledger: Ledger, adopt: Callable[[dict[int, int | None]], None], options: SolverOptions) -> list[Domain]:
    """Measure each domain; improve with CP-SAT where it is unproven and small enough.

    ``adopt`` puts a placement (a host or None per VM) into the ledger.
    """
    sizes = Sizes(ledger)
    parts = domains(ledger)
    todo: list[tuple[Domain, int, Bounds]] = []
    for d in parts:
        d.result = score(ledger, sizes, d.hosts, d.vms)
        lb = lower_bounds(ledger, sizes, d.hosts, d.vms)
        d.bound = _bounds(lb, d.result)
        if not d.hosts:
            continue
        reached = "the heuristic reached the lower bounds of unplaced VMs, conflicting hosts and moves"
        if d.bound["moves"] is not None and d.result.moves > lb.moves:
            lb, realised = _by_colours(ledger, sizes, d, lb, adopt)
            d.bound = _bounds(lb, d.result)
            if realised:
                reached = reached.replace("the heuristic", "the placement of the zones each host can serve")
            reached += " (the moves bound: the zones each host can serve, without the exact solver)"
        pairs = _pairs(ledger, d)
        if len(d.proven) >= 3 and (pairs > options.polish_pairs or options.time_limit <= 0):
            d.note = reached
            continue
        if options.time_limit <= 0:
            d.note = options.why_heuristic
        elif pairs > options.max_pairs:
            d.note = f"too large for the exact solver ({pairs:,} VM-host pairs, limit {options.max_pairs:,})"
        else:
            todo.append((d, pairs, lb))
    budget, left = options.time_limit, sum(p for _d, p, _b in todo)
    for d, pairs, lb in todo:
        share = budget * pairs / left if left else budget
        left -= pairs
        budget -= _solve(ledger, sizes, d, lb, adopt, share, options)  # what a domain leaves goes to the next
    return parts


def _by_colours(
    ledger: Ledger, sizes: Sizes, d: Domain, lb: Bounds, adopt: Callable[[dict[int, int | None]], None]
) -> tuple[Bounds, bool]:
    """The moves bound of :mod:`.colours` (the first two levels are at their bounds), and
    whether its colours' placement, better than the heuristic's, is now in the ledger."""
    found = colours.moves_bound(ledger, sizes, d.hosts, d.vms, lb)
    lb = dataclasses.replace(lb, moves=max(lb.moves, found.moves))
    if d.result is None or d.result.moves <= lb.moves or not found.serves:
        return lb, False
    placement = colours.realise(ledger, sizes, d.hosts, d.vms, found.serves)
    if placement is None:
        return lb, False
    before = {v: ledger.where[v] for v in placement}
    adopt(placement)
    realised = score(ledger, sizes, d.hosts, d.vms)
    if realised < d.result:
        d.result = realised
        return lb, True
    adopt(before)
    return lb, False


def _bounds(b: Bounds, found: Score) -> dict[str, int | None]:
    out: dict[str, int | None] = dict.fromkeys(LEVELS)
    out["unplaced"] = b.unplaced
    if found.unplaced == b.unplaced:
        out["conflicting_hosts"] = b.conflicting_hosts
        if found.conflicting_hosts == b.conflicting_hosts:
            out["moves"] = b.moves
    return out


def _solve(
    ledger: Ledger,
    sizes: Sizes,
    d: Domain,
    lb: Bounds,
    adopt: Callable[[dict[int, int | None]], None],
    time_limit: float,
    options: SolverOptions,
) -> float:
    """Solve domain ``d`` with CP-SAT and keep its placement if better; the deterministic time it took."""
    from . import exact  # OR-Tools, imported only when a domain needs it

    movable = [v for v in d.vms if not (ledger.pinned[v] and ledger.origin[v] is not None)]
    before = {v: ledger.where[v] for v in movable}
    found = exact.solve(
        ledger, sizes, d.hosts, movable, before, time_limit=time_limit, workers=options.workers, seed=options.seed
    )
    if found.hosts is None:
        d.note = "CP-SAT found no placement within its budget; the heuristic's stands"
        return found.used
    heuristic = d.result or score(ledger, sizes, d.hosts, d.vms)
    adopt(found.hosts)
    solved = score(ledger, sizes, d.hosts, d.vms)
    d.method = "cp-sat"  # the exact solver ran on the domain; the note says whose placement stands
    if solved < heuristic:
        d.result, d.optimal = solved, found.optimal
    else:
        # No better: the heuristic's placement stands (where the two tie, its choices are the
        # ones its reasons describe), and what CP-SAT proved about the domain holds for it too.
        adopt(before)
        d.result, d.optimal = heuristic, found.optimal and solved == heuristic
    ours = _bounds(lb, d.result)
    d.bound = dict(d.result.to_dict()) if d.optimal else {k: _best(ours.get(k), found.bounds.get(k)) for k in LEVELS}
    if solved < heuristic:
        d.note = "proven optimal by CP-SAT" if d.optimal else "CP-SAT's best within its budget"
    elif d.optimal:
        d.note = "the heuristic's placement, proven optimal by CP-SAT"
    else:
        d.note = "CP-SAT found nothing better within its budget; the heuristic's placement stands"
    return found.used


def _best(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
