"""The web forms answer bad input precisely and write nothing (Flask test client)."""

from __future__ import annotations

import re

from signin_client import csrf as _csrf
from sqlalchemy import func, select
from web_site import PASSWORD

import models
from planner.services import accounts, plans
from planner.services.accounts import Caller


def _reports(db, plan_id: int) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(models.Report).where(models.Report.plan_id == plan_id))


def test_unknown_report_format_is_refused(signed_in, db):
    client, plan_id = signed_in
    resp = client.post(
        f"/plans/{plan_id}/reports", data={"format": "docx", "csrf_token": _csrf(client, f"/plans/{plan_id}")}
    )
    assert resp.status_code == 422 and b"expected one of pdf, html, json, csv, xlsx, oscal" in resp.data
    assert _reports(db, plan_id) == 0


def test_forms_without_the_csrf_token_are_refused(signed_in, db):
    client, plan_id = signed_in
    for path, data in ((f"/plans/{plan_id}/reports", {"format": "csv"}), (f"/plans/{plan_id}/analysis", {})):
        resp = client.post(path, data=data)
        assert resp.status_code == 400 and b"reload the page" in resp.data
    assert _reports(db, plan_id) == 0


def test_unknown_finding_and_other_plans_are_404(signed_in, make_tenant, app):
    client, plan_id = signed_in
    token = _csrf(client, f"/plans/{plan_id}")
    assert (
        client.post(
            f"/plans/{plan_id}/findings/999999/triage",
            data={"status": "accepted", "justification": "x", "csrf_token": token},
        ).status_code
        == 404
    )
    other = make_tenant("stranger")
    session = app.extensions["virtplan.sessions"]()
    theirs = plans.create_plan(session, Caller(other.org_id, frozenset({"read", "write"})), "Theirs")
    session.commit()
    session.close()
    assert client.get(f"/plans/{theirs.id}").status_code == 404
    assert client.post(f"/plans/{theirs.id}/reports", data={"format": "csv", "csrf_token": token}).status_code == 404


def test_a_viewer_may_read_but_not_change(app, db, writer_db, tenant):
    org = writer_db.get(models.Organization, tenant.org_id)
    viewer = accounts.create_user(writer_db, f"viewer-{tenant.org_id}", PASSWORD, org, "viewer")
    plan = plans.create_plan(writer_db, Caller(org.id, frozenset({"read", "write"})), "Read-only plan")
    writer_db.commit()
    client = app.test_client()
    client.post(
        "/login", data={"username": viewer.username, "password": PASSWORD, "csrf_token": _csrf(client, "/login")}
    )
    page = client.get(f"/plans/{plan.id}")
    assert page.status_code == 200 and b"Analyse now" not in page.data
    resp = client.post(
        f"/plans/{plan.id}/reports", data={"format": "csv", "csrf_token": _csrf(client, f"/plans/{plan.id}")}
    )
    assert resp.status_code == 403
    assert _reports(db, plan.id) == 0


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return re.sub(r"<[^>]+>|\s+", " ", html[start : html.index("</section>", start)])


def test_plan_page_figures_come_from_the_stored_assessment(signed_in, db, writer_db, tenant, demo_doc):
    client, plan_id = signed_in
    token = _csrf(client, f"/plans/{plan_id}")
    plans.put_inventory(writer_db, Caller(tenant.org_id, frozenset({"read", "write"})), plan_id, demo_doc)
    writer_db.commit()

    # Never analysed: no finding counts anywhere, placement waits for an analysis.
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Not analysed yet" in _section(html, "findings")
    placement = _section(html, "placement")
    assert "Not analysed yet" in placement and "→" not in placement

    assert client.post(f"/plans/{plan_id}/analysis", data={"csrf_token": token}).status_code == 302
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    badges = {level: int(n) for n, level in re.findall(r'<span class="risk risk-[a-z-]+">(\d+) ([a-z-]+)</span>', html)}
    before_after = re.findall(r"([a-z-]+) (\d+) → (\d+)", _section(html, "placement"))
    assert badges and {level: int(b) for level, b, _a in before_after} == badges
