"""VM-PASSTHROUGH-DEVICE (analysis-v1.md, v1.1): a physical PCI device handed to a VM."""

from __future__ import annotations

from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "VM-PASSTHROUGH-DEVICE"


def passthrough(doc, vm, connected=True):
    find(doc, "vms", vm)["devices"] = [{"kind": "pci-passthrough", "connected": connected}]


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_fires_scored_by_every_vm_on_the_host():
    doc = hardened_document()
    passthrough(doc, "vm-web2")
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("vm", "vm-web2")]
    assert f.evidence == {"passthrough_devices": 1, "host": "esx-dmz"}
    # At risk: the VMs of esx-dmz, vm-web (moderate) and vm-web2 (low); objective any: moderate.
    # Base low, no factors: low x moderate = low.
    assert score_of(f) == (
        "low",
        "moderate",
        "low",
        ["impact moderate: FIPS 199 high-water mark of all objectives over the 2 VMs at risk (vm-web is moderate)"],
    )


def test_an_unplaced_vm_puts_only_itself_at_risk():
    doc = hardened_document()
    passthrough(doc, "vm-db")
    find(doc, "vms", "vm-db")["host"] = None
    assert score_of(only(doc, RULE))[:3] == ("low", "high", "low")


def test_near_misses():
    doc = hardened_document()
    passthrough(doc, "vm-app", connected=False)
    find(doc, "vms", "vm-db")["devices"] = [{"kind": "other", "connected": True, "in_use": True}]
    assert findings_of(doc, RULE) == []
