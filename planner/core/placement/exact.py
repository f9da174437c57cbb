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

Objective: the contract's strict lexicographic order (spread in its two
parts, :mod:`.objective`) as one weighted sum whose weights provably dominate
— each weight exceeds the largest possible total of every level below it::

    W_exposed = peak_max + 1
    W_strays = W_exposed × (VMs + 1)
    W_moves = W_strays × (VMs + 1)
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
from .objective import LEVELS, PER_MILLE, Score, Sizes, host_conflicts, strays

Colour = str | int
#: A term of the model's linear expressions (a constant, a variable, a sum).
Expr = cp_model.LinearExpr | int
ColourOf = Callable[[int], Colour | None]


@dataclass(frozen=True, slots=True)
class Weights:
    unplaced: int
    conflicting_hosts: int
    moves: int
    stray_vms: int
    vms_on_conflicting_hosts: int


class TooLarge(ValueError):
    """The weighted sum of a domain this large could overflow CP-SAT's 64-bit objective."""


#: The largest objective value the model may reach (CP-SAT works in signed 64-bit integers).
MAX_OBJECTIVE = 2**62


def weights(movable: int, vms: int, hosts: int, peak_max: int) -> Weights:
    """Weights under which the weighted sum orders placements exactly as the lexicographic tuple.

    ``movable``: VMs the model may move; ``vms``: every VM that can be on the
    domain's hosts (pinned ones too); ``peak_max``: the highest peak possible.
    """
    w_exposed = peak_max + 1
    w_strays = w_exposed * (vms + 1)
    w_moves = w_strays * (vms + 1)
    w_conflicts = w_moves * (movable + 1)
    return Weights(w_conflicts * (hosts + 1), w_conflicts, w_moves, w_strays, w_exposed)


def decode(bound: int, w: Weights, found: Score) -> dict[str, int | None]:
    """The solver's lower bound on the weighted sum as a bound per level.

    A level's bound is only stated while every level above it is proven
    (found equal to its bound): otherwise no placement with *those* higher
    levels need exist, and the lower level's bound says nothing.
    """
    out: dict[str, int | None] = dict.fromkeys(LEVELS)
    rest = bound
    for level in LEVELS[:-1]:
        weight = getattr(w, level)
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
    """Solve one domain; None when the solver found no placement within its limit.

    Raises :class:`TooLarge` before building a model whose objective could overflow.
    """
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
    w = weights(len(movable), everyone, len(hosts), peak_max)
    if w.unplaced * (len(movable) + 1) > MAX_OBJECTIVE:
        raise TooLarge(f"{len(movable):,} movable VMs on {len(hosts):,} hosts")
    fixed_conflicts = sum(1 for c in conflict.values() if isinstance(c, int))
    model.minimize(
        w.unplaced * sum(unplaced.values())
        + w.conflicting_hosts * sum(c for c in conflict.values() if not isinstance(c, int))
        + w.moves * (placed_before - sum(stays))
        + w.stray_vms * sum(stray)
        + w.vms_on_conflicting_hosts * sum(exposed)
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
    # The full linear relaxation (capacities, at-most-one, the objective's rows): with one worker
    # and the default level, CP-SAT cannot even prove that no VM need be left unplaced on small
    # tight instances; with it, those are proven optimal in milliseconds (bench/README.md).
    params.linearization_level = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    hosts_of: dict[int, int | None] = {}
    for v in movable:
        hosts_of[v] = next((i for i in options_of[v] if solver.boolean_value(x[v, i])), None)
    bound = int(solver.best_objective_bound) + w.conflicting_hosts * fixed_conflicts
    return Solution(hosts_of, status == cp_model.OPTIMAL, bound, w)


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
