"""Properties over generated estates: no crash, real objects, determinism, and
removing a cause removes exactly its finding."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.core.analysis import analyze
from planner.core.analysis.rules.vm_unused_devices import RISKY_KINDS as UNUSED_DEVICE_KINDS
from planner.core.inventory import load_estate
from planner.demo import estate_document

LEVEL = st.sampled_from(["low", "moderate", "high"])
MAYBE_BOOL = st.one_of(st.none(), st.booleans())
DEVICE = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["usb", "optical", "floppy", "serial", "nic", "other"]),
        "connected": st.booleans(),
        "in_use": st.booleans(),
    }
)
VM_DEVICE = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["usb", "optical", "floppy", "serial", "nic", "other", "pci-passthrough"]),
        "connected": st.booleans(),
        "in_use": st.booleans(),
    }
)


@st.composite
def documents(draw):
    nz, nn, nh, nd, nv = (draw(st.integers(lo, hi)) for lo, hi in ((1, 4), (1, 6), (1, 4), (1, 3), (0, 12)))
    zones = [f"z{i}" for i in range(nz)]
    nets = [f"n{i}" for i in range(nn)]
    hosts = [f"h{i}" for i in range(nh)]
    dss = [f"d{i}" for i in range(nd)]
    vms = [f"v{i}" for i in range(nv)]
    opt = lambda xs: st.one_of(st.none(), st.sampled_from(xs))  # noqa: E731
    doc = {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "policy": {
            "zone_mixing": draw(st.sampled_from(["forbid", "adjacent"])),
            "max_cpu_overcommit": draw(st.sampled_from([1.0, 4.0])),
            "min_hypervisor_versions": draw(st.sampled_from([{}, {"esxi": "8.0.2"}])),
        },
        "zones": [{"id": z, "trust_level": draw(st.integers(0, 4))} for z in zones],
        "networks": [
            {
                "id": n,
                "kind": "vlan",
                "zone": draw(opt(zones)),
                "purpose": draw(st.sampled_from(["guest", "management", "storage", "migration"])),
                "security_policy": draw(
                    st.one_of(
                        st.none(),
                        st.fixed_dictionaries(
                            {"promiscuous": MAYBE_BOOL, "mac_changes": MAYBE_BOOL, "forged_transmits": MAYBE_BOOL}
                        ),
                    )
                ),
            }
            for n in nets
        ],
        "hosts": [
            {
                "id": h,
                "cpu_cores": draw(st.integers(1, 16)),
                "memory_gib": draw(st.sampled_from([0, 16, 64])),
                "dedicated_zone": draw(opt(zones)),
                "hypervisor": draw(
                    st.one_of(
                        st.none(),
                        st.fixed_dictionaries(
                            {
                                "product": st.just("esxi"),
                                "type": st.sampled_from([1, 2]),
                                "version": st.one_of(st.none(), st.sampled_from(["8.0.1", "8.0.3"])),
                                "patched_on": st.one_of(st.none(), st.sampled_from(["2026-01-01", "2026-10-01"])),
                                "end_of_support": st.one_of(st.none(), st.sampled_from(["2026-06-30", "2027-12-31"])),
                            }
                        ),
                    )
                ),
                "management": draw(
                    st.one_of(st.none(), st.fixed_dictionaries({"network": opt(nets), "encrypted": MAYBE_BOOL}))
                ),
                "settings": draw(
                    st.one_of(
                        st.none(),
                        st.fixed_dictionaries(
                            {
                                "time_sync": MAYBE_BOOL,
                                "remote_logging": MAYBE_BOOL,
                                "lockdown": MAYBE_BOOL,
                                "shell": MAYBE_BOOL,
                                "inter_vm_page_sharing": MAYBE_BOOL,
                            }
                        ),
                    )
                ),
                "devices": draw(st.lists(DEVICE, max_size=2)),
                "migration": draw(
                    st.one_of(st.none(), st.fixed_dictionaries({"network": opt(nets), "encrypted": MAYBE_BOOL}))
                ),
                "uplinks": draw(st.one_of(st.none(), st.integers(0, 3))),
            }
            for h in hosts
        ],
        "datastores": [
            {
                "id": d,
                "kind": "vmfs",
                "encrypted": draw(MAYBE_BOOL),
                "hosts": draw(st.lists(st.sampled_from(hosts), max_size=3, unique=True)),
            }
            for d in dss
        ],
        "vms": [
            {
                "id": v,
                "host": draw(opt(hosts)),
                "zone": draw(opt(zones)),
                "vcpus": draw(st.integers(1, 20)),
                "memory_gib": draw(st.sampled_from([1, 8, 32])),
                "categorization": draw(
                    st.one_of(
                        st.none(),
                        st.fixed_dictionaries(
                            {
                                "confidentiality": st.sampled_from(["n/a", "low", "moderate", "high"]),
                                "integrity": LEVEL,
                                "availability": LEVEL,
                            }
                        ),
                    )
                ),
                "internet_facing": draw(st.booleans()),
                "nics": [{"network": x} for x in draw(st.lists(st.sampled_from(nets), max_size=3))],
                "disks": [{"datastore": x} for x in draw(st.lists(st.sampled_from(dss), max_size=2))],
                "settings": draw(
                    st.one_of(
                        st.none(), st.fixed_dictionaries({"clipboard_sharing": MAYBE_BOOL, "file_sharing": MAYBE_BOOL})
                    )
                ),
                "devices": draw(st.lists(VM_DEVICE, max_size=2)),
                "anti_affinity_group": draw(st.one_of(st.none(), st.sampled_from(["a", "b"]))),
                "snapshots": [
                    {"id": f"s{i}", "created": created}
                    for i, created in enumerate(
                        draw(st.lists(st.sampled_from(["2026-10-01", "2026-10-30"]), max_size=2))
                    )
                ],
                "firmware": draw(
                    st.one_of(st.none(), st.fixed_dictionaries({"secure_boot": MAYBE_BOOL, "vtpm": MAYBE_BOOL}))
                ),
            }
            for v in vms
        ],
    }
    doc["appliances"] = [
        {
            "id": f"a{i}",
            "kind": draw(st.sampled_from(["firewall", "router", "gateway", "ips"])),
            "networks": draw(st.lists(st.sampled_from(nets), max_size=3, unique=True)),
            "vm": draw(opt(vms)) if vms else None,
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    return doc


# 60 examples, or the profile's fewer (`make mutation` runs every test once per mutant).
SETTINGS = settings(
    max_examples=min(60, settings.default.max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _fingerprints(doc):
    return {f.fingerprint: f for f in analyze(load_estate(doc)).findings}


@SETTINGS
@given(documents())
def test_findings_name_real_objects_and_are_deterministic(doc):
    estate = load_estate(doc)
    result = analyze(estate)
    collections = {
        "zone": estate.zones,
        "host": estate.hosts,
        "network": estate.networks,
        "appliance": estate.appliances,
        "datastore": estate.datastores,
        "vm": estate.vms,
    }
    for f in result.findings:
        assert f.objects
        for o in f.objects:
            assert o.id in collections[o.kind]
    first = json.dumps(result.to_dict(), sort_keys=True)
    assert first == json.dumps(analyze(load_estate(copy.deepcopy(doc))).to_dict(), sort_keys=True)
    assert len({f.fingerprint for f in result.findings}) == len(result.findings)
    # The CLI's JSON (encoded in C) is exactly what the standard library writes.
    assert result.to_json() == json.dumps(result.to_dict(), ensure_ascii=False, indent=1)


# rule -> how to remove the cause on the finding's single object, in the document.
CURES = {
    "VM-CLIPBOARD-SHARING": (
        "vms",
        lambda o: o["settings"].update({k: False for k, val in o["settings"].items() if val is True}),
    ),
    "MGMT-UNENCRYPTED": ("hosts", lambda o: o["management"].__setitem__("encrypted", True)),
    "HOST-UNUSED-HARDWARE": ("hosts", lambda o: [d.__setitem__("in_use", True) for d in o["devices"]]),
    "VM-UNUSED-DEVICES": (
        "vms",
        # Only the kinds that rule judges: disconnecting a PCI pass-through device would cure VM-PASSTHROUGH-DEVICE too.
        lambda o: [d.__setitem__("connected", False) for d in o["devices"] if d["kind"] in UNUSED_DEVICE_KINDS],
    ),
    "HOST-NO-TIME-SYNC": ("hosts", lambda o: o["settings"].__setitem__("time_sync", True)),
    # v1.1
    "VSWITCH-INSECURE-POLICY": (
        "networks",
        lambda o: o["security_policy"].update(dict.fromkeys(o["security_policy"], False)),
    ),
    "HOST-SHELL-ENABLED": ("hosts", lambda o: o["settings"].__setitem__("shell", False)),
    "PAGE-SHARING-MIXED-ZONES": ("hosts", lambda o: o["settings"].__setitem__("inter_vm_page_sharing", False)),
    "HYPERVISOR-END-OF-SUPPORT": ("hosts", lambda o: o["hypervisor"].__setitem__("end_of_support", "2030-01-01")),
    "HOST-SINGLE-UPLINK": ("hosts", lambda o: o.__setitem__("uplinks", 2)),
    "VM-SNAPSHOT-OLD": ("vms", lambda o: o.__setitem__("snapshots", [])),
    "VM-PASSTHROUGH-DEVICE": (
        "vms",
        lambda o: [d.__setitem__("connected", False) for d in o["devices"] if d["kind"] == "pci-passthrough"],
    ),
    "VM-NO-SECURE-BOOT": ("vms", lambda o: o["firmware"].__setitem__("secure_boot", True)),
}


@SETTINGS
@given(documents(), st.data())
def test_removing_a_cause_removes_exactly_that_finding(doc, data):
    before = _fingerprints(doc)
    curable = sorted((fp, f) for fp, f in before.items() if f.rule in CURES)
    assume(curable)  # only estates with a curable finding count; Hypothesis fails the test if it finds none
    fp, finding = data.draw(st.sampled_from(curable))
    collection, cure = CURES[finding.rule]
    cure(next(o for o in doc[collection] if o["id"] == finding.objects[0].id))
    after = _fingerprints(doc)
    assert set(after) == set(before) - {fp}


def _verdicts(doc):
    """What a finding says about the estate, whatever order the inventory lists its objects in:
    the rule, the objects at fault and the scores."""
    return sorted(
        (f.rule, sorted((o.kind, o.id) for o in f.objects), f.likelihood, f.impact, f.risk)
        for f in analyze(load_estate(doc)).findings
    )


@SETTINGS
@given(documents())
def test_the_order_the_inventory_lists_objects_in_changes_no_finding(doc):
    """An estate is the same estate whatever order its CMDB lists it in: every rule looks at
    every object (a rule that stopped at the first object without a problem would report only
    the problems listed before it)."""
    assert _verdicts(_reordered(doc, lambda xs: xs[::-1])) == _verdicts(doc)


def _reordered(doc, turn):
    doc = copy.deepcopy(doc)
    for value in doc.values():
        if isinstance(value, list):
            value[:] = turn(value)
    return doc


def test_the_demo_estate_listed_in_any_order_has_the_same_findings():
    """The demo estate (more than 20 rules firing, on some of its objects and not others), with
    each of its objects listed first in turn: a rule that stopped at the first object without a
    problem would find nothing whenever such an object comes first."""
    doc = estate_document()
    # A host, a network and a datastore that nothing uses (a rule may skip them: it must go on).
    doc["hosts"].insert(0, {**copy.deepcopy(doc["hosts"][0]), "id": "esx-spare"})
    doc["networks"].insert(0, {"id": "net-spare", "kind": "vlan", "zone": doc["zones"][0]["id"]})
    doc["datastores"].insert(0, {"id": "ds-spare", "kind": "vmfs", "encrypted": True})
    expected = _verdicts(doc)
    assert len({rule for rule, *_ in expected}) >= 20
    longest = max(len(value) for value in doc.values() if isinstance(value, list))
    for k in range(1, longest):
        assert _verdicts(_reordered(doc, lambda xs, k=k: xs[k % len(xs) :] + xs[: k % len(xs)])) == expected, k
