"""A consultant's review of the demo plan in a real headless Chromium: filter
the findings, triage one (a missing justification shown beside its field,
nothing lost) and bulk-triage three, generate the PDF and download it once
its page says it is ready; a viewer finds no control to use; axe-core finds
no serious accessibility violation on the review pages.

The app runs on its own SQLite database for this module (waitress on a
loopback port), with background report jobs as in production."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from playwright.sync_api import expect
from web_site import CHROMIUM, PASSWORD, demo_site, serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs Debian's)"),
]


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    """The demo plan served on a port of its own, with a viewer of the demo organization: (base URL, facts)."""
    with demo_site(tmp_path_factory.mktemp("review")) as site:
        yield site


def _rows(page):
    return page.locator("table.findings tbody tr")


def test_a_consultant_filters_triages_and_publishes(review, browser):
    base, facts = review
    plan = f"{base}/plans/{facts['plan']}"
    page = browser.new_page()
    sign_in(page, base, "demo", facts["password"])
    page.goto(plan)
    page.get_by_role("navigation", name="Plan").get_by_role("link", name="Findings").click()

    # Filter: moderate risks in the internal zone, worst first.
    page.get_by_label("Moderate", exact=True).check()
    page.get_by_label("Zone", exact=True).select_option("internal")
    page.get_by_role("button", name="Apply filters").click()
    assert "risk=moderate" in page.url and "zone=internal" in page.url
    count = _rows(page).count()
    assert count >= 4
    assert all(t == "Moderate" for t in _rows(page).locator("td[data-label=Risk] .risk").all_inner_texts())
    assert page.get_by_label("Moderate", exact=True).is_checked()  # the form says what is shown
    register = page.url

    # Triage one: without a justification the form comes back with the problem beside the field.
    _rows(page).filter(has_text="Open").first.locator("td[data-label=Finding] a").click()
    title = page.locator("h1").inner_text()
    page.get_by_label("Status", exact=True).select_option("mitigated")
    page.get_by_role("button", name="Save the triage").click()
    summary = page.locator(".error-summary")
    assert "The status was not changed" in summary.inner_text()
    expect(summary).to_be_focused()  # focus moved there (forms.js, once the page has loaded)
    assert page.get_by_label("Status", exact=True).input_value() == "mitigated"  # nothing lost
    assert "a justification is required" in page.locator("#justification-problem").inner_text()
    page.get_by_label("Justification", exact=True).fill("Compensating ACL on the internal core switch (CHG-4410)")
    page.get_by_role("button", name="Save the triage").click()
    assert "Status set to mitigated." in page.locator("main").inner_text()
    assert "CHG-4410" in page.locator("ol.history").inner_text()

    # Bulk-triage three open findings of the same filtered list.
    page.goto(register)
    open_rows = _rows(page).filter(has_text="Open")
    chosen = [open_rows.nth(i).locator("td[data-label=Finding] a").inner_text() for i in range(3)]
    for i in range(3):
        open_rows.nth(i).locator("input[name=findings]").check()
    assert page.locator("input[name=findings]:checked").count() == 3
    assert page.locator("input[data-select-all]").evaluate("e => e.indeterminate")  # enhanced: some ticked
    page.get_by_label("New status", exact=True).select_option("accepted")
    page.locator("#bulk").get_by_label("Justification", exact=True).fill("Accepted by the CISO for 2027 (RISK-77)")
    page.get_by_role("button", name="Set the status of the selected findings").click()
    assert "3 findings set to accepted." in page.locator("main").inner_text()
    assert "risk=moderate" in page.url and "zone=internal" in page.url  # back to the same list
    for name in chosen:
        row = _rows(page).filter(has_text=name).first
        assert "Accepted" in row.inner_text() and "RISK-77" in row.inner_text()
    assert title not in chosen

    # Generate the PDF; its page follows the job until it is ready, then it downloads.
    page.get_by_role("navigation", name="Plan").get_by_role("link", name="Reports").click()
    page.get_by_label("PDF: the security plan to sign", exact=True).check()
    page.get_by_label("Version printed on the plan", exact=True).fill("1.0 review")
    page.get_by_role("button", name="Generate").click()
    assert re.search(r"/reports/\d+$", page.url)
    assert "This page updates itself" in page.locator("main").inner_text()
    link = page.get_by_role("link", name="Download the PDF")
    link.wait_for(timeout=240_000)  # the page updated itself, without a reload
    assert "Ready" in page.get_by_role("status").all_inner_texts()[-1]
    with page.expect_download() as download:
        link.click()
    pdf = pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages[:3])
    assert len(pdf.pages) > 5 and "1.0 review" in text
    page.get_by_role("link", name="All reports").click()
    assert "1.0 review" in page.locator("table.reports").inner_text()
    page.close()


def test_a_viewer_finds_no_control_to_use(review, browser):
    base, facts = review
    plan = f"{base}/plans/{facts['plan']}"
    page = browser.new_page()
    sign_in(page, base, "reader", PASSWORD)
    for path in ("/topology", "/findings", "/findings?risk=high", "/reports"):
        page.goto(plan + path)
        assert page.locator("main form[method=post]").count() == 0, path
        assert page.locator("main input[type=checkbox][name=findings]").count() == 0, path
    page.goto(plan + "/findings")
    page.locator("table.findings td[data-label=Finding] a").first.click()
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator("main").get_by_text("Triage").count() >= 1  # the decision is shown, not offered
    page.close()


def test_the_review_pages_have_no_serious_accessibility_violation(review, browser):

    base, facts = review
    plan = f"{base}/plans/{facts['plan']}"
    page = browser.new_page()
    sign_in(page, base, "demo", facts["password"])
    page.goto(plan + "/findings")
    finding = page.locator("table.findings td[data-label=Finding] a").first.get_attribute("href")
    pages = [
        "/topology",
        "/findings",
        "/findings?risk=high&text=zone&sort=rule",
        finding.removeprefix(f"/plans/{facts['plan']}"),
        "/reports",
    ]
    for path in pages:
        page.goto(plan + path)
        assert serious_violations(page) == [], path
    # A refused form too: the problems and their summary.
    page.goto(plan + finding.removeprefix(f"/plans/{facts['plan']}"))
    page.get_by_label("Status", exact=True).select_option("accepted")
    page.get_by_role("button", name="Save the triage").click()
    assert serious_violations(page) == []
    page.close()
