"""Small inventory documents for the placement tests, and the hard-constraint check.

Documents carry only what placement reads (zones, hosts' size and dedicated
zone, VMs' size, zone, group, pinning, exposure); everything else takes the
contract's defaults.
"""

from __future__ import annotations

from planner.core.inventory import load_estate


def host(
    hid: str,
    cores: int = 4,
    memory: float = 64,
    dedicated: str | None = None,
    cluster: str | None = None,
    hosted: bool = False,
) -> dict:
    doc = {"id": hid, "cpu_cores": cores, "memory_gib": memory, "dedicated_zone": dedicated, "cluster": cluster}
    if hosted:
        doc["hypervisor"] = {"product": "other", "type": 2}
    return doc


def vm(
    vid: str,
    on: str | None,
    zone: str | None = "a",
    vcpus: int = 1,
    memory: float = 8,
    group: str | None = None,
    pinned: bool = False,
    internet: bool = False,
    level: str | None = None,
    stores: tuple[str, ...] = (),
) -> dict:
    doc = {
        "id": vid,
        "host": on,
        "zone": zone,
        "vcpus": vcpus,
        "memory_gib": memory,
        "anti_affinity_group": group,
        "pinned": pinned,
        "internet_facing": internet,
        "disks": [{"datastore": d, "size_gib": 10} for d in stores],
    }
    if level:
        doc["categorization"] = {"confidentiality": level, "integrity": level, "availability": "low"}
    return doc


def document(
    hosts: list[dict],
    vms: list[dict],
    zones: dict[str, int] | None = None,
    mixing: str = "forbid",
    cpu: float = 4.0,
    memory: float = 1.0,
    datastores: dict[str, list[str]] | None = None,
    scope: str = "cluster",
) -> dict:
    zones = zones if zones is not None else {"a": 2, "b": 2, "c": 3}
    clusters = sorted({h["cluster"] for h in hosts if h.get("cluster")})
    return {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "policy": {
            "zone_mixing": mixing,
            "max_cpu_overcommit": cpu,
            "max_memory_overcommit": memory,
            "placement_scope": scope,
        },
        "zones": [{"id": z, "trust_level": t} for z, t in zones.items()],
        "clusters": [{"id": c} for c in clusters],
        "hosts": hosts,
        "datastores": [{"id": d, "kind": "vmfs", "hosts": on} for d, on in (datastores or {}).items()],
        "vms": vms,
    }


def estate(*args, **kw):
    return load_estate(document(*args, **kw))


def conflict(estate, zones) -> bool:
    known = {z for z in zones if z is not None}
    if len(known) < 2:
        return False
    if estate.policy.zone_mixing == "forbid":
        return True
    levels = [estate.zones[z].trust_level for z in known]
    return max(levels) - min(levels) > 1


def low(vm) -> bool:
    c = vm.categorization
    return c is not None and all(x in ("low", "n/a") for x in (c.confidentiality, c.integrity, c.availability))


def broken_constraints(estate, placement: dict[str, str]) -> list[str]:
    """Hard constraints the placement breaks on hosts where not only pinned VMs break them,
    and where-it-may-go rules of v1.1 (cluster scope, datastores, type 2) it breaks."""
    p = estate.policy
    out = []
    for vid, hid in placement.items():
        vm, h = estate.vms[vid], estate.hosts.get(hid)
        if h is None or vm.host == hid:
            continue  # a VM may always stay where it is
        if vm.host is not None and p.placement_scope == "cluster" and estate.hosts[vm.host].cluster != h.cluster:
            out.append(f"{vid} leaves cluster {estate.hosts[vm.host].cluster} for {hid}")
        for disk in vm.disks:
            reach = estate.datastores[disk.datastore].hosts
            if reach and hid not in reach:
                out.append(f"{vid} on {hid}, which datastore {disk.datastore} is not attached to")
        if h.hypervisor is not None and h.hypervisor.type == 2 and (vm.host is not None or not low(vm)):
            out.append(f"{vid} onto type 2 host {hid}")
    for h in estate.hosts.values():
        vms = [estate.vms[v] for v, hid in placement.items() if hid == h.id]
        pinned = [v for v in vms if v.pinned and v.host == h.id]
        for v in vms:
            if h.dedicated_zone is not None and v.zone != h.dedicated_zone and v not in pinned:
                out.append(f"{v.id} on {h.id} dedicated to {h.dedicated_zone}")
        groups: dict[str, list] = {}
        for v in vms:
            if v.anti_affinity_group:
                groups.setdefault(v.anti_affinity_group, []).append(v)
        for g, members in groups.items():
            if len(members) > 1 and not all(m in pinned for m in members):
                out.append(f"group {g} twice on {h.id}")
        cpu, mem = sum(v.vcpus for v in vms), sum(v.memory_gib for v in vms)
        over = cpu / h.cpu_cores > p.max_cpu_overcommit or (
            mem / h.memory_gib > p.max_memory_overcommit if h.memory_gib else mem > 0
        )
        if over and len(vms) > len(pinned):
            out.append(f"{h.id} over its ceilings")
    return out
