"""VSWITCH-INSECURE-POLICY (analysis-v1.md, v1.1): a permissive port group security policy."""

from __future__ import annotations

import pytest
from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "VSWITCH-INSECURE-POLICY"


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


@pytest.mark.parametrize("key", ["promiscuous", "mac_changes", "forged_transmits"])
def test_each_permissive_key_fires_alone(key):
    doc = hardened_document()
    find(doc, "networks", "pg-res")["security_policy"][key] = True
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("network", "pg-res")]
    assert f.evidence["permissive"] == [key] and f.evidence["vms"] == ["vm-db"]
    # vm-db (high on confidentiality and integrity) is the VM on pg-res; objective any: high.
    # Base moderate, no internet-facing VM on it: moderate x high = moderate.
    assert score_of(f) == (
        "moderate",
        "high",
        "moderate",
        ["impact high: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-db is high)"],
    )


def test_internet_facing_vm_on_the_port_group_raises_likelihood():
    doc = hardened_document()
    find(doc, "networks", "pg-dmz")["security_policy"] = {"promiscuous": True, "forged_transmits": True}
    f = only(doc, RULE)
    assert f.evidence["permissive"] == ["promiscuous", "forged_transmits"]
    # vm-web (moderate) and vm-web2 (low) on pg-dmz; vm-web is internet-facing: moderate + 1 = high;
    # high x moderate = moderate.
    assert score_of(f) == (
        "high",
        "moderate",
        "moderate",
        [
            "impact moderate: FIPS 199 high-water mark of all objectives over the 2 VMs at risk (vm-web is moderate)",
            "internet-facing VM vm-web on the network: likelihood +1",
        ],
    )


def test_silent_when_keys_are_absent_unknown_or_rejecting():
    doc = hardened_document()
    find(doc, "networks", "pg-dmz")["security_policy"] = {}
    find(doc, "networks", "pg-int")["security_policy"] = {"promiscuous": None, "mac_changes": False}
    find(doc, "networks", "pg-res").pop("security_policy")
    assert findings_of(doc, RULE) == []


def test_a_port_group_without_vms_still_fires_with_the_default_impact():
    doc = hardened_document()
    find(doc, "networks", "net-nfs")["security_policy"]["mac_changes"] = True
    assert score_of(only(doc, RULE)) == (
        "moderate",
        "moderate",
        "moderate",
        ["impact moderate: no categorized VM at risk, so the rule's default impact applies"],
    )
