"""The job queues a web process submits to (inline, thread; Celery has its own
tests with real workers), their configuration, and what a request gets when
the queue cannot take its job: 503, and nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_process import wait_until
from sqlalchemy import func, select

from models import ImportJob, Report
from planner.config import ConfigurationError, Settings
from planner.jobs import InlineJobQueue, QueueFull, ThreadJobQueue, make_queue
from planner.jobs.runner import Runner
from planner.services import report_jobs

#: A valid mapping (the demo's): a request is checked before it is queued.
MAPPING = (Path(__file__).resolve().parents[2] / "planner" / "demo" / "rvtools-mapping.yaml").read_text()
IMPORT = {"files": {"devices.json": []}, "mapping": MAPPING}


def _request(sessions, org, fmt="csv") -> int:
    with sessions() as session:
        row = report_jobs.request_report(session, org.caller(), org.plan_id, fmt)
        session.commit()
        return row.id


def _states(sessions) -> list[tuple[int, str]]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(select(Report.id, Report.state).order_by(Report.id))]


def test_the_inline_queue_runs_the_job_submitted(sessions, make_org, jobs_app):
    org = make_org()
    runner = Runner(jobs_app.config["VIRTPLAN_SETTINGS"], sessions)
    first, second = _request(sessions, org), _request(sessions, org)
    queue = InlineJobQueue(runner)
    queue.submit("report", second)
    assert _states(sessions) == [(first, "queued"), (second, "succeeded")]
    queue.submit("report", second)  # handed out again: not queued any more, nothing happens
    queue.submit("report", 10**9)  # unknown: nothing happens
    assert queue.waiting() == 0
    queue.submit("report", first)
    assert _states(sessions) == [(first, "succeeded"), (second, "succeeded")]


def test_one_wake_up_of_the_thread_queue_runs_every_queued_job(sessions, make_org, jobs_app):
    org = make_org()
    runner = Runner(jobs_app.config["VIRTPLAN_SETTINGS"], sessions)
    ids = [_request(sessions, org) for _ in range(3)]
    queue = ThreadJobQueue(runner, workers=1)
    try:
        queue.submit("report", ids[-1])
        wait_until(lambda: all(state == "succeeded" for _id, state in _states(sessions)), 120, "the jobs")
        assert [i for i, _state in _states(sessions)] == ids
        wait_until(lambda: queue.waiting() == 0, 10, "the wake-up to be taken")
    finally:
        queue.shutdown()
    with pytest.raises(QueueFull, match="shut down"):
        queue.submit("report", ids[0])
    with pytest.raises(QueueFull, match="shut down"):
        queue.waiting()  # what readiness asks


def test_make_queue(jobs_app, sessions):
    runner = Runner(jobs_app.config["VIRTPLAN_SETTINGS"], sessions)
    assert isinstance(make_queue("inline", runner), InlineJobQueue)
    thread = make_queue("thread", runner, 1)
    assert isinstance(thread, ThreadJobQueue)
    thread.shutdown()
    with pytest.raises(ValueError, match="unknown job queue 'rq'"):
        make_queue("rq", runner)
    with pytest.raises(ValueError, match="the celery job queue needs a broker URL"):
        make_queue("celery", runner)
    with pytest.raises(ValueError, match="workers must be 1 to 4"):
        ThreadJobQueue(runner, workers=0)


def test_a_celery_queue_shut_down_takes_nothing_and_leaves_the_broker_to_the_others():
    from planner.jobs.celery_queue import CeleryJobQueue

    settings = Settings.from_env({}, env="testing", broker_url="redis://127.0.0.1:1/0")
    first, second = CeleryJobQueue(settings), CeleryJobQueue(settings)
    first.shutdown()
    with pytest.raises(QueueFull, match="shut down"):
        first.submit("report", 1)
    with pytest.raises(QueueFull, match="shut down"):
        first.waiting()
    # The other queue on that broker still tries it (nothing listens on port 1: unreachable, not closed).
    with pytest.raises(QueueFull, match="cannot be reached"):
        second.waiting()


def test_a_request_the_queue_cannot_take_is_503_and_stores_nothing(make_jobs_app, make_org, sessions):
    app = make_jobs_app(job_queue="thread", job_workers=1)
    app.extensions["virtplan.jobs"].shutdown()  # as when the broker cannot be reached
    client = app.test_client()
    org = make_org()
    resp = client.post(f"/api/v1/plans/{org.plan_id}/reports", json={"format": "csv"}, headers=org.headers())
    assert resp.status_code == 503 and resp.mimetype == "application/problem+json"
    assert resp.headers["Retry-After"] == "30"
    assert resp.get_json()["detail"] == "the report was not started: the job queue is shut down"
    resp = client.post(
        f"/api/v1/plans/{org.plan_id}/imports/netbox",
        json=IMPORT,
        headers=org.headers(),
    )
    assert resp.status_code == 503, resp.get_json()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
        assert session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_import_jobs_are_bounded_per_organization(make_jobs_app, make_org, sessions):
    """Import jobs hold their files: an organization may have VIRTPLAN_IMPORT_JOBS_PER_ORG queued or running."""
    from planner.services import imports

    client = make_jobs_app(job_queue="inline", import_jobs_per_org=2).test_client()
    busy, other = make_org(), make_org()
    with sessions() as session:
        for _ in range(2):
            imports.request_import(session, busy.caller(), busy.plan_id, "netbox", [("devices.json", b"[]")], MAPPING)
        session.commit()
    resp = client.post(f"/api/v1/plans/{busy.plan_id}/imports/netbox", json=IMPORT, headers=busy.headers())
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "30"
    assert "per-organization bound, 2" in resp.get_json()["detail"]
    resp = client.post(f"/api/v1/plans/{other.plan_id}/imports/netbox", json=IMPORT, headers=other.headers())
    assert resp.status_code == 202, resp.get_json()


def test_settings_for_jobs():
    base = {"VIRTPLAN_ENV": "testing"}
    default = Settings.from_env(base)
    assert (default.job_queue, default.job_workers, default.broker_url, default.ratelimit_storage_url) == (
        "thread",
        2,
        None,
        "memory://",
    )
    assert (default.job_lease_seconds, default.job_attempts, default.job_time_limit) == (90.0, 3, 3600.0)
    broker = Settings.from_env({**base, "VIRTPLAN_BROKER_URL": "redis://cache:6379/2"})
    # With a broker, Celery runs the jobs and the broker's Redis counts sign-in attempts.
    assert (broker.job_queue, broker.broker_url, broker.ratelimit_storage_url) == (
        "celery",
        "redis://cache:6379/2",
        "redis://cache:6379/2",
    )
    custom = Settings.from_env(
        {
            **base,
            "VIRTPLAN_JOB_QUEUE": "inline",
            "VIRTPLAN_JOB_WORKERS": "1",
            "VIRTPLAN_JOB_LEASE_SECONDS": "6",
            "VIRTPLAN_JOB_ATTEMPTS": "5",
            "VIRTPLAN_JOB_TIME_LIMIT": "120",
            "VIRTPLAN_REPORT_TIMEOUT": "12.5",
            "VIRTPLAN_REPORT_MEMORY_MB": "512",
        }
    )
    assert (custom.job_queue, custom.job_workers, custom.job_lease_seconds, custom.job_attempts) == ("inline", 1, 6, 5)
    assert (custom.job_time_limit, custom.report_timeout, custom.report_memory_mb) == (120, 12.5, 512)
    for key, value, message in [
        ("VIRTPLAN_JOB_QUEUE", "rq", "VIRTPLAN_JOB_QUEUE must be one of thread, inline, celery, not 'rq'"),
        ("VIRTPLAN_JOB_QUEUE", "celery", "VIRTPLAN_JOB_QUEUE=celery needs VIRTPLAN_BROKER_URL"),
        ("VIRTPLAN_BROKER_URL", "amqp://rabbit//", "VIRTPLAN_BROKER_URL must be a Redis URL"),
        ("VIRTPLAN_JOB_WORKERS", "9", "VIRTPLAN_JOB_WORKERS must be between 1 and 4, not '9'"),
        ("VIRTPLAN_JOB_ATTEMPTS", "0", "VIRTPLAN_JOB_ATTEMPTS must be between 1 and"),
        ("VIRTPLAN_JOB_LEASE_SECONDS", "soon", "VIRTPLAN_JOB_LEASE_SECONDS must be a number, not 'soon'"),
        ("VIRTPLAN_REPORT_MEMORY_MB", "1", "VIRTPLAN_REPORT_MEMORY_MB must be between 16 and"),
    ]:
        with pytest.raises(ConfigurationError) as caught:
            Settings.from_env({**base, key: value})
        assert str(caught.value).startswith(message)
