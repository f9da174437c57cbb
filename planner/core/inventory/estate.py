"""The estate: an inventory document as plain typed objects.

Built from a *validated* document (see :func:`planner.core.inventory.load_estate`),
so every reference resolves; objects refer to each other by id, and
:class:`Estate` indexes each collection by id. Nothing here knows about Flask
or databases. Slots keep a 100,000-VM estate small in memory.

Each class has the fields of its object in the contract (:mod:`.schema`), in
the contract's order and with its defaults (a test holds them to it), so a
document decodes straight into them (:mod:`.document`) and they encode back
to the document's canonical JSON. Keyword-only: the fields keep the
contract's order, where optional ones come before required ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, kw_only=True)
class Policy:
    zone_mixing: str = "forbid"
    max_cpu_overcommit: float = 4.0
    max_memory_overcommit: float = 1.0
    patch_max_age_days: int = 90
    min_hypervisor_versions: dict[str, str] = field(default_factory=dict)
    placement_scope: str = "cluster"
    snapshot_max_age_days: int = 7


@dataclass(slots=True, kw_only=True)
class Source:
    system: str | None = None
    exported_at: str | None = None


@dataclass(slots=True, kw_only=True)
class Zone:
    id: str
    name: str | None = None
    trust_level: int
    purpose: str = "workload"
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(slots=True, kw_only=True)
class Cluster:
    id: str
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Device:
    kind: str
    connected: bool
    in_use: bool = False


@dataclass(slots=True, kw_only=True)
class Hypervisor:
    product: str
    type: int
    version: str | None = None
    patched_on: dt.date | None = None
    end_of_support: dt.date | None = None


@dataclass(slots=True, kw_only=True)
class Management:
    network: str | None = None
    encrypted: bool | None = None


@dataclass(slots=True, kw_only=True)
class Migration:
    """Where a host's live migration runs, and whether its traffic is encrypted (v1.1)."""

    network: str | None = None
    encrypted: bool | None = None


@dataclass(slots=True, kw_only=True)
class HostSettings:
    time_sync: bool | None = None
    remote_logging: bool | None = None
    lockdown: bool | None = None
    introspection: bool | None = None
    shell: bool | None = None
    inter_vm_page_sharing: bool | None = None


@dataclass(slots=True, kw_only=True)
class Host:
    id: str
    name: str | None = None
    cluster: str | None = None
    cpu_cores: int
    memory_gib: float
    hypervisor: Hypervisor | None = None
    management: Management | None = None
    settings: HostSettings | None = None
    devices: list[Device] = field(default_factory=list)
    dedicated_zone: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    migration: Migration | None = None
    #: Physical NICs carrying guest traffic; None when not given.
    uplinks: int | None = None


@dataclass(slots=True, kw_only=True)
class SecurityPolicy:
    """A port group's virtual switch security policy (v1.1); true is permissive."""

    promiscuous: bool | None = None
    mac_changes: bool | None = None
    forged_transmits: bool | None = None


@dataclass(slots=True, kw_only=True)
class Network:
    id: str
    name: str | None = None
    kind: str
    vlan: int | None = None
    zone: str | None = None
    purpose: str = "guest"
    tags: dict[str, str] = field(default_factory=dict)
    security_policy: SecurityPolicy | None = None


@dataclass(slots=True, kw_only=True)
class Appliance:
    id: str
    name: str | None = None
    kind: str
    #: Whether it filters traffic; absent in a document means by kind, which loading fills in.
    filtering: bool | None = None
    networks: list[str] = field(default_factory=list)
    vm: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Datastore:
    id: str
    name: str | None = None
    kind: str
    encrypted: bool | None = None
    hosts: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Categorization:
    confidentiality: str
    integrity: str
    availability: str


@dataclass(slots=True, kw_only=True)
class Nic:
    network: str


@dataclass(slots=True, kw_only=True)
class Disk:
    datastore: str
    size_gib: float | None = None


@dataclass(slots=True, kw_only=True)
class VmSettings:
    clipboard_sharing: bool | None = None
    file_sharing: bool | None = None


@dataclass(slots=True, kw_only=True)
class Snapshot:
    id: str
    created: dt.date


@dataclass(slots=True, kw_only=True)
class Firmware:
    """Guest firmware protections (v1.1)."""

    secure_boot: bool | None = None
    vtpm: bool | None = None


@dataclass(slots=True, kw_only=True)
class Vm:
    id: str
    name: str | None = None
    host: str | None = None
    zone: str | None = None
    vcpus: int
    memory_gib: float
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


@dataclass(slots=True, kw_only=True)
class InventoryDocument:
    """A normalized inventory document as typed objects: the document's own
    shape (collections as lists, in document order), from which the
    :class:`Estate` is indexed. Encoded as JSON it is the document's canonical
    form (see :mod:`.document`)."""

    schema: str
    as_of: dt.date | None = None
    source: Source | None = None
    policy: Policy | None = None
    zones: list[Zone] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    hosts: list[Host] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    appliances: list[Appliance] = field(default_factory=list)
    datastores: list[Datastore] = field(default_factory=list)
    vms: list[Vm] = field(default_factory=list)

    def estate(self, today: dt.date | None = None) -> Estate:
        """The estate of this (normalized) document: each collection indexed by id."""
        s = self.source
        return Estate(
            self.as_of or today or dt.date.today(),
            self.policy or Policy(),
            {z.id: z for z in self.zones},
            {c.id: c for c in self.clusters},
            {h.id: h for h in self.hosts},
            {n.id: n for n in self.networks},
            {a.id: a for a in self.appliances},
            {d.id: d for d in self.datastores},
            {v.id: v for v in self.vms},
            None if s is None else {"system": s.system, "exported_at": s.exported_at},
        )
