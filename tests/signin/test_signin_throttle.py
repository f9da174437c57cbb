"""Password guessing is slowed per username and per client address (429 with
Retry-After, no password checked meanwhile); X-Forwarded-For is believed only
from configured proxies; and a sign-in costs the same work whether or not the
username exists."""

from __future__ import annotations

import hashlib

import pytest
from signin_client import PASSWORD, csrf, sign_in, signed_in

from planner.config import ConfigurationError, Settings
from planner.services import accounts
from planner.throttle import PasswordThrottle

WRONG = "not the right password"


@pytest.fixture()
def scrypt_calls(monkeypatch):
    """Every scrypt computation (werkzeug's password hash) made, with its cost parameters."""
    calls = []
    real = hashlib.scrypt

    def counting(password, *, salt, n, r, p, maxmem=0, dklen=64):
        calls.append((n, r, p))
        return real(password, salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=dklen)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


def test_wrong_passwords_for_one_user_are_throttled_then_even_the_right_one_waits(make_app, account, scrypt_calls):
    app = make_app(signin_limit_per_user="3 per minute", signin_limit_per_address="100 per minute")
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, account.username, WRONG).status_code == 401
    scrypt_calls.clear()
    refused = sign_in(client, account.username, PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert scrypt_calls == []  # refused before any password was checked
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html" and "virtplan.css" in page and "Too many wrong passwords" in page
    assert not signed_in(client)
    # Another user from the same address is not held up by this one's count.
    assert sign_in(app.test_client(), "someone-else", WRONG).status_code == 401


def test_wrong_passwords_from_one_address_are_throttled_across_usernames(make_app, account):
    app = make_app(signin_limit_per_user="100 per minute", signin_limit_per_address="4 per minute")
    client = app.test_client()
    for i in range(4):
        assert sign_in(client, f"guess-{i}", WRONG).status_code == 401
    assert sign_in(client, account.username, PASSWORD).status_code == 429
    # Spoofed X-Forwarded-For changes nothing while no proxy is trusted.
    spoofed = sign_in(client, account.username, PASSWORD, **{"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status_code == 429


def test_successful_sign_ins_are_not_counted(make_app, account):
    app = make_app(signin_limit_per_user="2 per minute", signin_limit_per_address="2 per minute")
    for _ in range(5):
        assert sign_in(app.test_client(), account.username).status_code == 302


def test_trusted_proxies_make_x_forwarded_for_the_client_address(make_app, account):
    app = make_app(signin_limit_per_user="100 per minute", signin_limit_per_address="2 per minute", trusted_proxies=1)
    client = app.test_client()
    for _ in range(2):
        assert sign_in(client, "nobody", WRONG, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 401
    assert sign_in(client, account.username, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert sign_in(client, account.username, PASSWORD, **{"X-Forwarded-For": "198.51.100.8"}).status_code == 302


def test_wrong_current_passwords_on_the_password_page_count_too(make_app, account):
    app = make_app(signin_limit_per_user="2 per minute", signin_limit_per_address="100 per minute")
    client = app.test_client()
    sign_in(client, account.username)
    token = csrf(client, "/account/password")
    form = {"current_password": WRONG, "new_password": "x" * 20, "new_password_again": "x" * 20, "csrf_token": token}
    assert client.post("/account/password", data=form).status_code == 422
    assert client.post("/account/password", data=form).status_code == 422
    resp = client.post("/account/password", data={**form, "current_password": PASSWORD})
    assert resp.status_code == 429 and "Retry-After" in resp.headers


def test_a_sign_in_costs_one_hash_whoever_the_username_names(app, db, make_account, scrypt_calls):
    """Unknown user, wrong password, disabled user, right password: the same work each time."""
    known, disabled = make_account(), make_account()
    session = app.extensions["virtplan.sessions"]()
    accounts.set_disabled(session, disabled.username, True)
    session.commit()
    session.close()
    costs = {}
    for label, username, password in (
        ("unknown", "no-such-user-at-all", PASSWORD),
        ("wrong password", known.username, WRONG),
        ("disabled", disabled.username, PASSWORD),
        ("right password", known.username, PASSWORD),
    ):
        client = app.test_client()
        token = csrf(client)
        scrypt_calls.clear()
        client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        costs[label] = list(scrypt_calls)
    assert len(costs["unknown"]) == 1
    assert costs["unknown"] == costs["wrong password"] == costs["disabled"] == costs["right password"]


def test_throttle_settings_are_checked_at_start():
    with pytest.raises(ConfigurationError, match="VIRTPLAN_SIGNIN_LIMIT_PER_USER"):
        Settings.from_env({"VIRTPLAN_SIGNIN_LIMIT_PER_USER": "lots"}, env="testing")
    with pytest.raises(ConfigurationError, match="VIRTPLAN_RATELIMIT_STORAGE_URL"):
        PasswordThrottle("bogus://x", "1 per minute", "1 per minute")
    settings = Settings.from_env({"VIRTPLAN_RATELIMIT_STORAGE_URL": "memory://"}, env="testing")
    assert settings.ratelimit_storage_url == "memory://"
    assert Settings.from_env({}, env="testing").trusted_proxies == 0
