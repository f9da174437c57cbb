"""A plan's hardening: the evidence attached (a vendor baseline, STIG checklists),
each host's status against it, attaching a file and detaching one."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from planner import database
from planner.evidence import FORMATS
from planner.services import assessment as assessment_service
from planner.services import evidence as evidence_service
from planner.services import plans as plan_service
from planner.services.errors import Invalid

from .guards import login_required, require_write

bp = Blueprint("hardening", __name__)

#: The tab of the plan pages this module serves (see planner.web.plan_tabs).
PLAN_TAB = ("Hardening", "web.hardening.page")


def _page(plan_id: int, problems: list | None = None, status: int = 200):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    hardening = assessment_service.plan_assessment(db, g.caller, plan_id).assessment.hardening
    return (
        render_template(
            "hardening/page.html",
            plan=plan,
            evidence=[evidence_service.evidence_dict(r) for r in evidence_service.list_evidence(db, g.caller, plan_id)],
            hardening=hardening.to_dict() if hardening is not None else None,
            formats=list(FORMATS),
            problems=problems or [],
            can_write=g.caller.can("write"),
        ),
        status,
    )


@bp.route("/plans/<int:plan_id>/hardening")
@login_required
def page(plan_id: int):
    return _page(plan_id)


@bp.route("/plans/<int:plan_id>/evidence", methods=["POST"])
@login_required
def attach(plan_id: int):
    require_write()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(plan_id, [{"path": "file", "message": "choose a file to attach"}], 422)
    db = database.session()
    try:
        evidence_service.attach_evidence(
            db, g.caller, plan_id, upload.filename, upload.read(), request.form.get("format") or None
        )
    except Invalid as exc:
        db.rollback()
        return _page(plan_id, [{"path": "file", "message": exc.message}, *exc.problems], 422)
    db.commit()
    return redirect(url_for("web.hardening.page", plan_id=plan_id))


@bp.route("/plans/<int:plan_id>/evidence/<int:evidence_id>/detach", methods=["POST"])
@login_required
def detach(plan_id: int, evidence_id: int):
    require_write()
    db = database.session()
    evidence_service.delete_evidence(db, g.caller, plan_id, evidence_id)
    db.commit()
    return redirect(url_for("web.hardening.page", plan_id=plan_id))
