"""The inventory contract (shared/spec/inventory-v1.md) as the validator enforces it."""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.inventory import InventoryError, load_estate, problems_of, validate_document
from planner.core.inventory.validate import MAX_PROBLEMS

MINIMAL = {"schema": "virtplan.inventory/v1"}
#: A JSON path as problems report it: name, .name, [index], possibly nested.
PATH = re.compile(r"^(|[^.\[\]]+(\[\d+\]|\..*)*)$", re.S)


def paths(doc) -> dict[str, str]:
    return {p.path: p.message for p in problems_of(doc)}


def test_minimal_document_gets_every_default():
    doc = validate_document(MINIMAL)
    assert doc["policy"] == {
        "zone_mixing": "forbid",
        "max_cpu_overcommit": 4.0,
        "max_memory_overcommit": 1.0,
        "patch_max_age_days": 90,
        "min_hypervisor_versions": {},
        "placement_scope": "cluster",
        "snapshot_max_age_days": 7,
    }
    assert all(doc[c] == [] for c in ("zones", "clusters", "hosts", "networks", "appliances", "datastores", "vms"))
    assert doc["as_of"] is None and doc["source"] is None


def test_demo_estate_is_valid_and_typed(demo_doc):
    estate = load_estate(demo_doc)
    assert len(estate.vms) >= 30 and len(estate.zones) >= 4
    assert estate.as_of.isoformat() == "2026-11-01"
    assert estate.appliances["lb-web"].filtering is False  # load balancers do not filter by default
    assert estate.appliances["fw-edge"].filtering is True


def test_defaults_filled_per_spec():
    doc = validate_document(
        {
            **MINIMAL,
            "zones": [{"id": "z", "trust_level": 2}],
            "networks": [{"id": "n", "kind": "vlan"}],
            "appliances": [{"id": "f", "kind": "firewall"}, {"id": "i", "kind": "ips"}, {"id": "r", "kind": "router"}],
            "hosts": [{"id": "h", "cpu_cores": 1, "memory_gib": 1, "devices": [{"kind": "usb", "connected": True}]}],
            "vms": [{"id": "v", "vcpus": 1, "memory_gib": 1}],
        }
    )
    assert doc["zones"][0]["purpose"] == "workload"
    assert doc["networks"][0]["purpose"] == "guest"
    assert [a["filtering"] for a in doc["appliances"]] == [True, True, False]
    assert doc["hosts"][0]["devices"][0]["in_use"] is False
    vm = doc["vms"][0]
    assert (vm["internet_facing"], vm["pinned"], vm["nics"], vm["disks"], vm["devices"], vm["tags"]) == (
        False,
        False,
        [],
        [],
        [],
        {},
    )
    # Absent protections stay unknown (None), never a silent pass.
    assert vm["settings"] is None and doc["hosts"][0]["settings"] is None


@pytest.mark.parametrize(
    "mutate, path, fragment",
    [
        (lambda d: d.update(schema="virtplan.inventory/v2"), "schema", "expected 'virtplan.inventory/v1'"),
        (lambda d: d.pop("schema"), "schema", "missing required field"),
        (lambda d: d["zones"][0].update(trust_level=5), "zones[0].trust_level", "expected one of: 0, 1, 2, 3, 4"),
        (lambda d: d["zones"][0].update(trust_level=True), "zones[0].trust_level", "expected an integer"),
        (lambda d: d["zones"][0].update(purpose="dmz"), "zones[0].purpose", "expected one of: workload"),
        (lambda d: d["zones"][0].update(id=""), "zones[0].id", "expected 1 to 200 characters"),
        (lambda d: d["zones"][0].update(id="x" * 201), "zones[0].id", "expected 1 to 200 characters"),
        (lambda d: d["hosts"][0].update(cpu_cores=0), "hosts[0].cpu_cores", "≥ 1"),
        (lambda d: d["hosts"][0].update(cpu_cores=2.5), "hosts[0].cpu_cores", "expected an integer"),
        (lambda d: d["hosts"][0].update(memory_gib=-1), "hosts[0].memory_gib", "≥ 0"),
        (lambda d: d["hosts"][0].update(memory_gib="64"), "hosts[0].memory_gib", "expected a number, got a string"),
        (lambda d: d["hosts"][0]["hypervisor"].update(type=3), "hosts[0].hypervisor.type", "expected one of: 1, 2"),
        (lambda d: d["hosts"][0]["hypervisor"].update(product="vmware"), "hosts[0].hypervisor.product", "esxi"),
        (
            lambda d: d["hosts"][0]["hypervisor"].update(patched_on="2026-02-30"),
            "hosts[0].hypervisor.patched_on",
            "YYYY-MM-DD",
        ),
        (lambda d: d["hosts"][0]["hypervisor"].update(version="8.0u3"), "hosts[0].hypervisor.version", "matching"),
        (
            lambda d: d["hosts"][0]["devices"].append({"kind": "usb"}),
            "hosts[0].devices[2].connected",
            "missing required field",
        ),
        (lambda d: d["hosts"][0].update(extra=1), "hosts[0].extra", "unknown field"),
        (lambda d: d["networks"][1].update(vlan=4095), "networks[1].vlan", "≤ 4094"),
        (lambda d: d["networks"][1].update(kind="bridge"), "networks[1].kind", "expected one of"),
        (
            lambda d: d["vms"][0]["categorization"].update(integrity="n/a"),
            "vms[0].categorization.integrity",
            "expected one of: low, moderate, high",
        ),
        (lambda d: d["vms"][0].update(vcpus=None), "vms[0].vcpus", "may not be null"),
        (lambda d: d["vms"][0].update(nics={"network": "x"}), "vms[0].nics", "expected an array"),
        (lambda d: d["vms"][0]["tags"].update(cost=12), "vms[0].tags.cost", "expected a string"),
        (lambda d: d["policy"].update(zone_mixing="allow"), "policy.zone_mixing", "forbid, adjacent"),
        (lambda d: d["policy"].update(max_cpu_overcommit=0), "policy.max_cpu_overcommit", "> 0"),
        (
            lambda d: d["policy"]["min_hypervisor_versions"].update(vmware="8"),
            "policy.min_hypervisor_versions.vmware",
            "expected one of",
        ),
        (lambda d: d.update(as_of="01/11/2026"), "as_of", "YYYY-MM-DD"),
        (lambda d: d.update(zones={}), "zones", "expected an array"),
        # v1.1 hardening facts
        (lambda d: d["policy"].update(snapshot_max_age_days=-1), "policy.snapshot_max_age_days", "≥ 0"),
        (lambda d: d["policy"].update(snapshot_max_age_days=7.5), "policy.snapshot_max_age_days", "an integer"),
        (lambda d: d["policy"].update(placement_scope="site"), "policy.placement_scope", "cluster, estate"),
        (
            lambda d: d["hosts"][0]["hypervisor"].update(end_of_support="2027-13-01"),
            "hosts[0].hypervisor.end_of_support",
            "YYYY-MM-DD",
        ),
        (lambda d: d["hosts"][0].update(migration={"encrypted": "yes"}), "hosts[0].migration.encrypted", "true or"),
        (lambda d: d["hosts"][0].update(migration={"vlan": 20}), "hosts[0].migration.vlan", "unknown field"),
        (lambda d: d["hosts"][0].update(uplinks=-1), "hosts[0].uplinks", "≥ 0"),
        (lambda d: d["hosts"][0].update(uplinks=65), "hosts[0].uplinks", "≤ 64"),
        (lambda d: d["hosts"][0].update(uplinks=True), "hosts[0].uplinks", "expected an integer"),
        (lambda d: d["hosts"][0]["settings"].update({"shell": "on"}), "hosts[0].settings.shell", "true or false"),
        (
            lambda d: d["hosts"][0]["settings"].update(inter_vm_page_sharing=1),
            "hosts[0].settings.inter_vm_page_sharing",
            "true or false",
        ),
        (
            lambda d: d["hosts"][0]["devices"].append({"kind": "pci-passthrough", "connected": True}),
            "hosts[0].devices[2].kind",
            "expected one of",
        ),
        (
            lambda d: d["networks"][1].update(security_policy={"promiscuous": "accept"}),
            "networks[1].security_policy.promiscuous",
            "true or false",
        ),
        (
            lambda d: d["networks"][1].update(security_policy={"mac_address_changes": True}),
            "networks[1].security_policy.mac_address_changes",
            "unknown field",
        ),
        (lambda d: d["vms"][0].update(snapshots=[{"id": "s1"}]), "vms[0].snapshots[0].created", "missing required"),
        (
            lambda d: d["vms"][0].update(snapshots=[{"id": "s1", "created": "2026-06-31"}]),
            "vms[0].snapshots[0].created",
            "YYYY-MM-DD",
        ),
        (
            lambda d: d["vms"][0].update(snapshots=[{"id": "", "created": "2026-06-01"}]),
            "vms[0].snapshots[0].id",
            "expected 1 to 200 characters",
        ),
        (lambda d: d["vms"][0].update(firmware={"secure_boot": None, "uefi": True}), "vms[0].firmware.uefi", "unknown"),
        (lambda d: d["vms"][0]["devices"].append({"kind": "gpu", "connected": True}), "vms[0].devices[0].kind", "pci-"),
    ],
)
def test_each_field_problem_has_its_path_and_expectation(demo_doc, mutate, path, fragment):
    mutate(demo_doc)
    found = paths(demo_doc)
    assert path in found, found
    assert fragment in found[path]


@pytest.mark.parametrize(
    "mutate, path, fragment",
    [
        (lambda d: d["vms"][3].update(host="esx-missing"), "vms[3].host", "no host with id 'esx-missing'"),
        (lambda d: d["vms"][3].update(zone="nowhere"), "vms[3].zone", "no zone with id 'nowhere'"),
        (lambda d: d["vms"][3]["nics"].append({"network": "pg-x"}), "vms[3].nics[1].network", "no network"),
        (lambda d: d["vms"][3]["disks"][0].update(datastore="ds-x"), "vms[3].disks[0].datastore", "no datastore"),
        (lambda d: d["hosts"][1].update(cluster="cl-x"), "hosts[1].cluster", "no cluster"),
        (lambda d: d["hosts"][1]["management"].update(network="n-x"), "hosts[1].management.network", "no network"),
        (lambda d: d["hosts"][1].update(dedicated_zone="z-x"), "hosts[1].dedicated_zone", "no zone"),
        (lambda d: d["networks"][2].update(zone="z-x"), "networks[2].zone", "no zone"),
        (lambda d: d["appliances"][0]["networks"].append("n-x"), "appliances[0].networks[2]", "no network"),
        (lambda d: d["appliances"][0].update(vm="vm-x"), "appliances[0].vm", "no vm"),
        (lambda d: d["datastores"][0]["hosts"].append("h-x"), "datastores[0].hosts[2]", "no host"),
        (
            lambda d: d["vms"].append(copy.deepcopy(d["vms"][0])),
            "vms[34].id",
            "duplicate id 'vm-web-01' (first used at vms[0])",
        ),
        (lambda d: d["hosts"][1].update(migration={"network": "n-x"}), "hosts[1].migration.network", "no network"),
        (
            lambda d: d["vms"][2].update(
                snapshots=[
                    {"id": "before-upgrade", "created": "2026-10-01"},
                    {"id": "before-upgrade", "created": "2026-10-02"},
                ]
            ),
            "vms[2].snapshots[1].id",
            "duplicate snapshot id 'before-upgrade' (first used at vms[2].snapshots[0])",
        ),
    ],
)
def test_identity_and_reference_problems(demo_doc, mutate, path, fragment):
    mutate(demo_doc)
    found = paths(demo_doc)
    assert path in found, found
    assert fragment in found[path]


def test_v1_1_hardening_facts_are_optional_typed_and_unknown_when_absent(demo_doc):
    """Inventory v1.1: every hardening fact is optional; absent means unknown (None), never a pass."""
    for h in demo_doc["hosts"]:  # the demo states some v1.1 facts: take them away first
        for key in ("migration", "uplinks"):
            h.pop(key, None)
        h["hypervisor"].pop("end_of_support", None)
        for key in ("shell", "inter_vm_page_sharing"):
            h["settings"].pop(key, None)
    for n in demo_doc["networks"]:
        n.pop("security_policy", None)
    for v in demo_doc["vms"]:
        v.pop("snapshots", None)
        v.pop("firmware", None)
    for key in ("snapshot_max_age_days", "placement_scope"):
        demo_doc["policy"].pop(key, None)
    plain = load_estate(demo_doc)
    host, net, vm = plain.hosts["esx-prod-01"], plain.networks["pg-app"], plain.vms["vm-app-01"]
    assert (host.migration, host.uplinks, host.hypervisor.end_of_support) == (None, None, None)
    assert (host.settings.shell, host.settings.inter_vm_page_sharing) == (None, None)
    assert (net.security_policy, vm.snapshots, vm.firmware) == (None, [], None)
    assert (plain.policy.snapshot_max_age_days, plain.policy.placement_scope) == (7, "cluster")
    h = next(x for x in demo_doc["hosts"] if x["id"] == "esx-prod-01")
    h["hypervisor"]["end_of_support"] = "2027-10-02"
    h["settings"].update({"shell": True, "inter_vm_page_sharing": False})
    h.update(migration={"network": "net-vmotion", "encrypted": False}, uplinks=1)
    next(x for x in demo_doc["networks"] if x["id"] == "pg-app")["security_policy"] = {"forged_transmits": True}
    next(x for x in demo_doc["vms"] if x["id"] == "vm-app-01").update(
        snapshots=[{"id": "snap-1", "created": "2026-09-01"}],
        firmware={"secure_boot": False},
        devices=[{"kind": "pci-passthrough", "connected": True}],
    )
    demo_doc["policy"].update(snapshot_max_age_days=14, placement_scope="estate")
    e = load_estate(demo_doc)
    host, net, vm = e.hosts["esx-prod-01"], e.networks["pg-app"], e.vms["vm-app-01"]
    assert host.hypervisor.end_of_support.isoformat() == "2027-10-02"
    assert (host.settings.shell, host.settings.inter_vm_page_sharing, host.uplinks) == (True, False, 1)
    assert (host.migration.network, host.migration.encrypted) == ("net-vmotion", False)
    assert (net.security_policy.forged_transmits, net.security_policy.promiscuous) == (True, None)
    assert [(s.id, s.created.isoformat()) for s in vm.snapshots] == [("snap-1", "2026-09-01")]
    assert (vm.firmware.secure_boot, vm.firmware.vtpm) == (False, None)
    assert vm.devices[0].kind == "pci-passthrough"
    assert (e.policy.snapshot_max_age_days, e.policy.placement_scope) == (14, "estate")


def test_every_problem_is_reported_not_just_the_first(demo_doc):
    demo_doc["vms"][0]["vcpus"] = 0
    demo_doc["vms"][1]["memory_gib"] = "lots"
    demo_doc["hosts"][0]["cpu_cores"] = -3
    assert set(paths(demo_doc)) == {"vms[0].vcpus", "vms[1].memory_gib", "hosts[0].cpu_cores"}


def test_problem_list_is_bounded():
    doc = {**MINIMAL, "vms": [{"id": f"v{i}", "vcpus": 0, "memory_gib": 1} for i in range(MAX_PROBLEMS + 50)]}
    problems = problems_of(doc)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].message == "50 further problems not listed"


def test_null_means_absent_for_optional_fields(demo_doc):
    vm = demo_doc["vms"][0]
    vm.update(host=None, zone=None, categorization=None, settings=None, role=None, anti_affinity_group=None)
    out = validate_document(demo_doc)["vms"][0]
    assert out["host"] is None and out["categorization"] is None


def test_input_is_not_modified(demo_doc):
    before = json.dumps(demo_doc, sort_keys=True)
    validate_document(demo_doc)
    assert json.dumps(demo_doc, sort_keys=True) == before


def test_error_message_lists_first_problems(demo_doc):
    demo_doc["vms"][0]["vcpus"] = 0
    with pytest.raises(InventoryError, match=r"vms\[0\]\.vcpus: expected a value ≥ 1 and ≤ 768, got 0"):
        validate_document(demo_doc)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5000) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_arbitrary_values_anywhere_never_crash(demo_doc, data):
    """Any JSON value in any field is a list of problems, never an exception."""
    doc = copy.deepcopy(demo_doc)
    collection = data.draw(st.sampled_from(["zones", "hosts", "networks", "appliances", "datastores", "vms"]))
    index = data.draw(st.integers(0, len(doc[collection]) - 1))
    obj = doc[collection][index]
    key = data.draw(st.sampled_from([*sorted(obj), "unexpected"]))
    obj[key] = data.draw(json_values)
    for problem in problems_of(doc):
        assert PATH.match(problem.path), problem
        assert problem.message


@settings(max_examples=60)
@given(doc=json_values)
def test_any_json_document_is_answered_with_problems(doc):
    problems = problems_of(doc)
    assert problems and all(p.message for p in problems)


def test_nul_characters_are_refused_everywhere(demo_doc):
    """PostgreSQL cannot store U+0000; the contract refuses it up front, on every backend."""
    demo_doc["vms"][0]["name"] = "web\x00"
    demo_doc["vms"][1]["tags"]["own\x00er"] = "x"
    found = paths(demo_doc)
    assert found["vms[0].name"] == (
        "expected a single line of text without control characters; found U+0000 (NUL) at character 4"
    )
    assert found["vms[1].tags.own\x00er"].endswith("found U+0000 (NUL) at character 4")


def test_reference_problems_come_with_field_problems(demo_doc):
    demo_doc["vms"][0]["vcpus"] = 0
    demo_doc["vms"][1]["host"] = "esx-gone"
    demo_doc["zones"].append({"id": "dmz", "trust_level": "high"})
    assert set(paths(demo_doc)) == {"vms[0].vcpus", "vms[1].host", "zones[6].trust_level", "zones[6].id"}
