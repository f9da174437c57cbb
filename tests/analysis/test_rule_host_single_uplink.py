"""HOST-SINGLE-UPLINK (analysis-v1.md, v1.1): a host with VMs has one physical uplink."""

from __future__ import annotations

import pytest
from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "HOST-SINGLE-UPLINK"


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_fires_on_one_uplink_scored_on_availability():
    doc = hardened_document()
    find(doc, "hosts", "esx-int")["uplinks"] = 1
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("host", "esx-int")]
    # vm-app's availability is low; base low: low x low = low.
    assert score_of(f) == (
        "low",
        "low",
        "low",
        ["impact low: FIPS 199 high-water mark of availability over the one VM at risk (vm-app is low)"],
    )


@pytest.mark.parametrize("uplinks", [0, 2, None])
def test_other_counts_are_silent(uplinks):
    doc = hardened_document()
    find(doc, "hosts", "esx-int")["uplinks"] = uplinks
    assert findings_of(doc, RULE) == []


def test_a_host_without_vms_is_silent():
    doc = hardened_document()
    host = find(doc, "hosts", "esx-int")
    host["uplinks"] = 1
    find(doc, "vms", "vm-app")["host"] = None
    assert findings_of(doc, RULE) == []
