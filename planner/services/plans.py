"""Plans and their inventories, always scoped to the caller's organization.

A plan of another organization is reported exactly like a plan that does not
exist (:class:`NotFound`), so a caller cannot even learn that it exists.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Answer, AnswerEvent, InventoryVersion, Plan
from models.base import utcnow
from models.inventory_store import inventory_counts, read_inventory, replace_inventory
from planner.core.inventory import InventoryError, validate_document
from planner.core.inventory.patch import apply_patch, read_patch
from planner.core.inventory.schema import COLLECTIONS
from planner.core.text import text_problem

from .accounts import Caller
from .errors import Invalid, NotFound, StaleWrite

MAX_NAME = 200
MAX_DESCRIPTION = 10_000


def _clean_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("invalid plan", [{"path": "name", "message": "expected a non-empty string"}])
    if problem := text_problem(name):
        raise Invalid("invalid plan", [{"path": "name", "message": problem}])
    name = name.strip()
    if len(name) > MAX_NAME:
        raise Invalid("invalid plan", [{"path": "name", "message": f"expected at most {MAX_NAME} characters"}])
    return name


def _clean_description(description: Any) -> str | None:
    if description is None:
        return None
    if not isinstance(description, str):
        raise Invalid("invalid plan", [{"path": "description", "message": "expected a string or null"}])
    if problem := text_problem(description, multiline=True):
        raise Invalid("invalid plan", [{"path": "description", "message": problem}])
    if len(description) > MAX_DESCRIPTION:
        message = f"expected at most {MAX_DESCRIPTION:,} characters"
        raise Invalid("invalid plan", [{"path": "description", "message": message}])
    return description


def etag(plan: Plan) -> str:
    """The inventory's entity tag: changes exactly when the inventory changes."""
    return f'"inventory-{plan.id}-v{plan.inventory_version}"'


def list_plans(session: Session, caller: Caller, offset: int, limit: int) -> tuple[list[Plan], int]:
    where = Plan.organization_id == caller.organization_id
    total = session.scalar(select(func.count()).select_from(Plan).where(where))
    plans = session.scalars(select(Plan).where(where).order_by(Plan.id).offset(offset).limit(limit)).all()
    return list(plans), total or 0


def get_plan(session: Session, caller: Caller, plan_id: int, *, for_update: bool = False) -> Plan:
    query = select(Plan).where(Plan.id == plan_id, Plan.organization_id == caller.organization_id)
    if for_update:
        query = query.with_for_update()
    plan = session.scalar(query)
    if plan is None:
        raise NotFound(f"no plan {plan_id}")
    return plan


def create_plan(session: Session, caller: Caller, name: Any, description: str | None = None) -> Plan:
    plan = Plan(
        organization_id=caller.organization_id, name=_clean_name(name), description=_clean_description(description)
    )
    session.add(plan)
    session.flush()
    return plan


def rename_plan(
    session: Session, caller: Caller, plan_id: int, name: Any = None, description: str | None = None
) -> Plan:
    plan = get_plan(session, caller, plan_id)
    if name is not None:
        plan.name = _clean_name(name)
    if description is not None:
        plan.description = _clean_description(description)
    session.flush()
    return plan


def delete_plan(session: Session, caller: Caller, plan_id: int) -> None:
    session.delete(get_plan(session, caller, plan_id))
    session.flush()


def plan_counts(session: Session, plan: Plan) -> dict[str, int]:
    return inventory_counts(session, plan)


def get_inventory(session: Session, caller: Caller, plan_id: int) -> tuple[Plan, dict]:
    plan = get_plan(session, caller, plan_id)
    return plan, read_inventory(session, plan)


def _check_precondition(plan: Plan, if_match: str | None) -> None:
    if if_match is None:
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    if "*" not in wanted and etag(plan) not in wanted and f"W/{etag(plan)}" not in wanted:
        raise StaleWrite(f"the inventory has changed: its current ETag is {etag(plan)}")


def put_inventory(
    session: Session,
    caller: Caller,
    plan_id: int,
    document: Any,
    if_match: str | None = None,
    how: str = "whole document replaced",
) -> tuple[Plan, bool]:
    """Replace the plan's inventory with ``document``; returns (plan, changed).
    ``how`` is what the version list says of the change."""
    try:
        normalized = validate_document(document)
    except InventoryError as exc:
        raise Invalid("the inventory document is invalid", [p.to_dict() for p in exc.problems]) from None
    plan = get_plan(session, caller, plan_id, for_update=True)
    _check_precondition(plan, if_match)
    return plan, _store(session, caller, plan, normalized, how)


def patch_inventory(
    session: Session,
    caller: Caller,
    plan_id: int,
    patch: Any,
    if_match: str | None = None,
    how: str = "objects changed",
) -> tuple[Plan, bool]:
    """Upsert the objects in ``patch`` and delete those it lists; returns (plan, changed).

    Like :func:`put_inventory`, the body is checked before the plan is locked
    and its If-Match compared; what depends on the stored inventory (ids to
    delete, references) after."""
    parsed = read_patch(patch)
    plan = get_plan(session, caller, plan_id, for_update=True)
    if parsed.valid:  # an invalid body is 422 whatever its If-Match says
        _check_precondition(plan, if_match)
    current = read_inventory(session, plan)
    try:
        merged = apply_patch(current, parsed)
    except InventoryError as exc:
        raise Invalid("the inventory patch is invalid", [p.to_dict() for p in exc.problems]) from None
    return plan, _store(session, caller, plan, merged, how, current)


# --- versions: every change of an inventory keeps the document it made ----------------------


def _store(session: Session, caller: Caller, plan: Plan, document: dict, how: str, current: dict | None = None) -> bool:
    """Write ``document`` as the plan's inventory and keep it as the version it makes."""
    _keep_base_version(session, plan, current)
    changed = replace_inventory(session, plan, document)
    if changed:
        _record_version(session, plan, document, caller.label or None, how)
    return changed


def _record_version(session: Session, plan: Plan, document: dict, by: str | None, how: str) -> None:
    packed = zlib.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), 6)
    counts = {name: len(document.get(name) or []) for name in COLLECTIONS}
    session.add(
        InventoryVersion(
            plan_id=plan.id,
            version=plan.inventory_version,
            recorded_at=utcnow(),
            recorded_by=by[:200] if by else None,
            how=how[:200],
            counts=counts,
            document=packed,
        )
    )
    session.flush()


def _keep_base_version(session: Session, plan: Plan, current: dict | None) -> None:
    """Before a write, keep the version it starts from if nothing has kept it yet
    (an inventory stored before versions were kept); version 0 is the empty inventory."""
    if not plan.inventory_version:
        return
    kept = session.scalar(
        select(InventoryVersion.id).where(
            InventoryVersion.plan_id == plan.id, InventoryVersion.version == plan.inventory_version
        )
    )
    if kept is None:
        document = current if current is not None else read_inventory(session, plan)
        _record_version(session, plan, document, None, "stored before versions were kept")


def unpack_version(row: InventoryVersion) -> dict:
    """The document a kept version holds."""
    return json.loads(zlib.decompress(row.document))


# --- a plan's life: copy, archive, restore -------------------------------------------------


def copy_plan(session: Session, caller: Caller, source_id: int, name: Any, description: str | None = None) -> Plan:
    """A new plan with ``source_id``'s inventory (as its version 1) and its answers with their
    history (who answered what, when); not its analysis runs, triage or reports (analyse the copy)."""
    source = get_plan(session, caller, source_id)
    copy = create_plan(session, caller, name, description)
    document = read_inventory(session, source)
    if replace_inventory(session, copy, document):
        _record_version(session, copy, document, caller.label or None, f"copied from plan {source.name!r}")
    copy.questionnaire_version = source.questionnaire_version
    for model in (Answer, AnswerEvent):
        columns = [c.key for c in model.__table__.columns if c.key not in ("id", "plan_id")]
        for row in session.scalars(select(model).where(model.plan_id == source.id).order_by(model.id)):
            session.add(model(plan_id=copy.id, **{c: getattr(row, c) for c in columns}))
    session.flush()
    return copy


def set_archived(session: Session, caller: Caller, plan_id: int, archived: bool) -> Plan:
    """Archive a plan (kept whole, left out of the plans list) or restore it."""
    plan = get_plan(session, caller, plan_id, for_update=True)
    if archived:
        plan.archived_at = plan.archived_at or utcnow()
    else:
        plan.archived_at = None
    session.flush()
    return plan
