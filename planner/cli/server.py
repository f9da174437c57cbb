"""``virtplan serve`` and ``virtplan demo``: run the web service."""

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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, threads: int) -> None:
    """Serve VirtPlan with waitress (a production WSGI server)."""
    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None
    _serve(settings, host, port, threads)


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


COMMANDS = [serve, demo]
