"""A plan's findings: the register (filtered, sorted and paged in SQL; a
selection triaged at once with one justification), a page per finding
(evidence, factors, references, remediation, the rule's own metadata, its
history) with its triage form, and analysing the plan.

The pages read stored findings a page at a time through the services; none
assesses anything while it renders. A refused triage shows the form again
with everything typed and ticked kept, each problem beside its field.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SearchField, SelectChoice, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from planner import database
from planner.core.analysis import LEVELS
from planner.core.analysis.findings import TRIAGE_STATUSES
from planner.core.analysis.rules import RULES_BY_ID
from planner.jobs import hand_over
from planner.services import analysis as analysis_service
from planner.services import analysis_jobs
from planner.services import assessment as assessment_service
from planner.services import plans as plan_service
from planner.services.errors import Invalid
from reports.contents import LEVEL_LABELS
from reports.evidence import present as evidence_items

from .forms import Form, MultiCheckboxField
from .guards import login_required, require_write
from .return_to import local_path

bp = Blueprint("findings", __name__)

#: The tab of the plan pages this module serves (see planner.web.plan_tabs).
PLAN_TAB = ("Findings", "web.findings.register")

PAGE_SIZES = (25, 50, 100, 200)
SORT_LABELS = {
    "risk": "Risk, worst first",
    "-risk": "Risk, least first",
    "rule": "Rule",
    "status": "Triage status",
    "title": "Title",
    "newest": "Newest first",
}
RISK_LABELS = LEVEL_LABELS
STATUS_LABELS = {
    "open": "Open",
    "accepted": "Accepted",
    "mitigated": "Mitigated",
    "false-positive": "False positive",
    "transferred": "Transferred",
}
#: Which findings the register shows: those that fire now (the default), resolved ones, or both.
SHOWN = {"current": False, "resolved": True, "all": None}
JUSTIFICATION_HINT = "Required for any status but open: why, and where the decision is recorded."


class RegisterFilter(Form):
    """The register's filters (a GET form: nothing changes, no token)."""

    class Meta:
        csrf = False

    text = SearchField(
        "Search",
        validators=[Optional(), Length(max=analysis_service.MAX_TEXT)],
        description="Words in the title, rule, justification or an object's id.",
    )
    risk = MultiCheckboxField("Risk", choices=[SelectChoice(level, RISK_LABELS[level]) for level in reversed(LEVELS)])
    status = MultiCheckboxField("Triage status", choices=[SelectChoice(s, STATUS_LABELS[s]) for s in TRIAGE_STATUSES])
    rule = SelectField("Rule", validators=[Optional(), Length(max=80)], validate_choice=False)
    zone = SelectField("Zone", validators=[Optional(), Length(max=200)], validate_choice=False)
    host = SelectField("Host", validators=[Optional(), Length(max=200)], validate_choice=False)
    shown = SelectField(
        "Show",
        choices=[
            SelectChoice("current", "Findings that fire now"),
            SelectChoice("resolved", "Resolved findings"),
            SelectChoice("all", "Both"),
        ],
        default="current",
    )
    sort = SelectField("Sort by", choices=[SelectChoice(k, v) for k, v in SORT_LABELS.items()], default="risk")
    per_page = SelectField("Per page", choices=[SelectChoice(str(n)) for n in PAGE_SIZES], coerce=int, default=50)
    object = HiddenField(validators=[Optional(), Length(max=220)])

    def offer(self, facets: analysis_service.RegisterFacets) -> None:
        """The rules, zones and hosts of the plan's findings, each with its count."""
        for field, counts, anything in (
            (self.rule, facets.rules, "Any rule"),
            (self.zone, facets.zones, "Any zone"),
            (self.host, facets.hosts, "Any host"),
        ):
            field.choices = [SelectChoice("", anything)] + [SelectChoice(v, f"{v} ({n:,})") for v, n in counts.items()]

    def filters(self) -> dict:
        """The service's filters for what the form says (empty fields filter nothing)."""
        return {
            "risk": self.risk.data or None,
            "status": self.status.data or None,
            "rule": self.rule.data or None,
            "zone": self.zone.data or None,
            "host": self.host.data or None,
            "text": self.text.data or None,
            "object": self.object.data or None,
            "resolved": SHOWN[self.shown.data],
            "sort": self.sort.data,
        }


def _justification_field() -> TextAreaField:
    return TextAreaField(
        "Justification",
        validators=[Length(max=analysis_service.MAX_JUSTIFICATION)],
        description=JUSTIFICATION_HINT,
    )


class TriageForm(Form):
    status = SelectField("Status", choices=[SelectChoice(s, STATUS_LABELS[s]) for s in TRIAGE_STATUSES])
    justification = _justification_field()
    next = HiddenField()


class BulkTriageForm(Form):
    findings = SelectMultipleField("Selected findings", coerce=int, validate_choice=False)
    status = SelectField(
        "New status",
        choices=[SelectChoice("", "Choose a status"), *(SelectChoice(s, STATUS_LABELS[s]) for s in TRIAGE_STATUSES)],
        validators=[InputRequired("choose the status to give the selected findings")],
    )
    justification = _justification_field()


def _query(**changes) -> dict:
    """This page's query string with ``changes`` (None removes a key): for
    links that keep the filters (pages, sorting, the bulk form's action)."""
    args = MultiDict(request.args)
    for key, value in changes.items():
        args.poplist(key)
        if value is not None:
            args[key] = value
    return args.to_dict(flat=False)


@bp.route("/plans/<int:plan_id>/findings")
@login_required
def register(plan_id: int):
    return _register_page(plan_id, BulkTriageForm(formdata=None))


@bp.route("/plans/<int:plan_id>/findings/triage", methods=["POST"])
@login_required
def bulk_triage(plan_id: int):
    """Triage the ticked findings with one status and one justification; the
    filters travel in the query string, so the page comes back as it was."""
    require_write()
    form = BulkTriageForm()
    if form.validate():
        db = database.session()
        try:
            changed = analysis_service.set_status_many(
                db, g.caller, plan_id, form.findings.data, form.status.data, form.justification.data
            )
        except Invalid as exc:
            form.adopt(exc.problems)
        else:
            db.commit()
            chosen = len(set(form.findings.data))
            flash(
                f"{chosen} finding{'s' if chosen != 1 else ''} set to {STATUS_LABELS[form.status.data].lower()}"
                + (f" ({chosen - changed} had it already)." if changed < chosen else ".")
            )
            return redirect(url_for(".register", plan_id=plan_id, **_query()))
    return _register_page(plan_id, form), 422


def _register_page(plan_id: int, bulk: BulkTriageForm):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    facets = analysis_service.register_facets(db, g.caller, plan_id)
    run = assessment_service.run_state(db, g.caller, plan_id)
    filters = RegisterFilter(formdata=request.args if request.args else None)
    filters.offer(facets)
    rows: list = []
    total, page, pages = 0, 1, 1
    if filters.validate():
        size = filters.per_page.data
        page = max(1, request.args.get("page", 1, type=int) or 1)
        try:
            rows, total = analysis_service.list_findings(
                db, g.caller, plan_id, offset=(page - 1) * size, limit=size, **filters.filters()
            )
            pages = max(1, -(-total // size))
            if page > pages:  # past the end (the list shrank): show the last page
                page = pages
                rows, total = analysis_service.list_findings(
                    db, g.caller, plan_id, offset=(page - 1) * size, limit=size, **filters.filters()
                )
        except Invalid as exc:  # what only the service checks (the text of ids, an object filter)
            filters.adopt(exc.problems)
    return render_template(
        "findings/register.html",
        plan=plan,
        run=run,
        facets=facets,
        filters=filters,
        filtered=bool(set(request.args) - {"page", "sort", "per_page"}),
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        bulk=bulk,
        selected=set(bulk.findings.data or ()),
        query=_query,
        risk_labels=RISK_LABELS,
        status_labels=STATUS_LABELS,
        can_write=g.caller.can("write"),
    )


@bp.route("/plans/<int:plan_id>/findings/<int:finding_id>")
@login_required
def finding(plan_id: int, finding_id: int):
    return _finding_page(plan_id, finding_id, None)


@bp.route("/plans/<int:plan_id>/findings/<int:finding_id>/triage", methods=["POST"])
@login_required
def triage(plan_id: int, finding_id: int):
    """Triage one finding; back to the page it was asked from (``next``), else the finding's."""
    require_write()
    form = TriageForm()
    if form.validate():
        db = database.session()
        try:
            analysis_service.set_status(db, g.caller, plan_id, finding_id, form.status.data, form.justification.data)
        except Invalid as exc:
            form.adopt(exc.problems)
        else:
            db.commit()
            flash(f"Status set to {STATUS_LABELS[form.status.data].lower()}.")
            target = local_path(form.next.data) or url_for(".finding", plan_id=plan_id, finding_id=finding_id)
            return redirect(target)
    return _finding_page(plan_id, finding_id, form), 422


def _finding_page(plan_id: int, finding_id: int, form: TriageForm | None):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    item = analysis_service.get_finding(db, g.caller, plan_id, finding_id)
    if form is None:
        form = TriageForm(formdata=None, data={"status": item.status, "justification": item.justification or ""})
    return render_template(
        "findings/finding.html",
        plan=plan,
        finding=item,
        rule=RULES_BY_ID.get(item.rule),
        evidence=evidence_items(item.evidence),
        form=form,
        risk_labels=RISK_LABELS,
        status_labels=STATUS_LABELS,
        can_write=g.caller.can("write"),
    )


@bp.route("/plans/<int:plan_id>/analysis", methods=["POST"])
@login_required
def analyse(plan_id: int):
    """Analyse the plan as it stands (a stored run); back to ``next``, else the overview's findings."""
    require_write()
    db = database.session()
    settings = current_app.config["VIRTPLAN_SETTINGS"]
    bounds = current_app.extensions["virtplan.runner"].bounds("analysis")
    done = analysis_jobs.analyse(db, g.caller, plan_id, settings.analysis_sync_vms, bounds)
    if isinstance(done, tuple):
        db.commit()
        flash("Analysed: the findings below are those of the plan as it stands.")
    else:  # a large plan: a worker analyses it
        hand_over(db, current_app.extensions["virtplan.jobs"], "analysis", done)
        flash(
            f"This plan is large: it is being analysed in the background (job {done.id}). "
            "Reload this page in a minute to see the new findings."
        )
    target = local_path(request.form.get("next")) or url_for("web.plans.overview", plan_id=plan_id) + "#findings"
    return redirect(target)
