"""Signing in and out, and the account pages: the password change and the
user's open sessions.

Wrong passwords are counted per username and per client address
(planner.throttle); past the limit an attempt gets 429 with Retry-After and
no password is checked. Every successful sign-in and password change gives
the browser a new session id.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import TooManyRequests

from planner import browser_session, database
from planner.services import accounts, user_sessions
from planner.services.errors import Invalid
from planner.throttle import Attempt, PasswordThrottle

from .guards import login_required
from .return_to import local_path

bp = Blueprint("signin", __name__)

WRONG_CREDENTIALS = "Unknown username or wrong password."


def _throttled(username: str) -> Attempt:
    """The attempt this request makes; refused with 429 and Retry-After while its counts are spent."""
    attempt = Attempt(username, request.remote_addr or "")
    throttle: PasswordThrottle = current_app.extensions["virtplan.password_throttle"]
    if (wait := throttle.retry_after(attempt)) is not None:
        raise TooManyRequests(
            f"Too many wrong passwords for this account or from this address. Try again in {wait} seconds.",
            retry_after=wait,
        )
    return attempt


def _failed(attempt: Attempt) -> None:
    current_app.extensions["virtplan.password_throttle"].failed(attempt)


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = local_path(request.args.get("next")) or url_for("web.plans.index")
    if request.method == "GET" and g.caller is not None:
        return redirect(target)
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        attempt = _throttled(username)
        db = database.session()
        secret = user_sessions.sign_in(
            db,
            username,
            request.form.get("password", ""),
            browser_session.policy(),
            browser_session.now(),
            request.user_agent.string,
        )
        if secret is None:
            _failed(attempt)
            error = WRONG_CREDENTIALS
        else:
            browser_session.end()  # whoever this browser was signed in as before
            browser_session.begin(secret)
            db.commit()
            return redirect(target)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    browser_session.end()
    database.session().commit()
    return redirect(url_for("signin.login"))


@bp.route("/account")
@login_required
def account():
    sessions = user_sessions.open_sessions(
        database.session(), g.caller, browser_session.policy(), browser_session.now()
    )
    return _account_page(sessions, [])


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    attempt = _throttled(g.caller.label)
    db = database.session()
    try:
        ended = user_sessions.end_other_sessions(
            db, g.caller, g.session_id, request.form.get("password", ""), browser_session.now()
        )
    except Invalid as exc:
        _failed(attempt)
        sessions = user_sessions.open_sessions(db, g.caller, browser_session.policy(), browser_session.now())
        return _account_page(sessions, exc.problems), 422
    db.commit()
    flash(f"Signed out of {ended} other session{'s' if ended != 1 else ''}.")
    return redirect(url_for("signin.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    problems: list[dict] = []
    if request.method == "POST":
        attempt = _throttled(g.caller.label)
        form = request.form
        if form.get("new_password", "") != form.get("new_password_again", ""):
            problems = [{"path": "new_password_again", "message": "does not match the new password"}]
        else:
            db = database.session()
            try:
                user = accounts.change_password(
                    db, g.caller.user_id, form.get("current_password", ""), form["new_password"], browser_session.now()
                )
            except Invalid as exc:
                problems = exc.problems
                if any(p["path"] == "current_password" for p in problems):
                    _failed(attempt)
            else:
                now, agent = browser_session.now(), request.user_agent.string
                browser_session.begin(user_sessions.start_session(db, user, browser_session.policy(), now, agent))
                db.commit()
                flash("Password changed. Every other session of yours has been signed out.")
                return redirect(url_for("signin.account"))
    page = render_template("password.html", problems=problems, min_length=accounts.MIN_PASSWORD_LENGTH)
    return page, (422 if problems else 200)


def _account_page(sessions, problems: list[dict]) -> str:
    current_id = g.session_id
    return render_template(
        "account.html", sessions=sessions, current_id=current_id, policy=browser_session.policy(), problems=problems
    )
