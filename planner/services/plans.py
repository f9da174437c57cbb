"""Plans and their inventories, always scoped to the caller's organization.

A plan of another organization is reported exactly like a plan that does not
exist (:class:`NotFound`), so a caller cannot even learn that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Answer, AnswerEvent, Plan
from models.base import utcnow
from models.inventory_store import (
    body_digest,
    inventory_counts,
    inventory_header,
    made_from,
    read_document,
    read_inventory,
    read_inventory_json,
    replace_inventory,
)
from planner.core.inventory import InventoryDocument, InventoryError, validate_document
from planner.core.inventory.document import document_from_dict
from planner.core.inventory.patch import apply_patch, read_patch
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
    if for_update:  # the row as it is once locked, whatever the session read of it before
        query = query.with_for_update().execution_options(populate_existing=True)
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


def plan_inventory_header(session: Session, plan: Plan) -> dict:
    """The plan's inventory without its collections (schema, as_of, source, policy)."""
    return inventory_header(session, plan)


def get_inventory(session: Session, caller: Caller, plan_id: int) -> tuple[Plan, dict]:
    """The plan and its inventory as a normalized document."""
    plan = get_plan(session, caller, plan_id)
    return plan, read_inventory(session, plan)


def get_inventory_json(session: Session, caller: Caller, plan_id: int) -> tuple[Plan, bytes]:
    """The plan and its inventory's canonical JSON, as stored (what a GET sends)."""
    plan = get_plan(session, caller, plan_id)
    return plan, read_inventory_json(session, plan)


def check_precondition(plan: Plan, if_match: str | None) -> None:
    """Refuse (:class:`StaleWrite`) a write whose If-Match names another version of the inventory."""
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
    *,
    body: str | None = None,
) -> tuple[Plan, bool]:
    """Replace the plan's inventory with ``document`` (a parsed document, or one the core
    has read already, an :class:`InventoryDocument`); returns (plan, changed).
    ``how`` is what the version list says of the change; ``body`` the digest of the
    request body ``document`` was read from (:func:`put_inventory_body`)."""
    try:
        normalized = (
            document if isinstance(document, InventoryDocument) else document_from_dict(validate_document(document))
        )
    except InventoryError as exc:
        raise Invalid("the inventory document is invalid", [p.to_dict() for p in exc.problems]) from None
    plan = get_plan(session, caller, plan_id, for_update=True)
    check_precondition(plan, if_match)
    return plan, replace_inventory(session, plan, normalized, by=caller.label or None, how=how, body=body)


def put_inventory_body(
    session: Session,
    caller: Caller,
    plan_id: int,
    data: bytes,
    read: Callable[[bytes], Any],
    if_match: str | None = None,
    how: str = "whole document replaced",
) -> tuple[Plan, bool]:
    """:func:`put_inventory` of the document a request body's bytes ``data`` hold, as
    ``read`` reads them (it raises what the caller answers for an unreadable body).

    The very bytes the plan's current version was made from (or its canonical JSON)
    are that version: they are answered unchanged, If-Match honoured, without being
    read again — a client re-sending its unchanged export pays a digest, not a
    validation."""
    digest = body_digest(data)
    plan = _current_version_from(session, caller, plan_id, digest)
    if plan is not None:
        check_precondition(plan, if_match)
        return plan, False
    return put_inventory(session, caller, plan_id, read(data), if_match, how, body=digest)


def _current_version_from(session: Session, caller: Caller, plan_id: int, digest: str) -> Plan | None:
    """The plan, locked, when its current inventory version was made from the bytes hashing
    to ``digest``; else None (also for a plan the caller cannot see: the body is read first)."""
    plan = session.scalar(select(Plan).where(Plan.id == plan_id, Plan.organization_id == caller.organization_id))
    if plan is None or not made_from(session, plan, digest):
        return None
    plan = get_plan(session, caller, plan_id, for_update=True)
    return plan if made_from(session, plan, digest) else None  # unless a write landed in between


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
        check_precondition(plan, if_match)
    try:
        merged = apply_patch(read_inventory(session, plan), parsed)
    except InventoryError as exc:
        raise Invalid("the inventory patch is invalid", [p.to_dict() for p in exc.problems]) from None
    changed = replace_inventory(session, plan, document_from_dict(merged), by=caller.label or None, how=how)
    return plan, changed


# --- a plan's life: copy, archive, restore -------------------------------------------------


def copy_plan(session: Session, caller: Caller, source_id: int, name: Any, description: str | None = None) -> Plan:
    """A new plan with ``source_id``'s inventory (as its version 1) and its answers with their
    history (who answered what, when); not its analysis runs, triage or reports (analyse the copy)."""
    source = get_plan(session, caller, source_id)
    copy = create_plan(session, caller, name, description)
    replace_inventory(
        session, copy, read_document(session, source), by=caller.label or None, how=f"copied from plan {source.name!r}"
    )
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
