"""The web pages in a real headless Chromium, against the real app served by
waitress on a loopback port: sign-in, the plans list, a plan's page, sign-out,
and hostile names shown as text."""

from __future__ import annotations

import re

import pytest
from web_site import CHROMIUM, HOSTILE, PASSWORD, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs Debian's)"),
]


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
    sign_in(page, base, "browser", PASSWORD)
    page.goto(base + "/api/v1/docs")
    page.get_by_text("/api/v1/plans/{plan_id}/inventory").first.wait_for(timeout=20_000)
    page.close()


def test_demo_plan_page_shows_every_capability(site, browser):
    """Answers, findings with triage, placement advice and a downloadable report."""
    base, ids = site
    page = browser.new_page()
    sign_in(page, base, "demo", ids["demo_password"])
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
