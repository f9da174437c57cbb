"""Issue 16, item 2: a job is claimed once, held under a lease, fenced from a
late worker, queued again when its worker stops renewing the lease (killed,
out of memory, machine gone), failed with the reason after the attempt or time
limit, and claimed fairly between organizations. On SQLite and PostgreSQL,
through planner.services.jobs and the runner every queue uses."""

from __future__ import annotations

import datetime as dt
import os
import threading

from sqlalchemy import select, update

from models import Report
from models.base import utcnow
from models.database import WRITER
from planner.jobs import InlineJobQueue
from planner.jobs.runner import Runner
from planner.services import jobs, report_jobs

LIMITS = jobs.JobLimits(lease=30, attempts=3, time_limit=600)


def _request(session_factory, org, fmt="csv") -> int:
    with session_factory() as session:
        row = report_jobs.request_report(session, org.caller(), org.plan_id, fmt)
        session.commit()
        return row.id


def _row(session_factory, report_id):
    with session_factory() as session:
        return session.get(Report, report_id)


def _lapse(session_factory, report_id, **values):
    """As if the worker holding the job stopped renewing its lease a while ago."""
    with session_factory() as session:
        past = utcnow() - dt.timedelta(seconds=1)
        session.execute(update(Report).where(Report.id == report_id).values(lease_until=past, **values))
        session.commit()


def test_a_claimed_job_is_held_once_and_a_late_worker_is_fenced_off(sessions, make_org):
    org = make_org()
    report_id = _request(sessions, org)
    first = jobs.claim(sessions, Report, report_id, LIMITS)
    assert first is not None and first.attempt == 1
    assert jobs.claim(sessions, Report, report_id, LIMITS) is None  # delivered twice: claimed once
    row = _row(sessions, report_id)
    assert (row.state, row.attempts) == ("running", 1)
    assert row.lease_until > utcnow() and row.worker.endswith(f":{os.getpid()}")

    # Its worker stops renewing the lease: the sweep queues it again, another worker takes it.
    _lapse(sessions, report_id)
    with sessions() as session:
        assert jobs.requeue_lapsed(session, [Report], LIMITS) == (1, 0)
        session.commit()
    second = jobs.claim(sessions, Report, report_id, LIMITS)
    assert second is not None and second.attempt == 2

    # The first worker wakes up late: it cannot renew, fail or store anything.
    with sessions() as session:
        assert not jobs.renew(session, first, LIMITS)
        session.commit()
    jobs.fail(sessions, first, "a late worker's failure")
    report_jobs.execute(sessions, first, LIMITS)
    row = _row(sessions, report_id)
    assert (row.state, row.error, row.sha256) == ("running", None, None)

    report_jobs.execute(sessions, second, LIMITS)
    row = _row(sessions, report_id)
    assert (row.state, row.attempts, row.lease_until) == ("succeeded", 2, None) and row.size


def test_a_job_whose_worker_keeps_dying_fails_with_the_reason(sessions, make_org):
    org = make_org()
    report_id = _request(sessions, org)
    for attempt in range(1, LIMITS.attempts + 1):
        claim = jobs.claim(sessions, Report, report_id, LIMITS)
        assert claim is not None and claim.attempt == attempt
        _lapse(sessions, report_id)  # killed mid-job, every time
        with sessions() as session:
            outcome = jobs.requeue_lapsed(session, [Report], LIMITS)
            session.commit()
        assert outcome == ((1, 0) if attempt < LIMITS.attempts else (0, 1))
    row = _row(sessions, report_id)
    assert row.state == "failed" and row.finished_at is not None
    assert row.error == jobs.gave_up(3)
    assert "stopped 3 times before it finished" in row.error and "not tried again" in row.error
    assert jobs.claim(sessions, Report, report_id, LIMITS) is None


def test_a_job_past_its_time_limit_is_failed_not_run_again(sessions, make_org):
    org = make_org()
    report_id = _request(sessions, org)
    assert jobs.claim(sessions, Report, report_id, LIMITS) is not None
    _lapse(sessions, report_id, started_at=utcnow() - dt.timedelta(seconds=LIMITS.time_limit + 1))
    with sessions() as session:
        assert jobs.requeue_lapsed(session, [Report], LIMITS) == (0, 1)
        session.commit()
    row = _row(sessions, report_id)
    assert (row.state, row.error) == ("failed", "the job ran longer than its time limit (600 s) and was stopped")


def test_a_released_job_is_queued_again_without_counting_the_attempt(sessions, make_org):
    """A worker shutting down gives its job back (its render was stopped, not failed)."""
    org = make_org()
    report_id = _request(sessions, org)
    claim = jobs.claim(sessions, Report, report_id, LIMITS)
    jobs.release(sessions, claim)
    row = _row(sessions, report_id)
    assert (row.state, row.attempts, row.started_at, row.lease_until) == ("queued", 0, None, None)
    assert jobs.claim(sessions, Report, report_id, LIMITS).attempt == 1


def test_a_burst_of_one_organization_does_not_starve_another(sessions, make_org):
    """Workers take the queued job of the organization with the fewest running, oldest first."""
    busy, quiet = make_org(), make_org()
    burst = [_request(sessions, busy) for _ in range(4)]
    late = _request(sessions, quiet)  # asked for after the whole burst
    order = []
    for _ in range(5):
        claim = jobs.claim_next(sessions, [Report], LIMITS)
        order.append(claim.id)  # each stays running: one organization's jobs pile up
    assert order == [burst[0], late, *burst[1:]]
    assert jobs.claim_next(sessions, [Report], LIMITS) is None


def test_the_sweep_takes_up_what_a_stopped_process_left(sessions, make_org, jobs_app):
    """Queued jobs nobody woke a worker for, and running jobs whose worker is gone,
    are run to success by the sweep of the next process to run jobs."""
    org = make_org()
    waiting = _request(sessions, org, "json")
    orphan = _request(sessions, org, "csv")
    assert jobs.claim(sessions, Report, orphan, LIMITS) is not None
    _lapse(sessions, orphan)
    runner = Runner(jobs_app.config["VIRTPLAN_SETTINGS"], sessions)
    swept = runner.sweep(InlineJobQueue(runner))
    assert (swept.requeued, swept.failed, swept.woken) == (1, 0, 2)
    with sessions() as session:
        rows = session.execute(select(Report.id, Report.state, Report.attempts).order_by(Report.id)).all()
    assert [tuple(r) for r in rows] == [(waiting, "succeeded", 1), (orphan, "succeeded", 2)]
    assert runner.depth()["report"] == {"queued": 0, "running": 0}


def test_an_idle_sweep_writes_nothing(sessions, make_org, jobs_app):
    """A worker sweeps every third of a lease. With nothing to take up it only reads, so
    a worker stopped or stalled mid-sweep (SIGSTOP, a paused VM) never keeps other
    processes from writing: the sweep completes while another transaction keeps every
    job table from being written (on SQLite: holds the database's one write lock)."""
    org = make_org()
    runner = Runner(jobs_app.config["VIRTPLAN_SETTINGS"], sessions)
    finished = _request(sessions, org)
    runner.run("report", finished)
    engine = jobs_app.extensions["virtplan.engine"]
    with engine.execution_options(**{WRITER: True}).connect() as blocker:
        blocker.begin()  # on SQLite a writer's BEGIN IMMEDIATE: the write lock
        if engine.dialect.name == "postgresql":
            tables = ", ".join(kind.model.__tablename__ for kind in runner.kinds.values())
            blocker.exec_driver_sql(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        swept = []
        sweeper = threading.Thread(target=lambda: swept.append(runner.sweep(InlineJobQueue(runner))))
        try:
            sweeper.start()
            sweeper.join(120)  # a bound on a hang, not a measurement: it never waits for the lock
            assert not sweeper.is_alive(), "the idle sweep waited for the write lock"
            assert runner.depth()["report"] == {"queued": 0, "running": 0}
        finally:
            blocker.rollback()
            sweeper.join()
    assert [(s.requeued, s.failed, s.woken) for s in swept] == [(0, 0, 0)]
    assert _row(sessions, finished).state == "succeeded"
