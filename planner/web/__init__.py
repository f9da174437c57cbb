"""The web pages: sign-in and the account (signin.py), the organization's
plans, a plan's overview, the API's documentation page.

Every page but sign-in needs a signed-in user, and shows only that user's
organization. Jinja autoescapes everything; forms carry a CSRF token
(templates/forms.html); no page has an inline script or style, so the
Content-Security-Policy allows only this site's own files.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, url_for

from planner import database
from planner.api import DOCS_ASSETS
from planner.api.reports import download_response, start_report
from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.assessment import UNDECIDED
from planner.core.questionnaire import default_questionnaire, progress
from planner.services import analysis as analysis_service
from planner.services import assessment as assessment_service
from planner.services import plans as plan_service
from planner.services import report_jobs as report_service
from planner.services.errors import Invalid, NotFound
from reports import FORMATS

from . import guards, signin
from .errors import error_page
from .guards import login_required

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

__all__ = ["bp", "error_page", "init_app"]


@bp.route("/")
@login_required
def plans():
    items, total = plan_service.list_plans(database.session(), g.caller, 0, 500)
    return render_template("plans.html", plans=items, total=total)


@bp.route("/api/v1/docs")
@login_required
def api_docs():
    """Swagger UI over the OpenAPI document, for a signed-in user (the page fetches the document with its cookie)."""
    return render_template("api_docs.html", spec_url=url_for("api-docs.openapi_json"), assets=DOCS_ASSETS)


FINDINGS_ON_PAGE = 200


@bp.route("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    db = database.session()
    try:
        item = plan_service.get_plan(db, g.caller, plan_id)
    except NotFound:
        abort(404)
    counts = plan_service.plan_counts(db, item)
    # Every figure on the page comes from the plan's one assessment (the stored run).
    found = assessment_service.plan_assessment(db, g.caller, plan_id)
    a = found.assessment
    report_rows, _n = report_service.list_reports(db, g.caller, plan_id, 0, 20)
    return render_template(
        "plan.html",
        plan=item,
        counts=counts,
        etag=plan_service.etag(item),
        progress=progress(a.questionnaire or default_questionnaire(), a.answers, a.estate).to_dict(),
        found=found,
        findings=a.findings[:FINDINGS_ON_PAGE],
        by_risk=a.by_risk,
        undecided=a.by_risk_in(UNDECIDED),
        statuses=TRIAGE_STATUSES,
        placement=a.placement,
        reports=report_rows,
        formats=list(FORMATS),
        can_write=g.caller.can("write"),
    )


@bp.route("/plans/<int:plan_id>/analysis", methods=["POST"])
@login_required
def analyse(plan_id: int):
    _require_write()
    db = database.session()
    _or_404(analysis_service.run_analysis, db, g.caller, plan_id)
    db.commit()
    return redirect(url_for("web.plan", plan_id=plan_id) + "#findings")


@bp.route("/plans/<int:plan_id>/findings/<int:finding_id>/triage", methods=["POST"])
@login_required
def triage(plan_id: int, finding_id: int):
    _require_write()
    db = database.session()
    try:
        analysis_service.set_status(
            db, g.caller, plan_id, finding_id, request.form.get("status"), request.form.get("justification")
        )
    except NotFound:
        abort(404)
    except Invalid as exc:
        abort(422, "; ".join(f"{p['path']}: {p['message']}" for p in exc.problems) or exc.message)
    db.commit()
    return redirect(url_for("web.plan", plan_id=plan_id) + f"#finding-{finding_id}")


@bp.route("/plans/<int:plan_id>/reports", methods=["POST"])
@login_required
def request_report(plan_id: int):
    _require_write()
    try:
        start_report(plan_id, request.form.get("format"), None)
    except NotFound:
        abort(404)
    except Invalid as exc:
        abort(422, "; ".join(p["message"] for p in exc.problems) or exc.message)
    return redirect(url_for("web.plan", plan_id=plan_id) + "#reports")


@bp.route("/plans/<int:plan_id>/reports/<int:report_id>/download")
@login_required
def download_report(plan_id: int, report_id: int):
    from planner.services.errors import Conflict

    try:
        row, content = report_service.report_content(database.session(), g.caller, plan_id, report_id)
    except NotFound:
        abort(404)
    except Conflict:
        abort(409, "the report is not ready yet")
    return download_response(row, content)


def _require_write() -> None:
    if not g.caller.can("write"):
        abort(403, "your role may read this plan but not change it")


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound:
        abort(404)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(signin.bp)
    app.before_request(guards.identify)
    app.before_request(guards.check_csrf)
    app.jinja_env.globals["csrf_token"] = guards.csrf_token
