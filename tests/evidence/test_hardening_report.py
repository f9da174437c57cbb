"""The security plan shows the hosts' hardening and the baseline the FIPS 199 level calls for."""

from __future__ import annotations

import json
from pathlib import Path

import reports
from planner.core.assessment import assessment
from planner.core.inventory import load_estate
from planner.evidence import read_evidence

DATA = Path(__file__).resolve().parents[1] / "data" / "hardening"


def _plan(evidence=("synthetic-scg.csv", "host-esx-int.ckl")):
    doc = {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "zones": [{"id": "internal", "trust_level": 2}, {"id": "dmz", "trust_level": 1}],
        "networks": [{"id": "mgmt", "kind": "vlan", "purpose": "management"}],
        "hosts": [
            {
                "id": h,
                "cpu_cores": 8,
                "memory_gib": 64,
                "hypervisor": {"product": "esxi", "type": 1},
                "management": {"network": "mgmt", "encrypted": False},  # MGMT-UNENCRYPTED cites SC-8, SC-13, AC-17
            }
            for h in ("esx-dmz", "esx-int")
        ],
        "vms": [
            {
                "id": "vm-a",
                "host": "esx-int",
                "zone": "internal",
                "vcpus": 2,
                "memory_gib": 4,
                "categorization": {"confidentiality": "moderate", "integrity": "moderate", "availability": "low"},
            },
            {"id": "vm-b", "host": "esx-int", "zone": "dmz", "vcpus": 1, "memory_gib": 1},  # ZONE-MIX-HOST
        ],
    }
    read = [(n, read_evidence(n, (DATA / n).read_bytes())) for n in evidence]
    assessed = assessment(
        load_estate(doc),
        placement=False,
        baselines=[e.baseline for _, e in read if e.baseline is not None],
        checklists=[(n, c) for n, e in read for c in e.checklists],
    )
    return reports.PlanReport(name="Hardened", organization="Acme", assessment=assessed)


def test_the_hardening_chapter_and_the_json_list_each_host():
    plan = _plan()
    contents = reports.build(plan)
    assert contents.hardening["counts"] == {"failed": 1, "unchecked": 6, "passed": 1, "not-applicable": 1}
    html = reports.render(plan, "html").decode()
    assert "Hardening against the baselines" in html
    assert "Host esx-int" in html and "host-1.shell-off" in html and "No checklist names this host" in html
    document = json.loads(reports.render(plan, "json"))
    assert [h["host"] for h in document["hardening"]["hosts"]] == ["esx-dmz", "esx-int"]
    assert "Hardening against the baselines" not in reports.render(_plan(evidence=()), "html").decode()


def test_the_controls_appendix_and_oscal_say_which_baseline_selects_each_control():
    plan = _plan()
    contents = reports.build(plan)
    assert contents.baseline == {
        "name": "MODERATE",
        "level": "moderate",
        "selected": 287,
        "addressed": 10,  # AC-17 CM-6 CM-8 RA-2 SC-4 SC-7 SC-8 SC-13 SC-39 SI-2: cited, and MODERATE selects them
        "outside": ["SC-7(21)", "SC-32"],  # ZONE-MIX-HOST's: HIGH only, and no baseline
    }
    by_id = {c["id"]: c for c in contents.controls}
    assert by_id["SC-8"]["baselines"] == ["MODERATE", "HIGH"]
    html = reports.render(plan, "html").decode()
    assert "calls for the SP 800-53B MODERATE baseline, which selects 287 controls" in html
    assert "2 controls the baseline does not select (SC-7(21), SC-32)" in html
    ssp = json.loads(reports.render(plan, "oscal"))["system-security-plan"]
    props = {r["control-id"]: r["props"][0]["value"] for r in ssp["control-implementation"]["implemented-requirements"]}
    assert props["sc-8"] == "moderate high" and props["ac-17"] == "low moderate high"
    assert props["sc-32"] == "none" and props["sc-7.21"] == "high"
    assert ssp["import-profile"]["href"].endswith("NIST_SP-800-53_rev5_MODERATE-baseline_profile.json")
