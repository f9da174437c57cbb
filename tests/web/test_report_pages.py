"""The reports pages through the Flask test client: a refused request shows
the form again and stores nothing; a job's page says how far it is and
refreshes until done; earlier reports with the plan version and analysis
run each shows; the download; the HTML preview in a sandboxed frame with a
policy of its own; viewers and other organizations."""

from __future__ import annotations

import re

import pytest
from signin_client import csrf, sign_in
from sqlalchemy import func, select

from models import Report
from planner.services import report_jobs
from planner.services.accounts import Caller


@pytest.fixture()
def inline(make_app, account):
    """A client of an app whose jobs run inside the request (so a job is done when the answer comes)."""
    client = make_app(job_queue="inline").test_client()
    assert sign_in(client, account.username).status_code == 302
    return client


def _reports(db, plan_id: int) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Report).where(Report.plan_id == plan_id))


def _csp(resp) -> dict[str, list[str]]:
    directives = (d.split() for d in resp.headers["Content-Security-Policy"].split(";"))
    return {d[0]: d[1:] for d in directives if d}


def test_a_refused_request_keeps_the_form_and_stores_nothing(consultant, analysed_plan, db):
    client, pid = consultant, analysed_plan
    token = csrf(client, f"/plans/{pid}/reports")
    resp = client.post(f"/plans/{pid}/reports", data={"format": "docx", "version": "1.0", "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "No report was started: 1 problem" in page and 'id="format-problem"' in page
    resp = client.post(f"/plans/{pid}/reports", data={"format": "pdf", "version": "v" * 41, "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="version-problem"' in page and 'value="' + "v" * 41 + '"' in page
    assert re.search(r'<input checked[^>]*value="pdf"', page)  # the choice is kept
    assert _reports(db, pid) == 0


def test_a_job_in_progress_refreshes_until_done(consultant, analysed_plan, app, tenant, db):
    client, pid = consultant, analysed_plan
    session = app.extensions["virtplan.sessions"]()
    row = report_jobs.request_report(session, Caller(tenant.org_id, frozenset({"read", "write"})), pid, "pdf")
    session.commit()
    rid = row.id
    session.close()
    page = client.get(f"/plans/{pid}/reports/{rid}").get_data(as_text=True)
    assert 'id="report-job" data-poll' in page and "Waiting to start" in page
    assert f'href="/plans/{pid}/reports/{rid}">Refresh now' in page  # without JavaScript
    assert "poll.js" in page
    listing = client.get(f"/plans/{pid}/reports").get_data(as_text=True)
    assert "data-poll" in listing and "this list updates itself" in listing
    assert client.get(f"/plans/{pid}/reports/{rid}/download").status_code == 409


def test_generate_list_download_and_preview(inline, analysed_plan, db):
    client, pid = inline, analysed_plan
    token = csrf(client, f"/plans/{pid}/reports")
    resp = client.post(f"/plans/{pid}/reports", data={"format": "html", "version": "1.0 draft", "csrf_token": token})
    assert resp.status_code == 302
    rid = int(resp.headers["Location"].rsplit("/", 1)[1])
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Ready" in page and "data-poll" not in page
    row = db.get(Report, rid)
    assert f"analysis run {row.analysis_run_id}" in page and "version 1.0 draft" in page
    frame = re.search(r'<iframe class="preview" src="([^"]+)" sandbox title="[^"]+"', page)
    assert frame and frame.group(1) == f"/plans/{pid}/reports/{rid}/preview"

    preview = client.get(frame.group(1))
    download = client.get(f"/plans/{pid}/reports/{rid}/download")
    assert preview.status_code == download.status_code == 200 and preview.data == download.data
    csp = _csp(preview)
    assert "sandbox" in csp and csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'self'"]
    assert "script-src" not in csp and preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "attachment" in download.headers["Content-Disposition"]
    # The page that frames it allows frames from this site only, and is not framed itself.
    assert _csp(client.get(f"/plans/{pid}/reports/{rid}"))["frame-src"] == ["'self'"]
    assert client.get(f"/plans/{pid}/reports/{rid}").headers["X-Frame-Options"] == "DENY"

    resp = client.post(f"/plans/{pid}/reports", data={"format": "csv", "csrf_token": token})
    csv_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/plans/{pid}/reports/{csv_id}/preview").status_code == 404  # only HTML is previewed
    listing = client.get(f"/plans/{pid}/reports").get_data(as_text=True)
    assert listing.index(f"#{csv_id} · CSV") < listing.index(f"#{rid} · HTML")  # newest first
    assert "version 1.0 draft" in listing and f"analysis run {row.analysis_run_id}" in listing
    assert f"/plans/{pid}/reports/{rid}/download" in listing


def test_a_viewer_may_download_but_not_generate(viewer, analysed_plan, db):
    client, pid = viewer, analysed_plan
    page = client.get(f"/plans/{pid}/reports").get_data(as_text=True)
    assert 'method="post"' not in page[page.index("<main") :]
    token = csrf(client, f"/plans/{pid}/reports")
    assert client.post(f"/plans/{pid}/reports", data={"format": "csv", "csrf_token": token}).status_code == 403
    assert _reports(db, pid) == 0


def test_another_organization_finds_nothing(stranger, inline, analysed_plan, db):
    pid = analysed_plan
    token = csrf(inline, f"/plans/{pid}/reports")
    rid = int(
        inline.post(f"/plans/{pid}/reports", data={"format": "html", "csrf_token": token})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    for suffix in ("", f"/{rid}", f"/{rid}/download", f"/{rid}/preview"):
        assert stranger.get(f"/plans/{pid}/reports{suffix}").status_code == 404, suffix
    token = csrf(stranger, "/")
    assert stranger.post(f"/plans/{pid}/reports", data={"format": "csv", "csrf_token": token}).status_code == 404
    assert _reports(db, pid) == 1


def test_the_form_needs_the_csrf_token(consultant, analysed_plan, db):
    resp = consultant.post(f"/plans/{analysed_plan}/reports", data={"format": "csv"})
    assert resp.status_code == 400 and b"reload the page" in resp.data
    assert _reports(db, analysed_plan) == 0
