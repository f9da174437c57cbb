"""The job queue interface, its configuration, claiming a job once, and
failing what a stopped process left unfinished."""

from __future__ import annotations

import threading

import pytest
from server_process import wait_until

from planner.config import ConfigurationError, Settings
from planner.jobs import InlineJobQueue, QueueFull, ThreadJobQueue, make_queue


def test_inline_queue_runs_at_once_and_swallows_job_errors(caplog):
    ran = []
    queue = InlineJobQueue()
    queue.submit(ran.append, 1)
    assert ran == [1]

    def broken():
        raise RuntimeError("boom")

    queue.submit(broken)  # logged, not raised into the request
    assert "background job" in caplog.text and "boom" in caplog.text


def test_thread_queue_is_bounded():
    queue = ThreadJobQueue(workers=1, max_pending=2)
    gate, second = threading.Event(), threading.Event()
    queue.submit(gate.wait, 10)
    queue.submit(second.set)
    with pytest.raises(QueueFull, match="too many jobs are waiting"):
        queue.submit(second.set)
    gate.set()
    assert second.wait(5)
    queue.shutdown()


def _takes(queue, fn, *args) -> bool:
    """Whether ``queue`` takes the job now (False while every slot is held)."""
    try:
        queue.submit(fn, *args)
    except QueueFull as full:
        if "too many jobs" not in str(full):
            raise
        return False
    return True


def test_thread_queue_shutdown_lets_running_jobs_finish_and_drops_waiting_ones():
    queue = ThreadJobQueue(workers=1, max_pending=2)
    started, gate, done = threading.Event(), threading.Event(), []

    def first():
        started.set()
        gate.wait(60)
        done.append("first")

    queue.submit(first)
    queue.submit(done.append, "waiting")
    assert started.wait(60)  # the one worker runs "first"; "waiting" waits behind it
    stopper = threading.Thread(target=queue.shutdown)
    stopper.start()

    def refused_as_shut_down() -> bool:  # the waiting job is dropped before submits are refused
        try:
            return not _takes(queue, done.append, "probe")
        except QueueFull as closed:
            return "shut down" in str(closed)

    wait_until(refused_as_shut_down, 60, "shutdown to drop the waiting job")
    assert stopper.is_alive()  # still waiting for the running job
    gate.set()
    stopper.join(60)
    assert not stopper.is_alive() and done == ["first"]
    with pytest.raises(QueueFull, match="shut down"):
        queue.submit(done.append, "after shutdown")


def test_thread_queue_frees_its_slots():
    """One slot, many jobs in turn: each slot comes back once its job is done."""
    queue = ThreadJobQueue(workers=2, max_pending=1)
    for _ in range(5):
        finished = threading.Event()
        # The slot is released by a done-callback just after the previous job returns.
        wait_until(lambda finished=finished: _takes(queue, finished.set), 60, "the slot to come back")
        assert finished.wait(60)
    queue.shutdown()


def test_make_queue():
    assert isinstance(make_queue("inline"), InlineJobQueue)
    thread = make_queue("thread", 1)
    assert isinstance(thread, ThreadJobQueue)
    thread.shutdown()
    with pytest.raises(ValueError, match="unknown job queue 'celery'"):
        make_queue("celery")
    with pytest.raises(ValueError, match="workers must be 1 to 4"):
        ThreadJobQueue(workers=0)


def test_settings_for_jobs():
    base = {"VIRTPLAN_ENV": "testing"}
    default = Settings.from_env(base)
    assert (default.job_queue, default.job_workers, default.report_timeout, default.report_memory_mb) == (
        "thread",
        2,
        300.0,
        2048,
    )
    custom = Settings.from_env(
        {
            **base,
            "VIRTPLAN_JOB_QUEUE": "inline",
            "VIRTPLAN_JOB_WORKERS": "1",
            "VIRTPLAN_REPORT_TIMEOUT": "12.5",
            "VIRTPLAN_REPORT_MEMORY_MB": "512",
        }
    )
    assert (custom.job_queue, custom.job_workers, custom.report_timeout, custom.report_memory_mb) == (
        "inline",
        1,
        12.5,
        512,
    )
    for key, value, message in [
        ("VIRTPLAN_JOB_QUEUE", "celery", "VIRTPLAN_JOB_QUEUE must be one of thread, inline, not 'celery'"),
        ("VIRTPLAN_JOB_WORKERS", "9", "VIRTPLAN_JOB_WORKERS must be between 1 and 4, not '9'"),
        ("VIRTPLAN_REPORT_TIMEOUT", "soon", "VIRTPLAN_REPORT_TIMEOUT must be a number, not 'soon'"),
        ("VIRTPLAN_REPORT_MEMORY_MB", "1", "VIRTPLAN_REPORT_MEMORY_MB must be between 16 and"),
    ]:
        with pytest.raises(ConfigurationError) as caught:
            Settings.from_env({**base, key: value})
        assert str(caught.value).startswith(message)


def _caller(tenant):
    from planner.services.accounts import Caller

    return Caller(tenant.org_id, frozenset({"read", "write"}), label="test")


def test_a_job_runs_once(inline_app, db, tenant, demo_plan):
    from models import Report
    from planner.services import report_jobs

    row = report_jobs.request_report(db, _caller(tenant), demo_plan, "json")
    db.commit()
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


def test_app_start_fails_jobs_left_unfinished(make_app, db, tenant, demo_plan):
    from models import Report
    from models.base import utcnow
    from planner.services import report_jobs

    queued = report_jobs.request_report(db, _caller(tenant), demo_plan, "pdf")
    running = report_jobs.request_report(db, _caller(tenant), demo_plan, "csv")
    running.state, running.started_at = "running", utcnow()
    db.commit()
    make_app(job_queue="inline")
    db.expire_all()
    for row_id in (queued.id, running.id):
        row = db.get(Report, row_id)
        assert row.state == "failed" and row.error.startswith("interrupted")
        assert row.finished_at is not None and row.sha256 is None
