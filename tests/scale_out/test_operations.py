"""Issue 16, item 1: what load balancers and Prometheus ask. /healthz answers
while the process lives; /readyz checks the database (reachable, migrated to
this code's schema) and the job queue, 503 saying which failed; /metrics
serves request latency, job durations and the queue's depth to a scraper
holding VIRTPLAN_METRICS_TOKEN, and nothing to anyone else."""

from __future__ import annotations

import re

import pytest
from cluster import metric_value

METRICS_TOKEN = "scrape-0123456789abcdef"


def test_liveness_needs_nothing(jobs_app):
    resp = jobs_app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "alive"}
    assert resp.headers["Cache-Control"] == "no-store"


def test_readiness_checks_the_database_and_the_queue(make_jobs_app):
    app = make_jobs_app(job_queue="thread", job_workers=1)
    client = app.test_client()
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}
    app.extensions["virtplan.jobs"].shutdown()
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "not ready", "checks": {"database": "ok", "queue": "unavailable"}}


def _app_on(database_url, tmp_path):
    from planner.app import create_app
    from planner.config import Settings

    settings = Settings.from_env(
        {}, env="testing", database_url=database_url, instance_path=str(tmp_path), job_queue="inline"
    )
    return create_app(settings)


def test_readiness_says_when_the_database_is_not_migrated(empty_database, tmp_path):
    app = _app_on(empty_database, tmp_path)
    try:
        resp = app.test_client().get("/readyz")
        assert resp.status_code == 503
        assert resp.get_json()["checks"] == {"database": "not migrated (run virtplan db upgrade)", "queue": "ok"}
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        app.extensions["virtplan.engine"].dispose()


def test_metrics_are_not_served_without_a_token(jobs_app):
    assert jobs_app.test_client().get("/metrics").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {METRICS_TOKEN}", "Bearer"])
def test_metrics_need_the_scrapers_token(make_jobs_app, authorization):
    client = make_jobs_app(job_queue="inline", metrics_token=METRICS_TOKEN).test_client()
    resp = client.get("/metrics", headers={"Authorization": authorization} if authorization else {})
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"virtplan_" not in resp.data


def test_metrics_show_latency_job_durations_and_queue_depth(make_jobs_app, make_org, sessions):
    from planner.services import report_jobs

    client = make_jobs_app(job_queue="inline", metrics_token=METRICS_TOKEN).test_client()
    org = make_org()
    assert client.get(f"/api/v1/plans/{org.plan_id}", headers=org.headers()).status_code == 200
    done = client.post(f"/api/v1/plans/{org.plan_id}/reports", json={"format": "csv"}, headers=org.headers())
    assert done.get_json()["state"] == "succeeded"
    with sessions() as session:  # two more asked for, not yet run
        for _ in range(2):
            report_jobs.request_report(session, org.caller(), org.plan_id, "json")
        session.commit()

    resp = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    text = resp.get_data(as_text=True)
    # Latency by URL rule (not by URL: ids never become labels).
    route = {"method": "GET", "route": "/api/v1/plans/<int:plan_id>", "status": "200"}
    assert metric_value(text, "virtplan_http_request_duration_seconds_count", **route) >= 1
    assert str(org.plan_id) not in re.findall(r'route="([^"]*)"', text)
    assert metric_value(text, "virtplan_job_duration_seconds_count", kind="report", state="succeeded") >= 1
    assert metric_value(text, "virtplan_jobs", kind="report", state="queued") == 2
    assert metric_value(text, "virtplan_jobs", kind="report", state="running") == 0
    assert metric_value(text, "virtplan_jobs", kind="import", state="queued") == 0
    assert metric_value(text, "virtplan_job_wakeups_waiting") == 0


def test_readiness_says_when_the_database_cannot_be_reached(tmp_path):
    from server_process import free_port

    nowhere = f"postgresql://virtplan:virtplan@127.0.0.1:{free_port()}/virtplan"  # nothing listens there
    app = _app_on(nowhere, tmp_path)
    try:
        resp = app.test_client().get("/readyz")
        assert resp.status_code == 503 and resp.get_json()["checks"]["database"] == "unavailable"
        assert b"127.0.0.1" not in resp.data and b"virtplan:virtplan" not in resp.data
    finally:
        app.extensions["virtplan.engine"].dispose()


def test_a_tokens_last_use_is_written_at_most_once_a_minute(jobs_app, make_org, sessions):
    """Reading the API does not write on every call: one write per token per minute."""
    import datetime as dt

    from sqlalchemy import select, update

    from models import ApiToken
    from models.base import utcnow

    client, org = jobs_app.test_client(), make_org()

    def last_used():
        with sessions() as session:
            return session.scalar(select(ApiToken.last_used_at).where(ApiToken.organization_id == org.id))

    assert last_used() is None
    assert client.get("/api/v1/plans", headers=org.headers()).status_code == 200
    first = last_used()
    assert first is not None
    for _ in range(3):
        assert client.get("/api/v1/plans", headers=org.headers()).status_code == 200
    assert last_used() == first
    with sessions() as session:  # a minute later
        earlier = utcnow() - dt.timedelta(seconds=61)
        session.execute(update(ApiToken).where(ApiToken.organization_id == org.id).values(last_used_at=earlier))
        session.commit()
    assert client.get("/api/v1/plans", headers=org.headers()).status_code == 200
    assert last_used() > earlier + dt.timedelta(seconds=60)
