"""The three passes of the advisor over a :class:`.ledger.Ledger`.

See the package docstring for the algorithm and what it guarantees; this
module is its code, pass by pass: :meth:`Advisor.settle` (keep what may stay),
:meth:`Advisor.place_all` (find hosts for what must or should move),
:meth:`Advisor.repair` (clear mixed hosts one at a time, transactionally).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from .ledger import EMPTY, Ledger
from .reasons import number

#: Full sweeps of the repair pass over the mixed hosts. Each successful repair
#: clears one mixed host for good, so sweeps stop early when one changes nothing.
REPAIR_SWEEPS = 3


class PinnedViolation(TypedDict):
    """A hard constraint that pinned VMs break on their own (they stay regardless)."""

    host: str
    vms: list[str]
    reason: str


#: Does a VM of this zone (None: no zone) take the colour a host is given?
ColourTest = Callable[[str | None], bool]


def _size(ledger: Ledger) -> Callable[[int], tuple[float, int, int]]:
    return lambda v: (-ledger.mem[v], -ledger.cpu[v], v)


class Advisor:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        #: Why each VM left (or could not keep) the host it was on.
        self.why: dict[int, str] = {}
        #: VMs that must get a host (evicted on a hard constraint, or never placed).
        self.homeless: list[int] = []
        self.pinned_violations: list[PinnedViolation] = []
        #: Description of the zones each host serves after settling ("dmz", "trust 2-3").
        self.colour_text: list[str | None] = [None] * len(ledger.hosts)

    # -- pass 1 ------------------------------------------------------------------
    def settle(self) -> None:
        """Put every VM back where it is, unless a hard constraint or its zone says otherwise.

        Per host: the colour is the dedicated zone, else the zone (trust window
        under ``adjacent``) holding the most pinned VMs, then the most VMs — so
        the fewest VMs are misfits. Pinned VMs stay regardless. Movable VMs
        breaking the dedicated zone, or a second member of an anti-affinity
        group, or room beyond the ceilings (misfits first, then the largest),
        are evicted; misfits stay for now (they count against capacity) and
        leave in pass 2 only if they find a host without a conflict.
        """
        ld = self.ledger
        on_host: list[list[int]] = [[] for _ in ld.hosts]
        for v, o in enumerate(ld.origin):
            if o is None:
                self.homeless.append(v)
            else:
                on_host[o].append(v)
        for i, vms in enumerate(on_host):
            if vms:
                self._settle_host(i, vms)

    def colour(self, i: int, vms: list[int]) -> tuple[ColourTest, str | None]:
        """A test "is this zone the host's colour", and its description."""
        ld = self.ledger
        d = ld.dedicated[i]
        if d is not None:
            return (lambda z: z == d), d
        # Candidate colours: zones (forbid) or the low end of a trust window (adjacent).
        score: dict[str | int, tuple[int, int]] = {}
        for v in vms:
            z = ld.zone[v]
            if z is None:
                continue
            cands: tuple[str | int, ...]
            if ld.forbid:
                cands = (z,)
            else:
                t = ld.trust[z]
                cands = (t - 1, t)
            for c in cands:
                p, n = score.get(c, (0, 0))
                score[c] = (p + ld.pinned[v], n + 1)
        if not score:
            return (lambda z: True), None
        best = min(score, key=lambda c: (-score[c][0], -score[c][1], c))
        if isinstance(best, str):  # policy forbid
            return (lambda z: z is None or z == best), best
        return (lambda z: z is None or best <= ld.trust[z] <= best + 1), f"trust levels {best}-{best + 1}"

    def _settle_host(self, i: int, vms: list[int]) -> None:
        ld = self.ledger
        host = ld.hosts[i].id
        is_colour, colour = self.colour(i, vms)
        self.colour_text[i] = colour
        d = ld.dedicated[i]
        pinned = [v for v in vms if ld.pinned[v]]
        for v in pinned:
            ld.place(v, i, not is_colour(ld.zone[v]))
        self._pinned_checks(i, pinned)
        first_of: dict[str, int] = {}
        for v in pinned:
            g = ld.group[v]
            if g is not None:
                first_of.setdefault(g, v)
        fit: list[int] = []
        misfit: list[int] = []
        for v in vms:
            if ld.pinned[v]:
                continue
            z = ld.zone[v]
            if d is not None and z != d:
                self._evict(
                    v,
                    f"{host} is dedicated to zone {d}; "
                    + ("the VM has no zone" if z is None else f"the VM is in zone {z}"),
                )
            elif is_colour(z):
                fit.append(v)
            else:
                misfit.append(v)
                self.why[v] = f"zone {z} conflicts with {'zone' if ld.forbid else 'the'} {colour} on {host}"
        kept: list[int] = []
        for v in fit + misfit:
            g = ld.group[v]
            if g is not None and g in first_of:
                self._evict(v, f"anti-affinity group {g}: {ld.vms[first_of[g]].id} is also on {host}")
                continue
            if g is not None:
                first_of[g] = v
            kept.append(v)
        cpu = ld.used_cpu[i] + sum(ld.cpu[v] for v in kept)
        mem = ld.used_mem[i] + sum(ld.mem[v] for v in kept)
        misfits = set(misfit)
        if self._over(i, cpu, mem):
            size = _size(ld)
            order = sorted((v for v in kept if v in misfits), key=size) + sorted(
                (v for v in kept if v not in misfits), key=size
            )
            ceiling = self._ceiling_text(i, cpu, mem)
            dropped: set[int] = set()
            for v in order:
                if not self._over(i, cpu, mem):
                    break
                cpu -= ld.cpu[v]
                mem -= ld.mem[v]
                dropped.add(v)
                self._evict(v, f"{host} is over its overcommit ceiling ({ceiling})")
            kept = [v for v in kept if v not in dropped]
        for v in kept:
            ld.place(v, i, v in misfits)

    def _over(self, i: int, cpu: float, mem: float) -> bool:
        ld = self.ledger
        if cpu / ld.cores[i] > ld.cpu_ratio:
            return True
        return (mem / ld.memory[i] > ld.mem_ratio) if ld.memory[i] else mem > 0

    def _ceiling_text(self, i: int, cpu: float, mem: float) -> str:
        ld = self.ledger
        return (
            f"{number(cpu)} vCPUs on {ld.cores[i]} cores, ceiling {number(ld.cpu_ratio)}; "
            f"{number(mem)} GiB of {number(ld.memory[i])} GiB, ceiling {number(ld.mem_ratio)}"
        )

    def _pinned_checks(self, i: int, pinned: list[int]) -> None:
        """Record what the pinned VMs of host ``i`` break on their own (they stay regardless)."""
        ld = self.ledger
        host, d = ld.hosts[i].id, ld.dedicated[i]

        def ids(vs: list[int]) -> list[str]:
            return [ld.vms[v].id for v in vs]

        if d is not None:
            strangers = [v for v in pinned if ld.zone[v] != d]
            if strangers:
                self.pinned_violations.append(
                    {
                        "host": host,
                        "vms": ids(strangers),
                        "reason": f"{host} is dedicated to zone {d}; pinned VMs of other zones (or none) stay",
                    }
                )
        groups: dict[str, list[int]] = {}
        for v in pinned:
            g = ld.group[v]
            if g is not None:
                groups.setdefault(g, []).append(v)
        for g, members in sorted(groups.items()):
            if len(members) > 1:
                self.pinned_violations.append(
                    {"host": host, "vms": ids(members), "reason": f"anti-affinity group {g}: pinned VMs share {host}"}
                )
        if ld.over(i):
            self.pinned_violations.append(
                {
                    "host": host,
                    "vms": ids(pinned),
                    "reason": f"pinned VMs alone are over {host}'s overcommit ceiling "
                    f"({self._ceiling_text(i, ld.used_cpu[i], ld.used_mem[i])})",
                }
            )

    def _evict(self, v: int, reason: str) -> None:
        self.why[v] = reason
        self.homeless.append(v)

    # -- pass 2 ------------------------------------------------------------------
    def find_clean(self, v: int, exclude: int | None = None) -> int | None:
        """A host VM ``v`` joins without a zone conflict: one of its colour, else an empty one."""
        ld = self.ledger
        i = ld.best_in(v, ld.keys_for(v), exclude)
        return i if i is not None else ld.best_in(v, [EMPTY], exclude)

    def find_mixed(self, v: int, exclude: int | None = None) -> int | None:
        """A host that already mixes zones and can take VM ``v`` (no new mixed host)."""
        ld = self.ledger
        hosts = ld.candidates(v)
        mixed = sorted(ld.mixed) if len(ld.mixed) < len(hosts) else [i for i in hosts if i in ld.mixed]
        return ld.best_anywhere(v, mixed, exclude)

    def place_all(self) -> list[int]:
        """Place the homeless VMs and move misfits to hosts without a conflict.

        Largest first (first-fit-decreasing packs better). A homeless VM takes,
        in order: a host of its colour or an empty host (see :meth:`_quotas`),
        a host already mixed, any host; a misfit moves only to a host of its
        colour, else an empty one. Returns the VMs left without a host.
        """
        ld = self.ledger
        work = self.homeless + [
            v for v in range(len(ld.vms)) if ld.is_misfit[v] and not ld.pinned[v] and ld.where[v] is not None
        ]
        quota, opened = self._quotas(), dict[str, int]()
        left: list[int] = []
        for v in sorted(set(work), key=_size(ld)):
            here, z = ld.where[v], ld.zone[v]
            if here is not None:
                i = self.find_clean(v, exclude=here)
                if i is not None:
                    ld.remove(v)
                    ld.place(v, i, False)
                continue
            i = ld.best_in(v, ld.keys_for(v))
            if i is None or z is None or opened.get(z, 0) < quota.get(z, 0):
                empty = ld.best_in(v, [EMPTY])
                if empty is not None and (i is None or ld.freeness(empty) > ld.freeness(i)):
                    i = empty
                    if z is not None:
                        opened[z] = opened.get(z, 0) + 1
            if i is None:
                i = self.find_mixed(v)
            if i is None:
                i = ld.best_anywhere(v, ld.candidates(v))
            if i is None:
                left.append(v)
                continue
            ld.place(v, i, not ld.joins_cleanly(v, i))
        self.homeless = left
        return left

    def _quotas(self) -> dict[str, int]:
        """How many empty hosts each zone's homeless VMs may open while a host of their colour has room.

        Spreading load (priority 3) wants new VMs on empty hosts; keeping
        empty hosts for zones that have no host yet (priority 1) wants them
        filled last. The empty hosts are shared out in proportion to each
        zone's homeless demand (in host-sized units, largest remainder, ties
        by zone id), at least one for a zone with demand while hosts last. A
        zone beyond its share still opens an empty host when its own are full.
        """
        ld = self.ledger
        empties = sum(1 for i in range(len(ld.hosts)) if ld.key(i) == EMPTY)
        open_hosts = [i for i in range(len(ld.hosts)) if ld.dedicated[i] is None] or range(len(ld.hosts))
        cpu_unit = sum(ld.cores[i] for i in open_hosts) * ld.cpu_ratio / max(len(open_hosts), 1) or 1
        mem_unit = sum(ld.memory[i] for i in open_hosts) * ld.mem_ratio / max(len(open_hosts), 1) or 1
        demand: dict[str, float] = {}
        for v in self.homeless:
            z = ld.zone[v]
            if z is not None:
                demand[z] = demand.get(z, 0.0) + max(ld.cpu[v] / cpu_unit, ld.mem[v] / mem_unit)
        total = sum(demand.values())
        if not empties or not total:
            return {}
        zones = sorted(demand)
        quota = {z: 1 for z in zones[:empties]}
        spare = empties - len(quota)
        shares = {z: spare * demand[z] / total for z in zones}
        for z in zones:
            quota[z] = quota.get(z, 0) + int(shares[z])
        spare -= sum(int(shares[z]) for z in zones)
        for z in sorted(zones, key=lambda z: (-(shares[z] - int(shares[z])), z))[: max(spare, 0)]:
            quota[z] = quota.get(z, 0) + 1
        return quota

    # -- pass 3 ------------------------------------------------------------------
    def repair(self) -> None:
        """Clear mixed hosts one by one, fewest misfits first, all-or-nothing.

        For a mixed host, each colour it could take (the zones, or trust
        windows, of its VMs) is tried, cheapest first (VMs that would leave
        the host they started on, then VMs moved at all): every VM of another
        colour must find a host it joins without a conflict, or a host already
        mixed; otherwise the attempt is rolled back. A success never makes a
        clean host mixed, so the number of mixed hosts drops by one each time.
        """
        ld = self.ledger
        for _ in range(REPAIR_SWEEPS):
            changed = False
            for h in sorted(ld.mixed, key=lambda i: (ld.misfits[i], i)):
                if ld.misfits[h] and self._clear(h):
                    changed = True
            if not changed:
                break

    def _options(self, h: int) -> list[tuple[tuple[int, int, str], list[int], list[int], str]]:
        """(cost, VMs that stay, VMs that leave, colour text) for each colour host ``h`` could take."""
        ld = self.ledger
        residents = list(ld.residents[h])
        d = ld.dedicated[h]
        tests: list[tuple[ColourTest, str]]
        if d is not None:
            tests = [((lambda z: z == d), d)]
        elif ld.forbid:
            zones = sorted({z for v in residents if (z := ld.zone[v]) is not None})

            def zone_test(c: str) -> ColourTest:
                return lambda z: z is None or z == c

            tests = [(zone_test(c), c) for c in zones]
        else:
            lows = sorted(
                {t for v in residents if (z := ld.zone[v]) is not None for t in (ld.trust[z] - 1, ld.trust[z])}
            )

            def window_test(lo: int) -> ColourTest:
                return lambda z: z is None or lo <= ld.trust[z] <= lo + 1

            tests = [(window_test(lo), f"trust levels {lo}-{lo + 1}") for lo in lows]
        out: list[tuple[tuple[int, int, str], list[int], list[int], str]] = []
        for test, text in tests:
            stay = [v for v in residents if test(ld.zone[v])]
            leave = [v for v in residents if not test(ld.zone[v])]
            if any(ld.pinned[v] for v in leave):
                continue
            cost = (sum(ld.origin[v] == h for v in leave), len(leave), text)
            out.append((cost, stay, leave, text))
        out.sort(key=lambda o: o[0])
        return out

    def _clear(self, h: int) -> bool:
        ld = self.ledger
        host = ld.hosts[h].id
        for _cost, stay, leave, text in self._options(h):
            point = ld.mark()
            for v in stay + leave:
                ld.remove(v)
            for v in stay:
                ld.place(v, h, False)
            reasons: dict[int, str] = {}
            for v in sorted(leave, key=_size(ld)):
                i = self.find_clean(v, exclude=h)
                if i is None:
                    i = self.find_mixed(v, exclude=h)
                if i is None:
                    break
                ld.place(v, i, not ld.joins_cleanly(v, i))
                if ld.origin[v] == h or v not in self.why:
                    what = f"the {text}" if text.startswith("trust") else f"zone {text}"
                    reasons[v] = f"zone {ld.zone[v]} conflicts with {what} kept on {host}"
            else:
                ld.commit()
                self.why.update(reasons)
                self.colour_text[h] = text
                return True
            ld.rollback(point)
        ld.commit()
        return False

    # -- pass 4 ------------------------------------------------------------------
    def return_home(self) -> None:
        """Send back every VM that left its host when it can go back without a new conflict.

        A VM goes back (document order) if its own host allows it, has room,
        and takes it without becoming mixed (or is mixed already): one move fewer,
        no new conflicting host, and an unplaced VM placed again.
        """
        ld = self.ledger
        for v, o in enumerate(ld.origin):
            if o is None or ld.where[v] == o:
                continue
            if not (ld.allowed(v, o) and ld.fits(v, o)):
                continue
            clean = ld.joins_cleanly(v, o)
            if not clean and o not in ld.mixed:
                continue
            if ld.where[v] is not None:
                ld.remove(v)
            ld.place(v, o, not clean)
        self.homeless = [v for v in self.homeless if ld.where[v] is None]
