"""The engine: conditions, answer checks, applicability, progress, weak-answer
findings, mitigations, version changes — against the real questionnaire and
small real estates."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.analysis import LEVELS, analyze, risk_of
from planner.core.assessment import assess
from planner.core.inventory import load_estate
from planner.core.questionnaire import (
    Answer,
    AnswersDocument,
    AnswersError,
    Evaluation,
    applicable,
    carry_answers,
    default_questionnaire,
    fingerprint,
    merge_answers,
    mitigations,
    parse_answers_document,
    progress,
    validate_answers,
    value_problem,
    weak_answer_findings,
)
from planner.core.questionnaire.conditions import ConditionSyntax

DESKTOP = "initiation.scope.desktop_virtualization"


@pytest.fixture(scope="module")
def q():
    return default_questionnaire()


def inventory(
    *,
    type2=False,
    internet=False,
    high=False,
    zones=("internal",),
    encrypted_mgmt=True,
    shared_mgmt=False,
    patched_on="2026-10-01",
    as_of="2026-11-01",
) -> dict:
    """A small valid inventory: one host per zone, one VM per host."""
    doc = {
        "schema": "virtplan.inventory/v1",
        "as_of": as_of,
        "zones": [{"id": "mgmt", "trust_level": 3, "purpose": "management"}],
        "networks": [{"id": "net-mgmt", "kind": "vlan", "zone": "mgmt", "purpose": "management"}],
        "hosts": [],
        "vms": [],
        "clusters": [{"id": "c1"}],
    }
    for i, zone in enumerate(zones):
        doc["zones"].append({"id": zone, "trust_level": 1 if zone == "dmz" else 2})
        doc["networks"].append({"id": f"pg-{zone}", "kind": "portgroup", "zone": zone})
        doc["hosts"].append(
            {
                "id": f"h{i}",
                "cluster": "c1",
                "cpu_cores": 32,
                "memory_gib": 512,
                "hypervisor": {
                    "product": "other" if type2 else "esxi",
                    "type": 2 if type2 else 1,
                    "version": "8.0.3",
                    "patched_on": patched_on,
                },
                "management": {"network": f"pg-{zone}" if shared_mgmt else "net-mgmt", "encrypted": encrypted_mgmt},
                "settings": {"time_sync": True, "remote_logging": True, "lockdown": True, "introspection": False},
            }
        )
        level = "high" if high else "moderate"
        doc["vms"].append(
            {
                "id": f"vm-{zone}",
                "host": f"h{i}",
                "zone": zone,
                "vcpus": 2,
                "memory_gib": 8,
                "internet_facing": internet and zone == "dmz",
                "categorization": {"confidentiality": level, "integrity": "moderate", "availability": "low"},
                "nics": [{"network": f"pg-{zone}"}],
                "settings": {"clipboard_sharing": False, "file_sharing": False},
            }
        )
    return doc


def estate(**kw):
    return load_estate(inventory(**kw))


# ------------------------------------------------------------------ conditions


def test_answer_condition_equals(q):
    desktop_qs = {"planning.desktop.delivery", "operations.desktop.image_updates"}
    assert desktop_qs <= applicable(q, {DESKTOP: True})
    assert not desktop_qs & applicable(q, {DESKTOP: False})
    assert desktop_qs <= applicable(q, {}), "unanswered premise: unknown, so the question is shown"


def test_answer_condition_in_and_chained_inapplicability(q):
    answers = {DESKTOP: True, "planning.desktop.delivery": "client-hosted"}
    assert "planning.desktop.host_trust" in applicable(q, answers)
    answers["planning.desktop.delivery"] = "server-hosted"
    assert "planning.desktop.host_trust" not in applicable(q, answers)
    # the premise question itself does not apply -> the dependent question does not either
    assert "planning.desktop.host_trust" not in applicable(q, {DESKTOP: False, "planning.desktop.delivery": "both"})


def test_answer_condition_includes(q):
    assert "planning.architecture.hosted_servers" in applicable(
        q, {"planning.architecture.hypervisor_types": ["type-1", "type-2"]}, estate()
    )
    assert "planning.architecture.hosted_servers" not in applicable(
        q, {"planning.architecture.hypervisor_types": ["type-1"]}, estate()
    )


def test_inventory_flag_condition(q):
    qid = "planning.cryptography.guest_disk_encryption"  # applies when a VM is categorized high
    assert qid in applicable(q, {}, estate(high=True))
    assert qid not in applicable(q, {}, estate(high=False))
    assert qid in applicable(q, {}, None), "no inventory: unknown, shown"
    hosted = "implementation.hosts.hosted_host_os"
    assert hosted in applicable(q, {}, estate(type2=True))
    answers = {"planning.architecture.hypervisor_types": ["type-1"], DESKTOP: False}
    assert hosted not in applicable(q, answers, estate())
    assert hosted in applicable(q, {"planning.architecture.hypervisor_types": ["type-1"]}, estate()), (
        "desktop scope unanswered: client-hosted desktops are still possible"
    )


def test_inventory_count_condition_and_not(q):
    qid = "planning.architecture.failover_capacity"  # not (host_count < 2)
    assert qid not in applicable(q, {}, estate(zones=("internal",)))
    assert qid in applicable(q, {}, estate(zones=("internal", "dmz")))
    assert qid in applicable(q, {}, None)


def test_any_combinator_over_inventory_facts(q):
    qid = "planning.cryptography.migration"  # clustered hosts or a migration network
    assert qid in applicable(q, {}, estate(zones=("internal", "dmz")))
    assert qid not in applicable(q, {}, estate(zones=("internal",)))


def _ev(q, answers=None, est=None, as_of=None):
    return Evaluation(q, answers or {}, est, as_of)


def parse(q, data, own=None):
    problems = []
    known = {qid: (x.type, x.choice_values) for qid, x in q.questions.items()}
    cond = ConditionSyntax(known, problems).parse(data, "c", own)
    assert not problems, problems
    return cond


def test_numeric_date_and_set_operators(q):
    ev = _ev(q, {"planning.roles.full_admins": 8}, estate(zones=("internal", "dmz")), dt.date(2026, 11, 1))
    assert parse(q, {"answer": "planning.roles.full_admins", "greater_than": 6}).evaluate(ev) is True
    assert parse(q, {"answer": "planning.roles.full_admins", "at_most": 6}).evaluate(ev) is False
    assert parse(q, {"answer": "planning.roles.full_admins", "at_least": 8}).evaluate(ev) is True
    assert parse(q, {"answer": "planning.roles.full_admins", "less_than": 9}).evaluate(ev) is True
    assert parse(q, {"inventory": "trust_levels", "includes": 1}).evaluate(ev) is True
    assert parse(q, {"inventory": "hypervisor_products", "includes": "kvm"}).evaluate(ev) is False
    assert parse(q, {"inventory": "vm_count", "equals": 2}).evaluate(ev) is True
    own = ("date", ())
    older = parse(q, {"older_than_days": 365}, own)
    assert older.evaluate(ev, "2025-10-01") is True
    assert older.evaluate(ev, dt.date(2026, 1, 1)) is False


def test_three_valued_logic(q):
    ev = _ev(q)  # no answers, no inventory
    unknown = {"inventory": "type2_hypervisor"}
    false = {"answer": "initiation.scope.desktop_virtualization", "equals": True}
    ev_false = _ev(q, {DESKTOP: False})
    assert parse(q, unknown).evaluate(ev) is None
    assert parse(q, {"not": unknown}).evaluate(ev) is None
    assert parse(q, {"any": [unknown, false]}).evaluate(ev_false) is None
    assert parse(q, {"all": [unknown, false]}).evaluate(ev_false) is False
    assert parse(q, [unknown, false]).evaluate(ev_false) is False


@pytest.mark.parametrize(
    "data, message",
    [
        ({"inventory": "nonsense"}, "unknown inventory fact"),
        ({"answer": "no.such.question", "equals": True}, "not a question defined before"),
        ({"answer": DESKTOP, "equals": "yes"}, "expected true or false"),
        ({"answer": DESKTOP, "greater_than": 1}, "does not apply to a yes_no subject"),
        ({"answer": "planning.desktop.delivery", "equals": "cloud"}, "not among the question's choices"),
        ({"equals": True}, "needs a subject"),
        ({"all": []}, "non-empty list"),
        ({"answer": DESKTOP, "inventory": "vm_count"}, "at most one subject"),
        ("desktop", "non-empty mapping"),
    ],
)
def test_condition_syntax_errors(q, data, message):
    problems = []
    known = {qid: (x.type, x.choice_values) for qid, x in q.questions.items()}
    ConditionSyntax(known, problems).parse(data, "c")
    assert any(message in m for _, m in problems), problems


# ------------------------------------------------------------------ answer types

CASES = [
    ("initiation.scope.server_virtualization", True, [False], ["yes", 1, None.__class__]),
    ("initiation.identification.operational_status", "operational", ["major-modification"], ["Operational", 3]),
    ("initiation.scope.workloads", ["web", "database"], [[]], ["web", ["web", "web"], ["mainframe"]]),
    ("planning.roles.full_admins", 3, [0, 2.5], [-1, "3", True, float("nan"), 10001]),
    ("initiation.policy.last_review", "2026-01-31", [dt.date(2026, 1, 31)], ["31/01/2026", "2026-02-30", 20260131]),
    ("initiation.identification.system_name", "Payroll platform", [""], [42, ["a"], "x" * 20001]),
]


@pytest.mark.parametrize("qid, good, more_good, bad", CASES)
def test_each_answer_type(q, qid, good, more_good, bad):
    question = q.questions[qid]
    for value in [good, *more_good, None]:
        assert value_problem(question, value) is None, value
    for value in bad:
        if value is type(None):
            continue
        assert value_problem(question, value), value
        problems = validate_answers(q, {qid: value})
        assert [p.path for p in problems] == [f"answers.{qid}"]


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=30),
        st.lists(st.text(max_size=10), max_size=4),
    )
)
def test_value_checks_never_crash_and_engine_ignores_invalid(q, value):
    answers = {qid: value for qid, *_ in CASES}
    invalid = {qid for qid in answers if value_problem(q.questions[qid], value)}
    valid = {qid: v for qid, v in answers.items() if qid not in invalid}
    assert {f"answers.{qid}" for qid in invalid} <= {p.path for p in validate_answers(q, answers)}
    # What the engine makes of the answers is what it makes of the valid ones alone.
    est, as_of = estate(), dt.date(2026, 11, 1)
    assert progress(q, answers, est).to_dict() == progress(q, valid, est).to_dict()
    assert weak_answer_findings(q, answers, est, as_of=as_of) == weak_answer_findings(q, valid, est, as_of=as_of)
    assert mitigations(q, answers, est) == mitigations(q, valid, est)


def test_unknown_and_inapplicable_answers(q):
    problems = validate_answers(
        q, {DESKTOP: False, "planning.desktop.delivery": "both", "initiation.scope.desktop_virtualisation": True}
    )
    assert [p.path for p in problems] == [
        "answers.planning.desktop.delivery",
        "answers.initiation.scope.desktop_virtualisation",
    ]
    assert "does not apply" in problems[0].message and DESKTOP in problems[0].message
    assert "did you mean initiation.scope.desktop_virtualization" in problems[1].message
    # a fragment (PATCH) is checked without applicability
    assert validate_answers(q, {"planning.desktop.delivery": "both", DESKTOP: False}, partial=True) == []
    # inventory facts make a question inapplicable too
    problems = validate_answers(q, {"planning.cryptography.guest_disk_encryption": True}, estate(high=False))
    assert "applies when the inventory has a VM categorized high" in problems[0].message


def test_answers_document_shapes():
    doc = parse_answers_document(
        {
            "questionnaire": "virtplan.questionnaire",
            "version": "2026.1",
            "answers": {
                DESKTOP: False,
                "initiation.scope.server_virtualization": {
                    "value": True,
                    "comment": "yes",
                    "evidence": "DOC-1",
                    "text": "informational, ignored",
                },
            },
        }
    )
    assert doc.answers[DESKTOP] == Answer(False)
    assert doc.answers["initiation.scope.server_virtualization"].evidence == "DOC-1"
    with pytest.raises(AnswersError) as err:
        parse_answers_document(
            {
                "version": 2026.1,
                "answers": {"a.b.c": {"comment": "no value"}, "a.b.d": {"value": 1, "evidence": 5, "x": 1}},
            }
        )
    assert sorted(p.path for p in err.value.problems) == [
        "answers.a.b.c",
        "answers.a.b.d.evidence",
        "answers.a.b.d.x",
        "version",
    ]
    with pytest.raises(AnswersError):
        parse_answers_document([1, 2])


# ------------------------------------------------------------------ progress


def test_progress_per_phase_and_section(q):
    answers = {
        DESKTOP: False,
        "initiation.scope.server_virtualization": True,
        "initiation.scope.workloads": ["web"],
        "planning.roles.full_admins": "many",
    }
    state = progress(q, answers, estate())
    initiation = state.phases[0]
    scope = next(s for s in initiation.sections if s.id == "scope")
    assert (scope.answered, scope.applicable) == (3, 6)
    assert initiation.answered == 3
    assert state.answered == 3, "an invalid value does not count as answered"
    desktop = next(s for s in state.phases[1].sections if s.id == "desktop")
    assert desktop.applicable == 0
    assert state.applicable == sum(p.applicable for p in state.phases) < len(q.questions)
    assert state.to_dict()["phases"][0]["sections"][1]["id"] == "scope"


# ------------------------------------------------------------------ weak answers


def test_weak_answer_finding_scored_from_plan_high_water(q):
    est = estate(zones=("internal", "dmz"), internet=True, high=True)
    findings = weak_answer_findings(q, {"planning.management.dedicated_network": False}, est, plan_id="42")
    [f] = findings
    assert f.rule == "Q-PLANNING-MANAGEMENT-DEDICATED-NETWORK"
    assert f.objects[0].to_dict() == {"kind": "plan", "id": "42"}
    assert f.likelihood == "very-high" and f.factors == ["internet-facing VMs are in the inventory: likelihood +1"]
    assert f.impact == "high"  # a VM categorized high on confidentiality
    assert f.risk == risk_of("very-high", "high") == "high"  # SP 800-30 Table I-2
    assert f.fingerprint == fingerprint(f.rule, "planning.management.dedicated_network")
    assert "SP 800-125 §4.1 (HV-5)" in f.references and "SC-7(29)" in f.references
    assert f.evidence["answer"] is False and f.remediation


def test_weak_answer_impact_objective_steps_and_categorization_answers(q):
    answers = {"implementation.hosts.time_sources": False, "initiation.categorization.integrity": "high"}
    [f] = weak_answer_findings(q, answers, None)
    assert f.impact == "moderate"  # integrity high, impact_steps -1
    assert any("impact -1 from high" in x for x in f.factors)
    [f] = weak_answer_findings(q, {"implementation.hosts.time_sources": False}, None)
    assert f.impact == "low" and any("impact assumed moderate" in x for x in f.factors)


def test_first_matching_weak_entry_and_good_answers(q):
    qid = "planning.authentication.mfa"
    assert weak_answer_findings(q, {qid: "all-admin-access"}, None) == []
    [none] = weak_answer_findings(q, {qid: "none"}, estate())
    [remote] = weak_answer_findings(q, {qid: "remote-only"}, estate())
    assert LEVELS.index(none.likelihood) > LEVELS.index(remote.likelihood)
    assert none.fingerprint == remote.fingerprint  # same question, same rule


def test_weak_answers_to_inapplicable_questions_produce_nothing(q):
    answers = {DESKTOP: False, "planning.desktop.non_persistent": False}
    assert weak_answer_findings(q, answers, None) == []


def test_date_weakness_uses_the_estate_reference_date(q):
    answers = {"operations.assessment.last_pentest": "2025-12-01"}
    assert weak_answer_findings(q, answers, estate(as_of="2026-11-01")) == []
    assert len(weak_answer_findings(q, answers, estate(as_of="2027-01-15"))) == 1


# ------------------------------------------------------------------ mitigations


def test_a_compensating_control_lowers_likelihood_with_its_factor(q):
    est = estate(shared_mgmt=True)
    answers = {"implementation.hosts.host_firewall": True}
    [credit] = mitigations(q, answers, est)
    assert (credit.rule, credit.steps, credit.question) == (
        "MGMT-NETWORK-SHARED",
        -1,
        "implementation.hosts.host_firewall",
    )
    before = [f for f in analyze(est).findings if f.rule == "MGMT-NETWORK-SHARED"]
    after = [f for f in assess(est, answers).findings if f.rule == "MGMT-NETWORK-SHARED"]
    assert before and len(before) == len(after)
    factor = (
        "host firewalls admit management services only from administrative addresses "
        "(answer implementation.hosts.host_firewall): likelihood -1"
    )
    for b, a in zip(before, after, strict=True):
        assert LEVELS.index(a.likelihood) == LEVELS.index(b.likelihood) - 1
        assert factor in a.factors and factor not in b.factors
        assert a.fingerprint == b.fingerprint


@pytest.mark.parametrize(
    "answers, rule, kw, claim",
    [
        (
            {"planning.management.encryption": "fips-validated"},
            "MGMT-UNENCRYPTED",
            {"encrypted_mgmt": False},
            "management traffic is encrypted",
        ),
        (
            {"operations.patching.hypervisor_process": "automated"},
            "HYPERVISOR-OUTDATED",
            {"patched_on": "2025-01-01"},
            "hypervisor updates are applied automatically",
        ),
        (
            {"planning.management.dedicated_network": True},
            "MGMT-NETWORK-SHARED",
            {"shared_mgmt": True},
            "management interfaces sit on a segment reserved for management",
        ),
    ],
)
def test_an_answer_never_lowers_a_finding_the_inventory_proves(q, answers, rule, kw, claim):
    """The answer claims the very fact the rule found false in the inventory: no credit,
    and the finding says the answer is contradicted (the inventory prevails)."""
    est = estate(**kw)
    before = {f.fingerprint: f for f in analyze(est).findings if f.rule == rule}
    after = {f.fingerprint: f for f in assess(est, answers).findings if f.rule == rule}
    assert before and before.keys() == after.keys()
    (question,) = answers
    for fp, f in after.items():
        assert f.likelihood == before[fp].likelihood
        assert (
            f.factors[-1]
            == f"answer {question} says {claim}, which the inventory contradicts here: no likelihood credit"
        )


def test_compensating_answers_lower_one_finding_by_at_most_the_cap(q):
    doc = inventory()
    doc["hosts"][0]["memory_gib"] = 4  # 8 GiB placed on 4: memory overcommitted
    est = load_estate(doc)
    answers = {"planning.resources.reservations": True, "operations.resilience.capacity_monitoring": True}
    credits = [m for m in mitigations(q, answers, est) if m.rule == "HOST-MEMORY-OVERCOMMIT"]
    assert [m.steps for m in credits] == [-1, -1]  # two compensating controls, each worth a level
    (before,) = [f for f in analyze(est).findings if f.rule == "HOST-MEMORY-OVERCOMMIT"]
    (after,) = [f for f in assess(est, answers).findings if f.rule == "HOST-MEMORY-OVERCOMMIT"]
    assert LEVELS.index(after.likelihood) == LEVELS.index(before.likelihood) - 1  # the cap: one level in all
    assert after.factors[-2:] == [
        "critical guests hold memory reservations (answer planning.resources.reservations): likelihood -1",
        "memory overcommitment monitored with alerts (answer operations.resilience.capacity_monitoring): "
        "no further credit, answers lower a finding's likelihood by at most 1 level in total",
    ]


def test_assess_without_answers_is_the_topology_analysis():
    est = estate(encrypted_mgmt=False)
    assert [f.to_dict() for f in assess(est).findings] == [f.to_dict() for f in analyze(est).findings]


def test_assess_adds_weak_answer_findings():
    est = estate()
    result = assess(est, {"operations.resilience.backup": "none"}, plan_id="p1")
    q_findings = [f for f in result.findings if f.rule.startswith("Q-")]
    assert [f.rule for f in q_findings] == ["Q-OPERATIONS-RESILIENCE-BACKUP"]
    assert q_findings[0].objects[0].id == "p1"


# ------------------------------------------------------------------ versions


def test_answers_survive_a_version_change(q):
    new = copy.copy(q)
    object.__setattr__(new, "version", "2027.1")
    questions = dict(q.questions)
    del questions["initiation.scope.exclusions"]
    changed = q.questions["initiation.identification.operational_status"]
    questions[changed.id] = type(changed)(
        **{**{f: getattr(changed, f) for f in changed.__slots__}, "choices": changed.choices[:2]}
    )
    object.__setattr__(new, "questions", questions)
    doc = AnswersDocument(
        {
            DESKTOP: Answer(False, comment="kept"),
            "initiation.scope.exclusions": Answer("HSM"),
            "initiation.identification.operational_status": Answer("major-modification"),
            "gone.section.question": Answer(True),
        },
        version="2026.1",
    )
    carried = carry_answers(doc, new)
    assert carried.answers == {DESKTOP: Answer(False, comment="kept")}
    assert [d.id for d in carried.dropped] == [
        "initiation.scope.exclusions",
        "initiation.identification.operational_status",
        "gone.section.question",
    ]
    assert "no such question in version 2027.1" in carried.dropped[0].reason
    assert "no longer valid" in carried.dropped[1].reason
    assert (carried.from_version, carried.to_version) == ("2026.1", "2027.1")


def test_merge_answers_for_patch():
    merged = merge_answers({DESKTOP: True, "a.b.c": 1}, {DESKTOP: False, "a.b.c": None})
    assert merged == {DESKTOP: Answer(False)}


def _values(question):
    if question.type == "yes_no":
        return [True, False]
    if question.type == "single_choice":
        return list(question.choice_values)
    if question.type == "multiple_choice":
        return [[v] for v in question.choice_values]
    return []


def test_no_answer_lowers_a_finding_of_a_fact_it_restates(q, demo_doc):
    """Every question that asks about a fact a rule reads in the inventory, answered in every
    possible way, leaves that rule's findings (which the inventory proves) where they were."""
    est = load_estate(demo_doc)
    for rule in ("MGMT-NETWORK-SHARED", "VSWITCH-INSECURE-POLICY", "MIGRATION-UNENCRYPTED"):
        assert any(f.rule == rule for f in analyze(est).findings)
    before = {f.fingerprint: f.likelihood for f in analyze(est).findings}
    checked = 0
    for question in q.questions.values():
        restated = {r.rule for r in question.restates}
        if not restated:
            continue
        for value in _values(question):
            for f in assess(est, {question.id: value}).findings:
                if f.rule in restated:
                    checked += 1
                    assert f.likelihood == before[f.fingerprint], (question.id, value, f.rule)
    assert checked > 20
