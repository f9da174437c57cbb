"""The questionnaire pages (Flask test client): every answer type saved and
shown again, a wrong value refused beside its field with every typed value
kept and nothing stored, conditional questions decided by the server, the
history per question, and the API's optimistic concurrency (someone else's
newer save is shown, never overwritten)."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from workspace import client_of, demo_plan, fill, form_fields, text_of, writer

import models
from planner.services import answers

PHASE = "/plans/{}/questionnaire/{}"


def _form(client, url: str) -> MultiDict:
    """The page's form as a browser would send it unchanged (one value per name; lists for checkboxes)."""
    return form_fields(client.get(url).get_data(as_text=True))


def _events(db, plan_id: int) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(models.AnswerEvent).where(models.AnswerEvent.plan_id == plan_id))


def _stored(db, org_id: int, plan_id: int) -> dict:
    db.rollback()
    return {qid: a.value for qid, a in answers.get_answers(db, writer(org_id), plan_id).items()}


def test_every_answer_type_is_saved_shown_again_and_has_a_history(app, db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    url = PHASE.format(plan_id, "initiation")
    data = _form(client, url)
    fill(
        data,
        {
            "initiation.identification.system_name": "Harbor VI",
            "comment:initiation.identification.system_name": "as in the CMDB",
            "evidence:initiation.identification.system_name": "CMDB-12",
            "initiation.identification.operational_status": "under-development",
            "initiation.scope.server_virtualization": "yes",
            "initiation.scope.workloads": ["web", "database"],
        },
    )
    resp = client.post(url, data=data)
    assert resp.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Saved: 4 answers changed." in text_of(page)
    stored = _stored(db, tenant.org_id, plan_id)
    assert stored["initiation.identification.system_name"] == "Harbor VI"
    assert stored["initiation.identification.operational_status"] == "under-development"
    assert stored["initiation.scope.server_virtualization"] is True
    assert stored["initiation.scope.workloads"] == ["web", "database"]
    assert re.search(r">\s*Harbor VI</textarea>", page) and re.search(r">\s*as in the CMDB</textarea>", page)
    assert 'value="CMDB-12"' in page
    assert re.search(r'<input checked [^>]*name="initiation.scope.workloads"[^>]*value="database"', page)
    assert "4 of " in text_of(page)  # this phase's progress

    # Number and date in the next phase.
    url2 = PHASE.format(plan_id, "planning")
    data = _form(client, url2)
    data["planning.roles.full_admins"] = "4"
    assert client.post(url2, data=data).status_code == 302
    assert _stored(db, tenant.org_id, plan_id)["planning.roles.full_admins"] == 4

    # Saving the page unchanged writes nothing.
    before = _events(db, plan_id)
    assert client.post(url, data=_form(client, url)).status_code == 302
    assert _events(db, plan_id) == before
    assert "Nothing to save" in text_of(client.get(url).get_data(as_text=True))

    # A second change, then the history: who, when, before -> after.
    data = _form(client, url)
    data["initiation.identification.operational_status"] = "operational"
    client.post(url, data=data)
    history = text_of(
        client.get(f"/plans/{plan_id}/questionnaire/history/initiation.identification.operational_status").get_data(
            as_text=True
        )
    )
    assert re.search(rf"{account.username} answered Under development Operational", history)
    assert re.search(rf"{account.username} answered no answer Under development", history)


def test_a_wrong_value_comes_back_beside_its_field_with_everything_kept(app, db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    url = PHASE.format(plan_id, "planning")
    data = _form(client, url)
    fill(
        data,
        {
            "planning.roles.full_admins": "many",
            "comment:planning.roles.full_admins": "typed, not lost",
            "planning.architecture.measured_launch": "required",
        },
    )
    resp = client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Nothing was saved: 1 problem" in text_of(html)
    assert re.search(r'id="problem-planning.roles.full_admins"><p>Expected a number', html)
    assert 'value="many"' in html and "typed, not lost" in html
    assert re.search(r'<input checked [^>]*name="planning.architecture.measured_launch"[^>]*value="required"', html)
    assert _events(db, plan_id) == 0
    # A number out of bounds: the service's rule, beside the same field.
    data["planning.roles.full_admins"] = "-3"
    resp = client.post(url, data=data)
    assert resp.status_code == 422 and "expected at least 0" in resp.get_data(as_text=True)
    assert _events(db, plan_id) == 0


def test_conditional_questions_follow_the_answers_on_the_server(app, db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    url = PHASE.format(plan_id, "initiation")
    dependent = 'id="q-initiation.policy.review_cycle"'
    page = client.get(url).get_data(as_text=True)
    assert re.search(dependent + r"[^>]*hidden disabled", page) is None  # unknown yet: shown (three-valued logic)
    data = _form(client, url)
    data["initiation.policy.exists"] = "no"
    assert client.post(url, data=data).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert re.search(dependent + r"[^>]*hidden disabled", page)
    # What the page's script asks while a person answers, before any save.
    data = _form(client, url)
    data["initiation.policy.exists"] = "yes"
    applies = client.post(url + "/applicability", data=data).get_json()
    assert applies["initiation.policy.review_cycle"] is True and applies["initiation.policy.last_review"] is True
    data["initiation.policy.exists"] = "no"
    assert client.post(url + "/applicability", data=data).get_json()["initiation.policy.review_cycle"] is False
    # Answer yes and the dependents in one save (what a page without script does in two).
    data = _form(client, url)
    fill(
        data,
        {
            "initiation.policy.exists": "yes",
            "shown:initiation.policy.review_cycle": "1",
            "initiation.policy.review_cycle": "annually",
            "shown:initiation.policy.last_review": "1",
            "initiation.policy.last_review": "2026-03-01",
        },
    )
    assert client.post(url, data=data).status_code == 302
    stored = _stored(db, tenant.org_id, plan_id)
    assert stored["initiation.policy.review_cycle"] == "annually"
    assert stored["initiation.policy.last_review"] == "2026-03-01"
    # Back to "no": the dependents go away, cleared (their history keeps them), and the page says so.
    data = _form(client, url)
    data["initiation.policy.exists"] = "no"
    assert client.post(url, data=data).status_code == 302
    stored = _stored(db, tenant.org_id, plan_id)
    assert "initiation.policy.review_cycle" not in stored and "initiation.policy.last_review" not in stored
    notice = text_of(client.get(url).get_data(as_text=True))
    assert (
        "No longer asked, given your answers, so cleared" in notice
        and "How often is the virtualization policy reviewed?" in notice
    )
    history = answers.answer_history(db, writer(tenant.org_id), plan_id, "initiation.policy.review_cycle")
    assert [(e["change"], e["value"]) for e in history] == [("set", "annually"), ("cleared", None)]


def test_someone_elses_newer_save_is_shown_not_overwritten(app, db, writer_db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    url = PHASE.format(plan_id, "initiation")
    opened = _form(client, url)  # this person opens the page...
    # ...someone else saves two answers meanwhile.
    other = writer(tenant.org_id)
    answers.patch_answer(writer_db, other, plan_id, "initiation.scope.server_virtualization", {"value": False})
    answers.patch_answer(writer_db, other, plan_id, "initiation.identification.system_name", {"value": "Their name"})
    writer_db.commit()
    events = _events(db, plan_id)
    data = opened.copy()
    data["initiation.identification.system_name"] = "My name"  # both changed this one
    data["initiation.identification.operational_status"] = "operational"  # only this person
    resp = client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and _events(db, plan_id) == events
    text = text_of(html)
    assert "Someone else saved answers since you opened this page, so nothing was saved." in text
    assert "test answered this" in text and "Their name" in text and "The form keeps your answer" in text
    assert re.search(r">\s*My name</textarea>", html)  # typed work kept
    assert re.search(
        r'<input checked [^>]*name="initiation.scope.server_virtualization"[^>]*value="no"', html
    )  # theirs shown
    assert re.search(
        r'<input checked [^>]*name="initiation.identification.operational_status"[^>]*value="operational"', html
    )
    # Saving again (the page carries the new version) stores this person's changes, and keeps theirs.
    again = form_fields(html)
    fill(
        again,
        {
            "initiation.identification.system_name": "My name",
            "initiation.identification.operational_status": "operational",
            "initiation.scope.server_virtualization": "no",
        },
    )
    assert client.post(url, data=again).status_code == 302
    stored = _stored(db, tenant.org_id, plan_id)
    assert stored["initiation.identification.system_name"] == "My name"
    assert stored["initiation.identification.operational_status"] == "operational"
    assert stored["initiation.scope.server_virtualization"] is False
