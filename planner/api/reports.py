"""``/api/v1/plans/{id}/reports``: security plans rendered in the background.

POST records a job and hands it to the app's job queue (:mod:`planner.jobs`),
answering 202 at once: rendering a large plan never holds a web worker.
Clients poll the job until it has ``succeeded`` (or ``failed``, with an
``error`` saying why), then download the bytes exactly as generated, as
often as they like: same bytes, same SHA-256 (``ETag`` and ``X-Content-SHA256``).
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

import reports as renderers
from planner import database
from planner.core.text import Text
from planner.jobs import hand_over
from planner.services import report_jobs as service

from .auth import current_caller
from .blueprint import Blueprint

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/plans",
    description="Security plans of a plan, rendered in the background and kept as generated.",
)

_RETRY_AFTER = {"description": "seconds to wait before asking again", "schema": {"type": "string"}}
#: What each format's bytes are, by media type (parameters such as charset left out).
_CONTENT = {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "text/html": {"schema": {"type": "string"}},
    "application/json": {
        "schema": {
            "type": "object",
            "description": "json: the analysed plan (estate, findings, placement, answers); "
            "oscal: an OSCAL System Security Plan",
        }
    },
    "text/csv": {"schema": {"type": "string", "description": "csv: the risk register"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary", "description": "xlsx: the risk register"}
    },
}


class ReportRequestSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

    format = fields.String(
        required=True,
        validate=validate.OneOf(tuple(renderers.FORMATS), error="expected one of {choices}; got {input!r}"),
        metadata={
            "description": "pdf (the signed plan), html, json (the analysed plan), csv or xlsx "
            "(the risk register), oscal (an OSCAL System Security Plan in JSON)"
        },
    )
    version = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=service.MAX_VERSION), Text()],
        metadata={"description": "the version printed on the plan; default 'inventory v<n>'"},
    )


class ReportSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    plan = fields.Integer()
    format = fields.String()
    state = fields.String(
        metadata={
            "description": "queued, running, succeeded or failed",
            "enum": ["queued", "running", "succeeded", "failed"],
        }
    )
    error = fields.String(allow_none=True, metadata={"description": "why the job failed"})
    version = fields.String(allow_none=True, metadata={"description": "the version label asked for"})
    inventory_version = fields.Integer(metadata={"description": "the inventory version the report shows"})
    analysis_run = fields.Integer(
        allow_none=True, metadata={"description": "the stored analysis run whose findings, triage and advice it shows"}
    )
    requested_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    media_type = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True, metadata={"description": "bytes"})
    sha256 = fields.String(allow_none=True)
    download = fields.String(allow_none=True, metadata={"description": "where the content is, once succeeded"})


def report_url(row) -> str:
    return f"/api/v1/plans/{row.plan_id}/reports/{row.id}"


def report_body(row) -> dict:
    return {
        "id": row.id,
        "plan": row.plan_id,
        "format": row.format,
        "state": row.state,
        "error": row.error,
        "version": row.plan_version,
        "inventory_version": row.inventory_version,
        "analysis_run": row.analysis_run_id,
        "requested_by": row.requested_by,
        "created_at": row.requested_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "media_type": row.media_type,
        "filename": row.filename,
        "size": row.size,
        "sha256": row.sha256,
        "download": report_url(row) + "/content" if row.state == "succeeded" else None,
    }


@blp.route("/<int:plan_id>/reports")
class Reports(MethodView):
    @blp.response(200, ReportSchema(many=True))
    @blp.paginate()
    def get(self, plan_id, pagination_parameters):
        """The plan's report jobs, newest first (paginated; totals in X-Pagination)."""
        p = pagination_parameters
        rows, total = service.list_reports(
            database.session(), current_caller(), plan_id, (p.page - 1) * p.page_size, p.page_size
        )
        p.item_count = total
        return [report_body(row) for row in rows]

    @blp.arguments(ReportRequestSchema)
    @blp.response(202, ReportSchema)
    @blp.doc(
        responses={
            429: {
                "description": "the organization has as many report jobs queued or running as it may "
                "(VIRTPLAN_REPORT_JOBS_PER_ORG); nothing was stored",
                "headers": {"Retry-After": _RETRY_AFTER},
            },
            503: {
                "description": "the server's report queue is full (VIRTPLAN_REPORT_JOBS_TOTAL) or cannot be "
                "reached; nothing was stored",
                "headers": {"Retry-After": _RETRY_AFTER},
            },
        }
    )
    def post(self, body, plan_id):
        """Ask for a report; answers at once with the job to poll (its URL in Location)."""
        row = start_report(plan_id, body["format"], body.get("version"))
        return report_body(row), 202, {"Location": report_url(row)}


@blp.route("/<int:plan_id>/reports/<int:report_id>")
class ReportById(MethodView):
    @blp.response(200, ReportSchema)
    def get(self, plan_id, report_id):
        """A report job: its state, and once succeeded its size, SHA-256 and download URL."""
        return report_body(service.get_report(database.session(), current_caller(), plan_id, report_id))


@blp.route("/<int:plan_id>/reports/<int:report_id>/content")
class ReportContent(MethodView):
    @blp.doc(
        responses={
            200: {
                "description": "the report exactly as generated (ETag and X-Content-SHA256: its SHA-256)",
                "content": {media: {"schema": _CONTENT[media]["schema"]} for media in _CONTENT},
            },
            304: {"description": "If-None-Match names the report's ETag"},
            409: {"description": "the report has not succeeded (yet)"},
        }
    )
    def get(self, plan_id, report_id):
        """Download the report."""
        return download_response(*service.report_content(database.session(), current_caller(), plan_id, report_id))


# --- shared with the web pages ------------------------------------------------------------------


def start_report(plan_id: int, fmt, version=None):
    """Ask for a report as the current caller: record the job, commit, hand it to
    the queue; the job row. Raises NotFound / Invalid / TooManyJobs / Busy like the
    service, and Busy when the queue cannot take it (the job withdrawn: a refused
    request stores nothing)."""
    db = database.session()
    bounds = current_app.extensions["virtplan.runner"].bounds("report")
    row = service.request_report(db, current_caller(), plan_id, fmt, version, bounds)
    hand_over(db, current_app.extensions["virtplan.jobs"], "report", row)
    return row


def download_response(row, content: bytes) -> Response:
    """The stored bytes as an attachment, with the SHA-256 as ETag (304 on If-None-Match)."""
    name = service.download_name(row.filename, row.id, row.format)
    headers = {
        "ETag": f'"{row.sha256}"',
        "X-Content-SHA256": row.sha256,
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    if row.sha256 in request.if_none_match:
        return Response(status=304, headers=headers)
    return Response(content, status=200, content_type=row.media_type or "application/octet-stream", headers=headers)
