"""VM-SNAPSHOT-OLD (analysis-v1.md, v1.1): a snapshot older than policy snapshot_max_age_days."""

from __future__ import annotations

from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "VM-SNAPSHOT-OLD"


def snapshots(doc, vm, *dates):
    find(doc, "vms", vm)["snapshots"] = [{"id": f"s-{d}", "created": d} for d in dates]


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_eight_days_is_stale_under_the_default_seven():
    doc = hardened_document()  # as_of 2026-11-01, snapshot_max_age_days 7
    snapshots(doc, "vm-db", "2026-10-24", "2026-10-30")
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("vm", "vm-db")]
    assert f.evidence["snapshots"] == ["s-2026-10-24"]
    assert (f.evidence["age_days"], f.evidence["max_age_days"]) == (8, 7)
    # vm-db is high on confidentiality; base low: low x high = low.
    assert score_of(f) == (
        "low",
        "high",
        "low",
        ["impact high: FIPS 199 high-water mark of confidentiality over the one VM at risk (vm-db is high)"],
    )


def test_exactly_the_maximum_age_is_not_stale():
    doc = hardened_document()
    snapshots(doc, "vm-db", "2026-10-25")
    assert findings_of(doc, RULE) == []


def test_the_policy_sets_the_age_and_the_default_applies_when_absent():
    doc = hardened_document()
    for vm in doc["vms"]:
        vm["snapshots"] = []
    snapshots(doc, "vm-app", "2026-10-24")
    doc["policy"]["snapshot_max_age_days"] = 8
    assert findings_of(doc, RULE) == []
    doc["policy"]["snapshot_max_age_days"] = 0
    snapshots(doc, "vm-app", "2026-11-01")  # taken on the day judged: 0 days old
    assert findings_of(doc, RULE) == []
    snapshots(doc, "vm-app", "2026-10-31")
    assert only(doc, RULE).evidence["max_age_days"] == 0
    doc["policy"].pop("snapshot_max_age_days")
    snapshots(doc, "vm-app", "2026-10-25", "2026-10-24")
    assert only(doc, RULE).evidence["snapshots"] == ["s-2026-10-24"]


def test_a_vm_without_snapshots_is_silent():
    doc = hardened_document()
    find(doc, "vms", "vm-db").pop("snapshots")
    snapshots(doc, "vm-app")
    assert findings_of(doc, RULE) == []
