"""VM-NO-SECURE-BOOT (analysis-v1.md, v1.1): a moderate- or high-impact VM without Secure Boot."""

from __future__ import annotations

import pytest
from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "VM-NO-SECURE-BOOT"


def no_secure_boot(doc, vm):
    find(doc, "vms", vm)["firmware"]["secure_boot"] = False


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_fires_on_a_moderate_vm_scored_on_integrity():
    doc = hardened_document()
    no_secure_boot(doc, "vm-app")
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("vm", "vm-app")]
    assert f.evidence == {"high_water_mark": "moderate"}
    # vm-app's integrity is moderate; base low: low x moderate = low.
    assert score_of(f) == (
        "low",
        "moderate",
        "low",
        ["impact moderate: FIPS 199 high-water mark of integrity over the one VM at risk (vm-app is moderate)"],
    )


def test_a_high_vm_fires_with_high_impact():
    doc = hardened_document()
    no_secure_boot(doc, "vm-db")
    assert score_of(only(doc, RULE))[:3] == ("low", "high", "low")


def test_the_high_water_mark_counts_every_objective():
    doc = hardened_document()
    no_secure_boot(doc, "vm-web2")  # low, low, low: below the threshold
    assert findings_of(doc, RULE) == []
    find(doc, "vms", "vm-web2")["categorization"]["availability"] = "moderate"
    f = only(doc, RULE)
    # Fires on the availability level; the impact is integrity's, low.
    assert f.evidence == {"high_water_mark": "moderate"} and f.impact == "low"


@pytest.mark.parametrize("firmware", [None, {}, {"secure_boot": None, "vtpm": False}, {"secure_boot": True}])
def test_silent_when_unknown_or_on(firmware):
    doc = hardened_document()
    find(doc, "vms", "vm-db")["firmware"] = firmware
    assert findings_of(doc, RULE) == []


def test_an_uncategorized_vm_is_silent():
    doc = hardened_document()
    vm = find(doc, "vms", "vm-app")
    vm["categorization"] = None
    vm["firmware"]["secure_boot"] = False
    assert findings_of(doc, RULE) == []
