"""A plan's placement advice: computing a proposal, showing it, accepting
all its changes or the ticked ones, and a what-if move.

- *Compute*: a proposal for the plan's current inventory
  (:func:`planner.services.placement.request_proposal`): made in the request
  for a plan of up to ``VIRTPLAN_PLACEMENT_SYNC_VMS`` VMs, else a background
  job whose page follows it (``data-poll``, ``poll.js``; a refresh link
  without JavaScript).
- *Show*: the advice told as the security plan tells it
  (:func:`reports.placement.told`): what it buys in risk terms, per migration
  domain proven optimal or the best found, each change with its reason and the
  finding it removes, the findings removed and added (with their register
  numbers), the hosts serving one zone.
- *Accept*: all changes, or the ticked ones, with the inventory version the
  page showed as If-Match; a proposal made for another inventory version, an
  inventory changed since the page was shown, or ticks that break a hard
  constraint come back as a styled message with the ticks kept, nothing
  written.
- *What if*: one VM onto a chosen host — the findings it would remove, add or
  change and the hard constraints it breaks; nothing is stored, so viewers may
  ask too.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from wtforms import HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length

from planner import database
from planner.core.text import plural
from planner.jobs import hand_over
from planner.services import assessment as assessment_service
from planner.services import placement as placement_service
from planner.services import plans as plan_service
from planner.services.errors import Conflict, Invalid, NotFound, StaleWrite
from reports.contents import LEVEL_LABELS, register_refs
from reports.placement import finding_groups, finding_key, told

from .forms import Form
from .guards import login_required, require_write

bp = Blueprint("placement", __name__)

#: The tab of the plan pages this module serves (see planner.web.plan_tabs).
PLAN_TAB = ("Placement", "web.placement.index")

PENDING = ("queued", "running")
#: Changes listed one by one (each with its tick box); "accept all" takes every one.
CHANGES_ON_PAGE = 500
#: Above this many VMs (or hosts), the what-if form asks for typed ids instead of a list to choose from.
WHAT_IF_CHOICES = 1_000
#: Each hard constraint (planner.core.placement.whatif.CONSTRAINTS) as a planner names it.
CONSTRAINT_LABELS = {
    "pinned": "Pinned VM",
    "cluster": "Cluster",
    "datastore": "Datastores",
    "hosted-hypervisor": "Hosted hypervisor",
    "dedicated-zone": "Dedicated host",
    "anti-affinity": "Anti-affinity",
    "cpu": "CPU ceiling",
    "memory": "Memory ceiling",
}
#: The exact solver's budgets offered (CP-SAT deterministic seconds, the same answer on any machine).
BUDGETS = (
    ("10", "Standard: 10 seconds of the exact solver per plan"),
    ("60", "Thorough: 60 seconds (large plans)"),
    ("0", "The fast heuristic alone"),
)


class ProposalForm(Form):
    time_limit = SelectField(
        "Exact solver's budget",
        choices=[SelectChoice(v, label) for v, label in BUDGETS],
        default="10",
        description="Deterministic seconds: the same proposal on any machine. Each cluster is solved on its own.",
    )


class AcceptForm(Form):
    vms = SelectMultipleField("Changes to accept", validate_choice=False)
    #: The inventory's ETag when the page was shown: accepting needs the inventory unchanged since.
    version = HiddenField(validators=[InputRequired(), Length(max=120)])
    #: Which button: every change ("all") or the ticked ones ("ticked").
    scope = HiddenField()


class WhatIfForm(Form):
    vm = SelectField("VM", validators=[InputRequired("choose a VM")], validate_choice=False)
    host = SelectField("Move it to host", validators=[InputRequired("choose a host")], validate_choice=False)


class TypedWhatIfForm(Form):
    """The what-if form of a plan too large for lists to choose from: the ids typed."""

    vm = StringField("VM id", validators=[InputRequired("type the id of a VM"), Length(max=placement_service.MAX_ID)])
    host = StringField(
        "Move it to host (id)",
        validators=[InputRequired("type the id of a host"), Length(max=placement_service.MAX_ID)],
    )


def _what_if_form(estate: Any, formdata: Any = None) -> Form:
    """The what-if form: lists to choose from (VMs with their host and zone; hosts with their cluster), or ids typed."""
    if len(estate.vms) > WHAT_IF_CHOICES or len(estate.hosts) > WHAT_IF_CHOICES:
        return TypedWhatIfForm(formdata=formdata)
    form = WhatIfForm(formdata=formdata)
    form.vm.choices = [SelectChoice("", "Choose a VM")] + [
        SelectChoice(vid, f"{vid} (on {vm.host or 'no host'}{f', zone {vm.zone}' if vm.zone else ''})")
        for vid, vm in estate.vms.items()
    ]
    form.host.choices = [SelectChoice("", "Choose a host")] + [
        SelectChoice(hid, _host_label(h)) for hid, h in estate.hosts.items()
    ]
    return form


def _host_label(host: Any) -> str:
    notes = [f"cluster {host.cluster}" if host.cluster else "no cluster"]
    if host.dedicated_zone:
        notes.append(f"dedicated to {host.dedicated_zone}")
    if host.hypervisor is not None and host.hypervisor.type == 2:
        notes.append("hosted, type 2")
    return f"{host.id} ({', '.join(notes)})"


# --- the pages ---------------------------------------------------------------------------------


@bp.route("/plans/<int:plan_id>/placement")
@login_required
def index(plan_id: int):
    """The plan's latest proposal (or how to ask for one) and the what-if form."""
    return _page(plan_id, None)


@bp.route("/plans/<int:plan_id>/placement/<int:proposal_id>")
@login_required
def proposal(plan_id: int, proposal_id: int):
    return _page(plan_id, proposal_id)


@bp.route("/plans/<int:plan_id>/placement", methods=["POST"])
@login_required
def request_proposal(plan_id: int):
    """Ask for a proposal: made now for a small plan, else a background job its page follows."""
    require_write()
    form = ProposalForm()
    if not form.validate():
        return _page(plan_id, None, proposal_form=form), 422
    db = database.session()
    settings = current_app.config["VIRTPLAN_SETTINGS"]
    bounds = current_app.extensions["virtplan.runner"].bounds("placement")
    try:
        row, queued = placement_service.request_proposal(
            db, g.caller, plan_id, float(form.time_limit.data), settings.placement_sync_vms, bounds
        )
    except Invalid as exc:
        form.adopt(exc.problems)
        return _page(plan_id, None, proposal_form=form), 422
    if queued:
        hand_over(db, current_app.extensions["virtplan.jobs"], "placement", row)
    else:
        db.commit()
        flash(f"Proposal #{row.id} is ready: review its changes below, then accept all or some of them.")
    return redirect(url_for(".proposal", plan_id=plan_id, proposal_id=row.id))


@bp.route("/plans/<int:plan_id>/placement/<int:proposal_id>/accept", methods=["POST"])
@login_required
def accept(plan_id: int, proposal_id: int):
    """Apply every change or the ticked ones, If-Match the inventory version the page showed."""
    require_write()
    form = AcceptForm()
    ticked = list(dict.fromkeys(form.vms.data or []))
    refused: dict[str, Any] | None = None
    if form.validate():
        chosen = None if form.scope.data == "all" else ticked
        if chosen is not None and not chosen:
            form.vms.errors = ["tick at least one change, or accept all of them"]
        else:
            db = database.session()
            try:
                done = placement_service.accept_proposal(db, g.caller, plan_id, proposal_id, chosen, form.version.data)
            except Invalid as exc:
                form.adopt([{**p, "path": "vms"} for p in exc.problems])
            except StaleWrite:
                db.rollback()
                refused = _stale(db, plan_id, proposal_id)
            except Conflict as exc:
                refused = {
                    "status": 409,
                    "title": "This proposal can no longer be accepted",
                    "message": f"Nothing was applied: {exc.message}.",
                }
            else:
                db.commit()
                counts = done.finding_changes
                flash(
                    f"Accepted {plural(len(done.applied), 'change')} of proposal #{proposal_id}: the inventory is now "
                    f"v{done.proposal.accepted_version}, analysed again (run {done.run.id}): "
                    f"{plural(counts.get('resolved', 0), 'finding')} resolved, {counts.get('new', 0):,} new."
                )
                return redirect(url_for(".proposal", plan_id=plan_id, proposal_id=proposal_id))
    status = refused["status"] if refused else 422
    return _page(plan_id, proposal_id, accept_form=form, ticked=set(ticked), refused=refused), status


@bp.route("/plans/<int:plan_id>/placement/what-if", methods=["POST"])
@login_required
def what_if(plan_id: int):
    """What one move would change; nothing is stored (viewers may ask too)."""
    db = database.session()
    found = assessment_service.plan_assessment(db, g.caller, plan_id)
    form = _what_if_form(found.assessment.estate, request.form)
    result = None
    if form.validate():
        try:
            result = placement_service.what_if_move(db, g.caller, plan_id, form.vm.data, form.host.data)
        except Invalid as exc:
            form.adopt(exc.problems)
    shown = _shown_id(request.form.get("proposal"))
    page = _page(plan_id, shown, found=found, what_if_form=form, what_if=result)
    return page, 200 if result is not None else 422


def _stale(db: Any, plan_id: int, proposal_id: int) -> dict[str, Any]:
    """Why an acceptance whose If-Match no longer holds was refused: the proposal is stale (409), or
    only the page (412: the proposal still fits the inventory, but not the version the page showed)."""
    row = placement_service.get_proposal(db, g.caller, plan_id, proposal_id)
    version = plan_service.get_plan(db, g.caller, plan_id).inventory_version
    if row.accepted_at is not None:
        why = f"Proposal #{proposal_id} was accepted meanwhile (it made inventory v{row.accepted_version})."
    elif row.inventory_version != version:
        why = (
            f"Proposal #{proposal_id} was made for inventory v{row.inventory_version}; the inventory is now "
            f"v{version}: ask for a new proposal."
        )
    else:
        return {
            "status": 412,
            "title": "The inventory changed since this page was shown",
            "message": "Nothing was applied. The proposal is shown again with your ticks: check it, then accept again.",
        }
    return {"status": 409, "title": "This proposal can no longer be accepted", "message": "Nothing was applied. " + why}


def _shown_id(value: str | None) -> int | None:
    """The proposal the page showed (a hidden field of the what-if form), if it names one."""
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _page(
    plan_id: int,
    proposal_id: int | None,
    *,
    proposal_form: ProposalForm | None = None,
    accept_form: AcceptForm | None = None,
    ticked: set[str] | None = None,
    refused: dict[str, Any] | None = None,
    what_if_form: Form | None = None,
    what_if: dict[str, Any] | None = None,
    found: Any = None,
):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    found = found or assessment_service.plan_assessment(db, g.caller, plan_id)
    estate, findings = found.assessment.estate, found.assessment.findings
    refs = {finding_key(f.rule, f.objects): ref for ref, f in zip(register_refs(len(findings)), findings, strict=True)}
    if proposal_id is not None:
        row = placement_service.get_proposal(db, g.caller, plan_id, proposal_id)
    else:
        try:
            row = placement_service.latest_proposal(db, g.caller, plan_id)
        except NotFound:
            row = None
    stored = row.advice if row is not None and row.state == "succeeded" else None
    advice = told(stored, estate, refs, CHANGES_ON_PAGE) if stored is not None else None
    current = row is not None and placement_service.is_current(db, row)
    if accept_form is None:
        accept_form = AcceptForm(formdata=None, data={"version": plan_service.etag(plan)})
    return render_template(
        "placement/index.html",
        plan=plan,
        proposal=row,
        pending=row is not None and row.state in PENDING,
        current=current,
        advice=advice,
        changes=_changes(row, advice) if advice is not None else [],
        proposal_form=proposal_form or ProposalForm(formdata=None),
        accept_form=accept_form,
        ticked=ticked or set(),
        refused=refused,
        what_if_form=what_if_form or _what_if_form(estate),
        what_if=_what_if_told(what_if, estate, refs) if what_if is not None else None,
        levels=LEVEL_LABELS,
        constraints=CONSTRAINT_LABELS,
        can_write=g.caller.can("write"),
    )


def _changes(row: Any, advice: dict[str, Any]) -> list[dict[str, Any]]:
    """The proposal's changes as the accept form lists them: each with its reason, and the finding it removes."""
    moves = {m["vm"]: m for m in advice["moves"]}
    gone = {u["vm"]: u.get("reason") or "" for u in row.advice.get("unplaced") or []}
    out = []
    for c in (row.changes or [])[:CHANGES_ON_PAGE]:
        m = moves.get(c["vm"])
        out.append(
            {
                "vm": c["vm"],
                "from": c.get("from"),
                "to": c.get("to"),
                "reason": m["reason"] if m else gone.get(c["vm"], ""),
                "removes": m["removes"] if m else None,
            }
        )
    return out


def _what_if_told(result: dict[str, Any], estate: Any, refs: dict) -> dict[str, Any]:
    """A what-if's answer as the page tells it: the findings grouped by rule, the broken constraints."""
    return {
        **result,
        "removed": finding_groups(result["findings_removed"], estate, refs),
        "added": finding_groups(result["findings_added"], estate, refs),
        "changed": finding_groups(result["findings_changed"], estate, refs),
    }
