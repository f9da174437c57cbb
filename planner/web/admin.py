"""The organization's administration, for its admins: users (add one with a
one-time password, change a role, disable or enable) and API tokens (issue
one with a scope and an expiry, list them, revoke one). Secrets are shown
once, in the answer to the form that made them, never stored or sent again."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, g, redirect, render_template, url_for
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from models import ROLES, SCOPES
from planner import browser_session, database
from planner.core.text import plural
from planner.services import organization as service
from planner.services.errors import Invalid

from .forms import Form, options
from .guards import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_CHOICES = [(r, service.ROLE_WORDS[r]) for r in ROLES]
SCOPE_CHOICES = [("read", "read: GET only"), ("write", "write: read and change plans")]
assert [s for s, _w in SCOPE_CHOICES] == list(SCOPES)  # noqa: S101


class MemberForm(Form):
    username = StringField(
        "Username", validators=[DataRequired("Give the username."), Length(max=150)], render_kw={"autocomplete": "off"}
    )
    role = SelectField("Role", choices=options(ROLE_CHOICES), default="architect")


class RoleForm(Form):
    role = SelectField("Role", choices=options(ROLE_CHOICES))


class TokenForm(Form):
    name = StringField(
        "Name",
        description="What uses it, e.g. “NetBox sync”.",
        validators=[DataRequired("Give the token a name."), Length(max=service.MAX_TOKEN_NAME)],
    )
    scope = SelectField("Scope", choices=options(SCOPE_CHOICES), default="read")
    expires_on = DateField(
        "Expires on",
        description=f"It stops working at the start of that day (UTC); at most {service.MAX_TOKEN_DAYS} days ahead. "
        "Leave empty for a token that never expires.",
        validators=[Optional()],
        format="%Y-%m-%d",
    )


@bp.route("/")
@login_required
def index():
    return redirect(url_for("web.admin.users"))


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():
    db = database.session()
    service.members(db, g.caller)  # 403 for anyone but an admin, before reading a form
    form = MemberForm()
    created = None
    if form.validate_on_submit():
        try:
            user, password = service.add_member(db, g.caller, form.username.data, form.role.data)
        except Invalid as exc:
            db.rollback()
            form.adopt(exc.problems)
        else:
            db.commit()
            created = (user.username, password)
            form = MemberForm(formdata=None)
    status = 422 if form.problem_count else (201 if created else 200)
    return render_template(
        "admin/users.html",
        members=service.members(db, g.caller),
        form=form,
        roles=ROLES,
        created=created,
        role_words=service.ROLE_WORDS,
    ), status


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@login_required
def role(user_id: int):
    db = database.session()
    form = RoleForm()
    member = service.change_role(db, g.caller, user_id, form.role.data)
    db.commit()
    flash(f"{member.user.username} is now {member.role}.")
    return redirect(url_for("web.admin.users"))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@login_required
def disable(user_id: int):
    return _set_disabled(user_id, True)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@login_required
def enable(user_id: int):
    return _set_disabled(user_id, False)


def _set_disabled(user_id: int, disabled: bool):
    db = database.session()
    member, revoked = service.set_member_disabled(db, g.caller, user_id, disabled, browser_session.now())
    db.commit()
    flash(
        f"{member.user.username} is disabled: signed out everywhere, cannot sign in, "
        f"and {plural(revoked, 'API token')} they issued revoked."
        if disabled
        else f"{member.user.username} may sign in again (tokens revoked when they were disabled stay revoked)."
    )
    return redirect(url_for("web.admin.users"))


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    db = database.session()
    service.tokens(db, g.caller)  # 403 for anyone but an admin
    today = browser_session.now().date()
    form = TokenForm(data={"expires_on": today + dt.timedelta(days=90)})
    issued = None
    if form.validate_on_submit():
        try:
            row, secret = service.issue_token(
                db, g.caller, form.name.data, form.scope.data, form.expires_on.data, today
            )
        except Invalid as exc:
            db.rollback()
            form.adopt(exc.problems)
        else:
            db.commit()
            issued = (row, secret)
            form = TokenForm(formdata=None, data={"expires_on": today + dt.timedelta(days=90)})
    status = 422 if form.problem_count else (201 if issued else 200)
    return render_template(
        "admin/tokens.html", tokens=service.tokens(db, g.caller), form=form, issued=issued, now=browser_session.now()
    ), status


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    db = database.session()
    row = service.revoke_token(db, g.caller, token_id, browser_session.now())
    db.commit()
    flash(f"Token {row.name!r} ({row.prefix}…) revoked: it stops working at once.")
    return redirect(url_for("web.admin.tokens"))
