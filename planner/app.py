"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from planner import database
from planner.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask("planner", instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        TESTING=settings.env == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        VIRTPLAN_SETTINGS=settings,
    )
    database.init_app(app, settings.database_url)
    _start_jobs(app, settings)

    from planner import api, web

    api.init_app(app)
    web.init_app(app)

    @app.after_request
    def _security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        )
        return resp

    return app


def _start_jobs(app: Flask, settings: Settings) -> None:
    """The job queue views submit to, after failing the jobs a stopped process left unfinished."""
    from planner.jobs import make_queue
    from planner.services import imports, report_jobs

    try:
        with app.extensions["virtplan.sessions"]() as session:
            for kind, recover in (("report", report_jobs.recover_interrupted), ("import", imports.recover_interrupted)):
                if recovered := recover(session):
                    logging.getLogger(__name__).warning("%d unfinished %s jobs marked interrupted", recovered, kind)
                session.commit()
    except SQLAlchemyError as exc:  # e.g. a database not migrated yet: nothing to recover
        logging.getLogger(__name__).warning("cannot check for interrupted jobs: %s", exc.__class__.__name__)
    app.extensions["virtplan.jobs"] = make_queue(settings.job_queue, settings.job_workers)
