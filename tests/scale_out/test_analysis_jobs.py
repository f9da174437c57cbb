"""Issue 16, item 2: the analysis of a large plan is a background job (the
same mechanism as reports and imports), not a request's tens of seconds of
CPU. Past VIRTPLAN_ANALYSIS_SYNC_VMS VMs, POST /analysis answers 202 with a
job to poll, whose run is then the plan's latest; smaller plans are analysed
in the request, as always."""

from __future__ import annotations

from sqlalchemy import func, select


def _analysis(plan_id: int) -> str:
    return f"/api/v1/plans/{plan_id}/analysis"


def test_a_small_plan_is_analysed_in_the_request(jobs_app, make_org):
    org = make_org()
    resp = jobs_app.test_client().post(_analysis(org.plan_id), headers=org.headers())
    assert resp.status_code == 201 and resp.get_json()["summary"]["findings"] > 0


def test_a_large_plan_is_analysed_by_a_job(make_jobs_app, make_org, sessions):
    client = make_jobs_app(job_queue="inline", analysis_sync_vms=10).test_client()  # the demo has 34 VMs
    org, other = make_org(), make_org()
    resp = client.post(_analysis(org.plan_id), headers=org.headers())
    assert resp.status_code == 202, resp.get_json()
    job = resp.get_json()
    assert resp.headers["Location"] == f"{_analysis(org.plan_id)}/jobs/{job['id']}"
    assert (job["state"], job["attempts"], job["inventory_version"]) == ("succeeded", 1, 1)  # inline: run already
    polled = client.get(resp.headers["Location"], headers=org.headers()).get_json()
    latest = client.get(_analysis(org.plan_id), headers=org.headers()).get_json()
    assert polled["run"] == latest["id"] and polled["changes"] == latest["changes"]
    assert polled["changes"]["new"] == latest["summary"]["findings"] > 0
    # Another organization's job does not exist for them.
    assert client.get(resp.headers["Location"], headers=other.headers()).status_code == 404


def test_a_large_plans_analysis_the_queue_cannot_take_is_503(make_jobs_app, make_org, sessions):
    from models import AnalysisJob, AnalysisRun

    app = make_jobs_app(job_queue="thread", job_workers=1, analysis_sync_vms=10)
    app.extensions["virtplan.jobs"].shutdown()
    org = make_org()
    resp = app.test_client().post(_analysis(org.plan_id), headers=org.headers())
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "30"
    assert resp.get_json()["detail"] == "the analysis was not started: the job queue is shut down"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AnalysisJob)) == 0
        assert (
            session.scalar(select(func.count()).select_from(AnalysisRun).where(AnalysisRun.plan_id == org.plan_id)) == 0
        )
