"""Background jobs behind one small interface, so a real queue can take over.

A web request that starts slow work (rendering a report of a large plan) must
answer at once and leave the work to something else. The views only call
``JobQueue.submit(fn, *args)``; what runs ``fn`` is chosen by configuration:

- :class:`ThreadJobQueue` (``VIRTPLAN_JOB_QUEUE=thread``, the default): a
  small thread pool in the web process. Enough while one process serves the
  application; the heavy lifting (WeasyPrint) runs in a child process anyway,
  so the threads mostly wait.
- :class:`InlineJobQueue` (``VIRTPLAN_JOB_QUEUE=inline``): runs the job inside
  ``submit`` — deterministic, for tests and scripts.

A job function must not need the Flask application or request context: it
gets what it needs (a session factory, ids, limits) as arguments, which is
also what a job on an external queue would get.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

log = logging.getLogger(__name__)

QUEUES = ("thread", "inline")
MAX_WORKERS = 4


class QueueFull(RuntimeError):
    """The queue holds as many jobs as it may; the caller should try again later."""


class JobQueue(Protocol):
    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` some time soon; never raises what ``fn`` raises."""

    def shutdown(self) -> None:
        """Stop taking jobs; let the running ones finish."""


def _run(fn: Callable[..., Any], args: tuple) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("background job %s failed", getattr(fn, "__qualname__", fn))


class InlineJobQueue:
    """Runs each job to completion inside :meth:`submit`."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        _run(fn, args)

    def shutdown(self) -> None:
        pass


class ThreadJobQueue:
    """A bounded pool of worker threads in this process.

    At most ``workers`` jobs run at once and at most ``max_pending`` wait or
    run; beyond that :meth:`submit` raises :class:`QueueFull` rather than
    letting a burst of requests pile up unbounded work. Queued jobs that have
    not started when the process exits are dropped (their rows stay
    ``queued``; the next start marks them interrupted); running ones finish.
    """

    def __init__(self, workers: int = 2, max_pending: int = 100):
        if not 1 <= workers <= MAX_WORKERS:
            raise ValueError(f"workers must be 1 to {MAX_WORKERS}, not {workers}")
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="virtplan-job")
        self._slots = threading.BoundedSemaphore(max_pending)
        self._closed = False
        # atexit holds only a weak reference, so a discarded queue (tests
        # create many apps) can still be collected.
        ref = weakref.ref(self)

        def shutdown_if_alive() -> None:
            queue = ref()
            if queue is not None:
                queue.shutdown()

        atexit.register(shutdown_if_alive)

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._closed:
            raise QueueFull("the job queue is shut down")
        if not self._slots.acquire(blocking=False):
            raise QueueFull("too many jobs are waiting; try again later")
        try:
            future = self._executor.submit(_run, fn, args)
        except RuntimeError:  # the executor was shut down meanwhile
            self._slots.release()
            raise QueueFull("the job queue is shut down") from None
        future.add_done_callback(lambda _f: self._slots.release())

    def shutdown(self) -> None:
        if not self._closed:
            # Waiting jobs are dropped first (from then on a submit is refused), then the running ones finish.
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._closed = True
            self._executor.shutdown(wait=True)


def make_queue(kind: str, workers: int = 2, max_pending: int = 100) -> JobQueue:
    if kind == "inline":
        return InlineJobQueue()
    if kind == "thread":
        return ThreadJobQueue(workers, max_pending)
    raise ValueError(f"unknown job queue {kind!r}; choose one of {', '.join(QUEUES)}")
