"""Shared fixtures: real databases (SQLite always, PostgreSQL when
``VIRTPLAN_TEST_POSTGRES_URL`` names one), a real Flask app and test client,
and organizations with tokens to call the API as.

Each test works in an organization of its own, so tests share one migrated
database per backend without seeing each other's data — the same scoping
that keeps real customers apart.
"""

from __future__ import annotations

import itertools
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path

import pytest
from backends import BACKENDS, apps_on, drop_postgres_database, fresh_postgres_database, migrated_database, tracked
from hypothesis import Phase
from hypothesis import settings as hypothesis_settings
from signin_client import PASSWORD, Clock

# Speed is measured by the benchmarks under bench/, never by tests: no
# per-example deadline, so a busy 2-core CI machine cannot fail a property.
hypothesis_settings.register_profile("virtplan", deadline=None)
# `make mutation` runs the tests once per mutant (--hypothesis-profile=mutation): fewer examples,
# and a failing example is reported as found, not shrunk (shrinking takes minutes per mutant).
hypothesis_settings.register_profile(
    "mutation", deadline=None, max_examples=10, phases=(Phase.explicit, Phase.reuse, Phase.generate)
)
hypothesis_settings.load_profile("virtplan")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database per backend, for the whole session."""
    with migrated_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """The URL of an empty database (no schema), per backend, dropped after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        url = fresh_postgres_database()
        yield url
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from planner.app import create_app
    from planner.config import Settings

    settings = Settings.from_env(
        {}, env="testing", database_url=database_url, instance_path=str(tmp_path_factory.mktemp("instance"))
    )
    application = tracked(create_app(settings))
    yield application
    application.extensions["virtplan.engine"].dispose()


#: How long a test's end waits for the background jobs of the apps it used (see below).
JOBS_DRAIN_SECONDS = 60
_stuck_queues: weakref.WeakSet = weakref.WeakSet()


@pytest.fixture(autouse=True)
def _no_job_outlives_its_test(request):
    """A test on the session's database ends with nothing left to run there: the jobs it
    left queued (recorded and never submitted, or behind a busy worker) are withdrawn, the
    thread queues of the apps on that database have finished the jobs they were running,
    and a job left running without a worker (claimed by the test itself) is withdrawn too.
    Otherwise the next wake-up of any app's queue (each takes the fairest queued job of the
    whole database) or any server's sweep would run them during a later test, and a job
    committing between that test's read and its write makes SQLite refuse the write
    ("database is locked"). A queue that does not drain in time (a job a test left
    blocked) is not waited for again."""
    if "database_url" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("database_url")
    app = request.getfixturevalue("app")
    yield
    from planner.jobs import ThreadJobQueue

    _withdraw_jobs(app, "queued")
    for made in apps_on(url):
        queue = made.extensions["virtplan.jobs"]
        if isinstance(queue, ThreadJobQueue) and queue not in _stuck_queues and not queue.wait_idle(JOBS_DRAIN_SECONDS):
            _stuck_queues.add(queue)
    _withdraw_jobs(app, "queued", "running")


def _withdraw_jobs(app, *states: str) -> None:
    """Delete the jobs of every kind in ``states`` from ``app``'s database."""
    from sqlalchemy import delete

    with app.extensions["virtplan.sessions"]() as session:
        for kind in app.extensions["virtplan.runner"].kinds.values():
            session.execute(delete(kind.model).where(kind.model.state.in_(states)))
        session.commit()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def db(app):
    """A session on the app's database, closed after the test. Its transactions
    begin deferred (like a GET's), so a test can read through it and then call
    the API without holding SQLite's write lock."""
    session = app.extensions["virtplan.read_sessions"]()
    yield session
    session.rollback()
    session.close()


@pytest.fixture()
def writer_db(app):
    """A session that writes as a POST's does: on SQLite each transaction takes
    the write lock when it begins (BEGIN IMMEDIATE). For tests that call the
    services directly and write after reading in one transaction: through a
    deferred session that write fails at once ("database is locked") when a
    background job of another test committed in between. Never call the API
    while it holds a transaction."""
    session = app.extensions["virtplan.sessions"]()
    yield session
    session.rollback()
    session.close()


_counter = itertools.count()


@dataclass
class Tenant:
    """An organization with a user and tokens to act as."""

    org_id: int
    name: str
    write_token: str
    read_token: str

    def headers(self, scope: str = "write", **extra) -> dict:
        token = self.write_token if scope == "write" else self.read_token
        return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture()
def make_tenant(app):
    from planner.services import accounts

    def make(prefix: str = "org") -> Tenant:
        session = app.extensions["virtplan.sessions"]()
        try:
            org = accounts.create_organization(session, f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}")
            _w, write = accounts.create_token(session, org, "write")
            _r, read = accounts.create_token(session, org, "read")
            session.commit()
            return Tenant(org.id, org.name, write, read)
        finally:
            session.close()

    return make


@pytest.fixture()
def tenant(make_tenant):
    return make_tenant()


@pytest.fixture()
def plan_id(client, tenant):
    resp = client.post("/api/v1/plans", json={"name": "Test plan"}, headers=tenant.headers())
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


@pytest.fixture()
def demo_doc() -> dict:
    """The demo plan's inventory document (a fresh copy per test)."""
    from planner.demo import estate_document

    return estate_document()


# Users who sign in through the web (signin_client.py has the form helpers).
_numbers = itertools.count()


@dataclass(frozen=True)
class Account:
    username: str
    user_id: int
    org_id: int
    password: str = PASSWORD


@pytest.fixture()
def make_account(app, tenant):
    """Users of ``tenant``'s organization (unique names), created through the accounts service."""
    from models import Organization
    from planner.services import accounts

    def make(role: str = "consultant", password: str = PASSWORD) -> Account:
        session = app.extensions["virtplan.sessions"]()
        try:
            org = session.get(Organization, tenant.org_id)
            name = f"user-{next(_numbers)}-{uuid.uuid4().hex[:6]}"
            user = accounts.create_user(session, name, password, org, role)
            session.commit()
            return Account(name, user.id, org.id, password)
        finally:
            session.close()

    return make


@pytest.fixture()
def account(make_account) -> Account:
    return make_account()


@pytest.fixture()
def make_app(database_url, tmp_path):
    """Apps of their own on the session's database (their own clock, limits,
    proxies), disposed after the test."""
    from planner.app import create_app
    from planner.config import Settings

    apps = []

    def make(clock=None, **settings):
        overrides = {"env": "testing", "database_url": database_url, "instance_path": str(tmp_path), **settings}
        application = tracked(create_app(Settings.from_env({}, **overrides), **({"clock": clock} if clock else {})))
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["virtplan.jobs"].shutdown()
        application.extensions["virtplan.engine"].dispose()


@pytest.fixture()
def clock() -> Clock:
    return Clock()
