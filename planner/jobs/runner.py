"""The task code every queue runs: the kinds of job, claiming and running one,
and the sweep.

A :class:`Runner` is made from the settings and a session factory — in the
web process for the thread and inline queues, in each Celery worker process
otherwise — and gives each kind's use case (:mod:`planner.services`) the
limits the settings name.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models import AnalysisJob, ImportJob, PlacementProposal, Report
from models.database import reading
from planner import metrics
from planner.config import Settings
from planner.services import analysis_jobs, imports, jobs, placement, report_jobs

if TYPE_CHECKING:
    from . import JobQueue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """A kind of job: its table, the use case that runs a claimed job of it, and
    how many may be queued or running (per organization, for everyone)."""

    model: type[Any]
    execute: Callable[[jobs.Claim], None]
    bounds: jobs.Bounds


@dataclass(frozen=True)
class Swept:
    """What a sweep did: jobs queued again, failed for good, and wake-ups sent."""

    requeued: int = 0
    failed: int = 0
    woken: int = 0


class Runner:
    def __init__(self, settings: Settings, sessions: Callable[[], Session]):
        self.settings = settings
        self.sessions = sessions
        self.limits = jobs.JobLimits(settings.job_lease_seconds, settings.job_attempts, settings.job_time_limit)
        s, limits = settings, self.limits
        self.kinds: dict[str, Kind] = {
            "report": Kind(
                Report,
                lambda claim: report_jobs.execute(
                    sessions,
                    claim,
                    limits,
                    s.report_timeout,
                    s.report_memory_mb,
                    jobs.Retention(s.reports_kept, s.report_max_age_days),
                ),
                jobs.Bounds(s.report_jobs_per_org, s.report_jobs_total),
            ),
            "import": Kind(
                ImportJob,
                lambda claim: imports.execute(
                    sessions, claim, limits, jobs.Retention(s.imports_kept, s.import_max_age_days)
                ),
                jobs.Bounds(s.import_jobs_per_org, s.import_jobs_total),
            ),
            "analysis": Kind(
                AnalysisJob, lambda claim: analysis_jobs.execute(sessions, claim, limits), analysis_jobs.BOUNDS
            ),
            "placement": Kind(
                PlacementProposal, lambda claim: placement.execute(sessions, claim, limits), placement.BOUNDS
            ),
        }
        self._models = [kind.model for kind in self.kinds.values()]
        self._names = {kind.model: name for name, kind in self.kinds.items()}

    def bounds(self, kind: str) -> jobs.Bounds:
        """The bounds a request for a ``kind`` job is admitted under."""
        return self.kinds[kind].bounds

    def run(self, kind: str, job_id: int) -> bool:
        """Claim job ``job_id`` of ``kind`` and run it; False if it was not queued."""
        try:
            claim = jobs.claim(self.sessions, self.kinds[kind].model, job_id, self.limits)
        except SQLAlchemyError:
            log.exception("%s %s: cannot claim the job", kind, job_id)
            return False
        return claim is not None and self._execute(claim)

    def run_next(self) -> bool:
        """Claim the fairest queued job of any kind and run it; False if none was queued."""
        try:
            claim = jobs.claim_next(self.sessions, self._models, self.limits)
        except SQLAlchemyError:
            log.exception("cannot claim a job")
            return False
        return claim is not None and self._execute(claim)

    def _execute(self, claim: jobs.Claim) -> bool:
        name = self._names[claim.model]
        started = time.perf_counter()
        self.kinds[name].execute(claim)
        elapsed = time.perf_counter() - started
        try:
            with self.sessions() as session, reading(session):
                state = session.scalar(select(claim.model.state).where(claim.model.id == claim.id)) or "deleted"
        except SQLAlchemyError:
            state = "unknown"
        metrics.JOB_SECONDS.labels(kind=name, state=state).observe(elapsed)
        log.info("%s %s (attempt %d) ended %s in %.1f s", name, claim.id, claim.attempt, state, elapsed)
        return True

    def depth(self) -> dict[str, dict[str, int]]:
        """Jobs queued and running now, by kind."""
        with self.sessions() as session, reading(session):
            return {name: jobs.count_by_state(session, kind.model) for name, kind in self.kinds.items()}

    def sweep(self, queue: JobQueue) -> Swept:
        """Queue again (or fail) the running jobs whose worker's lease ran out, then
        submit the queued jobs the queue holds no wake-up for (oldest first)."""
        requeued = failed = 0
        with self.sessions() as session:
            # An idle worker writes nothing: on SQLite a worker stopped (or stalled) while it
            # held the database's one write lock would keep every other writer waiting.
            with reading(session):
                lapsed = jobs.any_lapsed(session, self._models)
            if lapsed:
                requeued, failed = jobs.requeue_lapsed(session, self._models, self.limits)
                session.commit()
            with reading(session):
                queued = sorted(
                    (job_id, name)
                    for name, kind in self.kinds.items()
                    for job_id in session.scalars(select(kind.model.id).where(kind.model.state == "queued"))
                )
        if requeued or failed:
            log.warning("sweep: %d jobs whose worker stopped queued again, %d failed for good", requeued, failed)
        missing = max(0, len(queued) - queue.waiting())
        for job_id, name in queued[:missing]:
            queue.submit(name, job_id)
        return Swept(requeued, failed, missing)

    def start_sweeping(self, queue: JobQueue) -> Callable[[], None]:
        """Sweep now and then every third of a lease, in a daemon thread; returns
        the function that stops it. A sweep that fails (the database or the broker
        away) is logged and tried again at the next turn."""
        stop = threading.Event()
        interval = max(0.5, self.limits.lease / 3)

        def sweep_forever() -> None:
            while True:
                try:
                    swept = self.sweep(queue)
                    if swept.woken:
                        log.info("sweep: %d queued jobs had no wake-up; sent", swept.woken)
                except Exception:
                    log.exception("sweep failed")
                if stop.wait(interval):
                    return

        thread = threading.Thread(target=sweep_forever, name="virtplan-sweep", daemon=True)
        thread.start()

        def stopper() -> None:
            stop.set()
            thread.join(10)

        return stopper
