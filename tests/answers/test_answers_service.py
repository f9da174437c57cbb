"""The answers use cases without HTTP: carrying answers stored under an older
questionnaire version, the server-side import the demo uses, scoping, and a
property over arbitrary subsets of the worked example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import models
from models.base import utcnow
from planner.core.questionnaire import Answer, default_questionnaire, read_answers
from planner.services import answers as service
from planner.services import plans
from planner.services.accounts import Caller
from planner.services.errors import Invalid, NotFound

EXAMPLE = Path(__file__).resolve().parents[2] / "planner" / "demo" / "answers.yaml"  # the worked example
EXAMPLE_ANSWERS = {qid: a.to_dict() for qid, a in read_answers(EXAMPLE).answers.items()}
OLD_VERSION = "2025.9"


def caller_for(tenant, label="consultant j.doe") -> Caller:
    return Caller(tenant.org_id, frozenset({"read", "write"}), None, label)


@pytest.fixture()
def db(writer_db):
    """These tests call the services as a POST does (the one that then calls the API
    commits first: a writer session holds SQLite's write lock until it ends)."""
    return writer_db


@pytest.fixture()
def demo_plan(db, tenant, demo_doc):
    caller = caller_for(tenant)
    plan = plans.create_plan(db, caller, "Consolidation")
    plans.put_inventory(db, caller, plan.id, demo_doc)
    db.commit()
    return plan.id


def test_load_answers_file_for_the_demo(db, tenant, demo_plan):
    caller = caller_for(tenant)
    written = service.load_answers_file(db, caller, demo_plan, EXAMPLE)
    db.commit()
    assert written.changes.changed and not written.changes.cleared
    assert written.document["progress"]["complete"] is True
    stored = service.get_answers(db, caller, demo_plan)
    assert list(stored) == [qid for qid in default_questionnaire().questions if qid in stored]
    assert all(isinstance(a, Answer) and a.answered_by == "consultant j.doe" and a.answered_at for a in stored.values())
    assert {qid: a.value for qid, a in stored.items()} == {
        qid: e["value"] for qid, e in EXAMPLE_ANSWERS.items() if e["value"] is not None
    }
    plan = db.get(models.Plan, demo_plan)
    assert plan.questionnaire_version == default_questionnaire().version
    assert service.plan_progress(db, plan) == written.document["progress"]
    # Loading it again (the demo is re-runnable) changes nothing.
    assert not service.load_answers_file(db, caller, demo_plan, EXAMPLE).changes.changed


def test_load_answers_file_refuses_a_malformed_file(db, tenant, demo_plan, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: [1, 2]\n", encoding="utf-8")
    with pytest.raises(Invalid) as info:
        service.load_answers_file(db, caller_for(tenant), demo_plan, bad)
    assert [p["path"] for p in info.value.problems] == ["answers"]


def test_services_are_scoped_to_the_organization(db, tenant, make_tenant, demo_plan):
    other = caller_for(make_tenant("other"))
    for call in (
        lambda: service.get_answers(db, other, demo_plan),
        lambda: service.answers_document(db, other, demo_plan),
        lambda: service.put_answers(db, other, demo_plan, {"answers": {}}),
        lambda: service.patch_answer(db, other, demo_plan, "initiation.scope.security_involved", {"value": True}),
        lambda: service.answer_history(db, other, demo_plan, "initiation.scope.security_involved"),
    ):
        with pytest.raises(NotFound):
            call()


def _store_as_old_version(db, plan_id):
    """Answers as a plan answered under an older questionnaire would hold them:
    one question since removed, one choice since withdrawn."""
    plan = db.get(models.Plan, plan_id)
    plan.questionnaire_version = OLD_VERSION
    now = utcnow()
    for qid, value in [
        ("initiation.scope.retired_question", "kept in 2025"),
        ("initiation.identification.operational_status", "withdrawn-choice"),
        ("initiation.scope.security_involved", True),
    ]:
        db.add(models.Answer(plan_id=plan_id, question_id=qid, value=value, answered_by="old", answered_at=now))
    db.commit()


def test_answers_from_an_older_version_are_carried(client, tenant, db, demo_plan):
    _store_as_old_version(db, demo_plan)
    doc = client.get(f"/api/v1/plans/{demo_plan}/answers", headers=tenant.headers("read")).get_json()
    assert doc["answered_against"] == OLD_VERSION and doc["version"] == default_questionnaire().version
    assert [d["id"] for d in doc["dropped"]] == [
        "initiation.scope.retired_question",
        "initiation.identification.operational_status",
    ]
    assert list(doc["answers"]) == ["initiation.scope.security_involved"]

    # The next write stores the carried set and records what was dropped.
    resp = client.patch(
        f"/api/v1/plans/{demo_plan}/answers/initiation.scope.server_virtualization",
        data=json.dumps({"value": True}),
        content_type="application/json",
        headers=tenant.headers(),
    )
    assert resp.status_code == 200, resp.get_json()
    changes = resp.get_json()["changes"]
    assert changes["set"] == ["initiation.scope.server_virtualization"] and changes["cleared"] == []
    assert {d["id"] for d in changes["dropped"]} == {
        "initiation.scope.retired_question",
        "initiation.identification.operational_status",
    }
    assert all(d["reason"] for d in changes["dropped"])
    after = client.get(f"/api/v1/plans/{demo_plan}/answers", headers=tenant.headers("read")).get_json()
    assert after["dropped"] == [] and after["answered_against"] == default_questionnaire().version
    assert set(after["answers"]) == {"initiation.scope.security_involved", "initiation.scope.server_virtualization"}
    assert after["answers"]["initiation.scope.security_involved"]["answered_by"] == "old"  # untouched
    # A dropped question keeps its history, even though the questionnaire no longer has it.
    hist = client.get(
        f"/api/v1/plans/{demo_plan}/answers/initiation.scope.retired_question/history", headers=tenant.headers("read")
    ).get_json()["history"]
    assert [e["change"] for e in hist] == ["dropped"]


def test_put_of_an_older_document_reports_dropped(client, tenant, demo_plan):
    doc = {
        "version": OLD_VERSION,
        "answers": {"initiation.scope.server_virtualization": True, "initiation.scope.retired_question": "x"},
    }
    resp = client.put(
        f"/api/v1/plans/{demo_plan}/answers",
        data=json.dumps(doc),
        content_type="application/json",
        headers=tenant.headers(),
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["changes"]["set"] == ["initiation.scope.server_virtualization"]
    assert [d["id"] for d in body["changes"]["dropped"]] == ["initiation.scope.retired_question"]
    assert body["answered_against"] == default_questionnaire().version


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.sets(st.sampled_from(sorted(EXAMPLE_ANSWERS))), second=st.sets(st.sampled_from(sorted(EXAMPLE_ANSWERS)))
)
def test_any_two_subsets_of_the_example(db, tenant, demo_plan, first, second):
    """Any subset of a valid answer set is valid (dropping an answer can only make
    a condition unknown, which shows a question); replacing one subset by another
    stores exactly the second and records exactly the difference."""
    caller = caller_for(tenant)
    service.put_answers(db, caller, demo_plan, {"answers": {qid: EXAMPLE_ANSWERS[qid] for qid in first}})
    db.commit()
    events_before = len(db.scalars(select(models.AnswerEvent.id).where(models.AnswerEvent.plan_id == demo_plan)).all())
    written = service.put_answers(db, caller, demo_plan, {"answers": {qid: EXAMPLE_ANSWERS[qid] for qid in second}})
    db.commit()
    answered = lambda ids: {qid for qid in ids if EXAMPLE_ANSWERS[qid]["value"] is not None}  # noqa: E731
    assert set(written.changes.set) == answered(second) - answered(first)
    assert set(written.changes.cleared) == answered(first) - answered(second)
    assert set(service.get_answers(db, caller, demo_plan)) == answered(second)
    events_after = len(db.scalars(select(models.AnswerEvent.id).where(models.AnswerEvent.plan_id == demo_plan)).all())
    assert events_after - events_before == len(written.changes.set) + len(written.changes.cleared)
