"""A plan's questionnaire answers through the REST API, on the real Flask app
and database: the worked example end to end, all-or-nothing validation,
single-answer changes with their history, idempotence, progress, scoping and
the questionnaire definition itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

import models
from planner.core.inventory import load_estate
from planner.core.questionnaire import default_questionnaire, progress, read_answers

PROBLEM = "application/problem+json"
EXAMPLE = Path(__file__).resolve().parents[2] / "planner" / "demo" / "answers.yaml"  # the worked example


def answers_url(plan_id, qid=None, history=False):
    url = f"/api/v1/plans/{plan_id}/answers"
    if qid:
        url += f"/{qid}"
    return url + ("/history" if history else "")


def example_document() -> dict:
    """The worked example as the JSON a client sends (dates as ISO strings)."""
    return read_answers(EXAMPLE).to_dict()


def put(client, tenant, plan_id, doc, scope="write", **headers):
    return client.put(
        answers_url(plan_id),
        data=json.dumps(doc),
        content_type="application/json",
        headers=tenant.headers(scope, **headers),
    )


def patch(client, tenant, plan_id, qid, body, scope="write", **headers):
    return client.patch(
        answers_url(plan_id, qid),
        data=json.dumps(body),
        content_type="application/json",
        headers=tenant.headers(scope, **headers),
    )


def get(client, tenant, plan_id):
    resp = client.get(answers_url(plan_id), headers=tenant.headers("read"))
    assert resp.status_code == 200, resp.get_json()
    return resp


def history(client, tenant, plan_id, qid):
    resp = client.get(answers_url(plan_id, qid, history=True), headers=tenant.headers("read"))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["history"]


def event_count(db, plan_id) -> int:
    db.rollback()  # a fresh snapshot
    return db.scalar(select(func.count()).select_from(models.AnswerEvent).where(models.AnswerEvent.plan_id == plan_id))


@pytest.fixture()
def demo_plan(client, tenant, plan_id, demo_doc):
    """A plan holding the demo estate (the worked example's inventory)."""
    resp = client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    assert resp.status_code == 200, resp.get_json()
    return plan_id


@pytest.fixture()
def answered_plan(client, tenant, demo_plan):
    resp = put(client, tenant, demo_plan, example_document())
    assert resp.status_code == 200, resp.get_json()
    return demo_plan


# ------------------------------------------------------------------ the worked example


def test_worked_example_put_then_get(client, tenant, demo_plan, demo_doc, db):
    sent = example_document()
    resp = put(client, tenant, demo_plan, sent)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    answered = {qid: a for qid, a in sent["answers"].items() if a["value"] is not None}
    assert sorted(body["changes"]["set"]) == sorted(answered)
    assert body["changes"]["cleared"] == [] and body["changes"]["changed"] is True
    assert resp.headers["ETag"]

    back = get(client, tenant, demo_plan)
    doc = back.get_json()
    assert back.headers["ETag"] == resp.headers["ETag"]
    q = default_questionnaire()
    assert doc["questionnaire"] == "virtplan.questionnaire" and doc["version"] == q.version
    assert doc["answered_against"] == q.version and doc["dropped"] == []
    assert set(doc["answers"]) == set(answered)
    for qid, entry in answered.items():
        got = doc["answers"][qid]
        assert got["value"] == entry["value"], qid
        for key in ("comment", "evidence"):
            assert got.get(key) == entry.get(key), (qid, key)
        assert got["answered_by"].startswith("token ") and got["answered_at"]

    # Progress is the engine's, over the stored inventory.
    expected = progress(q, read_answers(EXAMPLE), load_estate(demo_doc)).to_dict()
    assert doc["progress"] == expected
    assert doc["progress"]["answered"] >= 0.9 * doc["progress"]["applicable"] > 0

    # The plan records the version answered against.
    db.rollback()
    assert db.get(models.Plan, demo_plan).questionnaire_version == q.version


def test_fetched_document_puts_back_unchanged(client, tenant, answered_plan, db):
    """GET -> PUT round-trips: the read-only keys and who/when are ignored, nothing is rewritten."""
    fetched = get(client, tenant, answered_plan)
    before = event_count(db, answered_plan)
    resp = put(client, tenant, answered_plan, fetched.get_json(), **{"If-Match": fetched.headers["ETag"]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["changes"] == {"changed": False, "set": [], "cleared": [], "dropped": []}
    assert resp.headers["ETag"] == fetched.headers["ETag"]
    assert event_count(db, answered_plan) == before


def test_idempotent_put_writes_no_history(client, tenant, answered_plan, db):
    before = event_count(db, answered_plan)
    first = get(client, tenant, answered_plan).get_json()
    again = put(client, tenant, answered_plan, example_document())
    assert again.status_code == 200
    assert again.get_json()["changes"]["changed"] is False
    assert event_count(db, answered_plan) == before
    # Who/when of the stored answers are untouched.
    assert get(client, tenant, answered_plan).get_json()["answers"] == first["answers"]
    assert len(history(client, tenant, answered_plan, "initiation.scope.security_involved")) == 1


def test_put_replaces_whole_set(client, tenant, answered_plan):
    doc = example_document()
    doc["answers"] = {
        "initiation.scope.server_virtualization": True,
        "initiation.identification.system_name": "Smaller plan",
    }
    body = put(client, tenant, answered_plan, doc).get_json()
    assert body["changes"]["set"] == ["initiation.identification.system_name"]
    assert "initiation.scope.security_involved" in body["changes"]["cleared"]
    assert set(get(client, tenant, answered_plan).get_json()["answers"]) == set(doc["answers"])
    events = history(client, tenant, answered_plan, "initiation.scope.security_involved")
    assert [e["change"] for e in events] == ["set", "cleared"]


# ------------------------------------------------------------------ all-or-nothing validation

BAD = {
    "no.such.question": True,  # unknown id
    "planning.roles.full_admins": "four",  # wrong type (number)
    "initiation.identification.operational_status": "retired-ish",  # not a choice
    "initiation.scope.desktop_virtualization": False,
    "planning.desktop.delivery": "both",  # does not apply: no desktop virtualization
}
BAD_PATHS = {
    "answers.no.such.question",
    "answers.planning.roles.full_admins",
    "answers.initiation.identification.operational_status",
    "answers.planning.desktop.delivery",
}


def test_invalid_put_lists_every_problem_and_stores_nothing(client, tenant, demo_plan, db):
    resp = put(client, tenant, demo_plan, {"version": default_questionnaire().version, "answers": BAD})
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    problems = resp.get_json()["errors"]
    assert {p["path"] for p in problems} == BAD_PATHS
    assert all(p["message"] for p in problems)
    assert get(client, tenant, demo_plan).get_json()["answers"] == {}
    assert event_count(db, demo_plan) == 0


def test_invalid_put_keeps_the_stored_answers(client, tenant, answered_plan, db):
    before_doc = get(client, tenant, answered_plan).get_json()
    before = event_count(db, answered_plan)
    doc = example_document()
    doc["answers"].update(BAD)
    resp = put(client, tenant, answered_plan, doc)
    assert resp.status_code == 422
    assert {p["path"] for p in resp.get_json()["errors"]} >= BAD_PATHS
    assert get(client, tenant, answered_plan).get_json() == before_doc
    assert event_count(db, answered_plan) == before


def test_inventory_decides_applicability(client, tenant, demo_plan):
    """Hosted servers apply when the inventory holds a type 2 hypervisor (the
    demo estate's lab workstation) even if the plan says only type 1 is in
    scope; with an empty inventory the same answer does not apply."""
    qid = "planning.architecture.hosted_servers"
    assert "type2_hypervisor" in json.dumps(default_questionnaire().questions[qid].applies_when.to_data())
    doc = {"answers": {"planning.architecture.hypervisor_types": ["type-1"], qid: True}}
    assert put(client, tenant, demo_plan, doc).status_code == 200
    other = client.post("/api/v1/plans", json={"name": "empty"}, headers=tenant.headers()).get_json()["id"]
    resp = put(client, tenant, other, doc)
    assert resp.status_code == 422
    assert [p["path"] for p in resp.get_json()["errors"]] == [f"answers.{qid}"]
    assert "does not apply" in resp.get_json()["errors"][0]["message"]


def test_malformed_documents(client, tenant, demo_plan):
    resp = put(
        client, tenant, demo_plan, {"answers": {"initiation.scope.server_virtualization": {"comment": "x"}}, "extra": 1}
    )
    assert resp.status_code == 422
    assert {p["path"] for p in resp.get_json()["errors"]} == {"extra", "answers.initiation.scope.server_virtualization"}
    assert put(client, tenant, demo_plan, ["not", "a", "mapping"]).status_code == 422

    resp = client.put(answers_url(demo_plan), data="{oops", content_type="application/json", headers=tenant.headers())
    assert resp.status_code == 400 and resp.mimetype == PROBLEM and "not valid JSON" in resp.get_json()["detail"]
    resp = client.put(answers_url(demo_plan), data="answers: {}", content_type="text/yaml", headers=tenant.headers())
    assert resp.status_code == 415 and resp.mimetype == PROBLEM
    resp = client.patch(
        answers_url(demo_plan, "initiation.scope.server_virtualization"),
        data="true",
        content_type="text/plain",
        headers=tenant.headers(),
    )
    assert resp.status_code == 415 and resp.mimetype == PROBLEM


# ------------------------------------------------------------------ PATCH and history


def test_patch_keeps_history_in_order(client, tenant, answered_plan):
    qid = "initiation.policy.hypervisor_types"
    resp = patch(
        client,
        tenant,
        answered_plan,
        qid,
        {"value": True, "comment": "Lab host brought under the policy", "evidence": "CHG-9001"},
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["question"] == qid and body["changes"]["set"] == [qid]
    assert body["answer"]["value"] is True and body["answer"]["evidence"] == "CHG-9001"
    assert body["progress"]["answered"] > 0

    events = history(client, tenant, answered_plan, qid)
    assert [(e["change"], e["value"]) for e in events] == [("set", False), ("set", True)]
    assert events[0]["comment"].startswith("The lab workstation")
    assert events[1]["comment"] == "Lab host brought under the policy" and events[1]["evidence"] == "CHG-9001"
    assert all(e["answered_by"].startswith("token ") for e in events)
    assert events[0]["answered_at"] <= events[1]["answered_at"]
    assert {e["questionnaire_version"] for e in events} == {default_questionnaire().version}
    stored = get(client, tenant, answered_plan).get_json()["answers"][qid]
    assert stored["value"] is True and stored["answered_at"] == events[1]["answered_at"]

    # The same answer again changes nothing.
    again = patch(
        client,
        tenant,
        answered_plan,
        qid,
        {"value": True, "comment": "Lab host brought under the policy", "evidence": "CHG-9001"},
    )
    assert again.get_json()["changes"]["changed"] is False
    assert len(history(client, tenant, answered_plan, qid)) == 2


def test_patch_null_clears(client, tenant, answered_plan):
    qid = "initiation.scope.security_involved"
    before = get(client, tenant, answered_plan).get_json()["progress"]["answered"]
    resp = patch(client, tenant, answered_plan, qid, {"value": None})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["answer"] is None and body["changes"]["cleared"] == [qid]
    assert body["progress"]["answered"] == before - 1
    assert qid not in get(client, tenant, answered_plan).get_json()["answers"]
    assert [e["change"] for e in history(client, tenant, answered_plan, qid)] == ["set", "cleared"]
    # Clearing what is not there is a no-op.
    assert patch(client, tenant, answered_plan, qid, {"value": None}).get_json()["changes"]["changed"] is False


def test_patch_comment_without_value(client, tenant, demo_plan):
    """A note on an unanswered question is kept; it does not count as answered."""
    qid = "planning.roles.full_admins"
    resp = patch(client, tenant, demo_plan, qid, {"value": None, "comment": "ask the network team"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["progress"]["answered"] == 0
    entry = get(client, tenant, demo_plan).get_json()["answers"][qid]
    assert entry["value"] is None and entry["comment"] == "ask the network team"


def test_patch_refuses_what_it_would_break(client, tenant, demo_plan, db):
    ok = patch(client, tenant, demo_plan, "initiation.scope.desktop_virtualization", {"value": True})
    assert ok.status_code == 200
    assert patch(client, tenant, demo_plan, "planning.desktop.delivery", {"value": "both"}).status_code == 200
    before = event_count(db, demo_plan)
    # Saying "no desktop virtualization" would leave the desktop answer inapplicable.
    resp = patch(client, tenant, demo_plan, "initiation.scope.desktop_virtualization", {"value": False})
    assert resp.status_code == 422
    assert [p["path"] for p in resp.get_json()["errors"]] == ["answers.planning.desktop.delivery"]
    for qid, body, path in [
        ("planning.roles.full_admins", {"value": "four"}, "answers.planning.roles.full_admins"),
        ("no.such.question", {"value": True}, "answers.no.such.question"),
        ("planning.roles.full_admins", {"value": 2, "colour": "red"}, "colour"),
        ("planning.roles.full_admins", {"comment": "no value"}, "value"),
        ("planning.roles.full_admins", {"value": 2, "comment": 5}, "answers.planning.roles.full_admins.comment"),
        ("planning.roles.full_admins", [2], ""),
    ]:
        resp = patch(client, tenant, demo_plan, qid, body)
        assert resp.status_code == 422 and resp.mimetype == PROBLEM, (qid, body)
        assert path in [p["path"] for p in resp.get_json()["errors"]], (body, resp.get_json())
    assert event_count(db, demo_plan) == before


def test_history_of_unknown_question_is_404(client, tenant, demo_plan):
    resp = client.get(answers_url(demo_plan, "no.such.question", history=True), headers=tenant.headers("read"))
    assert resp.status_code == 404 and resp.mimetype == PROBLEM
    assert history(client, tenant, demo_plan, "initiation.scope.security_involved") == []


# ------------------------------------------------------------------ ETags, progress, scoping


def test_stale_if_match_is_412(client, tenant, answered_plan):
    etag = get(client, tenant, answered_plan).headers["ETag"]
    moved = patch(client, tenant, answered_plan, "initiation.scope.security_involved", {"value": False})
    assert moved.headers["ETag"] != etag
    resp = put(client, tenant, answered_plan, example_document(), **{"If-Match": etag})
    assert resp.status_code == 412 and resp.mimetype == PROBLEM
    resp = patch(
        client, tenant, answered_plan, "initiation.scope.security_involved", {"value": True}, **{"If-Match": etag}
    )
    assert resp.status_code == 412
    resp = patch(
        client,
        tenant,
        answered_plan,
        "initiation.scope.security_involved",
        {"value": True},
        **{"If-Match": moved.headers["ETag"]},
    )
    assert resp.status_code == 200


def test_progress_in_plan(client, tenant, plan_id, answered_plan):
    one = client.get(f"/api/v1/plans/{answered_plan}", headers=tenant.headers("read")).get_json()
    assert one["progress"] == get(client, tenant, answered_plan).get_json()["progress"]
    assert [p["id"] for p in one["progress"]["phases"]] == [p.id for p in default_questionnaire().phases]
    listed = client.get("/api/v1/plans", headers=tenant.headers("read")).get_json()
    assert listed and all("progress" not in p for p in listed)


def test_unanswered_plan_progress(client, tenant, plan_id):
    body = client.get(f"/api/v1/plans/{plan_id}", headers=tenant.headers("read")).get_json()
    assert body["progress"]["answered"] == 0 and body["progress"]["applicable"] > 0
    assert body["progress"]["complete"] is False


def test_other_organizations_see_nothing(client, tenant, make_tenant, answered_plan):
    other = make_tenant("rival")
    qid = "initiation.scope.security_involved"
    for method, url, body in [
        ("get", answers_url(answered_plan), None),
        ("put", answers_url(answered_plan), example_document()),
        ("patch", answers_url(answered_plan, qid), {"value": False}),
        ("get", answers_url(answered_plan, qid, history=True), None),
    ]:
        kwargs = {"headers": other.headers()}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        resp = getattr(client, method)(url, **kwargs)
        assert resp.status_code == 404 and resp.mimetype == PROBLEM, (method, url)
    assert len(history(client, tenant, answered_plan, qid)) == 1


def test_read_token_cannot_write(client, tenant, demo_plan, db):
    assert put(client, tenant, demo_plan, example_document(), scope="read").status_code == 403
    resp = patch(client, tenant, demo_plan, "initiation.scope.security_involved", {"value": True}, scope="read")
    assert resp.status_code == 403 and resp.mimetype == PROBLEM
    assert event_count(db, demo_plan) == 0
    assert get(client, tenant, demo_plan).status_code == 200


# ------------------------------------------------------------------ the definition


def test_questionnaire_definition(client, tenant):
    resp = client.get("/api/v1/questionnaire", headers=tenant.headers("read"))
    assert resp.status_code == 200
    body = resp.get_json()
    q = default_questionnaire()
    assert body == json.loads(json.dumps(q.to_dict()))
    assert body["version"] == q.version and len(body["phases"]) == 5
    ids = [question["id"] for p in body["phases"] for s in p["sections"] for question in s["questions"]]
    assert ids == list(q.questions)
    assert client.get("/api/v1/questionnaire").status_code == 401


def test_catalog(client, tenant):
    resp = client.get("/api/v1/questionnaire/catalog", headers=tenant.headers("read"))
    assert resp.status_code == 200
    body = resp.get_json()
    catalog = default_questionnaire().catalog
    assert body == json.loads(json.dumps(catalog.to_dict()))
    assert {r["id"] for r in body["recommendations"]} >= {"HV-1", "GO-1", "VI-1", "DV-1"}


def test_openapi_documents_the_endpoints(client, tenant):
    spec = client.get("/api/v1/openapi.json", headers=tenant.headers("read")).get_json()
    paths = spec["paths"]
    assert {"get"} <= set(paths["/api/v1/questionnaire"])
    assert {"get"} <= set(paths["/api/v1/questionnaire/catalog"])
    assert {"get", "put"} <= set(paths["/api/v1/plans/{plan_id}/answers"])
    assert {"patch"} <= set(paths["/api/v1/plans/{plan_id}/answers/{question_id}"])
    assert {"get"} <= set(paths["/api/v1/plans/{plan_id}/answers/{question_id}/history"])
    patch_op = paths["/api/v1/plans/{plan_id}/answers/{question_id}"]["patch"]
    ref = patch_op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert set(spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == {"value", "comment", "evidence"}
    assert "422" in paths["/api/v1/plans/{plan_id}/answers"]["put"]["responses"]
    plan_props = spec["components"]["schemas"]["Plan"]["properties"]
    assert "progress" in plan_props
