"""The inventory document's objects as tables, one per collection.

Every object row carries the caller's stable key (``ext_id``, the document's
``id``), its position in the document (so a read returns the order that was
written) and a digest of its content (so re-sending an unchanged object writes
nothing). References between objects are the referenced ``ext_id`` in a
``*_ref`` column, indexed with ``plan_id``. Lists inside an object (devices,
NICs, disks, an appliance's networks, a datastore's hosts) are child rows
ordered by ``position``. The optional hardening facts of inventory v1.1 (a
host's migration network and shell, a port group's security policy, a VM's
snapshots and firmware...) are read whole and never queried: each object
keeps them as the document states them, in one JSON ``hardening`` column
(see :data:`models.inventory_store.HARDENING_FIELDS`).

References carry no foreign-key constraint, on purpose. Integrity comes from
the single writer: every write (PUT, and PATCH after merging) validates the
*whole* resulting document, every reference included, with the plan row
locked, before one row is written, and the write is one transaction. Composite
foreign keys ``(plan_id, ref) -> (plan_id, ext_id)`` were tried and measured:
PostgreSQL's per-row key-share locks on a handful of hot rows (100,000 VMs
naming seven zones) made storing a 30,000-VM inventory 4x slower (15.5 s
against 3.8 s), putting the 100,000-VM target out of reach. Rows still belong
to their plan and their parent object through real, cascading foreign keys.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType

ID = String(200)


def _object_table_args(table: str, *refs: tuple[str, str]) -> tuple[UniqueConstraint | Index, ...]:
    """Unique key per plan, plus an index for each reference (see the module docstring)."""
    args: list[UniqueConstraint | Index] = [UniqueConstraint("plan_id", "ext_id")]
    for column, _target in refs:
        args.append(Index(f"ix_{table}_{column}", "plan_id", column))
    return tuple(args)


class _PlanObject:
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    ext_id: Mapped[str] = mapped_column(ID)
    position: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[dict] = mapped_column(JSONType)


class Zone(_PlanObject, Base):
    __tablename__ = "zones"
    __table_args__ = _object_table_args("zones")

    trust_level: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(20))


class Cluster(_PlanObject, Base):
    __tablename__ = "clusters"
    __table_args__ = _object_table_args("clusters")


class Network(_PlanObject, Base):
    __tablename__ = "networks"
    __table_args__ = _object_table_args("networks", ("zone_ref", "zones"))

    kind: Mapped[str] = mapped_column(String(20))
    vlan: Mapped[int | None] = mapped_column(Integer)
    zone_ref: Mapped[str | None] = mapped_column(ID)
    purpose: Mapped[str] = mapped_column(String(20))
    hardening: Mapped[dict | None] = mapped_column(JSONType)


class Host(_PlanObject, Base):
    __tablename__ = "hosts"
    __table_args__ = _object_table_args(
        "hosts", ("cluster_ref", "clusters"), ("management_network_ref", "networks"), ("dedicated_zone_ref", "zones")
    )

    cluster_ref: Mapped[str | None] = mapped_column(ID)
    cpu_cores: Mapped[int] = mapped_column(Integer)
    memory_gib: Mapped[float] = mapped_column(Float)
    hypervisor_product: Mapped[str | None] = mapped_column(String(20))
    hypervisor_type: Mapped[int | None] = mapped_column(Integer)
    hypervisor_version: Mapped[str | None] = mapped_column(String(100))
    hypervisor_patched_on: Mapped[dt.date | None] = mapped_column(Date)
    management_given: Mapped[bool] = mapped_column(Boolean)
    management_network_ref: Mapped[str | None] = mapped_column(ID)
    management_encrypted: Mapped[bool | None] = mapped_column(Boolean)
    settings_given: Mapped[bool] = mapped_column(Boolean)
    settings_time_sync: Mapped[bool | None] = mapped_column(Boolean)
    settings_remote_logging: Mapped[bool | None] = mapped_column(Boolean)
    settings_lockdown: Mapped[bool | None] = mapped_column(Boolean)
    settings_introspection: Mapped[bool | None] = mapped_column(Boolean)
    dedicated_zone_ref: Mapped[str | None] = mapped_column(ID)
    hardening: Mapped[dict | None] = mapped_column(JSONType)


class HostDevice(Base):
    __tablename__ = "host_devices"
    __table_args__ = (UniqueConstraint("host_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    connected: Mapped[bool] = mapped_column(Boolean)
    in_use: Mapped[bool] = mapped_column(Boolean)


class Datastore(_PlanObject, Base):
    __tablename__ = "datastores"
    __table_args__ = _object_table_args("datastores")

    kind: Mapped[str] = mapped_column(String(20))
    encrypted: Mapped[bool | None] = mapped_column(Boolean)


class DatastoreHost(Base):
    __tablename__ = "datastore_hosts"
    __table_args__ = (
        UniqueConstraint("datastore_id", "position"),
        Index("ix_datastore_hosts_host_ref", "plan_id", "host_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    datastore_id: Mapped[int] = mapped_column(ForeignKey("datastores.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    host_ref: Mapped[str] = mapped_column(ID)


class Vm(_PlanObject, Base):
    __tablename__ = "vms"
    __table_args__ = _object_table_args("vms", ("host_ref", "hosts"), ("zone_ref", "zones"))

    host_ref: Mapped[str | None] = mapped_column(ID)
    zone_ref: Mapped[str | None] = mapped_column(ID)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_gib: Mapped[float] = mapped_column(Float)
    confidentiality: Mapped[str | None] = mapped_column(String(10))
    integrity: Mapped[str | None] = mapped_column(String(10))
    availability: Mapped[str | None] = mapped_column(String(10))
    internet_facing: Mapped[bool] = mapped_column(Boolean)
    role: Mapped[str | None] = mapped_column(String(200))
    os: Mapped[str | None] = mapped_column(String(200))
    settings_given: Mapped[bool] = mapped_column(Boolean)
    settings_clipboard_sharing: Mapped[bool | None] = mapped_column(Boolean)
    settings_file_sharing: Mapped[bool | None] = mapped_column(Boolean)
    anti_affinity_group: Mapped[str | None] = mapped_column(ID)
    pinned: Mapped[bool] = mapped_column(Boolean)
    hardening: Mapped[dict | None] = mapped_column(JSONType)


class VmNic(Base):
    __tablename__ = "vm_nics"
    __table_args__ = (
        UniqueConstraint("vm_id", "position"),
        Index("ix_vm_nics_network_ref", "plan_id", "network_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vm_id: Mapped[int] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    network_ref: Mapped[str] = mapped_column(ID)


class VmDisk(Base):
    __tablename__ = "vm_disks"
    __table_args__ = (
        UniqueConstraint("vm_id", "position"),
        Index("ix_vm_disks_datastore_ref", "plan_id", "datastore_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vm_id: Mapped[int] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    datastore_ref: Mapped[str] = mapped_column(ID)
    size_gib: Mapped[float | None] = mapped_column(Float)


class VmDevice(Base):
    __tablename__ = "vm_devices"
    __table_args__ = (UniqueConstraint("vm_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vm_id: Mapped[int] = mapped_column(ForeignKey("vms.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    connected: Mapped[bool] = mapped_column(Boolean)
    in_use: Mapped[bool] = mapped_column(Boolean)


class Appliance(_PlanObject, Base):
    __tablename__ = "appliances"
    __table_args__ = _object_table_args("appliances", ("vm_ref", "vms"))

    kind: Mapped[str] = mapped_column(String(20))
    filtering: Mapped[bool] = mapped_column(Boolean)
    vm_ref: Mapped[str | None] = mapped_column(ID)


class ApplianceNetwork(Base):
    __tablename__ = "appliance_networks"
    __table_args__ = (
        UniqueConstraint("appliance_id", "position"),
        Index("ix_appliance_networks_network_ref", "plan_id", "network_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appliance_id: Mapped[int] = mapped_column(ForeignKey("appliances.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    network_ref: Mapped[str] = mapped_column(ID)
