"""A plan's assessment as stored: the one entry point every door reads.

:func:`plan_assessment` gives, for a plan at its current version, the estate,
the answers, the latest stored analysis run (its findings in the one order of
findings, each with its triage, its summary and the placement advice made with
it) as a :class:`planner.core.assessment.Assessment` — the same object the CLI
builds from files — plus what the run is (:class:`PlanAssessment`). Every
report format (through the report jobs), the web plan page and the API read
it; none re-runs the analysis. When the latest run does not show the current
inventory and answers (``current`` is False), the web page says so and offers
to analyse; a report job first runs :func:`planner.services.analysis.run_analysis`
once (:func:`current_plan_assessment`), so a report and the triage list always
show the same findings.

Reads are consistent without a long transaction: the plan's inventory version,
answers version and latest run are read again at the end, and the whole read
is repeated when any moved meanwhile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AnalysisRun, Finding, Plan
from models.inventory_store import read_estate
from planner.core.analysis import Finding as CoreFinding
from planner.core.analysis import ObjectRef
from planner.core.assessment import Assessment, Triage
from planner.core.questionnaire import ORGANIZATION, answered_text

from .accounts import Caller
from .analysis import answers_version, run_analysis
from .answers import current_answers, questionnaire
from .errors import Conflict
from .evidence import evidence_version, plan_hardening
from .plans import get_plan

#: Reads of a plan repeated when it changes while being read.
SNAPSHOT_ATTEMPTS = 3


@dataclass(slots=True)
class PlanAssessment:
    """A plan's assessment and where it comes from.

    ``run_id`` is the stored analysis run the findings, triage and placement
    advice come from (None: never analysed, and ``assessment`` has no
    findings); ``current`` says whether that run assessed the plan's current
    inventory and answers. ``finding_ids`` maps a fingerprint to the stored
    finding's id (for triage links). ``organization`` is the organization
    responsible for the system: the one the answers name, else the tenant's.
    """

    plan_id: int
    name: str
    organization: str
    inventory_version: int
    assessment: Assessment
    run_id: int | None = None
    analysed_at: dt.datetime | None = None
    current: bool = False
    finding_ids: dict[str, int] = field(default_factory=dict)

    @property
    def analysed(self) -> bool:
        return self.run_id is not None


def plan_assessment(session: Session, caller: Caller, plan_id: int) -> PlanAssessment:
    """The plan's assessment from its latest stored analysis run (scoped to the caller's organization)."""
    plan = get_plan(session, caller, plan_id)
    return read_assessment(session, plan)


def current_plan_assessment(session: Session, caller: Caller, plan_id: int) -> PlanAssessment:
    """Like :func:`plan_assessment`, but when the latest run does not show the
    current inventory and answers, the plan is analysed first (and committed:
    the run is the plan's, whoever asked for it)."""
    plan = get_plan(session, caller, plan_id)
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        result = read_assessment(session, plan)
        if result.current:
            return result
        session.commit()  # end the reads: the analysis assesses the plan without a lock
        run_analysis(session, caller, plan_id)
        session.commit()
    raise Conflict("the plan kept changing while it was being analysed; try again")


def read_assessment(session: Session, plan: Plan) -> PlanAssessment:
    """The assessment of ``plan`` (already scoped by the caller) as stored."""
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        session.refresh(plan)
        before = _versions(session, plan)
        result = _read(session, plan)
        if _versions(session, plan) == before:
            return result
        session.rollback()
    raise Conflict("the plan kept changing while it was being read; try again")


def _latest_run(session: Session, plan: Plan) -> AnalysisRun | None:
    return session.scalar(
        select(AnalysisRun).where(AnalysisRun.plan_id == plan.id).order_by(AnalysisRun.id.desc()).limit(1)
    )


def _versions(session: Session, plan: Plan) -> tuple:
    """What must not move while a plan is read: inventory, answers, latest run, evidence."""
    inventory = session.scalar(select(Plan.inventory_version).where(Plan.id == plan.id))
    run = session.scalar(select(AnalysisRun.id).where(AnalysisRun.plan_id == plan.id).order_by(AnalysisRun.id.desc()))
    return inventory, answers_version(session, plan), run, evidence_version(session, plan)


def _read(session: Session, plan: Plan) -> PlanAssessment:
    q = questionnaire()
    estate = read_estate(session, plan)
    answers = current_answers(session, plan)
    run = _latest_run(session, plan)
    findings, triage, ids = _stored_findings(session, plan) if run is not None else ([], {}, {})
    summary = {k: v for k, v in (run.summary if run is not None else {}).items() if k not in ("findings", "changes")}
    hardening = plan_hardening(session, plan, estate)
    assessed = Assessment(
        estate=estate,
        answers=answers,
        findings=findings,
        summary=summary,
        placement=run.placement if run is not None else None,
        triage=triage,
        questionnaire=q,
        hardening=hardening,
    )
    current = _is_current(session, plan, run)
    return PlanAssessment(
        plan_id=plan.id,
        name=plan.name,
        organization=answered_text(answers, ORGANIZATION) or plan.organization.name,
        inventory_version=plan.inventory_version,
        assessment=assessed,
        run_id=run.id if run is not None else None,
        analysed_at=run.finished_at if run is not None else None,
        current=current,
        finding_ids=ids,
    )


def _is_current(session: Session, plan: Plan, run: AnalysisRun | None) -> bool:
    """Whether ``run`` assessed the plan's current inventory and answers."""
    return (
        run is not None
        and run.inventory_version == plan.inventory_version
        and run.answers_version == answers_version(session, plan)
    )


@dataclass(frozen=True, slots=True)
class RunState:
    """The plan's latest analysis run without its findings: which (None: never
    analysed), when, and whether it shows the current inventory and answers."""

    plan_id: int
    inventory_version: int
    run_id: int | None
    analysed_at: dt.datetime | None
    current: bool
    summary: dict

    @property
    def analysed(self) -> bool:
        return self.run_id is not None


def run_state(session: Session, caller: Caller, plan_id: int) -> RunState:
    """What pages that read stored findings page by page say about the run
    (two small queries: no inventory is read, nothing is assessed)."""
    plan = get_plan(session, caller, plan_id)
    run = _latest_run(session, plan)
    return RunState(
        plan_id=plan.id,
        inventory_version=plan.inventory_version,
        run_id=run.id if run is not None else None,
        analysed_at=run.finished_at if run is not None else None,
        current=_is_current(session, plan, run),
        summary=dict(run.summary) if run is not None else {},
    )


def _stored_findings(session: Session, plan: Plan) -> tuple[list[CoreFinding], dict[str, Triage], dict[str, int]]:
    """The findings that fire as of the latest run, in the one order, with their triage and ids."""
    rows = session.scalars(
        select(Finding)
        .where(Finding.plan_id == plan.id, Finding.resolved.is_(False))
        .order_by(Finding.order_key, Finding.id)
    ).all()
    findings, triage, ids = [], {}, {}
    for r in rows:
        findings.append(
            CoreFinding(
                rule=r.rule,
                title=r.title,
                objects=[ObjectRef(o["kind"], o["id"]) for o in r.objects],
                likelihood=r.likelihood,
                impact=r.impact,
                risk=r.risk,
                factors=list(r.factors),
                evidence=dict(r.evidence),
                references=list(r.references),
                remediation=r.remediation,
                fingerprint=r.fingerprint,
            )
        )
        ids[r.fingerprint] = r.id
        if r.status != "open" or r.justification:
            triage[r.fingerprint] = Triage(r.status, r.justification or "", r.status_by, r.status_at)
    return findings, triage, ids
