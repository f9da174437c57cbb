"""A report shows the plan's stored assessment: the analysis run the triage list
shows (never a second analysis of its own), recorded on the report; one run
is made first only when the latest does not show the current inventory and
answers. Figures agree between the report, the findings API and the run."""

from __future__ import annotations

import copy
import json

from sqlalchemy import func, select
from test_report_jobs_api import download, finished, request_report

from models import AnalysisRun


def runs_of(db, plan_id: int) -> int:
    db.rollback()  # a fresh read
    return db.scalar(select(func.count()).select_from(AnalysisRun).where(AnalysisRun.plan_id == plan_id))


def json_report(client, tenant, plan_id: int) -> tuple[dict, dict]:
    job = finished(client, tenant, plan_id, request_report(client, tenant, plan_id, "json"))
    assert job["state"] == "succeeded", job["error"]
    return job, json.loads(download(client, tenant, job).data)


def analyse(client, tenant, plan_id: int) -> dict:
    resp = client.post(f"/api/v1/plans/{plan_id}/analysis", headers=tenant.headers())
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def findings_api(client, tenant, plan_id: int) -> list[dict]:
    resp = client.get(f"/api/v1/plans/{plan_id}/findings?page_size=500", headers=tenant.headers("read"))
    assert resp.status_code == 200
    return resp.get_json()


def test_report_shows_the_stored_run_and_its_triage_without_analysing_again(inline_client, tenant, demo_plan, db):
    run = analyse(inline_client, tenant, demo_plan)
    listed = findings_api(inline_client, tenant, demo_plan)
    target = next(f for f in listed if f["rule"] == "ZONE-MIX-HOST")
    resp = inline_client.patch(
        f"/api/v1/plans/{demo_plan}/findings/{target['id']}",
        json={"status": "transferred", "justification": "hosting provider carries it"},
        headers=tenant.headers(),
    )
    assert resp.status_code == 200
    job, doc = json_report(inline_client, tenant, demo_plan)
    assert runs_of(db, demo_plan) == 1
    assert job["analysis_run"] == run["id"] == doc["plan"]["analysis_run"]
    # The register is the triage list: same findings, same order, same triage.
    assert [e["fingerprint"] for e in doc["register"]] == [f["fingerprint"] for f in listed]
    triaged = next(e for e in doc["register"] if e["fingerprint"] == target["fingerprint"])
    assert triaged["triage"]["status"] == "transferred"
    # Every count is the run's, and the placement advice is the one kept with it.
    assert doc["summary"]["by_risk"] == run["summary"]["by_risk"]
    assert doc["placement_advice"] == run["placement"]
    assert run["placement"]["findings_before"]["by_risk"] == run["summary"]["by_risk"]


def test_a_stale_or_missing_run_is_made_once_through_the_normal_path(inline_client, tenant, demo_plan, demo_doc, db):
    job, doc = json_report(inline_client, tenant, demo_plan)  # never analysed
    assert runs_of(db, demo_plan) == 1
    latest = inline_client.get(f"/api/v1/plans/{demo_plan}/analysis", headers=tenant.headers("read")).get_json()
    assert job["analysis_run"] == latest["id"] and latest["placement"] is not None
    assert [e["fingerprint"] for e in doc["register"]] == [
        f["fingerprint"] for f in findings_api(inline_client, tenant, demo_plan)
    ]

    json_report(inline_client, tenant, demo_plan)  # current: no new run
    assert runs_of(db, demo_plan) == 1

    changed = copy.deepcopy(demo_doc)
    changed["vms"] = [v for v in changed["vms"] if v["id"] != "vm-web-03"]
    resp = inline_client.put(f"/api/v1/plans/{demo_plan}/inventory", json=changed, headers=tenant.headers())
    assert resp.status_code == 200
    job, doc = json_report(inline_client, tenant, demo_plan)
    assert runs_of(db, demo_plan) == 2
    assert job["inventory_version"] == 2 and {v["id"] for v in doc["inventory"]["vms"]} == {
        v["id"] for v in changed["vms"]
    }

    # An answer changes the assessment too: the next report analyses once more.
    resp = inline_client.patch(
        f"/api/v1/plans/{demo_plan}/answers/initiation.policy.clipboard",
        json={"value": False},
        headers=tenant.headers(),
    )
    assert resp.status_code == 200, resp.get_json()
    json_report(inline_client, tenant, demo_plan)
    assert runs_of(db, demo_plan) == 3
