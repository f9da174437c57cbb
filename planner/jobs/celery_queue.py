"""Jobs on Celery workers, with Redis as the broker (``VIRTPLAN_BROKER_URL``).

The web process sends a wake-up (task ``virtplan.run_next``) for each job it
has recorded and committed; a worker (``virtplan worker``) claims the fairest
queued job from the database and runs it with the same code the thread queue
runs (:class:`planner.jobs.runner.Runner`). How a job survives what can go wrong:

- **A worker dies mid-job** (SIGKILL, the OOM killer, its machine): its lease
  stops being renewed; the sweep every worker runs queues the job again once
  the lease has run out (``VIRTPLAN_JOB_LEASE_SECONDS``), and another worker
  runs it — at most ``VIRTPLAN_JOB_ATTEMPTS`` times, then it ``failed`` saying
  why. The wake-up itself is acknowledged late (``acks_late``) and given back
  when the pool process running it is lost (``reject_on_worker_lost``), or by
  Redis after its visibility timeout when the whole worker is gone.
- **A wake-up delivered twice**: the job's row state lets only one claim win.
- **Redis loses its data** (restarted without persistence, flushed): the jobs
  are in the database; the sweep sends a wake-up for every queued job beyond
  the wake-ups Redis holds. No accepted job is lost.
- **Redis is down when a job is asked for**: sending fails within seconds, the
  job is withdrawn, and the client gets 503 (nothing was accepted).
- **A job runs too long**: Celery's hard time limit (``VIRTPLAN_JOB_TIME_LIMIT``)
  ends the pool process; the sweep marks the job failed with the limit.

Only ``planner.jobs`` imports this module, and only when a broker is configured.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from typing import Any, ClassVar

from celery import Celery, bootsteps
from celery.signals import worker_process_init
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from models.database import make_engine, make_session_factory
from planner.config import Settings

from . import QueueFull
from .runner import Runner

log = logging.getLogger(__name__)

#: The Redis list holding the wake-ups (Celery's queue of that name).
QUEUE = "virtplan"
TASK = "virtplan.run_next"
#: Seconds a web request waits for Redis before answering 503.
SEND_TIMEOUT = 5.0


def celery_app(broker_url: str, settings: Settings) -> Celery:
    app = Celery("virtplan", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.job_time_limit,
        worker_max_memory_per_child=settings.worker_max_memory_mb * 1024 if settings.worker_max_memory_mb else None,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            # A wake-up taken by a worker that vanished is handed out again after this;
            # the sweep does not wait for it (the lease is shorter), it only tidies up.
            "visibility_timeout": int(settings.job_time_limit + settings.job_lease_seconds),
            "socket_timeout": SEND_TIMEOUT,
            "socket_connect_timeout": SEND_TIMEOUT,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
    )
    return app


class CeleryJobQueue:
    """What the web process holds: sends wake-ups and reads the queue's length."""

    def __init__(self, settings: Settings):
        if not settings.broker_url:
            raise ValueError("the celery job queue needs a broker URL (VIRTPLAN_BROKER_URL)")
        self.app = celery_app(settings.broker_url, settings)
        self._closed = False

    def submit(self, kind: str, job_id: int) -> None:
        if self._closed:
            raise QueueFull("the job queue is shut down")
        try:
            self.app.send_task(
                TASK,
                kwargs={"kind": kind, "job_id": job_id},
                queue=QUEUE,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1},
            )
        except (KombuError, RedisError, OSError) as exc:
            log.warning("cannot send the wake-up of %s %s: %s", kind, job_id, exc)
            raise QueueFull(f"the job queue cannot be reached ({exc.__class__.__name__})") from None

    def waiting(self) -> int:
        if self._closed:
            raise QueueFull("the job queue is shut down")
        try:
            with self.app.connection_for_read() as connection:
                return int(connection.default_channel.client.llen(QUEUE))
        except (KombuError, RedisError, OSError) as exc:
            raise QueueFull(f"the job queue cannot be reached ({exc.__class__.__name__})") from None

    def shutdown(self) -> None:
        """Refuse wake-ups from now on. The broker connections stay to the process's end:
        kombu keeps one pool per broker URL for the whole process, which another queue
        on the same broker (an app made later) goes on using."""
        self._closed = True


# --- the worker side -----------------------------------------------------------------------------


class _WorkerProcess:
    """This worker process's settings and runner; the runner is made on first use,
    in the pool process that runs tasks (after the fork)."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.runner: Runner | None = None
        #: Engines this process made (a forked pool process must not use their connections).
        self.engines: list[Any] = []

    def make_runner(self) -> Runner:
        if self.settings is None:
            raise RuntimeError("worker_app() was not called in this process")
        engine = make_engine(self.settings.database_url)
        self.engines.append(engine)
        return Runner(self.settings, make_session_factory(engine))

    def get(self) -> Runner:
        if self.runner is None:
            self.runner = self.make_runner()
        return self.runner

    def forked(self) -> None:
        """Let go of the parent's connections without closing them under it."""
        for engine in self.engines:
            engine.dispose(close=False)
        self.engines, self.runner = [], None


_process = _WorkerProcess()


@worker_process_init.connect
def _forked(**_kwargs: Any) -> None:
    """A pool process makes its own engine: the parent's connections are not for sharing.

    Reports render in a child process the standard library's multiprocessing
    starts (reports/isolation.py), which a pool process of Celery (billiard)
    must be let to do: its pool processes are daemonic, and multiprocessing
    refuses children to a daemonic process because they would be orphaned —
    but the render child asks the kernel to end it with its parent
    (PR_SET_PDEATHSIG), so that cannot happen; and billiard's authentication
    key cannot be handed to a spawned child, so the process gets a key of the
    standard library's kind (fresh random bytes, as multiprocessing makes)."""
    _process.forked()
    this = multiprocessing.current_process()  # billiard's process object, set as the standard library's
    this._config["daemon"] = False  # type: ignore[attr-defined]
    this._config["authkey"] = multiprocessing.process.AuthenticationString(os.urandom(32))  # type: ignore[attr-defined]


class Sweeper(bootsteps.StartStopStep):
    """In the worker's main process, every third of a lease: jobs whose worker died
    queued again, queued jobs without a wake-up sent one (:meth:`Runner.sweep`)."""

    requires: ClassVar[set[str]] = {"celery.worker.components:Pool"}

    def __init__(self, parent: Any, **kwargs: Any):
        super().__init__(parent, **kwargs)
        self._stop: Callable[[], None] | None = None

    def start(self, parent: Any) -> None:
        runner = _process.make_runner()
        self._stop = runner.start_sweeping(CeleryJobQueue(runner.settings))

    def stop(self, parent: Any) -> None:
        if self._stop is not None:
            self._stop()


def worker_app(settings: Settings) -> Celery:
    """The Celery app ``virtplan worker`` runs: the task, and the sweep."""
    if not settings.broker_url:
        raise ValueError("a worker needs VIRTPLAN_BROKER_URL")
    _process.settings = settings
    app = celery_app(settings.broker_url, settings)

    @app.task(name=TASK)
    def run_next(kind: str | None = None, job_id: int | None = None) -> None:
        """A wake-up: run the fairest queued job (not necessarily ``job_id``, which is for the log)."""
        _process.get().run_next()

    app.steps["worker"].add(Sweeper)
    return app


def serve_metrics(host: str, port: int) -> None:
    """This worker's metrics on host:port, in a thread: its pool processes' job
    durations (prometheus_client's multiprocess mode) and the queue's depth."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    from planner.metrics import QueueDepth

    runner = _process.make_runner()
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(QueueDepth(runner.depth, CeleryJobQueue(runner.settings).waiting))
    start_http_server(port, addr=host, registry=registry)
