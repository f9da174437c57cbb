"""SP 800-30 scoring, factor wording, fingerprints, summary and ordering."""

from __future__ import annotations

import pytest
from analysis_estates import clean_document, find, findings_of
from hypothesis import given
from hypothesis import strategies as st

from planner.core.analysis import (
    LEVELS,
    Finding,
    Mitigation,
    ObjectRef,
    analyze,
    finding_order,
    methodology,
    risk_of,
    shift,
)
from planner.core.analysis.method import FACTORS, IMPACT_WORDING, MAX_MITIGATION_STEPS
from planner.core.inventory import load_estate

# Table I-2 as nist-virtualization.md writes it: rows likelihood VH..VL, columns impact VL..VH.
TABLE_I2 = {
    "very-high": ("very-low", "low", "moderate", "high", "very-high"),
    "high": ("very-low", "low", "moderate", "high", "very-high"),
    "moderate": ("very-low", "low", "moderate", "moderate", "high"),
    "low": ("very-low", "low", "low", "low", "moderate"),
    "very-low": ("very-low", "very-low", "very-low", "low", "low"),
}


@pytest.mark.parametrize("likelihood", LEVELS)
def test_risk_follows_table_i2(likelihood):
    assert tuple(risk_of(likelihood, impact) for impact in LEVELS) == TABLE_I2[likelihood]


def test_shift_clamps():
    assert shift("high", 3) == "very-high" and shift("low", -5) == "very-low" and shift("moderate", 1) == "high"


def _mixed_host():
    doc = clean_document()
    for host in doc["hosts"]:
        host["dedicated_zone"] = None
    find(doc, "vms", "vm-db")["host"] = "esx-dmz"  # restricted (3) with internet-facing dmz (1)
    return doc


def test_factors_use_the_method_wording_and_move_likelihood():
    (f,) = findings_of(_mixed_host(), "ZONE-MIX-HOST")
    assert f.factors == [
        IMPACT_WORDING["categorized"].format(
            impact="high", objective="confidentiality", vms="3 VMs", vm="vm-db", fips="high"
        ),
        FACTORS["internet_exposure"]["wording"].format(vm="vm-web", where="on the host"),
        FACTORS["trust_gap"]["wording"].format(gap=2, low="dmz", high="restricted", low_level=1, high_level=3),
    ]
    assert f.factors[1] == "internet-facing VM vm-web on the host: likelihood +1"
    assert (f.likelihood, f.impact, f.risk) == ("very-high", "high", "high")  # moderate +1 +1; Table I-2


def test_mitigation_lowers_likelihood_within_the_cap_and_is_listed():
    m = Mitigation("ZONE-MIX-HOST", -2, "hosts harden isolation", "PD-3")
    (f,) = findings_of(_mixed_host(), "ZONE-MIX-HOST", mitigations=[m])
    # very-high (moderate +1 +1) lowered by the cap, 1 level, not 2
    assert f.likelihood == "high" and f.risk == risk_of("high", "high")
    assert f.factors[-1] == (
        "hosts harden isolation (answer PD-3): likelihood -1, as far as the cap allows "
        "(answers lower a finding's likelihood by at most 1 level in total)"
    )
    assert MAX_MITIGATION_STEPS == 1 and any(
        f"at most {MAX_MITIGATION_STEPS} level" in p for p in methodology()["paragraphs"]
    )


def test_a_contradicted_answer_earns_no_credit():
    m = Mitigation("ZONE-MIX-HOST", 0, "each zone has its own hosts", "IN-7", contradicted=True)
    (f,) = findings_of(_mixed_host(), "ZONE-MIX-HOST", mitigations=[m])
    assert f.likelihood == "very-high"
    assert (
        f.factors[-1]
        == "answer IN-7 says each zone has its own hosts, which the inventory contradicts here: no likelihood credit"
    )


def test_uncategorized_vms_take_the_rules_default_impact():
    doc = clean_document()
    find(doc, "hosts", "esx-res")["settings"]["time_sync"] = False
    find(doc, "vms", "vm-db")["categorization"] = None
    (f,) = findings_of(doc, "HOST-NO-TIME-SYNC")
    assert f.impact == "low"  # the rule's default
    assert f.factors[0] == IMPACT_WORDING["uncategorized"].format(impact="low")


def test_methodology_states_the_wording_the_code_applies():
    m = methodology()
    assert m["factors"]["internet_exposure"]["wording"] == FACTORS["internet_exposure"]["wording"]
    assert any("Table I-2" in p for p in m["paragraphs"])
    assert m["fips199_to_impact"] == {"low": "low", "moderate": "moderate", "high": "high"}


def test_fingerprint_stable_while_situation_unchanged():
    doc = _mixed_host()
    (before,) = findings_of(doc, "ZONE-MIX-HOST")
    doc["vms"].append(
        {
            "id": "vm-web3",
            "host": "esx-dmz",
            "zone": "dmz",
            "vcpus": 1,
            "memory_gib": 1,
            "categorization": {"confidentiality": "low", "integrity": "low", "availability": "low"},
            "settings": {"clipboard_sharing": False, "file_sharing": False},
            "nics": [{"network": "pg-dmz"}],
        }
    )
    (after,) = findings_of(doc, "ZONE-MIX-HOST")
    assert after.fingerprint == before.fingerprint and after.evidence != before.evidence
    find(doc, "vms", "vm-app")["host"] = "esx-dmz"  # a third zone: a different situation
    (changed,) = findings_of(doc, "ZONE-MIX-HOST")
    assert changed.fingerprint != before.fingerprint


def test_summary_counts_every_level_and_scopes():
    result = analyze(load_estate(_mixed_host()))
    s = result.summary()
    assert list(s["by_risk"]) == list(reversed(LEVELS))
    assert sum(s["by_risk"].values()) == len(result.findings) == sum(s["by_rule"].values())
    assert s["by_host"]["esx-dmz"] >= 2 and s["by_zone"]["restricted"] >= 1
    assert set(result.to_dict()) == {"findings", "summary"}


def test_order_is_risk_likelihood_impact_desc_then_rule_then_objects_and_extra_findings_join():
    extra = Finding(
        "Q-PATCH-PROCESS",
        "No patch process",
        [ObjectRef("plan", "plan")],
        "very-high",
        "very-high",
        "very-high",
        ["answer PD-1 is no"],
        {"question": "PD-1"},
    )
    result = analyze(load_estate(_mixed_host()), extra_findings=[extra])
    keys = [
        (
            -LEVELS.index(f.risk),
            -LEVELS.index(f.likelihood),
            -LEVELS.index(f.impact),
            f.rule,
            [(o.kind, o.id) for o in f.objects],
        )
        for f in result.findings
    ]
    assert keys == sorted(keys)
    assert [finding_order(f) for f in result.findings] == sorted(finding_order(f) for f in result.findings)
    assert result.findings[0].rule == "Q-PATCH-PROCESS" and len(result.findings[0].fingerprint) == 64
    assert result.summary()["by_rule"]["Q-PATCH-PROCESS"] == 1


_level = st.sampled_from(LEVELS)
_text = st.text(st.characters(min_codepoint=2, max_codepoint=0x2FFF), min_size=1, max_size=8)
_finding = st.builds(
    lambda rule, objects, lk, im, fp: Finding(rule, "t", objects, lk, im, risk_of(lk, im), fingerprint=fp),
    _text,
    st.lists(st.builds(ObjectRef, st.sampled_from(("host", "vm", "network")), _text), max_size=3),
    _level,
    _level,
    st.text("0123456789abcdef", min_size=4, max_size=4),
)


@given(st.lists(_finding, max_size=12))
def test_finding_order_bytes_sort_as_the_tuple_of_risk_likelihood_impact_rule_objects_fingerprint(findings):
    def as_tuple(f):
        return (
            -LEVELS.index(f.risk),
            -LEVELS.index(f.likelihood),
            -LEVELS.index(f.impact),
            f.rule,
            [(o.kind, o.id) for o in f.objects],
            f.fingerprint,
        )

    assert sorted(findings, key=finding_order) == sorted(findings, key=as_tuple)


def _second_high_vm(doc, host):
    doc["vms"].append(
        {
            "id": "vm-db2",
            "host": host,
            "zone": find(doc, "hosts", host)["dedicated_zone"],
            "vcpus": 2,
            "memory_gib": 8,
            "categorization": {"confidentiality": "high", "integrity": "high", "availability": "low"},
            "nics": [{"network": {"esx-res": "pg-res", "esx-int": "pg-int"}[host]}],
            "settings": {"clipboard_sharing": False, "file_sharing": False},
        }
    )


def test_a_finding_reaching_every_high_vm_through_the_hypervisor_is_very_high_impact():
    doc = clean_document()
    _second_high_vm(doc, "esx-res")  # vm-db and vm-db2: every high VM of the estate on esx-res
    find(doc, "hosts", "esx-res")["settings"]["lockdown"] = False  # HOST-NO-LOCKDOWN reaches through the hypervisor
    (f,) = findings_of(doc, "HOST-NO-LOCKDOWN")
    assert f.impact == "very-high" and f.likelihood == "low"
    assert f.risk == "moderate"  # Table I-2: low x very-high
    assert f.factors[0] == (
        "impact very-high: through the hypervisor the finding reaches every VM whose FIPS 199 high-water mark "
        "is high (2 VMs, such as vm-db): multiple severe adverse effects"
    )


def test_very_high_needs_every_high_vm_and_at_least_two_and_a_reaching_rule():
    doc = clean_document()
    find(doc, "hosts", "esx-res")["settings"].update(lockdown=False, time_sync=False)
    (f,) = findings_of(doc, "HOST-NO-LOCKDOWN")
    assert f.impact == "high"  # one high VM only: a severe effect, not multiple
    _second_high_vm(doc, "esx-int")  # the second high VM is on another host: not reached
    (f,) = findings_of(doc, "HOST-NO-LOCKDOWN")
    assert f.impact == "high"
    doc = clean_document()
    _second_high_vm(doc, "esx-res")
    find(doc, "hosts", "esx-res")["settings"]["time_sync"] = False
    (f,) = findings_of(doc, "HOST-NO-TIME-SYNC")  # a rule whose threat does not act through the hypervisor
    assert f.impact != "very-high"


def test_a_shared_management_network_reaches_every_host_managed_over_it():
    doc = clean_document()
    _second_high_vm(doc, "esx-int")  # vm-db on esx-res, vm-db2 on esx-int: two hosts
    find(doc, "networks", "net-mgmt")["purpose"] = "guest"  # every host's management network is shared
    findings = findings_of(doc, "MGMT-NETWORK-SHARED")
    assert len(findings) == 3
    for f in findings:  # each reaches, through net-mgmt, the VMs of all three hosts
        assert f.impact == "very-high"
        assert f.factors[0].startswith("impact very-high: through the management plane the finding reaches")
    find(doc, "hosts", "esx-int")["management"]["network"] = "pg-int"  # esx-int managed elsewhere now
    by_host = {f.objects[0].id: f.impact for f in findings_of(doc, "MGMT-NETWORK-SHARED")}
    assert by_host["esx-res"] == "high" and by_host["esx-dmz"] != "very-high"
