"""The estate: an inventory document as plain typed objects.

Built from a *validated* document (see :func:`planner.core.inventory.load`), so
every reference resolves; objects refer to each other by id, and
:class:`Estate` indexes each collection by id. Nothing here knows about Flask
or databases. Slots keep a 100,000-VM estate small in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Policy:
    zone_mixing: str = "forbid"
    max_cpu_overcommit: float = 4.0
    max_memory_overcommit: float = 1.0
    patch_max_age_days: int = 90
    min_hypervisor_versions: dict[str, str] = field(default_factory=dict)
    placement_scope: str = "cluster"
    snapshot_max_age_days: int = 7


@dataclass(slots=True)
class Zone:
    id: str
    trust_level: int
    purpose: str = "workload"
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(slots=True)
class Cluster:
    id: str
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Device:
    kind: str
    connected: bool
    in_use: bool = False


@dataclass(slots=True)
class Hypervisor:
    product: str
    type: int
    version: str | None = None
    patched_on: dt.date | None = None
    end_of_support: dt.date | None = None


@dataclass(slots=True)
class Management:
    network: str | None = None
    encrypted: bool | None = None


@dataclass(slots=True)
class Migration:
    """Where a host's live migration runs, and whether its traffic is encrypted (v1.1)."""

    network: str | None = None
    encrypted: bool | None = None


@dataclass(slots=True)
class HostSettings:
    time_sync: bool | None = None
    remote_logging: bool | None = None
    lockdown: bool | None = None
    introspection: bool | None = None
    shell: bool | None = None
    inter_vm_page_sharing: bool | None = None


@dataclass(slots=True)
class Host:
    id: str
    cpu_cores: int
    memory_gib: float
    cluster: str | None = None
    hypervisor: Hypervisor | None = None
    management: Management | None = None
    settings: HostSettings | None = None
    devices: list[Device] = field(default_factory=list)
    dedicated_zone: str | None = None
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    migration: Migration | None = None
    #: Physical NICs carrying guest traffic; None when not given.
    uplinks: int | None = None


@dataclass(slots=True)
class SecurityPolicy:
    """A port group's virtual switch security policy (v1.1); true is permissive."""

    promiscuous: bool | None = None
    mac_changes: bool | None = None
    forged_transmits: bool | None = None


@dataclass(slots=True)
class Network:
    id: str
    kind: str
    zone: str | None = None
    purpose: str = "guest"
    vlan: int | None = None
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    security_policy: SecurityPolicy | None = None


@dataclass(slots=True)
class Appliance:
    id: str
    kind: str
    filtering: bool
    networks: list[str] = field(default_factory=list)
    vm: str | None = None
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Datastore:
    id: str
    kind: str
    encrypted: bool | None = None
    hosts: list[str] = field(default_factory=list)
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Categorization:
    confidentiality: str
    integrity: str
    availability: str


@dataclass(slots=True)
class Nic:
    network: str


@dataclass(slots=True)
class Disk:
    datastore: str
    size_gib: float | None = None


@dataclass(slots=True)
class VmSettings:
    clipboard_sharing: bool | None = None
    file_sharing: bool | None = None


@dataclass(slots=True)
class Snapshot:
    id: str
    created: dt.date


@dataclass(slots=True)
class Firmware:
    """Guest firmware protections (v1.1)."""

    secure_boot: bool | None = None
    vtpm: bool | None = None


@dataclass(slots=True)
class Vm:
    id: str
    vcpus: int
    memory_gib: float
    host: str | None = None
    zone: str | None = None
    categorization: Categorization | None = None
    internet_facing: bool = False
    role: str | None = None
    os: str | None = None
    nics: list[Nic] = field(default_factory=list)
    disks: list[Disk] = field(default_factory=list)
    settings: VmSettings | None = None
    devices: list[Device] = field(default_factory=list)
    anti_affinity_group: str | None = None
    pinned: bool = False
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    firmware: Firmware | None = None


@dataclass(slots=True)
class Estate:
    """A whole inventory. Collections are dicts by id, in document order."""

    as_of: dt.date
    policy: Policy
    zones: dict[str, Zone]
    clusters: dict[str, Cluster]
    hosts: dict[str, Host]
    networks: dict[str, Network]
    appliances: dict[str, Appliance]
    datastores: dict[str, Datastore]
    vms: dict[str, Vm]
    source: dict[str, Any] | None = None


def _devices(items: list[dict[str, Any]]) -> list[Device]:
    return [Device(d["kind"], d["connected"], d["in_use"]) for d in items]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def estate_from_document(doc: dict[str, Any], today: dt.date | None = None) -> Estate:
    """Typed objects from a normalized, validated document."""
    p = doc["policy"]
    policy = Policy(
        p["zone_mixing"],
        p["max_cpu_overcommit"],
        p["max_memory_overcommit"],
        p["patch_max_age_days"],
        dict(p["min_hypervisor_versions"]),
        p["placement_scope"],
        p["snapshot_max_age_days"],
    )
    zones = {z["id"]: Zone(z["id"], z["trust_level"], z["purpose"], z["name"], z["tags"]) for z in doc["zones"]}
    clusters = {c["id"]: Cluster(c["id"], c["name"], c["tags"]) for c in doc["clusters"]}
    hosts = {}
    for h in doc["hosts"]:
        hv, mg, st, mi = h["hypervisor"], h["management"], h["settings"], h["migration"]
        hosts[h["id"]] = Host(
            h["id"],
            h["cpu_cores"],
            h["memory_gib"],
            h["cluster"],
            Hypervisor(hv["product"], hv["type"], hv["version"], _date(hv["patched_on"]), _date(hv["end_of_support"]))
            if hv
            else None,
            Management(mg["network"], mg["encrypted"]) if mg else None,
            HostSettings(
                st["time_sync"],
                st["remote_logging"],
                st["lockdown"],
                st["introspection"],
                st["shell"],
                st["inter_vm_page_sharing"],
            )
            if st
            else None,
            _devices(h["devices"]),
            h["dedicated_zone"],
            h["name"],
            h["tags"],
            Migration(mi["network"], mi["encrypted"]) if mi else None,
            h["uplinks"],
        )
    networks = {}
    for n in doc["networks"]:
        sp = n["security_policy"]
        networks[n["id"]] = Network(
            n["id"],
            n["kind"],
            n["zone"],
            n["purpose"],
            n["vlan"],
            n["name"],
            n["tags"],
            SecurityPolicy(sp["promiscuous"], sp["mac_changes"], sp["forged_transmits"]) if sp else None,
        )
    appliances = {
        a["id"]: Appliance(a["id"], a["kind"], a["filtering"], list(a["networks"]), a["vm"], a["name"], a["tags"])
        for a in doc["appliances"]
    }
    datastores = {
        d["id"]: Datastore(d["id"], d["kind"], d["encrypted"], list(d["hosts"]), d["name"], d["tags"])
        for d in doc["datastores"]
    }
    vms = {}
    for v in doc["vms"]:
        c, st, fw = v["categorization"], v["settings"], v["firmware"]
        vms[v["id"]] = Vm(
            v["id"],
            v["vcpus"],
            v["memory_gib"],
            v["host"],
            v["zone"],
            Categorization(c["confidentiality"], c["integrity"], c["availability"]) if c else None,
            v["internet_facing"],
            v["role"],
            v["os"],
            [Nic(n["network"]) for n in v["nics"]],
            [Disk(d["datastore"], d["size_gib"]) for d in v["disks"]],
            VmSettings(st["clipboard_sharing"], st["file_sharing"]) if st else None,
            _devices(v["devices"]),
            v["anti_affinity_group"],
            v["pinned"],
            v["name"],
            v["tags"],
            [Snapshot(s["id"], dt.date.fromisoformat(s["created"])) for s in v["snapshots"]],
            Firmware(fw["secure_boot"], fw["vtpm"]) if fw else None,
        )
    as_of = _date(doc["as_of"]) or today or dt.date.today()
    return Estate(as_of, policy, zones, clusters, hosts, networks, appliances, datastores, vms, doc["source"])
