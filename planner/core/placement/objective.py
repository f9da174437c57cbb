"""The advisor's objective, measured the same way for every method, and its lower bounds.

The contract's priorities are strict and lexicographic (analysis-v1, "Placement,
v1.1 additions"): fewer unplaced VMs, then fewer hosts with conflicting zones,
then fewer moves, then spread. :class:`Score` is that tuple for one migration
domain (or the whole estate); Python compares tuples lexicographically, so
``a < b`` means "a is better".

- *unplaced*: VMs left without a host;
- *conflicting hosts*: hosts on which ZONE-MIX-HOST fires (zones that conflict
  under the policy, or a VM of another zone on a host dedicated to a zone);
- *moves*: VMs that leave the host they are on (for another host, or none);
  a VM without a host that gets one is placed, not moved;
- *spread*, measured in three parts, compared in this order:
  - *stray VMs*: on each host, the VMs outside its largest group that could
    share it without a conflict (its zone, or trust window under
    ``adjacent``; on a dedicated host, the VMs not of its zone) — the VMs in
    the wrong place;
  - *VMs on conflicting hosts*: every VM on a host with conflicting zones;
  - *peak*: the peak load, in thousandths of the ceiling, of the fullest host
    (the higher of its vCPU and memory shares at the policy's overcommit
    ceilings): lower is more even.

  Why the first two: a host that mixes zones already costs nothing more at
  the second level when another VM joins it, so "even load" alone would
  happily pile VMs of any zone onto a mixed, half-empty host. With them a VM
  joins a mixed host only when no clean host can take it without an extra
  move (or an unplaced VM, or a new conflicting host); where some host must
  stay mixed, it is the one with the fewest VMs in the wrong place, then the
  fewest VMs sharing a host with them. They never outweigh a move: the
  contract's first three levels are untouched, and even load still decides
  between placements equal on both.

Sizes are compared as integers — vCPUs against ``floor(cores × ceiling)``,
memory in MiB (VMs rounded up, hosts down) — so the exact solver and the
heuristic measure the same thing, and whatever fits here fits the analysis's
own HOST-CPU/MEMORY-OVERCOMMIT test too.

:func:`lower_bounds` gives what no placement can beat, cheaply, so a heuristic
result that reaches it needs no exact solver to be proven minimal.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .ledger import Ledger

#: The levels, highest priority first, as they are named in the advice (spread
#: is its three parts: stray VMs, VMs on conflicting hosts, the peak load).
LEVELS = ("unplaced", "conflicting_hosts", "moves", "stray_vms", "vms_on_conflicting_hosts", "spread")
#: Spread is measured in thousandths of a host's ceiling.
PER_MILLE = 1000


@dataclass(frozen=True, slots=True, order=True)
class Score:
    unplaced: int
    conflicting_hosts: int
    moves: int
    stray_vms: int
    vms_on_conflicting_hosts: int
    spread: int

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in LEVELS}


class Sizes:
    """Integer sizes and ceilings of a ledger's VMs and hosts (see the module docstring)."""

    def __init__(self, ledger: Ledger):
        self.cpu = list(ledger.cpu)
        self.mem = [math.ceil(m * 1024 - 1e-6) for m in ledger.mem]
        self.cap_cpu = [math.floor(c * ledger.cpu_ratio + 1e-9) for c in ledger.cores]
        self.cap_mem = [math.floor(m * ledger.mem_ratio * 1024 + 1e-6) for m in ledger.memory]

    def peak(self, i: int, cpu: int, mem: int) -> int:
        """Host ``i``'s load in thousandths of its ceiling (the higher of the two resources)."""
        shares = [0]
        for load, cap in ((cpu, self.cap_cpu[i]), (mem, self.cap_mem[i])):
            if cap > 0:
                shares.append(-(-PER_MILLE * load // cap))
            elif load > 0:
                shares.append(PER_MILLE * 2)
        return max(shares)


def host_conflicts(ledger: Ledger, i: int, residents: Iterable[int]) -> bool:
    """Would ZONE-MIX-HOST fire on host ``i`` carrying ``residents``? (The rule's own test.)"""
    zones = {z for v in residents if (z := ledger.zone[v]) is not None}
    d = ledger.dedicated[i]
    if d is not None and any(z != d for z in zones):
        return True
    return ledger.conflict(zones)


def colour_groups(ledger: Ledger, zones: Iterable[str]) -> list[set[str]]:
    """The largest sets of these zones that may share a host: one zone each
    under ``forbid``; each trust window of width 1 under ``adjacent``."""
    zones = set(zones)
    if ledger.forbid:
        return [{z} for z in sorted(zones)]
    lows = sorted({t for z in zones for t in (ledger.trust[z] - 1, ledger.trust[z])})
    return [{z for z in zones if lo <= ledger.trust[z] <= lo + 1} for lo in lows]


def strays(ledger: Ledger, i: int, residents: Iterable[int]) -> int:
    """VMs on host ``i`` outside its largest conflict-free group (0 when it does not conflict)."""
    zoned = [z for v in residents if (z := ledger.zone[v]) is not None]
    d = ledger.dedicated[i]
    if d is not None:
        return sum(1 for z in zoned if z != d)
    if not zoned:
        return 0
    return len(zoned) - max(sum(1 for z in zoned if z in group) for group in colour_groups(ledger, zoned))


def score(ledger: Ledger, sizes: Sizes, hosts: Sequence[int], vms: Sequence[int]) -> Score:
    """The objective of the ledger's current placement over ``hosts`` and ``vms``."""
    unplaced = sum(1 for v in vms if ledger.where[v] is None)
    moves = sum(1 for v in vms if ledger.origin[v] is not None and ledger.where[v] != ledger.origin[v])
    conflicting = stray = exposed = 0
    spread = 0
    for i in hosts:
        residents = ledger.residents[i]
        if host_conflicts(ledger, i, residents):
            conflicting += 1
            stray += strays(ledger, i, residents)
            exposed += len(residents)
        cpu = sum(sizes.cpu[v] for v in residents)
        mem = sum(sizes.mem[v] for v in residents)
        spread = max(spread, sizes.peak(i, cpu, mem))
    return Score(unplaced, conflicting, moves, stray, exposed, spread)


def forced_conflicts(ledger: Ledger, hosts: Sequence[int]) -> set[int]:
    """Hosts on which pinned VMs alone make ZONE-MIX-HOST fire: mixed in every placement."""
    return {
        i for i in hosts if host_conflicts(ledger, i, [v for v in ledger.residents_at_start(i) if ledger.pinned[v]])
    }


def _most_kept(ledger: Ledger, sizes: Sizes, i: int, pinned: list[int], movable: list[int]) -> int:
    """At most how many of ``movable`` can stay on host ``i`` beside its pinned VMs, at the ceilings.

    Anti-affinity keeps one per group (none beside a pinned member); for a
    count, keeping the smallest VMs first is best, per resource.
    """
    taken = {g for v in pinned if (g := ledger.group[v]) is not None}
    chosen: list[int] = []
    seen: set[str] = set()
    for v in sorted(movable, key=lambda v: (sizes.cpu[v], sizes.mem[v], v)):
        g = ledger.group[v]
        if g is not None and (g in taken or g in seen):
            continue
        if g is not None:
            seen.add(g)
        chosen.append(v)
    most = len(chosen)
    for size, cap in ((sizes.cpu, sizes.cap_cpu[i]), (sizes.mem, sizes.cap_mem[i])):
        room = cap - sum(size[v] for v in pinned)
        n = 0
        for s in sorted(size[v] for v in chosen):
            if s > room:
                break
            room -= s
            n += 1
        most = min(most, n)
    return most


class HostStart:
    """What host ``i`` carries in the inventory: its pinned VMs (they stay), the others
    (they may move), those of the others its dedicated zone admits, the pinned VMs' zones."""

    __slots__ = ("admitted", "i", "movable", "pinned", "pinned_zones")

    def __init__(self, ledger: Ledger, i: int):
        start = ledger.residents_at_start(i)
        self.i = i
        self.pinned = [v for v in start if ledger.pinned[v]]
        self.movable = [v for v in start if not ledger.pinned[v]]
        d = ledger.dedicated[i]
        self.admitted = self.movable if d is None else [v for v in self.movable if ledger.zone[v] == d]
        self.pinned_zones = {z for v in self.pinned if (z := ledger.zone[v]) is not None}

    def leaving(self, ledger: Ledger, sizes: Sizes, serves: Collection[str] | None) -> int | None:
        """At least how many of its movable VMs leave when the host ``serves`` only these zones
        (None: any zone, a host that mixes them anyway); None when its pinned VMs forbid that."""
        if serves is None:
            return len(self.movable) - _most_kept(ledger, sizes, self.i, self.pinned, self.admitted)
        if not self.pinned_zones <= set(serves):
            return None
        keep = [v for v in self.admitted if (z := ledger.zone[v]) is None or z in serves]
        return len(self.movable) - _most_kept(ledger, sizes, self.i, self.pinned, keep)


@dataclass(frozen=True, slots=True)
class Bounds:
    """What no placement of a domain can beat; ``moves`` only where it is valid (see :func:`lower_bounds`)."""

    unplaced: int
    conflicting_hosts: int
    moves: int
    #: The hosts that may mix zones in a placement at the first two bounds (the others do not):
    #: those mixed in every placement that leaves unplaced only ``homeless``, and for each VM
    #: counted that every host able to hold it would mix, those hosts.
    may_mix: frozenset[int] = frozenset()
    #: The VMs no host can hold: unplaced in every placement.
    homeless: frozenset[int] = frozenset()


def lower_bounds(ledger: Ledger, sizes: Sizes, hosts: Sequence[int], vms: Sequence[int]) -> Bounds:
    """Lower bounds on the first three levels for a domain.

    - unplaced: VMs for which no host they may be on is large enough, open to
      their zone and free of a pinned member of their anti-affinity group;
    - conflicting hosts: hosts that pinned VMs alone make conflicting, hosts
      whose VMs that no other host can hold conflict (they are there in every
      placement that leaves no more VMs unplaced than the first bound), and one
      more per VM whose every possible host conflicts with such VMs (counted
      where no two share a host). Valid for placements at the first bound, i.e.
      once that level is proven;
    - moves: per host, the VMs that cannot all stay — a host that does not
      conflict serves one zone (or one trust window) only, keeps one VM per
      anti-affinity group and fits its ceilings. Valid for placements at the
      second bound, whose conflicting hosts are all among ``may_mix``, i.e. once
      that level is proven (:mod:`.colours` strengthens it).
    """
    pinned_load = PinnedLoad(ledger, sizes)
    homeless: set[int] = set()
    for v in vms:
        if ledger.pinned[v] and ledger.origin[v] is not None:
            continue
        o = ledger.origin[v]
        first = [o] if o is not None else []  # most VMs could stay where they are: look there first
        candidates = itertools.chain(first, (i for i in ledger.candidates(v) if i != o and ledger.eligible(v, i)))
        if not any(could_hold(ledger, sizes, pinned_load, v, i) for i in candidates):
            homeless.add(v)
    forced = forced_conflicts(ledger, hosts)
    held: dict[int, list[int]] = {}

    def held_on(i: int) -> list[int]:
        if i not in held:
            held[i] = _held_only_by(ledger, sizes, pinned_load, i)
        return held[i]

    mixed = [i for i in hosts if i not in forced and host_conflicts(ledger, i, ledger.residents_at_start(i))]
    forced.update(i for i in mixed if host_conflicts(ledger, i, held_on(i)))
    # A VM every host that could hold it would mix (with VMs that stay there for good) makes
    # one of them mixed: one more for each such VM whose hosts no other counted one shares.
    may_mix, one_of = set(forced), 0
    for i in mixed:
        for v in ledger.residents_at_start(i):
            if i in may_mix:
                break
            if ledger.zone[v] is None or v in homeless or ledger.pinned[v]:
                continue
            holders = [
                j
                for j in ledger.candidates(v)
                if ledger.eligible(v, j) and could_hold(ledger, sizes, pinned_load, v, j)
            ]
            if any(j in may_mix for j in holders):
                continue
            if holders and all(v not in held_on(j) and host_conflicts(ledger, j, [*held_on(j), v]) for j in holders):
                one_of += 1
                may_mix.update(holders)
    moves = 0
    for i in hosts:
        start = HostStart(ledger, i)
        if not start.movable:
            continue
        if i in may_mix:
            leaving = start.leaving(ledger, sizes, None)
        else:
            zones = {z for v in start.admitted if (z := ledger.zone[v]) is not None} | start.pinned_zones
            colours: list[set[str] | None] = [*colour_groups(ledger, zones)] or [None]
            leaving = min((n for c in colours if (n := start.leaving(ledger, sizes, c)) is not None), default=0)
        moves += leaving or 0
    return Bounds(len(homeless), len(forced) + one_of, moves, frozenset(may_mix), frozenset(homeless))


def _held_only_by(ledger: Ledger, sizes: Sizes, pinned_load: PinnedLoad, i: int) -> list[int]:
    """The VMs on host ``i`` in the inventory that stay there in every placement leaving
    unplaced only the VMs no host can hold: the pinned ones, and those only ``i`` can hold."""
    out = []
    for v in ledger.residents_at_start(i):
        if ledger.pinned[v] or (
            could_hold(ledger, sizes, pinned_load, v, i)
            and not any(
                could_hold(ledger, sizes, pinned_load, v, j)
                for j in ledger.candidates(v)
                if j != i and ledger.eligible(v, j)
            )
        ):
            out.append(v)
    return out


class PinnedLoad:
    """What the pinned VMs of each host take (vCPUs, memory, anti-affinity groups), read once per host."""

    def __init__(self, ledger: Ledger, sizes: Sizes):
        self.ledger, self.sizes = ledger, sizes
        self.seen: dict[int, tuple[int, int, set[str]]] = {}

    def __call__(self, i: int) -> tuple[int, int, set[str]]:
        if i not in self.seen:
            ld, sz = self.ledger, self.sizes
            pinned = [w for w in ld.residents_at_start(i) if ld.pinned[w]]
            groups = {g for w in pinned if (g := ld.group[w]) is not None}
            self.seen[i] = (sum(sz.cpu[w] for w in pinned), sum(sz.mem[w] for w in pinned), groups)
        return self.seen[i]


def could_hold(ledger: Ledger, sizes: Sizes, pinned_load: PinnedLoad, v: int, i: int) -> bool:
    """Could host ``i`` hold VM ``v`` (not pinned on a host) if nothing movable were on it?"""
    d = ledger.dedicated[i]
    if d is not None and ledger.zone[v] != d:
        return False
    cpu, mem, groups = pinned_load(i)
    if ledger.group[v] in groups:
        return False
    return cpu + sizes.cpu[v] <= sizes.cap_cpu[i] and mem + sizes.mem[v] <= sizes.cap_mem[i]
