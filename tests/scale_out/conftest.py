"""Fixtures for the scale-out tests: databases of this folder's own, and the
real processes around them.

A worker takes the fairest queued job of its whole database, and a sweep
takes up every lapsed one, so these tests must not share a database with
tests that leave jobs behind (nor leave theirs to them): ``jobs_database``
per module and backend for the in-process tests; ``cluster_database`` for
the tests with real Redis, Celery workers and gunicorn — PostgreSQL when
VIRTPLAN_TEST_POSTGRES_URL is set (as in CI), else SQLite, one backend only,
since every real worker is processes importing VirtPlan on a 2-core machine.
Organizations and plans are made through the services, as everywhere else.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import pytest
from backends import BACKENDS, POSTGRES_URL, app_maker, migrated_database
from cluster import RedisServer, process_environment
from sqlalchemy import delete

_numbers = itertools.count()


@dataclass(frozen=True)
class Org:
    """An organization with a write token and a plan holding the demo estate."""

    id: int
    token: str
    plan_id: int

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def caller(self):
        from planner.services.accounts import Caller

        return Caller(self.id, frozenset({"read", "write"}), None, "test")


@pytest.fixture(scope="module", params=BACKENDS)
def jobs_database(request, tmp_path_factory):
    """A migrated database for this module alone, per backend."""
    with migrated_database(request.param, tmp_path_factory.mktemp("jobs-db")) as url:
        yield url


@pytest.fixture(scope="module")
def make_jobs_app(jobs_database, tmp_path_factory):
    """Apps on this module's database with settings overridden; shut down at the end."""
    with app_maker(jobs_database, tmp_path_factory.mktemp("instance")) as make:
        yield make


@pytest.fixture(scope="module")
def jobs_app(make_jobs_app):
    """An app whose queue runs each job inside the request."""
    return make_jobs_app(job_queue="inline")


@pytest.fixture()
def sessions(jobs_app):
    """The session factory of this module's database; every job is removed before each test."""
    from models import AnalysisJob, ImportJob, Report

    factory = jobs_app.extensions["virtplan.sessions"]
    with factory() as session:
        for model in (Report, ImportJob, AnalysisJob):
            session.execute(delete(model))
        session.commit()
    return factory


@pytest.fixture(scope="module")
def make_org(jobs_app):
    """make_org() -> a new organization of this module's database with a plan of the demo estate."""
    from planner.demo import estate_document
    from planner.services import accounts, plans

    document = estate_document()

    def make() -> Org:
        with jobs_app.extensions["virtplan.sessions"]() as session:
            org = accounts.create_organization(session, f"jobs-{next(_numbers)}-{uuid.uuid4().hex[:6]}")
            _row, token = accounts.create_token(session, org, "write")
            session.commit()
            caller = accounts.Caller(org.id, frozenset({"read", "write"}), None, "test")
            plan = plans.create_plan(session, caller, "Scale-out plan")
            plans.put_inventory(session, caller, plan.id, document)
            session.commit()
            return Org(org.id, token, plan.id)

    return make


# --- real processes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster_database(tmp_path_factory):
    with migrated_database("postgres" if POSTGRES_URL else "sqlite", tmp_path_factory.mktemp("cluster-db")) as url:
        yield url


@pytest.fixture()
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def web(cluster_database, redis_server, tmp_path):
    """The web app (in this process) sending jobs to Celery through ``redis_server``."""
    with app_maker(cluster_database, tmp_path) as make:
        yield make(broker_url=redis_server.url, job_lease_seconds=5)


@pytest.fixture()
def environment(cluster_database, redis_server, tmp_path):
    # A worker that stops renewing its lease is known dead within five seconds (short, yet
    # long enough that a live worker's renewal is not late on a busy machine's SQLite).
    return process_environment(cluster_database, redis_server.url, tmp_path, VIRTPLAN_JOB_LEASE_SECONDS="5")


@pytest.fixture()
def org(web):
    """An organization with a token and a plan of the demo estate (through the API)."""
    from planner.demo import estate_document
    from planner.services import accounts

    with web.extensions["virtplan.sessions"]() as session:
        organization = accounts.create_organization(session, f"cluster-{next(_numbers)}-{uuid.uuid4().hex[:6]}")
        _row, token = accounts.create_token(session, organization, "write")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = web.test_client()
    plan_id = client.post("/api/v1/plans", json={"name": "Cluster"}, headers=headers).get_json()["id"]
    assert client.put(f"/api/v1/plans/{plan_id}/inventory", json=estate_document(), headers=headers).status_code == 200
    return headers, plan_id
