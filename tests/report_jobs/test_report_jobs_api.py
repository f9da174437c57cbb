"""Report jobs through the REST API, on SQLite and PostgreSQL: request (202 at
once), poll, download exactly as generated; the formats; failures with clear
messages; organization scoping and scopes."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from pypdf import PdfReader
from server_process import wait_until

PROBLEM = "application/problem+json"


def reports_url(plan_id: int) -> str:
    return f"/api/v1/plans/{plan_id}/reports"


def request_report(client, tenant, plan_id: int, fmt: str, **extra):
    resp = client.post(reports_url(plan_id), json={"format": fmt, **extra}, headers=tenant.headers())
    assert resp.status_code == 202, resp.get_json()
    job = resp.get_json()
    assert resp.headers["Location"] == f"{reports_url(plan_id)}/{job['id']}"
    return job


def finished(client, tenant, plan_id: int, job: dict) -> dict:
    """The job as the API shows it now."""
    resp = client.get(f"{reports_url(plan_id)}/{job['id']}", headers=tenant.headers("read"))
    assert resp.status_code == 200
    return resp.get_json()


def download(client, tenant, job: dict):
    resp = client.get(job["download"], headers=tenant.headers("read"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp


def test_pdf_of_the_demo_estate(inline_client, tenant, demo_plan):
    job = request_report(inline_client, tenant, demo_plan, "pdf")
    job = finished(inline_client, tenant, demo_plan, job)
    assert job["state"] == "succeeded", job["error"]
    assert job["error"] is None and job["format"] == "pdf" and job["media_type"] == "application/pdf"
    assert job["inventory_version"] == 1 and job["version"] is None
    assert job["download"] == f"{reports_url(demo_plan)}/{job['id']}/content"
    assert job["created_at"] <= job["started_at"] <= job["finished_at"]

    resp = download(inline_client, tenant, job)
    data = resp.data
    assert resp.mimetype == "application/pdf"
    assert hashlib.sha256(data).hexdigest() == job["sha256"] == resp.headers["X-Content-SHA256"]
    assert resp.headers["ETag"] == f'"{job["sha256"]}"'
    assert len(data) == job["size"] == int(resp.headers["Content-Length"])
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{job["filename"]}"'
    assert job["filename"].startswith("Harbour-Consolidation-") and job["filename"].endswith(".pdf")

    pdf = PdfReader(io.BytesIO(data))
    assert len(pdf.pages) > 5
    text = "\n".join(page.extract_text() for page in pdf.pages[:3])
    assert "Harbour Consolidation" in text
    assert "inventory v1" in text  # the default version label

    again = download(inline_client, tenant, job)
    assert again.data == data
    cached = inline_client.get(
        job["download"], headers=tenant.headers("read", **{"If-None-Match": resp.headers["ETag"]})
    )
    assert cached.status_code == 304 and cached.data == b""


def test_csv_register_carries_triage_and_the_version_label(inline_client, tenant, demo_plan):
    analysed = inline_client.post(f"/api/v1/plans/{demo_plan}/analysis", headers=tenant.headers())
    assert analysed.status_code == 201, analysed.get_json()
    findings = inline_client.get(
        f"/api/v1/plans/{demo_plan}/findings?page_size=500", headers=tenant.headers("read")
    ).get_json()
    accepted, transferred = findings[0], findings[1]
    for finding, status in ((accepted, "accepted"), (transferred, "transferred")):
        resp = inline_client.patch(
            f"/api/v1/plans/{demo_plan}/findings/{finding['id']}",
            json={"status": status, "justification": f"{status} by the board"},
            headers=tenant.headers(),
        )
        assert resp.status_code == 200, resp.get_json()

    job = request_report(inline_client, tenant, demo_plan, "csv", version="2.1 draft")
    assert job["state"] == "succeeded", job["error"]
    assert job["version"] == "2.1 draft" and job["filename"] == "Harbour-Consolidation-v2.1-draft.csv"
    resp = download(inline_client, tenant, job)
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert len(rows) == len(findings)
    by_fingerprint = {row["fingerprint"]: row for row in rows}
    assert by_fingerprint[accepted["fingerprint"]]["triage_status"] == "accepted"
    assert by_fingerprint[accepted["fingerprint"]]["triage_justification"] == "accepted by the board"
    moved = by_fingerprint[transferred["fingerprint"]]
    assert moved["triage_status"] == "transferred"
    assert moved["triage_justification"] == "transferred by the board"
    assert sum(row["triage_status"] == "open" for row in rows) == len(rows) - 2


def test_oscal_ssp_job(inline_client, tenant, demo_plan):
    from reports.oscal import reference_problems

    job = request_report(inline_client, tenant, demo_plan, "oscal")
    assert job["state"] == "succeeded", job["error"]
    assert job["media_type"] == "application/json" and job["filename"].endswith(".oscal-ssp.json")
    doc = json.loads(download(inline_client, tenant, job).data)
    ssp = doc["system-security-plan"]
    assert ssp["metadata"]["title"].find("Harbour Consolidation") >= 0
    assert ssp["metadata"]["version"] == "inventory v1"
    assert reference_problems(doc) == []


def test_json_plan_carries_the_stored_answers(inline_client, tenant, demo_plan):
    qid = "initiation.identification.system_name"
    answered = inline_client.patch(
        f"/api/v1/plans/{demo_plan}/answers/{qid}",
        headers=tenant.headers(),
        json={"value": "Harbour Core <Platform>", "comment": "from the charter"},
    )
    assert answered.status_code == 200, answered.get_json()
    job = request_report(inline_client, tenant, demo_plan, "json")
    assert job["state"] == "succeeded", job["error"]
    doc = json.loads(download(inline_client, tenant, job).data)
    assert doc["answers"][qid]["value"] == "Harbour Core <Platform>"
    assert doc["answers"][qid]["comment"] == "from the charter"
    assert doc["identification"]["system_name"] == "Harbour Core <Platform>"


def test_hostile_plan_name_gives_a_safe_file_name(inline_client, tenant, make_plan):
    plan_id = make_plan(tenant, 'Q3 "plan"; x=1\\..\\..\\etc <b>')
    job = request_report(inline_client, tenant, plan_id, "json")
    assert job["state"] == "succeeded", job["error"]
    disposition = download(inline_client, tenant, job).headers["Content-Disposition"]
    name = disposition.removeprefix('attachment; filename="').removesuffix('"')
    assert name == job["filename"] and name.endswith(".json")
    assert all(ch.isalnum() or ch in "._-" for ch in name) and ".." not in name


@pytest.mark.parametrize(
    "body, path",
    [
        ({"format": "docx"}, "format"),
        ({"format": "PDF"}, "format"),
        ({}, "format"),
        ({"format": "pdf", "version": ""}, "version"),
        ({"format": "pdf", "version": "x" * 41}, "version"),
        ({"format": "pdf", "colour": "blue"}, "colour"),
    ],
)
def test_invalid_requests_are_422_and_create_nothing(inline_client, tenant, plan_id, body, path):
    resp = inline_client.post(reports_url(plan_id), json=body, headers=tenant.headers())
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    problems = resp.get_json()["errors"]
    assert [p["path"] for p in problems] == [path]
    if path == "format" and body:
        assert problems[0]["message"] == f"expected one of pdf, html, json, csv, xlsx, oscal; got {body['format']!r}"
    listed = inline_client.get(reports_url(plan_id), headers=tenant.headers("read"))
    assert listed.get_json() == []


def test_service_rejects_unknown_format_precisely(db, tenant, plan_id):
    from planner.services import report_jobs
    from planner.services.accounts import Caller
    from planner.services.errors import Invalid

    caller = Caller(tenant.org_id, frozenset({"read", "write"}))
    with pytest.raises(Invalid) as caught:
        report_jobs.request_report(db, caller, plan_id, "docx")
    assert caught.value.problems == [
        {"path": "format", "message": "expected one of pdf, html, json, csv, xlsx, oscal; got 'docx'"}
    ]


def test_content_before_success_is_409(inline_client, writer_db, tenant, demo_plan):
    from planner.services import report_jobs
    from planner.services.accounts import Caller

    caller = Caller(tenant.org_id, frozenset({"read", "write"}), label="test")
    row = report_jobs.request_report(writer_db, caller, demo_plan, "pdf")  # queued, never submitted
    writer_db.commit()
    job = inline_client.get(f"{reports_url(demo_plan)}/{row.id}", headers=tenant.headers("read")).get_json()
    assert job["state"] == "queued" and job["download"] is None and job["sha256"] is None
    resp = inline_client.get(f"{reports_url(demo_plan)}/{row.id}/content", headers=tenant.headers("read"))
    assert resp.status_code == 409 and resp.mimetype == PROBLEM
    assert resp.get_json()["detail"] == f"report {row.id} is queued; its content exists only once it has succeeded"


@pytest.mark.parametrize(
    "limits, error",
    [
        # The shortest deadline the settings allow, shorter than the child needs to start an
        # interpreter and load WeasyPrint before it lays out a page.
        ({"report_timeout": 0.1}, "rendering the pdf report took longer than 0.1 s and was stopped"),
        # Below what the renderer takes before it starts (a few hundred MiB): refused at once,
        # the same way on every run.
        ({"report_memory_mb": 64}, "rendering exceeded the memory limit of 64 MiB: the renderer takes "),
    ],
    ids=["timeout", "memory"],
)
def test_a_job_over_its_limits_fails_clearly(make_app, tenant, make_plan, limits, error):
    client = make_app(job_queue="inline", **limits).test_client()
    plan_id = make_plan(tenant)
    job = request_report(client, tenant, plan_id, "pdf")
    assert job["state"] == "failed" and job["finished_at"] is not None
    assert job["error"].startswith(error), job["error"]
    assert "Traceback" not in job["error"] and "\n" not in job["error"]
    assert job["sha256"] is None and job["size"] is None and job["download"] is None
    resp = client.get(f"{reports_url(plan_id)}/{job['id']}/content", headers=tenant.headers("read"))
    assert resp.status_code == 409
    assert resp.get_json()["detail"] == f"report {job['id']} is failed; its content exists only once it has succeeded"


def test_thread_queue_answers_at_once_and_finishes_in_the_background(make_app, tenant, demo_plan):
    """The request is answered once the job is recorded and handed over (a worker thread
    may have claimed it already, never finished it: rendering never holds the request);
    the render ends in the background."""
    app = make_app(job_workers=1)
    client = app.test_client()
    job = request_report(client, tenant, demo_plan, "csv")
    assert job["state"] in ("queued", "running") and job["download"] is None
    wait_until(lambda: finished(client, tenant, demo_plan, job)["state"] in ("succeeded", "failed"), 120, "the job")
    job = finished(client, tenant, demo_plan, job)
    assert job["state"] == "succeeded", job
    data = download(client, tenant, job).data
    assert hashlib.sha256(data).hexdigest() == job["sha256"]


def test_list_is_newest_first_and_paginated(inline_client, tenant, demo_plan):
    first = request_report(inline_client, tenant, demo_plan, "csv")
    second = request_report(inline_client, tenant, demo_plan, "json")
    resp = inline_client.get(reports_url(demo_plan), headers=tenant.headers("read"))
    assert [j["id"] for j in resp.get_json()] == [second["id"], first["id"]]
    assert all("content" not in j for j in resp.get_json())
    page = inline_client.get(reports_url(demo_plan) + "?page=2&page_size=1", headers=tenant.headers("read"))
    assert [j["id"] for j in page.get_json()] == [first["id"]]
    assert json.loads(page.headers["X-Pagination"])["total"] == 2


def test_other_organizations_see_nothing(inline_client, tenant, make_tenant, demo_plan):
    job = request_report(inline_client, tenant, demo_plan, "csv")
    other = make_tenant("other")
    base = reports_url(demo_plan)
    for url in (base, f"{base}/{job['id']}", f"{base}/{job['id']}/content"):
        resp = inline_client.get(url, headers=other.headers("read"))
        assert resp.status_code == 404 and resp.mimetype == PROBLEM, url
    assert inline_client.post(base, json={"format": "csv"}, headers=other.headers()).status_code == 404
    # And a report id of another plan is not found under this one.
    mine = inline_client.post("/api/v1/plans", json={"name": "Empty"}, headers=other.headers()).get_json()["id"]
    assert inline_client.get(f"{reports_url(mine)}/{job['id']}", headers=other.headers("read")).status_code == 404


def test_read_token_cannot_request_but_can_read(inline_client, tenant, demo_plan):
    resp = inline_client.post(reports_url(demo_plan), json={"format": "csv"}, headers=tenant.headers("read"))
    assert resp.status_code == 403 and resp.mimetype == PROBLEM
    listed = inline_client.get(reports_url(demo_plan), headers=tenant.headers("read"))
    assert listed.status_code == 200 and listed.get_json() == []
    assert inline_client.get(reports_url(demo_plan)).status_code == 401


def test_openapi_describes_the_report_endpoints(inline_client, tenant):
    spec = inline_client.get("/api/v1/openapi.json", headers=tenant.headers("read")).get_json()
    base = "/api/v1/plans/{plan_id}/reports"
    assert {"get", "post"} <= set(spec["paths"][base])
    assert "202" in spec["paths"][base]["post"]["responses"]
    content = spec["paths"][base + "/{report_id}/content"]["get"]["responses"]
    assert {"200", "409"} <= set(content) and "application/pdf" in content["200"]["content"]
