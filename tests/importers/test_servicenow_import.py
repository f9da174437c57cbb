"""ServiceNow: Table API files with relationships (display values, plain
sys_ids resolved through cmdb_rel_type, either direction) and the
Identification and Reconciliation payload."""

from __future__ import annotations

import pytest
from importer_data import json_file, mapping

from planner.importers import SourceError, import_source

RULES = """
mapping: virtplan.mapping/v1
zones: [{id: dmz, trust_level: 1}, {id: internal, trust_level: 2}]
vms:
  rules:
    - {match: {cluster: "DMZ*"}, zone: dmz}
    - {match: {custom_field: {u_environment: production}}, zone: internal, categorization: moderate}
"""


def ref(sys_id: str, display: str | None = None) -> dict:
    out = {"link": f"https://acme.service-now.com/api/now/table/x/{sys_id}", "value": sys_id}
    if display:
        out["display_value"] = display
    return out


def table_files() -> list[tuple[str, bytes]]:
    vms = [
        {"sys_id": "vm1", "sys_class_name": "cmdb_ci_vmware_instance", "name": "web01", "cpus": "2", "memory": "4096",
         "state": "on", "guest_os_fullname": "Ubuntu Linux (64-bit)", "template": "false"},
        {"sys_id": "vm2", "sys_class_name": "cmdb_ci_vmware_instance", "name": "app01", "cpus": "4", "memory": "8192",
         "state": "on", "u_environment": "production", "template": "false"},
        {"sys_id": "vm3", "sys_class_name": "cmdb_ci_vmware_instance", "name": "gold", "cpus": "1", "memory": "1024",
         "template": "true"},
    ]  # fmt: skip
    hosts = [{"sys_id": "esx1", "name": "esx01", "cpu_core_count": "32", "ram": "524288", "os_version": "8.0.2"}]
    clusters = [{"sys_id": "cl1", "name": "DMZ-Cluster"}]
    networks = [{"sys_id": "net1", "name": "DMZ-Web", "vlan_id": "110"}, {"sys_id": "net2", "name": "App"}]
    datastores = [{"sys_id": "ds1", "name": "ds-a", "type": "VMFS"}]
    rels = [
        {"parent": ref("vm1"), "child": ref("esx1"), "type": ref("t1", "Registered on::Has registered")},
        {"parent": ref("vm2"), "child": ref("esx1"), "type": ref("t1")},  # resolved through cmdb_rel_type
        {"parent": ref("cl1"), "child": ref("esx1"), "type": "Members::Member of"},
        {"parent": ref("vm1"), "child": ref("net1"), "type": "Connected by::Connects"},
        {"parent": ref("net2"), "child": ref("vm2"), "type": "Connected by::Connects"},  # either direction
        {"parent": ref("ds1"), "child": ref("vm2"), "type": "Provides storage for::Stored on"},
        {"parent": ref("ds1"), "child": ref("esx1"), "type": "Provides storage for::Stored on"},
        {"parent": ref("vm1"), "child": ref("esx1"), "type": ref("unknown-type")},
    ]
    return [
        json_file("cmdb_ci_vmware_instance.json", {"result": vms}),
        json_file("cmdb_ci_esx_server.json", {"result": hosts}),
        json_file("cmdb_ci_vcenter_cluster.json", {"result": clusters}),
        json_file("cmdb_ci_vcenter_network.json", {"result": networks}),
        json_file("cmdb_ci_vcenter_datastore.json", {"result": datastores}),
        json_file("cmdb_rel_ci.json", {"result": rels}),
        json_file("cmdb_rel_type.json", {"result": [{"sys_id": "t1", "name": "Registered on::Has registered"}]}),
    ]


def test_table_api_with_relationships():
    result = import_source("servicenow", table_files(), mapping(RULES))
    doc = result.document
    vms = {v["id"]: v for v in doc["vms"]}
    assert set(vms) == {"vm1", "vm2"}  # the template is skipped
    assert vms["vm1"]["host"] == "esx1" and vms["vm1"]["nics"] == [{"network": "net1"}]
    assert vms["vm1"]["zone"] == "dmz"  # cluster through the host's membership
    assert vms["vm2"]["disks"] == [{"datastore": "ds1", "size_gib": None}] and vms["vm2"]["nics"] == [
        {"network": "net2"}
    ]
    assert vms["vm2"]["zone"] == "dmz"  # first match wins: app01 is on the DMZ cluster too
    host = doc["hosts"][0]
    assert host["cluster"] == "cl1" and host["cpu_cores"] == 32 and host["memory_gib"] == 512.0
    assert host["hypervisor"]["version"] == "8.0.2"
    assert doc["networks"][0]["vlan"] == 110
    assert doc["datastores"][0]["hosts"] == ["esx1"] and doc["datastores"][0]["kind"] == "vmfs"
    kinds = {w.kind: w for w in result.warnings.items}
    assert kinds["template"].where == "cmdb_ci_vmware_instance.json result[2]"
    assert kinds["skipped-relation"].where == "cmdb_rel_ci.json result[7]"


def test_identification_and_reconciliation_payload():
    payload = {
        "items": [
            {"className": "cmdb_ci_vmware_instance",
             "values": {"name": "db01", "cpus": 2, "memory": 2048, "object_id": "vm-7"}},
            {"className": "cmdb_ci_esx_server", "values": {"name": "esx02", "cpu_core_count": 16, "ram": 131072}},
            {"className": "cmdb_ci_vcenter_network", "values": {"name": "DB"}, "internal_id": "n-db"},
        ],
        "relations": [
            {"parent": 0, "child": 1, "type": "Registered on::Has registered"},
            {"parent": 0, "child": 2, "type": "Connected by::Connects"},
        ],
    }  # fmt: skip
    doc = import_source("servicenow", [json_file("ire.json", payload)], mapping(RULES)).document
    assert doc["vms"][0]["id"] == "vm-7" and doc["vms"][0]["host"] == "esx02"
    assert doc["vms"][0]["nics"] == [{"network": "n-db"}]


def test_bad_payloads_are_named():
    with pytest.raises(SourceError, match=r"ire.json relations\[0\]: parent and child must be indexes"):
        import_source(
            "servicenow",
            [json_file("ire.json", {"items": [], "relations": [{"parent": 0, "child": 1}]})],
            mapping(RULES),
        )
    with pytest.raises(SourceError, match=r"x.json: expected a Table API response"):
        import_source("servicenow", [json_file("x.json", [1, 2])], mapping(RULES))
    with pytest.raises(SourceError, match=r"vms.json result\[0\]: record without a sys_id"):
        import_source(
            "servicenow",
            [json_file("vms.json", {"result": [{"sys_class_name": "cmdb_ci_vmware_instance"}]})],
            mapping(RULES),
        )
