"""The demo organization and plan that ``make run`` loads: a mid-size
company's consolidation project (DMZ, internal services, a restricted
payments zone, management and storage networks), with the design faults a
review would find. What a newcomer sees first; keep it showing every
capability as it lands."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from models import Organization, Plan, User
from planner.services import accounts, plans
from planner.services.accounts import Caller

ORGANIZATION = "Harbor Logistics (demo)"
USERNAME = "demo"
PLAN_NAME = "Datacenter consolidation 2027"
PLAN_DESCRIPTION = ("Consolidate the web, application, payments and office workloads of two server rooms "
                    "onto one vSphere 8 estate with a DMZ cluster, a production cluster and a lab.")


def estate_document() -> dict:
    return json.loads(resources.files(__name__).joinpath("estate.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class DemoAccess:
    organization: str
    plan_id: int
    username: str
    password: str
    token: str


def load_demo(session: Session) -> DemoAccess:
    """Create (or refresh) the demo organization, user, plan and a write token.

    Idempotent: a second run reuses what exists, re-applies the demo
    inventory, and issues a fresh password and token (shown once).
    """
    org = session.scalar(select(Organization).where(Organization.name == ORGANIZATION)) \
        or accounts.create_organization(session, ORGANIZATION)
    password = secrets.token_urlsafe(12)
    user = session.scalar(select(User).where(User.username == USERNAME))
    if user is None:
        user = accounts.create_user(session, USERNAME, password, org, "consultant")
    else:
        user.password_hash = generate_password_hash(password)
    caller = Caller(org.id, frozenset({"read", "write"}), user.id)
    plan = session.scalar(select(Plan).where(Plan.organization_id == org.id, Plan.name == PLAN_NAME)) \
        or plans.create_plan(session, caller, PLAN_NAME, PLAN_DESCRIPTION)
    plans.put_inventory(session, caller, plan.id, estate_document())
    _row, token = accounts.create_token(session, org, "write", "demo token", created_by=user)
    session.flush()
    return DemoAccess(org.name, plan.id, USERNAME, password, token)
