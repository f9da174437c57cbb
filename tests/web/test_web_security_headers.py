"""What every answer tells the browser: a Content-Security-Policy that allows
no inline script or style, no caching of anything a user or token sees, HSTS
over HTTPS only (and HTTPS only believed from trusted proxies), styled error
pages that keep the navigation (Flask test client; the browser's own verdict
is in test_web_csp_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from signin_client import csrf, sign_in

import planner.web

TEMPLATES = Path(planner.web.__file__).parent / "templates"


@pytest.fixture()
def browser_client(app, account):
    client = app.test_client()
    assert sign_in(client, account.username).status_code == 302
    return client


def _csp(resp) -> dict[str, list[str]]:
    directives = (d.split() for d in resp.headers["Content-Security-Policy"].split(";"))
    return {d[0]: d[1:] for d in directives if d}


def test_the_policy_allows_only_this_sites_files(client):
    csp = _csp(client.get("/login"))
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in client.get("/login").headers["Content-Security-Policy"]


def test_every_page_names_an_icon_of_this_site(client):
    """Browsers ask for /favicon.ico (a 404 in every log) unless the page names its icon."""
    html = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" type="image/svg\+xml" href="(/[^"]+)"', html).group(1)
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_the_usual_headers_are_on_every_answer(client, browser_client, tenant):
    for resp in (
        client.get("/login"),
        browser_client.get("/"),
        client.get("/api/v1/plans", headers=tenant.headers()),
        client.get("/no/such/page"),
        client.get("/assets/virtplan.css"),
    ):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_nothing_a_user_or_token_sees_is_cached(client, browser_client, tenant, plan_id):
    answers = [
        browser_client.get("/"),
        browser_client.get("/account"),
        browser_client.get("/account/password"),
        browser_client.get("/api/v1/docs"),
        browser_client.get("/api/v1/openapi.json"),
        client.get("/login"),
        client.get("/api/v1/plans", headers=tenant.headers()),
        client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers()),
        client.get("/api/v1/plans"),  # a 401 too
    ]
    for resp in answers:
        assert resp.headers["Cache-Control"] == "no-store", resp.request.path
    assert "no-store" not in client.get("/assets/virtplan.css").headers.get("Cache-Control", "")


def test_hsts_only_over_https_and_https_only_believed_from_trusted_proxies(client, make_app):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    over_https = client.get("/login", base_url="https://localhost")
    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    spoofed = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers
    behind_proxy = make_app(trusted_proxies=1).test_client()
    forwarded = behind_proxy.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in forwarded.headers


def test_no_template_has_an_inline_script_style_or_handler():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"<style\b", text), template.name
        assert not re.search(r"\sstyle\s*=", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text, template.name


def test_error_pages_are_styled_and_keep_the_navigation(client, browser_client):
    for resp, status in ((browser_client.get("/no/such/page"), 404), (browser_client.get("/plans/999999999"), 404)):
        page = resp.get_data(as_text=True)
        assert resp.status_code == status and resp.mimetype == "text/html"
        assert "virtplan.css" in page and "Sign out" in page and 'href="/account"' in page
    # A stale form: styled 400 that says what to do, and still signed in.
    stale = browser_client.post("/account/sessions/end-others", data={"password": "x", "csrf_token": "stale"})
    assert stale.status_code == 400 and "reload the page" in stale.get_data(as_text=True)
    assert "Sign out" in stale.get_data(as_text=True)
    # Someone not signed in gets the same style, and the way to sign in.
    anonymous = client.get("/no/such/page").get_data(as_text=True)
    assert "virtplan.css" in anonymous and 'href="/login"' in anonymous and "Sign out" not in anonymous
    assert client.put("/login").headers["Allow"]


def test_api_errors_stay_problem_json(client):
    resp = client.get("/api/v1/no-such-thing", headers={"Authorization": "Bearer vp_unknown"})
    assert resp.status_code == 401 and resp.mimetype == "application/problem+json"
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="virtplan"'
    # The documentation page is a page: a visitor who is not signed in is sent to sign in.
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 302 and docs.headers["Location"] == "/login?next=/api/v1/docs"
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_signing_out_needs_the_form_token(browser_client):
    assert browser_client.post("/logout").status_code == 400
    assert browser_client.get("/").status_code == 200
    assert browser_client.post("/logout", data={"csrf_token": csrf(browser_client, "/")}).status_code == 302
    assert browser_client.get("/").status_code == 302
