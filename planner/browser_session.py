"""The signed-in browser, as the web pages and the API's documentation see it.

Flask's signed cookie holds a random session id and the form (CSRF) token,
nothing else; whether the id still signs anyone in is the server's answer
(:mod:`planner.services.user_sessions`), asked once per request. The cookie
is HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS
(always in production, where it is also named ``__Host-virtplan`` so that no
other site on the domain can set it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from models.base import utcnow
from planner import database
from planner.config import Settings
from planner.services.user_sessions import SessionPolicy, SignedIn, end_session, resume_session, touch_session

COOKIE = "virtplan"
HOST_ONLY_COOKIE = "__Host-virtplan"
SECRET_KEY = "sid"  # noqa: S105 -- the cookie field's name, not a secret


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure also when a request arrives over HTTPS outside production."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def init_app(app: Flask, settings: Settings, clock: Callable[[], dt.datetime] = utcnow) -> None:
    production = settings.env == "production"
    app.session_interface = SessionCookie()
    app.config.update(
        SESSION_COOKIE_NAME=HOST_ONLY_COOKIE if production else COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
    )
    app.extensions["virtplan.clock"] = clock
    app.extensions["virtplan.session_policy"] = SessionPolicy(
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
        lifetime=dt.timedelta(hours=settings.session_lifetime_hours),
    )


def now() -> dt.datetime:
    """The app's clock (injectable, so tests drive idle and absolute expiry without waiting)."""
    return current_app.extensions["virtplan.clock"]()


def policy() -> SessionPolicy:
    return current_app.extensions["virtplan.session_policy"]


def current() -> SignedIn | None:
    """This request's signed-in session, or None; asked of the database once per request.

    A cookie naming a session that no longer stands loses that id. Activity is
    recorded at most once a minute, as a small write of its own."""
    if "signed_in" not in g:
        g.signed_in = _resume()
    return g.signed_in


def _resume() -> SignedIn | None:
    secret = session.get(SECRET_KEY)
    if not secret:
        return None
    db = database.session()
    signed_in = resume_session(db, secret, policy(), now())
    if signed_in is None:
        # The id no longer signs anyone in. The form token stays, so a form
        # posted after expiry leads to the sign-in page, not to "form expired".
        session.pop(SECRET_KEY)
        return None
    if signed_in.touch_due:
        db.commit()  # end the read, so the touch is a write of its own
        touch_session(db, signed_in.session_id, now())
        db.commit()
    return signed_in


def begin(secret: str) -> None:
    """Hand the browser a new session id (after sign-in or a password change):
    everything the cookie held before is dropped, the form token included."""
    session.clear()
    session[SECRET_KEY] = secret
    g.pop("signed_in", None)


def end() -> None:
    """Sign the browser out: its session ends on the server, its cookie is emptied."""
    if secret := session.get(SECRET_KEY):
        end_session(database.session(), secret, now())
    session.clear()
    g.pop("signed_in", None)
