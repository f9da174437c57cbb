"""The inventory document, version 1, as marshmallow schemas.

These schemas are the single written form of the contract in
``shared/spec/inventory-v1.md``: field names, types, ranges, enumerations and
defaults. The API documents them in OpenAPI, and :mod:`planner.core.inventory.validate`
compiles them into the fast checker that every input path (API, CLI, importers)
runs. Cross-object rules (unique ids, references that must resolve) are not
expressible per field and live in the validator.

Unknown fields are rejected everywhere except under ``tags``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

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

ID_LENGTH = validate.Length(min=1, max=200)
VERSION_PATTERN = r"^[0-9]+(\.[0-9]+)*$"


def _id(**kw: Any) -> fields.String:
    return fields.String(required=True, validate=ID_LENGTH, **kw)


def _ref(**kw: Any) -> fields.String:
    """A reference to another object's id; ``null`` means absent."""
    return fields.String(load_default=None, allow_none=True, validate=ID_LENGTH, **kw)


def _name() -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


def _tags() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=200)),
        values=fields.String(validate=validate.Length(max=2000)),
        load_default=dict,
    )


def _unknown_bool() -> fields.Boolean:
    """A protection whose absence means "unknown" (reported as a gap)."""
    return fields.Boolean(load_default=None, allow_none=True)


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class SourceSchema(_Strict):
    system = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    exported_at = fields.DateTime(load_default=None, allow_none=True)


class PolicySchema(_Strict):
    zone_mixing = fields.String(load_default="forbid", validate=validate.OneOf(ZONE_MIXING))
    max_cpu_overcommit = fields.Float(load_default=4.0, validate=validate.Range(min=0, min_inclusive=False))
    max_memory_overcommit = fields.Float(load_default=1.0, validate=validate.Range(min=0, min_inclusive=False))
    patch_max_age_days = fields.Integer(load_default=90, strict=True, validate=validate.Range(min=0))
    min_hypervisor_versions = fields.Dict(
        keys=fields.String(validate=validate.OneOf(HYPERVISOR_PRODUCTS)),
        values=fields.String(validate=validate.Regexp(VERSION_PATTERN)),
        load_default=dict,
    )
    #: v1.1: "cluster" keeps the placement advisor's moves inside a VM's cluster (its
    #: live-migration domain); "estate" lets it move VMs anywhere.
    placement_scope = fields.String(load_default="cluster", validate=validate.OneOf(PLACEMENT_SCOPES))
    #: v1.1: a VM snapshot older than this many days (before as_of) is stale.
    snapshot_max_age_days = fields.Integer(load_default=7, strict=True, validate=validate.Range(min=0))


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
    version = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(VERSION_PATTERN))
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
    cpu_cores = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    memory_gib = fields.Float(required=True, validate=validate.Range(min=0))
    hypervisor = fields.Nested(HypervisorSchema, load_default=None, allow_none=True)
    management = fields.Nested(ManagementSchema, load_default=None, allow_none=True)
    settings = fields.Nested(HostSettingsSchema, load_default=None, allow_none=True)
    devices = fields.List(fields.Nested(DeviceSchema), load_default=list)
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
    networks = fields.List(fields.String(validate=ID_LENGTH), load_default=list)
    vm = _ref()
    tags = _tags()


class DatastoreSchema(_Strict):
    id = _id()
    name = _name()
    kind = fields.String(required=True, validate=validate.OneOf(DATASTORE_KINDS))
    encrypted = _unknown_bool()
    hosts = fields.List(fields.String(validate=ID_LENGTH), load_default=list)
    tags = _tags()


class CategorizationSchema(_Strict):
    confidentiality = fields.String(required=True, validate=validate.OneOf((*FIPS199_LEVELS, "n/a")))
    integrity = fields.String(required=True, validate=validate.OneOf(FIPS199_LEVELS))
    availability = fields.String(required=True, validate=validate.OneOf(FIPS199_LEVELS))


class NicSchema(_Strict):
    network = fields.String(required=True, validate=ID_LENGTH)


class DiskSchema(_Strict):
    datastore = fields.String(required=True, validate=ID_LENGTH)
    size_gib = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))


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
    vcpus = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    memory_gib = fields.Float(required=True, validate=validate.Range(min=0))
    categorization = fields.Nested(CategorizationSchema, load_default=None, allow_none=True)
    internet_facing = fields.Boolean(load_default=False)
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    os = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    nics = fields.List(fields.Nested(NicSchema), load_default=list)
    disks = fields.List(fields.Nested(DiskSchema), load_default=list)
    settings = fields.Nested(VmSettingsSchema, load_default=None, allow_none=True)
    devices = fields.List(fields.Nested(VmDeviceSchema), load_default=list)
    anti_affinity_group = fields.String(load_default=None, allow_none=True, validate=ID_LENGTH)
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
    zones = fields.List(fields.Nested(ZoneSchema), load_default=list)
    clusters = fields.List(fields.Nested(ClusterSchema), load_default=list)
    hosts = fields.List(fields.Nested(HostSchema), load_default=list)
    networks = fields.List(fields.Nested(NetworkSchema), load_default=list)
    appliances = fields.List(fields.Nested(ApplianceSchema), load_default=list)
    datastores = fields.List(fields.Nested(DatastoreSchema), load_default=list)
    vms = fields.List(fields.Nested(VmSchema), load_default=list)


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
