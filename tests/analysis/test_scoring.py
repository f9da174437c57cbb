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
from planner.core.analysis.method import FACTORS, IMPACT_WORDING
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


def test_mitigation_lowers_likelihood_and_is_listed():
    m = Mitigation("ZONE-MIX-HOST", -2, "hosts harden isolation (answer PD-3): likelihood -2")
    (f,) = findings_of(_mixed_host(), "ZONE-MIX-HOST", mitigations=[m])
    assert f.likelihood == "moderate" and f.factors[-1] == m.factor
    assert f.risk == risk_of("moderate", "high")


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
