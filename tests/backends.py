"""The database backends every database test runs on: SQLite always,
PostgreSQL when ``VIRTPLAN_TEST_POSTGRES_URL`` names a database whose role may
create databases (each test session, and tests that need an empty database,
make throwaway ones next to it)."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from models.database import create_scratch_database, drop_database

POSTGRES_URL = os.environ.get("VIRTPLAN_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="VIRTPLAN_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


#: The apps the tests made (weakly held), so that a test's end can wait for their job queues.
_apps: weakref.WeakSet[Any] = weakref.WeakSet()


def tracked(app: Any) -> Any:
    """``app``, remembered so that the end of a test on its database finds it (:func:`apps_on`)."""
    _apps.add(app)
    return app


def apps_on(database_url: str) -> list[Any]:
    """The apps made with :func:`tracked` that work on ``database_url``."""
    return [app for app in list(_apps) if app.config["VIRTPLAN_SETTINGS"].database_url == database_url]


def fresh_postgres_database() -> str:
    """Create an empty PostgreSQL database next to the configured one; return its URL."""
    return create_scratch_database(POSTGRES_URL, "vp_test")


drop_postgres_database = drop_database


@contextmanager
def migrated_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new database of ``backend`` (a SQLite file in ``folder``, or a
    throwaway PostgreSQL database), migrated to the head; dropped afterwards."""
    from planner.cli.database import upgrade_database

    url = f"sqlite:///{folder / 'virtplan.sqlite3'}" if backend == "sqlite" else fresh_postgres_database()
    upgrade_database(url)
    try:
        yield url
    finally:
        if backend != "sqlite":
            drop_postgres_database(url)


@contextmanager
def app_maker(database_url: str, instance: Path) -> Iterator[Callable[..., Any]]:
    """make(**settings) -> an app on ``database_url`` with those settings overridden;
    every app made is shut down (its job queue, its engine) afterwards."""
    from planner.app import create_app
    from planner.config import Settings

    made = []

    def make(**overrides: Any) -> Any:
        settings = Settings.from_env(
            {}, env="testing", database_url=database_url, instance_path=str(instance), **overrides
        )
        app = tracked(create_app(settings))
        made.append(app)
        return app

    try:
        yield make
    finally:
        for app in made:
            app.extensions["virtplan.jobs"].shutdown()
            app.extensions["virtplan.engine"].dispose()
