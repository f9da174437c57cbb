"""A pooled PostgreSQL connection is pinged before use only after it sat idle
(models.database.PING_AFTER_IDLE_SECONDS): one that died meanwhile — the
server restarted, its backend was ended — is replaced, and the caller never
sees it."""

from __future__ import annotations

import pytest
from backends import POSTGRES_URL
from sqlalchemy import create_engine, text

from models import database

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="VIRTPLAN_TEST_POSTGRES_URL is not set")

BACKEND = text("SELECT pg_backend_pid()")


def _end_backend(pid: int) -> None:
    admin = create_engine(database.normalize_url(POSTGRES_URL))
    try:
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_use(monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # every returned connection counts as idle
    engine = database.make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    pings = _counting_pings(engine, monkeypatch)
    try:
        with engine.connect() as conn:
            dead = conn.scalar(BACKEND)
        _end_backend(dead)
        with engine.connect() as conn:
            assert conn.scalar(BACKEND) != dead
            assert conn.scalar(text("SELECT 1")) == 1
        assert len(pings) == 1
    finally:
        engine.dispose()


def _counting_pings(engine, monkeypatch) -> list:
    pings: list = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection))
    return pings


def test_a_connection_in_use_a_moment_ago_is_not_pinged(monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = database.make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    pings = _counting_pings(engine, monkeypatch)
    try:
        with engine.connect() as conn:
            first = conn.scalar(BACKEND)
        for _ in range(3):
            with engine.connect() as conn:
                assert conn.scalar(BACKEND) == first
        assert pings == []
    finally:
        engine.dispose()
