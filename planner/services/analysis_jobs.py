"""Analysis runs of large plans as background jobs.

Analysing a plan of tens of thousands of VMs takes tens of seconds of CPU:
too long for a request, and GIL-bound in a web process. So a plan with more
than ``sync_vms`` VMs (``VIRTPLAN_ANALYSIS_SYNC_VMS``) is analysed by a
worker: :func:`request_analysis` records a job (``queued``) under the same
bounds, fair claiming, leases and fencing as every job
(:mod:`planner.services.jobs`), and :func:`execute` runs the one analysis
use case, :func:`planner.services.analysis.run_analysis`, keeping the run it
made on the job. A smaller plan is analysed in the request, as always.

Reads are scoped to the caller's organization: another organization's job is
simply not found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from models import AnalysisJob, AnalysisRun, Plan
from models.base import utcnow
from models.database import reading
from models.inventory_store import inventory_counts

from . import jobs
from .accounts import Caller
from .analysis import run_analysis
from .errors import Conflict, NotFound
from .jobs import Bounds
from .plans import get_plan

log = logging.getLogger(__name__)

#: Plans with more VMs than this are analysed in the background (``VIRTPLAN_ANALYSIS_SYNC_VMS``).
SYNC_VMS = 5000
#: Analysis jobs one organization, and everyone, may have queued or running.
BOUNDS = Bounds(per_organization=5, total=50)
INTERNAL = "the analysis failed because of an internal error (details are in the server log)"


def analyse(
    session: Session, caller: Caller, plan_id: int, sync_vms: int = SYNC_VMS, bounds: Bounds = BOUNDS
) -> tuple[AnalysisRun, dict[str, int]] | AnalysisJob:
    """Analyse the plan now (a run and its changes; the caller commits) or, past
    ``sync_vms`` VMs, record a job for a worker (the caller commits and submits it)."""
    with reading(session):
        vms = inventory_counts(session, get_plan(session, caller, plan_id)).get("vms", 0)
    if vms <= sync_vms:
        return run_analysis(session, caller, plan_id)
    return request_analysis(session, caller, plan_id, bounds)


def request_analysis(session: Session, caller: Caller, plan_id: int, bounds: Bounds = BOUNDS) -> AnalysisJob:
    """Record an analysis job of the plan; :class:`TooManyJobs` / :class:`Busy` beyond ``bounds``."""
    plan = get_plan(session, caller, plan_id)
    jobs.admit(session, caller.organization_id, AnalysisJob, "analysis", bounds.per_organization, bounds.total)
    job = AnalysisJob(
        plan_id=plan.id,
        inventory_version=plan.inventory_version,
        state="queued",
        requested_by=caller.label[:200] or None,
        requested_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def get_analysis_job(session: Session, caller: Caller, plan_id: int, job_id: int) -> AnalysisJob:
    return jobs.get_job(session, caller.organization_id, AnalysisJob, plan_id, job_id, "analysis job")


def execute(session_factory: Callable[[], Session], claim: jobs.Claim, limits: jobs.JobLimits) -> None:
    """Run the claimed analysis and keep its run on the job, in one transaction
    that stores nothing unless this attempt still holds the job. Never raises."""
    with jobs.holding(session_factory, claim, limits):
        try:
            with session_factory() as session:
                with reading(session):
                    job = session.get(AnalysisJob, claim.id)
                    plan = session.get(Plan, job.plan_id) if job is not None else None
                    if job is None or plan is None:
                        return  # the plan was deleted meanwhile
                    plan_id, organization_id, by = plan.id, plan.organization_id, job.requested_by or ""
                caller = Caller(organization_id, frozenset({"read", "write"}), None, by)
                # The plan is assessed without a lock; then, in the transaction that stores the
                # run, the lease is renewed (the job row locked until it ends) or nothing is.
                run, changes = run_analysis(session, caller, plan_id)
                if not jobs.renew(session, claim, limits):
                    log.warning("analysis %s: taken over by another worker; nothing is written", claim.id)
                    session.rollback()
                    return
                job.state, job.error, job.lease_until, job.finished_at = "succeeded", None, None, utcnow()
                job.run_id, job.changes = run.id, changes
                session.commit()
        except (Conflict, NotFound) as exc:
            jobs.fail(session_factory, claim, exc.message)
        except Exception:
            log.exception("analysis %s failed", claim.id)
            jobs.fail(session_factory, claim, INTERNAL)
