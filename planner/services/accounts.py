"""Organizations, users and API tokens: creating them and checking credentials."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import ROLES, SCOPES, ApiToken, Membership, Organization, User
from models.base import utcnow

from .errors import Conflict, Invalid, NotFound

TOKEN_PREFIX = "vp_"  # noqa: S105 -- the visible prefix of every token, not a secret
MIN_PASSWORD_LENGTH = 12


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is asking: the organization every query is scoped to, and what they may do."""

    organization_id: int
    scopes: frozenset[str]
    user_id: int | None = None
    label: str = ""
    #: Set when the token's last-used time is due an update (see touch_token).
    token_id: int | None = None

    def can(self, scope: str) -> bool:
        return scope in self.scopes


def create_organization(session: Session, name: str) -> Organization:
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("organization name must be 1 to 200 characters")
    if session.scalar(select(Organization).where(Organization.name == name)):
        raise Conflict(f"organization {name!r} exists already")
    org = Organization(name=name)
    session.add(org)
    session.flush()
    return org


def organization_named(session: Session, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        raise NotFound(f"no organization named {name!r}")
    return org


def create_user(session: Session, username: str, password: str, organization: Organization, role: str) -> User:
    username = username.strip()
    if not username or len(username) > 150:
        raise Invalid("username must be 1 to 150 characters")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"user {username!r} exists already")
    user = User(username=username, password_hash=generate_password_hash(password))
    user.memberships.append(Membership(organization_id=organization.id, role=role))
    session.add(user)
    session.flush()
    return user


def authenticate_user(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        # Same work either way, so timing does not tell which usernames exist.
        check_password_hash(generate_password_hash("x"), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def scopes_for_role(role: str) -> frozenset[str]:
    return frozenset({"read"}) if role == "viewer" else frozenset(SCOPES)


def create_token(
    session: Session,
    organization: Organization,
    scope: str,
    name: str = "",
    created_by: User | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token; returns the row and the secret, which is never stored."""
    if scope not in SCOPES:
        raise Invalid(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    scopes = "read write" if scope == "write" else "read"
    row = ApiToken(
        organization_id=organization.id,
        name=name or f"{scope} token",
        prefix=secret[:10],
        token_hash=_hash_token(secret),
        scopes=scopes,
        created_by_id=created_by.id if created_by else None,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, secret


def caller_for_token(session: Session, secret: str) -> Caller | None:
    """The caller a bearer token stands for, or None if it is unknown, revoked or expired."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret)))
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    stale = row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60
    return Caller(
        row.organization_id,
        row.scope_set,
        row.created_by_id,
        f"token {row.prefix}…",
        token_id=row.id if stale else None,
    )


def touch_token(session: Session, token_id: int) -> None:
    """Record that a token was used: its own small write, kept coarse (once a
    minute) so reads do not write on every call."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def caller_for_user(session: Session, user_id: int, organization_id: int) -> Caller | None:
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.organization_id == organization_id)
    )
    if membership is None:
        return None
    return Caller(organization_id, scopes_for_role(membership.role), user_id, membership.user.username)
