"""Report jobs: a plan's security plan rendered in the background and kept
exactly as generated.

A request records a job (``queued``) and returns; a worker (:mod:`planner.jobs`)
claims it (``running``, :mod:`planner.services.jobs`), and :func:`execute` reads the plan's assessment from its
stored analysis run (:func:`planner.services.assessment.current_plan_assessment`:
the run is made first, once, when the latest one is out of date — never a
second analysis of its own), renders it in a child process under a time and
memory limit, and stores the bytes with their SHA-256 and the run they show —
or records ``failed`` with a message a user can act on. Every write is one short transaction, so a job is
never seen half-stored, and no transaction stays open while rendering.

Reads are scoped to the caller's organization like plans
(:mod:`planner.services.plans`): another organization's report is simply not found.

One organization cannot crowd out the others: it may have at most
``bounds.per_organization`` jobs queued or running (:class:`TooManyJobs`, and nothing
is stored), the server ``bounds.total`` for everyone (:class:`Busy`), and workers take the
jobs of the least busy organization first. Finished reports are kept per plan by
:class:`Retention` (how many, how old), enforced each time a new one is stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import reports
from models import Plan, Report
from models.base import utcnow
from planner.core.text import text_problem

from . import jobs
from .accounts import Caller
from .assessment import current_plan_assessment
from .errors import Conflict, Invalid, NotFound
from .jobs import Bounds, Retention
from .plans import get_plan

log = logging.getLogger(__name__)

MAX_VERSION = 40
INTERNAL = "the report could not be generated because of an internal error (details are in the server log)"


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
    bounds: Bounds = Bounds(),
) -> Report:
    """Record a job to render plan ``plan_id`` as ``fmt``; the caller commits, then submits it.

    Raises :class:`TooManyJobs` or :class:`Busy` (nothing recorded) when the caller's
    organization or the server has as many jobs queued or running as ``bounds``
    allow (:func:`planner.services.jobs.admit`)."""
    if not isinstance(fmt, str) or fmt not in reports.FORMATS:
        raise Invalid(
            "unknown report format",
            [{"path": "format", "message": f"expected one of {', '.join(reports.FORMATS)}; got {fmt!r}"}],
        )
    version = _clean_version(plan_version)
    plan = get_plan(session, caller, plan_id)
    jobs.admit(session, caller.organization_id, Report, "report", bounds.per_organization, bounds.total)
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
    return jobs.get_job(session, caller.organization_id, Report, plan_id, report_id, "report")


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


# --- running ----------------------------------------------------------------------------------


def run_report_job(
    session_factory: Callable[[], Session],
    report_id: int,
    timeout: float = reports.DEFAULT_TIMEOUT,
    memory_mb: int | None = reports.DEFAULT_MEMORY_MB,
    retention: Retention = Retention(),
    limits: jobs.JobLimits = jobs.JobLimits(),
) -> None:
    """Claim job ``report_id`` and run it (:func:`execute`); nothing happens if it is
    not queued (taken by another worker, finished, or its plan deleted). Never raises."""
    try:
        claim = jobs.claim(session_factory, Report, report_id, limits)
    except SQLAlchemyError:
        log.exception("report %s: cannot claim the job", report_id)
        return
    if claim is not None:
        execute(session_factory, claim, limits, timeout, memory_mb, retention)


def execute(
    session_factory: Callable[[], Session],
    claim: jobs.Claim,
    limits: jobs.JobLimits,
    timeout: float = reports.DEFAULT_TIMEOUT,
    memory_mb: int | None = reports.DEFAULT_MEMORY_MB,
    retention: Retention = Retention(),
) -> None:
    """Render the claimed job and store the result (or the failure), then apply the
    plan's ``retention``; the lease is renewed meanwhile. Never raises."""
    report_id = claim.id
    with jobs.holding(session_factory, claim, limits):
        try:
            plan_report, inventory_version, fmt = _plan_report(session_factory, report_id)
            rendered = reports.generate(plan_report, fmt, isolated=True, timeout=timeout, memory_mb=memory_mb)
        except reports.RenderStopped:
            log.warning("report %s: rendering stopped by the shutdown; it will be run again", report_id)
            jobs.release(session_factory, claim)
            return
        except reports.RenderError as exc:
            # The first line says which limit or what went wrong; the rest is a
            # child's traceback, for the log only.
            log.warning("report %s failed: %s", report_id, exc)
            jobs.fail(session_factory, claim, str(exc).splitlines()[0] if str(exc) else "rendering failed")
            return
        except JobError as exc:
            jobs.fail(session_factory, claim, str(exc))
            return
        except Exception:
            log.exception("report %s failed", report_id)
            jobs.fail(session_factory, claim, INTERNAL)
            return
        try:
            _store(session_factory, claim, limits, rendered, inventory_version, plan_report.analysis_run, retention)
        except SQLAlchemyError:
            log.exception("report %s: cannot store the result", report_id)
            jobs.fail(
                session_factory,
                claim,
                f"the {fmt} report was generated ({len(rendered.content):,} bytes) but could not be stored",
            )


def _plan_report(session_factory: Callable[[], Session], report_id: int) -> tuple[reports.PlanReport, int, str]:
    """The plan's assessment from its stored analysis run — analysed first, once,
    when the latest run does not show the current inventory and answers — as a
    PlanReport; the inventory version it shows, and the format asked for."""
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
        fmt = row.format
        session.commit()
    return (
        reports.PlanReport(
            name=found.name,
            organization=found.organization,
            assessment=found.assessment,
            version=label,
            generated=utcnow().replace(microsecond=0),
            plan_id=str(found.plan_id),
            analysis_run=found.run_id,
        ),
        found.inventory_version,
        fmt,
    )


def _store(
    session_factory: Callable[[], Session],
    claim: jobs.Claim,
    limits: jobs.JobLimits,
    rendered: reports.RenderedReport,
    inventory_version: int,
    analysis_run: int | None,
    retention: Retention,
) -> None:
    with session_factory() as session:
        if not jobs.renew(session, claim, limits):
            log.warning("report %s: taken over by another worker; this result is not stored", claim.id)
            return
        row = session.get(Report, claim.id)
        if row is None:
            return  # the plan was deleted meanwhile
        row.state, row.error, row.lease_until = "succeeded", None, None
        row.content, row.size, row.sha256 = rendered.content, len(rendered.content), rendered.sha256
        row.media_type, row.filename = rendered.media_type, download_name(rendered.filename, row.id, row.format)
        row.inventory_version, row.analysis_run_id, row.finished_at = inventory_version, analysis_run, utcnow()
        session.flush()
        removed = jobs.apply_retention(session, Report, row.plan_id, retention, keep=row.id)
        session.commit()
    if removed:
        log.info("report %s stored; %d older reports of plan %s removed by retention", claim.id, removed, row.plan_id)
