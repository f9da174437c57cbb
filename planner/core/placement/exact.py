"""The exact method: one migration domain as a CP-SAT model (OR-Tools).

Variables: ``x[v, h]`` — movable VM ``v`` runs on host ``h``, created only
for the hosts ``v`` may be on (its domain, its datastores, no type 2 host, a
dedicated host only for its zone, large enough beside the pinned VMs);
``u[v]`` — ``v`` is left unplaced; ``y[h, k]`` — host ``h`` carries colour
``k`` (a zone under policy ``forbid``, a trust level under ``adjacent``);
``c[h]`` — host ``h`` has conflicting zones; ``g[h]`` — the largest group of
VMs on ``h`` that may share it (one colour, or two adjacent trust levels),
so ``h``'s stray VMs are its VMs with a zone less ``g[h]``; ``e[h]`` — the
VMs on ``h`` when it conflicts (0 otherwise); ``peak`` — the fullest host's
load in thousandths of its ceiling. Pinned VMs on a host are constants: their load,
zones and anti-affinity groups are already there.

Constraints: each VM on one host or unplaced; vCPUs and memory within the
ceilings (integer sizes, :class:`.objective.Sizes`); one VM per anti-affinity
group per host; ``x ≤ y`` for the VM's colour; under ``forbid`` more than one
colour on a host forces ``c``, under ``adjacent`` two trust levels more than
one apart do; ``g[h]`` is the maximum of its groups' counts;
``e[h] ≥ VMs on h − n_h·(1 − c[h])``; ``peak`` bounds every host's load.

Objective: the contract's strict lexicographic order, solved level by
level — fewest unplaced VMs; then, that level held at what was found,
fewest conflicting hosts; then fewest moves; then spread, its three parts
(:mod:`.objective`) in one weighted sum whose weights provably dominate
(``W_strays = W_exposed × (VMs + 1)``, ``W_exposed = peak_max + 1``). Each
stage is a small objective whose linear relaxation means something, so
CP-SAT proves far more than with one sum of the whole tuple (whose weights
reach 10¹⁵ and leave the relaxation numerically useless), and nothing can
overflow. Each stage runs within what is left of the budget, so
time a stage does not need goes to the next (a stage may take all that is
left but a tenth for each stage after it: the higher levels come first); a
stage not proven within its share keeps what it found (the level is held at that value, not proven),
and the levels below it are reported without a bound.

Deterministic: one search worker by default, a fixed seed, and a limit in
CP-SAT's *deterministic* time, so the same input gives the same answer on
any machine, however loaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .ledger import Ledger
from .objective import LEVELS, PER_MILLE, Sizes, host_conflicts, strays

Colour = str | int
#: A term of the model's linear expressions (a constant, a variable, a sum).
Expr = cp_model.LinearExpr | int
ColourOf = Callable[[int], Colour | None]


#: The solver's stages, in the contract's order; "spread" is its three parts in one sum.
STAGES = ("unplaced", "conflicting_hosts", "moves", "spread")
#: The share of a domain's budget kept back for each later stage while one stage runs.
STAGE_RESERVE = 0.1


@dataclass(slots=True)
class Solution:
    """What the solver found: a host (or None) per movable VM, and how sure it is.

    ``hosts`` is None when the solver found no placement within its limit;
    ``bounds`` holds, per level of :data:`.objective.LEVELS`, the solver's
    lower bound where every stage above it was proven (None otherwise);
    ``optimal`` is every stage proven.
    """

    hosts: dict[int, int | None] | None
    optimal: bool
    bounds: dict[str, int | None]
    #: The deterministic time the stages took (what is left of the budget goes to other domains).
    used: float


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
) -> Solution:
    """Solve one domain, level by level, within ``time_limit`` deterministic seconds."""
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
    exposed: list[Expr] = []
    stray: list[Expr] = []
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
            stray.append(_strays(model, ledger, i, vms, x, colour, pinned_on[i]))
            count = len(pinned_on[i]) + sum(x[v, i] for v in vms)
            if isinstance(c, int):
                exposed.append(count)
            else:
                most = len(pinned_on[i]) + len(vms)
                e = model.new_int_var(0, most, f"e{i}")
                model.add(e >= count - most * (1 - c))
                exposed.append(e)

    stays = [x[v, o] for v in movable if (o := ledger.origin[v]) is not None and (v, o) in x]
    placed_before = sum(1 for v in movable if ledger.origin[v] is not None and ledger.origin[v] in host_set)
    everyone = len(movable) + sum(len(p) for p in pinned_on.values())
    w_exposed = peak_max + 1
    w_strays = w_exposed * (everyone + 1)
    fixed_conflicts = sum(1 for c in conflict.values() if isinstance(c, int))
    levels: list[Expr] = [
        sum(unplaced.values()),
        sum(c for c in conflict.values() if not isinstance(c, int)),
        placed_before - sum(stays),
        w_strays * sum(stray) + w_exposed * sum(exposed) + peak,
    ]
    hint_of = dict(hint)
    found: dict[int, int | None] | None = None
    bounds: dict[str, int | None] = dict.fromkeys(LEVELS)
    proven = True
    used = 0.0
    budget = max(time_limit, 0.01)
    for n, (stage, expr) in enumerate(zip(STAGES, levels, strict=True)):
        model.clear_hints()  # type: ignore[no-untyped-call]
        for (v, i), var in x.items():
            model.add_hint(var, hint_of.get(v) == i)
        for v, var in unplaced.items():
            model.add_hint(var, hint_of.get(v) is None)
        model.minimize(expr)
        # The higher levels come first: a stage may take all that is left but a tenth for each stage after it.
        solver = _solver(max(budget * (1 - STAGE_RESERVE * (len(STAGES) - 1 - n)), 0.01), workers, seed)
        status = solver.solve(model)
        spent = solver.response_proto.deterministic_time
        used += spent
        budget = max(budget - spent, 0.01)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False  # this stage found nothing in its share: its level is not proven
            break
        hint_of = {v: next((i for i in options_of[v] if solver.boolean_value(x[v, i])), None) for v in movable}
        found = hint_of
        value = round(solver.objective_value)
        if proven:
            bound = math.ceil(solver.best_objective_bound - 1e-6)
            if stage == "spread":
                bounds.update(_spread_bounds(bound, w_strays, w_exposed, solver, stray, exposed))
            else:
                bounds[stage] = bound + (fixed_conflicts if stage == "conflicting_hosts" else 0)
        proven = proven and status == cp_model.OPTIMAL
        model.add(expr <= value)  # held at what was found: the next stage keeps it
    return Solution(found, proven and found is not None, bounds, used)


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_deterministic_time = time_limit
    # A safety net in wall-clock seconds, far above what the deterministic limit takes.
    params.max_time_in_seconds = time_limit * 10 + 5
    params.num_workers = workers
    params.random_seed = seed
    # The full linear relaxation (capacities, at-most-one, the objective's rows): with one worker
    # and the default level, CP-SAT cannot even prove that no VM need be left unplaced on small
    # tight instances; with it, those are proven optimal in milliseconds (bench/README.md).
    params.linearization_level = 2
    return solver


def _spread_bounds(
    bound: int, w_strays: int, w_exposed: int, solver: cp_model.CpSolver, stray: list[Expr], exposed: list[Expr]
) -> dict[str, int | None]:
    """The spread stage's bound, level by level: a part's bound only while the part above it is met."""
    out: dict[str, int | None] = {"stray_vms": bound // w_strays}
    found_strays = round(solver.value(sum(stray)))
    if out["stray_vms"] != found_strays:
        return out | {"vms_on_conflicting_hosts": None, "spread": None}
    rest = bound - w_strays * found_strays
    out["vms_on_conflicting_hosts"] = rest // w_exposed
    found_exposed = round(solver.value(sum(exposed)))
    if out["vms_on_conflicting_hosts"] != found_exposed:
        return out | {"spread": None}
    out["spread"] = rest - w_exposed * found_exposed
    return out


def _colour_of(ledger: Ledger) -> ColourOf:
    """A VM's colour: its zone (forbid) or its zone's trust level (adjacent); None without a zone."""
    if ledger.forbid:
        return lambda v: ledger.zone[v]
    return lambda v: None if (z := ledger.zone[v]) is None else ledger.trust[z]


def _strays(
    model: cp_model.CpModel,
    ledger: Ledger,
    i: int,
    vms: list[int],
    x: dict[tuple[int, int], cp_model.IntVar],
    colour: ColourOf,
    pinned: list[int],
) -> Expr:
    """Host ``i``'s stray VMs (:func:`.objective.strays`) as an expression of the model."""
    d = ledger.dedicated[i]
    if d is not None:  # only VMs of its zone may join it: the strays are pinned
        return strays(ledger, i, pinned)
    members: dict[Colour, list[Expr]] = {}
    for v in pinned:
        if (k := colour(v)) is not None:
            members.setdefault(k, []).append(1)
    for v in vms:
        if (k := colour(v)) is not None:
            members.setdefault(k, []).append(x[v, i])
    if not members:
        return 0
    if ledger.forbid:
        groups = [members[k] for k in sorted(members, key=str)]
    else:
        levels = sorted(int(k) for k in members)
        lows = sorted({t for k in levels for t in (k - 1, k)})
        groups = [[m for k in levels if lo <= k <= lo + 1 for m in members[k]] for lo in lows]
    everyone = [m for k in members for m in members[k]]
    largest = model.new_int_var(0, len(everyone), f"g{i}")
    model.add_max_equality(largest, [sum(g) for g in groups])
    return sum(everyone) - largest


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
