"""The web pages in a real headless Chromium, against the real app served by
waitress on a loopback port: sign-in, the plans list, a plan's page, sign-out,
and hostile names shown as text."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading

import pytest

CHROMIUM = os.environ.get("VIRTPLAN_TEST_CHROMIUM") or shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs Debian's)"),
]

PASSWORD = "a long enough password"
HOSTILE = '<img src=x onerror="window.__pwned=1">Payroll & <b>HR</b>'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app on SQLite, served by waitress in a thread; a user with one hostile-named plan."""
    from waitress.server import create_server

    from models import Plan
    from planner.app import create_app
    from planner.cli.database import upgrade_database
    from planner.config import Settings
    from planner.demo import load_demo, render_demo_report
    from planner.services import accounts, plans
    from planner.services.accounts import Caller

    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'web.sqlite3'}"
    upgrade_database(url)
    app = create_app(Settings.from_env({}, env="testing", database_url=url, instance_path=str(folder)))
    session = app.extensions["virtplan.sessions"]()
    org = accounts.create_organization(session, "Browser Org")
    user = accounts.create_user(session, "browser", PASSWORD, org, "consultant")
    other = accounts.create_organization(session, "Someone Else")
    mine = plans.create_plan(session, Caller(org.id, frozenset({"read", "write"}), user.id), HOSTILE)
    theirs = plans.create_plan(session, Caller(other.id, frozenset({"read", "write"})), "Their secret plan")
    demo = load_demo(session)
    session.commit()
    ids = {
        "mine": mine.id,
        "theirs": theirs.id,
        "demo": demo.plan_id,
        "demo_password": demo.password,
        "demo_org": session.get(Plan, demo.plan_id).organization_id,
    }
    session.close()
    render_demo_report(app.extensions["virtplan.sessions"], ids["demo"], ids["demo_org"])
    port = _free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", ids
    server.close()
    app.extensions["virtplan.engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def test_sign_in_see_plans_and_sign_out(site, browser):
    base, ids = site
    page = browser.new_page()
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")  # every page needs a user
    page.fill("input[name=username]", "browser")
    page.fill("input[name=password]", "wrong password here")
    page.click("button[type=submit]")
    assert "Unknown username or wrong password." in page.inner_text("main")
    page.fill("input[name=username]", "browser")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    table = page.inner_text("table")
    assert HOSTILE in table  # shown as text...
    assert page.evaluate("window.__pwned") is None  # ...never run
    assert "Their secret plan" not in page.content()
    page.click(f"a[href='/plans/{ids['mine']}']")
    assert page.inner_text("h1") == HOSTILE
    assert page.evaluate("window.__pwned") is None
    response = page.goto(f"{base}/plans/{ids['theirs']}")
    assert response.status == 404
    page.goto(base + "/")
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r".*/login$"))
    page.goto(base + "/")
    assert "/login" in page.url
    page.close()


def test_api_docs_page_works_for_a_signed_in_user(site, browser):
    base, _ids = site
    page = browser.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "browser")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(base + "/api/v1/docs")
    page.get_by_text("/api/v1/plans/{plan_id}/inventory").first.wait_for(timeout=20_000)
    page.close()


def test_demo_plan_page_shows_every_capability(site, browser):
    """Answers, findings with triage, placement advice and a downloadable report."""
    base, ids = site
    page = browser.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", ids["demo_password"])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.click("text=Datacenter consolidation 2027")
    assert re.search(r"139 of 139 applicable questions answered", page.inner_text("#questionnaire"))
    findings = page.inner_text("#findings")
    assert "ZONE-MIX-HOST" in findings and "accepted" in findings and "CHG-2307" in findings
    assert "transferred" in findings
    placement = page.inner_text("#placement")
    assert re.search(r"\d+ moves", placement) and "→" in placement
    # Triage a finding through the form; the page shows who and why.
    row = page.locator("table.findings tbody tr", has_text="VM-CLIPBOARD-SHARING").first
    row.locator("select[name=status]").select_option("accepted")
    row.locator("input[name=justification]").fill("Jump host clipboard needed for the break-glass runbook")
    row.locator("button", has_text="Set").click()
    page.wait_for_load_state()
    row = page.locator("table.findings tbody tr", has_text="VM-CLIPBOARD-SHARING").first
    assert "break-glass runbook" in row.inner_text() and "demo" in row.inner_text()
    # A justification is required for anything but open.
    row.locator("select[name=status]").select_option("mitigated")
    row.locator("input[name=justification]").fill("")
    with page.expect_navigation() as nav:
        row.locator("button", has_text="Set").click()
    assert nav.value.status == 422
    # The demo's PDF is listed and downloads as a PDF.
    page.goto(f"{base}/plans/{ids['demo']}")
    with page.expect_download() as download:
        page.locator("#reports a", has_text="download").first.click()
    path = download.value.path()
    assert path.read_bytes()[:5] == b"%PDF-"
    page.close()


def test_pages_are_styled(site, browser):
    """The stylesheet loads (a page without it is still usable, but not what users get)."""
    base, _ids = site
    page = browser.new_page()
    response = page.goto(base + "/login")
    assert response.status == 200
    css = page.request.get(base + page.eval_on_selector("link[rel=stylesheet]", "l => l.getAttribute('href')"))
    assert css.status == 200 and "--accent" in css.text()
    assert page.eval_on_selector("header.bar", "e => getComputedStyle(e).backgroundColor") == "rgb(16, 38, 61)"
    page.close()
