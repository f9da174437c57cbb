"""The database as the web shell sees it: one engine per app, one session per
request, committed by the view that finishes a use case and rolled back
otherwise."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from models.database import make_engine, make_session_factory

#: The largest id a table holds (an INTEGER column on PostgreSQL; the same on SQLite).
MAX_ID = 2**31 - 1


class RowId(IntegerConverter):
    """``<int:...>`` in every route: a non-negative integer up to :data:`MAX_ID`.
    A larger one matches no route (404), the same answer on every database,
    instead of an error from a database that cannot compare it."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask, url: str) -> None:
    app.url_map.converters["int"] = RowId
    engine = make_engine(url)
    app.extensions["virtplan.engine"] = engine
    app.extensions["virtplan.sessions"] = make_session_factory(engine)
    app.extensions["virtplan.read_sessions"] = make_session_factory(engine, writer=False)
    app.teardown_appcontext(_close)


def session() -> Session:
    """The request's session (created on first use): a reader for GET and
    HEAD, a writer otherwise."""
    if "db" not in g:
        kind = "virtplan.read_sessions" if request.method in ("GET", "HEAD", "OPTIONS") else "virtplan.sessions"
        g.db = current_app.extensions[kind]()
    return g.db


def _close(_exc) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.rollback()
        db.close()
