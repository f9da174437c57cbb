"""Evidence attached to a plan (hardening baselines, assessment checklists), and
what it says per host.

Attaching reads the whole file first (:func:`planner.evidence.read_evidence`); a
file that is not exactly readable is refused with every problem and nothing is
written. The same file attached twice is the same evidence (its SHA-256), not a
second copy. :func:`plan_hardening` is what the plan's assessment shows.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Plan, PlanEvidence
from planner.core.hardening import Baseline, Checklist, Hardening, hardening_status
from planner.core.inventory import Estate
from planner.core.text import text_problem
from planner.evidence import EvidenceError, read_evidence

from .accounts import Caller
from .errors import Invalid, NotFound
from .plans import get_plan

MAX_FILENAME = 255


def _filename(name: Any) -> str:
    """The file's own name (without folders), one line of 1 to MAX_FILENAME characters (the text rule)."""
    base = name.strip().replace("\\", "/").rsplit("/", 1)[-1].strip() if isinstance(name, str) else ""
    problem = (
        f"expected a file name of 1 to {MAX_FILENAME} characters" if not base or len(name) > MAX_FILENAME else None
    )
    problem = problem or text_problem(base)
    if problem:
        raise Invalid("invalid evidence", [{"path": "filename", "message": problem}])
    return base


def attach_evidence(
    session: Session, caller: Caller, plan_id: int, filename: Any, data: bytes, fmt: str | None = None
) -> tuple[PlanEvidence, bool]:
    """Read ``data`` and attach it to the plan: (the evidence, whether it is new)."""
    plan = get_plan(session, caller, plan_id, for_update=True)
    name = _filename(filename)
    try:
        evidence = read_evidence(name, data, fmt)
    except EvidenceError as exc:
        raise Invalid(f"{name} is not readable evidence", [p.to_dict() for p in exc.problems]) from None
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(
        select(PlanEvidence).where(PlanEvidence.plan_id == plan.id, PlanEvidence.sha256 == digest)
    )
    if existing is not None:
        return existing, False
    row = PlanEvidence(
        plan_id=plan.id,
        kind=evidence.kind,
        format=evidence.format,
        filename=name,
        sha256=digest,
        size=len(data),
        content=evidence.content(),
        summary=evidence.summary(),
        uploaded_by=caller.label or None,
    )
    session.add(row)
    session.flush()
    return row, True


def list_evidence(session: Session, caller: Caller, plan_id: int) -> list[PlanEvidence]:
    plan = get_plan(session, caller, plan_id)
    return list(session.scalars(select(PlanEvidence).where(PlanEvidence.plan_id == plan.id).order_by(PlanEvidence.id)))


def get_evidence(session: Session, caller: Caller, plan_id: int, evidence_id: int) -> PlanEvidence:
    plan = get_plan(session, caller, plan_id)
    row = session.scalar(select(PlanEvidence).where(PlanEvidence.plan_id == plan.id, PlanEvidence.id == evidence_id))
    if row is None:
        raise NotFound(f"no evidence {evidence_id} in plan {plan_id}")
    return row


def delete_evidence(session: Session, caller: Caller, plan_id: int, evidence_id: int) -> None:
    session.delete(get_evidence(session, caller, plan_id, evidence_id))
    session.flush()


def evidence_version(session: Session, plan: Plan) -> tuple[int, int]:
    """(count, highest id) of the plan's evidence: changes whenever evidence is attached or removed."""
    count, top = session.execute(
        select(func.count(PlanEvidence.id), func.max(PlanEvidence.id)).where(PlanEvidence.plan_id == plan.id)
    ).one()
    return count or 0, top or 0


def plan_hardening(session: Session, plan: Plan, estate: Estate) -> Hardening | None:
    """Per host of ``estate``, what the plan's evidence says (None: the plan has none)."""
    rows = session.scalars(select(PlanEvidence).where(PlanEvidence.plan_id == plan.id).order_by(PlanEvidence.id)).all()
    if not rows:
        return None
    baselines = [Baseline.from_dict(r.content["baseline"]) for r in rows if r.kind == "baseline"]
    checklists = [
        (r.filename, Checklist.from_dict(c)) for r in rows if r.kind == "checklist" for c in r.content["checklists"]
    ]
    return hardening_status(estate, baselines, checklists)


def evidence_dict(row: PlanEvidence) -> dict[str, Any]:
    """The API's description of one piece of evidence (its content is the plan's hardening)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "format": row.format,
        "filename": row.filename,
        "sha256": row.sha256,
        "size": row.size,
        "summary": dict(row.summary),
        "uploaded_at": row.uploaded_at.isoformat(),
        "uploaded_by": row.uploaded_by,
    }
