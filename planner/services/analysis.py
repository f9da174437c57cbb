"""Analysis runs and the findings they keep, with their triage.

:func:`run_analysis` assesses a plan's stored inventory and answers and makes
the stored findings match what fires now, keyed by fingerprint:

- a fingerprint never seen before is inserted, open, with a "created" event;
- one that still fires has its content (title, levels, factors, evidence...)
  refreshed and keeps its triage (status, justification, who, when);
- one that was resolved and fires again is reopened (event "reopened"), with
  the triage it had;
- one that no longer fires is marked resolved (event "resolved"), never deleted.

The findings are synced in the caller's transaction with bulk statements (a
handful of queries whatever the number of findings), under a lock on the plan
row so two runs of one plan cannot interleave; the assessment before it takes
no lock (see :func:`run_analysis`). Everything is scoped to the caller's
organization through :func:`planner.services.plans.get_plan`: another
organization's plan or finding is :class:`NotFound`.

The demo and the API call these functions; they know nothing of HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from models import TRIAGE_STATUSES, AnalysisRun, Finding, FindingEvent, FindingObject, FindingScope, Plan
from models.base import utcnow
from models.database import reading
from models.inventory_store import read_estate
from planner.core.allocation import bulk_allocation
from planner.core.analysis import LEVELS, finding_order
from planner.core.analysis import Finding as CoreFinding
from planner.core.analysis.findings import OBJECT_KINDS
from planner.core.assessment import Assessment, Scope, assessment
from planner.core.text import text_problem, valid_text

from .accounts import Caller
from .answers import answers_etag, current_answers, questionnaire
from .errors import Invalid, NotFound
from .plans import get_plan

#: The finding's fields of the analysis-v1 contract that analysis refreshes.
CONTENT = (
    "rule",
    "title",
    "objects",
    "likelihood",
    "impact",
    "risk",
    "factors",
    "evidence",
    "references",
    "remediation",
)
#: What a finding row stores of it beside the contract's fields: its place in the one order
#: of findings, and the zones and hosts it touches (as the summary counts them).
STORED = (*CONTENT, "order_key", "scope")
CHANGE_KINDS = ("new", "still", "reopened", "resolved")
MAX_JUSTIFICATION = 10_000
#: Findings one bulk triage may change.
MAX_SELECTION = 1000
_CHUNK = 1000


@dataclass(frozen=True)
class ObjectFilter:
    kind: str
    id: str


def parse_object(value: str) -> ObjectFilter:
    """``"kind:id"`` -> ObjectFilter; ids may themselves contain colons."""
    kind, colon, ext_id = value.partition(":")
    if not colon:
        raise Invalid("invalid object filter", [{"path": "object", "message": "expected kind:id, e.g. host:esx-01"}])
    if kind not in OBJECT_KINDS:
        raise Invalid(
            "invalid object filter",
            [{"path": "object", "message": f"unknown kind {kind!r}: expected one of {', '.join(OBJECT_KINDS)}"}],
        )
    if not ext_id or len(ext_id) > 200 or not valid_text(ext_id):
        raise Invalid(
            "invalid object filter",
            [{"path": "object", "message": "expected an id of 1 to 200 characters after the colon"}],
        )
    return ObjectFilter(kind, ext_id)


# --- running the analysis -----------------------------------------------------


def _plain(value: Any) -> Any:
    """The value as JSON gives it back (tuples become lists), so stored and
    fresh content compare equal when they are."""
    return json.loads(json.dumps(value))


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _object_rows(plan_id: int, finding_id: int, objects: list[dict]) -> list[dict]:
    seen = dict.fromkeys((o["kind"], o["id"]) for o in objects)
    return [{"finding_id": finding_id, "plan_id": plan_id, "kind": k, "ext_id": i} for k, i in seen]


def _scope_rows(plan_id: int, finding_id: int, scope: dict | None) -> list[dict]:
    scope = scope or {}
    return [
        {"finding_id": finding_id, "plan_id": plan_id, "kind": kind, "ext_id": ext_id}
        for kind, key in (("zone", "zones"), ("host", "hosts"))
        for ext_id in scope.get(key, ())
    ]


def _scope(scope: Scope | None) -> dict | None:
    return None if scope is None else {"zones": list(scope[0]), "hosts": list(scope[1])}


def answers_version(session: Session, plan: Plan) -> str:
    """What a run records of the answers it assessed: their ETag (it changes with
    every answer change and with the questionnaire version)."""
    return answers_etag(session, plan, questionnaire()).strip('"')


#: Assessments of a plan made without holding its lock before one is made holding it,
#: when the plan's inventory or answers keep changing while it is assessed.
UNLOCKED_ATTEMPTS = 2


@dataclass(frozen=True)
class _Assessed:
    """An assessment of a plan and the versions of the inputs it assessed: inventory
    version, questionnaire version the answers were given against, answers version."""

    versions: tuple[int, str | None, str]
    result: Assessment


def _assess(session: Session, plan: Plan) -> _Assessed:
    """Assess ``plan`` (already scoped by the caller) as stored now: its findings, and the
    placement advice counted with the same answers. Takes no lock; the versions are read
    before the inputs, so a change committed while they are read shows as a change."""
    session.refresh(plan)  # as stored now, whatever an earlier transaction left in the session
    versions = _versions(session, plan)
    estate = read_estate(session, plan)
    answers = current_answers(session, plan) or None
    with bulk_allocation():  # a large estate's findings: see planner.core.allocation
        result = assessment(estate, answers, questionnaire(), plan_id=str(plan.id))
    return _Assessed(versions, result)


def _versions(session: Session, plan: Plan) -> tuple[int, str | None, str]:
    return (plan.inventory_version, plan.questionnaire_version, answers_version(session, plan))


def run_analysis(session: Session, caller: Caller, plan_id: int) -> tuple[AnalysisRun, dict[str, int]]:
    """Assess the plan as stored — findings, then the placement advice counted
    with the same answers (:func:`planner.core.assessment.assessment`) — keep
    both with a new run and sync the findings; returns (run, changes).

    The assessment (seconds of CPU on a large plan) is made without the plan's
    lock, so answer and inventory writes do not wait for it: the inputs are read
    with their versions and assessed, then the plan is locked only to store the
    run and sync the findings. If the inventory or the answers changed meanwhile,
    the plan is assessed again as it is now: a run is always of the plan as it
    stands when the run is stored, so the findings never go back to an older
    state (a run that finishes after a newer one would otherwise undo it). After
    :data:`UNLOCKED_ATTEMPTS` such changes the plan is assessed holding the lock,
    which nothing overtakes. In a session with no transaction yet, the reads
    take no write lock on SQLite either (:func:`models.database.reading`); in a
    transaction already begun they are part of it (on SQLite a writer's
    transaction holds the database's one write lock from its start).

    ``changes`` counts findings by what happened to them: new, still (firing
    before and now), reopened, resolved. The caller commits.
    """
    started = utcnow()
    for _attempt in range(UNLOCKED_ATTEMPTS):
        own = not session.in_transaction()
        with reading(session):
            assessed = _assess(session, get_plan(session, caller, plan_id))
        plan = get_plan(session, caller, plan_id, for_update=True)
        if _versions(session, plan) == assessed.versions:
            return _record(session, caller, plan, assessed, started)
        if not own:
            break  # the lock is held until the caller's transaction ends
        session.rollback()  # nothing written yet: let the lock go and assess again
    else:
        plan = get_plan(session, caller, plan_id, for_update=True)
    # Changed meanwhile again: assessed holding the lock, which nothing overtakes.
    return _record(session, caller, plan, _assess(session, plan), started)


def _record(
    session: Session, caller: Caller, plan: Plan, assessed: _Assessed, started: dt.datetime
) -> tuple[AnalysisRun, dict[str, int]]:
    """Store the run of ``assessed`` (of the locked ``plan``'s current inputs) and sync the findings."""
    result = assessed.result
    inventory_version, questionnaire_version, answers = assessed.versions
    run = AnalysisRun(
        plan_id=plan.id,
        inventory_version=inventory_version,
        questionnaire_version=questionnaire_version,
        answers_version=answers,
        started_at=started,
        requested_by=caller.label or None,
        summary={},
        placement=_plain(result.placement),
    )
    session.add(run)
    session.flush()
    counts = sync_findings(session, run, result.findings, result.scopes)
    run.summary = {
        "findings": counts["new"] + counts["still"] + counts["reopened"],
        **result.summary,
        "changes": counts,
    }
    run.finished_at = utcnow()
    session.flush()
    return run, counts


def sync_findings(
    session: Session, run: AnalysisRun, findings: Iterable[CoreFinding], scopes: Mapping[str, Scope] | None = None
) -> dict[str, int]:
    """Make the plan's stored findings match ``findings`` (what fires now),
    on behalf of ``run`` (flushed, so it has an id); returns the change counts.
    ``scopes`` (by fingerprint, :attr:`planner.core.assessment.Assessment.scopes`)
    are the zones and hosts each finding touches, kept for filtering.

    A fixed number of statements whatever the number of findings: one read
    of the stored findings, then bulk inserts and updates.
    """
    plan_id, who, now = run.plan_id, run.requested_by, utcnow()

    def event(finding_id: int, kind: str, to_status: str | None = None) -> dict:
        # Same keys for every row, so the bulk insert keeps them in order.
        return {
            "finding_id": finding_id,
            "at": now,
            "by": who,
            "event": kind,
            "from_status": None,
            "to_status": to_status,
            "justification": None,
            "run_id": run.id,
        }

    fresh: dict[str, dict] = {}
    for f in findings:
        # One row per fingerprint; the engine never emits two, this only keeps
        # a duplicate from failing the whole run on the unique constraint.
        if f.fingerprint not in fresh:
            content = _plain({k: v for k, v in f.to_dict().items() if k != "fingerprint"})
            scope = _scope((scopes or {}).get(f.fingerprint))
            fresh[f.fingerprint] = {**content, "order_key": finding_order(f), "scope": scope}

    stored = {
        r.fingerprint: r
        for r in session.execute(
            select(Finding.id, Finding.fingerprint, Finding.resolved, *(getattr(Finding, c) for c in STORED)).where(
                Finding.plan_id == plan_id
            )
        )
    }

    new_rows, refreshed, unlinked, linked, events = [], [], [], [], []
    unscoped, scoped = [], []
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    for fp, content in fresh.items():
        row = stored.get(fp)
        if row is None:
            new_rows.append(
                {
                    "plan_id": plan_id,
                    "fingerprint": fp,
                    **content,
                    "status": "open",
                    "resolved": False,
                    "first_seen_run_id": run.id,
                    "last_seen_run_id": run.id,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
            )
            counts["new"] += 1
            continue
        changed = {c: content[c] for c in STORED if getattr(row, c) != content[c]}
        if row.resolved:
            changed.update(resolved=False, resolved_at=None)
            events.append(event(row.id, "reopened"))
            counts["reopened"] += 1
        else:
            counts["still"] += 1
        if changed:
            refreshed.append({"id": row.id, **changed})
        if "objects" in changed:
            unlinked.append(row.id)
            linked.append((row.id, content["objects"]))
        if "scope" in changed:
            unscoped.append(row.id)
            scoped.append((row.id, content["scope"]))
    gone = [r.id for fp, r in stored.items() if fp not in fresh and not r.resolved]
    counts["resolved"] = len(gone)

    if new_rows:
        # executemany without RETURNING (row-at-a-time on some backends), then
        # one query for the new ids: the rows this run saw first.
        session.execute(insert(Finding), new_rows)
        ids = dict(
            session.execute(
                select(Finding.fingerprint, Finding.id).where(
                    Finding.plan_id == plan_id, Finding.first_seen_run_id == run.id
                )
            ).all()
        )
        events += [event(ids[r["fingerprint"]], "created", to_status="open") for r in new_rows]
        linked += [(ids[r["fingerprint"]], r["objects"]) for r in new_rows]
        scoped += [(ids[r["fingerprint"]], r["scope"]) for r in new_rows]
    if refreshed:
        session.execute(update(Finding), refreshed)
    if gone:
        session.execute(update(Finding), [{"id": i, "resolved": True, "resolved_at": now} for i in gone])
        events += [event(i, "resolved") for i in gone]
    for chunk in _chunks(unlinked):
        session.execute(delete(FindingObject).where(FindingObject.finding_id.in_(chunk)))
    links = [link for i, objects in linked for link in _object_rows(plan_id, i, objects)]
    if links:
        session.execute(insert(FindingObject), links)
    for chunk in _chunks(unscoped):
        session.execute(delete(FindingScope).where(FindingScope.finding_id.in_(chunk)))
    scope_links = [link for i, scope in scoped for link in _scope_rows(plan_id, i, scope)]
    if scope_links:
        session.execute(insert(FindingScope), scope_links)
    if events:
        session.execute(insert(FindingEvent), events)
    session.execute(
        update(Finding)
        .where(Finding.plan_id == plan_id, Finding.resolved.is_(False))
        .values(last_seen_at=now, last_seen_run_id=run.id)
        .execution_options(synchronize_session=False)
    )
    return counts


def latest_run(session: Session, caller: Caller, plan_id: int) -> AnalysisRun:
    plan = get_plan(session, caller, plan_id)
    run = session.scalar(
        select(AnalysisRun).where(AnalysisRun.plan_id == plan.id).order_by(AnalysisRun.id.desc()).limit(1)
    )
    if run is None:
        raise NotFound(f"plan {plan_id} has not been analysed yet")
    return run


# --- reading findings ---------------------------------------------------------


def _check_choices(values: Iterable[str] | None, allowed: tuple[str, ...], path: str) -> list[str] | None:
    if values is None:
        return None
    values = [values] if isinstance(values, str) else list(values)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise Invalid(
            f"invalid {path} filter",
            [{"path": path, "message": f"unknown {path} {bad[0]!r}: expected one of {', '.join(allowed)}"}],
        )
    return values


#: How the register may be sorted; the first is the one order of findings (worst first).
SORTS = ("risk", "-risk", "rule", "status", "title", "newest")
_ORDER_BY = {
    "risk": (Finding.order_key, Finding.id),
    "-risk": (Finding.order_key.desc(), Finding.id.desc()),
    "rule": (Finding.rule, Finding.order_key, Finding.id),
    "status": (Finding.status, Finding.order_key, Finding.id),
    "title": (Finding.title, Finding.order_key, Finding.id),
    "newest": (Finding.first_seen_at.desc(), Finding.order_key, Finding.id),
}
MAX_TEXT = 200


def _check_text(text: Any) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise Invalid(
            "invalid text filter", [{"path": "text", "message": f"expected text of at most {MAX_TEXT} characters"}]
        )
    if problem := text_problem(text):
        raise Invalid("invalid text filter", [{"path": "text", "message": problem}])
    return text.strip() or None


def _check_ids(values: Iterable[str] | str | None, path: str) -> list[str] | None:
    """Zone or host ids of a filter: text of 1 to 200 characters each."""
    ids = _values(values)
    for value in ids or ():
        if not isinstance(value, str) or not 0 < len(value) <= 200 or not valid_text(value):
            raise Invalid(f"invalid {path} filter", [{"path": path, "message": "expected ids of 1 to 200 characters"}])
    return ids


def _values(value: Iterable[str] | str | None) -> list[str] | None:
    return [value] if isinstance(value, str) else (list(value) if value is not None else None)


def _in_scope(plan_id: int, kind: str, ids: list[str]) -> Any:
    return exists().where(
        FindingScope.finding_id == Finding.id,
        FindingScope.plan_id == plan_id,
        FindingScope.kind == kind,
        FindingScope.ext_id.in_(ids),
    )


def list_findings(
    session: Session,
    caller: Caller,
    plan_id: int,
    risk: Iterable[str] | str | None = None,
    rule: Iterable[str] | str | None = None,
    status: Iterable[str] | str | None = None,
    object: str | ObjectFilter | None = None,
    resolved: bool | None = False,
    offset: int = 0,
    limit: int = 100,
    *,
    zone: Iterable[str] | str | None = None,
    host: Iterable[str] | str | None = None,
    text: str | None = None,
    sort: str = "risk",
) -> tuple[list[Finding], int]:
    """The plan's findings that match every filter given, one page of them in
    ``sort`` order (default: the one order of findings, worst first,
    :func:`planner.core.analysis.finding_order`), and how many match.

    ``risk``, ``rule``, ``status``, ``zone`` and ``host`` each take one value or
    several (any of them matches); a finding is in a zone or on a host when it
    touches it as the analysis summary counts it (``by_zone``, ``by_host``:
    a VM's zone and host, a host's VMs' zones...). ``object`` is ``"kind:id"``;
    ``text`` matches, ignoring case, the title, the rule, the justification or
    an object's id; ``resolved`` False (the default: findings that fire now),
    True (only resolved ones) or None (all). Every filter is a SQL condition
    on indexed columns: nothing is filtered in Python.
    """
    plan = get_plan(session, caller, plan_id)
    risks = _check_choices(risk, LEVELS, "risk")
    statuses = _check_choices(status, TRIAGE_STATUSES, "status")
    if sort not in SORTS:
        raise Invalid(
            "invalid sort", [{"path": "sort", "message": f"unknown sort {sort!r}: expected one of {', '.join(SORTS)}"}]
        )
    words = _check_text(text)
    rules, zones, hosts = _values(rule), _check_ids(zone, "zone"), _check_ids(host, "host")
    where = [Finding.plan_id == plan.id]
    if risks is not None:
        where.append(Finding.risk.in_(risks))
    if rules is not None:
        where.append(Finding.rule.in_(rules))
    if statuses is not None:
        where.append(Finding.status.in_(statuses))
    if resolved is not None:
        where.append(Finding.resolved.is_(bool(resolved)))
    if zones is not None:
        where.append(_in_scope(plan.id, "zone", zones))
    if hosts is not None:
        where.append(_in_scope(plan.id, "host", hosts))
    if object is not None:
        target = parse_object(object) if isinstance(object, str) else object
        where.append(
            exists().where(
                FindingObject.finding_id == Finding.id,
                FindingObject.plan_id == plan.id,
                FindingObject.kind == target.kind,
                FindingObject.ext_id == target.id,
            )
        )
    if words is not None:
        where.append(
            or_(
                Finding.title.icontains(words, autoescape=True),
                Finding.rule.icontains(words, autoescape=True),
                Finding.justification.icontains(words, autoescape=True),
                exists().where(
                    FindingObject.finding_id == Finding.id,
                    FindingObject.plan_id == plan.id,
                    FindingObject.ext_id.icontains(words, autoescape=True),
                ),
            )
        )
    total = session.scalar(select(func.count()).select_from(Finding).where(*where)) or 0
    findings = session.scalars(
        select(Finding).where(*where).order_by(*_ORDER_BY[sort]).offset(offset).limit(limit)
    ).all()
    return list(findings), total


@dataclass(frozen=True)
class RegisterFacets:
    """What the plan's current findings can be filtered by, each value with its
    count of findings (rules, zones and hosts sorted by id); and the counts by
    risk and triage status (``by_risk_status[(risk, status)]``)."""

    rules: dict[str, int]
    zones: dict[str, int]
    hosts: dict[str, int]
    by_risk_status: dict[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.by_risk_status.values())

    def by_risk(self, statuses: Iterable[str] = TRIAGE_STATUSES) -> dict[str, int]:
        """Findings per risk level, very high first (all five levels), counting only ``statuses``."""
        wanted = set(statuses)
        counts = dict.fromkeys(reversed(LEVELS), 0)
        for (level, state), n in self.by_risk_status.items():
            if state in wanted:
                counts[level] += n
        return counts


def register_facets(session: Session, caller: Caller, plan_id: int) -> RegisterFacets:
    """The values the register's filters offer, from the findings that fire now (three grouped queries)."""
    plan = get_plan(session, caller, plan_id)
    active = (Finding.plan_id == plan.id, Finding.resolved.is_(False))
    rules = session.execute(
        select(Finding.rule, func.count()).where(*active).group_by(Finding.rule).order_by(Finding.rule)
    )
    levels = session.execute(
        select(Finding.risk, Finding.status, func.count()).where(*active).group_by(Finding.risk, Finding.status)
    )
    scopes = session.execute(
        select(FindingScope.kind, FindingScope.ext_id, func.count())
        .join(Finding, Finding.id == FindingScope.finding_id)
        .where(FindingScope.plan_id == plan.id, Finding.resolved.is_(False))
        .group_by(FindingScope.kind, FindingScope.ext_id)
        .order_by(FindingScope.kind, FindingScope.ext_id)
    ).all()
    return RegisterFacets(
        rules={rule: n for rule, n in rules},
        zones={ext_id: n for kind, ext_id, n in scopes if kind == "zone"},
        hosts={ext_id: n for kind, ext_id, n in scopes if kind == "host"},
        by_risk_status={(level, state): n for level, state, n in levels},
    )


def get_finding(session: Session, caller: Caller, plan_id: int, finding_id: int) -> Finding:
    """One finding of the plan, with its events (``finding.events``, oldest first)."""
    plan = get_plan(session, caller, plan_id)
    finding = session.scalar(
        select(Finding)
        .where(Finding.id == finding_id, Finding.plan_id == plan.id)
        .options(selectinload(Finding.events))
        .execution_options(populate_existing=True)  # as stored now, also after a bulk triage
    )
    if finding is None:
        raise NotFound(f"no finding {finding_id} in plan {plan_id}")
    return finding


# --- triage -------------------------------------------------------------------


def _clean_justification(status: Any, justification: Any) -> str | None:
    problems = []
    if status not in TRIAGE_STATUSES:
        problems.append(
            {"path": "status", "message": f"unknown status {status!r}: expected one of {', '.join(TRIAGE_STATUSES)}"}
        )
    text = None
    if justification is not None:
        if not isinstance(justification, str):
            problems.append({"path": "justification", "message": "expected a string"})
        elif problem := text_problem(justification, multiline=True):
            problems.append({"path": "justification", "message": problem})
        elif len(justification) > MAX_JUSTIFICATION:
            problems.append({"path": "justification", "message": f"expected at most {MAX_JUSTIFICATION} characters"})
        else:
            text = justification.strip() or None
    if (
        text is None
        and status != "open"
        and status in TRIAGE_STATUSES
        and not any(p["path"] == "justification" for p in problems)
    ):
        problems.append({"path": "justification", "message": f"a justification is required to set status {status!r}"})
    if problems:
        raise Invalid("invalid triage", problems)
    return text


def set_status(
    session: Session, caller: Caller, plan_id: int, finding_id: int, status: Any, justification: Any = None
) -> Finding:
    """Triage one finding (resolved or not): :func:`set_status_many` of it alone; the finding as it is now."""
    set_status_many(session, caller, plan_id, [finding_id], status, justification)
    return get_finding(session, caller, plan_id, finding_id)


def _clean_selection(finding_ids: Any) -> list[int]:
    if isinstance(finding_ids, (str, bytes)) or not isinstance(finding_ids, Iterable):
        raise Invalid("invalid selection", [{"path": "findings", "message": "expected a list of finding ids"}])
    ids = list(finding_ids)
    if not ids:
        raise Invalid("invalid selection", [{"path": "findings", "message": "select at least one finding"}])
    if len(ids) > MAX_SELECTION:
        raise Invalid(
            "invalid selection",
            [{"path": "findings", "message": f"expected at most {MAX_SELECTION} findings at once; got {len(ids)}"}],
        )
    for i, value in enumerate(ids):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
            raise Invalid(
                "invalid selection", [{"path": f"findings[{i}]", "message": f"expected a finding id; got {value!r}"}]
            )
    return list(dict.fromkeys(ids))


def set_status_many(
    session: Session, caller: Caller, plan_id: int, finding_ids: Any, status: Any, justification: Any = None
) -> int:
    """Triage the plan's findings ``finding_ids`` at once with one status and
    one justification: each gets status, justification, who, when, and a
    "status" event with from, to and the justification. All or nothing: an id
    that is not a finding of the plan is :class:`NotFound` and nothing changes.

    Any status but ``open`` needs a non-empty justification. A finding that
    has exactly this status and justification already is left alone (no
    event). Returns how many changed. A fixed number of statements whatever
    the size of the selection.
    """
    text = _clean_justification(status, justification)
    ids = _clean_selection(finding_ids)
    plan = get_plan(session, caller, plan_id)
    rows = session.execute(
        select(Finding.id, Finding.status, Finding.justification).where(Finding.plan_id == plan.id, Finding.id.in_(ids))
    ).all()
    missing = sorted(set(ids) - {r.id for r in rows})
    if missing:
        raise NotFound(f"no finding {missing[0]} in plan {plan_id}")
    changing = [r for r in rows if (r.status, r.justification) != (status, text)]
    if not changing:
        return 0
    now, who = utcnow(), caller.label or None
    session.execute(
        insert(FindingEvent),
        [
            {
                "finding_id": r.id,
                "at": now,
                "by": who,
                "event": "status",
                "from_status": r.status,
                "to_status": status,
                "justification": text,
                "run_id": None,
            }
            for r in changing
        ],
    )
    session.execute(
        update(Finding),
        [{"id": r.id, "status": status, "justification": text, "status_by": who, "status_at": now} for r in changing],
    )
    return len(changing)
