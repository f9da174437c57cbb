"""``/api/v1/plans/{id}/evidence``: hardening baselines and assessment checklists
attached to a plan, and ``/hardening``: what they say per host.

POST takes one file, as ``multipart/form-data`` (``file``, and ``format`` when the
file name does not tell it) or as the raw request body with ``?filename=`` (and
``?format=``). Formats: ``vmware-scg-csv`` (the VMware Security Configuration
Guide's CSV), ``disa-ckl`` and ``disa-cklb`` (STIG Viewer checklists), ``xccdf``
(XCCDF results). A file that is not exactly readable gets 422 with every problem
(its CSV row and column, XML element or JSON path) and nothing is stored; the
same file again answers 200 with the evidence already attached. The use cases
live in :mod:`planner.services.evidence`.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from planner import database
from planner.evidence import FORMATS
from planner.services import evidence as service
from planner.services.assessment import plan_assessment
from planner.services.errors import Invalid

from .auth import current_caller
from .blueprint import Blueprint

blp = Blueprint(
    "evidence",
    __name__,
    url_prefix="/api/v1/plans",
    description="Hardening baselines and STIG checklists attached to a plan, and the hosts' hardening they show.",
)


class EvidenceSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["baseline", "checklist"]})
    format = fields.String(metadata={"enum": list(FORMATS)})
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    summary = fields.Dict(
        metadata={"description": "baseline: name and controls; checklist: targets, benchmarks, results"}
    )
    uploaded_at = fields.String()
    uploaded_by = fields.String(allow_none=True)


class EvidenceDetailSchema(EvidenceSchema):
    content = fields.Dict(metadata={"description": "what was read: {baseline} or {checklists}"})


class HardeningSchema(Schema):
    class Meta:
        ordered = True

    baselines = fields.List(fields.String())
    checklists = fields.List(fields.String())
    counts = fields.Dict(metadata={"description": "controls by status: failed, unchecked, passed, not-applicable"})
    hosts = fields.List(fields.Dict(), metadata={"description": "per host: its controls with status and SP 800-53 ids"})
    unmatched_targets = fields.List(fields.String(), metadata={"description": "checklist targets naming no host"})


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "format": {"type": "string", "enum": list(FORMATS)},
                },
                "required": ["file"],
            }
        },
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _upload() -> tuple[Any, bytes, str | None]:
    """(file name, bytes, format) from a multipart form or a raw body."""
    if request.mimetype == "multipart/form-data":
        files = request.files.getlist("file")
        if len(files) != 1:
            raise Invalid("invalid evidence", [{"path": "file", "message": "expected exactly one file"}])
        return files[0].filename, files[0].read(), request.form.get("format") or None
    name = request.args.get("filename")
    if not name:
        raise Invalid(
            "invalid evidence",
            [{"path": "filename", "message": "name the file (?filename=host.ckl) or send multipart/form-data"}],
        )
    return name, request.get_data(cache=False), request.args.get("format") or None


@blp.route("/<int:plan_id>/evidence")
class EvidenceCollection(MethodView):
    @blp.response(200, EvidenceSchema(many=True))
    def get(self, plan_id: int):
        """The plan's evidence, oldest first."""
        return [service.evidence_dict(r) for r in service.list_evidence(database.session(), current_caller(), plan_id)]

    @blp.doc(
        requestBody=_UPLOAD_BODY,
        parameters=[
            {
                "name": "filename",
                "in": "query",
                "schema": {"type": "string"},
                "description": "raw body: the file's name",
            },
            {"name": "format", "in": "query", "schema": {"type": "string", "enum": list(FORMATS)}},
        ],
    )
    @blp.response(201, EvidenceSchema)
    @blp.alt_response(200, schema=EvidenceSchema, description="the same file was attached already")
    def post(self, plan_id: int):
        """Attach a baseline or a checklist (422 with every problem when it is not readable)."""
        name, data, fmt = _upload()
        db = database.session()
        row, created = service.attach_evidence(db, current_caller(), plan_id, name, data, fmt)
        db.commit()
        headers = {"Location": f"/api/v1/plans/{plan_id}/evidence/{row.id}"}
        return service.evidence_dict(row), 201 if created else 200, headers


@blp.route("/<int:plan_id>/evidence/<int:evidence_id>")
class EvidenceItem(MethodView):
    @blp.response(200, EvidenceDetailSchema)
    def get(self, plan_id: int, evidence_id: int):
        """One piece of evidence, with what was read from it."""
        row = service.get_evidence(database.session(), current_caller(), plan_id, evidence_id)
        return {**service.evidence_dict(row), "content": row.content}

    @blp.response(204)
    def delete(self, plan_id: int, evidence_id: int):
        """Detach it (the plan's hardening no longer counts it)."""
        db = database.session()
        service.delete_evidence(db, current_caller(), plan_id, evidence_id)
        db.commit()


@blp.route("/<int:plan_id>/hardening")
class PlanHardening(MethodView):
    @blp.response(200, HardeningSchema)
    def get(self, plan_id: int):
        """Per host, which baseline controls passed, failed or are unchecked (empty without evidence)."""
        result = plan_assessment(database.session(), current_caller(), plan_id).assessment.hardening
        if result is None:
            return {"baselines": [], "checklists": [], "counts": {}, "hosts": [], "unmatched_targets": []}
        return result.to_dict()
