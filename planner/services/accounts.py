"""Organizations, users and API tokens: creating them, checking credentials,
changing passwords and disabling users (which ends the user's sessions)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import ROLES, SCOPES, ApiToken, Membership, Organization, User, UserSession
from models.base import utcnow
from planner.core.text import text_problem, valid_text

from .errors import Conflict, Invalid, NotFound

TOKEN_PREFIX = "vp_"  # noqa: S105 -- the visible prefix of every token, not a secret
#: A token's "last used" time is written at most this often (so reading the API does not write).
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 12


def hash_secret(secret: str) -> str:
    """How a token or session id is stored: its SHA-256 (the secret itself is never stored)."""
    return hashlib.sha256(secret.encode()).hexdigest()


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
    if problem := text_problem(name):
        raise Invalid(f"organization name: {problem}")
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
    if problem := text_problem(username):
        raise Invalid(f"username: {problem}")
    username = username.strip()
    if not username or len(username) > 150:
        raise Invalid("username must be 1 to 150 characters")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if problem := password_problem(password):
        raise Invalid(f"password {problem}")
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"user {username!r} exists already")
    user = User(username=username, password_hash=generate_password_hash(password))
    user.memberships.append(Membership(organization_id=organization.id, role=role))
    session.add(user)
    session.flush()
    return user


def password_problem(password: str) -> str | None:
    """What is wrong with ``password`` as a new password, or None: the one password policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if "\x00" in password or any(0xD800 <= ord(c) <= 0xDFFF for c in password):
        return "must be text without NUL characters or unpaired surrogates"
    return None


@functools.cache
def unknown_user_hash() -> str:
    """A hash of a random password, made once (the app makes it at start), and
    verified whenever a username is unknown: a sign-in then costs one hash
    verification whether or not the user exists."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate_user(session: Session, username: str, password: str) -> User | None:
    """The user these credentials name, if they may sign in; else None.

    Exactly one password-hash verification either way (unknown username,
    wrong password, disabled user, user without an organization), so neither
    the answer nor the time it takes tells which usernames exist."""
    if not valid_text(username):  # no user has such a name (and PostgreSQL cannot compare it)
        check_password_hash(unknown_user_hash(), password)
        return None
    user = session.scalar(select(User).where(User.username == username.strip()))
    matches = check_password_hash(user.password_hash if user else unknown_user_hash(), password)
    if user is None or not matches or user.disabled_at is not None or not user.memberships:
        return None
    return user


def change_password(session: Session, user_id: int, current: str, new: str, now: dt.datetime | None = None) -> User:
    """A signed-in user's own change: the current password, then the new one
    under the password policy. Every session of the user ends (the caller
    starts a fresh one for the browser that asked)."""
    user = verify_password(session, user_id, current)
    problems = []
    if user is None:
        problems.append({"path": "current_password", "message": "is not your current password"})
    elif problem := password_problem(new):
        problems.append({"path": "new_password", "message": problem})
    elif new == current:
        problems.append({"path": "new_password", "message": "must differ from the current password"})
    if problems or user is None:
        raise Invalid("the password was not changed", problems)
    _store_password(session, user, new, now or utcnow())
    return user


def verify_password(session: Session, user_id: int, password: str) -> User | None:
    """The signed-in user ``user_id``, if ``password`` is theirs (asked again before a sensitive change)."""
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        return None
    return user if check_password_hash(user.password_hash, password) else None


def set_password(session: Session, username: str, password: str, now: dt.datetime | None = None) -> User:
    """An administrator's reset (``virtplan user set-password``): no current
    password needed; every session of the user ends."""
    user = user_named(session, username)
    if problem := password_problem(password):
        raise Invalid(f"password {problem}")
    _store_password(session, user, password, now or utcnow())
    return user


def _store_password(session: Session, user: User, password: str, now: dt.datetime) -> None:
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user.id, now)
    session.flush()


def set_disabled(session: Session, username: str, disabled: bool, now: dt.datetime | None = None) -> tuple[User, int]:
    """Disable a user (:func:`disable`) or enable them again; returns the user and
    the number of API tokens revoked."""
    user = user_named(session, username)
    revoked = disable(session, user, now or utcnow()) if disabled else enable(session, user)
    return user, revoked


def disable(session: Session, user: User, now: dt.datetime) -> int:
    """Stop ``user`` at once: they cannot sign in, every session of theirs ends,
    and every API token they issued is revoked (a person who leaves may keep a
    copy of it); returns the number of tokens revoked. Enabling the user again
    restores no token: an administrator issues new ones."""
    user.disabled_at = user.disabled_at or now
    end_sessions(session, user.id, now)
    query = update(ApiToken).where(ApiToken.created_by_id == user.id, ApiToken.revoked_at.is_(None))
    revoked = cast(CursorResult[Any], session.execute(query.values(revoked_at=now))).rowcount or 0
    session.flush()
    return revoked


def enable(session: Session, user: User) -> int:
    """Let a disabled ``user`` sign in again (the tokens revoked stay revoked); returns 0, no token revoked."""
    user.disabled_at = None
    session.flush()
    return 0


def user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def end_sessions(session: Session, user_id: int, now: dt.datetime, keep: int | None = None) -> int:
    """End every session of the user still open (but ``keep``); how many ended."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    # A DML statement's result is a CursorResult (Session.execute is typed for the general case).
    return cast(CursorResult[Any], session.execute(query.values(ended_at=now))).rowcount or 0


def scopes_for_role(role: str) -> frozenset[str]:
    """What a signed-in user of ``role`` may do: a viewer reads; the others read and
    write; an admin also manages the organization's users and tokens ("admin")."""
    if role == "viewer":
        return frozenset({"read"})
    return frozenset(SCOPES) | ({"admin"} if role == "admin" else set())


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
    if problem := text_problem(name):
        raise Invalid(f"token name: {problem}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    scopes = "read write" if scope == "write" else "read"
    row = ApiToken(
        organization_id=organization.id,
        name=name or f"{scope} token",
        prefix=secret[:10],
        token_hash=hash_secret(secret),
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
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH_INTERVAL
    return Caller(
        row.organization_id,
        row.scope_set,
        row.created_by_id,
        f"token {row.prefix}…",
        token_id=row.id if stale else None,
    )


def touch_token(session: Session, token_id: int) -> None:
    """Record that a token was used: its own small write, at most once per
    :data:`TOKEN_TOUCH_INTERVAL` — the condition is in the statement, so however
    many processes serve the token's calls at once, one of them writes."""
    now = utcnow()
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOKEN_TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
    )
