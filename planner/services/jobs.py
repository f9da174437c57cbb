"""Background jobs as the database keeps them: admitted under bounds, claimed
fairly, held under a lease, fenced, and queued again when their worker dies.

The database is the record of every job; a queue (:mod:`planner.jobs`: a
thread pool, or Celery workers on Redis) only wakes a worker up. Each job
table mixes in :class:`models.jobs.BackgroundJob`, and this module works on
any of them:

- **Admission** (:func:`admit`): one organization may have at most
  ``per_organization`` jobs of a kind queued or running (:class:`TooManyJobs`,
  429), everyone together at most ``total`` (:class:`Busy`, 503). Counted under
  one lock (PostgreSQL: a transaction-scoped advisory lock; SQLite: writers are
  serialized anyway), so several web processes cannot both take the last place.
- **Fair claiming** (:func:`claim_next`): the queued job of the organization
  with the fewest jobs running, oldest first — one organization's burst never
  starves another's jobs, whatever order the wake-ups arrive in.
  :func:`claim` takes one job by id (for callers that run a job they made).
- **Leases** (:func:`holding`): a claimed job is ``running`` with
  ``attempts`` + 1 and a lease the worker renews every third of
  :attr:`JobLimits.lease` while it works.
- **Fencing**: a result is stored only by the attempt that holds the job
  (:func:`held`: running, at that attempt). A late worker whose job was
  taken over stores nothing.
- **The sweep** (:func:`requeue_lapsed`): a running job whose lease ran out
  lost its worker (killed, out of memory, machine gone). It is queued again —
  unless it ran past :attr:`JobLimits.time_limit` or has had
  :attr:`JobLimits.attempts` attempts, then it ``failed`` with the reason.

So a job is never run twice at once, never silently dropped, and never stuck.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, func, literal, or_, select, text, union_all, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models import Plan
from models.base import utcnow

from .errors import Busy, NotFound, TooManyJobs

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
MAX_ERROR = 500
#: Seconds a refused client is asked to wait (most jobs take less).
RETRY_AFTER = 30
#: The advisory lock job admission takes on PostgreSQL (any constant; "VPJOBS").
ADMISSION_LOCK = 0x56504A4F4253
#: Claims lost to another worker in a row before giving up (each retry re-picks).
CLAIM_RETRIES = 5


@dataclass(frozen=True)
class JobLimits:
    """How jobs are held: the lease (seconds), attempts allowed, and the time limit of one attempt (seconds)."""

    lease: float = 90.0
    attempts: int = 3
    time_limit: float = 3600.0


@dataclass(frozen=True)
class Bounds:
    """Jobs of a kind one organization, and everyone together, may have queued or running."""

    per_organization: int = 20
    total: int = 100


@dataclass(frozen=True)
class Retention:
    """How many finished jobs a plan keeps (newest first) and for how many days."""

    kept: int = 50
    max_age_days: int = 365


@dataclass(frozen=True)
class Claim:
    """A job a worker holds: its table, id, and which attempt this is (the fencing token)."""

    model: type[Any]
    id: int
    attempt: int


def worker_name() -> str:
    return f"{socket.gethostname()[:150]}:{os.getpid()}"


def gave_up(attempts: int) -> str:
    return (
        f"the worker running this job stopped {attempts} times before it finished (killed, out of memory "
        "or its machine stopped); it is not tried again"
    )


def timed_out(limit: float) -> str:
    return f"the job ran longer than its time limit ({limit:g} s) and was stopped"


# --- admission -----------------------------------------------------------------------------------


def admit(session: Session, organization_id: int, model: type[Any], noun: str, per_organization: int, total: int):
    """Refuse a new job of ``model`` when the organization or the server has as many
    queued or running as it may; call in the transaction that then inserts it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMISSION_LOCK})
    active = select(func.count()).select_from(model).where(model.state.in_(ACTIVE))
    mine = session.scalar(active.join(Plan, Plan.id == model.plan_id).where(Plan.organization_id == organization_id))
    if (mine or 0) >= per_organization:
        raise TooManyJobs(
            f"your organization has {mine} {noun} jobs queued or running, the most it may have at once "
            f"(the per-organization bound, {per_organization}); try again when one has finished",
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    everyone = session.scalar(active) or 0
    if everyone >= total:
        raise Busy(
            f"the server's {noun} queue is full (the server-wide bound, {total} jobs queued or running); "
            "try again later",
            headers={"Retry-After": str(RETRY_AFTER)},
        )


def withdraw(session: Session, model: type[Any], job_id: int) -> None:
    """Remove a job the queue refused, so a refused request leaves nothing behind (the caller commits)."""
    session.execute(delete(model).where(model.id == job_id, model.state == "queued"))


def get_job(session: Session, organization_id: int, model: type[Any], plan_id: int, job_id: int, noun: str) -> Any:
    """Job ``job_id`` of plan ``plan_id``, if the plan is the organization's; else
    :class:`NotFound` (another organization's job is not told apart from none)."""
    row = session.scalar(
        select(model)
        .join(Plan, Plan.id == model.plan_id)
        .where(model.id == job_id, model.plan_id == plan_id, Plan.organization_id == organization_id)
    )
    if row is None:
        raise NotFound(f"no {noun} {job_id} of plan {plan_id}")
    return row


# --- claiming ------------------------------------------------------------------------------------


def held(claim: Claim) -> ColumnElement[bool]:
    """The job row, while this attempt holds it."""
    model = claim.model
    return (model.id == claim.id) & (model.state == "running") & (model.attempts == claim.attempt)


def _take(session: Session, model: type[Any], job_id: int, limits: JobLimits) -> Claim | None:
    now = utcnow()
    taken = cast(
        CursorResult[Any],
        session.execute(
            update(model)
            .where(model.id == job_id, model.state == "queued")
            .values(
                state="running",
                attempts=model.attempts + 1,
                started_at=now,
                lease_until=now + dt.timedelta(seconds=limits.lease),
                worker=worker_name(),
            )
        ),
    )
    if taken.rowcount != 1:
        return None
    attempt = session.scalar(select(model.attempts).where(model.id == job_id))
    return Claim(model, job_id, attempt or 1)


def claim(session_factory: Callable[[], Session], model: type[Any], job_id: int, limits: JobLimits) -> Claim | None:
    """queued → running for job ``job_id``; None if it is not queued (taken, finished or gone)."""
    with session_factory() as session:
        taken = _take(session, model, job_id, limits)
        session.commit()
        return taken


def _fairest(models: Sequence[type[Any]]):
    """The queued job (kind index, id) of the organization with the fewest running jobs, oldest first."""
    jobs = union_all(
        *(
            select(
                literal(kind).label("kind"),
                model.id.label("id"),
                Plan.organization_id.label("org"),
                model.state.label("state"),
                model.requested_at.label("at"),
            )
            .join(Plan, Plan.id == model.plan_id)
            .where(model.state.in_(ACTIVE))
            for kind, model in enumerate(models)
        )
    ).subquery()
    busy = (
        select(jobs.c.org, func.count().label("running"))
        .where(jobs.c.state == "running")
        .group_by(jobs.c.org)
        .subquery()
    )
    return (
        select(jobs.c.kind, jobs.c.id)
        .outerjoin(busy, busy.c.org == jobs.c.org)
        .where(jobs.c.state == "queued")
        .order_by(func.coalesce(busy.c.running, 0), jobs.c.at, jobs.c.kind, jobs.c.id)
        .limit(1)
    )


def claim_next(session_factory: Callable[[], Session], models: Sequence[type[Any]], limits: JobLimits) -> Claim | None:
    """Claim the fairest queued job of any of ``models``; None when none is queued."""
    pick = _fairest(models)
    for _ in range(CLAIM_RETRIES):
        with session_factory() as session:
            row = session.execute(pick).first()
            if row is None:
                return None
            taken = _take(session, models[row.kind], row.id, limits)
            session.commit()
            if taken is not None:
                return taken
    return None  # every pick was taken by another worker first: they are busy, this wake-up is spent


# --- holding -------------------------------------------------------------------------------------


def renew(session: Session, claim: Claim, limits: JobLimits) -> bool:
    """Move the lease on; False if this attempt no longer holds the job. In the caller's
    transaction: on PostgreSQL the row stays locked until it ends, so nobody takes
    the job over meanwhile (use it first in the transaction that stores a result)."""
    lease = utcnow() + dt.timedelta(seconds=limits.lease)
    moved = cast(CursorResult[Any], session.execute(update(claim.model).where(held(claim)).values(lease_until=lease)))
    return moved.rowcount == 1


@contextmanager
def holding(session_factory: Callable[[], Session], claim: Claim, limits: JobLimits) -> Iterator[None]:
    """Renew the claim's lease every third of it while the body runs."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(limits.lease / 3):
            try:
                with session_factory() as session:
                    kept = renew(session, claim, limits)
                    session.commit()
            except SQLAlchemyError as exc:  # the next beat tries again; the lease has slack for it
                log.warning("job %s %s: cannot renew its lease: %s", claim.model.__tablename__, claim.id, exc)
                continue
            if not kept and not stop.is_set():
                log.warning("job %s %s: no longer held by this worker", claim.model.__tablename__, claim.id)
                return

    beater = threading.Thread(target=beat, daemon=True, name=f"virtplan-lease-{claim.id}")
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join(limits.lease)


def fail(session_factory: Callable[[], Session], claim: Claim, message: str, **values: Any) -> None:
    """Record that this attempt failed, and why (``values``: more columns to set)."""
    try:
        with session_factory() as session:
            session.execute(
                update(claim.model)
                .where(held(claim))
                .values(state="failed", error=message[:MAX_ERROR], finished_at=utcnow(), lease_until=None, **values)
            )
            session.commit()
    except SQLAlchemyError:
        log.exception("job %s %s: cannot record the failure %r", claim.model.__tablename__, claim.id, message)


def release(session_factory: Callable[[], Session], claim: Claim) -> None:
    """Give a job back to the queue without counting the attempt (its worker is shutting down)."""
    try:
        with session_factory() as session:
            session.execute(
                update(claim.model)
                .where(held(claim))
                .values(state="queued", attempts=claim.model.attempts - 1, started_at=None, lease_until=None)
            )
            session.commit()
    except SQLAlchemyError:  # its lease will run out and the sweep queue it again
        log.exception("job %s %s: cannot give it back to the queue", claim.model.__tablename__, claim.id)


# --- the sweep -----------------------------------------------------------------------------------


def _lapsed(model: type[Any], now: dt.datetime) -> ColumnElement[bool]:
    """A running job whose lease ran out (or was never set)."""
    return (model.state == "running") & or_(model.lease_until.is_(None), model.lease_until < now)


def any_lapsed(session: Session, models: Sequence[type[Any]]) -> bool:
    """Whether a running job's lease ran out: a read, so that a sweep with nothing to
    take up writes nothing (on SQLite it then never takes the database's write lock)."""
    now = utcnow()
    return any(session.scalar(select(model.id).where(_lapsed(model, now)).limit(1)) is not None for model in models)


def requeue_lapsed(session: Session, models: Sequence[type[Any]], limits: JobLimits) -> tuple[int, int]:
    """Running jobs whose lease ran out: queued again, or failed past the time limit or
    the attempts allowed. Returns (queued again, failed); the caller commits. A job
    whose row another transaction holds (its worker storing a result) is left alone."""
    now = utcnow()
    too_old = now - dt.timedelta(seconds=limits.time_limit)
    requeued = failed = 0
    for model in models:
        lapsed = session.execute(
            select(model.id, model.attempts, model.started_at)
            .where(_lapsed(model, now))
            .with_for_update(skip_locked=True)
        ).all()
        for job_id, attempts, started_at in lapsed:
            if started_at is not None and started_at <= too_old:
                values = {"state": "failed", "error": timed_out(limits.time_limit), "finished_at": now}
            elif attempts >= limits.attempts:
                values = {"state": "failed", "error": gave_up(attempts), "finished_at": now}
            else:
                values = {"state": "queued", "started_at": None}
            session.execute(update(model).where(model.id == job_id).values(lease_until=None, **values))
            if values["state"] == "queued":
                requeued += 1
            else:
                failed += 1
    return requeued, failed


def count_by_state(session: Session, model: type[Any]) -> dict[str, int]:
    """How many jobs of ``model`` are queued and running (for the queue depth)."""
    counts = {state: 0 for state in ACTIVE}
    for state, n in session.execute(
        select(model.state, func.count()).where(model.state.in_(ACTIVE)).group_by(model.state)
    ):
        counts[state] = n
    return counts


def apply_retention(
    session: Session,
    model: type[Any],
    plan_id: int,
    retention: Retention,
    keep: int | None = None,
    spare: ColumnElement[bool] | None = None,
) -> int:
    """Delete the plan's finished jobs beyond the newest ``retention.kept`` and those
    finished more than ``retention.max_age_days`` ago — never ``keep``, never a
    queued or running job, never one ``spare`` holds; returns how many (the caller commits)."""
    finished = select(model.id).where(model.plan_id == plan_id, model.state.not_in(ACTIVE))
    newest = finished.order_by(model.id.desc()).limit(retention.kept).scalar_subquery()
    cutoff = utcnow() - dt.timedelta(days=retention.max_age_days)
    stale = finished.where((model.id.not_in(newest)) | (model.finished_at < cutoff))
    if keep is not None:
        stale = stale.where(model.id != keep)
    if spare is not None:
        stale = stale.where(~spare)
    ids = list(session.scalars(stale))
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)
