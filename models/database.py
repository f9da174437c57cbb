"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; our composite keys rely on them.
    cur.execute("PRAGMA foreign_keys=ON")
    # WAL: readers never block the writer; a killed writer leaves the last
    # committed state intact. busy_timeout: wait for a lock instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str, **kw) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kw)
        event.listen(engine, "connect", _sqlite_pragmas)

        # Let SQLAlchemy, not pysqlite, decide when a transaction begins, so
        # one use case is exactly one transaction. A writer's transaction
        # takes the write lock up front (BEGIN IMMEDIATE), waiting for it
        # under busy_timeout: a transaction that read first and then tried to
        # write would fail at once with "database is locked" whenever another
        # connection committed in between (SQLite cannot retry that case).
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITER) else "BEGIN")

        return engine
    engine = create_engine(url, **kw)
    _ping_when_idle(engine)
    return engine


#: A pooled PostgreSQL connection that sat unused this long is pinged before a request gets
#: it (one round trip; a dead one — the server restarted, a firewall dropped it — is replaced
#: first). One used more recently is not: under load every request would pay that round trip
#: (SQLAlchemy's ``pool_pre_ping``) for nothing. A connection that dies within the second fails
#: its statement instead, and SQLAlchemy then replaces every pooled connection older than that.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine.pool, "checkin")
    def _idle_since(_dbapi_connection, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection idle for {time.monotonic() - idle_since:.0f} s") from exc


#: Execution option marking a connection whose transactions will write.
WRITER = "virtplan_writer"


def make_session_factory(engine: Engine, *, writer: bool = True) -> sessionmaker[Session]:
    """Sessions for use cases; ``writer=False`` for those that only read (on
    SQLite they then do not queue behind writers)."""
    return sessionmaker(engine.execution_options(**{WRITER: writer}), expire_on_commit=False)


@contextmanager
def reading(session: Session) -> Iterator[None]:
    """The reads a use case makes before it writes, kept out of SQLite's write lock: in a
    session with no transaction yet they run in a transaction of their own that takes
    none (a deferred BEGIN instead of a writer's BEGIN IMMEDIATE), ended with the block,
    so the writes after it begin a writer's transaction (and see what other connections
    committed meanwhile). In a transaction already begun, or on PostgreSQL, they are
    simply part of the session's transaction."""
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        yield  # (PostgreSQL's reads take no lock a writer waits for: nothing to keep them out of)
        return
    session.connection(execution_options={WRITER: False})
    try:
        yield
    finally:
        session.rollback()  # it only read


def create_scratch_database(server_url: str, prefix: str = "vp_scratch") -> str:
    """Create an empty PostgreSQL database on the server of ``server_url`` (its
    role needs CREATEDB); return its URL. For tests and benchmarks."""
    base = make_url(normalize_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database ``url`` names, disconnecting its sessions."""
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
