"""Placement proposals through the REST API, on SQLite and PostgreSQL: asked
for (in the request, or as a job to poll), read, accepted whole or in part
with the analysis run again, refused when stale or when a chosen subset breaks
a hard constraint (writing nothing), what-if moves that save nothing;
organization scoping, scopes and precise errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from placement_estates import document, host, vm

from planner.cli import main

PROBLEM = "application/problem+json"


def url(plan_id: int, rest: str = "") -> str:
    return f"/api/v1/plans/{plan_id}/placement{rest}"


def new_plan(client, tenant, doc: dict) -> int:
    created = client.post("/api/v1/plans", json={"name": "Placement"}, headers=tenant.headers())
    assert created.status_code == 201
    plan_id = created.get_json()["id"]
    assert client.put(f"/api/v1/plans/{plan_id}/inventory", json=doc, headers=tenant.headers()).status_code == 200
    return plan_id


def propose(client, tenant, plan_id: int, status: int = 201, **body) -> dict:
    resp = client.post(url(plan_id), json=body, headers=tenant.headers())
    assert resp.status_code == status, resp.get_json()
    proposal = resp.get_json()
    assert resp.headers["Location"] == url(plan_id, f"/{proposal['id']}")
    return proposal


def stored(client, tenant, plan_id: int) -> tuple:
    """What a failed write must leave as it was: the inventory, its ETag, the analysis runs."""
    inventory = client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers("read"))
    run = client.get(f"/api/v1/plans/{plan_id}/analysis", headers=tenant.headers("read"))
    return inventory.get_json(), inventory.headers["ETag"], run.status_code, (run.get_json() or {}).get("id")


def hosts_of(client, tenant, plan_id: int) -> dict[str, str | None]:
    doc = client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers("read")).get_json()
    return {v["id"]: v["host"] for v in doc["vms"]}


def problems(resp) -> dict[str, str]:
    assert resp.mimetype == PROBLEM, resp.get_data(as_text=True)
    return {p["path"]: p["message"] for p in resp.get_json().get("errors", [])}


def swap_estate() -> dict:
    """h1 (mostly zone a) and h2 (mostly zone b) each carry one VM of the other's zone, and
    neither has room for a third large VM: the proposal swaps b1 and a2, and b1's move
    depends on a2's leaving h2."""
    return document(
        [host("h1", memory=64), host("h2", memory=64)],
        [
            *(vm("a1", "h1", memory=24), vm("a3", "h1", memory=8), vm("b1", "h1", zone="b", memory=24)),
            *(vm("b2", "h2", zone="b", memory=24), vm("b3", "h2", zone="b", memory=8), vm("a2", "h2", memory=24)),
        ],
    )


@pytest.fixture()
def demo_plan(client, tenant, demo_doc) -> int:
    return new_plan(client, tenant, demo_doc)


def test_a_small_plan_is_advised_in_the_request_and_read_back(client, tenant, demo_plan):
    proposal = propose(client, tenant, demo_plan)
    assert proposal["state"] == "succeeded" and proposal["current"] and proposal["inventory_version"] == 1
    assert proposal["time_limit"] == 10 and proposal["accepted_at"] is None
    moved = {c["vm"]: (c["from"], c["to"]) for c in proposal["changes"]}
    assert moved["vm-hr-db"][0] == "esx-prod-03" and moved["vm-kiosk-01"][0] is None
    advice = proposal["advice"]
    assert {m["vm"] for m in advice["moves"]} == set(moved)
    assert advice["findings_before"]["by_rule"]["ZONE-MIX-HOST"] == 3
    assert advice["findings_after"]["by_rule"]["ZONE-MIX-HOST"] == 1
    latest = client.get(url(demo_plan), headers=tenant.headers("read"))
    assert latest.status_code == 200 and latest.get_json() == proposal
    one = client.get(url(demo_plan, f"/{proposal['id']}"), headers=tenant.headers("read"))
    assert one.get_json() == proposal


def test_a_large_plan_is_a_job_to_poll(make_app, tenant, demo_doc):
    client = make_app(job_queue="inline", placement_sync_vms=10).test_client()
    plan_id = new_plan(client, tenant, demo_doc)
    proposal = propose(client, tenant, plan_id, status=202, time_limit=0)
    assert proposal["state"] == "succeeded"  # the inline queue has run it already
    assert proposal["time_limit"] == 0 and {d["method"] for d in proposal["advice"]["domains"]} == {"heuristic"}
    polled = client.get(url(plan_id, f"/{proposal['id']}"), headers=tenant.headers("read")).get_json()
    assert polled == proposal


def test_accepting_all_applies_every_change_and_analyses_again(client, tenant, demo_plan):
    proposal = propose(client, tenant, demo_plan)
    etag = client.get(f"/api/v1/plans/{demo_plan}/inventory", headers=tenant.headers("read")).headers["ETag"]
    resp = client.post(url(demo_plan, f"/{proposal['id']}/accept"), headers=tenant.headers(**{"If-Match": etag}))
    assert resp.status_code == 200, resp.get_json()
    done = resp.get_json()
    assert done["inventory_version"] == 2 and resp.headers["ETag"] != etag
    assert done["applied"] == proposal["changes"]
    accepted = done["proposal"]
    assert accepted["accepted_version"] == 2 and accepted["accepted_by"] and not accepted["current"]
    assert accepted["accepted_vms"] == [c["vm"] for c in proposal["changes"]]
    hosts = hosts_of(client, tenant, demo_plan)
    assert all(hosts[c["vm"]] == c["to"] for c in proposal["changes"])
    run = client.get(f"/api/v1/plans/{demo_plan}/analysis", headers=tenant.headers("read")).get_json()
    assert run["id"] == done["analysis_run"]["id"] == accepted["analysis_run"] and run["inventory_version"] == 2
    assert (
        run["summary"]["by_rule"]["ZONE-MIX-HOST"] == proposal["advice"]["findings_after"]["by_rule"]["ZONE-MIX-HOST"]
    )
    # Accepted once: the same proposal again is refused, and nothing moves.
    again = client.post(url(demo_plan, f"/{proposal['id']}/accept"), headers=tenant.headers())
    assert again.status_code == 409 and "accepted already" in again.get_json()["detail"]


def test_accepting_a_subset_moves_only_those_vms(client, tenant, demo_plan):
    proposal = propose(client, tenant, demo_plan)
    before = hosts_of(client, tenant, demo_plan)
    resp = client.post(
        url(demo_plan, f"/{proposal['id']}/accept"), json={"vms": ["vm-hr-db"]}, headers=tenant.headers()
    )
    assert resp.status_code == 200, resp.get_json()
    assert [c["vm"] for c in resp.get_json()["applied"]] == ["vm-hr-db"]
    after = hosts_of(client, tenant, demo_plan)
    assert {v for v in after if after[v] != before[v]} == {"vm-hr-db"}


def test_a_proposal_for_an_older_inventory_is_refused_and_nothing_is_written(client, tenant, demo_plan):
    proposal = propose(client, tenant, demo_plan)
    patch = {"vms": [{"id": "vm-extra", "host": "esx-dmz-01", "zone": "dmz", "vcpus": 1, "memory_gib": 1}]}
    assert client.patch(f"/api/v1/plans/{demo_plan}/inventory", json=patch, headers=tenant.headers()).status_code == 200
    before = stored(client, tenant, demo_plan)
    resp = client.post(url(demo_plan, f"/{proposal['id']}/accept"), headers=tenant.headers())
    assert resp.status_code == 409 and resp.mimetype == PROBLEM
    assert "made for inventory v1; the inventory is now v2" in resp.get_json()["detail"]
    assert stored(client, tenant, demo_plan) == before
    latest = client.get(url(demo_plan), headers=tenant.headers("read")).get_json()
    assert latest["id"] == proposal["id"] and latest["current"] is False


def test_a_stale_if_match_is_412_and_writes_nothing(client, tenant, demo_plan):
    proposal = propose(client, tenant, demo_plan)
    before = stored(client, tenant, demo_plan)
    stale = '"inventory-0-v0"'
    resp = client.post(url(demo_plan, f"/{proposal['id']}/accept"), headers=tenant.headers(**{"If-Match": stale}))
    assert resp.status_code == 412 and resp.mimetype == PROBLEM
    assert stored(client, tenant, demo_plan) == before


def test_a_subset_that_breaks_a_hard_constraint_names_the_move_it_needs(client, tenant):
    plan_id = new_plan(client, tenant, swap_estate())
    proposal = propose(client, tenant, plan_id)
    assert {c["vm"]: c["to"] for c in proposal["changes"]} == {"b1": "h2", "a2": "h1"}
    before = stored(client, tenant, plan_id)
    resp = client.post(url(plan_id, f"/{proposal['id']}/accept"), json={"vms": ["b1"]}, headers=tenant.headers())
    assert resp.status_code == 422
    message = problems(resp)["vms[0]"]
    assert "h2 would carry 80 GiB of memory, above its ceiling of 64 GiB" in message
    assert "the proposal makes room on h2 by moving a2 off it: include them" in message
    assert stored(client, tenant, plan_id) == before
    both = client.post(url(plan_id, f"/{proposal['id']}/accept"), json={"vms": ["a2", "b1"]}, headers=tenant.headers())
    assert both.status_code == 200
    assert hosts_of(client, tenant, plan_id) == {"a1": "h1", "a3": "h1", "b1": "h2", "b2": "h2", "b3": "h2", "a2": "h1"}


@pytest.mark.parametrize(
    ("body", "path", "expected"),
    [
        ({"vms": ["vm-nope"]}, "vms[0]", "vm-nope is not a VM the proposal moves"),
        ({"vms": ["vm-hr-db", "vm-hr-db"]}, "vms[1]", "listed twice"),
        ({"vms": []}, "vms", "Shorter than minimum length 1."),
        ({"vms": [""]}, "vms[0]", "Length must be between 1 and 200."),
        ({"vms": "vm-hr-db"}, "vms", "Not a valid list."),
        ({"move": ["vm-hr-db"]}, "move", "Unknown field."),
    ],
)
def test_acceptance_errors_are_precise_and_write_nothing(client, tenant, demo_plan, body, path, expected):
    proposal = propose(client, tenant, demo_plan)
    before = stored(client, tenant, demo_plan)
    resp = client.post(url(demo_plan, f"/{proposal['id']}/accept"), json=body, headers=tenant.headers())
    assert resp.status_code == 422
    assert expected in problems(resp)[path]
    assert stored(client, tenant, demo_plan) == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"time_limit": -1}, "greater than or equal to 0"),
        ({"time_limit": 61}, "less than or equal to 60"),
        ({"time_limit": "soon"}, "Not a valid number."),
        ({"budget": 5}, "Unknown field."),
    ],
)
def test_proposal_requests_are_checked(client, tenant, demo_plan, body, expected):
    resp = client.post(url(demo_plan), json=body, headers=tenant.headers())
    assert resp.status_code == 422
    assert expected in " ".join(problems(resp).values())
    assert client.get(url(demo_plan), headers=tenant.headers("read")).status_code == 404


def test_what_if_says_what_one_move_changes_and_saves_nothing(client, tenant, demo_plan):
    before = stored(client, tenant, demo_plan)
    resp = client.get(url(demo_plan, "/what-if?vm=vm-web-03&host=esx-dmz-01"), headers=tenant.headers("read"))
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert result["from"] == "esx-prod-02" and result["to"] == "esx-dmz-01" and result["allowed"] is False
    assert {v["constraint"] for v in result["violations"]} == {"cluster", "anti-affinity"}
    removed = {(f["rule"], f["objects"][0]["id"]) for f in result["findings_removed"]}
    added = {(f["rule"], f["objects"][0]["id"]) for f in result["findings_added"]}
    assert ("ZONE-MIX-HOST", "esx-prod-02") in removed and ("ANTI-AFFINITY-VIOLATION", "esx-dmz-01") in added
    assert (
        result["findings_after"]["by_rule"]["ZONE-MIX-HOST"]
        == result["findings_before"]["by_rule"]["ZONE-MIX-HOST"] - 1
    )
    assert stored(client, tenant, demo_plan) == before
    allowed = client.get(url(demo_plan, "/what-if?vm=vm-hr-db&host=esx-prod-06"), headers=tenant.headers("read"))
    assert allowed.get_json()["allowed"] is True and allowed.get_json()["violations"] == []


@pytest.mark.parametrize(
    ("query", "path", "expected"),
    [
        ("vm=vm-nope&host=esx-prod-01", "vm", "expected the id of one of the plan's"),
        ("vm=vm-hr-db&host=esx-nope", "host", "expected the id of one of the plan's"),
        ("vm=vm-hr-db&host=esx-prod-03", "host", "vm-hr-db is on esx-prod-03 already"),
        ("vm=vm-hr-db", "host", "Missing data for required field."),
        ("vm=vm-hr-db&host=esx-prod-06&extra=1", "extra", "Unknown field."),
    ],
)
def test_what_if_errors_are_precise(client, tenant, demo_plan, query, path, expected):
    resp = client.get(url(demo_plan, f"/what-if?{query}"), headers=tenant.headers("read"))
    assert resp.status_code == 422
    assert expected in problems(resp)[path]


def test_another_organizations_plan_and_proposal_are_not_found(client, tenant, make_tenant, demo_plan):
    proposal = propose(client, tenant, demo_plan)
    other = make_tenant("other")
    for method, path in [
        ("get", url(demo_plan)),
        ("post", url(demo_plan)),
        ("get", url(demo_plan, f"/{proposal['id']}")),
        ("post", url(demo_plan, f"/{proposal['id']}/accept")),
        ("get", url(demo_plan, "/what-if?vm=vm-hr-db&host=esx-prod-06")),
    ]:
        resp = getattr(client, method)(path, headers=other.headers())
        assert resp.status_code == 404 and resp.mimetype == PROBLEM, (method, path)
    own = propose(client, other, new_plan(client, other, swap_estate()))
    wrong_plan = client.get(url(demo_plan, f"/{own['id']}"), headers=tenant.headers("read"))
    assert wrong_plan.status_code == 404


def test_changes_need_the_write_scope(client, tenant, demo_plan):
    proposal = propose(client, tenant, demo_plan)
    for path in (url(demo_plan), url(demo_plan, f"/{proposal['id']}/accept")):
        resp = client.post(path, headers=tenant.headers("read"))
        assert resp.status_code == 403 and resp.mimetype == PROBLEM
    assert client.post(url(demo_plan), headers={}).status_code == 401


def test_the_routes_are_documented(client, tenant):
    spec = client.get("/api/v1/openapi.json", headers=tenant.headers("read")).get_json()
    paths = spec["paths"]
    assert set(paths["/api/v1/plans/{plan_id}/placement"]) >= {"get", "post"}
    accept = paths["/api/v1/plans/{plan_id}/placement/{proposal_id}/accept"]["post"]
    assert {"200", "409"} <= set(accept["responses"])
    assert any(p["name"] == "If-Match" for p in accept["parameters"])
    what_if = paths["/api/v1/plans/{plan_id}/placement/what-if"]["get"]
    assert {p["name"] for p in what_if["parameters"] if p["in"] == "query"} == {"vm", "host"}


def test_the_api_proposes_what_virtplan_place_advises(client, tenant, demo_plan, demo_doc, tmp_path):
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(demo_doc))
    cli = CliRunner().invoke(main, ["place", str(path), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    advised = json.loads(cli.output)
    proposal = propose(client, tenant, demo_plan)
    assert proposal["advice"]["moves"] == advised["moves"]
    assert proposal["advice"]["findings_after"] == advised["findings_after"]
    assert {c["vm"]: c["to"] for c in proposal["changes"]} == {m["vm"]: m["to"] for m in advised["moves"]}


def test_a_proposal_job_runs_once_and_a_late_attempt_stores_nothing(make_app, writer_db, tenant, demo_plan):
    """Through a writer session: it reads and then writes in one transaction."""
    from sqlalchemy import update

    from models import PlacementProposal
    from planner.services import jobs, placement
    from planner.services.accounts import Caller

    caller = Caller(tenant.org_id, frozenset({"read", "write"}), None, "test")
    runner = make_app(job_queue="inline").extensions["virtplan.runner"]
    done, queued = placement.request_proposal(writer_db, caller, demo_plan, 0, sync_vms=0)
    writer_db.commit()
    assert queued and done.state == "queued"
    assert runner.run("placement", done.id)
    assert not runner.run("placement", done.id)  # redelivered: not queued any more, nothing happens
    assert not runner.run("placement", 10**9)  # unknown: nothing happens
    # A worker whose job was taken over (its lease lapsed, another attempt claimed it) writes nothing.
    late, _ = placement.request_proposal(writer_db, caller, demo_plan, 0, sync_vms=0)
    writer_db.commit()
    claim = jobs.claim(runner.sessions, PlacementProposal, late.id, runner.limits)
    writer_db.execute(
        update(PlacementProposal).where(PlacementProposal.id == late.id).values(attempts=claim.attempt + 1)
    )
    writer_db.commit()
    placement.execute(runner.sessions, claim, runner.limits)
    writer_db.expire_all()
    finished, taken_over = writer_db.get(PlacementProposal, done.id), writer_db.get(PlacementProposal, late.id)
    assert finished.state == "succeeded" and finished.attempts == 1 and finished.lease_until is None
    assert finished.changes and finished.advice["moves"]
    assert taken_over.state == "running" and taken_over.advice is None
    writer_db.delete(taken_over)  # leave no running job to the other tests' sweeps
    writer_db.commit()
