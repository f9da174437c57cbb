"""PAGE-SHARING-MIXED-ZONES (analysis-v1.md, v1.1): memory pages shared between VMs of different zones."""

from __future__ import annotations

from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "PAGE-SHARING-MIXED-ZONES"


def sharing_host(doc, *moved):
    """esx-dmz shares pages between VMs; ``moved`` VMs join it (dedication lifted)."""
    host = find(doc, "hosts", "esx-dmz")
    host["settings"]["inter_vm_page_sharing"] = True
    host["dedicated_zone"] = None
    for vm in moved:
        find(doc, "vms", vm)["host"] = "esx-dmz"
    return host


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_fires_for_two_zones_with_the_internet_factor():
    doc = hardened_document()
    sharing_host(doc, "vm-app")
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("host", "esx-dmz")]
    assert f.evidence["zones"] == ["dmz", "internal"]
    # dmz (1) and internal (2): a gap of 1, no trust-gap factor; vm-web is internet-facing: low + 1.
    # Confidentiality over vm-web (moderate), vm-web2 (low), vm-app (moderate): moderate.
    # moderate x moderate = moderate.
    assert score_of(f) == (
        "moderate",
        "moderate",
        "moderate",
        [
            "impact moderate: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk (vm-web is moderate)",
            "internet-facing VM vm-web on the host: likelihood +1",
        ],
    )


def test_a_trust_gap_of_two_adds_its_step():
    doc = hardened_document()
    sharing_host(doc, "vm-db")
    f = only(doc, RULE)
    # dmz (1) and restricted (3): +1 for the gap, +1 for vm-web: low + 2 = high; vm-db is high: high x high.
    assert score_of(f) == (
        "high",
        "high",
        "high",
        [
            "impact high: FIPS 199 high-water mark of confidentiality over the 3 VMs at risk (vm-db is high)",
            "internet-facing VM vm-web on the host: likelihood +1",
            "trust gap of 2 between zone dmz (trust 1) and zone restricted (trust 3): likelihood +1",
        ],
    )


def test_fires_whatever_the_zone_mixing_policy():
    doc = hardened_document()
    doc["policy"]["zone_mixing"] = "adjacent"
    sharing_host(doc, "vm-app")  # dmz and internal may share a host under "adjacent"
    assert findings_of(doc, "ZONE-MIX-HOST") == []
    assert only(doc, RULE).evidence["zones"] == ["dmz", "internal"]


def test_near_misses():
    doc = hardened_document()
    sharing_host(doc)  # one zone only (vm-web, vm-web2 are dmz)
    doc["vms"].append({"id": "vm-x", "host": "esx-dmz", "vcpus": 1, "memory_gib": 1})  # no zone: unknown
    assert findings_of(doc, RULE) == []
    doc = hardened_document()
    sharing_host(doc, "vm-app")["settings"]["inter_vm_page_sharing"] = False
    assert findings_of(doc, RULE) == []
    doc = hardened_document()
    sharing_host(doc, "vm-app")["settings"].pop("inter_vm_page_sharing")
    assert findings_of(doc, RULE) == []
