"""What every page checks before its view runs: who is signed in, that a
changing request carries the form's CSRF token, and (``login_required``)
that there is someone signed in at all."""

from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from planner import browser_session
from planner.api.auth import DOCS_PAGE as API_DOCS_PAGE
from planner.operations import ENDPOINTS as OPERATIONS_ENDPOINTS

#: Endpoints whose files are public and fetched without asking who is signed in.
ASSET_ENDPOINTS = frozenset({"web.static", "api_docs_assets"})


def csrf_token() -> str:
    """The form token of this browser's cookie (made on first use; renewed at every sign-in)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def identify() -> None:
    """before_request: ``g.caller`` is the signed-in user of every page (also
    error pages, which keep the navigation), None when nobody is;
    ``g.session_id`` the id of their session."""
    if request.endpoint in ASSET_ENDPOINTS or request.endpoint in OPERATIONS_ENDPOINTS:
        return
    if request.path.startswith("/api/") and request.endpoint != API_DOCS_PAGE:
        return
    signed_in = browser_session.current()
    g.caller = signed_in.caller if signed_in else None
    g.session_id = signed_in.session_id if signed_in else None


def check_csrf() -> None:
    """before_request: a form post without this browser's token is refused (400) before any view runs."""
    if request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.routing_exception is not None:
        return  # no such page or method: that answer (404, 405) comes first
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "the form expired or came from elsewhere; reload the page and try again")


def login_required(view):
    """Pages for signed-in users only; anyone else is sent to sign in, and back here afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("caller") is None:
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("signin.login", next=back))
        return view(*args, **kwargs)

    return wrapper


def require_write() -> None:
    """Changes need the write scope; a viewer who posts anyway gets 403 (their pages show no such control)."""
    if not g.caller.can("write"):
        abort(403, "your role may read this plan but not change it")
