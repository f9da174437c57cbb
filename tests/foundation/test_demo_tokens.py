"""Loading the demo again issues a fresh token and revokes the demo's earlier
ones: only the token `make run` printed last opens the API."""

from __future__ import annotations

from models.database import make_engine, make_session_factory
from planner.cli.database import upgrade_database
from planner.demo import load_demo
from planner.services.accounts import caller_for_token


def test_each_demo_load_revokes_the_demo_tokens_before_it(empty_database):
    upgrade_database(empty_database)
    engine = make_engine(empty_database)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            first = load_demo(session)
            session.commit()
        with sessions() as session:
            second = load_demo(session)
            session.commit()
        with sessions() as session:
            assert caller_for_token(session, first.token) is None
            assert caller_for_token(session, second.token) is not None
            assert second.plan_id == first.plan_id
    finally:
        engine.dispose()
