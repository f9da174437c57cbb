"""What load balancers, orchestrators and Prometheus ask a web process.

- ``GET /healthz`` — liveness: the process answers (no database, no queue),
  so a slow database never gets healthy processes restarted.
- ``GET /readyz`` — readiness: the database answers and is migrated to this
  code's schema, and the job queue can be reached; 503 (saying which check
  failed, never how) takes the process out of a load balancer's rotation.
- ``GET /metrics`` — Prometheus's text format (:mod:`planner.metrics`), for a
  scraper that sends ``Authorization: Bearer $VIRTPLAN_METRICS_TOKEN``; not
  served without that setting.

None of them needs a signed-in user, and none says anything about any
organization's data.
"""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from migrations import current_revision, head_revision
from planner import metrics
from planner.jobs import QueueFull

log = logging.getLogger(__name__)

bp = Blueprint("operations", __name__)
ENDPOINTS = frozenset({"operations.healthz", "operations.readyz", "operations.metrics"})


@bp.get("/healthz")
def healthz():
    return jsonify(status="alive")


@bp.get("/readyz")
def readyz():
    checks = {"database": _database(), "queue": _queue()}
    ready = all(state == "ok" for state in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


def _database() -> str:
    try:
        with current_app.extensions["virtplan.engine"].connect() as connection:
            revision = current_revision(connection)
    except SQLAlchemyError as exc:
        log.warning("readiness: the database cannot be read: %s", exc.__class__.__name__)
        return "unavailable"
    if revision != _schema_head():
        return "not migrated (run virtplan db upgrade)"
    return "ok"


def _schema_head() -> str | None:
    if "virtplan.schema_head" not in current_app.extensions:
        current_app.extensions["virtplan.schema_head"] = head_revision()
    return current_app.extensions["virtplan.schema_head"]


def _queue() -> str:
    try:
        current_app.extensions["virtplan.jobs"].waiting()
    except QueueFull as exc:
        log.warning("readiness: %s", exc)
        return "unavailable"
    return "ok"


@bp.get("/metrics")
def metrics_page():
    token = current_app.config["VIRTPLAN_SETTINGS"].metrics_token
    if not token:
        return Response("not found\n", status=404, mimetype="text/plain")
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return Response(
            "a bearer token (VIRTPLAN_METRICS_TOKEN) is needed\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="virtplan-metrics"'},
        )
    depth = metrics.QueueDepth(
        current_app.extensions["virtplan.runner"].depth, current_app.extensions["virtplan.jobs"].waiting
    )
    return Response(metrics.exposition(depth), mimetype="text/plain; version=0.0.4; charset=utf-8")


def _started() -> None:
    g.request_started = time.perf_counter()


def _observed(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        metrics.REQUEST_SECONDS.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_started)
    app.after_request(_observed)
