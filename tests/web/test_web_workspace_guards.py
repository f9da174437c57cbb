"""What holds on every page of the workspace (plans, questionnaire, inventory,
administration), found from the app's own URL map so a new page cannot slip
through: a form without the CSRF token is refused before its view runs;
another organization's plan is 404 on every plan URL, read or write; a viewer
sees no control they cannot use and is refused (403) if they post anyway."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from workspace import client_of, demo_plan, text_of, token, url_of, workspace_rules

import models


def _stored(db, plan_id: int) -> tuple:
    """What a refused request must leave as it was."""
    db.rollback()
    plan = db.get(models.Plan, plan_id)
    answers = db.scalar(
        select(func.count()).select_from(models.AnswerEvent).where(models.AnswerEvent.plan_id == plan_id)
    )
    users = db.scalar(select(func.count()).select_from(models.User))
    tokens = db.scalar(select(func.count()).select_from(models.ApiToken))
    plans = db.scalar(select(func.count()).select_from(models.Plan))
    return plan.name, plan.archived_at, plan.inventory_version, answers, users, tokens, plans


def test_every_form_refuses_a_missing_csrf_token(app, db, make_account, tenant, demo_doc):
    admin = make_account("admin")
    client = client_of(app, admin)
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    before = _stored(db, plan_id)
    posted = 0
    for rule, methods in workspace_rules(app):
        if "POST" not in methods:
            continue
        url = url_of(app, rule, plan_id)
        for data in ({}, {"csrf_token": "forged"}):
            resp = client.post(url, data={"name": "x", "confirm": "Workspace plan", "username": "intruder", **data})
            assert resp.status_code == 400, (url, resp.status_code)
            assert "reload the page" in resp.get_data(as_text=True)
        posted += 1
    assert posted >= 15  # plans, questionnaire, inventory and administration forms
    assert _stored(db, plan_id) == before


def test_another_organizations_plan_is_404_on_every_plan_url(app, db, make_account, make_tenant, demo_doc):
    stranger = make_account("admin")  # of the `tenant` organization
    client = client_of(app, stranger)
    other = make_tenant("other")
    theirs = demo_plan(app, other.org_id, demo_doc, "Their plan")
    before = _stored(db, theirs)
    form_token = token(client)
    checked = 0
    for rule, methods in workspace_rules(app, with_plan=True):
        url = url_of(app, rule, theirs)
        if "GET" in methods:
            resp = client.get(url)
            assert resp.status_code == 404, (url, resp.status_code)
            assert "Their plan" not in resp.get_data(as_text=True)
            checked += 1
        if "POST" in methods:
            resp = client.post(url, data={"csrf_token": form_token, "name": "Mine now", "confirm": "Their plan"})
            assert resp.status_code == 404, (url, resp.status_code)
            checked += 1
    assert checked >= 20
    assert _stored(db, theirs) == before


def test_a_viewer_sees_no_control_they_cannot_use_and_cannot_change_anything(app, db, make_account, tenant, demo_doc):
    viewer = make_account("viewer")
    client = client_of(app, viewer)
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    before = _stored(db, plan_id)
    pages = [url_of(app, rule, plan_id) for rule, methods in workspace_rules(app) if "GET" in methods]
    shown = 0
    for url in pages:
        resp = client.get(url, follow_redirects=True)
        # 403: the administration, and the pages that only change a plan (new, settings, delete);
        # 404: the sample import job does not exist.
        assert resp.status_code in (200, 403, 404), (url, resp.status_code)
        if url.startswith(("/admin", "/plans/new")) or url.endswith(("/settings", "/delete")):
            assert resp.status_code == 403, url
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue  # refused, absent, or not a page (the diagram)
        html = resp.get_data(as_text=True)
        forms = re.findall(r'<form method="post"(?: action="([^"]*)")?', html)
        assert forms == ["/logout"], (url, forms)
        for control in (
            "New plan",
            "Settings",
            "Save answers",
            "Upload and replace",
            "Preview the import",
            "Administration",
        ):
            assert control not in text_of(html), (url, control)
        shown += 1
    assert shown >= 8
    form_token = token(client)
    for rule, methods in workspace_rules(app):
        if "POST" in methods:
            url = url_of(app, rule, plan_id)
            resp = client.post(url, data={"csrf_token": form_token, "name": "Renamed", "confirm": "Workspace plan"})
            allowed = (403, 404) if "job_id" in rule.arguments else (403,)  # no sample import job exists
            assert resp.status_code in allowed, (url, resp.status_code)
    assert _stored(db, plan_id) == before
