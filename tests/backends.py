"""The database backends every database test runs on: SQLite always,
PostgreSQL when ``VIRTPLAN_TEST_POSTGRES_URL`` names a database whose role may
create databases (each test session, and tests that need an empty database,
make throwaway ones next to it)."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("VIRTPLAN_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="VIRTPLAN_TEST_POSTGRES_URL is not set")])]


def fresh_postgres_database() -> str:
    """Create an empty PostgreSQL database next to the configured one; return its URL."""
    from models.database import normalize_url
    base = make_url(normalize_url(POSTGRES_URL))
    name = f"vp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


