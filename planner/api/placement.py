"""``/api/v1/plans/{id}/placement``: placement proposals, accepting them, and what-if moves.

POST asks for a proposal for the plan's current inventory: a plan of at most
``VIRTPLAN_PLACEMENT_SYNC_VMS`` VMs (default 500) is advised in the request
(201, the finished proposal); a larger one becomes a background job (202, the
proposal to poll until ``succeeded`` or ``failed``). GET reads the latest
proposal, ``/{pid}`` one of them; ``/{pid}/accept`` applies all its changes, or
those of the VMs listed, to the inventory and analyses the plan again, in one
transaction; ``/what-if?vm=…&host=…`` says what one move would change, and
saves nothing. The use cases live in :mod:`planner.services.placement`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from planner import database
from planner.core.placement.whatif import CONSTRAINTS
from planner.jobs import hand_over
from planner.services import placement as service

from .auth import current_caller
from .blueprint import Blueprint

blp = Blueprint(
    "placement",
    __name__,
    url_prefix="/api/v1/plans",
    description="Placement proposals of a plan, accepting them (all or some moves), and what-if moves.",
)

_PROBLEM = "application/problem+json"
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "the ETag of the inventory the acceptance is based on; a stale one gets 412",
}


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class ProposalRequestSchema(_Strict):
    time_limit = fields.Float(
        load_default=None,
        allow_nan=False,
        validate=validate.Range(min=0, max=service.MAX_TIME_LIMIT),
        metadata={
            "description": "the exact solver's budget in CP-SAT deterministic seconds (the same answer on any "
            "machine); default 10; 0: the heuristic alone"
        },
    )


class AcceptSchema(_Strict):
    vms = fields.List(
        fields.String(validate=validate.Length(min=1, max=service.MAX_ID)),
        validate=validate.Length(min=1),
        load_default=None,
        metadata={"description": "the VMs whose change to apply (default: every change of the proposal)"},
    )


class WhatIfQuerySchema(_Strict):
    vm = fields.String(required=True, validate=validate.Length(min=1, max=service.MAX_ID))
    host = fields.String(required=True, validate=validate.Length(min=1, max=service.MAX_ID))


class ChangeSchema(Schema):
    class Meta:
        ordered = True

    vm = fields.String()
    from_host = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String(allow_none=True, metadata={"description": "null: the advice leaves the VM without a host"})


class ProposalSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    plan = fields.Integer()
    state = fields.String(metadata={"enum": ["queued", "running", "succeeded", "failed"]})
    error = fields.String(allow_none=True, metadata={"description": "why it failed"})
    inventory_version = fields.Integer(metadata={"description": "the inventory version the advice is for"})
    current = fields.Boolean(metadata={"description": "whether the inventory is still at that version"})
    time_limit = fields.Float(metadata={"description": "the exact solver's budget (CP-SAT deterministic seconds)"})
    requested_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    changes = fields.List(
        fields.Nested(ChangeSchema),
        allow_none=True,
        metadata={"description": "every VM whose host the advice changes (moves, VMs placed, VMs left without one)"},
    )
    advice = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the advice (analysis-v1 placement): moves with reasons, unplaced, conflicts, "
            "pinned_violations, hosts_by_zone, domains, findings_before/after and the findings removed, added "
            "and changed, counted with the plan's answers"
        },
    )
    accepted_at = fields.DateTime(allow_none=True)
    accepted_by = fields.String(allow_none=True)
    accepted_vms = fields.List(fields.String(), allow_none=True)
    accepted_version = fields.Integer(allow_none=True, metadata={"description": "the inventory version it wrote"})
    analysis_run = fields.Integer(allow_none=True, metadata={"description": "the analysis run made after accepting"})


class AcceptedSchema(Schema):
    class Meta:
        ordered = True

    proposal = fields.Nested(ProposalSchema)
    applied = fields.List(fields.Nested(ChangeSchema))
    inventory_version = fields.Integer()
    analysis_run = fields.Dict(metadata={"description": "the new analysis run: id, summary and changes"})


class ViolationSchema(Schema):
    vm = fields.String()
    host = fields.String()
    constraint = fields.String(metadata={"enum": list(CONSTRAINTS)})
    message = fields.String()


class WhatIfSchema(Schema):
    class Meta:
        ordered = True

    plan = fields.Integer()
    inventory_version = fields.Integer()
    vm = fields.String()
    from_host = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String()
    allowed = fields.Boolean(metadata={"description": "true when the move breaks no hard constraint"})
    violations = fields.List(fields.Nested(ViolationSchema))
    findings_before = fields.Dict()
    findings_after = fields.Dict()
    findings_removed = fields.List(fields.Dict(), metadata={"description": "by rule and objects"})
    findings_added = fields.List(fields.Dict())
    findings_changed = fields.List(fields.Dict(), metadata={"description": "same rule and objects, another risk"})


def proposal_url(row: Any) -> str:
    return f"/api/v1/plans/{row.plan_id}/placement/{row.id}"


def proposal_body(row: Any) -> dict[str, Any]:
    finished = row.state == "succeeded"
    return {
        "id": row.id,
        "plan": row.plan_id,
        "state": row.state,
        "error": row.error,
        "inventory_version": row.inventory_version,
        "current": service.is_current(database.session(), row),
        "time_limit": row.time_limit,
        "requested_by": row.requested_by,
        "created_at": row.requested_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "changes": row.changes if finished else None,
        "advice": row.advice if finished else None,
        "accepted_at": row.accepted_at,
        "accepted_by": row.accepted_by,
        "accepted_vms": row.accepted_vms,
        "accepted_version": row.accepted_version,
        "analysis_run": row.analysis_run_id,
    }


@blp.route("/<int:plan_id>/placement")
class Placement(MethodView):
    @blp.response(200, ProposalSchema)
    def get(self, plan_id: int) -> Any:
        """The plan's latest placement proposal (404 before the first)."""
        return proposal_body(service.latest_proposal(database.session(), current_caller(), plan_id))

    @blp.arguments(ProposalRequestSchema)
    @blp.response(201, ProposalSchema)
    @blp.alt_response(202, schema=ProposalSchema, description="a large plan: the proposal is made in the background")
    @blp.alt_response(
        429,
        description="a large plan: the organization has as many placement jobs queued or running as it may; "
        "nothing stored",
        content_type=_PROBLEM,
    )
    @blp.alt_response(
        503, description="the job queue is full or cannot be reached; nothing stored", content_type=_PROBLEM
    )
    def post(self, body: dict[str, Any], plan_id: int) -> Any:
        """Ask for a placement proposal for the plan's current inventory (201 when made at once, 202 to poll)."""
        db = database.session()
        settings = current_app.config["VIRTPLAN_SETTINGS"]
        bounds = current_app.extensions["virtplan.runner"].bounds("placement")
        row, queued = service.request_proposal(
            db, current_caller(), plan_id, body.get("time_limit"), settings.placement_sync_vms, bounds
        )
        if not queued:
            db.commit()
            return proposal_body(row), 201, {"Location": proposal_url(row)}
        hand_over(db, current_app.extensions["virtplan.jobs"], "placement", row)
        return proposal_body(row), 202, {"Location": proposal_url(row)}


@blp.route("/<int:plan_id>/placement/<int:proposal_id>")
class ProposalById(MethodView):
    @blp.response(200, ProposalSchema)
    def get(self, plan_id: int, proposal_id: int) -> Any:
        """One placement proposal: its state and, once succeeded, its changes and advice."""
        return proposal_body(service.get_proposal(database.session(), current_caller(), plan_id, proposal_id))


@blp.route("/<int:plan_id>/placement/<int:proposal_id>/accept")
class Accept(MethodView):
    @blp.doc(parameters=[_IF_MATCH])
    @blp.arguments(AcceptSchema)
    @blp.response(200, AcceptedSchema)
    @blp.alt_response(
        409,
        description="the proposal was made for another inventory version, is not finished, or was accepted already",
        content_type=_PROBLEM,
    )
    def post(self, body: dict[str, Any], plan_id: int, proposal_id: int) -> Any:
        """Apply the proposal's changes (all, or those of `vms`) to the inventory and analyse the plan again.

        One transaction: the inventory write, the analysis run and the proposal marked accepted, or
        nothing. A choice of moves that breaks a hard constraint the whole proposal keeps is refused
        (422), naming the moves it depends on."""
        db = database.session()
        done = service.accept_proposal(
            db, current_caller(), plan_id, proposal_id, body.get("vms"), request.headers.get("If-Match")
        )
        db.commit()
        run = done.run
        answer = {
            "proposal": proposal_body(done.proposal),
            "applied": done.applied,
            "inventory_version": done.proposal.accepted_version,
            "analysis_run": {"id": run.id, "summary": run.summary, "changes": done.finding_changes},
        }
        return answer, 200, {"ETag": done.etag}


@blp.route("/<int:plan_id>/placement/what-if")
class WhatIf(MethodView):
    @blp.arguments(WhatIfQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, WhatIfSchema)
    def get(self, args: dict[str, Any], plan_id: int) -> Any:
        """What moving one VM to a chosen host would change: findings removed, added or changed (by rule
        and objects, counted with the plan's answers) and the hard constraints it breaks. Saves nothing."""
        return service.what_if_move(database.session(), current_caller(), plan_id, args["vm"], args["host"])
