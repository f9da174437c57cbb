"""HYPERVISOR-END-OF-SUPPORT (analysis-v1.md, v1.1): the running version is past its end of support."""

from __future__ import annotations

from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "HYPERVISOR-END-OF-SUPPORT"


def end_of_support(doc, host, date):
    find(doc, "hosts", host)["hypervisor"]["end_of_support"] = date


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_fires_the_day_after_the_end_of_support():
    doc = hardened_document()  # as_of 2026-11-01
    end_of_support(doc, "esx-int", "2026-10-31")
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("host", "esx-int")]
    assert f.evidence["days_past"] == 1 and f.evidence["end_of_support"] == "2026-10-31"
    # vm-app is moderate on every objective it has; base moderate: moderate x moderate = moderate.
    assert score_of(f) == (
        "moderate",
        "moderate",
        "moderate",
        ["impact moderate: FIPS 199 high-water mark of all objectives over the one VM at risk (vm-app is moderate)"],
    )


def test_an_internet_facing_vm_on_the_host_raises_likelihood():
    doc = hardened_document()
    end_of_support(doc, "esx-dmz", "2024-06-30")
    # moderate + 1 (vm-web) = high; all objectives: vm-web moderate; high x moderate = moderate.
    assert score_of(only(doc, RULE))[:3] == ("high", "moderate", "moderate")


def test_near_misses():
    doc = hardened_document()
    end_of_support(doc, "esx-int", "2026-11-01")  # the last day of support is still supported
    find(doc, "hosts", "esx-res")["hypervisor"].pop("end_of_support")  # unknown
    end_of_support(doc, "esx-dmz", None)
    assert findings_of(doc, RULE) == []
