"""Server-side sessions: signing out, a password change and disabling a user
end them wherever the cookie went; idle and absolute expiry (time driven by
the app's clock, never by waiting); a new id at every sign-in; the cookie's
flags."""

from __future__ import annotations

import re

from signin_client import COOKIE, PASSWORD, cookie_of, csrf, sign_in, signed_in
from sqlalchemy import select

from models import Organization, User, UserSession
from planner.services import accounts


def _replay(app, cookie: str):
    """A fresh client (another machine) presenting a captured cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def test_a_cookie_captured_before_sign_out_is_refused_afterwards(app, account):
    client = app.test_client()
    assert sign_in(client, account.username).status_code == 302
    captured = cookie_of(client)
    assert signed_in(_replay(app, captured))
    resp = client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    thief = _replay(app, captured)
    page = thief.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert thief.get(f"/plans/{1}").status_code == 302
    assert thief.get("/api/v1/openapi.json").status_code == 401


def test_every_sign_in_gets_a_new_session_id(app, account):
    """No fixation: an id planted in the browser before sign-in is worth nothing after it."""
    planted = app.test_client()
    csrf(planted)  # the attacker's anonymous cookie, with its form token
    before = cookie_of(planted)
    victim = _replay(app, before)
    assert sign_in(victim, account.username).status_code == 302
    after = cookie_of(victim)
    assert after != before
    assert not signed_in(_replay(app, before))
    # Signing in again in the same browser replaces the session; the old id stops working.
    assert sign_in(victim, account.username).status_code == 302
    assert cookie_of(victim) != after and not signed_in(_replay(app, after))


def test_a_password_change_ends_every_other_session(app, db, account):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, account.username)
    sign_in(phone, account.username)
    phone_cookie, laptop_cookie = cookie_of(phone), cookie_of(laptop)
    resp = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_again": "a brand new passphrase",
            "csrf_token": csrf(laptop, "/account/password"),
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/account"
    assert "every other session" in laptop.get("/account").get_data(as_text=True).lower()
    assert not signed_in(phone) and not signed_in(_replay(app, phone_cookie))
    # The browser that changed it carries on, under a new session id.
    assert signed_in(laptop) and cookie_of(laptop) != laptop_cookie
    assert not signed_in(_replay(app, laptop_cookie))
    # The new password signs in, the old one no longer does.
    assert sign_in(app.test_client(), account.username, "a brand new passphrase").status_code == 302
    assert sign_in(app.test_client(), account.username, PASSWORD).status_code == 401


def test_a_refused_password_change_says_why_and_changes_nothing(app, db, account):
    client = app.test_client()
    sign_in(client, account.username)
    stored = db.scalar(select(User.password_hash).where(User.id == account.user_id))
    page = client.get("/account/password")
    assert page.status_code == 200 and b'name="current_password"' in page.data
    cases = [
        ("wrong password here", "another long password", "another long password", "is not your current password"),
        (PASSWORD, "short", "short", "must be at least 12 characters"),
        (PASSWORD, "another long password", "another long passwort", "does not match the new password"),
        (PASSWORD, PASSWORD, PASSWORD, "must differ from the current password"),
    ]
    for current, new, again, message in cases:
        resp = client.post(
            "/account/password",
            data={
                "current_password": current,
                "new_password": new,
                "new_password_again": again,
                "csrf_token": csrf(client, "/account/password"),
            },
        )
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), message
        assert b"aria-invalid" in resp.data
    db.rollback()
    assert db.scalar(select(User.password_hash).where(User.id == account.user_id)) == stored
    assert signed_in(client)


def test_disabling_a_user_ends_their_sessions_stops_sign_in_and_revokes_their_tokens(app, account, tenant):
    client = app.test_client()
    sign_in(client, account.username)
    session = app.extensions["virtplan.sessions"]()
    org, user = session.get(Organization, account.org_id), session.get(User, account.user_id)
    _row, theirs = accounts.create_token(session, org, "write", "their script", user)
    session.commit()

    def token_works(secret: str) -> bool:
        return app.test_client().get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    assert token_works(theirs) and token_works(tenant.write_token)
    _user, revoked = accounts.set_disabled(session, account.username, True)
    session.commit()
    assert revoked == 1 and not signed_in(client)
    refused = sign_in(app.test_client(), account.username)
    assert refused.status_code == 401 and b"Unknown username or wrong password." in refused.data
    # Their token stops at once; the organization's other tokens keep working.
    assert not token_works(theirs) and token_works(tenant.write_token)
    assert accounts.set_disabled(session, account.username, False)[1] == 0
    session.commit()
    session.close()
    assert sign_in(app.test_client(), account.username).status_code == 302
    assert not token_works(theirs)  # enabling the user again restores no token


def test_idle_sessions_expire(make_app, clock, account):
    app = make_app(clock=clock, session_idle_minutes=30)
    client = app.test_client()
    sign_in(client, account.username)
    for _ in range(4):  # active every 25 minutes: well past 30 minutes in all, never idle for 30
        clock.advance(minutes=25)
        assert signed_in(client)
    token = csrf(client, "/account")
    clock.advance(minutes=30, seconds=1)
    # A form left open past the idle time leads to the sign-in page (not to "form expired").
    late = client.post("/account/sessions/end-others", data={"password": PASSWORD, "csrf_token": token})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert not signed_in(client)
    resp = client.get("/plans/1")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login?next=/plans/1"


def test_sessions_end_at_their_absolute_lifetime_however_active(make_app, clock, account):
    app = make_app(clock=clock, session_idle_minutes=30, session_lifetime_hours=2)
    client = app.test_client()
    sign_in(client, account.username)
    for _ in range(7):  # 7 × 17 minutes = 1 h 59 min
        clock.advance(minutes=17)
        assert signed_in(client)
    clock.advance(minutes=1)
    assert not signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(make_app, clock, account, db):
    app = make_app(clock=clock)
    client = app.test_client()
    sign_in(client, account.username)
    started = clock.now

    def last_seen():
        db.rollback()
        return db.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == account.user_id))

    for _ in range(5):
        clock.advance(seconds=10)
        assert signed_in(client)
    assert last_seen() == started  # five reads within the minute wrote nothing
    clock.advance(seconds=15)
    assert signed_in(client)
    assert last_seen() == clock.now


def test_the_account_page_lists_sessions_and_signs_out_the_others(app, account):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, account.username, **{"User-Agent": "Laptop browser/1.0"})
    sign_in(phone, account.username, **{"User-Agent": "Phone browser/2.0"})
    page = laptop.get("/account").get_data(as_text=True)
    assert "Laptop browser/1.0" in page and "Phone browser/2.0" in page and "this browser" in page
    token = csrf(laptop, "/account")
    wrong = laptop.post("/account/sessions/end-others", data={"password": "not the password", "csrf_token": token})
    assert wrong.status_code == 422 and "is not your current password" in wrong.get_data(as_text=True)
    assert signed_in(phone)
    done = laptop.post("/account/sessions/end-others", data={"password": PASSWORD, "csrf_token": token})
    assert done.status_code == 302
    assert "Signed out of 1 other session." in laptop.get("/account").get_data(as_text=True)
    assert not signed_in(phone) and signed_in(laptop)


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app, make_app, account):
    client = app.test_client()
    csrf(client)
    resp = sign_in(client, account.username)
    cookie = resp.headers["Set-Cookie"]
    assert re.search(r"; HttpOnly", cookie) and "SameSite=Lax" in cookie and "Secure" not in cookie
    over_https = app.test_client()
    csrf(over_https)
    resp = over_https.post(
        "/login",
        base_url="https://localhost",
        data={"username": account.username, "password": PASSWORD, "csrf_token": csrf(over_https)},
    )
    assert "; Secure" in resp.headers["Set-Cookie"]
    # In production the cookie is always Secure and host-only (__Host- prefix).
    production = make_app(env="production", secret_key="x" * 32)
    page = production.test_client().get("/login", base_url="https://localhost")
    assert page.headers["Set-Cookie"].startswith("__Host-virtplan=")
    assert "; Secure" in page.headers["Set-Cookie"] and "; Path=/" in page.headers["Set-Cookie"]
    assert "Domain=" not in page.headers["Set-Cookie"]
