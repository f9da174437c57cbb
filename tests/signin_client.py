"""Signing in through the real form with the Flask test client, as a browser would."""

from __future__ import annotations

import datetime as dt
import re

from models.base import utcnow

PASSWORD = "a long enough password"
COOKIE = "virtplan"


def csrf(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str, password: str = PASSWORD, query: str = "", **headers):
    """POST the sign-in form (with a fresh form token); the response."""
    token = csrf(client)
    return client.post(
        "/login" + query, data={"username": username, "password": password, "csrf_token": token}, headers=headers
    )


def cookie_of(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def signed_in(client) -> bool:
    """Whether the client's cookie still opens a page (the plans list) rather than being sent to sign in."""
    resp = client.get("/")
    assert resp.status_code in (200, 302), resp.status_code
    return resp.status_code == 200


class Clock:
    """A clock the test moves: the app reads it for session expiry."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
