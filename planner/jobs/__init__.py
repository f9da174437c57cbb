"""Background jobs behind one small interface: the database holds the jobs, a
queue only wakes a worker up.

A web request that starts slow work (a report, an import) records a job row
and answers at once; then it calls ``JobQueue.submit(kind, job_id)``. Which
process runs the job is chosen by configuration:

- ``CeleryJobQueue`` (``VIRTPLAN_BROKER_URL=redis://…``; module
  :mod:`planner.jobs.celery_queue`): Celery workers (``virtplan worker``),
  on this machine or others, with late acknowledgement, re-delivery when a
  worker dies, and a time limit per task.
- :class:`ThreadJobQueue` (the default without a broker): a small thread pool
  in the web process — ``make run`` on SQLite. The heavy lifting (WeasyPrint)
  runs in a child process anyway, so the threads mostly wait.
- :class:`InlineJobQueue` (``VIRTPLAN_JOB_QUEUE=inline``): runs the job inside
  ``submit`` — deterministic, for tests and scripts.

Every queue runs the same task code (:class:`planner.jobs.runner.Runner`);
a job row's state guards it, so a job handed out twice runs once. A wake-up
does not decide which job it runs (except inline, where the job submitted is
the job run): the worker claims the fairest queued job
(:func:`planner.services.jobs.claim_next`), so one organization's burst cannot
starve another's whatever order the wake-ups arrive in. A lost wake-up is made
good by the sweep (:meth:`Runner.sweep`, every few seconds in ``virtplan
worker`` and in ``virtplan serve`` with the thread queue), which also queues
again the jobs of workers that died.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from planner.config import JOB_QUEUES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .runner import Runner

log = logging.getLogger(__name__)

MAX_WORKERS = 4


class QueueFull(RuntimeError):
    """The queue cannot take a job now (shut down, or its broker unreachable); try again later."""


class JobQueue(Protocol):
    def submit(self, kind: str, job_id: int) -> None:
        """See that job ``job_id`` of ``kind`` (a recorded, committed row) is run
        soon; raises :class:`QueueFull` if the queue cannot take it."""

    def waiting(self) -> int:
        """Wake-ups sent and not yet taken by a worker; raises :class:`QueueFull` if
        the queue cannot be reached (the readiness check)."""

    def shutdown(self) -> None:
        """Stop taking jobs; let the running ones finish."""


class InlineJobQueue:
    """Runs each job to completion inside :meth:`submit`."""

    def __init__(self, runner: Runner):
        self._runner = runner

    def submit(self, kind: str, job_id: int) -> None:
        self._runner.run(kind, job_id)

    def waiting(self) -> int:
        return 0

    def shutdown(self) -> None:
        pass


class ThreadJobQueue:
    """A pool of worker threads in this process. A wake-up takes the fairest queued
    job, then the next, until none is queued (so the order of wake-ups does not
    matter, and a job whose wake-up went to a busy thread is still run).

    Wake-ups not started when the process exits are dropped; their jobs stay
    ``queued`` in the database and the next start's sweep submits them again
    (:meth:`Runner.sweep`). Running ones finish.
    """

    def __init__(self, runner: Runner, workers: int = 2):
        if not 1 <= workers <= MAX_WORKERS:
            raise ValueError(f"workers must be 1 to {MAX_WORKERS}, not {workers}")
        self._runner = runner
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="virtplan-job")
        self._waiting = 0
        self._busy = 0  # wake-ups submitted and not yet finished
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._closed = threading.Event()
        # atexit holds only a weak reference, so a discarded queue (tests
        # create many apps) can still be collected.
        ref = weakref.ref(self)

        def shutdown_if_alive() -> None:
            queue = ref()
            if queue is not None:
                queue.shutdown()

        atexit.register(shutdown_if_alive)

    def submit(self, kind: str, job_id: int) -> None:
        with self._lock:
            if self._closed.is_set():
                raise QueueFull("the job queue is shut down")
            self._waiting += 1
            self._busy += 1
        try:
            self._executor.submit(self._wake)
        except RuntimeError:  # the executor was shut down meanwhile
            with self._lock:
                self._waiting -= 1
                self._finished()
            raise QueueFull("the job queue is shut down") from None

    def _wake(self) -> None:
        with self._lock:
            self._waiting -= 1
        try:
            while not self._closed.is_set() and self._runner.run_next():
                pass
        except Exception:
            log.exception("background job failed")
        finally:
            with self._lock:
                self._finished()

    def _finished(self) -> None:
        """One wake-up is over (the lock held)."""
        self._busy -= 1
        if not self._busy:
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until every wake-up submitted so far has run to
        its end (the jobs queued meanwhile with it); True if the queue is idle."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def waiting(self) -> int:
        if self._closed.is_set():
            raise QueueFull("the job queue is shut down")
        return self._waiting

    def shutdown(self) -> None:
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:  # the wake-ups cancelled never run
            self._busy = 0
            self._idle.notify_all()


def hand_over(session: Session, queue: JobQueue, kind: str, row: Any) -> None:
    """Commit the job ``row`` a service recorded and submit it. If the queue refuses,
    the job is withdrawn (a refused request stores nothing) and :class:`Busy` raised."""
    from planner.services.errors import Busy
    from planner.services.jobs import RETRY_AFTER, withdraw

    session.commit()
    try:
        queue.submit(kind, row.id)
    except QueueFull as exc:
        withdraw(session, type(row), row.id)
        session.commit()
        raise Busy(f"the {kind} was not started: {exc}", headers={"Retry-After": str(RETRY_AFTER)}) from None
    session.refresh(row)  # an inline queue has finished it already


def make_queue(kind: str, runner: Runner, workers: int = 2) -> JobQueue:
    """The queue ``kind`` names, running jobs with ``runner`` (Celery: through the
    broker of ``runner.settings``)."""
    if kind == "inline":
        return InlineJobQueue(runner)
    if kind == "thread":
        return ThreadJobQueue(runner, workers)
    if kind == "celery":
        from .celery_queue import CeleryJobQueue  # Celery is imported only where it is used

        return CeleryJobQueue(runner.settings)
    raise ValueError(f"unknown job queue {kind!r}; choose one of {', '.join(JOB_QUEUES)}")
