"""The organization's administration (Flask test client): an admin adds a
user (a one-time password shown once, which signs in), changes a role,
disables a user (signed out at once) and enables them; issues an API token
with a scope and an expiry (shown once, works on the API), lists and revokes
it. Nobody locks the organization out; nobody else may do any of it."""

from __future__ import annotations

import datetime as dt
import re

from signin_client import signed_in
from sqlalchemy import func, select
from workspace import client_of, fill, form_fields, text_of, token

import models


def test_an_admin_adds_a_user_changes_the_role_and_disables_them(app, db, make_account):
    admin = make_account("admin")
    client = client_of(app, admin)
    page = client.get("/admin/users")
    assert page.status_code == 200 and admin.username in text_of(page.get_data(as_text=True))
    data = form_fields(page.get_data(as_text=True))
    resp = client.post("/admin/users", data=fill(data.copy(), {"username": "has space", "role": "architect"}))
    assert resp.status_code == 422 and "without spaces" in resp.get_data(as_text=True)
    assert 'value="has space"' in resp.get_data(as_text=True)
    resp = client.post("/admin/users", data=fill(data.copy(), {"username": admin.username, "role": "architect"}))
    assert resp.status_code == 422 and "is taken" in resp.get_data(as_text=True)
    name = f"new-{admin.user_id}"
    resp = client.post("/admin/users", data=fill(data.copy(), {"username": name, "role": "viewer"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 201 and f"User {name} created" in html
    password = re.search(r'<p class="secret">([^<]+)</p>', html).group(1)
    assert password not in client.get("/admin/users").get_data(as_text=True)  # shown once
    db.rollback()
    user = db.scalar(select(models.User).where(models.User.username == name))
    assert user.password_hash != password and user.memberships[0].role == "viewer"
    # The new user signs in with it.
    theirs = app.test_client()
    from signin_client import sign_in

    assert sign_in(theirs, name, password).status_code == 302 and signed_in(theirs)
    # Role change, then disable: signed out at once, cannot sign in; enable again.
    assert (
        client.post(f"/admin/users/{user.id}/role", data={"csrf_token": token(client), "role": "architect"}).status_code
        == 302
    )
    db.rollback()
    assert db.get(models.User, user.id).memberships[0].role == "architect"
    assert client.post(f"/admin/users/{user.id}/disable", data={"csrf_token": token(client)}).status_code == 302
    told = text_of(client.get("/admin/users").get_data(as_text=True))
    assert f"{name} is disabled: signed out everywhere, cannot sign in, and 0 API tokens they issued revoked." in told
    assert not signed_in(theirs)
    assert sign_in(theirs, name, password).status_code == 401
    assert client.post(f"/admin/users/{user.id}/enable", data={"csrf_token": token(client)}).status_code == 302
    assert sign_in(theirs, name, password).status_code == 302


def test_nobody_locks_the_organization_out(app, db, make_account):
    admin = make_account("admin")
    client = client_of(app, admin)
    for action, data in (("role", {"role": "viewer"}), ("disable", {})):
        resp = client.post(f"/admin/users/{admin.user_id}/{action}", data={"csrf_token": token(client), **data})
        assert resp.status_code == 409 and "yourself" in text_of(resp.get_data(as_text=True))
    other = make_account("admin")
    other_client = client_of(app, other)
    # Two admins: one may demote the other, but then the last one stays.
    assert (
        other_client.post(
            f"/admin/users/{admin.user_id}/role", data={"csrf_token": token(other_client), "role": "consultant"}
        ).status_code
        == 302
    )
    db.rollback()
    assert db.scalar(select(models.Membership.role).where(models.Membership.user_id == admin.user_id)) == "consultant"
    assert client.get("/admin/users").status_code == 403  # a consultant now: no administration


def test_tokens_are_issued_with_scope_and_expiry_listed_and_revoked(app, db, make_account, tenant):
    admin = make_account("admin")
    client = client_of(app, admin)
    page = client.get("/admin/tokens").get_data(as_text=True)
    data = form_fields(page)
    default = dt.date.fromisoformat(data["expires_on"])
    assert (default - dt.datetime.now(dt.UTC).date()).days == 90
    for bad, message in (
        ("2020-01-01", "expected a day after today"),
        ("2999-01-01", "at most 730 days"),
        ("soon", "Not a valid date value."),
    ):
        resp = client.post("/admin/tokens", data=fill(data.copy(), {"name": "CMDB sync", "expires_on": bad}))
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), bad
    count = db.scalar(
        select(func.count()).select_from(models.ApiToken).where(models.ApiToken.organization_id == tenant.org_id)
    )
    resp = client.post("/admin/tokens", data=fill(data.copy(), {"name": "CMDB sync", "scope": "read"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 201
    secret = re.search(r'<p class="secret">([^<]+)</p>', html).group(1)
    db.rollback()
    assert (
        db.scalar(
            select(func.count()).select_from(models.ApiToken).where(models.ApiToken.organization_id == tenant.org_id)
        )
        == count + 1
    )
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/plans", headers=headers).status_code == 200
    assert api.post("/api/v1/plans", json={"name": "x"}, headers=headers).status_code == 403  # read scope
    listing = text_of(client.get("/admin/tokens").get_data(as_text=True))
    assert "CMDB sync" in listing and secret[:10] in listing and secret not in listing
    row = db.scalar(
        select(models.ApiToken).where(
            models.ApiToken.name == "CMDB sync", models.ApiToken.organization_id == tenant.org_id
        )
    )
    assert row.expires_at.date() == default
    assert client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token(client)}).status_code == 302
    assert api.get("/api/v1/plans", headers=headers).status_code == 401
    assert "revoked" in text_of(client.get("/admin/tokens").get_data(as_text=True))


def test_only_admins_administer_and_only_their_own_organization(app, make_account, make_tenant):
    for role in ("consultant", "architect", "viewer"):
        client = client_of(app, make_account(role))
        assert "Administration" not in text_of(client.get("/").get_data(as_text=True))
        for path in ("/admin/users", "/admin/tokens"):
            assert client.get(path).status_code == 403
        assert (
            client.post(
                "/admin/users", data={"csrf_token": token(client), "username": "x", "role": "admin"}
            ).status_code
            == 403
        )
    admin = client_of(app, make_account("admin"))
    assert "Administration" in text_of(admin.get("/").get_data(as_text=True))
    # Another organization's user and token: 404.
    other = make_tenant("elsewhere")
    session = app.extensions["virtplan.sessions"]()
    org = session.get(models.Organization, other.org_id)
    from planner.services import accounts

    stranger = accounts.create_user(session, f"stranger-{other.org_id}", "a long enough password", org, "admin")
    their_token = session.scalar(select(models.ApiToken).where(models.ApiToken.organization_id == other.org_id))
    session.commit()
    ids = stranger.id, their_token.id
    session.close()
    form_token = token(admin)
    assert admin.post(f"/admin/users/{ids[0]}/disable", data={"csrf_token": form_token}).status_code == 404
    assert (
        admin.post(f"/admin/users/{ids[0]}/role", data={"csrf_token": form_token, "role": "viewer"}).status_code == 404
    )
    assert admin.post(f"/admin/tokens/{ids[1]}/revoke", data={"csrf_token": form_token}).status_code == 404
    assert f"stranger-{other.org_id}" not in admin.get("/admin/users").get_data(as_text=True)
