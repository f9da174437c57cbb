"""The moves level without the placement model: which zones each host serves.

Once a domain's first two levels are at their lower bounds (:func:`.objective.lower_bounds`:
only the VMs no host can hold unplaced, only hosts among ``may_mix`` mixed), every other host of an
optimal placement serves one *colour* — a zone under policy ``forbid``, a trust window under
``adjacent`` — and keeps at most the VMs that colour admits (one per anti-affinity group, within
its ceilings: :meth:`.objective.HostStart.leaving`). A VM that leaves because of its zone, or
has no host yet, needs a host serving its zone among those that could hold it. Choosing a
colour per host at least cost under those needs is a lower bound on moves: a relaxation (the
room on the receiving hosts, anti-affinity there and the VMs leaving for room are left out).
It is a small model — one choice per host, one clause per need — that CP-SAT solves in
milliseconds where the placement model of the same domain takes a second; only needs the
cheapest colours leave open are stated (leaving out a need only weakens the bound).

:func:`realise` then tries the colours the bound chose: each host keeps what its colour admits
(smallest first), the others and the VMs without a host go, largest first, to the roomiest host
serving their zone. A placement that reaches the bound proves the first three levels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .ledger import Ledger
from .objective import Bounds, HostStart, PinnedLoad, Sizes, colour_groups, could_hold

#: The relaxation's budget in CP-SAT's deterministic time (it needs milliseconds).
TIME_LIMIT = 1.0

#: A host's colour: the zones it serves (None: any, a host mixed in every placement).
Colour = frozenset[str] | None


@dataclass(frozen=True, slots=True)
class ColourBound:
    """At least ``moves`` VMs move; ``serves`` is the colour per host the bound chose."""

    moves: int
    serves: dict[int, Colour]


def moves_bound(ledger: Ledger, sizes: Sizes, hosts: Sequence[int], vms: Sequence[int], lb: Bounds) -> ColourBound:
    """The relaxation's least moves (a lower bound valid where ``lb``'s is: the first two
    levels at ``lb``), and the colours that reach it."""
    pinned_load = PinnedLoad(ledger, sizes)
    zones = sorted({z for v in vms if (z := ledger.zone[v]) is not None})
    universe = [frozenset(c) for c in colour_groups(ledger, zones)] or [frozenset()]
    options: dict[int, list[tuple[Colour, int]]] = {}
    for i in hosts:
        start = HostStart(ledger, i)
        d = ledger.dedicated[i]
        if i in lb.may_mix:
            choices: list[Colour] = [None]
        elif d is not None:
            choices = [frozenset({d})]
        else:
            choices = list(universe)
        options[i] = [(c, n) for c in choices if (n := start.leaving(ledger, sizes, c)) is not None] or [
            (None, start.leaving(ledger, sizes, None) or 0)  # no colour fits its pinned VMs: it admits any
        ]
    cheapest = {i: min(n for _c, n in opts) for i, opts in options.items()}

    def surely_served(i: int, z: str) -> bool:
        """Does every cheapest colour of host ``i`` admit zone ``z``?"""
        return all(_admits(c, z) for c, n in options[i] if n == cheapest[i])

    needs: set[tuple[str, frozenset[int]]] = set()
    for v in vms:
        z, o = ledger.zone[v], ledger.origin[v]
        if z is None or v in lb.homeless or (ledger.pinned[v] and o is not None):
            continue
        if o is not None and (o in lb.may_mix or surely_served(o, z)):
            continue  # stays for its zone wherever the host's cost is least
        holders = [
            i for i in ledger.candidates(v) if ledger.eligible(v, i) and could_hold(ledger, sizes, pinned_load, v, i)
        ]
        if any(i in lb.may_mix or (i != o and surely_served(i, z)) for i in holders):
            continue
        needs.add((z, frozenset(holders)))
    serves = {i: _cheapest_colour(options[i], cheapest[i]) for i in hosts}
    if not needs:
        return ColourBound(sum(cheapest.values()), serves)
    extra = {i: [(c, n - cheapest[i]) for c, n in sorted(opts, key=lambda o: o[1])] for i, opts in options.items()}
    ordered = sorted(needs, key=lambda need: (len(need[1]), need[0], sorted(need[1])))
    found = _search(ordered, extra)
    if found is None:
        return _solved(ordered, extra, sum(cheapest.values()), serves)
    least, chosen = found
    return ColourBound(sum(cheapest.values()) + least, serves | chosen)


#: The exact search over the hosts the needs involve gives up after this many steps (CP-SAT then).
SEARCH_STEPS = 20_000

Need = tuple[str, frozenset[int]]


def _search(needs: list[Need], extra: dict[int, list[tuple[Colour, int]]]) -> tuple[int, dict[int, Colour]] | None:
    """The least extra cost (beyond each host's cheapest colour) of colours meeting every need,
    and those colours: a depth-first branch and bound — the first need not yet met is met by
    one of its hosts still free, each colour of it admitting the zone, cheapest first; the
    hosts left free keep their cheapest colour. None when it takes more than SEARCH_STEPS."""
    best: list[tuple[int, dict[int, Colour]] | None] = [None]
    steps = [0]

    def met(need: Need, chosen: dict[int, Colour]) -> bool | None:
        """True: met; False: cannot be met any more; None: open."""
        z, holders = need
        open_host = False
        for i in holders:
            if i not in extra:
                continue
            if i in chosen:
                if _admits(chosen[i], z):
                    return True
            else:
                open_host = True
        return None if open_host else False

    def go(chosen: dict[int, Colour], cost: int) -> bool:
        steps[0] += 1
        if steps[0] > SEARCH_STEPS:
            return False
        if best[0] is not None and cost >= best[0][0]:
            return True
        for need in needs:
            state = met(need, chosen)
            if state is True:
                continue
            if state is False:
                return True  # a dead end
            z, holders = need
            branches = sorted(
                (n, i, c) for i in holders if i in extra and i not in chosen for c, n in extra[i] if _admits(c, z)
            )
            for n, i, c in branches:
                chosen[i] = c
                finished = go(chosen, cost + n)
                del chosen[i]
                if not finished:
                    return False
            return True
        best[0] = (cost, dict(chosen))
        return True

    if not go({}, 0):
        return None
    return best[0] if best[0] is not None else (0, {})


def _solved(
    needs: list[Need], extra: dict[int, list[tuple[Colour, int]]], base: int, serves: dict[int, Colour]
) -> ColourBound:
    """The same least cost with CP-SAT, for needs too entangled for :func:`_search`."""
    from ortools.sat.python import cp_model  # imported only here: most estates never need it

    model = cp_model.CpModel()
    chosen = {
        i: [(c, n, model.new_bool_var(f"h{i}_{k}")) for k, (c, n) in enumerate(opts)] for i, opts in extra.items()
    }
    for opts in chosen.values():
        model.add_exactly_one(var for _c, _n, var in opts)
    for z, holders in needs:
        model.add_bool_or([var for i in sorted(holders) if i in chosen for c, _n, var in chosen[i] if _admits(c, z)])
    model.minimize(sum(n * var for opts in chosen.values() for _c, n, var in opts))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = TIME_LIMIT
    solver.parameters.max_time_in_seconds = TIME_LIMIT * 10 + 5
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        picked = {i: next(c for c, _n, var in opts if solver.boolean_value(var)) for i, opts in chosen.items()}
        return ColourBound(base + round(solver.objective_value), serves | picked)
    if status == cp_model.FEASIBLE:
        return ColourBound(base + max(math.ceil(solver.best_objective_bound - 1e-6), 0), {})
    # No colours meet every need (the first two levels are not at their bounds after all): the plain bound.
    return ColourBound(base, {})


def _admits(colour: Colour, zone: str) -> bool:
    return colour is None or zone in colour


def _cheapest_colour(options: list[tuple[Colour, int]], cheapest: int) -> Colour:
    return next(c for c, n in options if n == cheapest)


def realise(
    ledger: Ledger, sizes: Sizes, hosts: Sequence[int], vms: Sequence[int], serves: dict[int, Colour]
) -> dict[int, int | None] | None:
    """A placement of the domain's movable VMs in which each host serves its colour in
    ``serves``, or None when one that some host could hold finds no room."""
    pinned_load = PinnedLoad(ledger, sizes)
    cpu: dict[int, int] = {}
    mem: dict[int, int] = {}
    groups: dict[int, set[str]] = {}
    where: dict[int, int | None] = {}

    def fits(v: int, i: int) -> bool:
        g = ledger.group[v]
        return (
            (g is None or g not in groups[i])
            and cpu[i] + sizes.cpu[v] <= sizes.cap_cpu[i]
            and mem[i] + sizes.mem[v] <= sizes.cap_mem[i]
        )

    def put(v: int, i: int) -> None:
        where[v] = i
        cpu[i] += sizes.cpu[v]
        mem[i] += sizes.mem[v]
        if (g := ledger.group[v]) is not None:
            groups[i].add(g)

    def admitted(v: int, i: int) -> bool:
        z, d = ledger.zone[v], ledger.dedicated[i]
        if d is not None and z != d:
            return False
        return z is None or _admits(serves[i], z)

    for i in hosts:
        cpu[i], mem[i], pinned_groups = pinned_load(i)
        groups[i] = set(pinned_groups)
    for i in hosts:
        start = HostStart(ledger, i)
        for v in sorted(start.admitted, key=lambda v: (sizes.cpu[v], sizes.mem[v], v)):
            if admitted(v, i) and fits(v, i):
                put(v, i)
    movable = [v for v in vms if not (ledger.pinned[v] and ledger.origin[v] is not None)]
    for v in sorted((v for v in movable if v not in where), key=lambda v: (-sizes.mem[v], -sizes.cpu[v], v)):
        best: tuple[float, int] | None = None
        for i in ledger.candidates(v):
            if i in serves and ledger.eligible(v, i) and admitted(v, i) and fits(v, i):
                free = min(1 - cpu[i] / max(sizes.cap_cpu[i], 1), 1 - mem[i] / max(sizes.cap_mem[i], 1))
                if best is None or (-free, i) < best:
                    best = (-free, i)
        if best is not None:
            put(v, best[1])
        elif any(ledger.eligible(v, i) and could_hold(ledger, sizes, pinned_load, v, i) for i in ledger.candidates(v)):
            return None  # a host could hold it, but none serving its zone has room left
        else:
            where[v] = None
    return where
