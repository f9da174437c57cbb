"""The inventory document, version 1, as marshmallow schemas.

These schemas are the single written form of the contract in
``shared/spec/inventory-v1.md``: field names, types, ranges, enumerations and
defaults. The API documents them in OpenAPI, and :mod:`planner.core.inventory.validate`
compiles them into the fast checker that every input path (API, CLI, importers)
runs. Cross-object rules (unique ids, references that must resolve) are not
expressible per field and live in the validator.

Unknown fields are rejected everywhere except under ``tags``. Every number
and every collection has an upper bound (docs/inventory-limits.md), so a
document means the same on SQLite and PostgreSQL and its size stays in
proportion to a real estate; every text keeps the rule of :mod:`planner.core.text`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from planner.core.text import Text

SCHEMA_ID = "virtplan.inventory/v1"

TRUST_LEVELS = (0, 1, 2, 3, 4)
ZONE_PURPOSES = ("workload", "management", "storage", "external")
HYPERVISOR_PRODUCTS = ("esxi", "hyper-v", "kvm", "xen", "proxmox", "nutanix-ahv", "other")
DEVICE_KINDS = ("usb", "optical", "floppy", "serial", "parallel", "nic", "hba", "other")
#: A VM's devices may also be a physical PCI device handed to the guest (v1.1).
VM_DEVICE_KINDS = (*DEVICE_KINDS, "pci-passthrough")
NETWORK_KINDS = ("vlan", "portgroup", "overlay", "physical", "internet")
NETWORK_PURPOSES = ("guest", "management", "storage", "migration", "backup", "internet")
APPLIANCE_KINDS = ("firewall", "router", "gateway", "ids", "ips", "load_balancer")
FILTERING_BY_DEFAULT = ("firewall", "ips")
DATASTORE_KINDS = ("vmfs", "nfs", "vsan", "iscsi", "fc", "local", "other")
FIPS199_LEVELS = ("low", "moderate", "high")
ZONE_MIXING = ("forbid", "adjacent")
PLACEMENT_SCOPES = ("cluster", "estate")

#: Policy defaults, as the spec states them.
POLICY_DEFAULTS = {
    "zone_mixing": "forbid",
    "max_cpu_overcommit": 4.0,
    "max_memory_overcommit": 1.0,
    "patch_max_age_days": 90,
    "min_hypervisor_versions": {},
    "placement_scope": "cluster",
    "snapshot_max_age_days": 7,
}
#: Physical NICs a host may declare (``uplinks``); no server has more.
MAX_UPLINKS = 64
#: Snapshots a VM may list.
MAX_SNAPSHOTS = 1000

VERSION_PATTERN = r"^[0-9]+(\.[0-9]+)*$"

# -- Upper bounds (docs/inventory-limits.md states them for users) ----------------
#: Objects per collection.
MAX_OBJECTS = {
    "zones": 1_000,
    "clusters": 10_000,
    "hosts": 20_000,
    "networks": 20_000,
    "appliances": 10_000,
    "datastores": 20_000,
    "vms": 200_000,
}
MAX_CPU_CORES = 4_096
MAX_VCPUS = 768
MAX_MEMORY_GIB = 1_048_576  # 1 PiB
MAX_DISK_GIB = 1_048_576
MAX_OVERCOMMIT = 1_000
MAX_AGE_DAYS = 36_500  # a hundred years
MAX_DEVICES = 64
MAX_NICS = 64
MAX_DISKS = 256
MAX_TAGS = 100
MAX_APPLIANCE_NETWORKS = 4_094
MAX_ID = 200
MAX_NAME = 500
MAX_TEXT_FIELD = 200
MAX_TAG_VALUE = 2_000
MAX_VERSION = 100
#: An ISO 8601 date-time is at most this long (2026-11-01T10:00:00.123456+05:00 is 32).
MAX_DATETIME = 40

ID_LENGTH = validate.Length(min=1, max=MAX_ID)


def _ids() -> list[validate.Validator]:
    """An id, or a reference to another object's id: a single line of 1 to 200 characters."""
    return [ID_LENGTH, Text()]


def _line(max_length: int) -> list[validate.Validator]:
    return [validate.Length(max=max_length), Text()]


def _id(**kw: Any) -> fields.String:
    return fields.String(required=True, validate=_ids(), **kw)


def _ref(**kw: Any) -> fields.String:
    """A reference to another object's id; ``null`` means absent."""
    return fields.String(load_default=None, allow_none=True, validate=_ids(), **kw)


def _name() -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=_line(MAX_NAME))


def _tags() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=[validate.Length(min=1, max=MAX_ID), Text()]),
        values=fields.String(validate=[validate.Length(max=MAX_TAG_VALUE), Text(multiline=True)]),
        load_default=dict,
        validate=validate.Length(max=MAX_TAGS),
    )


def _list(inner: fields.Field[Any], max_items: int) -> fields.List[Any]:
    return fields.List(inner, load_default=list, validate=validate.Length(max=max_items))


def _version(**kw: Any) -> fields.String:
    return fields.String(validate=[validate.Length(max=MAX_VERSION), validate.Regexp(VERSION_PATTERN), Text()], **kw)


def _unknown_bool() -> fields.Boolean:
    """A protection whose absence means "unknown" (reported as a gap)."""
    return fields.Boolean(load_default=None, allow_none=True)


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class SourceSchema(_Strict):
    system = fields.String(load_default=None, allow_none=True, validate=_line(MAX_TEXT_FIELD))
    exported_at = fields.DateTime(load_default=None, allow_none=True)


class PolicySchema(_Strict):
    zone_mixing = fields.String(load_default="forbid", validate=validate.OneOf(ZONE_MIXING))
    max_cpu_overcommit = fields.Float(
        load_default=4.0, validate=validate.Range(min=0, min_inclusive=False, max=MAX_OVERCOMMIT)
    )
    max_memory_overcommit = fields.Float(
        load_default=1.0, validate=validate.Range(min=0, min_inclusive=False, max=MAX_OVERCOMMIT)
    )
    patch_max_age_days = fields.Integer(load_default=90, strict=True, validate=validate.Range(min=0, max=MAX_AGE_DAYS))
    min_hypervisor_versions = fields.Dict(
        keys=fields.String(validate=validate.OneOf(HYPERVISOR_PRODUCTS)),
        values=_version(),
        load_default=dict,
        validate=validate.Length(max=len(HYPERVISOR_PRODUCTS)),
    )
    #: v1.1: "cluster" keeps the placement advisor's moves inside a VM's cluster (its
    #: live-migration domain); "estate" lets it move VMs anywhere.
    placement_scope = fields.String(load_default="cluster", validate=validate.OneOf(PLACEMENT_SCOPES))
    #: v1.1: a VM snapshot older than this many days (before as_of) is stale.
    snapshot_max_age_days = fields.Integer(
        load_default=7, strict=True, validate=validate.Range(min=0, max=MAX_AGE_DAYS)
    )


class ZoneSchema(_Strict):
    id = _id()
    name = _name()
    trust_level = fields.Integer(required=True, strict=True, validate=validate.OneOf(TRUST_LEVELS))
    purpose = fields.String(load_default="workload", validate=validate.OneOf(ZONE_PURPOSES))
    tags = _tags()


class ClusterSchema(_Strict):
    id = _id()
    name = _name()
    tags = _tags()


class HypervisorSchema(_Strict):
    product = fields.String(required=True, validate=validate.OneOf(HYPERVISOR_PRODUCTS))
    type = fields.Integer(required=True, strict=True, validate=validate.OneOf((1, 2)))
    version = _version(load_default=None, allow_none=True)
    patched_on = fields.Date(load_default=None, allow_none=True)
    #: v1.1: the vendor's end of general support for the running version.
    end_of_support = fields.Date(load_default=None, allow_none=True)


class ManagementSchema(_Strict):
    network = _ref()
    encrypted = _unknown_bool()


class HostSettingsSchema(_Strict):
    time_sync = _unknown_bool()
    remote_logging = _unknown_bool()
    lockdown = _unknown_bool()
    introspection = _unknown_bool()
    # v1.1
    shell = _unknown_bool()
    inter_vm_page_sharing = _unknown_bool()


class MigrationSchema(_Strict):
    """v1.1: the network live migration uses, and whether its traffic is encrypted."""

    network = _ref()
    encrypted = _unknown_bool()


class DeviceSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(DEVICE_KINDS))
    connected = fields.Boolean(required=True)
    in_use = fields.Boolean(load_default=False)


class VmDeviceSchema(DeviceSchema):
    kind = fields.String(required=True, validate=validate.OneOf(VM_DEVICE_KINDS))


class HostSchema(_Strict):
    id = _id()
    name = _name()
    cluster = _ref()
    cpu_cores = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_CPU_CORES))
    memory_gib = fields.Float(required=True, validate=validate.Range(min=0, max=MAX_MEMORY_GIB))
    hypervisor = fields.Nested(HypervisorSchema, load_default=None, allow_none=True)
    management = fields.Nested(ManagementSchema, load_default=None, allow_none=True)
    settings = fields.Nested(HostSettingsSchema, load_default=None, allow_none=True)
    devices = _list(fields.Nested(DeviceSchema), MAX_DEVICES)
    dedicated_zone = _ref()
    tags = _tags()
    # v1.1
    migration = fields.Nested(MigrationSchema, load_default=None, allow_none=True)
    uplinks = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=MAX_UPLINKS)
    )


class SecurityPolicySchema(_Strict):
    """v1.1: a virtual switch port group's security policy; true is the permissive (unsafe) value."""

    promiscuous = _unknown_bool()
    mac_changes = _unknown_bool()
    forged_transmits = _unknown_bool()


class NetworkSchema(_Strict):
    id = _id()
    name = _name()
    kind = fields.String(required=True, validate=validate.OneOf(NETWORK_KINDS))
    vlan = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=4094))
    zone = _ref()
    purpose = fields.String(load_default="guest", validate=validate.OneOf(NETWORK_PURPOSES))
    tags = _tags()
    # v1.1
    security_policy = fields.Nested(SecurityPolicySchema, load_default=None, allow_none=True)


class ApplianceSchema(_Strict):
    id = _id()
    name = _name()
    kind = fields.String(required=True, validate=validate.OneOf(APPLIANCE_KINDS))
    #: Defaults by kind (true for firewall and ips); the validator fills it in.
    filtering = fields.Boolean(load_default=None, allow_none=True)
    networks = _list(fields.String(validate=_ids()), MAX_APPLIANCE_NETWORKS)
    vm = _ref()
    tags = _tags()


class DatastoreSchema(_Strict):
    id = _id()
    name = _name()
    kind = fields.String(required=True, validate=validate.OneOf(DATASTORE_KINDS))
    encrypted = _unknown_bool()
    hosts = _list(fields.String(validate=_ids()), MAX_OBJECTS["hosts"])
    tags = _tags()


class CategorizationSchema(_Strict):
    confidentiality = fields.String(required=True, validate=validate.OneOf((*FIPS199_LEVELS, "n/a")))
    integrity = fields.String(required=True, validate=validate.OneOf(FIPS199_LEVELS))
    availability = fields.String(required=True, validate=validate.OneOf(FIPS199_LEVELS))


class NicSchema(_Strict):
    network = fields.String(required=True, validate=_ids())


class DiskSchema(_Strict):
    datastore = fields.String(required=True, validate=_ids())
    size_gib = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_DISK_GIB))


class VmSettingsSchema(_Strict):
    clipboard_sharing = _unknown_bool()
    file_sharing = _unknown_bool()


class SnapshotSchema(_Strict):
    """v1.1: one snapshot of a VM."""

    id = _id()
    created = fields.Date(required=True)


class FirmwareSchema(_Strict):
    """v1.1: the guest firmware's protections."""

    secure_boot = _unknown_bool()
    vtpm = _unknown_bool()


class VmSchema(_Strict):
    id = _id()
    name = _name()
    host = _ref()
    zone = _ref()
    vcpus = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_VCPUS))
    memory_gib = fields.Float(required=True, validate=validate.Range(min=0, max=MAX_MEMORY_GIB))
    categorization = fields.Nested(CategorizationSchema, load_default=None, allow_none=True)
    internet_facing = fields.Boolean(load_default=False)
    role = fields.String(load_default=None, allow_none=True, validate=_line(MAX_TEXT_FIELD))
    os = fields.String(load_default=None, allow_none=True, validate=_line(MAX_TEXT_FIELD))
    nics = _list(fields.Nested(NicSchema), MAX_NICS)
    disks = _list(fields.Nested(DiskSchema), MAX_DISKS)
    settings = fields.Nested(VmSettingsSchema, load_default=None, allow_none=True)
    devices = _list(fields.Nested(VmDeviceSchema), MAX_DEVICES)
    anti_affinity_group = fields.String(load_default=None, allow_none=True, validate=_ids())
    pinned = fields.Boolean(load_default=False)
    tags = _tags()
    # v1.1
    snapshots = fields.List(
        fields.Nested(SnapshotSchema), load_default=list, validate=validate.Length(max=MAX_SNAPSHOTS)
    )
    firmware = fields.Nested(FirmwareSchema, load_default=None, allow_none=True)


class InventorySchema(_Strict):
    schema = fields.String(required=True, validate=validate.Equal(SCHEMA_ID))
    as_of = fields.Date(load_default=None, allow_none=True)
    source = fields.Nested(SourceSchema, load_default=None, allow_none=True)
    policy = fields.Nested(PolicySchema, load_default=None, allow_none=True)
    zones = _list(fields.Nested(ZoneSchema), MAX_OBJECTS["zones"])
    clusters = _list(fields.Nested(ClusterSchema), MAX_OBJECTS["clusters"])
    hosts = _list(fields.Nested(HostSchema), MAX_OBJECTS["hosts"])
    networks = _list(fields.Nested(NetworkSchema), MAX_OBJECTS["networks"])
    appliances = _list(fields.Nested(ApplianceSchema), MAX_OBJECTS["appliances"])
    datastores = _list(fields.Nested(DatastoreSchema), MAX_OBJECTS["datastores"])
    vms = _list(fields.Nested(VmSchema), MAX_OBJECTS["vms"])


#: The collections of the document, in an order where every reference points
#: backwards (zones before the networks that name them, and so on). Storage
#: writes in this order and deletes in reverse.
COLLECTIONS = ("zones", "clusters", "networks", "hosts", "datastores", "vms", "appliances")

#: Which collection each reference field points into: (collection, field path) -> target.
REFERENCES = {
    ("hosts", "cluster"): "clusters",
    ("hosts", "management.network"): "networks",
    ("hosts", "migration.network"): "networks",
    ("hosts", "dedicated_zone"): "zones",
    ("networks", "zone"): "zones",
    ("appliances", "networks[]"): "networks",
    ("appliances", "vm"): "vms",
    ("datastores", "hosts[]"): "hosts",
    ("vms", "host"): "hosts",
    ("vms", "zone"): "zones",
    ("vms", "nics[].network"): "networks",
    ("vms", "disks[].datastore"): "datastores",
}
