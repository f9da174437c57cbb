"""Citations a consultant can sign: SP 800-53 ids and titles as NIST's OSCAL catalog
has them, each recommendation traceable to its source, our ids marked as ours."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from shared_files import shared_file

from planner.core.analysis import REGISTRY
from planner.core.questionnaire import default_questionnaire, load_catalog

ROOT = Path(__file__).resolve().parents[2]
EXTRACT = ROOT / "tests" / "data" / "sp800-53r5-control-titles.csv"
BASELINES = "reference/sp800-53r5-baseline-controls.csv"


def _extract() -> dict[str, str]:
    with EXTRACT.open(encoding="utf-8", newline="") as f:
        return {row["id"]: row["title"] for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_catalog_control_has_its_official_id_and_title(catalog):
    official = _extract()
    wrong = {cid: (title, official.get(cid)) for cid, title in catalog.controls.items() if official.get(cid) != title}
    assert not wrong, f"(ours, NIST's OSCAL catalog): {wrong}"
    assert catalog.controls["SC-5"] == "Denial-of-service Protection"


def test_the_extract_agrees_with_the_baseline_profiles():
    with shared_file(BASELINES).open(encoding="utf-8", newline="") as f:
        profiles = {row["id"]: row["title"] for row in csv.DictReader(f)}
    official = _extract()
    assert {cid: t for cid, t in official.items() if cid in profiles} == {
        cid: profiles[cid] for cid in official if cid in profiles
    }
    outside = sorted(set(official) - set(profiles))
    # controls outside every baseline were read in the full catalog
    with EXTRACT.open(encoding="utf-8", newline="") as f:
        read_from = {row["id"]: row["read_from"] for row in csv.DictReader(f)}
    assert all(read_from[cid] == "catalog" for cid in outside), outside
    assert {"SC-32", "SC-7(13)", "AC-4(21)", "SC-7(29)", "SC-45"} <= set(outside)


@pytest.mark.parametrize("rule", REGISTRY, ids=lambda r: r.id)
def test_each_rule_says_why_it_cites_each_control(rule, catalog):
    assert list(rule.control_basis) == rule.references["sp800_53"]
    assert all(len(reason) > 15 for reason in rule.control_basis.values())
    assert set(rule.references["sp800_53"]) <= set(catalog.controls)


def test_corrected_mappings_stay_corrected():
    """The mappings the knowledge audit found wrong (docs/citations.md)."""
    cites = {r.id: set(r.references["sp800_53"]) for r in REGISTRY}
    for rule in ("ZONE-MIX-HOST", "EXPOSED-CORESIDENCY", "HOSTED-HYPERVISOR-SERVER"):
        assert "SC-2" not in cites[rule]  # user/management separation, not co-residency
    assert {"SC-4", "SC-32", "SC-39"} <= cites["ZONE-MIX-HOST"] & cites["EXPOSED-CORESIDENCY"]
    assert "MP-6" not in cites["DATASTORE-UNENCRYPTED-SENSITIVE"]  # sanitization
    assert "SC-28(1)" in cites["DATASTORE-UNENCRYPTED-SENSITIVE"]
    assert "SA-22" in cites["HYPERVISOR-OUTDATED"] and "SA-22" in cites["HYPERVISOR-END-OF-SUPPORT"]
    assert "SC-7(13)" not in cites["MGMT-NETWORK-SHARED"]
    rules = {r.id: r for r in REGISTRY}
    assert not rules["ANTI-AFFINITY-VIOLATION"].references["sp800_125b"]
    assert not rules["ANTI-AFFINITY-VIOLATION"].references["sp800_125a"]
    assert not rules["HOST-UNUSED-HARDWARE"].references["sp800_125a"]
    assert not rules["HOST-NO-TIME-SYNC"].references["sp800_125a"]
    assert rules["VSWITCH-INSECURE-POLICY"].references["vendor"]
    assert not rules["VSWITCH-INSECURE-POLICY"].references["sp800_125"]
    catalog = load_catalog()
    recs = catalog.recommendations
    assert "SC-7(13)" not in recs["HV-12"].controls and "SC-3" in recs["HV-12"].controls
    assert "SC-7(13)" not in recs["HY-BF4-2"].controls
    assert "AC-20" in recs["DV-1"].controls
    q = default_questionnaire()
    weak = {qid: {c for w in question.weak for c in w.controls} for qid, question in q.questions.items()}
    assert weak["implementation.testing.authorization"] == {"CA-6"}
    assert "SA-22" in weak["planning.procurement.support_lifetime"]
    for qid in ("initiation.policy.exists", "initiation.policy.review_cycle", "initiation.policy.last_review"):
        assert weak[qid] and all(c.endswith("-1") for c in weak[qid] if c != "RA-3"), qid
    assert "AC-20" in weak["planning.desktop.privacy"]
    assert weak["implementation.monitoring.introspection"] == {"SI-4", "SC-3"}
    assert not any("SC-7(13)" in controls for controls in weak.values())
    assert "HY-BF1-4" not in q.questions["planning.architecture.failover_capacity"].covers
    assert not q.questions["planning.network.vswitch_security"].covers  # the source is the vendor baseline


def test_every_recommendation_is_ours_and_traceable(catalog):
    for rec in catalog.recommendations.values():
        data = rec.to_dict()
        assert data["origin"] == "virtplan"
        assert data["paraphrases"] and rec.id not in data["paraphrases"]
        assert rec.checked in catalog.checks, rec.id
        assert len(rec.basis) > 40, rec.id
        assert rec.publication in catalog.publications, rec.id
        # Rev. 1 only where NIST's own page confirms the topic; draft topics cite the draft
        if rec.publication == "SP 800-125A Rev. 1":
            assert rec.checked == "nist-publication-page", rec.id
        if rec.checked == "draft-topic":
            assert rec.publication == "SP 800-125A (2014 draft)", rec.id
    assert catalog.recommendations["HV-7"].checked == "unconfirmed"
    # measures Rev. 1 dropped as common to all server software, or without a topic of their own
    dropped = {"HY-BF1-1", "HY-BF3-1", "HY-BF4-3", "HY-BF5-4", "HY-BF5-6", "HY-BF5-7", "HY-BF5-8", "HY-BF5-10"}
    assert not dropped & set(catalog.recommendations)


#: "SP 800-125A Rev. 1" may be followed only by what Rev. 1 is known to contain.
_REV1 = re.compile(r"SP 800-125A Rev\. 1(?! (baseline function HY-BF[1-5]|adds device passthrough))")


def test_question_help_cites_rev1_only_for_what_it_contains():
    for question in default_questionnaire().questions.values():
        assert not _REV1.search(question.help), (question.id, question.help)


def test_rule_references_cite_rev1_functions_and_draft_topics_only():
    for rule in REGISTRY:
        for ref in rule.reference_list():
            if ref.startswith("SP 800-125A"):
                assert re.match(r"SP 800-125A (Rev\. 1, HY-BF[1-5] \(|2014 draft, HY-BF[1-5] topic: )", ref), ref


def test_the_api_says_the_ids_are_ours(client, tenant):
    body = client.get("/api/v1/questionnaire/catalog", headers=tenant.headers("read")).get_json()
    assert body["ids"]["origin"] == "virtplan" and "VirtPlan's own" in body["ids"]["statement"]
    recs = {r["id"]: r for r in body["recommendations"]}
    assert recs["HV-5"]["origin"] == "virtplan" and recs["HV-5"]["paraphrases"] == "SP 800-125 §4.1"
    assert recs["HV-5"]["source"]["checked"] == "reference-notes" and recs["HV-5"]["source"]["basis"]
    assert recs["HY-BF2-2"]["source"]["publication"] == "SP 800-125A Rev. 1"
    assert set(body["checks"]) == {"reference-notes", "nist-publication-page", "draft-topic", "unconfirmed"}


def test_the_baselines_are_those_of_the_oscal_profiles():
    from planner.core.questionnaire import control_baselines

    baselines = control_baselines()
    assert {k: len(v) for k, v in baselines.items()} == {"LOW": 149, "MODERATE": 287, "HIGH": 370, "PRIVACY": 102}
    assert baselines["LOW"] <= baselines["MODERATE"] <= baselines["HIGH"]
    assert "SC-32" not in baselines["HIGH"] and "SC-7(21)" in baselines["HIGH"] and "SA-22" in baselines["LOW"]
    with shared_file(BASELINES).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for name, selected in baselines.items():
        assert selected == {row["id"] for row in rows if name in row["baselines"].split()}, name
