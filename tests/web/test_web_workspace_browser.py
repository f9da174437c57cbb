"""The architect's workspace in a real headless Chromium against the real
app (waitress, SQLite, the demo): an admin adds an architect and a viewer;
the architect creates a plan, uploads a broken inventory (and sees its
problems by object), uploads the demo inventory, answers questions in two
phases (one answer makes a conditional question appear), reloads and finds
every answer kept; the same works without JavaScript; the viewer can change
nothing; axe-core finds no serious accessibility violation on the main pages."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from web_site import CHROMIUM, serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs Debian's)"),
]


def _q(qid: str) -> str:
    """The selector of a question's fieldset (ids hold dots)."""
    return f'[id="q-{qid}"]'


def _add_user(page, base: str, username: str, role: str) -> str:
    """The admin adds a user through the page; the one-time password it shows."""
    page.goto(base + "/admin/users")
    page.fill("#username", username)
    page.select_option("#role", role)
    page.click("text=Add the user")
    return page.inner_text(".secret").strip()


def _signed_in_as(browser, base: str, username: str, password: str, **context):
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return ctx, page


def test_an_architect_builds_a_plan_and_a_viewer_changes_nothing(site, browser, tmp_path):
    from planner.demo import estate_document

    base, ids = site
    admin = browser.new_page()
    sign_in(admin, base, "demo", ids["demo_password"])
    architect_password = _add_user(admin, base, "ada-architect", "architect")
    viewer_password = _add_user(admin, base, "vic-viewer", "viewer")
    admin.close()

    ctx, page = _signed_in_as(browser, base, "ada-architect", architect_password)
    page.click("text=New plan")
    page.fill("#name", "Harbor DR site")
    page.fill("#description", "The disaster-recovery room")
    page.click("text=Create the plan")
    assert page.inner_text("h1") == "Harbor DR site"
    assert "Bring the inventory" in page.inner_text("#next")
    plan_url = page.url

    # A broken inventory: its problems, beside the objects they concern; then the demo's.
    document = estate_document()
    broken = json.loads(json.dumps(document))
    broken["vms"][1]["zone"] = "atlantis"
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    (tmp_path / "estate.json").write_text(json.dumps(document))
    page.click("nav.tabs >> text=Inventory")
    page.set_input_files("#document", str(tmp_path / "broken.json"))
    page.click("text=Upload and replace")
    problems = page.inner_text(".problems-by-object")
    assert "VM 'vm-web-02' (vms[1])" in problems and "vms[1].zone" in problems
    expect(page.locator(".error-summary")).to_be_focused()  # focus on the problems (forms.js, once loaded)
    page.set_input_files("#document", str(tmp_path / "estate.json"))
    page.click("text=Upload and replace")
    assert "Inventory uploaded: now version 1." in page.inner_text("main")

    # Initiation: "no" hides the questions that hang off the policy, "yes" makes them appear.
    page.click("nav.tabs >> text=Questionnaire")
    assert page.inner_text("h1") == "Questionnaire: Initiation"
    page.fill('[id="initiation.identification.system_name"]', "Harbor DR")
    page.check('input[name="initiation.policy.exists"][value="no"]')
    page.locator(_q("initiation.policy.review_cycle")).wait_for(state="hidden")
    page.check('input[name="initiation.policy.exists"][value="yes"]')
    page.locator(_q("initiation.policy.review_cycle")).wait_for(state="visible")
    assert "more question" in page.inner_text("#applicability-news")
    page.check('input[name="initiation.policy.review_cycle"][value="annually"]')
    page.fill('[id="initiation.policy.last_review"]', "2026-06-30")
    page.click("text=Save answers")
    assert "Saved: 4 answers changed." in page.inner_text("main")
    # Planning and Design: a number and several choices.
    page.click("nav.phases >> text=Planning and Design")
    page.fill('[id="planning.roles.full_admins"]', "3")
    page.check('input[name="planning.architecture.hypervisor_types"][value="type-1"]')
    page.click("text=Save answers")
    assert "Saved: 2 answers changed." in page.inner_text("main")
    # Reloaded, every answer is there.
    page.reload()
    assert page.input_value('[id="planning.roles.full_admins"]') == "3"
    assert page.is_checked('input[name="planning.architecture.hypervisor_types"][value="type-1"]')
    page.goto(plan_url + "/questionnaire/initiation")
    assert page.input_value('[id="initiation.identification.system_name"]') == "Harbor DR"
    assert page.is_checked('input[name="initiation.policy.review_cycle"][value="annually"]')
    assert page.input_value('[id="initiation.policy.last_review"]') == "2026-06-30"
    page.goto(plan_url)
    assert re.search(r"6 of \d+ applicable questions answered", page.inner_text("#questionnaire"))
    ctx.close()

    # Without JavaScript: a save decides which questions apply.
    ctx, page = _signed_in_as(browser, base, "ada-architect", architect_password, java_script_enabled=False)
    page.goto(plan_url + "/questionnaire/initiation")
    page.check('input[name="initiation.policy.exists"][value="no"]')
    assert page.locator(_q("initiation.policy.review_cycle")).is_visible()  # nothing asks the server yet
    page.click("text=Save answers")
    assert "so cleared" in page.inner_text("main")
    assert page.locator(_q("initiation.policy.review_cycle")).is_hidden()
    ctx.close()

    # The viewer reads it all and finds nothing to change; another organization's plan is not there.
    ctx, page = _signed_in_as(browser, base, "vic-viewer", viewer_password)
    for path in ("", "/questionnaire/initiation", "/inventory", "/inventory/vms/vm-web-01"):
        page.goto(plan_url + path)
        assert page.locator("main form").count() == 0, path
        assert page.locator("main input, main select, main textarea").count() == 0, path
    assert "Administration" not in page.inner_text("header")
    assert page.goto(f"{base}/plans/{ids['theirs']}/inventory").status == 404
    ctx.close()


def test_the_main_pages_pass_axe_core_and_fit_a_phone(site, browser):
    """axe-core's WCAG 2.2 A/AA rules on each main page at desktop width; at a
    phone's width (390 px) no page scrolls sideways (wide tables stack)."""

    base, ids = site
    plan = f"/plans/{ids['demo']}"
    pages = [
        "/",
        "/plans/new",
        plan,
        plan + "/settings",
        plan + "/questionnaire/initiation",
        plan + "/questionnaire/history/initiation.policy.exists",
        plan + "/inventory",
        plan + "/inventory/vms",
        plan + "/inventory/vms/vm-web-01",
        plan + "/inventory/versions?from=0&to=1",
        plan + "/hardening",
        "/admin/users",
        "/admin/tokens",
    ]
    found = {}
    for width in (1280, 390):
        ctx = browser.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        sign_in(page, base, "demo", ids["demo_password"])
        for path in pages:
            assert page.goto(base + path).status == 200, path
            if width > 1000 and (serious := serious_violations(page)):
                found[path] = serious
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, width, overflow)
        ctx.close()
    assert found == {}
