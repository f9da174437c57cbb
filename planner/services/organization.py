"""An organization's members and API tokens, as its administrators manage
them: add a member (with a one-time password), change a member's role,
disable and enable a member, issue a token with a scope and an expiry, list
and revoke tokens.

Only a caller with the ``admin`` scope (the admin role) may; anyone else is
:class:`Forbidden`. Everything is scoped to the caller's organization: a user
or token of another organization is :class:`NotFound`. An administrator
cannot lock the organization out: not their own role or account, and never
the last enabled administrator. The caller commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ROLES, SCOPES, ApiToken, Membership, Organization, User, UserSession
from models.base import utcnow

from .accounts import Caller, create_token, create_user, disable, enable
from .errors import Conflict, Forbidden, Invalid, NotFound

MAX_TOKEN_NAME = 200
#: A token lives at most this long (an expiry further out is refused).
MAX_TOKEN_DAYS = 730
ROLE_WORDS = {
    "admin": "Admin: everything, and the organization's users and API tokens",
    "consultant": "Consultant: plans, findings, reports",
    "architect": "Architect: plans, inventory, questionnaire",
    "viewer": "Viewer: reads everything, changes nothing",
}


@dataclass(frozen=True)
class Member:
    user: User
    role: str
    #: Signed in at least once and when last active (None: never).
    last_seen_at: dt.datetime | None = None

    @property
    def disabled(self) -> bool:
        return self.user.disabled_at is not None


def _admin(caller: Caller) -> None:
    if not caller.can("admin"):
        raise Forbidden("only an administrator of the organization may manage its users and API tokens")


def members(session: Session, caller: Caller) -> list[Member]:
    """The organization's users, by username."""
    _admin(caller)
    last_seen = (
        select(UserSession.user_id, func.max(UserSession.last_seen_at).label("at"))
        .where(UserSession.organization_id == caller.organization_id)
        .group_by(UserSession.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, Membership.role, last_seen.c.at)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(last_seen, last_seen.c.user_id == User.id)
        .where(Membership.organization_id == caller.organization_id)
        .order_by(User.username)
    ).all()
    return [Member(user, role, at) for user, role, at in rows]


def _membership(session: Session, caller: Caller, user_id: int) -> Membership:
    found = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.organization_id == caller.organization_id)
    )
    if found is None:
        raise NotFound(f"no user {user_id} in this organization")
    return found


def _enabled_admins(session: Session, caller: Caller) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.organization_id == caller.organization_id,
                Membership.role == "admin",
                User.disabled_at.is_(None),
            )
        )
        or 0
    )


def _not_self(caller: Caller, user_id: int, what: str) -> None:
    if caller.user_id == user_id:
        raise Conflict(f"you cannot {what} yourself: ask another administrator")


def add_member(session: Session, caller: Caller, username: Any, role: Any) -> tuple[User, str]:
    """A new user of the organization with a random one-time password, returned
    once (only its hash is stored): they change it on the account page."""
    _admin(caller)
    problems = []
    name = username.strip() if isinstance(username, str) else ""
    if not name or len(name) > 150 or any(c.isspace() or not c.isprintable() for c in name):
        problems.append({"path": "username", "message": "expected 1 to 150 characters without spaces"})
    if role not in ROLES:
        problems.append({"path": "role", "message": f"expected one of {', '.join(ROLES)}"})
    if problems:
        raise Invalid("the user was not created", problems)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Invalid("the user was not created", [{"path": "username", "message": "is taken; choose another"}])
    organization = session.get_one(Organization, caller.organization_id)
    password = secrets.token_urlsafe(15)
    user = create_user(session, name, password, organization, role)
    return user, password


def change_role(session: Session, caller: Caller, user_id: int, role: Any) -> Member:
    _admin(caller)
    membership = _membership(session, caller, user_id)
    if role not in ROLES:
        raise Invalid("the role was not changed", [{"path": "role", "message": f"expected one of {', '.join(ROLES)}"}])
    _not_self(caller, user_id, "change the role of")
    if membership.role == "admin" and role != "admin" and _enabled_admins(session, caller) <= 1:
        raise Conflict("the organization needs an enabled administrator: make another one first")
    membership.role = role
    session.flush()
    return Member(membership.user, role)


def set_member_disabled(
    session: Session, caller: Caller, user_id: int, disabled: bool, now: dt.datetime | None = None
) -> tuple[Member, int]:
    """Disable a member (:func:`planner.services.accounts.disable`: no sign-in, their
    sessions end and the API tokens they issued are revoked) or enable them again;
    returns the member and the number of tokens revoked. A user who also belongs
    to another organization is not this organization's to disable."""
    _admin(caller)
    membership = _membership(session, caller, user_id)
    user = membership.user
    _not_self(caller, user_id, "disable or enable")
    elsewhere = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.user_id == user_id, Membership.organization_id != caller.organization_id)
    )
    if elsewhere:
        raise Conflict("this user belongs to another organization too; its administrators share the account")
    if disabled and membership.role == "admin" and user.disabled_at is None and _enabled_admins(session, caller) <= 1:
        raise Conflict("the organization needs an enabled administrator")
    revoked = disable(session, user, now or utcnow()) if disabled else enable(session, user)
    return Member(user, membership.role), revoked


# --- API tokens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    row: ApiToken
    created_by: str | None

    def state(self, now: dt.datetime) -> str:
        if self.row.revoked_at is not None:
            return "revoked"
        if self.row.expires_at is not None and self.row.expires_at <= now:
            return "expired"
        return "active"


def tokens(session: Session, caller: Caller) -> list[Token]:
    """The organization's API tokens, newest first (revoked and expired ones too)."""
    _admin(caller)
    rows = session.execute(
        select(ApiToken, User.username)
        .outerjoin(User, User.id == ApiToken.created_by_id)
        .where(ApiToken.organization_id == caller.organization_id)
        .order_by(ApiToken.id.desc())
    ).all()
    return [Token(row, username) for row, username in rows]


def issue_token(
    session: Session, caller: Caller, name: Any, scope: Any, expires_on: dt.date | None, today: dt.date | None = None
) -> tuple[ApiToken, str]:
    """A new token of the organization; the secret is returned once, never stored.
    ``expires_on``: the token stops working at the start of that day (UTC); None never."""
    _admin(caller)
    today = today or utcnow().date()
    problems = []
    label = name.strip() if isinstance(name, str) else ""
    if not label or len(label) > MAX_TOKEN_NAME or not label.isprintable():
        problems.append({"path": "name", "message": f"expected a name of 1 to {MAX_TOKEN_NAME} printable characters"})
    if scope not in SCOPES:
        problems.append({"path": "scope", "message": f"expected one of {', '.join(SCOPES)}"})
    if expires_on is not None and expires_on <= today:
        problems.append({"path": "expires_on", "message": "expected a day after today"})
    elif expires_on is not None and (expires_on - today).days > MAX_TOKEN_DAYS:
        problems.append({"path": "expires_on", "message": f"expected at most {MAX_TOKEN_DAYS} days from today"})
    if problems:
        raise Invalid("the token was not created", problems)
    organization = session.get_one(Organization, caller.organization_id)
    creator = session.get(User, caller.user_id) if caller.user_id is not None else None
    expires_at = dt.datetime.combine(expires_on, dt.time(), dt.UTC) if expires_on is not None else None
    return create_token(session, organization, scope, label, creator, expires_at)


def revoke_token(session: Session, caller: Caller, token_id: int, now: dt.datetime | None = None) -> ApiToken:
    """Revoke a token: it stops working at once (revoking a revoked token changes nothing)."""
    _admin(caller)
    row = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.organization_id == caller.organization_id)
    )
    if row is None:
        raise NotFound(f"no API token {token_id} in this organization")
    row.revoked_at = row.revoked_at or now or utcnow()
    session.flush()
    return row
