"""The Flask application factory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.middleware.proxy_fix import ProxyFix

from models.base import utcnow
from planner import api, browser_session, database, operations, web
from planner.api.problems import from_http_exception, from_service_error
from planner.config import Settings
from planner.services.accounts import unknown_user_hash
from planner.services.errors import ServiceError
from planner.throttle import PasswordThrottle
from planner.web.guards import API_DOCS_PAGE, ASSET_ENDPOINTS

#: Only this site's own files: no inline script or style, no framing, forms post here only.
#: Frames: only this site's own pages (the sandboxed preview of an HTML report, which
#: brings its own stricter policy: planner.web.reports.PREVIEW_POLICY).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def create_app(settings: Settings | None = None, clock: Callable[[], dt.datetime] = utcnow) -> Flask:
    """The app; ``clock`` tells the time to session expiry (tests pass one they can move)."""
    settings = settings or Settings.from_env()
    app = Flask("planner", instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        TESTING=settings.env == "testing",
        VIRTPLAN_SETTINGS=settings,
    )
    if settings.trusted_proxies:
        # The client's address and scheme as the trusted proxies saw them; never believed otherwise.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    database.init_app(app, settings.database_url)
    browser_session.init_app(app, settings, clock)
    app.extensions["virtplan.password_throttle"] = PasswordThrottle.from_settings(settings)
    unknown_user_hash()  # made now, so no sign-in pays for it
    _start_jobs(app, settings)
    operations.init_app(app)
    api.init_app(app)
    web.init_app(app)
    _answer_errors(app)
    app.after_request(_security_headers)
    return app


def _is_api() -> bool:
    return request.path.startswith("/api/") and request.endpoint != API_DOCS_PAGE


def _answer_errors(app: Flask) -> None:
    """Each error answered in its caller's language: problem+json under /api/,
    a styled page (with the navigation) everywhere else. Replaces the handler
    flask-smorest registers."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return from_http_exception(error) if _is_api() else web.error_page(error)

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        if _is_api():
            return from_service_error(error)
        return web.error_page(default_exceptions.get(error.status, default_exceptions[400])(error.message))


def _security_headers(resp: Response) -> Response:
    headers = resp.headers
    # A view may answer with a policy of its own (the report preview: stricter, and framed by our own page).
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint not in ASSET_ENDPOINTS:
        # Pages, API answers and report downloads may hold an organization's
        # plans: no browser or proxy keeps a copy (not even of sign-in pages).
        headers["Cache-Control"] = "no-store"
    return resp


def _start_jobs(app: Flask, settings: Settings) -> None:
    """The job queue views submit to, and the runner of its jobs. Whoever runs the
    jobs (``virtplan serve`` with a queue in its process, ``virtplan worker``)
    also sweeps (:meth:`planner.jobs.runner.Runner.start_sweeping`): an app alone
    does not take up other processes' jobs."""
    from planner.jobs import make_queue
    from planner.jobs.runner import Runner

    runner = Runner(settings, app.extensions["virtplan.sessions"])
    app.extensions["virtplan.runner"] = runner
    app.extensions["virtplan.jobs"] = make_queue(settings.job_queue, runner, settings.job_workers)
