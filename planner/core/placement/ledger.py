"""The ledger: what every host carries while the advisor works.

The advisor changes the placement one VM at a time (:meth:`Ledger.place`,
:meth:`Ledger.remove`); the ledger keeps, per host, the resources in use, the
zones it serves, the anti-affinity groups present, and whether it is mixed.
Every change is journalled, so a repair that fails half-way is undone exactly
(:meth:`Ledger.mark`, :meth:`Ledger.rollback`).

A VM on a host is either *fit* — its zone is one the host serves without a
conflict, its "colour" — or a *misfit*: it sits there although its zone
conflicts with that colour. A host is mixed (would raise ZONE-MIX-HOST) exactly
when it holds a misfit. VMs without a zone are always fit (the analysis
ignores them), except on a host dedicated to a zone.

Finding a host is a heap look-up, not a scan: hosts are filed by *class* —
the zone they serve (policy forbid), the trust range they serve (policy
adjacent), the zone they are dedicated to, or empty — each class a max-heap
on free capacity with lazy invalidation (an entry whose version is stale is
dropped when met). So placing 100,000 VMs costs about a logarithm per VM
whenever room exists near the top of the heap.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from itertools import count

from planner.core.analysis.context import AnalysisContext, fips_level
from planner.core.inventory.estate import Estate

#: How many fitting hosts to look at for one that adds no internet-facing /
#: high-impact co-residency before settling for the roomiest (bounds the work).
EXPOSURE_LOOKAHEAD = 16

#: A heap class of hosts: ("d", zone) dedicated, ("z", zone) serving a zone
#: (forbid), ("r", low, high) serving a trust range (adjacent), EMPTY.
HostClass = tuple[str | int, ...]
#: A heap entry: (-freeness, host index, the host's version when filed).
HeapEntry = tuple[float, int, int]

EMPTY: HostClass = ("e",)
#: The heap family over every migration domain.
ANY = -1
#: A VM whose datastores reach at most this many hosts looks at them one by one.
FEW_HOSTS = 64


class Ledger:
    """Hosts and VMs by index (document order), and the placement being built."""

    def __init__(self, estate: Estate):
        policy = estate.policy
        self.forbid = policy.zone_mixing == "forbid"
        self.cpu_ratio = policy.max_cpu_overcommit
        self.mem_ratio = policy.max_memory_overcommit
        self.trust = {zid: z.trust_level for zid, z in estate.zones.items()}
        self.hosts = list(estate.hosts.values())
        self.host_index = {h.id: i for i, h in enumerate(self.hosts)}
        self.cores = [h.cpu_cores for h in self.hosts]
        self.memory = [h.memory_gib for h in self.hosts]
        self.dedicated = [h.dedicated_zone for h in self.hosts]
        self.vms = list(estate.vms.values())
        self.vm_index = {v.id: i for i, v in enumerate(self.vms)}
        self.zone = [v.zone for v in self.vms]
        self.cpu = [v.vcpus for v in self.vms]
        self.mem = [v.memory_gib for v in self.vms]
        self.group = [v.anti_affinity_group for v in self.vms]
        self.pinned = [v.pinned for v in self.vms]
        self.exposed = [v.internet_facing for v in self.vms]
        levels = [fips_level(v, "any") for v in self.vms]
        self.high = [level == "high" for level in levels]
        self.origin = [None if v.host is None else self.host_index[v.host] for v in self.vms]

        # Where each VM may go (analysis-v1, "Placement, v1.1 additions"): its
        # migration domain, the hosts its datastores are attached to, no type 2
        # hypervisor — and always the host it is on.
        self.estate_scope = policy.placement_scope == "estate"
        domains: dict[str | None, int] = {}
        self.domain = [domains.setdefault(h.cluster, len(domains)) for h in self.hosts]
        self.domain_names: list[str | None] = list(domains)
        self.type2 = [h.hypervisor is not None and h.hypervisor.type == 2 for h in self.hosts]
        self.low = [level == "low" for level in levels]
        attached = {d.id: frozenset(self.host_index[h] for h in d.hosts) for d in estate.datastores.values() if d.hosts}
        self.stores: list[frozenset[int] | None] = []
        for vm in self.vms:
            reach: frozenset[int] | None = None
            for disk in vm.disks:
                hosts = attached.get(disk.datastore)
                if hosts is not None:
                    reach = hosts if reach is None else reach & hosts
            self.stores.append(reach)
        self.scope: list[int | None] = [None if o is None or self.estate_scope else self.domain[o] for o in self.origin]
        self.domain_hosts: list[list[int]] = [[] for _ in self.domain_names]
        for i, d in enumerate(self.domain):
            self.domain_hosts[d].append(i)
        self._start: list[list[int]] = [[] for _ in self.hosts]
        for v, o in enumerate(self.origin):
            if o is not None:
                self._start[o].append(v)

        nh, nv = len(self.hosts), len(self.vms)
        self.where: list[int | None] = [None] * nv
        self.is_misfit = [False] * nv
        self.used_cpu = [0] * nh
        self.used_mem = [0.0] * nh
        self.fit_zones: list[dict[str, int]] = [{} for _ in range(nh)]
        self.misfits = [0] * nh
        #: Hosts holding a misfit, i.e. mixing zones.
        self.mixed: set[int] = set()
        self.groups: list[dict[str, int]] = [{} for _ in range(nh)]
        self.n_exposed = [0] * nh
        self.n_high = [0] * nh
        self.residents: list[dict[int, None]] = [{} for _ in range(nh)]
        self.version = [0] * nh
        #: Each host's class and freeness as last filed (every change files the host again).
        self.filed: list[HostClass] = [EMPTY] * nh
        self.free = [0.0] * nh
        #: Each set of hosts VMs' datastores reach, in document order (sorted once per set).
        self._in_order: dict[frozenset[int], list[int]] = {}
        #: Heaps by (domain, class), and by (ANY, class) over every domain: kept for the
        #: scopes of VMs whose datastores reach more hosts (or are not said) only.
        self.heaps: dict[tuple[int, HostClass], list[HeapEntry]] = {}
        self._wide = {
            ANY if self.scope[v] is None else self.scope[v]
            for v in range(nv)
            if (reach := self.stores[v]) is None or len(reach) > FEW_HOSTS
        }
        #: Every host class ever filed.
        self.classes: set[HostClass] = set()
        self._journal: list[tuple[str, int, int, bool]] = []
        self._journal_on = False
        self._tick = count()
        for i in range(nh):
            self._file(i)

    # -- capacity --------------------------------------------------------------
    def fits(self, v: int, i: int) -> bool:
        """Would VM ``v`` keep host ``i`` within both overcommit ceilings?

        Written as the analysis writes HOST-CPU/MEMORY-OVERCOMMIT, so "fits"
        here means "raises neither finding" there.
        """
        if (self.used_cpu[i] + self.cpu[v]) / self.cores[i] > self.cpu_ratio:
            return False
        placed = self.used_mem[i] + self.mem[v]
        return (placed / self.memory[i] <= self.mem_ratio) if self.memory[i] else placed <= 0

    def over(self, i: int) -> bool:
        """Is host ``i`` above an overcommit ceiling now?"""
        if self.used_cpu[i] / self.cores[i] > self.cpu_ratio:
            return True
        m = self.used_mem[i]
        return (m / self.memory[i] > self.mem_ratio) if self.memory[i] else m > 0

    def free_cpu(self, i: int) -> float:
        return self.cores[i] * self.cpu_ratio - self.used_cpu[i]

    def free_mem(self, i: int) -> float:
        return self.memory[i] * self.mem_ratio - self.used_mem[i]

    def freeness(self, i: int) -> float:
        """The smaller free share of the two ceilings: 1 empty, 0 full."""
        cpu_cap, mem_cap = self.cores[i] * self.cpu_ratio, self.memory[i] * self.mem_ratio
        cpu = 1 - self.used_cpu[i] / cpu_cap if cpu_cap > 0 else 0.0
        mem = 1 - self.used_mem[i] / mem_cap if mem_cap > 0 else 0.0
        return min(cpu, mem)

    # -- zones -----------------------------------------------------------------
    #: The analysis's own test (forbid: zones differ; adjacent: trust levels more
    #: than 1 apart), read off ``self.forbid`` and ``self.trust`` — one definition.
    conflict = AnalysisContext.conflict

    def joins_cleanly(self, v: int, i: int) -> bool:
        """Could VM ``v`` sit on host ``i`` as a fit (no new zone conflict)?"""
        z, d = self.zone[v], self.dedicated[i]
        if d is not None:
            return z == d
        if z is None:
            return True
        fz = self.fit_zones[i]
        if not fz or z in fz:
            return True
        return not self.conflict([*fz, z])

    def eligible(self, v: int, i: int) -> bool:
        """May VM ``v`` be on host ``i`` at all? Its own host, always; another only
        within its migration domain, where its datastores are attached, and not a
        type 2 hypervisor (a VM without a host may go there if its high-water mark is low)."""
        if i == self.origin[v]:
            return True
        if self.type2[i] and (self.origin[v] is not None or not self.low[v]):
            return False
        scope = self.scope[v]
        if scope is not None and self.domain[i] != scope:
            return False
        reach = self.stores[v]
        return reach is None or i in reach

    def candidates(self, v: int) -> list[int]:
        """The hosts VM ``v`` might be eligible for, in document order, without a scan of
        every host: those its datastores reach, else its migration domain's, else all —
        and its own host. :meth:`eligible` still decides each one."""
        reach, scope, o = self.stores[v], self.scope[v], self.origin[v]
        if reach is not None:
            hosts = sorted(reach if o is None else reach | {o})
        elif scope is not None:
            hosts = self.domain_hosts[scope]
        else:
            return list(range(len(self.hosts)))
        return hosts

    def reachable(self, v: int, hosts: Iterable[int]) -> list[int]:
        """Those of ``hosts`` VM ``v`` may be on (:meth:`eligible`)."""
        return [i for i in hosts if self.eligible(v, i)]

    def residents_at_start(self, i: int) -> list[int]:
        """The VMs on host ``i`` in the inventory, in document order."""
        return self._start[i]

    def allowed(self, v: int, i: int) -> bool:
        """The hard constraints apart from capacity: where it may go, dedicated zone and anti-affinity."""
        if not self.eligible(v, i):
            return False
        d = self.dedicated[i]
        if d is not None and self.zone[v] != d:
            return False
        g = self.group[v]
        return g is None or not self.groups[i].get(g)

    def exposes(self, v: int, i: int) -> bool:
        """Would VM ``v`` on host ``i`` make an internet-facing / high-impact pair?"""
        return (self.exposed[v] and self.n_high[i] > 0) or (self.high[v] and self.n_exposed[i] > 0)

    def key(self, i: int) -> HostClass:
        """The heap class of host ``i`` (see the module docstring)."""
        d = self.dedicated[i]
        if d is not None:
            return ("d", d)
        fz = self.fit_zones[i]
        if not fz:
            return EMPTY
        if self.forbid:
            (z,) = fz
            return ("z", z)
        levels = [self.trust[z] for z in fz]
        return ("r", min(levels), max(levels))

    def keys_for(self, v: int) -> list[HostClass]:
        """The classes of hosts VM ``v`` can join as a fit (empty hosts apart)."""
        z = self.zone[v]
        if z is None:
            return sorted(k for k in self.classes if k[0] in ("z", "r"))
        if self.forbid:
            return [("z", z), ("d", z)]
        t = self.trust[z]
        return [("r", t, t), ("r", t - 1, t), ("r", t, t + 1), ("r", t - 1, t - 1), ("r", t + 1, t + 1), ("d", z)]

    # -- changes -----------------------------------------------------------------
    def _file(self, i: int) -> None:
        self.version[i] += 1
        key = self.filed[i] = self.key(i)
        free = self.free[i] = self.freeness(i)
        entry = (-free, i, self.version[i])
        self.classes.add(key)
        if self.domain[i] in self._wide:
            heapq.heappush(self.heaps.setdefault((self.domain[i], key), []), entry)
        if ANY in self._wide:
            heapq.heappush(self.heaps.setdefault((ANY, key), []), entry)

    def place(self, v: int, i: int, misfit: bool) -> None:
        self.where[v] = i
        self.is_misfit[v] = misfit
        self.used_cpu[i] += self.cpu[v]
        self.used_mem[i] += self.mem[v]
        z, g = self.zone[v], self.group[v]
        if misfit:
            self.misfits[i] += 1
            self.mixed.add(i)
        elif z is not None and self.dedicated[i] is None:
            self.fit_zones[i][z] = self.fit_zones[i].get(z, 0) + 1
        if g is not None:
            self.groups[i][g] = self.groups[i].get(g, 0) + 1
        self.n_exposed[i] += self.exposed[v]
        self.n_high[i] += self.high[v]
        self.residents[i][v] = None
        if self._journal_on:
            self._journal.append(("place", v, i, misfit))
        self._file(i)

    def remove(self, v: int) -> None:
        i, misfit = self.where[v], self.is_misfit[v]
        if i is None:
            raise ValueError(f"VM {self.vms[v].id} is not placed; there is nothing to remove")
        self.where[v] = None
        self.is_misfit[v] = False
        self.used_cpu[i] -= self.cpu[v]
        self.used_mem[i] -= self.mem[v]
        z, g = self.zone[v], self.group[v]
        if misfit:
            self.misfits[i] -= 1
            if not self.misfits[i]:
                self.mixed.discard(i)
        elif z is not None and self.dedicated[i] is None:
            fz = self.fit_zones[i]
            fz[z] -= 1
            if not fz[z]:
                del fz[z]
        if g is not None:
            gs = self.groups[i]
            gs[g] -= 1
            if not gs[g]:
                del gs[g]
        self.n_exposed[i] -= self.exposed[v]
        self.n_high[i] -= self.high[v]
        del self.residents[i][v]
        if self._journal_on:
            self._journal.append(("remove", v, i, misfit))
        self._file(i)

    def mark(self) -> int:
        """Start (or nest in) a transaction; returns the point to roll back to."""
        self._journal_on = True
        return len(self._journal)

    def rollback(self, point: int) -> None:
        """Undo every change since ``point``, newest first."""
        journal = self._journal
        self._journal_on = False
        while len(journal) > point:
            op, v, i, misfit = journal.pop()
            if op == "place":
                self.remove(v)
            else:
                self.place(v, i, misfit)
        self._journal_on = bool(journal)

    def commit(self) -> None:
        self._journal.clear()
        self._journal_on = False

    # -- looking for a host --------------------------------------------------------
    def best_in(self, v: int, keys: Iterable[HostClass], exclude: int | None = None) -> int | None:
        """The best host of the given classes VM ``v`` may join, or None.

        Best: not mixed already (a VM joining a mixed host adds to its strays
        or to the VMs sharing it with them — spread, the objective's fourth
        level), then adds no exposed co-residency (among the first
        :data:`EXPOSURE_LOOKAHEAD` fitting hosts; all of them for a VM whose
        datastores reach :data:`FEW_HOSTS` at most, looked at one by one), then
        most free capacity, then document order.
        """
        reach = self.stores[v]
        if reach is not None and len(reach) <= FEW_HOSTS:
            hosts = self._in_order.get(reach)
            if hosts is None:
                hosts = self._in_order[reach] = sorted(reach)
            wanted, filed = set(keys), self.filed
            return self.best_anywhere(v, [i for i in hosts if filed[i] in wanted], exclude)
        own = self.scope[v]
        scope = ANY if own is None else own
        best = None
        for k in keys:
            heap = self.heaps.get((scope, k))
            if not heap:
                continue
            held, seen = [], 0
            while heap and seen < EXPOSURE_LOOKAHEAD:
                entry = heapq.heappop(heap)
                neg, i, ver = entry
                if ver != self.version[i]:
                    continue
                held.append(entry)
                if i == exclude or not self.allowed(v, i) or not self.fits(v, i):
                    continue
                seen += 1
                rank = (i in self.mixed, self.exposes(v, i), neg, i)
                if best is None or rank < best:
                    best = rank
                if not (rank[0] or rank[1]):
                    break
            for entry in held:
                heapq.heappush(heap, entry)
        return None if best is None else best[3]

    def best_anywhere(self, v: int, hosts: Iterable[int], exclude: int | None = None) -> int | None:
        """The best of ``hosts`` (a plain scan) VM ``v`` may join, ranked as in :meth:`best_in`."""
        best = None
        mixed, free = self.mixed, self.free
        for i in hosts:
            if i == exclude or not self.fits(v, i) or not self.allowed(v, i):
                continue
            rank = (i in mixed, self.exposes(v, i), -free[i], i)
            if best is None or rank < best:
                best = rank
        return None if best is None else best[3]
