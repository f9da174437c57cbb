"""Issue 16, item 3: deploy/compose.yaml and deploy/systemd/ run as they say,
with real parts — the commands and environments the files give (read by
deploy_files.py, only what cannot exist here rewritten) against a scratch
PostgreSQL database and a throwaway redis-server:

- before the migration, the worker refuses to start (it never migrates) and the
  web serves but is not ready, saying why — and the database is still empty;
- the migration (``virtplan db upgrade``, idempotent: the systemd flavour runs
  it twice) makes the web ready, as compose's healthcheck sees it;
- a report asked for through the web is rendered by the file's worker, which,
  stopped mid-render the way its service manager stops it (``docker stop``:
  SIGTERM to the main process; systemd: by the unit's KillMode), finishes the
  render first (Celery's warm shutdown), as the files promise;
- the web, stopped the same way, exits cleanly.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from contextlib import contextmanager

import pytest
from backends import POSTGRES_URL
from cluster import REDIS_SERVER, START_BOUND, command_line, descendants, start_worker, wait_until, web_server
from deploy_files import compose_deployment, systemd_deployment
from pypdf import PdfReader

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="VIRTPLAN_TEST_POSTGRES_URL is not set (the files run PostgreSQL)"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (.ci/run installs Debian's)"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gunicorn and /proc"),
]

DEPLOYMENTS = {"compose": compose_deployment, "systemd": systemd_deployment}
#: A bound on the demo's PDF on the shared 2-core machine.
JOB_BOUND = 240.0


def _run(process, cwd):
    return subprocess.run(
        process.command, env=process.environment, cwd=cwd, capture_output=True, text=True, timeout=START_BOUND
    )


@contextmanager
def _sessions(database_url: str):
    """Sessions on ``database_url`` (its engine disposed after)."""
    from models.database import make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _revision(database_url: str) -> str | None:
    from migrations import current_revision

    with _sessions(database_url) as session:
        return current_revision(session.connection())


def _organization(database_url: str):
    """A new organization's write token and a plan of the demo estate, made through the services."""
    from planner.demo import estate_document
    from planner.services import accounts, plans

    with _sessions(database_url) as session:
        org = accounts.create_organization(session, f"deploy-{uuid.uuid4().hex[:8]}")
        _row, token = accounts.create_token(session, org, "write")
        session.commit()
        caller = accounts.Caller(org.id, frozenset({"read", "write"}), None, "test")
        plan = plans.create_plan(session, caller, "Deployed plan")
        plans.put_inventory(session, caller, plan.id, estate_document())
        session.commit()
        return {"Authorization": f"Bearer {token}"}, plan.id


def _ran_by(database_url: str, report_id: int) -> tuple[int, int]:
    """The process id of the worker that ran the report (its row says host:pid), and its attempts."""
    from models import Report

    with _sessions(database_url) as session:
        row = session.get(Report, report_id)
        return int(row.worker.rsplit(":", 1)[1]), row.attempts


def _rendering(worker) -> bool:
    """A render child (multiprocessing's spawn) runs under the worker."""
    return any("spawn_main" in command_line(pid) for pid in descendants(worker.pid))


def _stop(process: subprocess.Popen, given) -> int:
    """SIGTERM as the file's service manager sends it (every process of the service, or
    the main one); the exit status once it has ended."""
    if given.stop_signals_every_process:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        os.kill(process.pid, signal.SIGTERM)
    return process.wait(START_BOUND)


@pytest.mark.parametrize("empty_database", ["postgres"], indirect=True)
@pytest.mark.parametrize("flavour", sorted(DEPLOYMENTS))
def test_the_deploy_files_run_as_they_say(flavour, empty_database, redis_server, tmp_path):
    deployment = DEPLOYMENTS[flavour](empty_database, redis_server.url, tmp_path)
    cwd = tmp_path / "cwd"  # nothing relies on being started in the checkout
    cwd.mkdir()

    # Before the migration: the worker refuses, saying what to do.
    refused = _run(deployment.worker, cwd)
    assert refused.returncode == 1, refused.stderr[-2000:]
    assert "run 'virtplan db upgrade' once, then start the workers" in refused.stderr

    web = deployment.web
    with web_server(
        web.command,
        web.environment,
        tmp_path,
        deployment.web_port,
        deployment.web_workers,
        tmp_path / "server.log",
        cwd,
    ) as server:
        # The web serves, not ready, and has not migrated the database.
        ready = server.call("GET", "/readyz")
        assert ready.status == 503, ready.body
        assert ready.json()["checks"] == {"database": "not migrated (run virtplan db upgrade)", "queue": "ok"}
        if deployment.healthcheck is not None:
            assert _run(deployment.healthcheck, cwd).returncode != 0
        assert _revision(empty_database) is None

        # The migration, once (and once more: it is idempotent, as the migrate unit says).
        for _ in range(2 if flavour == "systemd" else 1):
            migrated = _run(deployment.migrate, cwd)
            assert migrated.returncode == 0, migrated.stderr[-2000:]
        assert _revision(empty_database) is not None
        ready = server.call("GET", "/readyz")
        assert ready.status == 200 and ready.json()["status"] == "ready", ready.body
        if deployment.healthcheck is not None:
            check = _run(deployment.healthcheck, cwd)
            assert check.returncode == 0, check.stderr[-2000:]

        # A report asked for through the web, rendered by the file's worker...
        worker = start_worker(
            deployment.worker.environment, tmp_path / "worker.log", command=deployment.worker.command, cwd=cwd
        )
        try:
            if deployment.worker_metrics_port is not None:
                url = f"http://127.0.0.1:{deployment.worker_metrics_port}/metrics"
                with urllib.request.urlopen(url, timeout=30) as answer:
                    assert b"virtplan_jobs" in answer.read()
            headers, plan_id = _organization(empty_database)
            asked = server.call("POST", f"/api/v1/plans/{plan_id}/reports", {"format": "pdf"}, headers)
            assert asked.status == 202, asked.body
            report_id = asked.json()["id"]

            # ...stopped as the file stops it while the report renders: the render finishes first
            # (Celery's warm shutdown, as the files promise), by this worker, at its first attempt.
            wait_until(lambda: _rendering(worker), JOB_BOUND, "the worker to render the report")
            family = worker.family()
            stopped = _stop(worker.process, deployment.worker)
        finally:
            worker.stop()
        assert stopped == 0, worker.text()[-3000:]
        done = server.call("GET", f"/api/v1/plans/{plan_id}/reports/{report_id}", None, headers).json()
        assert (done["state"], done["error"]) == ("succeeded", None), worker.text()[-3000:]
        ran_by, attempts = _ran_by(empty_database, report_id)
        assert ran_by in family and attempts == 1
        content = server.call("GET", done["download"], None, headers)
        assert content.status == 200 and len(PdfReader(io.BytesIO(content.body)).pages) > 5

        # The web stopped as the file stops it: a clean exit.
        assert _stop(server.process, web) == 0, (tmp_path / "server.log").read_text()[-3000:]
