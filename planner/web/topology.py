"""A plan's topology: the architecture diagram of the security plan (zones,
networks, appliances and hosts, laid out by Graphviz: reports.diagram) with
each object linking to its findings and its findings counted on it in the
colour of the worst, and the host × zone placement matrix the plan prints.

The drawing is the printed one, made from the plan's stored assessment (its
latest analysis run, nothing assessed here). Laying it out takes Graphviz a
good part of a second on a large plan, so the drawing and matrix are kept per
plan, inventory version and analysis run (:data:`KEPT` of them, in this
process): the page is drawn again exactly when what it shows changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Blueprint, current_app, g, render_template, url_for
from markupsafe import Markup

from planner import database
from planner.services import assessment as assessment_service
from planner.services import plans as plan_service
from reports.contents import Entry, placement_matrix, register_refs
from reports.diagram import LEGEND, draw

from .guards import login_required

bp = Blueprint("topology", __name__)

#: The tab of the plan pages this module serves (see planner.web.plan_tabs).
PLAN_TAB = ("Topology", "web.topology.index")
#: Hosts listed one per row in the matrix; above, rows group hosts serving the same zones.
MATRIX_HOSTS = 200
#: Drawings kept per app (its database): (plan, inventory version, analysis run) -> Topology.
KEPT = 32


@dataclass(frozen=True, slots=True)
class Topology:
    svg: Markup
    alt: str
    summarised: bool
    matrix: dict


_lock = threading.Lock()


def _kept() -> OrderedDict[tuple, Topology]:
    """This app's drawings (plan ids are its database's)."""
    return current_app.extensions.setdefault("virtplan.topology", OrderedDict())


def _findings_of(plan_id: int, kind: str, key: str) -> str | None:
    """Where a drawn object links: the register filtered to what concerns it."""
    if kind == "zone":
        return url_for("web.findings.register", plan_id=plan_id, zone=key)
    if kind == "host":
        return url_for("web.findings.register", plan_id=plan_id, host=key)
    if kind in ("network", "appliance"):
        return url_for("web.findings.register", plan_id=plan_id, object=f"{kind}:{key}")
    if kind in ("networks", "hosts") and key != "None":
        return url_for("web.findings.register", plan_id=plan_id, zone=key)
    return None


def _topology(plan_id: int, key: tuple) -> Topology:
    kept = _kept()
    with _lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    found = assessment_service.plan_assessment(database.session(), g.caller, plan_id)
    a = found.assessment
    register = [
        Entry(ref, f, a.triage_of(f.fingerprint))
        for ref, f in zip(register_refs(len(a.findings)), a.findings, strict=True)
    ]
    drawing = draw(a.estate, register, links=lambda kind, oid: _findings_of(plan_id, kind, oid))
    made = Topology(
        svg=Markup(drawing.svg),  # noqa: S704 -- parsed and re-serialised by reports.diagram.finish: our shapes, text and links
        alt=drawing.alt,
        summarised=drawing.summarised,
        matrix=placement_matrix(a.estate, MATRIX_HOSTS),
    )
    with _lock:
        kept[key] = made
        while len(kept) > KEPT:
            kept.popitem(last=False)
    return made


@bp.route("/plans/<int:plan_id>/topology")
@login_required
def index(plan_id: int):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    run = assessment_service.run_state(db, g.caller, plan_id)
    counts = plan_service.plan_counts(db, plan)
    drawn = counts.get("zones") or counts.get("hosts") or counts.get("networks")
    topology = _topology(plan_id, (plan.id, run.inventory_version, run.run_id)) if drawn else None
    return render_template(
        "topology/index.html",
        plan=plan,
        run=run,
        topology=topology,
        legend=LEGEND,
        can_write=g.caller.can("write"),
    )
