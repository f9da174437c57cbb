"""The organization's plans: the list (the site's home page) with where each
stands, creating one (blank or a copy), renaming, archiving and restoring,
deleting after confirmation, and a plan's overview with what to do next."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from planner import database
from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.assessment import UNDECIDED
from planner.services import assessment as assessment_service
from planner.services import overview as overview_service
from planner.services import plans as plan_service
from planner.services import report_jobs as report_service
from planner.services.errors import Invalid
from reports import FORMATS, PlanReport
from reports.contents import Entry, build, register_refs
from reports.diagram import LEGEND, alt_text

from .forms import Form, options
from .guards import login_required, require_write

bp = Blueprint("plans", __name__)

#: The tab of the plan pages this module serves (see planner.web.plan_tabs).
PLAN_TAB = ("Overview", "web.plans.overview")
FINDINGS_ON_PAGE = 200


class PlanFields(Form):
    name = StringField("Name", validators=[DataRequired("Give the plan a name."), Length(max=plan_service.MAX_NAME)])
    description = TextAreaField(
        "Description",
        description="What the deployment is and what the plan is for (optional).",
        validators=[Optional(), Length(max=plan_service.MAX_DESCRIPTION)],
    )


class NewPlanForm(PlanFields):
    start = RadioField(
        "Start from",
        choices=options(
            [("blank", "A blank plan"), ("copy", "A copy of an existing plan (its inventory and answers)")]
        ),
        default="blank",
    )
    source = SelectField("Plan to copy", coerce=int, validators=[Optional()], validate_choice=False)


class DeleteForm(Form):
    confirm = StringField("Type the plan's name to confirm", validators=[DataRequired("Type the plan's name.")])


@bp.route("/")
@login_required
def index():
    archived = request.args.get("archived") == "1"
    db = database.session()
    statuses = overview_service.plan_statuses(db, g.caller, archived=archived)
    _none, total = plan_service.list_plans(db, g.caller, 0, 0)
    return render_template("plans/list.html", statuses=statuses, archived=archived, others=total - len(statuses))


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def new():
    require_write()
    db = database.session()
    form = NewPlanForm()
    others = overview_service.plan_statuses(db, g.caller) + overview_service.plan_statuses(db, g.caller, True)
    form.source.choices = options([(0, "Choose a plan…")] + [(s.plan.id, s.plan.name) for s in others])
    if request.method == "GET" and request.args.get("copy", "").isdigit():
        form.start.data, form.source.data = "copy", int(request.args["copy"])
    if form.validate_on_submit():
        if form.start.data == "copy" and not form.source.data:
            form.source.errors = ["Choose the plan to copy."]
        else:
            try:
                if form.start.data == "copy":
                    plan = plan_service.copy_plan(db, g.caller, form.source.data, form.name.data, form.description.data)
                else:
                    plan = plan_service.create_plan(db, g.caller, form.name.data, form.description.data or None)
            except Invalid as exc:
                form.adopt(exc.problems)
            else:
                db.commit()
                flash(f"Plan {plan.name!r} created.")
                return redirect(url_for("web.plans.overview", plan_id=plan.id))
    return render_template("plans/new.html", form=form), (422 if form.problem_count else 200)


@bp.route("/plans/<int:plan_id>/settings", methods=["GET", "POST"])
@login_required
def settings(plan_id: int):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    require_write()
    form = PlanFields(obj=plan)
    if form.validate_on_submit():
        try:
            plan_service.rename_plan(db, g.caller, plan_id, form.name.data, form.description.data or "")
        except Invalid as exc:
            form.adopt(exc.problems)
        else:
            db.commit()
            flash("Plan saved.")
            return redirect(url_for("web.plans.overview", plan_id=plan_id))
    return render_template("plans/settings.html", plan=plan, form=form), (422 if form.problem_count else 200)


@bp.route("/plans/<int:plan_id>/archive", methods=["POST"])
@login_required
def archive(plan_id: int):
    return _set_archived(plan_id, True)


@bp.route("/plans/<int:plan_id>/restore", methods=["POST"])
@login_required
def restore(plan_id: int):
    return _set_archived(plan_id, False)


def _set_archived(plan_id: int, archived: bool):
    db = database.session()
    plan_service.get_plan(db, g.caller, plan_id)  # another organization's plan: 404 before 403
    require_write()
    plan = plan_service.set_archived(db, g.caller, plan_id, archived)
    db.commit()
    flash(f"Plan {plan.name!r} {'archived' if archived else 'restored'}.")
    return redirect(url_for("web.plans.overview", plan_id=plan_id))


@bp.route("/plans/<int:plan_id>/delete", methods=["GET", "POST"])
@login_required
def delete(plan_id: int):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    require_write()
    form = DeleteForm()
    form.confirm.description = f"It is: {plan.name}"
    if form.validate_on_submit():
        if form.confirm.data.strip() != plan.name:
            form.confirm.errors = ["That is not the plan's name; nothing was deleted."]
        else:
            name = plan.name
            plan_service.delete_plan(db, g.caller, plan_id)
            db.commit()
            flash(f"Plan {name!r} deleted, with its inventory, answers, findings and reports.")
            return redirect(url_for("web.plans.index"))
    status = overview_service.plan_status(db, g.caller, plan_id)
    return render_template("plans/delete.html", plan=plan, status=status, form=form), (
        422 if form.problem_count else 200
    )


@bp.route("/plans/<int:plan_id>")
@login_required
def overview(plan_id: int):
    db = database.session()
    item = plan_service.get_plan(db, g.caller, plan_id)
    status = overview_service.plan_status(db, g.caller, plan_id)
    counts = plan_service.plan_counts(db, item)
    header = plan_service.plan_inventory_header(db, item)
    # Every figure on the page comes from the plan's one assessment (the stored run).
    found = assessment_service.plan_assessment(db, g.caller, plan_id)
    a = found.assessment
    report_rows, _n = report_service.list_reports(db, g.caller, plan_id, 0, 20)
    refs = register_refs(len(a.findings))
    marked = [Entry(ref, f, a.triage_of(f.fingerprint)) for ref, f in zip(refs, a.findings, strict=True)]
    return render_template(
        "plans/overview.html",
        plan=item,
        status=status,
        steps=[(step, step_url(step, plan_id)) for step in overview_service.next_steps(status)],
        counts=counts,
        inventory=header,
        etag=plan_service.etag(item),
        progress=status.progress,
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


def step_url(step: overview_service.NextStep, plan_id: int) -> str:
    """The page that does a next step."""
    if step.page == "questionnaire":
        return url_for("web.questionnaire.phase", plan_id=plan_id, phase_id=step.phase)
    if step.page == "inventory":
        return url_for("web.inventory.index", plan_id=plan_id)
    anchor = {"analysis": "#findings", "findings": "#findings", "reports": "#reports"}[step.page]
    return url_for("web.plans.overview", plan_id=plan_id) + anchor
