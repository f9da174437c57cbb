"""Issue 8, item 6: one organization's burst of report requests cannot crowd
out the others. At most VIRTPLAN_REPORT_JOBS_PER_ORG jobs per organization
are queued or running (429 beyond, with Retry-After, naming the bound), the
server's queue keeps its own bound (503), a refused request stores nothing,
and stored reports are kept per plan by count and age."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from stored_state import PROBLEM, stored_state

from models import Report
from planner.services import jobs, report_jobs
from planner.services.accounts import Caller


def _caller(tenant) -> Caller:
    return Caller(tenant.org_id, frozenset({"read", "write"}), None, "test")


def _reports(plan_id: int) -> str:
    return f"/api/v1/plans/{plan_id}/reports"


def test_one_organization_is_bounded_and_the_others_are_not(make_app, make_tenant, make_plan, app):
    client = make_app(job_queue="inline", report_jobs_per_org=3).test_client()
    busy, other = make_tenant("busy"), make_tenant("other")
    busy_plan, other_plan = make_plan(busy), make_plan(other)
    # Three jobs queued (recorded, not yet run: as a burst leaves them).
    with app.extensions["virtplan.sessions"]() as session:
        for _ in range(3):
            report_jobs.request_report(session, _caller(busy), busy_plan, "csv")
        session.commit()
    before = stored_state(client, busy, busy_plan)
    resp = client.post(_reports(busy_plan), json={"format": "csv"}, headers=busy.headers())
    assert resp.status_code == 429 and resp.mimetype == PROBLEM
    assert resp.headers["Retry-After"] == "30"
    assert "per-organization bound, 3" in resp.get_json()["detail"]
    assert stored_state(client, busy, busy_plan) == before  # nothing stored for the refusal
    # Another organization is not affected.
    assert client.post(_reports(other_plan), json={"format": "csv"}, headers=other.headers()).status_code == 202
    # Once a job has finished, the organization may ask again.
    with app.extensions["virtplan.sessions"]() as session:
        session.execute(update(Report).where(Report.plan_id == busy_plan).values(state="failed"))
        session.commit()
    assert client.post(_reports(busy_plan), json={"format": "csv"}, headers=busy.headers()).status_code == 202


def test_a_full_server_queue_is_503_and_stores_nothing(make_app, make_tenant, make_plan, app):
    """The server-wide bound counts every organization's jobs in the database (so
    every web process counts the same): one place left, taken by another organization."""
    other, tenant = make_tenant("other"), make_tenant()
    other_plan, plan_id = make_plan(other), make_plan(tenant)
    sessions = app.extensions["virtplan.sessions"]
    with sessions() as session:
        active = session.scalar(select(func.count()).select_from(Report).where(Report.state.in_(("queued", "running"))))
        taken = report_jobs.request_report(session, _caller(other), other_plan, "csv")
        session.commit()
    # Running on a worker elsewhere, its lease live: no app start or sweep here touches it.
    assert jobs.claim(sessions, Report, taken.id, jobs.JobLimits(3600, 1, 3600)) is not None
    client = make_app(job_queue="inline", report_jobs_total=active + 1).test_client()
    try:
        before = stored_state(client, tenant, plan_id)
        resp = client.post(_reports(plan_id), json={"format": "csv"}, headers=tenant.headers())
        assert resp.status_code == 503 and resp.mimetype == PROBLEM
        assert resp.headers["Retry-After"] == "30"
        assert f"server-wide bound, {active + 1} jobs" in resp.get_json()["detail"]
        assert stored_state(client, tenant, plan_id) == before
    finally:
        with app.extensions["virtplan.sessions"]() as session:
            session.execute(update(Report).where(Report.plan_id == other_plan).values(state="failed"))
            session.commit()


def test_retention_keeps_the_newest_reports_per_plan(make_app, tenant, make_plan, app):
    client = make_app(job_queue="inline", reports_kept=2).test_client()
    plan_id = make_plan(tenant)
    other_plan = make_plan(tenant, "Other")
    kept_elsewhere = client.post(_reports(other_plan), json={"format": "csv"}, headers=tenant.headers()).get_json()
    ids = [
        client.post(_reports(plan_id), json={"format": fmt}, headers=tenant.headers()).get_json()["id"]
        for fmt in ("csv", "json", "csv", "oscal")
    ]
    listed = client.get(_reports(plan_id), headers=tenant.headers("read")).get_json()
    assert [r["id"] for r in listed] == ids[:-3:-1]  # the two newest, newest first
    assert client.get(f"{_reports(plan_id)}/{ids[0]}", headers=tenant.headers("read")).status_code == 404
    assert client.get(f"{_reports(other_plan)}/{kept_elsewhere['id']}", headers=tenant.headers()).status_code == 200


def test_retention_drops_reports_older_than_the_age_limit(make_app, tenant, make_plan, app):
    client = make_app(job_queue="inline", report_max_age_days=30).test_client()
    plan_id = make_plan(tenant)
    old = client.post(_reports(plan_id), json={"format": "csv"}, headers=tenant.headers()).get_json()
    recent = client.post(_reports(plan_id), json={"format": "csv"}, headers=tenant.headers()).get_json()
    with app.extensions["virtplan.sessions"]() as session:  # as if finished 31 days ago
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
        session.execute(update(Report).where(Report.id == old["id"]).values(finished_at=long_ago))
        session.commit()
    assert client.get(f"{_reports(plan_id)}/{old['id']}", headers=tenant.headers()).status_code == 200
    newest = client.post(_reports(plan_id), json={"format": "csv"}, headers=tenant.headers()).get_json()
    listed = [r["id"] for r in client.get(_reports(plan_id), headers=tenant.headers("read")).get_json()]
    assert listed == [newest["id"], recent["id"]]


@pytest.mark.parametrize("bad", [0, 10**6])
def test_bounds_are_checked_settings(bad):
    from planner.config import ConfigurationError, Settings

    with pytest.raises(ConfigurationError, match="VIRTPLAN_REPORT_JOBS_PER_ORG"):
        Settings.from_env({"VIRTPLAN_REPORT_JOBS_PER_ORG": str(bad)}, env="testing")
