"""Fixtures for the job mechanism: a database of this folder's own per backend.

A worker takes the fairest queued job of its whole database, and a sweep
takes up every lapsed one, so these tests must not share a database with
tests that leave jobs behind (nor leave theirs to them). Organizations and
plans are made through the services, as everywhere else.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import pytest
from backends import BACKENDS, app_maker, migrated_database
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
    from models import ImportJob, Report

    factory = jobs_app.extensions["virtplan.sessions"]
    with factory() as session:
        session.execute(delete(Report))
        session.execute(delete(ImportJob))
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
