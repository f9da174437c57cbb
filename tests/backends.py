"""The database backends every database test runs on: SQLite always,
PostgreSQL when ``VIRTPLAN_TEST_POSTGRES_URL`` names a database whose role may
create databases (each test session, and tests that need an empty database,
make throwaway ones next to it)."""

from __future__ import annotations

import os

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


def fresh_postgres_database() -> str:
    """Create an empty PostgreSQL database next to the configured one; return its URL."""
    return create_scratch_database(POSTGRES_URL, "vp_test")


drop_postgres_database = drop_database
