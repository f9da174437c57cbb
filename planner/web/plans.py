"""The organization's plans: the list (the site's home page) and a plan's overview."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template

from planner import database
from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.assessment import UNDECIDED
from planner.core.questionnaire import default_questionnaire, progress
from planner.services import assessment as assessment_service
from planner.services import plans as plan_service
from planner.services import report_jobs as report_service
from reports import FORMATS, PlanReport
from reports.contents import Entry, build, register_refs
from reports.diagram import LEGEND, alt_text

from .guards import login_required

bp = Blueprint("plans", __name__)

#: The tab of the plan pages this module serves (see planner.web.plan_tabs).
PLAN_TAB = ("Overview", "web.plans.overview")
FINDINGS_ON_PAGE = 200


@bp.route("/")
@login_required
def index():
    items, total = plan_service.list_plans(database.session(), g.caller, 0, 500)
    return render_template("plans/list.html", plans=items, total=total)


@bp.route("/plans/<int:plan_id>")
@login_required
def overview(plan_id: int):
    db = database.session()
    item = plan_service.get_plan(db, g.caller, plan_id)
    counts = plan_service.plan_counts(db, item)
    # Every figure on the page comes from the plan's one assessment (the stored run).
    found = assessment_service.plan_assessment(db, g.caller, plan_id)
    a = found.assessment
    report_rows, _n = report_service.list_reports(db, g.caller, plan_id, 0, 20)
    refs = register_refs(len(a.findings))
    marked = [Entry(ref, f, a.triage_of(f.fingerprint)) for ref, f in zip(refs, a.findings, strict=True)]
    return render_template(
        "plans/overview.html",
        plan=item,
        counts=counts,
        etag=plan_service.etag(item),
        progress=progress(a.questionnaire or default_questionnaire(), a.answers, a.estate).to_dict(),
        found=found,
        findings=a.findings[:FINDINGS_ON_PAGE],
        refs=refs,
        diagram_alt=alt_text(a.estate, marked),
        diagram_legend=LEGEND,
        by_risk=a.by_risk,
        undecided=a.by_risk_in(UNDECIDED),
        statuses=TRIAGE_STATUSES,
        placement=a.placement,
        reports=report_rows,
        formats=list(FORMATS),
        can_write=g.caller.can("write"),
    )


@bp.route("/plans/<int:plan_id>/diagram.svg")
@login_required
def diagram(plan_id: int):
    """The architecture diagram of the plan's assessment: the SVG its security plan prints."""
    found = assessment_service.plan_assessment(database.session(), g.caller, plan_id)
    contents = build(PlanReport(found.name, found.organization, found.assessment))
    return Response(
        contents.diagram.svg,
        mimetype="image/svg+xml",
        headers={"Cache-Control": "private, no-cache", "Content-Security-Policy": "default-src 'none'"},
    )
