"""Signed-in browsers, kept server-side so that a session can be ended.

The browser's signed cookie carries only a random session id; the row it names
says whether the sign-in still stands: not ended (signing out, a password
change or disabling the user ends it), not idle longer than the policy allows,
not older than its absolute lifetime. The id is new at every sign-in, so an id
planted before sign-in is worth nothing after it.

Time is always passed in (``now``): the shells read their clock once per
request, and tests drive idle and absolute expiry without waiting.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from models import Membership, User, UserSession

from .accounts import Caller, authenticate_user, end_sessions, hash_secret, scopes_for_role, verify_password
from .errors import Invalid


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session stands (the shells build it from the settings)."""

    idle: dt.timedelta
    lifetime: dt.timedelta
    #: How stale ``last_seen_at`` may get before a request writes it again:
    #: reading pages must not write on every request. Idle expiry is therefore
    #: exact to within this interval.
    touch_interval: dt.timedelta = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    """A session that stands: who it acts for, and whether its last-seen time is due a write."""

    session_id: int
    caller: Caller
    touch_due: bool


def sign_in(
    session: Session, username: str, password: str, policy: SessionPolicy, now: dt.datetime, user_agent: str = ""
) -> str | None:
    """Check the credentials and start a session; its secret id (for the
    cookie, never stored), or None when the credentials do not sign in."""
    user = authenticate_user(session, username, password)
    if user is None:
        return None
    return start_session(session, user, policy, now, user_agent)


def start_session(session: Session, user: User, policy: SessionPolicy, now: dt.datetime, user_agent: str = "") -> str:
    """A new session for ``user`` in their (first) organization; returns its secret id.

    Sessions that can no longer be used, anyone's, are deleted on the way, so
    the table holds about as many rows as there are live sessions."""
    session.execute(
        delete(UserSession).where(
            or_(
                UserSession.ended_at.is_not(None),
                UserSession.expires_at <= now,
                UserSession.last_seen_at <= now - policy.idle,
            )
        )
    )
    secret = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            secret_hash=hash_secret(secret),
            user_id=user.id,
            organization_id=user.memberships[0].organization_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.lifetime,
            user_agent=user_agent[:200],
        )
    )
    session.flush()
    return secret


def resume_session(session: Session, secret: str, policy: SessionPolicy, now: dt.datetime) -> SignedIn | None:
    """The session the cookie's id names, if it still stands (one query); else None."""
    if not secret or len(secret) > 100:
        return None
    found = session.execute(
        select(UserSession, User, Membership)
        .join(User, User.id == UserSession.user_id)
        .join(
            Membership,
            (Membership.user_id == UserSession.user_id) & (Membership.organization_id == UserSession.organization_id),
        )
        .where(UserSession.secret_hash == hash_secret(secret))
    ).first()
    if found is None:
        return None
    row, user, membership = found
    if not _stands(row, policy, now) or user.disabled_at is not None:
        return None
    caller = Caller(row.organization_id, scopes_for_role(membership.role), user.id, user.username)
    return SignedIn(row.id, caller, now - row.last_seen_at >= policy.touch_interval)


def _stands(row: UserSession, policy: SessionPolicy, now: dt.datetime) -> bool:
    return row.ended_at is None and now < row.expires_at and now - row.last_seen_at < policy.idle


def touch_session(session: Session, session_id: int, now: dt.datetime) -> None:
    """Record activity: a small write of its own, at most once per ``touch_interval``."""
    session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))


def end_session(session: Session, secret: str, now: dt.datetime) -> None:
    """Sign out: the session ends, wherever its cookie has gone."""
    session.execute(
        update(UserSession)
        .where(UserSession.secret_hash == hash_secret(secret), UserSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def open_sessions(session: Session, caller: Caller, policy: SessionPolicy, now: dt.datetime) -> list[UserSession]:
    """The caller's sessions that still stand, most recently active first."""
    rows = session.scalars(
        select(UserSession)
        .where(UserSession.user_id == caller.user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [row for row in rows if _stands(row, policy, now)]


def end_other_sessions(session: Session, caller: Caller, current_id: int, password: str, now: dt.datetime) -> int:
    """Sign out everywhere else, once the password is entered again; how many sessions ended."""
    if caller.user_id is None or verify_password(session, caller.user_id, password) is None:
        raise Invalid("no session was ended", [{"path": "password", "message": "is not your current password"}])
    return end_sessions(session, caller.user_id, now, keep=current_id)
