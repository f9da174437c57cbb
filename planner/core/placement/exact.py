"""The exact method: one migration domain as a CP-SAT model (OR-Tools).

Variables: ``x[v, h]`` — movable VM ``v`` runs on host ``h``, created only
for the hosts ``v`` may be on (its domain, its datastores, no type 2 host, a
dedicated host only for its zone, large enough beside the pinned VMs);
``u[v]`` — ``v`` is left unplaced; ``y[h, k]`` — host ``h`` carries colour
``k`` (a zone under policy ``forbid``, a trust level under ``adjacent``);
``c[h]`` — host ``h`` has conflicting zones; ``peak`` — the fullest host's
load in thousandths of its ceiling. Pinned VMs on a host are constants: their
load, zones and anti-affinity groups are already there.

Constraints: each VM on one host or unplaced; vCPUs and memory within the
ceilings (integer sizes, :class:`.objective.Sizes`); one VM per anti-affinity
group per host; ``x ≤ y`` for the VM's colour; under ``forbid`` more than one
colour on a host forces ``c``, under ``adjacent`` two trust levels more than
one apart do; ``peak`` bounds every host's load.

Objective: the contract's strict lexicographic order as one weighted sum
whose weights provably dominate — each weight exceeds the largest possible
total of every level below it::

    W_moves = peak_max + 1
    W_conflicts = W_moves × (movable VMs + 1)
    W_unplaced = W_conflicts × (hosts + 1)

so one unplaced VM fewer outweighs any number of conflicts, moves and spread,
and so on down. The solver's lower bound on that sum is decoded level by
level into the bound reported beside the result (:func:`decode`).

Deterministic: one search worker by default, a fixed seed, and a limit in
CP-SAT's *deterministic* time, so the same input gives the same answer on
any machine, however loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .ledger import Ledger
from .objective import PER_MILLE, Score, Sizes, host_conflicts


@dataclass(frozen=True, slots=True)
class Weights:
    unplaced: int
    conflicting_hosts: int
    moves: int

    def total(self, s: Score) -> int:
        return (
            self.unplaced * s.unplaced + self.conflicting_hosts * s.conflicting_hosts + self.moves * s.moves + s.spread
        )


def weights(movable: int, hosts: int, peak_max: int) -> Weights:
    """Weights under which the weighted sum orders placements exactly as the lexicographic tuple."""
    w_moves = peak_max + 1
    w_conflicts = w_moves * (movable + 1)
    return Weights(w_conflicts * (hosts + 1), w_conflicts, w_moves)


def decode(bound: int, w: Weights, found: Score) -> dict[str, int | None]:
    """The solver's lower bound on the weighted sum as a bound per level.

    A level's bound is only stated while every level above it is proven
    (found equal to its bound): otherwise no placement with *those* higher
    levels need exist, and the lower level's bound says nothing.
    """
    out: dict[str, int | None] = dict.fromkeys(("unplaced", "conflicting_hosts", "moves", "spread"))
    rest = bound
    for level, weight in (("unplaced", w.unplaced), ("conflicting_hosts", w.conflicting_hosts), ("moves", w.moves)):
        b = max(rest // weight, 0)
        out[level] = b
        value = getattr(found, level)
        if b < value:
            return out
        rest -= weight * value
    out["spread"] = max(rest, 0)
    return out


@dataclass(slots=True)
class Solution:
    """What the solver found: a host (or None) per movable VM, and how sure it is."""

    hosts: dict[int, int | None]
    optimal: bool
    bound: int
    weights: Weights


def solve(
    ledger: Ledger,
    sizes: Sizes,
    hosts: Sequence[int],
    movable: Sequence[int],
    hint: dict[int, int | None],
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
) -> Solution | None:
    """Solve one domain; None when the solver found no placement within its limit."""
    model = cp_model.CpModel()
    host_set = set(hosts)
    colour = _colour_of(ledger)

    pinned_on: dict[int, list[int]] = {i: [] for i in hosts}
    for i in hosts:
        pinned_on[i] = [v for v in ledger.residents_at_start(i) if ledger.pinned[v]]
    base_cpu = {i: sum(sizes.cpu[v] for v in pinned_on[i]) for i in hosts}
    base_mem = {i: sum(sizes.mem[v] for v in pinned_on[i]) for i in hosts}
    base_groups = {i: {g for v in pinned_on[i] if (g := ledger.group[v]) is not None} for i in hosts}
    base_colours = {i: {k for v in pinned_on[i] if (k := colour(v)) is not None} for i in hosts}

    x: dict[tuple[int, int], cp_model.IntVar] = {}
    on_host: dict[int, list[int]] = {i: [] for i in hosts}
    options_of: dict[int, list[int]] = {}
    unplaced: dict[int, cp_model.IntVar] = {}
    for v in movable:
        options = []
        options_of[v] = []
        for i in ledger.reachable(v, hosts):
            d = ledger.dedicated[i]
            if d is not None and ledger.zone[v] != d:
                continue
            g = ledger.group[v]
            if g is not None and g in base_groups[i]:
                continue
            if base_cpu[i] + sizes.cpu[v] > sizes.cap_cpu[i] or base_mem[i] + sizes.mem[v] > sizes.cap_mem[i]:
                continue
            x[v, i] = model.new_bool_var(f"x{v}_{i}")
            on_host[i].append(v)
            options_of[v].append(i)
            options.append(x[v, i])
        unplaced[v] = model.new_bool_var(f"u{v}")
        model.add_exactly_one([*options, unplaced[v]])

    peak_max = PER_MILLE
    for i in hosts:
        peak_max = max(peak_max, sizes.peak(i, base_cpu[i], base_mem[i]))
    peak = model.new_int_var(0, peak_max, "peak")
    conflict: dict[int, cp_model.IntVar | int] = {}
    for i in hosts:
        vms = on_host[i]
        room_cpu = max(sizes.cap_cpu[i] - base_cpu[i], 0)
        room_mem = max(sizes.cap_mem[i] - base_mem[i], 0)
        if vms:
            model.add(sum(sizes.cpu[v] * x[v, i] for v in vms) <= room_cpu)
            model.add(sum(sizes.mem[v] * x[v, i] for v in vms) <= room_mem)
            groups: dict[str, list[int]] = {}
            for v in vms:
                g = ledger.group[v]
                if g is not None:
                    groups.setdefault(g, []).append(v)
            for members in groups.values():
                if len(members) > 1:
                    model.add_at_most_one(x[v, i] for v in members)
        for size, cap, base in ((sizes.cpu, sizes.cap_cpu[i], base_cpu[i]), (sizes.mem, sizes.cap_mem[i], base_mem[i])):
            load = base + sum(size[v] * x[v, i] for v in vms)
            if cap > 0:
                model.add(PER_MILLE * load <= peak * cap)
        c = _conflict(model, ledger, i, vms, x, colour, base_colours[i], pinned_on[i])
        if c is not None:
            conflict[i] = c

    stays = [x[v, o] for v in movable if (o := ledger.origin[v]) is not None and (v, o) in x]
    placed_before = sum(1 for v in movable if ledger.origin[v] is not None and ledger.origin[v] in host_set)
    w = weights(len(movable), len(hosts), peak_max)
    fixed_conflicts = sum(1 for c in conflict.values() if isinstance(c, int))
    model.minimize(
        w.unplaced * sum(unplaced.values())
        + w.conflicting_hosts * sum(c for c in conflict.values() if not isinstance(c, int))
        + w.moves * (placed_before - sum(stays))
        + peak
    )

    for (v, i), var in x.items():
        model.add_hint(var, hint.get(v) == i)
    for v, var in unplaced.items():
        model.add_hint(var, hint.get(v) is None)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_deterministic_time = max(time_limit, 0.01)
    # A safety net in wall-clock seconds, far above what the deterministic limit takes.
    params.max_time_in_seconds = max(time_limit, 0.01) * 10 + 5
    params.num_workers = workers
    params.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    hosts_of: dict[int, int | None] = {}
    for v in movable:
        hosts_of[v] = next((i for i in options_of[v] if solver.boolean_value(x[v, i])), None)
    bound = int(solver.best_objective_bound) + w.conflicting_hosts * fixed_conflicts
    return Solution(hosts_of, status == cp_model.OPTIMAL, bound, w)


Colour = str | int
ColourOf = Callable[[int], Colour | None]


def _colour_of(ledger: Ledger) -> ColourOf:
    """A VM's colour: its zone (forbid) or its zone's trust level (adjacent); None without a zone."""
    if ledger.forbid:
        return lambda v: ledger.zone[v]
    return lambda v: None if (z := ledger.zone[v]) is None else ledger.trust[z]


def _conflict(
    model: cp_model.CpModel,
    ledger: Ledger,
    i: int,
    vms: list[int],
    x: dict[tuple[int, int], cp_model.IntVar],
    colour: ColourOf,
    pinned_colours: set[Colour],
    pinned: list[int],
) -> cp_model.IntVar | int | None:
    """Host ``i``'s conflict: 1 when its pinned VMs alone conflict, None when it never can, else a variable."""
    if host_conflicts(ledger, i, pinned):
        return 1
    if ledger.dedicated[i] is not None:
        return None  # only VMs of its zone may join it
    by_colour: dict[Colour, list[int]] = {}
    for v in vms:
        k = colour(v)
        if k is not None:
            by_colour.setdefault(k, []).append(v)
    colours = sorted(set(by_colour) | pinned_colours, key=str)
    if ledger.forbid:
        pairs = [(a, b) for n, a in enumerate(colours) for b in colours[n + 1 :]]
    else:
        pairs = [(a, b) for n, a in enumerate(colours) for b in colours[n + 1 :] if abs(int(a) - int(b)) > 1]
    if not pairs:
        return None
    present: dict[Colour, cp_model.IntVar | int] = {}
    for k in colours:
        if k in pinned_colours:
            present[k] = 1
            continue
        y = model.new_bool_var(f"y{i}_{k}")
        for v in by_colour[k]:
            model.add_implication(x[v, i], y)
        present[k] = y
    c = model.new_bool_var(f"c{i}")
    if ledger.forbid:
        model.add(sum(present.values()) <= 1 + len(colours) * c)
    else:
        for a, b in pairs:
            model.add(present[a] + present[b] <= 1 + c)
    return c
