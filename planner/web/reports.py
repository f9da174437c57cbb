"""A plan's reports: requesting one (a background job) and downloading it."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, request, url_for

from planner import database
from planner.api.reports import download_response, start_report
from planner.services import report_jobs as report_service
from planner.services.errors import Conflict, Invalid

from .guards import login_required, require_write

bp = Blueprint("reports", __name__)


@bp.route("/plans/<int:plan_id>/reports", methods=["POST"])
@login_required
def request_report(plan_id: int):
    require_write()
    try:
        start_report(plan_id, request.form.get("format"), None)
    except Invalid as exc:
        abort(422, "; ".join(p["message"] for p in exc.problems) or exc.message)
    return redirect(url_for("web.plans.overview", plan_id=plan_id) + "#reports")


@bp.route("/plans/<int:plan_id>/reports/<int:report_id>/download")
@login_required
def download_report(plan_id: int, report_id: int):
    try:
        row, content = report_service.report_content(database.session(), g.caller, plan_id, report_id)
    except Conflict:
        abort(409, "the report is not ready yet")
    return download_response(row, content)
