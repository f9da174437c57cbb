"""Plans in the browser (Flask test client): the list with where each plan
stands, creating one blank or as a copy, renaming, archiving and restoring,
deleting after typing the name, the overview's next steps; a refused form
comes back with every value kept and nothing written."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from workspace import client_of, demo_plan, text_of, token, writer

import models
from planner.services import analysis, answers


def _plans(db, org_id: int) -> list[tuple[str, str | None]]:
    db.rollback()
    return [
        (p.name, p.description)
        for p in db.scalars(select(models.Plan).where(models.Plan.organization_id == org_id).order_by(models.Plan.id))
    ]


def test_create_a_blank_plan_and_a_refused_form_keeps_what_was_typed(app, db, account, tenant):
    client = client_of(app, account)
    page = client.get("/plans/new")
    assert page.status_code == 200 and "Create the plan" in page.get_data(as_text=True)
    long_name = "x" * 201
    resp = client.post(
        "/plans/new",
        data={"csrf_token": token(client), "name": long_name, "description": "Keep <this> text", "start": "blank"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Field cannot be longer than 200 characters." in html and 'aria-invalid="true"' in html
    assert long_name in html and "Keep &lt;this&gt; text" in html  # kept, escaped
    assert _plans(db, tenant.org_id) == []
    resp = client.post(
        "/plans/new", data={"csrf_token": token(client), "name": "  ", "description": "", "start": "blank"}
    )
    assert resp.status_code == 422 and "Give the plan a name." in resp.get_data(as_text=True)
    resp = client.post(
        "/plans/new", data={"csrf_token": token(client), "name": "Branch office", "description": "", "start": "blank"}
    )
    assert resp.status_code == 302
    assert _plans(db, tenant.org_id) == [("Branch office", None)]
    overview = text_of(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert "Plan 'Branch office' created." in overview
    assert "Bring the inventory" in overview and "Analyse the plan" in overview


def test_copy_a_plan_with_its_inventory_answers_and_their_history(app, db, writer_db, account, tenant, demo_doc):
    source = demo_plan(app, tenant.org_id, demo_doc, "Original")
    answers.patch_answer(writer_db, writer(tenant.org_id), source, "initiation.policy.exists", {"value": True})
    answers.patch_answer(
        writer_db, writer(tenant.org_id), source, "initiation.policy.exists", {"value": False, "comment": "no"}
    )
    analysis.run_analysis(writer_db, writer(tenant.org_id), source)
    writer_db.commit()
    client = client_of(app, account)
    form = client.get(f"/plans/new?copy={source}").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="copy"', form) and f'<option selected value="{source}">' in form
    resp = client.post("/plans/new", data={"csrf_token": token(client), "name": "Copy", "start": "copy", "source": "0"})
    assert resp.status_code == 422 and "Choose the plan to copy." in resp.get_data(as_text=True)
    resp = client.post(
        "/plans/new", data={"csrf_token": token(client), "name": "Copy", "start": "copy", "source": str(source)}
    )
    assert resp.status_code == 302
    copy_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    db.rollback()
    caller = writer(tenant.org_id)
    assert answers.get_answers(db, caller, copy_id) == answers.get_answers(db, caller, source)
    history = answers.answer_history(db, caller, copy_id, "initiation.policy.exists")
    assert [(e["change"], e["value"]) for e in history] == [("set", True), ("set", False)]
    copy = db.get(models.Plan, copy_id)
    assert copy.inventory_version == 1
    # Not its analysis: the copy says so.
    runs = db.scalar(select(func.count()).select_from(models.AnalysisRun).where(models.AnalysisRun.plan_id == copy_id))
    assert runs == 0
    assert "Analyse the plan" in text_of(client.get(f"/plans/{copy_id}").get_data(as_text=True))
    versions = text_of(client.get(f"/plans/{copy_id}/inventory/versions").get_data(as_text=True))
    assert "copied from plan 'Original'" in versions


def test_rename_archive_restore_and_the_list(app, db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc, "Before")
    client = client_of(app, account)
    listed = text_of(client.get("/").get_data(as_text=True))
    assert "Before" in listed and "Not analysed" in listed and "34 VMs, 9 hosts" in listed
    resp = client.post(f"/plans/{plan_id}/settings", data={"csrf_token": token(client), "name": "", "description": "d"})
    assert resp.status_code == 422 and _plans(db, tenant.org_id) == [("Before", None)]
    resp = client.post(
        f"/plans/{plan_id}/settings", data={"csrf_token": token(client), "name": "After", "description": "Why"}
    )
    assert resp.status_code == 302 and _plans(db, tenant.org_id) == [("After", "Why")]
    assert client.post(f"/plans/{plan_id}/archive", data={"csrf_token": token(client)}).status_code == 302
    listed = text_of(client.get("/").get_data(as_text=True))
    assert "Plan 'After' archived." in listed and "Every plan is archived (1)" in listed
    assert "After" not in text_of(client.get("/").get_data(as_text=True))
    archived = text_of(client.get("/?archived=1").get_data(as_text=True))
    assert "After" in archived and "Archived" in archived
    assert "This plan is archived" in text_of(client.get(f"/plans/{plan_id}").get_data(as_text=True))
    assert client.post(f"/plans/{plan_id}/restore", data={"csrf_token": token(client)}).status_code == 302
    assert "After" in text_of(client.get("/").get_data(as_text=True))


def test_delete_needs_the_plans_name(app, db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc, "Doomed")
    client = client_of(app, account)
    page = text_of(client.get(f"/plans/{plan_id}/delete").get_data(as_text=True))
    assert "34 VMs, 9 hosts" in page and "It is: Doomed" in page
    resp = client.post(f"/plans/{plan_id}/delete", data={"csrf_token": token(client), "confirm": "doomed"})
    assert resp.status_code == 422 and "That is not the plan's name" in text_of(resp.get_data(as_text=True))
    assert _plans(db, tenant.org_id) == [("Doomed", None)]
    resp = client.post(f"/plans/{plan_id}/delete", data={"csrf_token": token(client), "confirm": "Doomed"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert _plans(db, tenant.org_id) == []
    assert client.get(f"/plans/{plan_id}").status_code == 404


def test_the_overview_says_what_to_do_next(app, db, writer_db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    steps = text_of(client.get(f"/plans/{plan_id}").get_data(as_text=True))
    assert "34 questions open in Initiation" in steps and "open in Planning and Design" in steps
    assert "Analyse the plan to see its findings" in steps and "Bring the inventory" not in steps
    analysis.run_analysis(writer_db, writer(tenant.org_id), plan_id)
    writer_db.commit()
    steps = text_of(client.get(f"/plans/{plan_id}").get_data(as_text=True))
    assert "Analyse the plan" not in steps
    high = db.scalar(
        select(func.count())
        .select_from(models.Finding)
        .where(models.Finding.plan_id == plan_id, models.Finding.risk == "high", models.Finding.resolved.is_(False))
    )
    assert high and f"{high} high risk{'s' if high > 1 else ''} untriaged." in steps
    assert "Generate the security plan" in steps
    listed = text_of(client.get("/").get_data(as_text=True))
    assert f"{high} high" in listed and "0 of " in listed
