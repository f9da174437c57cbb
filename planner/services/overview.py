"""Where each plan stands, at a glance: the plans list and the "what to do
next" of a plan's overview.

A plan's status comes from what is stored — the inventory's size, the
questionnaire's progress (its answers against its inventory), the latest
analysis run and whether it still shows the plan, the findings of that run
nobody has triaged yet, the reports — never from a new analysis.

Progress depends on the inventory (which questions apply): it is judged with
the inventory's facts (:func:`planner.services.answers.inventory_context`,
remembered by the digest of the document they come from).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AnalysisRun, Finding, Plan, Report
from models.inventory_store import counts_by_plan
from planner.core.analysis import LEVELS
from planner.core.assessment import UNDECIDED
from planner.core.questionnaire import Progress

from .accounts import Caller
from .analysis import answers_version
from .answers import plan_progress_of
from .plans import get_plan

#: Risk levels worst first.
WORST_FIRST = tuple(reversed(LEVELS))


@dataclass
class PlanStatus:
    plan: Plan
    vms: int = 0
    hosts: int = 0
    progress: Progress | None = None
    analysed_at: dt.datetime | None = None
    analysed: bool = False
    #: The latest run shows the plan's current inventory and answers.
    current: bool = False
    #: Findings of the latest run still open (no triage decision), by risk, worst first.
    undecided: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WORST_FIRST, 0))
    findings: int = 0
    reports: int = 0

    @property
    def archived(self) -> bool:
        return self.plan.archived_at is not None

    @property
    def worst_undecided(self) -> str | None:
        return next((level for level in WORST_FIRST if self.undecided[level]), None)


@dataclass(frozen=True)
class NextStep:
    """One thing to do next: what, and which page does it (a tab name the web maps to its page)."""

    text: str
    page: str
    phase: str | None = None
    risk: str | None = None


def plan_statuses(session: Session, caller: Caller, archived: bool = False) -> list[PlanStatus]:
    """The organization's plans (the archived ones, or the others), most recently changed first."""
    plans = session.scalars(
        select(Plan)
        .where(
            Plan.organization_id == caller.organization_id,
            Plan.archived_at.is_not(None) if archived else Plan.archived_at.is_(None),
        )
        .order_by(Plan.updated_at.desc(), Plan.id.desc())
    ).all()
    return _statuses(session, list(plans))


def plan_status(session: Session, caller: Caller, plan_id: int) -> PlanStatus:
    return _statuses(session, [get_plan(session, caller, plan_id)])[0]


def _count_by_plan(session: Session, model, ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(model.plan_id, func.count()).where(model.plan_id.in_(ids)).group_by(model.plan_id))
    return {plan_id: n for plan_id, n in rows}


def _statuses(session: Session, plans: list[Plan]) -> list[PlanStatus]:
    ids = [p.id for p in plans]
    if not ids:
        return []
    inventories = counts_by_plan(session, plans)
    reports = _count_by_plan(session, Report, ids)
    latest = (
        select(AnalysisRun.plan_id, func.max(AnalysisRun.id).label("run_id"))
        .where(AnalysisRun.plan_id.in_(ids))
        .group_by(AnalysisRun.plan_id)
        .subquery()
    )
    runs = {r.plan_id: r for r in session.scalars(select(AnalysisRun).join(latest, AnalysisRun.id == latest.c.run_id))}
    open_counts = session.execute(
        select(Finding.plan_id, Finding.risk, Finding.status, func.count())
        .where(Finding.plan_id.in_(ids), Finding.resolved.is_(False))
        .group_by(Finding.plan_id, Finding.risk, Finding.status)
    ).all()
    out = []
    for plan in plans:
        answers_at = answers_version(session, plan)
        run = runs.get(plan.id)
        status = PlanStatus(
            plan,
            vms=inventories[plan.id]["vms"],
            hosts=inventories[plan.id]["hosts"],
            progress=plan_progress_of(session, plan),
            analysed=run is not None,
            analysed_at=run.finished_at if run is not None else None,
            current=run is not None
            and run.inventory_version == plan.inventory_version
            and run.answers_version == answers_at,
            reports=reports.get(plan.id, 0),
        )
        for plan_id, risk, finding_status, n in open_counts:
            if plan_id == plan.id:
                status.findings += n
                if finding_status in UNDECIDED and risk in status.undecided:
                    status.undecided[risk] += n
        out.append(status)
    return out


def next_steps(status: PlanStatus) -> list[NextStep]:
    """What the plan needs next, most pressing first: an inventory, the open
    questions phase by phase, an analysis that shows the plan as it stands,
    the risks nobody has decided on, worst first, and the security plan itself."""
    steps: list[NextStep] = []
    if status.vms == 0 and status.hosts == 0:
        steps.append(
            NextStep(
                "Bring the inventory: upload a document or import an RVTools, NetBox or ServiceNow export.", "inventory"
            )
        )
    if status.progress is not None:
        for phase in status.progress.phases:
            left = phase.applicable - phase.answered
            if left:
                steps.append(
                    NextStep(
                        f"{left} question{'s' if left != 1 else ''} open in {phase.title}.",
                        "questionnaire",
                        phase=phase.id,
                    )
                )
    if not status.analysed:
        steps.append(NextStep("Analyse the plan to see its findings and the placement advice.", "analysis"))
    elif not status.current:
        steps.append(
            NextStep("The inventory or the answers changed since the last analysis: analyse again.", "analysis")
        )
    for level in WORST_FIRST:
        n = status.undecided[level]
        if n and level in ("very-high", "high", "moderate"):
            steps.append(NextStep(f"{n} {level} risk{'s' if n != 1 else ''} untriaged.", "findings", risk=level))
    if status.analysed and not status.reports:
        steps.append(NextStep("Generate the security plan (PDF) for sign-off.", "reports"))
    return steps
