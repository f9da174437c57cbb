"""Report jobs: a plan's security plan rendered in the background and kept
exactly as generated.

A request records a job (``queued``) and returns; :func:`run_report_job`,
run by a job queue (:mod:`planner.jobs`) with nothing but a session factory
and the job's id, claims it (``running``), reads the plan's assessment from its
stored analysis run (:func:`planner.services.assessment.current_plan_assessment`:
the run is made first, once, when the latest one is out of date — never a
second analysis of its own), renders it in a child process under a time and
memory limit, and stores the bytes with their SHA-256 and the run they show —
or records ``failed`` with a message a user can act on. Every write is one short transaction, so a job is
never seen half-stored, and no transaction stays open while rendering.

Reads are scoped to the caller's organization like plans
(:mod:`planner.services.plans`): another organization's report is simply not found.

One organization cannot crowd out the others: it may have at most
``per_organization`` jobs queued or running (:class:`TooManyJobs`, and nothing
is stored); the server's queue has its own bound for everyone. Finished
reports are kept per plan by :class:`Retention` (how many, how old), enforced
each time a new one is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import reports
from models import Organization, Plan, Report
from models.base import utcnow
from planner.core.text import text_problem

from .accounts import Caller
from .assessment import current_plan_assessment
from .errors import Conflict, Invalid, NotFound, TooManyJobs
from .plans import get_plan

log = logging.getLogger(__name__)

MAX_VERSION = 40
MAX_ERROR = 500
INTERRUPTED = "interrupted: the server stopped before the report was finished; request it again"
INTERNAL = "the report could not be generated because of an internal error (details are in the server log)"
#: Jobs one organization may have queued or running at once (VIRTPLAN_REPORT_JOBS_PER_ORG).
JOBS_PER_ORGANIZATION = 20
#: Seconds a refused client is asked to wait (most reports take less to render).
RETRY_AFTER = 30
ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Retention:
    """How many finished reports a plan keeps (newest first) and for how many days."""

    kept: int = 50
    max_age_days: int = 365


class JobError(Exception):
    """A job cannot go on; the message is what the user sees."""


# --- requesting and reading --------------------------------------------------------------------


def _clean_version(version: Any) -> str | None:
    if version is None:
        return None
    if not isinstance(version, str) or not version.strip():
        raise Invalid("invalid report request", [{"path": "version", "message": "expected a non-empty string"}])
    version = version.strip()
    if len(version) > MAX_VERSION:
        raise Invalid(
            "invalid report request", [{"path": "version", "message": f"expected at most {MAX_VERSION} characters"}]
        )
    if problem := text_problem(version):
        raise Invalid("invalid report request", [{"path": "version", "message": problem}])
    return version


def request_report(
    session: Session,
    caller: Caller,
    plan_id: int,
    fmt: Any,
    plan_version: Any = None,
    per_organization: int = JOBS_PER_ORGANIZATION,
) -> Report:
    """Record a job to render plan ``plan_id`` as ``fmt``; the caller commits, then submits it.

    Raises :class:`TooManyJobs` (nothing recorded) when the caller's organization
    already has ``per_organization`` jobs queued or running."""
    if not isinstance(fmt, str) or fmt not in reports.FORMATS:
        raise Invalid(
            "unknown report format",
            [{"path": "format", "message": f"expected one of {', '.join(reports.FORMATS)}; got {fmt!r}"}],
        )
    version = _clean_version(plan_version)
    plan = get_plan(session, caller, plan_id)
    # Counting and inserting under a lock on the organization's row: two
    # requests cannot both take the last place (SQLite writers are serialized anyway).
    session.execute(select(Organization.id).where(Organization.id == caller.organization_id).with_for_update())
    active = session.scalar(
        select(func.count())
        .select_from(Report)
        .join(Plan, Plan.id == Report.plan_id)
        .where(Plan.organization_id == caller.organization_id, Report.state.in_(ACTIVE))
    )
    if (active or 0) >= per_organization:
        raise TooManyJobs(
            f"your organization has {active} report jobs queued or running, the most it may have at once "
            f"(the per-organization bound, {per_organization}); try again when one has finished",
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    row = Report(
        plan_id=plan.id,
        format=fmt,
        state="queued",
        requested_by=caller.label[:200] or None,
        requested_at=utcnow(),
        inventory_version=plan.inventory_version,
        plan_version=version,
    )
    session.add(row)
    session.flush()
    return row


def list_reports(session: Session, caller: Caller, plan_id: int, offset: int, limit: int) -> tuple[list[Report], int]:
    """The plan's report jobs, newest first (content not loaded)."""
    plan = get_plan(session, caller, plan_id)
    total = session.scalar(select(func.count()).select_from(Report).where(Report.plan_id == plan.id))
    rows = session.scalars(
        select(Report).where(Report.plan_id == plan.id).order_by(Report.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total or 0


def get_report(session: Session, caller: Caller, plan_id: int, report_id: int) -> Report:
    row = session.scalar(
        select(Report)
        .join(Plan, Plan.id == Report.plan_id)
        .where(Report.id == report_id, Report.plan_id == plan_id, Plan.organization_id == caller.organization_id)
    )
    if row is None:
        raise NotFound(f"no report {report_id} of plan {plan_id}")
    return row


def report_content(session: Session, caller: Caller, plan_id: int, report_id: int) -> tuple[Report, bytes]:
    """The report and its bytes exactly as generated; :class:`Conflict` until it has succeeded."""
    row = get_report(session, caller, plan_id, report_id)
    if row.state != "succeeded":
        raise Conflict(f"report {report_id} is {row.state}; its content exists only once it has succeeded")
    content = session.scalar(select(Report.content).where(Report.id == row.id))
    return row, content or b""


def download_name(name: str | None, report_id: int, fmt: str) -> str:
    """An ASCII file name no header parser or file system can misread (no quotes, separators or '..')."""
    safe = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]+", "-", name or "")).strip("-.")[:120]
    return safe or f"report-{report_id}.{reports.FORMATS.get(fmt, ('', 'bin'))[1]}"


def withdraw_report(session: Session, row: Report) -> None:
    """Remove a job the queue refused, so a refused request leaves nothing behind (the caller commits)."""
    session.execute(delete(Report).where(Report.id == row.id, Report.state == "queued"))


def recover_interrupted(session: Session) -> int:
    """Mark jobs a stopped process left ``queued`` or ``running`` as failed
    (run once at start; the caller commits). Returns how many."""
    # A DML statement's result is a CursorResult (Session.execute is typed for the general case).
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Report)
            .where(Report.state.in_(("queued", "running")))
            .values(state="failed", error=INTERRUPTED, finished_at=utcnow())
        ),
    )
    return result.rowcount or 0


# --- running ----------------------------------------------------------------------------------


def run_report_job(
    session_factory: Callable[[], Session],
    report_id: int,
    timeout: float = reports.DEFAULT_TIMEOUT,
    memory_mb: int | None = reports.DEFAULT_MEMORY_MB,
    retention: Retention = Retention(),
) -> None:
    """Render job ``report_id`` and store the result (or the failure), then
    apply the plan's ``retention``. Never raises."""
    try:
        fmt = _claim(session_factory, report_id)
    except SQLAlchemyError:
        log.exception("report %s: cannot claim the job", report_id)
        return
    if fmt is None:
        return  # taken by another runner, finished, or its plan deleted
    try:
        plan_report, inventory_version = _plan_report(session_factory, report_id)
        rendered = reports.generate(plan_report, fmt, isolated=True, timeout=timeout, memory_mb=memory_mb)
    except reports.RenderError as exc:
        # The first line says which limit or what went wrong; the rest is a
        # child's traceback, for the log only.
        log.warning("report %s failed: %s", report_id, exc)
        _fail(session_factory, report_id, str(exc).splitlines()[0] if str(exc) else "rendering failed")
        return
    except JobError as exc:
        _fail(session_factory, report_id, str(exc))
        return
    except Exception:
        log.exception("report %s failed", report_id)
        _fail(session_factory, report_id, INTERNAL)
        return
    try:
        _store(session_factory, report_id, rendered, inventory_version, plan_report.analysis_run, retention)
    except SQLAlchemyError:
        log.exception("report %s: cannot store the result", report_id)
        _fail(
            session_factory,
            report_id,
            f"the {fmt} report was generated ({len(rendered.content):,} bytes) but could not be stored",
        )


def _claim(session_factory: Callable[[], Session], report_id: int) -> str | None:
    """queued -> running, atomically; the job's format, or None if it is not queued."""
    with session_factory() as session:
        claimed = cast(
            CursorResult[Any],
            session.execute(
                update(Report)
                .where(Report.id == report_id, Report.state == "queued")
                .values(state="running", started_at=utcnow())
            ),
        )
        if claimed.rowcount != 1:
            session.rollback()
            return None
        fmt = session.scalar(select(Report.format).where(Report.id == report_id))
        session.commit()
        return fmt


def _plan_report(session_factory: Callable[[], Session], report_id: int) -> tuple[reports.PlanReport, int]:
    """The plan's assessment from its stored analysis run — analysed first, once,
    when the latest run does not show the current inventory and answers — as a
    PlanReport; and the inventory version it shows."""
    with session_factory() as session:
        row = session.get(Report, report_id)
        plan = session.get(Plan, row.plan_id) if row is not None else None
        if row is None or plan is None:
            raise JobError("the plan was deleted")
        # The job acts for whoever asked, within the plan's organization.
        caller = Caller(plan.organization_id, frozenset({"read", "write"}), None, row.requested_by or "report job")
        try:
            found = current_plan_assessment(session, caller, plan.id)
        except NotFound:
            raise JobError("the plan was deleted") from None
        except Conflict:
            raise JobError("the plan kept changing while the report was being prepared; request it again") from None
        label = row.plan_version or f"inventory v{found.inventory_version}"
        session.commit()
    return reports.PlanReport(
        name=found.name,
        organization=found.organization,
        assessment=found.assessment,
        version=label,
        generated=utcnow().replace(microsecond=0),
        plan_id=str(found.plan_id),
        analysis_run=found.run_id,
    ), found.inventory_version


def _store(
    session_factory: Callable[[], Session],
    report_id: int,
    rendered: reports.RenderedReport,
    inventory_version: int,
    analysis_run: int | None,
    retention: Retention,
) -> None:
    with session_factory() as session:
        row = session.get(Report, report_id)
        if row is None:
            return  # the plan was deleted meanwhile
        row.state, row.error = "succeeded", None
        row.content, row.size, row.sha256 = rendered.content, len(rendered.content), rendered.sha256
        row.media_type, row.filename = rendered.media_type, download_name(rendered.filename, row.id, row.format)
        row.inventory_version, row.analysis_run_id, row.finished_at = inventory_version, analysis_run, utcnow()
        session.flush()
        removed = apply_retention(session, row.plan_id, retention, keep=row.id)
        session.commit()
    if removed:
        log.info("report %s stored; %d older reports of plan %s removed by retention", report_id, removed, row.plan_id)


def apply_retention(session: Session, plan_id: int, retention: Retention, keep: int | None = None) -> int:
    """Delete the plan's finished reports beyond the newest ``retention.kept`` and
    those finished more than ``retention.max_age_days`` ago (never ``keep``, never
    a queued or running job); returns how many (the caller commits)."""
    finished = select(Report.id).where(Report.plan_id == plan_id, Report.state.not_in(ACTIVE))
    newest = finished.order_by(Report.id.desc()).limit(retention.kept).scalar_subquery()
    cutoff = utcnow() - dt.timedelta(days=retention.max_age_days)
    stale = finished.where((Report.id.not_in(newest)) | (Report.finished_at < cutoff))
    if keep is not None:
        stale = stale.where(Report.id != keep)
    ids = list(session.scalars(stale))
    if ids:
        session.execute(delete(Report).where(Report.id.in_(ids)))
    return len(ids)


def _fail(session_factory: Callable[[], Session], report_id: int, message: str) -> None:
    try:
        with session_factory() as session:
            session.execute(
                update(Report)
                .where(Report.id == report_id)
                .values(
                    state="failed",
                    error=message[:MAX_ERROR],
                    finished_at=utcnow(),
                    content=None,
                    size=None,
                    sha256=None,
                    media_type=None,
                    filename=None,
                )
            )
            session.commit()
    except SQLAlchemyError:
        log.exception("report %s: cannot record the failure %r", report_id, message)
