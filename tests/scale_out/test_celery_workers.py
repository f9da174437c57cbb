"""Issue 16, items 2 and 4, with real parts: a real ``redis-server``, real Celery
workers (``virtplan worker``), the web app sending them jobs through Redis.

- A worker killed with SIGKILL while it renders a report (its whole process
  group: main process and pool; the render child dies with its parent) leaves
  the job to another worker, which runs it to success — never stuck, never
  run twice at once.
- Redis restarted mid-queue (without persistence: it comes back empty, the
  wake-ups of queued jobs gone) loses no accepted job: the jobs are rows in
  the database, and a worker's sweep sends a wake-up for every queued job the
  queue holds none for. While Redis is down a request is refused (503) and
  nothing is stored; readiness says the queue is unavailable.

One database for the module: PostgreSQL when VIRTPLAN_TEST_POSTGRES_URL is set
(as in CI), else SQLite. Few tests, each bounded, since every worker is two
processes importing VirtPlan on a 2-core machine.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import urllib.request

import pytest
from cluster import REDIS_SERVER, command_line, descendants, metric_value, workers
from pypdf import PdfReader
from server_process import free_port, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (.ci/run installs Debian's)"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker tests read /proc"),
]

#: A bound on a job's run on the shared 2-core machine (the demo's PDF takes seconds).
JOB_BOUND = 240.0


def _job(web, headers, plan_id, report_id) -> dict:
    resp = web.test_client().get(f"/api/v1/plans/{plan_id}/reports/{report_id}", headers=headers)
    assert resp.status_code == 200
    return resp.get_json()


def _row(web, report_id):
    from models import Report

    with web.extensions["virtplan.sessions"]() as session:
        return session.get(Report, report_id)


def test_a_worker_killed_mid_render_leaves_the_job_to_another(web, org, environment, tmp_path):
    headers, plan_id = org
    with workers(environment, tmp_path, 2) as (first, second):
        resp = web.test_client().post(f"/api/v1/plans/{plan_id}/reports", json={"format": "pdf"}, headers=headers)
        assert resp.status_code == 202, resp.get_json()
        report_id = resp.get_json()["id"]

        # The worker that claimed the job, once its render child is running.
        def rendering():
            row = _row(web, report_id)
            if row.state != "running":
                return None
            pool_pid = int(row.worker.rsplit(":", 1)[1])
            renders = [pid for pid in descendants(pool_pid) if "spawn_main" in command_line(pid)]
            return (pool_pid, renders[0]) if renders else None

        wait_until(rendering, JOB_BOUND, "a worker to render the report")
        pool_pid, render_pid = rendering()
        doomed, survivor = (first, second) if pool_pid in first.family() else (second, first)
        assert pool_pid in doomed.family() and pool_pid not in survivor.family()
        doomed.kill()  # SIGKILL to the worker's process group: main process and pool process
        wait_until(lambda: not os.path.exists(f"/proc/{render_pid}"), 30, "the render child to die with its parent")
        assert _row(web, report_id).state == "running", "the job ended before its worker was killed"

        # The survivor's sweep finds the lease run out, queues the job again and runs it.
        wait_until(lambda: _row(web, report_id).state in ("succeeded", "failed"), JOB_BOUND, "the job to be re-run")
        row = _row(web, report_id)
        assert (row.state, row.error) == ("succeeded", None) and row.attempts >= 2
        assert int(row.worker.rsplit(":", 1)[1]) in survivor.family()
        assert "ended succeeded" in survivor.text() and "queued again" in survivor.text()
    job = _job(web, headers, plan_id, report_id)
    content = web.test_client().get(job["download"], headers=headers)
    assert content.status_code == 200 and len(PdfReader(io.BytesIO(content.data)).pages) > 5


def test_redis_restarted_mid_queue_loses_no_accepted_job(web, org, environment, redis_server, tmp_path):
    headers, plan_id = org
    client = web.test_client()
    metrics_port = free_port()
    with workers(environment, tmp_path, 1, "--metrics-port", str(metrics_port)) as (worker,):
        # The worker is frozen: the jobs asked for now wait in the queue.
        os.killpg(worker.pid, signal.SIGSTOP)
        try:
            accepted = []
            for fmt in ("csv", "json", "oscal"):
                resp = client.post(f"/api/v1/plans/{plan_id}/reports", json={"format": fmt}, headers=headers)
                assert resp.status_code == 202, resp.get_json()
                accepted.append(resp.get_json()["id"])
            # (The frozen worker's pending read may already hold one of the wake-ups.)
            assert redis_server.waiting() in (2, 3)

            # Redis goes down: a request is refused and stores nothing; readiness says why.
            redis_server.stop()
            listed = client.get(f"/api/v1/plans/{plan_id}/reports", headers=headers).get_json()
            resp = client.post(f"/api/v1/plans/{plan_id}/reports", json={"format": "csv"}, headers=headers)
            assert resp.status_code == 503 and resp.headers["Retry-After"] == "30"
            assert "the report was not started: the job queue cannot be reached" in resp.get_json()["detail"]
            assert client.get(f"/api/v1/plans/{plan_id}/reports", headers=headers).get_json() == listed
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.get_json()["checks"]["queue"] == "unavailable"

            # It comes back empty: the wake-ups are gone, the jobs are not.
            redis_server.start()
            assert redis_server.waiting() == 0
            assert [_row(web, i).state for i in accepted] == ["queued"] * 3
        finally:
            os.killpg(worker.pid, signal.SIGCONT)
        # The worker reconnects; its sweep sends the missing wake-ups; every job runs once.
        wait_until(
            lambda: all(_row(web, i).state in ("succeeded", "failed") for i in accepted),
            JOB_BOUND,
            "the accepted jobs to run",
        )

        # The worker's own metrics: its pool's job durations (each observed just after its job
        # is stored), the queue's depth.
        def scraped() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30) as answer:
                return answer.read().decode()

        def durations() -> float:
            return metric_value(scraped(), "virtplan_job_duration_seconds_count", kind="report", state="succeeded")

        wait_until(lambda: durations() == 3, 30, "the third job's duration")
        assert metric_value(scraped(), "virtplan_jobs", kind="report", state="queued") == 0
    assert [(_row(web, i).state, _row(web, i).attempts) for i in accepted] == [("succeeded", 1)] * 3
    assert client.get("/readyz").status_code == 200
