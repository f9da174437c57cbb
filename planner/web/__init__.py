"""The web pages: sign-in, the organization's plans, a plan's overview.

Every page but sign-in needs a signed-in user, and shows only that user's
organization. Jinja autoescapes everything; forms carry a CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for

from planner import database
from planner.api.reports import download_response, start_report
from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.assessment import UNDECIDED
from planner.core.questionnaire import default_questionnaire, progress
from planner.services import analysis as analysis_service
from planner.services import assessment as assessment_service
from planner.services import plans as plan_service
from planner.services import report_jobs as report_service
from planner.services.accounts import authenticate_user, caller_for_user
from planner.services.errors import Invalid, NotFound
from reports import FORMATS

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.before_app_request
def _check_csrf():
    if request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent, session.get("csrf", "")) or not sent:
        abort(400, "the form expired or came from elsewhere; reload the page and try again")
    return None


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        caller = None
        if "user_id" in session:
            caller = caller_for_user(database.session(), session["user_id"], session["organization_id"])
        if caller is None:
            session.clear()
            return redirect(url_for("web.login", next=request.path))
        g.caller = caller
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        user = authenticate_user(database.session(), request.form.get("username", ""), request.form.get("password", ""))
        if user is None or not user.memberships:
            error = "Unknown username or wrong password."
        else:
            membership = user.memberships[0]
            session.clear()
            session["user_id"] = user.id
            session["organization_id"] = membership.organization_id
            target = request.args.get("next", "")
            # Only local paths: never an open redirect.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("web.plans")
            return redirect(target)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("web.login"))


@bp.route("/")
@login_required
def plans():
    items, total = plan_service.list_plans(database.session(), g.caller, 0, 500)
    return render_template("plans.html", plans=items, total=total)


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
    app.jinja_env.globals["csrf_token"] = _csrf_token
