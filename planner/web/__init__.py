"""The web pages: sign-in, the organization's plans, a plan's overview.

Every page but sign-in needs a signed-in user, and shows only that user's
organization. Jinja autoescapes everything; forms carry a CSRF token.
"""
from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for

from planner import database
from planner.services import plans as plan_service
from planner.services.accounts import authenticate_user, caller_for_user
from planner.services.errors import NotFound

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.before_app_request
def _check_csrf():
    if request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent, session.get("csrf", "")) or not sent:
        abort(400, "the form expired or came from elsewhere; reload the page and try again")
    return None


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        caller = None
        if "user_id" in session:
            caller = caller_for_user(database.session(), session["user_id"], session["organization_id"])
        if caller is None:
            session.clear()
            return redirect(url_for("web.login", next=request.path))
        g.caller = caller
        return view(*args, **kwargs)
    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        user = authenticate_user(database.session(), request.form.get("username", ""),
                                 request.form.get("password", ""))
        if user is None or not user.memberships:
            error = "Unknown username or wrong password."
        else:
            membership = user.memberships[0]
            session.clear()
            session["user_id"] = user.id
            session["organization_id"] = membership.organization_id
            target = request.args.get("next", "")
            # Only local paths: never an open redirect.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("web.plans")
            return redirect(target)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("web.login"))


@bp.route("/")
@login_required
def plans():
    items, total = plan_service.list_plans(database.session(), g.caller, 0, 500)
    return render_template("plans.html", plans=items, total=total)


@bp.route("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    db = database.session()
    try:
        item = plan_service.get_plan(db, g.caller, plan_id)
    except NotFound:
        abort(404)
    return render_template("plan.html", plan=item, counts=plan_service.plan_counts(db, item),
                           etag=plan_service.etag(item))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["csrf_token"] = _csrf_token
