"""GUEST-ON-INFRA-NETWORK (analysis-v1.md, v1.1): a guest VM on a storage, migration or backup network."""

from __future__ import annotations

from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "GUEST-ON-INFRA-NETWORK"


def attach(doc, vm, network):
    find(doc, "vms", vm)["nics"].append({"network": network})


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_fires_on_a_migration_network_scored_by_the_vms_migrating_over_it():
    doc = hardened_document()
    attach(doc, "vm-app", "net-vmotion")
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("vm", "vm-app")]
    assert f.evidence["networks"] == ["net-vmotion"]
    assert f.evidence["hosts_migrating_over_them"] == ["esx-dmz", "esx-int", "esx-res"]
    # At risk: the other VMs of the hosts migrating over net-vmotion (vm-web, vm-web2, vm-db);
    # confidentiality high-water mark: vm-db is high. Likelihood: base moderate, the guest is
    # not internet-facing. Risk: moderate x high = moderate (Table I-2).
    assert score_of(f) == (
        "moderate",
        "high",
        "moderate",
        ["impact high: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk (vm-db is high)"],
    )


def test_an_internet_facing_guest_on_a_backup_network_raises_likelihood_and_takes_the_default_impact():
    doc = hardened_document()
    attach(doc, "vm-web", "net-backup")
    f = only(doc, RULE)
    # No host migrates over net-backup: no VM is known to be at risk, so the rule's default (high).
    # Likelihood: moderate + 1 (vm-web itself is internet-facing) = high; high x high = high.
    assert score_of(f) == (
        "high",
        "high",
        "high",
        [
            "impact high: no categorized VM at risk, so the rule's default impact applies",
            "internet-facing VM vm-web itself: likelihood +1",
        ],
    )


def test_each_infrastructure_purpose_fires_and_the_networks_are_listed_once():
    doc = hardened_document()
    for net in ("net-nfs", "net-backup", "net-nfs"):
        attach(doc, "vm-db", net)
    assert only(doc, RULE).evidence["networks"] == ["net-backup", "net-nfs"]


def test_near_misses():
    doc = hardened_document()
    attach(doc, "vm-app", "net-mgmt")  # management networks are MGMT-NETWORK-SHARED's
    attach(doc, "vm-app", "pg-res")  # a guest network of another zone is not infrastructure
    doc["vms"].append({"id": "vm-gw", "zone": "mgmt", "vcpus": 1, "memory_gib": 1, "nics": [{"network": "net-backup"}]})
    doc["appliances"].append({"id": "gw-backup", "kind": "gateway", "vm": "vm-gw", "networks": ["net-backup"]})
    assert findings_of(doc, RULE) == []  # a VM backing an appliance may sit there


def test_a_network_without_a_purpose_is_a_guest_network():
    doc = hardened_document()
    find(doc, "networks", "net-nfs").pop("purpose")
    attach(doc, "vm-app", "net-nfs")
    assert findings_of(doc, RULE) == []
