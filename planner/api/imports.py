"""``/api/v1/plans/{id}/imports/{source}``: CMDB sources imported into a plan
in the background.

POST takes the source's files and the mapping either as
``multipart/form-data`` (``files``: one or more files — an RVTools xlsx or its
CSVs, NetBox or ServiceNow JSON —, ``mapping``: the YAML file or text,
``dry_run`` and ``prune``: true/false) or as JSON (``{"files": {name: JSON
document}, "mapping": {…} or YAML text, "dry_run", "prune"}``; NetBox and
ServiceNow only). It answers 202 with the job to poll; the finished job holds
the diff, the unmatched objects and the warnings, or the problems that
stopped it (each with its file, sheet, row or JSON path). A bad mapping is
refused at once (422). ``POST …/imports/{job}/apply`` applies a finished dry
run exactly as previewed.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields

from planner import database
from planner.core.json_input import free_form
from planner.importers import SOURCES
from planner.jobs import hand_over
from planner.services import imports as service
from planner.services.errors import Invalid
from planner.services.jobs import Bounds

from .auth import current_caller
from .blueprint import Blueprint
from .bodies import BodyError, json_body

#: An import's JSON body carries whole exports (a NetBox or ServiceNow listing
#: per file): no fixed shape, so only broad bounds (the body's size limits it too).
_ORG_BOUND = (
    "the organization has as many import jobs queued or running as it may (VIRTPLAN_IMPORT_JOBS_PER_ORG); "
    "nothing was stored; Retry-After says when to try again"
)
_SERVER_BOUND = (
    "the server's import queue is full (VIRTPLAN_IMPORT_JOBS_TOTAL) or cannot be reached; nothing was stored"
)
IMPORT_BODY = free_form(max_items=1_000_000, max_containers=5_000_000)
#: /imports/{source} (POST) and /imports/{job_id} (GET) share a path: a job id
#: POSTed or a source name read reaches the other route, which allows one method.
_SHARED_PATH = {"description": "the path names an import job (GET only) or an importer (POST only)"}

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1/plans",
    description="RVTools, NetBox and ServiceNow sources imported into a plan (background jobs with a diff).",
)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


class ImportJobSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    plan = fields.Integer()
    source = fields.String(metadata={"enum": list(SOURCES)})
    state = fields.String(metadata={"enum": ["queued", "running", "succeeded", "failed"]})
    dry_run = fields.Boolean()
    prune = fields.Boolean()
    preview_of = fields.Integer(allow_none=True, metadata={"description": "the dry run this job applies"})
    requested_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    changed = fields.Boolean(allow_none=True, metadata={"description": "whether the inventory was changed"})
    base_version = fields.Integer(
        allow_none=True, metadata={"description": "the inventory version the diff was made against"}
    )
    inventory_version = fields.Integer(allow_none=True, metadata={"description": "the inventory version after the job"})
    error = fields.String(allow_none=True)
    problems = fields.List(
        fields.Dict(), allow_none=True, metadata={"description": "[{path, message}] that stopped it"}
    )
    result = fields.Dict(
        allow_none=True,
        metadata={
            "description": "once succeeded: imported counts, diff (added/updated/gone/removed per collection), "
            "unmatched objects, warning_counts and warnings [{kind, where, message}]"
        },
    )


def import_url(row: Any) -> str:
    return f"/api/v1/plans/{row.plan_id}/imports/{row.id}"


def import_body(row: Any, with_result: bool = True) -> dict[str, Any]:
    return {
        "id": row.id,
        "plan": row.plan_id,
        "source": row.source,
        "state": row.state,
        "dry_run": row.dry_run,
        "prune": row.prune,
        "preview_of": row.preview_of,
        "requested_by": row.requested_by,
        "created_at": row.requested_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "changed": row.changed,
        "base_version": row.base_version,
        "inventory_version": row.result_version,
        "error": row.error,
        "problems": row.problems,
        "result": row.result if with_result else None,
    }


def _flag(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    if raw is None:
        return False
    raise Invalid("invalid import request", [{"path": name, "message": f"expected true or false, got {raw!r}"}])


def _request_parts() -> tuple[list[tuple[str, bytes]], str, str, bool, bool]:
    """(files, mapping name, mapping text, dry_run, prune) from a multipart or JSON request."""
    if request.mimetype == "multipart/form-data":
        files = [(f.filename or f"file-{i + 1}", f.read()) for i, f in enumerate(request.files.getlist("files"))]
        upload = request.files.get("mapping")
        if upload is not None:
            name, raw = upload.filename or "mapping.yaml", upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise Invalid("invalid import request", [{"path": "mapping", "message": "not UTF-8 text"}]) from None
        else:
            name, text = "mapping", request.form.get("mapping", "")
        if not text.strip():
            raise Invalid("invalid import request", [{"path": "mapping", "message": "the mapping (YAML) is required"}])
        return (
            files,
            name,
            text,
            _flag("dry_run", request.form.get("dry_run")),
            _flag("prune", request.form.get("prune")),
        )
    body = json_body(IMPORT_BODY)
    if not isinstance(body, dict):
        raise Invalid(
            "invalid import request", [{"path": "", "message": "expected an object {files, mapping, dry_run, prune}"}]
        )
    problems = [
        {"path": k, "message": "unknown field (expected files, mapping, dry_run or prune)"}
        for k in body
        if k not in ("files", "mapping", "dry_run", "prune")
    ]
    raw_files = body.get("files")
    if not isinstance(raw_files, dict) or not raw_files:
        problems.append({"path": "files", "message": "expected {file name: JSON document, …} with at least one file"})
        raw_files = {}
    mapping = body.get("mapping")
    if isinstance(mapping, dict):
        text = json.dumps(mapping)
    elif isinstance(mapping, str) and mapping.strip():
        text = mapping
    else:
        problems.append({"path": "mapping", "message": "expected the mapping as an object or as YAML text"})
        text = ""
    if problems:
        raise Invalid("invalid import request", problems)
    files = [(str(k), json.dumps(v).encode()) for k, v in raw_files.items()]
    return files, "mapping", text, _flag("dry_run", body.get("dry_run")), _flag("prune", body.get("prune"))


def _bounds() -> Bounds:
    return current_app.extensions["virtplan.runner"].bounds("import")


def _submit(row: Any) -> Any:
    """Commit the recorded job and hand it to the queue (Busy, 503, if it cannot take it)."""
    hand_over(database.session(), current_app.extensions["virtplan.jobs"], "import", row)
    return import_body(row), 202, {"Location": import_url(row)}


@blp.route("/<int:plan_id>/imports")
class Imports(MethodView):
    @blp.response(200, ImportJobSchema(many=True))
    @blp.paginate()
    def get(self, plan_id: int, pagination_parameters: Any) -> Any:
        """The plan's import jobs, newest first (without their results; paginated)."""
        p = pagination_parameters
        rows, total = service.list_imports(
            database.session(), current_caller(), plan_id, (p.page - 1) * p.page_size, p.page_size
        )
        p.item_count = total
        return [import_body(row, with_result=False) for row in rows]


@blp.route(f"/<int:plan_id>/imports/<any({', '.join(SOURCES)}):source>")
class ImportSource(MethodView):
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                            "mapping": {"type": "string", "format": "binary"},
                            "dry_run": {"type": "boolean"},
                            "prune": {"type": "boolean"},
                        },
                        "required": ["files", "mapping"],
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {"type": "object", "additionalProperties": {}},
                            "mapping": {"oneOf": [{"type": "object"}, {"type": "string"}]},
                            "dry_run": {"type": "boolean"},
                            "prune": {"type": "boolean"},
                        },
                        "required": ["files", "mapping"],
                    }
                },
            },
        }
    )
    @blp.doc(responses={405: _SHARED_PATH})
    @blp.response(202, ImportJobSchema)
    @blp.alt_response(429, description=_ORG_BOUND, content_type="application/problem+json")
    @blp.alt_response(503, description=_SERVER_BOUND, content_type="application/problem+json")
    def post(self, source: str, plan_id: int) -> Any:
        """Import a source (rvtools, netbox or servicenow) into the plan; answers at once with the job to poll."""
        try:
            files, mapping_name, mapping_text, dry_run, prune = _request_parts()
        except BodyError as exc:
            return exc.response
        row = service.request_import(
            database.session(), current_caller(), plan_id, source, files, mapping_text,
            mapping_name=mapping_name, dry_run=dry_run, prune=prune, bounds=_bounds(),
        )  # fmt: skip
        return _submit(row)


@blp.route("/<int:plan_id>/imports/<int:job_id>")
class ImportById(MethodView):
    @blp.doc(responses={405: _SHARED_PATH})
    @blp.response(200, ImportJobSchema)
    def get(self, plan_id: int, job_id: int) -> Any:
        """An import job: its state and, once finished, its diff and warnings (or problems)."""
        return import_body(service.get_import(database.session(), current_caller(), plan_id, job_id))


@blp.route("/<int:plan_id>/imports/<int:job_id>/apply")
class ImportApply(MethodView):
    @blp.response(202, ImportJobSchema)
    @blp.alt_response(409, description="the job is not a finished dry run", content_type="application/problem+json")
    @blp.alt_response(429, description=_ORG_BOUND, content_type="application/problem+json")
    @blp.alt_response(503, description=_SERVER_BOUND, content_type="application/problem+json")
    def post(self, plan_id: int, job_id: int) -> Any:
        """Apply a finished dry run as previewed (its job fails if the inventory changed since)."""
        return _submit(service.request_apply(database.session(), current_caller(), plan_id, job_id, _bounds()))
