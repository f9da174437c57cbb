"""``virtplan serve``, ``virtplan worker`` and ``virtplan demo``: run the web
service and its background workers."""

from __future__ import annotations

import json
import os
import signal

import click
from sqlalchemy import select
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from models import Plan
from models.database import make_engine, make_session_factory
from planner.config import ConfigurationError, Settings

#: prometheus_client's multiprocess folder (planner.metrics; not imported here, it must come after).
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


class _ProblemErrorTask(ErrorTask):
    """What waitress answers itself (a body over the limit: 413; a request it
    cannot parse: 400) as application/problem+json, like every API error."""

    def execute(self):
        error = self.request.error
        body = json.dumps(
            {"type": "about:blank", "title": error.reason, "status": error.code, "detail": error.body}
        ).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend(
            [("Content-Length", str(len(body))), ("Content-Type", "application/problem+json"), ("Connection", "close")]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    error_task_class = _ProblemErrorTask


def _serve(settings: Settings, host: str, port: int, threads: int) -> None:
    from waitress.server import create_server

    from planner.app import create_app
    from reports.isolation import stop_renders

    app = create_app(settings)
    jobs = app.extensions["virtplan.jobs"]
    # Jobs run in this process: it also takes up the jobs a stopped process left
    # (now, then every third of a lease). Celery workers sweep for themselves.
    stop_sweeping = app.extensions["virtplan.runner"].start_sweeping(jobs) if settings.job_queue != "celery" else None
    server = create_server(
        app, host=host, port=port, threads=threads, max_request_body_size=settings.max_content_length, ident="virtplan"
    )
    server.channel_class = _Channel
    # SIGTERM (a service manager's stop) ends the server like Ctrl+C: through the
    # shutdown below, not by dying on the spot with render children left running.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    click.echo(f"VirtPlan serving on http://{host}:{port}/ (Ctrl+C stops it)", err=True)
    try:
        server.run()
    finally:
        if stop_sweeping is not None:
            stop_sweeping()
        stopped = stop_renders()
        if stopped:
            click.echo(f"stopped {stopped} report rendering process(es)", err=True)
        jobs.shutdown()


def _exit_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def _shared_state_problem(settings: Settings) -> str | None:
    """Why gunicorn's web processes cannot serve with these settings (state in one process's memory)."""
    if not settings.broker_url or settings.job_queue != "celery":
        return (
            "gunicorn forks its web processes and replaces them (even with one worker), and "
            "several web processes need VIRTPLAN_BROKER_URL (redis://…) and Celery workers (virtplan worker): "
            "a job queue inside one web process would be lost with it"
        )
    if settings.ratelimit_storage_url.startswith("memory://"):
        return (
            "several web processes must count sign-in attempts together: set VIRTPLAN_RATELIMIT_STORAGE_URL=redis://…"
        )
    return None


def _multiprocess_metrics() -> None:
    """Point prometheus_client at a folder every process of this server (and no
    other) writes its metrics to: PROMETHEUS_MULTIPROC_DIR if set, emptied first,
    else a new one. Before anything imports prometheus_client."""
    from pathlib import Path

    folder = os.environ.get(MULTIPROC_DIR)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    else:
        import tempfile

        os.environ[MULTIPROC_DIR] = tempfile.mkdtemp(prefix="virtplan-metrics-")


#: Seconds gunicorn lets running requests finish once asked to stop (deploy/ gives it at least this).
GRACEFUL_TIMEOUT = 30

#: Gunicorn's access log: who asked what, the answer, its time, the worker that
#: answered and the request id a load balancer sent (X-Request-Id).
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms pid=%(p)s request=%({x-request-id}i)s'


def _serve_gunicorn(
    settings: Settings, host: str, port: int, workers: int, threads: int, access_log: str | None
) -> None:
    """``workers`` processes under gunicorn, each with ``threads`` threads (the gthread worker)."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # not installed, or not a Unix (gunicorn needs fork and fcntl)
        raise click.UsageError(
            "--workers needs gunicorn, which runs on Linux and other Unixes; use one worker"
        ) from None
    _multiprocess_metrics()
    served: dict[str, object] = {}

    def worker_exit(_server, _worker) -> None:
        from reports.isolation import stop_renders

        stop_renders()
        app = served.get("app")
        if app is not None:
            app.extensions["virtplan.jobs"].shutdown()  # type: ignore[attr-defined]

    def child_exit(_server, worker) -> None:
        from planner.metrics import process_exited

        process_exited(worker.pid)

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "proc_name": "virtplan",
                "timeout": 120,
                "graceful_timeout": GRACEFUL_TIMEOUT,
                "keepalive": 5,
                "worker_exit": worker_exit,
                "child_exit": child_exit,
                "accesslog": access_log,
                "access_log_format": ACCESS_LOG_FORMAT,
                "errorlog": "-",
            }.items():
                self.cfg.set(key, value)

        def load(self):
            from planner.app import create_app

            app = create_app(settings)  # in each worker, after the fork: its own engine and queue connection
            served["app"] = app
            return app

    click.echo(f"VirtPlan serving on http://{host}:{port}/ with {workers} gunicorn worker(s)", err=True)
    Server().run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="threads per process")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="web processes; more than one runs gunicorn (Linux) and needs Redis (VIRTPLAN_BROKER_URL)",
)
@click.option(
    "--server",
    type=click.Choice(["waitress", "gunicorn"]),
    help="the HTTP server: waitress (one process: the default with one worker) or gunicorn (the default with "
    "--workers 2 or more; Linux, needs Redis); '--server gunicorn --workers 1' is one gunicorn worker, "
    "to compare one worker with several under the same server",
)
@click.option(
    "--access-log",
    metavar="FILE",
    help="with gunicorn: its access log ('-' for standard output), one line per request",
)
def serve(host: str, port: int, threads: int, workers: int, server: str | None, access_log: str | None) -> None:
    """Serve VirtPlan: one waitress process, or gunicorn workers (--workers 2 or more, or --server gunicorn)."""
    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    if (server or ("waitress" if workers == 1 else "gunicorn")) == "waitress":
        if workers > 1:
            raise click.UsageError("waitress is one process: several --workers run gunicorn")
        if access_log:
            raise click.UsageError("--access-log is gunicorn's: use it with --workers 2 or more, or --server gunicorn")
        _serve(settings, host, port, threads)
        return
    if problem := _shared_state_problem(settings):
        raise click.UsageError(problem)
    _serve_gunicorn(settings, host, port, workers, threads, access_log)


@click.command()
@click.option("--concurrency", "-c", default=2, show_default=True, type=click.IntRange(1, 64), help="jobs run at once")
@click.option("--metrics-port", type=click.IntRange(1, 65535), help="serve this worker's Prometheus metrics on it")
@click.option("--metrics-host", default="127.0.0.1", show_default=True)
def worker(concurrency: int, metrics_port: int | None, metrics_host: str) -> None:
    """Run background jobs (reports, imports) from VIRTPLAN_BROKER_URL: a Celery worker.

    The database must be migrated first (virtplan db upgrade); a worker never migrates it."""
    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    if not settings.broker_url:
        raise click.UsageError("virtplan worker needs VIRTPLAN_BROKER_URL (redis://host:port/db)")
    _check_schema(settings)
    if metrics_port:
        _multiprocess_metrics()
    from planner.jobs.celery_queue import QUEUE, serve_metrics, worker_app

    app = worker_app(settings)
    if metrics_port:
        serve_metrics(metrics_host, metrics_port)
    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--queues={QUEUE}",
            f"--hostname=virtplan-{os.getpid()}@%h",
            # No worker-to-worker chatter: the database coordinates the jobs.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def _check_schema(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from migrations import current_revision, head_revision

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the database's schema revision: {exc.__class__.__name__}") from None
    finally:
        engine.dispose()
    if revision != head_revision():
        raise click.ClickException(
            f"the database is at schema revision {revision or '(none)'}, this code needs {head_revision()}: "
            "run 'virtplan db upgrade' once, then start the workers"
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="load the demo and exit")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate the database, load the demo organization and plan, print how to
    sign in, and serve."""
    from planner.cli.database import upgrade_database
    from planner.demo import load_demo, render_demo_report

    settings = Settings.from_env(env=os.environ.get("VIRTPLAN_ENV") or "development")
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        access = load_demo(session)
        session.commit()
        organization_id = session.scalars(select(Plan.organization_id).where(Plan.id == access.plan_id)).one()
    click.echo("rendering the demo's PDF security plan…", err=True)
    render_demo_report(sessions, access.plan_id, organization_id)
    engine.dispose()
    base = f"http://{host}:{port}"
    click.echo(f"""
VirtPlan demo loaded into {settings.database_url}
  Web:       {base}/  (sign in as '{access.username}' with password '{access.password}')
  Plan:      {base}/plans/{access.plan_id}
  API docs:  {base}/api/v1/docs
  API token: {access.token}
  Try:       curl -H 'Authorization: Bearer {access.token}' {base}/api/v1/plans/{access.plan_id}
""")
    if not no_serve:
        _serve(settings, host, port, 4)


COMMANDS = [serve, worker, demo]
