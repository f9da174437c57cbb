"""``/api/v1/plans/{id}/analysis`` and ``/findings``: run the analysis, read
its findings, triage them.

A finding's JSON is the analysis-v1 finding (``shared/spec/analysis-v1.md``)
plus what storage adds: its id, its triage (status, justification, who,
when), whether it is resolved, and when it was first and last seen. The use
cases live in :mod:`planner.services.analysis`; this module only parses,
documents and answers.
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate
from webargs.fields import DelimitedList

from models import TRIAGE_STATUSES
from planner import database
from planner.core.analysis import LEVELS
from planner.core.analysis.findings import OBJECT_KINDS
from planner.core.text import Text, valid_text
from planner.jobs import hand_over
from planner.services import analysis as service
from planner.services import analysis_jobs
from planner.services.errors import Invalid

from .auth import current_caller
from .blueprint import Blueprint

blp = Blueprint(
    "findings",
    __name__,
    url_prefix="/api/v1/plans",
    description="Analysis runs of a plan, its findings and their triage.",
)

RESOLVED_CHOICES = ("false", "true", "all")
PAGINATION_ARGS = ("page", "page_size")


# --- bodies and responses -----------------------------------------------------


class ObjectRefSchema(Schema):
    kind = fields.String(metadata={"enum": list(OBJECT_KINDS)})
    id = fields.String()


def _level(description: str) -> fields.String:
    return fields.String(metadata={"enum": list(LEVELS), "description": description})


class FindingSchema(Schema):
    """The analysis-v1 finding plus its id, triage and lifecycle."""

    id = fields.Integer()
    rule = fields.String()
    title = fields.String()
    objects = fields.List(fields.Nested(ObjectRefSchema), metadata={"description": "the inventory objects at fault"})
    likelihood = _level("SP 800-30 likelihood")
    impact = _level("SP 800-30 impact (FIPS 199 high-water mark of the VMs at risk)")
    risk = _level("SP 800-30 Table I-2 risk of likelihood and impact")
    factors = fields.List(fields.String(), metadata={"description": "each adjustment that moved a level"})
    evidence = fields.Dict(metadata={"description": "the facts that triggered the rule"})
    references = fields.List(fields.String())
    remediation = fields.String()
    fingerprint = fields.String(metadata={"description": "stable while the situation is unchanged"})
    status = fields.String(metadata={"enum": list(TRIAGE_STATUSES)})
    justification = fields.String(allow_none=True)
    status_by = fields.String(allow_none=True, metadata={"description": "who set the status"})
    status_at = fields.DateTime(allow_none=True, metadata={"description": "when the status was set"})
    resolved = fields.Boolean(metadata={"description": "true once the finding no longer fires"})
    first_seen_at = fields.DateTime()
    last_seen_at = fields.DateTime(metadata={"description": "the last analysis in which it fired"})


class FindingEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    by = fields.String(allow_none=True)
    event = fields.String(metadata={"enum": ["created", "status", "resolved", "reopened"]})
    from_status = fields.String(
        data_key="from", allow_none=True, metadata={"description": "status before (status events)"}
    )
    to_status = fields.String(
        data_key="to", allow_none=True, metadata={"description": "status after (status and created events)"}
    )
    justification = fields.String(allow_none=True)
    run_id = fields.Integer(allow_none=True, metadata={"description": "the analysis run behind the event"})


class FindingDetailSchema(FindingSchema):
    history = fields.List(
        fields.Nested(FindingEventSchema),
        attribute="events",
        metadata={"description": "every event of the finding, oldest first"},
    )


class TriageSchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(required=True, validate=validate.OneOf(TRIAGE_STATUSES))
    justification = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=service.MAX_JUSTIFICATION), Text(multiline=True)],
        metadata={"description": "required (non-empty) for any status but open"},
    )


class AnalysisChangesSchema(Schema):
    new = fields.Integer()
    still = fields.Integer(metadata={"description": "fired before and still fires"})
    reopened = fields.Integer(metadata={"description": "was resolved and fires again"})
    resolved = fields.Integer(metadata={"description": "fired before and no longer does"})


class AnalysisRunSchema(Schema):
    id = fields.Integer()
    plan_id = fields.Integer()
    inventory_version = fields.Integer()
    questionnaire_version = fields.String(allow_none=True)
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    requested_by = fields.String(allow_none=True)
    answers_version = fields.String(allow_none=True, metadata={"description": "the ETag of the answers assessed"})
    summary = fields.Dict(metadata={"description": "findings, by_risk, by_zone, by_host, by_rule, changes"})
    changes = fields.Nested(AnalysisChangesSchema)
    placement = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the placement advice made with this run: moves, unplaced, conflicts, "
            "pinned_violations, placed (count), findings_before and findings_after counted like summary"
        },
    )


class AnalysisJobSchema(Schema):
    id = fields.Integer()
    plan = fields.Integer()
    state = fields.String(metadata={"description": "queued, running, succeeded or failed"})
    error = fields.String(allow_none=True, metadata={"description": "why it failed"})
    attempts = fields.Integer(metadata={"description": "times a worker started it (another runs it when one stops)"})
    inventory_version = fields.Integer(metadata={"description": "the inventory version when it was asked for"})
    requested_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    run = fields.Integer(allow_none=True, metadata={"description": "the analysis run it made (GET /analysis)"})
    changes = fields.Nested(AnalysisChangesSchema, allow_none=True)


# --- query arguments ----------------------------------------------------------


def _choices(name: str, allowed: tuple[str, ...]):
    def check(values: list[str]) -> None:
        if not values:
            raise ValidationError(f"expected one or more of {', '.join(allowed)}")
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValidationError(f"unknown {name} {bad[0]!r}: expected one of {', '.join(allowed)}")

    return check


def _object(value: str) -> None:
    try:
        service.parse_object(value)
    except Invalid as exc:
        raise ValidationError(exc.problems[0]["message"]) from None


def _rules(values: list[str]) -> None:
    if not values or any(not v or len(v) > 80 or not valid_text(v) for v in values):
        raise ValidationError("expected rule ids of 1 to 80 characters")


def _ids(values: list[str]) -> None:
    if not values or any(not v or len(v) > 200 or not valid_text(v) for v in values):
        raise ValidationError("expected ids of 1 to 200 characters, comma-separated")


class FindingQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the pagination arguments are parsed on their own; others are refused below

    risk = DelimitedList(
        fields.String(),
        validate=_choices("risk", LEVELS),
        metadata={"description": "risk levels, comma-separated (any matches)"},
    )
    rule = DelimitedList(fields.String(), validate=_rules, metadata={"description": "rule ids, comma-separated"})
    status = DelimitedList(
        fields.String(),
        validate=_choices("status", TRIAGE_STATUSES),
        metadata={"description": "triage statuses, comma-separated"},
    )
    object = fields.String(validate=_object, metadata={"description": "an inventory object, kind:id (host:esx-01)"})
    zone = DelimitedList(
        fields.String(),
        validate=_ids,
        metadata={"description": "zone ids, comma-separated: findings touching any (as the summary's by_zone counts)"},
    )
    host = DelimitedList(
        fields.String(),
        validate=_ids,
        metadata={"description": "host ids, comma-separated: findings touching any (as the summary's by_host counts)"},
    )
    text = fields.String(
        validate=[validate.Length(max=service.MAX_TEXT), Text()],
        metadata={"description": "words in the title, rule, justification or an object's id (any case)"},
    )
    sort = fields.String(
        load_default="risk",
        validate=validate.OneOf(service.SORTS),
        metadata={"description": "risk (worst first, the default), -risk, rule, status, title or newest"},
    )
    resolved = fields.String(
        load_default="false",
        validate=validate.OneOf(RESOLVED_CHOICES),
        metadata={"description": "false (default): findings that fire now; true: resolved ones; all: both"},
    )

    @pre_load
    def refuse_unknown(self, data, **_kwargs):
        unknown = sorted(set(data.keys()) - set(self.fields) - set(PAGINATION_ARGS))
        if unknown:
            raise ValidationError({k: ["unknown query argument"] for k in unknown})
        return data


# --- routes -------------------------------------------------------------------


def run_body(run, changes: dict | None = None) -> dict:
    body = {c: getattr(run, c) for c in AnalysisRunSchema._declared_fields if c != "changes"}
    body["changes"] = changes if changes is not None else (run.summary or {}).get("changes")
    return body


@blp.route("/<int:plan_id>/analysis")
class Analysis(MethodView):
    @blp.response(200, AnalysisRunSchema)
    def get(self, plan_id):
        """The plan's latest analysis run (404 before the first)."""
        return run_body(service.latest_run(database.session(), current_caller(), plan_id))

    @blp.response(201, AnalysisRunSchema)
    @blp.alt_response(
        202,
        schema=AnalysisJobSchema,
        description="a plan of more than VIRTPLAN_ANALYSIS_SYNC_VMS VMs: analysed by a background job, to poll "
        "at Location",
    )
    @blp.alt_response(
        429,
        description="the organization has as many analysis jobs queued or running as it may; nothing stored",
        content_type="application/problem+json",
    )
    @blp.alt_response(
        503,
        description="the job queue is full or cannot be reached; nothing stored",
        content_type="application/problem+json",
    )
    def post(self, plan_id):
        """Analyse the stored inventory and answers, and sync the findings.

        New findings are added (open), those still firing keep their triage,
        those that stopped firing are marked resolved, and resolved ones that
        fire again are reopened with the triage they had. A large plan is
        analysed by a background job (202): poll it, then read the run here."""
        db = database.session()
        settings = current_app.config["VIRTPLAN_SETTINGS"]
        bounds = current_app.extensions["virtplan.runner"].bounds("analysis")
        done = analysis_jobs.analyse(db, current_caller(), plan_id, settings.analysis_sync_vms, bounds)
        if isinstance(done, tuple):
            db.commit()
            return run_body(*done)
        hand_over(db, current_app.extensions["virtplan.jobs"], "analysis", done)
        # Another schema than the 201's: a response of its own (flask-smorest passes it through).
        accepted = jsonify(AnalysisJobSchema().dump(analysis_job_body(done)))
        accepted.status_code, accepted.headers["Location"] = 202, analysis_job_url(done)
        return accepted


@blp.route("/<int:plan_id>/analysis/jobs/<int:job_id>")
class AnalysisJobs(MethodView):
    @blp.response(200, AnalysisJobSchema)
    def get(self, plan_id, job_id):
        """A background analysis job: queued, running, succeeded (with its run) or failed (with why)."""
        return analysis_job_body(analysis_jobs.get_analysis_job(database.session(), current_caller(), plan_id, job_id))


def analysis_job_url(job) -> str:
    return f"/api/v1/plans/{job.plan_id}/analysis/jobs/{job.id}"


def analysis_job_body(job) -> dict:
    return {
        "id": job.id,
        "plan": job.plan_id,
        "state": job.state,
        "error": job.error,
        "attempts": job.attempts,
        "inventory_version": job.inventory_version,
        "requested_by": job.requested_by,
        "created_at": job.requested_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "run": job.run_id,
        "changes": job.changes,
    }


@blp.route("/<int:plan_id>/findings")
class Findings(MethodView):
    @blp.arguments(FindingQuerySchema, location="query")
    @blp.response(200, FindingSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, args, plan_id, pagination_parameters):
        """The plan's findings matching every filter, highest risk first unless sorted otherwise
        (paginated: ?page=1&page_size=50; totals in X-Pagination)."""
        p = pagination_parameters
        resolved = {"false": False, "true": True, "all": None}[args["resolved"]]
        findings, total = service.list_findings(
            database.session(),
            current_caller(),
            plan_id,
            risk=args.get("risk"),
            rule=args.get("rule"),
            status=args.get("status"),
            object=args.get("object"),
            resolved=resolved,
            offset=(p.page - 1) * p.page_size,
            limit=p.page_size,
            zone=args.get("zone"),
            host=args.get("host"),
            text=args.get("text"),
            sort=args["sort"],
        )
        p.item_count = total
        return findings


@blp.route("/<int:plan_id>/findings/<int:finding_id>")
class FindingById(MethodView):
    @blp.response(200, FindingDetailSchema)
    def get(self, plan_id, finding_id):
        """One finding with its history (created, status changes, resolved, reopened)."""
        return service.get_finding(database.session(), current_caller(), plan_id, finding_id)

    @blp.arguments(TriageSchema)
    @blp.response(200, FindingDetailSchema)
    def patch(self, body, plan_id, finding_id):
        """Triage a finding: any status but open needs a justification. Survives re-analysis."""
        db = database.session()
        finding = service.set_status(
            db, current_caller(), plan_id, finding_id, body["status"], body.get("justification")
        )
        db.commit()
        return finding
