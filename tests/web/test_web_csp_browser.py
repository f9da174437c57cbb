"""Every page under the strict Content-Security-Policy, in a real headless
Chromium: no violation reported on any page (sign-in, plans, the demo plan,
account, password change, an error page, Swagger UI), each page still
styled, and an injected inline script refused."""

from __future__ import annotations

import pytest
from web_site import CHROMIUM, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs Debian's)"),
]

#: Runs before any page script (injected by the browser, not subject to the page's policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""
BAR_COLOUR = "rgb(16, 38, 61)"


@pytest.fixture()
def watched_page(site, browser):
    """A page that records CSP violations (events and console reports) while the test runs."""
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.console_reports = console
    yield page
    context.close()


def _violations(page) -> list[str]:
    return page.evaluate("window.__violations") + page.console_reports


def _styled(page) -> None:
    assert page.eval_on_selector("header.bar", "e => getComputedStyle(e).backgroundColor") == BAR_COLOUR
    assert page.eval_on_selector("body", "e => getComputedStyle(e).margin") == "0px"


def test_every_page_loads_without_a_policy_violation_and_styled(site, watched_page):
    base, ids = site
    page = watched_page
    page.goto(base + "/login")
    _styled(page)
    assert page.eval_on_selector(".card", "e => getComputedStyle(e).borderTopStyle") == "solid"
    sign_in(page, base, "demo", ids["demo_password"])
    plan = f"/plans/{ids['demo']}"
    pages = ["/", plan, plan + "/questionnaire/initiation", plan + "/inventory", plan + "/inventory/vms"]
    pages += ["/admin/users", "/account", "/account/password", "/no/such/page"]
    for path in pages:
        response = page.goto(base + path)
        page.wait_for_load_state("load")
        assert response.status == (404 if path == "/no/such/page" else 200), path
        _styled(page)
        assert "Sign out demo" in page.inner_text("header.bar"), path
        assert _violations(page) == [], path
    # Interactive parts still work without inline code: a <details> opens, a form posts.
    page.goto(f"{base}/plans/{ids['demo']}")
    page.locator("table.findings details summary").first.click()
    assert page.locator("table.findings details").first.get_attribute("open") is not None
    assert _violations(page) == []


def test_swagger_ui_runs_under_the_policy(site, watched_page):
    base, ids = site
    page = watched_page
    sign_in(page, base, "demo", ids["demo_password"])
    page.goto(base + "/api/v1/docs")
    page.get_by_text("/api/v1/plans/{plan_id}/inventory").first.wait_for(timeout=20_000)
    _styled(page)
    # Swagger UI's own stylesheet applies (its title is large and bold, its operations coloured).
    title = page.locator(".swagger-ui .info .title").first
    assert title.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") > 20
    get_block = page.locator(".swagger-ui .opblock-get").first
    assert get_block.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    # Opening an operation (Swagger UI renders more, fetches nothing from elsewhere).
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.locator(".swagger-ui .opblock-body").first.wait_for()
    assert _violations(page) == []


def test_an_injected_inline_script_or_style_is_refused(site, watched_page):
    base, _ids = site
    page = watched_page
    page.goto(base + "/login")
    page.evaluate(
        """() => {
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
        const st = document.createElement("style");
        st.textContent = "body { background: rgb(255, 0, 0) }";
        document.head.appendChild(st);
    }"""
    )
    page.wait_for_function("window.__violations.length >= 2")
    assert page.evaluate("window.__ran") is None
    assert page.eval_on_selector("body", "e => getComputedStyle(e).backgroundColor") != "rgb(255, 0, 0)"
    assert {v.split()[0] for v in _violations(page) if "blocked inline" in v} >= {"script-src-elem", "style-src-elem"}
