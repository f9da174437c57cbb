"""A report job runs once, however often it is handed out."""

from __future__ import annotations


def _caller(tenant):
    from planner.services.accounts import Caller

    return Caller(tenant.org_id, frozenset({"read", "write"}), label="test")


def test_a_job_runs_once(inline_app, db, writer_db, tenant, demo_plan):
    from models import Report
    from planner.services import report_jobs

    row = report_jobs.request_report(writer_db, _caller(tenant), demo_plan, "json")
    writer_db.commit()
    sessions = inline_app.extensions["virtplan.sessions"]
    report_jobs.run_report_job(sessions, row.id)
    db.expire_all()
    first = db.get(Report, row.id)
    assert first.state == "succeeded" and first.size
    finished_at, sha = first.finished_at, first.sha256
    report_jobs.run_report_job(sessions, row.id)  # a redelivered job: not queued any more, nothing happens
    report_jobs.run_report_job(sessions, 10**9)  # an unknown job: nothing happens
    db.expire_all()
    again = db.get(Report, row.id)
    assert (again.state, again.finished_at, again.sha256) == ("succeeded", finished_at, sha)
