"""Small inventory documents for the analysis tests.

:func:`clean_document` is fully specified and breaks no rule, so a test
changes one thing and looks for exactly the finding that change causes.
"""

from __future__ import annotations

import copy

from planner.core.analysis import analyze
from planner.core.inventory import load_estate

_SETTINGS = {"time_sync": True, "remote_logging": True, "lockdown": True, "introspection": False}


def _host(hid: str, zone: str) -> dict:
    return {
        "id": hid,
        "cluster": "c1",
        "cpu_cores": 32,
        "memory_gib": 256,
        "dedicated_zone": zone,
        "hypervisor": {"product": "esxi", "type": 1, "version": "8.0.3", "patched_on": "2026-10-01"},
        "management": {"network": "net-mgmt", "encrypted": True},
        "settings": dict(_SETTINGS),
        "devices": [],
    }


def _vm(vid: str, host: str | None, zone: str, net: str, ds: str, level: str = "moderate", **extra) -> dict:
    vm = {
        "id": vid,
        "host": host,
        "zone": zone,
        "vcpus": 4,
        "memory_gib": 16,
        "categorization": {"confidentiality": level, "integrity": level, "availability": "low"},
        "nics": [{"network": net}],
        "disks": [{"datastore": ds, "size_gib": 40}],
        "settings": {"clipboard_sharing": False, "file_sharing": False},
    }
    vm.update(extra)
    return vm


_CLEAN = {
    "schema": "virtplan.inventory/v1",
    "as_of": "2026-11-01",
    "policy": {"zone_mixing": "forbid", "min_hypervisor_versions": {"esxi": "8.0.2"}},
    "zones": [
        {"id": "internet", "trust_level": 0, "purpose": "external"},
        {"id": "dmz", "trust_level": 1},
        {"id": "internal", "trust_level": 2},
        {"id": "restricted", "trust_level": 3},
        {"id": "mgmt", "trust_level": 3, "purpose": "management"},
    ],
    "clusters": [{"id": "c1"}],
    "networks": [
        {"id": "net-mgmt", "kind": "vlan", "vlan": 10, "zone": "mgmt", "purpose": "management"},
        {"id": "net-internet", "kind": "internet", "zone": "internet", "purpose": "internet"},
        {"id": "pg-dmz", "kind": "portgroup", "vlan": 110, "zone": "dmz"},
        {"id": "pg-int", "kind": "portgroup", "vlan": 120, "zone": "internal"},
        {"id": "pg-res", "kind": "portgroup", "vlan": 130, "zone": "restricted"},
    ],
    "appliances": [
        {"id": "fw-edge", "kind": "firewall", "networks": ["net-internet", "pg-dmz"]},
        {"id": "fw-1", "kind": "firewall", "networks": ["pg-dmz", "pg-int"]},
        {"id": "fw-2", "kind": "firewall", "networks": ["pg-int", "pg-res"]},
    ],
    "hosts": [_host("esx-dmz", "dmz"), _host("esx-int", "internal"), _host("esx-res", "restricted")],
    "datastores": [
        {"id": "ds-dmz", "kind": "vmfs", "encrypted": True, "hosts": ["esx-dmz"]},
        {"id": "ds-int", "kind": "vmfs", "encrypted": True, "hosts": ["esx-int"]},
        {"id": "ds-res", "kind": "vmfs", "encrypted": True, "hosts": ["esx-res"]},
    ],
    "vms": [
        _vm("vm-web", "esx-dmz", "dmz", "pg-dmz", "ds-dmz", internet_facing=True, anti_affinity_group="web"),
        _vm("vm-web2", "esx-dmz", "dmz", "pg-dmz", "ds-dmz", "low"),
        _vm("vm-app", "esx-int", "internal", "pg-int", "ds-int"),
        _vm("vm-db", "esx-res", "restricted", "pg-res", "ds-res", "high"),
    ],
}


def clean_document() -> dict:
    """A fresh copy of the clean, fully specified estate."""
    return copy.deepcopy(_CLEAN)


def find(doc: dict, collection: str, oid: str) -> dict:
    return next(o for o in doc[collection] if o["id"] == oid)


def findings_of(doc: dict, rule: str | None = None, **kw):
    result = analyze(load_estate(doc), **kw)
    return [f for f in result.findings if rule is None or f.rule == rule]


def objects_of(doc: dict, rule: str) -> list[list[tuple[str, str]]]:
    """The objects of each finding of ``rule``, as (kind, id) pairs, sorted."""
    return sorted([(o.kind, o.id) for o in f.objects] for f in findings_of(doc, rule))


#: Inventory v1.1 hardening facts, all stated and safe (see :func:`hardened_document`).
_HARDENED_NETWORKS = [
    {"id": "net-vmotion", "kind": "vlan", "vlan": 20, "zone": "mgmt", "purpose": "migration"},
    {"id": "net-nfs", "kind": "vlan", "vlan": 30, "zone": "mgmt", "purpose": "storage"},
    {"id": "net-backup", "kind": "vlan", "vlan": 40, "zone": "mgmt", "purpose": "backup"},
]
_SAFE_SWITCH = {"promiscuous": False, "mac_changes": False, "forged_transmits": False}


def hardened_document() -> dict:
    """The clean estate with every inventory v1.1 hardening fact stated, each at its safe value:
    no v1.1 rule may fire on it (nor any other)."""
    doc = clean_document()
    doc["policy"]["snapshot_max_age_days"] = 7
    doc["networks"] += copy.deepcopy(_HARDENED_NETWORKS)
    for net in doc["networks"]:
        net["security_policy"] = dict(_SAFE_SWITCH)
    for host in doc["hosts"]:
        host["hypervisor"]["end_of_support"] = "2028-03-15"
        host["settings"].update(shell=False, inter_vm_page_sharing=False)
        host["migration"] = {"network": "net-vmotion", "encrypted": True}
        host["uplinks"] = 2
    for vm in doc["vms"]:
        vm["snapshots"] = [{"id": f"{vm['id']}-daily", "created": "2026-10-31"}]
        vm["firmware"] = {"secure_boot": True, "vtpm": True}
    return doc


def only(doc: dict, rule: str):
    """The single finding of ``rule`` (asserts there is exactly one)."""
    found = findings_of(doc, rule)
    assert len(found) == 1, [f.objects for f in found]
    return found[0]


def score_of(finding) -> tuple[str, str, str, list[str]]:
    """(likelihood, impact, risk, factors): what a hand-worked scoring test pins."""
    return finding.likelihood, finding.impact, finding.risk, list(finding.factors)
