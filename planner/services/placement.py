"""Placement proposals, accepting them, and what-if moves: the use cases
behind ``/api/v1/plans/{id}/placement`` (and the web plan page's placement
buttons and what-if form).

- :func:`request_proposal` records a proposal for the plan's current
  inventory. A plan of at most ``sync_vms`` VMs is advised at once, in the
  caller's transaction; a larger one is left ``queued`` for a worker, which
  runs it with :func:`execute` under the admission bounds, fair claiming,
  leases and fencing every job has (:mod:`planner.services.jobs`, the kind
  ``placement`` of :class:`planner.jobs.runner.Runner`), and the caller polls
  :func:`get_proposal`.
  The advice is :func:`planner.core.assessment.placement_advice` — the one
  call of the advisor, the same the analysis runs make — with the exact
  solver's budget asked for (default: the advisor's full budget), its
  findings before and after counted with the plan's answers.
- :func:`accept_proposal` applies all of a proposal's changes, or those of
  the VMs chosen, to the inventory in one transaction with the analysis run
  that follows (:func:`planner.services.analysis.run_analysis`, the normal
  run path): nothing is written unless all of it is. A proposal made for
  another inventory version is refused (:class:`Conflict`, 409); so is a
  choice of moves that breaks a hard constraint the whole proposal keeps
  (:class:`Invalid`, naming the moves it depends on).
- :func:`what_if_move` moves one VM to a chosen host in memory: the findings
  it removes, adds or changes and the hard constraints it breaks; nothing is
  saved.

Everything is scoped to the caller's organization: another organization's
plan or proposal is :class:`NotFound`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AnalysisRun, PlacementProposal, Plan
from models.base import utcnow
from models.inventory_store import inventory_counts, read_estate, read_inventory
from planner.core.assessment import assess, kept_advice, placement_advice
from planner.core.inventory import Estate, estate_from_document
from planner.core.placement import SolverOptions, changes
from planner.core.placement.whatif import constraint_violations, what_if

from . import jobs
from .accounts import Caller
from .analysis import answers_version, run_analysis
from .answers import current_answers, questionnaire
from .errors import Conflict, Invalid, NotFound
from .jobs import Bounds
from .plans import check_precondition, etag, get_plan, put_inventory

log = logging.getLogger(__name__)

#: The exact solver's budget a proposal may ask for, in CP-SAT's deterministic seconds.
MAX_TIME_LIMIT = 60.0
#: Plans of at most this many VMs are advised in the request (the default of ``VIRTPLAN_PLACEMENT_SYNC_VMS``).
SYNC_VMS = 500
MAX_ID = 200
#: Proposal jobs one organization, and everyone, may have queued or running.
BOUNDS = Bounds(per_organization=5, total=50)
INTERNAL = "the proposal could not be made because of an internal error (details are in the server log)"
#: Reads of a plan repeated when it changes while being read.
SNAPSHOT_ATTEMPTS = 3


# --- asking for a proposal ---------------------------------------------------------------------


def clean_time_limit(value: Any) -> float:
    """The budget asked for, checked: a number of deterministic seconds from 0 to :data:`MAX_TIME_LIMIT`."""
    if value is None:
        return SolverOptions().time_limit
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid("invalid placement request", [{"path": "time_limit", "message": "expected a number"}])
    if not 0 <= value <= MAX_TIME_LIMIT:
        message = (
            f"expected 0 to {MAX_TIME_LIMIT:g} (CP-SAT deterministic seconds; 0: the heuristic alone), got {value}"
        )
        raise Invalid("invalid placement request", [{"path": "time_limit", "message": message}])
    return float(value)


def request_proposal(
    session: Session,
    caller: Caller,
    plan_id: int,
    time_limit: Any = None,
    sync_vms: int = SYNC_VMS,
    bounds: Bounds = BOUNDS,
) -> tuple[PlacementProposal, bool]:
    """Record a proposal for the plan's current inventory; (proposal, queued).

    With at most ``sync_vms`` VMs the advice is made here (``queued`` False,
    the proposal ``succeeded``; the caller commits); otherwise the proposal is
    a job admitted under ``bounds`` (:class:`TooManyJobs` / :class:`Busy`
    beyond them), which the caller hands over (:func:`planner.jobs.hand_over`).
    """
    budget = clean_time_limit(time_limit)
    plan = get_plan(session, caller, plan_id)
    queued = inventory_counts(session, plan).get("vms", 0) > sync_vms
    if queued:
        jobs.admit(
            session,
            caller.organization_id,
            PlacementProposal,
            "placement proposal",
            bounds.per_organization,
            bounds.total,
        )
    now = utcnow()
    row = PlacementProposal(
        plan_id=plan.id,
        state="queued" if queued else "running",
        inventory_version=plan.inventory_version,
        time_limit=budget,
        requested_by=caller.label[:200] or None,
        requested_at=now,
        started_at=None if queued else now,
    )
    session.add(row)
    session.flush()
    if queued:
        return row, True
    _store(row, _advised(_snapshot(session, plan), budget))
    session.flush()
    return row, False


@dataclass(slots=True)
class _Snapshot:
    """A plan as it was read: its inventory version, answers version, estate and answers."""

    plan_id: int
    version: int
    answered: str
    estate: Estate
    answers: dict[str, Any] | None


def _snapshot(session: Session, plan: Plan) -> _Snapshot:
    """The plan as it is now, read consistently (again when it changed while being read)."""
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        session.refresh(plan)
        version, answered = plan.inventory_version, answers_version(session, plan)
        estate = read_estate(session, plan)
        answers = current_answers(session, plan) or None
        session.refresh(plan)
        if (plan.inventory_version, answers_version(session, plan)) == (version, answered):
            return _Snapshot(plan.id, version, answered, estate, answers)
    raise Conflict("the plan kept changing while the proposal was being made; ask again")


def _advised(snapshot: _Snapshot, time_limit: float) -> dict[str, Any]:
    """The advice for ``snapshot`` within ``time_limit``, as the proposal's columns (succeeded)."""
    q, plan_id = questionnaire(), str(snapshot.plan_id)
    before = assess(snapshot.estate, snapshot.answers, q, plan_id=plan_id)
    options = SolverOptions(time_limit=time_limit)
    advice = placement_advice(snapshot.estate, before, snapshot.answers, q, plan_id=plan_id, options=options)
    return {
        "inventory_version": snapshot.version,
        "answers_version": snapshot.answered,
        "changes": changes(snapshot.estate, advice["placement"]),
        "advice": kept_advice(advice),
        "state": "succeeded",
        "error": None,
        "finished_at": utcnow(),
    }


def _store(row: PlacementProposal, columns: dict[str, Any]) -> None:
    for column, value in columns.items():
        setattr(row, column, value)


def execute(session_factory: Callable[[], Session], claim: jobs.Claim, limits: jobs.JobLimits) -> None:
    """Make the claimed proposal and store it (or why it failed); only the attempt
    that still holds the job stores anything. Never raises.

    Two short transactions — read the plan, store the advice — and none open
    while the advisor works, so the job holds no lock on the database (its
    lease is renewed meanwhile, :func:`planner.services.jobs.holding`).
    """
    with jobs.holding(session_factory, claim, limits):
        try:
            with session_factory() as session:
                row = session.get(PlacementProposal, claim.id)
                plan = session.get(Plan, row.plan_id) if row is not None else None
                if row is None or plan is None:
                    return  # the plan was deleted meanwhile
                snapshot, time_limit = _snapshot(session, plan), row.time_limit
                session.commit()
            advised = _advised(snapshot, time_limit)  # no transaction is open while the advisor works
            with session_factory() as session:
                if not jobs.renew(session, claim, limits):
                    log.warning("placement proposal %s: taken over by another worker; nothing is written", claim.id)
                    return
                row = session.get(PlacementProposal, claim.id)
                if row is None:
                    return
                _store(row, advised | {"lease_until": None})
                session.commit()
        except Conflict as exc:
            jobs.fail(session_factory, claim, exc.message)
        except Exception:
            log.exception("placement proposal %s failed", claim.id)
            jobs.fail(session_factory, claim, INTERNAL)


# --- reading -------------------------------------------------------------------------------------


def get_proposal(session: Session, caller: Caller, plan_id: int, proposal_id: int) -> PlacementProposal:
    row = session.scalar(
        select(PlacementProposal)
        .join(Plan, Plan.id == PlacementProposal.plan_id)
        .where(
            PlacementProposal.id == proposal_id,
            PlacementProposal.plan_id == plan_id,
            Plan.organization_id == caller.organization_id,
        )
    )
    if row is None:
        raise NotFound(f"no placement proposal {proposal_id} of plan {plan_id}")
    return row


def latest_proposal(session: Session, caller: Caller, plan_id: int) -> PlacementProposal:
    plan = get_plan(session, caller, plan_id)
    row = session.scalar(
        select(PlacementProposal)
        .where(PlacementProposal.plan_id == plan.id)
        .order_by(PlacementProposal.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"plan {plan_id} has no placement proposal yet")
    return row


def is_current(session: Session, row: PlacementProposal) -> bool:
    """Is the plan's inventory still at the version the proposal was made for?"""
    version = session.scalar(select(Plan.inventory_version).where(Plan.id == row.plan_id))
    return version == row.inventory_version


# --- accepting -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Accepted:
    """What accepting did: the proposal (now accepted), the changes applied, the
    inventory's new ETag, the new analysis run and what happened to the findings."""

    proposal: PlacementProposal
    applied: list[dict[str, Any]]
    etag: str
    run: AnalysisRun
    finding_changes: dict[str, int]


def _chosen_vms(vms: Any) -> list[str] | None:
    if vms is None:
        return None
    if not isinstance(vms, list) or not vms:
        raise Invalid("invalid acceptance", [{"path": "vms", "message": "expected a non-empty list of VM ids"}])
    problems, seen = [], set()
    for n, vid in enumerate(vms):
        if not isinstance(vid, str) or not 1 <= len(vid) <= MAX_ID:
            problems.append({"path": f"vms[{n}]", "message": f"expected a VM id of 1 to {MAX_ID} characters"})
        elif vid in seen:
            problems.append({"path": f"vms[{n}]", "message": f"{vid} is listed twice"})
        seen.add(vid)
    if problems:
        raise Invalid("invalid acceptance", problems)
    return list(vms)


def accept_proposal(
    session: Session, caller: Caller, plan_id: int, proposal_id: int, vms: Any = None, if_match: str | None = None
) -> Accepted:
    """Apply proposal ``proposal_id``'s changes (all, or those of ``vms``) to the
    inventory and analyse the plan again, in the caller's one transaction.

    ``if_match`` (the inventory's ETag) is honoured like an inventory write
    (:class:`StaleWrite`, 412). The caller commits.
    """
    chosen = _chosen_vms(vms)
    plan = get_plan(session, caller, plan_id, for_update=True)
    row = get_proposal(session, caller, plan.id, proposal_id)
    check_precondition(plan, if_match)
    if row.state != "succeeded":
        raise Conflict(f"placement proposal {proposal_id} is {row.state}; only a finished proposal can be accepted")
    if row.accepted_at is not None:
        raise Conflict(f"placement proposal {proposal_id} was accepted already (inventory v{row.accepted_version})")
    if row.inventory_version != plan.inventory_version:
        raise Conflict(
            f"placement proposal {proposal_id} was made for inventory v{row.inventory_version}; the inventory is "
            f"now v{plan.inventory_version}: ask for a new proposal"
        )
    proposed = list(row.changes or [])
    if not proposed:
        raise Conflict(f"placement proposal {proposal_id} changes nothing; there is nothing to accept")
    applied = _select(proposed, chosen)
    document = read_inventory(session, plan)
    estate = estate_from_document(document)
    _check_constraints(estate, applied, proposed, chosen)
    hosts = {c["vm"]: c["to"] for c in applied}
    for vm in document.get("vms") or []:
        if vm["id"] in hosts:
            vm["host"] = hosts[vm["id"]]
    how = f"placement proposal {row.id} accepted ({len(applied)} of {len(proposed)} moves)"
    plan, _changed = put_inventory(session, caller, plan.id, document, how=how)
    run, counts = run_analysis(session, caller, plan.id)
    row.accepted_at, row.accepted_by = utcnow(), caller.label[:200] or None
    row.accepted_vms = [c["vm"] for c in applied]
    row.accepted_version, row.analysis_run_id = plan.inventory_version, run.id
    session.flush()
    return Accepted(row, applied, etag(plan), run, counts)


def _select(proposed: list[dict[str, Any]], chosen: list[str] | None) -> list[dict[str, Any]]:
    if chosen is None:
        return proposed
    by_vm = {c["vm"]: c for c in proposed}
    unknown = [
        {"path": f"vms[{n}]", "message": f"{vid} is not a VM the proposal moves (it moves {_listing(list(by_vm))})"}
        for n, vid in enumerate(chosen)
        if vid not in by_vm
    ]
    if unknown:
        raise Invalid("invalid acceptance", unknown)
    wanted = set(chosen)
    return [c for c in proposed if c["vm"] in wanted]


def _listing(ids: list[str], most: int = 10) -> str:
    return ", ".join(ids[:most]) + (f" and {len(ids) - most} more" if len(ids) > most else "")


def _check_constraints(
    estate: Any, applied: list[dict[str, Any]], proposed: list[dict[str, Any]], chosen: list[str] | None
) -> None:
    """Refuse changes that break a hard constraint, naming the proposal's moves they depend on."""
    broken = constraint_violations(estate, {c["vm"]: c["to"] for c in applied})
    if not broken:
        return
    if chosen is None:  # the whole proposal: point at its changes
        path = {c["vm"]: f"changes[{n}]" for n, c in enumerate(proposed)}
    else:
        path = {vid: f"vms[{n}]" for n, vid in enumerate(chosen)}
    taken = {c["vm"] for c in applied}
    left_out = [c for c in proposed if c["vm"] not in taken]
    problems = []
    for v in broken:
        message = v["message"]
        needed = [c["vm"] for c in left_out if c["from"] == v["host"]]
        if needed and v["constraint"] in ("cpu", "memory", "anti-affinity"):
            message += f"; the proposal makes room on {v['host']} by moving {_listing(needed)} off it: include them"
        problems.append({"path": path[v["vm"]], "message": message})
    raise Invalid("these moves break hard constraints of the placement", problems)


# --- what if -------------------------------------------------------------------------------------


def what_if_move(session: Session, caller: Caller, plan_id: int, vm: Any, host: Any) -> dict[str, Any]:
    """VM ``vm`` of the plan moved to host ``host``, in memory: the findings it
    removes, adds or changes (counted with the plan's answers, as the plan's
    summary counts them) and the hard constraints it breaks. Saves nothing."""
    plan = get_plan(session, caller, plan_id)
    estate = read_estate(session, plan)
    problems = []
    if not isinstance(vm, str) or vm not in estate.vms:
        problems.append({"path": "vm", "message": f"expected the id of one of the plan's {len(estate.vms):,} VMs"})
    if not isinstance(host, str) or host not in estate.hosts:
        problems.append(
            {"path": "host", "message": f"expected the id of one of the plan's {len(estate.hosts):,} hosts"}
        )
    elif isinstance(vm, str) and vm in estate.vms and estate.vms[vm].host == host:
        problems.append({"path": "host", "message": f"{vm} is on {host} already: choose another host"})
    if problems:
        raise Invalid("invalid what-if move", problems)
    judge = partial(
        assess, answers=current_answers(session, plan) or None, questionnaire=questionnaire(), plan_id=str(plan.id)
    )
    return {"plan": plan.id, "inventory_version": plan.inventory_version, **what_if(estate, vm, host, judge)}
