"""An app on the shared test database whose job queue runs import jobs inline
(deterministic): a POST answers once the job has finished."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def import_app(database_url, tmp_path_factory):
    from planner.app import create_app
    from planner.config import Settings

    settings = Settings.from_env(
        {},
        env="testing",
        database_url=database_url,
        instance_path=str(tmp_path_factory.mktemp("instance")),
        job_queue="inline",
    )
    app = create_app(settings)
    yield app
    app.extensions["virtplan.jobs"].shutdown()
    app.extensions["virtplan.engine"].dispose()


@pytest.fixture()
def import_client(import_app):
    return import_app.test_client()
