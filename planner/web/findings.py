"""A plan's findings: analysing the plan (a stored run) and triaging a finding."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, request, url_for

from planner import database
from planner.services import analysis as analysis_service
from planner.services.errors import Invalid

from .guards import login_required, require_write

bp = Blueprint("findings", __name__)


@bp.route("/plans/<int:plan_id>/analysis", methods=["POST"])
@login_required
def analyse(plan_id: int):
    require_write()
    db = database.session()
    analysis_service.run_analysis(db, g.caller, plan_id)
    db.commit()
    return redirect(url_for("web.plans.overview", plan_id=plan_id) + "#findings")


@bp.route("/plans/<int:plan_id>/findings/<int:finding_id>/triage", methods=["POST"])
@login_required
def triage(plan_id: int, finding_id: int):
    require_write()
    db = database.session()
    try:
        analysis_service.set_status(
            db, g.caller, plan_id, finding_id, request.form.get("status"), request.form.get("justification")
        )
    except Invalid as exc:
        abort(422, "; ".join(f"{p['path']}: {p['message']}" for p in exc.problems) or exc.message)
    db.commit()
    return redirect(url_for("web.plans.overview", plan_id=plan_id) + f"#finding-{finding_id}")
