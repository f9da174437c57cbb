"""HOST-SHELL-ENABLED (analysis-v1.md, v1.1): a local or SSH shell service runs on a host."""

from __future__ import annotations

from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "HOST-SHELL-ENABLED"


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_fires_scored_by_the_vms_on_the_host():
    doc = hardened_document()
    find(doc, "hosts", "esx-res")["settings"]["shell"] = True
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("host", "esx-res")]
    # vm-db is high on confidentiality and integrity (objective any); base low, no factors;
    # low x high = low (Table I-2).
    assert score_of(f) == (
        "low",
        "high",
        "low",
        ["impact high: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-db is high)"],
    )


def test_an_empty_host_takes_the_default_impact():
    doc = hardened_document()
    host = find(doc, "hosts", "esx-int")
    host["settings"]["shell"] = True
    find(doc, "vms", "vm-app")["host"] = None
    host["dedicated_zone"] = None
    assert score_of(only(doc, RULE))[:3] == ("low", "moderate", "low")


def test_silent_when_off_unknown_or_without_settings():
    doc = hardened_document()
    find(doc, "hosts", "esx-dmz")["settings"]["shell"] = None
    find(doc, "hosts", "esx-int")["settings"].pop("shell")
    find(doc, "hosts", "esx-res")["settings"]["shell"] = False
    assert findings_of(doc, RULE) == []
    find(doc, "hosts", "esx-res")["settings"] = None
    assert findings_of(doc, RULE) == []
