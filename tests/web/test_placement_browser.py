"""The placement tab in a real headless Chromium: the demo plan's proposal
(proven optimal per cluster, each change with its reason, the findings it
removes), a what-if move before anything is saved, accepting one ticked
change, a second tab's acceptance of the now accepted proposal refused with
the ticks kept, asking for a new proposal; axe-core finds no serious
accessibility violation; a viewer finds no control but the what-if, and
the page fits a phone's width.

Screenshots of each step go to ``$VIRTPLAN_TEST_SCREENSHOTS`` when it names a
folder (to look at them; nothing is compared)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from web_site import CHROMIUM, PASSWORD, demo_site, serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs Debian's)"),
]

SHOTS = os.environ.get("VIRTPLAN_TEST_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"placement-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo plan (with its proposal) on a port of its own, and a viewer of its organization."""
    with demo_site(tmp_path_factory.mktemp("placement")) as site:
        yield site


def test_a_consultant_reviews_tries_and_accepts_the_advice(demo, browser):
    base, facts = demo
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "demo", facts["password"])
    page.goto(f"{base}/plans/{facts['plan']}")
    page.get_by_role("navigation", name="Plan").get_by_role("link", name="Placement").click()
    main = page.locator("main")
    expect(main.get_by_role("heading", name="What the advice buys")).to_be_visible()
    assert "The result is proven optimal in each of the 3 migration domains" in main.inner_text()
    changes = page.locator("table.changes tbody tr")
    assert changes.count() == 5
    assert "anti-affinity group pay" in changes.filter(has_text="vm-pay-01").inner_text()
    assert serious_violations(page) == []
    _shot(page, "proposal")

    # A second tab keeps the proposal as it is now, to accept it later.
    other = context.new_page()
    other.goto(page.url)

    # What if the HR database went to esx-prod-06? Nothing is saved.
    page.get_by_label("VM", exact=True).select_option("vm-hr-db")
    page.get_by_label("Move it to host", exact=True).select_option("esx-prod-06")
    page.get_by_role("button", name="Show what would change").click()
    result = page.locator(".what-if-result")
    expect(result).to_contain_text("Moving vm-hr-db from esx-prod-03 to esx-prod-06")
    expect(result).to_contain_text("The move breaks no hard constraint.")
    assert "ZONE-MIX-HOST" in result.locator("table").first.inner_text()
    assert page.get_by_label("VM", exact=True).input_value() == "vm-hr-db"  # the choice is kept
    assert serious_violations(page) == []
    _shot(page, "what-if")
    # Onto the hosted lab workstation: the hard constraints it breaks, before anything is saved.
    page.get_by_label("Move it to host", exact=True).select_option("lab-ws-01")
    page.get_by_role("button", name="Show what would change").click()
    expect(page.locator(".what-if-result")).to_contain_text("Hosted hypervisor: lab-ws-01 is a type 2")

    # Accept one ticked change.
    page.locator("table.changes tbody tr").filter(has_text="vm-pay-01").get_by_role("checkbox").check()
    page.get_by_role("button", name="Accept the ticked changes").click()
    expect(main).to_contain_text("Accepted 1 change of proposal")
    expect(main).to_contain_text("1 of 5 changes applied")
    assert page.locator("table.changes input[type=checkbox]").count() == 0  # accepted: nothing more to accept
    _shot(page, "accepted")

    # The second tab's page is stale now: its acceptance is refused, its ticks kept.
    rows = other.locator("table.changes tbody tr")
    rows.filter(has_text="vm-hr-db").get_by_role("checkbox").check()
    rows.filter(has_text="vm-app-04").get_by_role("checkbox").check()
    other.get_by_role("button", name="Accept the ticked changes").click()
    alert = other.get_by_role("alert")
    expect(alert).to_contain_text("This proposal can no longer be accepted")
    expect(alert).to_be_focused()
    ticked = other.locator("table.changes input[type=checkbox]:checked")
    assert sorted(ticked.evaluate_all("boxes => boxes.map(b => b.value)")) == ["vm-app-04", "vm-hr-db"]
    assert serious_violations(other) == []
    _shot(other, "refused")

    # A new proposal for the inventory as it stands.
    other.get_by_role("button", name="Compute a proposal").click()
    expect(other.locator("main")).to_contain_text("is ready: review its changes below")
    assert other.locator("table.changes tbody tr").count() == 4  # vm-pay-01 moved already
    context.close()


def test_a_viewer_finds_only_the_what_if_and_the_page_fits_a_phone(demo, browser):
    base, facts = demo
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    sign_in(page, base, "reader", PASSWORD)
    page.goto(f"{base}/plans/{facts['plan']}/placement")
    expect(page.locator("main").get_by_role("heading", name="What the advice buys")).to_be_visible()
    assert page.locator("main input[type=checkbox]").count() == 0
    assert page.get_by_role("button", name="Compute a proposal").count() == 0
    forms = page.locator("main form[method=post]")
    assert forms.count() == 1 and forms.first.get_attribute("id") == "what-if"
    page.get_by_label("VM", exact=True).select_option("vm-web-03")
    page.get_by_label("Move it to host", exact=True).select_option("esx-dmz-01")
    page.get_by_role("button", name="Show what would change").click()
    expect(page.locator(".what-if-result")).to_contain_text("Moving vm-web-03 from esx-prod-02 to esx-dmz-01")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 391)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.id || '') + ' ' + e.textContent.slice(0, 40))"
    )
    assert overflow <= 0, wide  # wide tables stack on a phone
    _shot(page, "phone")
    context.close()
