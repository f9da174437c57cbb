"""Why a VM could not be placed, or could not leave a mixed host: the words.

Each reason names the constraint that ran out, with the numbers a planner
needs to act on it ("no host open to zone dmz with 4 free vCPUs; the most
free has 2 (esx-dmz-02)"). The checks run in the order the constraints
exclude hosts — dedicated zone, size at the ceilings, anti-affinity, free
room — so the reason given is the first one that leaves no host.
"""

from __future__ import annotations

from collections.abc import Sequence

from .ledger import Ledger

_LISTED = 5


def number(x: float) -> str:
    """A count or size without a trailing ``.0``; at most two decimals."""
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def listing(ledger: Ledger, hosts: Sequence[int]) -> str:
    names = [ledger.hosts[i].id for i in hosts[:_LISTED]]
    more = len(hosts) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def no_room(ledger: Ledger, v: int, candidates: Sequence[int], where: str, none: str | None = None) -> str:
    """Why none of ``candidates`` (hosts described by ``where``) can take VM ``v``.

    ``none`` is the reason when there are no candidates at all.
    """
    zone, group = ledger.zone[v], ledger.group[v]
    cpu, mem = ledger.cpu[v], ledger.mem[v]
    if not candidates:
        return none or f"no {where}"
    open_ = [i for i in candidates if ledger.dedicated[i] is None or ledger.dedicated[i] == zone]
    if not open_:
        zones = sorted({d for i in candidates if (d := ledger.dedicated[i]) is not None})
        subject = "the VM has no zone and" if zone is None else f"zone {zone}:"
        return f"{subject} every {where} is dedicated to another zone ({', '.join(zones)})"
    large = [
        i for i in open_ if ledger.cores[i] * ledger.cpu_ratio >= cpu and ledger.memory[i] * ledger.mem_ratio >= mem
    ]
    if not large:
        top_cpu = max(open_, key=lambda i: (ledger.cores[i], -i))
        top_mem = max(open_, key=lambda i: (ledger.memory[i], -i))
        return (
            f"needs {number(cpu)} vCPUs and {number(mem)} GiB; at the overcommit ceilings no {where} is that "
            f"large (at most {number(ledger.cores[top_cpu] * ledger.cpu_ratio)} vCPUs on "
            f"{ledger.hosts[top_cpu].id}, {number(ledger.memory[top_mem] * ledger.mem_ratio)} GiB on "
            f"{ledger.hosts[top_mem].id})"
        )
    apart = [i for i in large if group is None or not ledger.groups[i].get(group)]
    if not apart:
        return f"anti-affinity group {group} already on every {where} ({listing(ledger, large)})"
    cpu_room = [i for i in apart if ledger.free_cpu(i) >= cpu]
    mem_room = [i for i in apart if ledger.free_mem(i) >= mem]
    most_cpu = max(apart, key=lambda i: (ledger.free_cpu(i), -i))
    most_mem = max(apart, key=lambda i: (ledger.free_mem(i), -i))
    cpu_note = f"the most free has {number(max(ledger.free_cpu(most_cpu), 0))} vCPUs ({ledger.hosts[most_cpu].id})"
    mem_note = f"the most free has {number(max(ledger.free_mem(most_mem), 0))} GiB ({ledger.hosts[most_mem].id})"
    if not cpu_room and not mem_room:
        text = f"no {where} with {number(cpu)} free vCPUs or {number(mem)} GiB free memory; {cpu_note}, {mem_note}"
    elif not cpu_room:
        text = f"no {where} with {number(cpu)} free vCPUs; {cpu_note}"
    elif not mem_room:
        text = f"no {where} with {number(mem)} GiB free memory; {mem_note}"
    else:
        text = f"no {where} with both {number(cpu)} free vCPUs and {number(mem)} GiB free memory"
    if len(apart) < len(large):
        kept = set(apart)
        text += f" (anti-affinity group {group} rules out {listing(ledger, [i for i in large if i not in kept])})"
    return text


def reach(ledger: Ledger, v: int) -> tuple[list[int], str]:
    """The hosts VM ``v`` may be on at all (:meth:`Ledger.eligible`), and where that is in words.

    With no such host, the words say which rule left none: the VM's migration
    domain, its datastores, or type 2 hypervisors.
    """
    hosts = [i for i in ledger.candidates(v) if ledger.eligible(v, i)]
    scope = ledger.scope[v]
    where = ""
    if scope is not None and len(ledger.domain_names) > 1:
        name = ledger.domain_names[scope]
        where = f"in cluster {name}" if name is not None else "among the hosts without a cluster"
    if hosts:
        return hosts, where
    domain = list(range(len(ledger.hosts))) if scope is None else ledger.domain_hosts[scope]
    stores = ledger.stores[v]
    attached = [i for i in domain if stores is None or i in stores]
    if not attached:
        names = sorted({d.datastore for d in ledger.vms[v].disks})
        return [], f"its datastores ({', '.join(names)}) are attached to no common host {where}".rstrip()
    if ledger.origin[v] is not None:
        rule = "the advisor moves no VM onto a type 2 (hosted) hypervisor"
    else:
        rule = "a type 2 (hosted) hypervisor takes only a VM whose high-water mark is low"
    among = f" {where}" if where else ""
    return [], f"the only hosts its datastores reach{among} ({listing(ledger, attached)}) are type 2; {rule}"


def unplaced(ledger: Ledger, v: int) -> str:
    """Why VM ``v`` has no host at all under the hard constraints."""
    if not ledger.hosts:
        return "the inventory has no hosts"
    hosts, where = reach(ledger, v)
    if not hosts:
        return where
    zone = ledger.zone[v]
    what = "host" if zone is None else f"host open to zone {zone}"
    return no_room(ledger, v, hosts, f"{what} {where}".rstrip())


def stays_mixed(ledger: Ledger, v: int) -> str:
    """Why misfit VM ``v`` stays on a host whose zone conflicts with its own."""
    vm = ledger.vms[v]
    here = ledger.where[v]
    if ledger.pinned[v]:
        return f"{vm.id} (zone {ledger.zone[v]}) is pinned"
    hosts, where = reach(ledger, v)
    clean = [i for i in hosts if i != here and ledger.joins_cleanly(v, i)]
    return f"{vm.id} (zone {ledger.zone[v]}): " + no_room(
        ledger,
        v,
        clean,
        f"conflict-free host for it {where}".rstrip(),
        f"every other host {where + ' ' if where else ''}serves a zone that conflicts with it, and none is empty",
    )
