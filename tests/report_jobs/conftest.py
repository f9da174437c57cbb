"""Fixtures for report jobs: apps on the shared test database whose job queue
runs jobs inline (deterministic), or with other report limits.

The shared ``app`` fixture keeps the default thread queue; tests that want it
use ``client``. Tenants made with ``make_tenant`` live in the same database,
so their tokens work on every app here.
"""

from __future__ import annotations

import pytest
from backends import app_maker


@pytest.fixture(scope="session")
def make_app(database_url, tmp_path_factory):
    """create_app on the test database with settings overridden; disposed at the end."""
    with app_maker(database_url, tmp_path_factory.mktemp("instance")) as make:
        yield make


@pytest.fixture(scope="session")
def inline_app(make_app):
    return make_app(job_queue="inline")


@pytest.fixture()
def inline_client(inline_app):
    return inline_app.test_client()


@pytest.fixture()
def make_plan(inline_client, demo_doc):
    """make_plan(tenant, name) -> the id of a new plan of ``tenant`` holding the demo estate."""

    def make(tenant, name: str = "Harbour Consolidation") -> int:
        created = inline_client.post("/api/v1/plans", json={"name": name}, headers=tenant.headers())
        assert created.status_code == 201, created.get_json()
        plan_id = created.get_json()["id"]
        put = inline_client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
        assert put.status_code == 200, put.get_json()
        return plan_id

    return make


@pytest.fixture()
def demo_plan(make_plan, tenant) -> int:
    """A plan of ``tenant`` named "Harbour Consolidation" holding the demo estate."""
    return make_plan(tenant)
