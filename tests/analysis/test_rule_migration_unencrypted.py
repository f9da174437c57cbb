"""MIGRATION-UNENCRYPTED (analysis-v1.md, v1.1): clear-text live migration, or on a shared network."""

from __future__ import annotations

from analysis_estates import clean_document, find, findings_of, hardened_document, only, score_of

RULE = "MIGRATION-UNENCRYPTED"


def migration(doc, host):
    return find(doc, "hosts", host)["migration"]


def test_silent_on_the_hardened_and_the_clean_estate():
    assert findings_of(hardened_document(), RULE) == []
    assert findings_of(clean_document(), RULE) == []


def test_unencrypted_migration_fires_scored_by_the_hosts_vms():
    doc = hardened_document()
    migration(doc, "esx-res")["encrypted"] = False
    f = only(doc, RULE)
    assert [(o.kind, o.id) for o in f.objects] == [("host", "esx-res")]
    assert f.evidence["reasons"] == ["not-encrypted"]
    # vm-db (confidentiality high) is the only VM on esx-res; base moderate; moderate x high = moderate.
    assert score_of(f) == (
        "moderate",
        "high",
        "moderate",
        ["impact high: FIPS 199 high-water mark of confidentiality over the one VM at risk (vm-db is high)"],
    )


def test_a_migration_network_of_another_purpose_fires():
    doc = hardened_document()
    migration(doc, "esx-int")["network"] = "net-mgmt"
    f = only(doc, RULE)
    assert f.evidence["reasons"] == ["network-not-dedicated"] and f.evidence["network_purpose"] == "management"
    # vm-app is moderate: moderate x moderate = moderate.
    assert score_of(f)[:3] == ("moderate", "moderate", "moderate")


def test_both_reasons_and_an_internet_facing_vm_on_the_host():
    doc = hardened_document()
    migration(doc, "esx-dmz").update(network="pg-dmz", encrypted=False)
    f = only(doc, RULE)
    assert f.evidence["reasons"] == ["not-encrypted", "network-not-dedicated"]
    # vm-web is internet-facing: moderate + 1 = high; confidentiality: vm-web moderate, vm-web2 low;
    # high x moderate = moderate.
    assert score_of(f) == (
        "high",
        "moderate",
        "moderate",
        [
            "impact moderate: FIPS 199 high-water mark of confidentiality over the 2 VMs at risk (vm-web is moderate)",
            "internet-facing VM vm-web on the host: likelihood +1",
        ],
    )


def test_silent_when_the_facts_are_absent_or_safe():
    doc = hardened_document()
    find(doc, "hosts", "esx-dmz").pop("migration")  # absent: unknown
    migration(doc, "esx-int").pop("encrypted")  # encryption unknown, dedicated network
    migration(doc, "esx-res").update(network=None, encrypted=True)  # network unknown, encrypted
    assert findings_of(doc, RULE) == []


def test_the_finding_cites_each_source_of_the_rule_in_order():
    """The one rule citing all four kinds of source: SP 800-125, 800-125A, 800-125B and the vendor
    baselines, each as the catalogue prints it, then the SP 800-53 controls (analysis-v1.md's
    example: "SP 800-125 §5.1", "SC-32")."""
    doc = hardened_document()
    migration(doc, "esx-res")["encrypted"] = False
    assert only(doc, RULE).references == [
        "SP 800-125 §5.2 (cryptography for communications)",
        "SP 800-125A Rev. 1, HY-BF4 (VM lifecycle management)",
        "SP 800-125B: network segmentation",
        "VMware VCF 9.1 Security Configuration Guide esx-9.vmk-vmotion, vm-9.vmotion-encrypted",
        "DISA STIG VCFE-9X-000152, VCFV-9X-000208",
        "SC-8",
        "SC-8(1)",
        "AC-4(21)",
    ]
