"""Who is calling the API: a bearer token (scripts, CMDBs) or, for the
OpenAPI document and Swagger UI's files only, a signed-in browser. Every
request under ``/api/`` passes here before any view runs, so no route can
forget it; the one page under it (``/api/v1/docs``) signs its visitors in
like every other page."""

from __future__ import annotations

from flask import g, request

from models.database import reading
from planner import browser_session, database
from planner.services.accounts import Caller, caller_for_token, touch_token

from .problems import problem

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
DOC_ENDPOINTS = {"api-docs.openapi_json", "api_docs_assets"}
DOCS_PAGE = "web.api_docs"


def current_caller() -> Caller:
    return g.caller


def authenticate():
    """before_request hook for the API: sets ``g.caller`` or answers 401/403."""
    if not request.path.startswith("/api/") or request.endpoint == DOCS_PAGE:
        return None
    caller = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return _unauthorized("use 'Authorization: Bearer <token>'")
        db = database.session()
        with reading(db):  # a read of its own: the view's use case begins its transaction as it needs
            caller = caller_for_token(db, secret.strip())
        if caller is None:
            return _unauthorized("the token is unknown, revoked or expired")
        if caller.token_id is not None:
            touch_token(db, caller.token_id)  # a write of its own
            db.commit()
    elif request.endpoint in DOC_ENDPOINTS and (signed_in := browser_session.current()) is not None:
        caller = signed_in.caller
    if caller is None:
        return _unauthorized("this API needs a bearer token")
    needed = "read" if request.method in READ_METHODS else "write"
    if not caller.can(needed):
        return problem(403, "Forbidden", f"this token lacks the '{needed}' scope")
    g.caller = caller
    return None


def _unauthorized(detail: str):
    return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="virtplan"'})
