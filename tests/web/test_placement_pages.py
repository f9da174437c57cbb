"""The placement tab through the Flask test client: asking for a proposal (at
once, or a background job its page follows), reading it (per domain proven
optimal or best found, each change with its reason, the findings removed and
added, the hosts serving one zone), accepting all or the ticked changes (a
stale proposal or inventory, and ticks breaking a hard constraint, come back
as a styled message with the ticks kept and nothing written), and the what-if
form (nothing stored); viewers see no control they cannot use, another
organization finds nothing, every form needs its token."""

from __future__ import annotations

import copy
import html
import re

import pytest
from signin_client import csrf, sign_in
from sqlalchemy import func, select

from models import PlacementProposal, Plan
from planner.services import placement, plans
from planner.services.accounts import Caller


def _writer(tenant) -> Caller:
    return Caller(tenant.org_id, frozenset({"read", "write"}), None, "test")


def _text(resp) -> str:
    """The page's main part as text (tags out, entities decoded, spaces squeezed)."""
    page = resp.get_data(as_text=True)
    main = page[page.index("<main") :]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main))).replace(" ,", ",").replace(" :", ":")


def _proposals(db, plan_id: int) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(PlacementProposal).where(PlacementProposal.plan_id == plan_id))


def _version(db, plan_id: int) -> int:
    db.rollback()
    return db.scalar(select(Plan.inventory_version).where(Plan.id == plan_id))


def _ask(client, pid: int, time_limit: str = "10"):
    token = csrf(client, f"/plans/{pid}/placement")
    return client.post(f"/plans/{pid}/placement", data={"time_limit": time_limit, "csrf_token": token})


def _accept_form(client, pid: int, proposal_id: int) -> dict:
    """The accept form's hidden fields as the page gives them."""
    page = client.get(f"/plans/{pid}/placement/{proposal_id}").get_data(as_text=True)
    form = page[page.index('id="accept"') :]
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form).group(1),
        "version": html.unescape(re.search(r'name="version" type="hidden" value="([^"]+)"', form).group(1)),
    }


@pytest.fixture()
def proposed(consultant, analysed_plan):
    """The demo plan with a proposal asked for through the page: (client, plan id, proposal id)."""
    resp = _ask(consultant, analysed_plan)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    proposal_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    return consultant, analysed_plan, proposal_id


def test_without_a_proposal_the_tab_says_how_to_ask(consultant, viewer, analysed_plan):
    text = _text(consultant.get(f"/plans/{analysed_plan}/placement"))
    assert "No proposal yet" in text and "Compute a proposal" in text
    seen = _text(viewer.get(f"/plans/{analysed_plan}/placement"))
    assert "No proposal yet" in seen and "Compute a proposal" not in seen
    assert "A consultant or an architect of your organization can ask" in seen


def test_a_proposal_says_what_it_buys(proposed, db):
    client, pid, proposal_id = proposed
    row = db.get(PlacementProposal, proposal_id)
    advice, changes = row.advice, row.changes
    resp = client.get(f"/plans/{pid}/placement/{proposal_id}")
    text = _text(resp)
    assert f"Proposal #{proposal_id} is ready" in text  # the flash after asking
    moved = sum(1 for c in changes if c["from"])
    assert f"The advice moves {moved} VMs to another host" in text
    assert f"this removes {len(advice['findings_removed'])} findings" in text
    for d in advice["domains"]:
        assert re.search(rf"{re.escape(d['clusters'][0])} {d['hosts']} {d['vms']} Proven optimal", text), d
    for c in changes:  # each change with its reason
        move = next(m for m in advice["moves"] if m["vm"] == c["vm"])
        assert f"{c['vm']} {c['from'] or 'no host yet'} {c['to']} {move['reason']}" in text.replace(
            "the VM has no host yet", "not placed yet"
        )
    for f in advice["findings_removed"]:
        assert f["rule"] in text and f"host {f['objects'][0]['id']}" in text
    assert "No finding appears." in text
    assert re.search(r"DMZ dmz 2 esx-dmz-01 dedicated, esx-dmz-02 dedicated", text)
    assert "lab-ws-01" not in text.split("Changes, each with its reason", 1)[1].split("Findings", 1)[0]
    page = resp.get_data(as_text=True)
    assert 'name="vms"' in page and "Accept all 5 changes" in text and "data-poll" not in page


def test_accepting_the_ticked_changes_writes_them_and_analyses_again(proposed, db, app, tenant):
    client, pid, proposal_id = proposed
    before = _version(db, pid)
    row = db.get(PlacementProposal, proposal_id)
    first = row.changes[0]
    resp = client.post(
        f"/plans/{pid}/placement/{proposal_id}/accept",
        data={**_accept_form(client, pid, proposal_id), "vms": [first["vm"]], "scope": "ticked"},
    )
    assert resp.status_code == 302
    text = _text(client.get(resp.headers["Location"]))
    assert f"Accepted 1 change of proposal #{proposal_id}: the inventory is now v{before + 1}" in text
    assert "Accepted" in text and f"1 of {len(row.changes)} changes applied" in text
    assert _version(db, pid) == before + 1
    _plan, document = plans.get_inventory(db, _writer(tenant), pid)
    assert next(v for v in document["vms"] if v["id"] == first["vm"])["host"] == first["to"]
    assert 'name="vms"' not in client.get(f"/plans/{pid}/placement/{proposal_id}").get_data(as_text=True)


def test_accepting_all_changes(proposed, db, tenant):
    client, pid, proposal_id = proposed
    row = db.get(PlacementProposal, proposal_id)
    resp = client.post(
        f"/plans/{pid}/placement/{proposal_id}/accept", data={**_accept_form(client, pid, proposal_id), "scope": "all"}
    )
    assert resp.status_code == 302
    db.rollback()
    _plan, document = plans.get_inventory(db, _writer(tenant), pid)
    hosts = {v["id"]: v["host"] for v in document["vms"]}
    assert all(hosts[c["vm"]] == c["to"] for c in row.changes)


def _rename_a_vm(app, tenant, pid: int, demo_doc: dict) -> None:
    """Someone else changes the inventory (a new version)."""
    doc = copy.deepcopy(demo_doc)
    doc["vms"][0]["name"] = "Renamed meanwhile"
    session = app.extensions["virtplan.sessions"]()
    plans.put_inventory(session, _writer(tenant), pid, doc)
    session.commit()
    session.close()


def test_a_proposal_gone_stale_is_refused_with_the_ticks_kept(proposed, db, app, tenant, demo_doc):
    client, pid, proposal_id = proposed
    row = db.get(PlacementProposal, proposal_id)
    ticked = [c["vm"] for c in row.changes[:2]]
    fields = _accept_form(client, pid, proposal_id)  # the page as shown before the inventory changed
    _rename_a_vm(app, tenant, pid, demo_doc)
    version = _version(db, pid)
    resp = client.post(
        f"/plans/{pid}/placement/{proposal_id}/accept", data={**fields, "vms": ticked, "scope": "ticked"}
    )
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in page and "This proposal can no longer be accepted" in page
    assert (
        f"Nothing was applied. Proposal #{proposal_id} was made for inventory v{row.inventory_version}; "
        f"the inventory is now v{version}: ask for a new proposal." in html.unescape(page)
    )
    for vm in ticked:  # the selection is kept
        assert re.search(rf'name="vms" value="{re.escape(vm)}" id="change-\d+" checked', page)
    assert "Compute a proposal" in page and _version(db, pid) == version


def test_a_page_older_than_the_inventory_is_refused(proposed, db):
    """The proposal still fits the inventory, but the page's If-Match names another version: 412."""
    client, pid, proposal_id = proposed
    fields = {**_accept_form(client, pid, proposal_id), "version": '"inventory-0-v0"'}
    vm = db.get(PlacementProposal, proposal_id).changes[0]["vm"]
    before = _version(db, pid)
    resp = client.post(f"/plans/{pid}/placement/{proposal_id}/accept", data={**fields, "vms": [vm], "scope": "ticked"})
    assert resp.status_code == 412
    text = _text(resp)
    assert "The inventory changed since this page was shown" in text and "Nothing was applied" in text
    assert re.search(rf'name="vms" value="{vm}" id="change-\d+" checked', resp.get_data(as_text=True))
    assert _version(db, pid) == before


def test_a_proposal_accepted_meanwhile_is_refused(proposed, db):
    client, pid, proposal_id = proposed
    fields = _accept_form(client, pid, proposal_id)
    assert (
        client.post(f"/plans/{pid}/placement/{proposal_id}/accept", data={**fields, "scope": "all"}).status_code == 302
    )
    resp = client.post(f"/plans/{pid}/placement/{proposal_id}/accept", data={**fields, "scope": "all"})  # a second tab
    assert resp.status_code == 409 and f"Proposal #{proposal_id} was accepted meanwhile" in _text(resp)


def test_nothing_ticked_is_refused_beside_the_changes(proposed, db):
    client, pid, proposal_id = proposed
    before = _version(db, pid)
    resp = client.post(
        f"/plans/{pid}/placement/{proposal_id}/accept",
        data={**_accept_form(client, pid, proposal_id), "scope": "ticked"},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="vms-problem"' in page and "tick at least one change, or accept all of them" in page
    assert "Nothing was applied: 1 problem" in page and _version(db, pid) == before


def test_ticks_that_break_a_hard_constraint_name_the_moves_they_need(consultant, app, tenant, db):
    """h1 is full: w2 may join it only once w1 leaves for h2 (the one best placement moves both)."""
    zones = [{"id": "a", "trust_level": 2}, {"id": "b", "trust_level": 2}]
    doc = {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "policy": {"zone_mixing": "forbid", "max_cpu_overcommit": 1.0, "max_memory_overcommit": 1.0},
        "zones": zones,
        "hosts": [{"id": h, "cpu_cores": 4, "memory_gib": 64} for h in ("h1", "h2", "h3")],
        "vms": [
            {"id": "a1", "host": "h1", "zone": "a", "vcpus": 2, "memory_gib": 8},
            {"id": "b1", "host": "h1", "zone": "b", "vcpus": 2, "memory_gib": 8},
            {"id": "b2", "host": "h2", "zone": "b", "vcpus": 2, "memory_gib": 8},
            {"id": "a2", "host": "h3", "zone": "a", "vcpus": 3, "memory_gib": 8},
            {"id": "a3", "host": "h2", "zone": "a", "vcpus": 1, "memory_gib": 8},
        ],
    }
    session = app.extensions["virtplan.sessions"]()
    plan = plans.create_plan(session, _writer(tenant), "Tight")
    plans.put_inventory(session, _writer(tenant), plan.id, doc)
    session.commit()
    pid = plan.id
    session.close()
    resp = _ask(consultant, pid)
    proposal_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    changes = db.get(PlacementProposal, proposal_id).changes
    needy = [c for c in changes if c["from"] and any(o["from"] == c["to"] for o in changes)]
    assert needy, changes
    before = _version(db, pid)
    resp = consultant.post(
        f"/plans/{pid}/placement/{proposal_id}/accept",
        data={**_accept_form(consultant, pid, proposal_id), "vms": [needy[0]["vm"]], "scope": "ticked"},
    )
    assert resp.status_code == 422
    text = _text(resp)
    assert "Nothing was applied" in text and "the proposal makes room on" in text and "include them" in text
    assert re.search(rf'name="vms" value="{needy[0]["vm"]}" id="change-\d+" checked', resp.get_data(as_text=True))
    assert _version(db, pid) == before


def test_what_if_shows_what_one_move_changes_and_stores_nothing(consultant, analysed_plan, db):
    pid = analysed_plan
    before, proposals = _version(db, pid), _proposals(db, pid)
    token = csrf(consultant, f"/plans/{pid}/placement")
    resp = consultant.post(
        f"/plans/{pid}/placement/what-if", data={"vm": "vm-hr-db", "host": "esx-prod-06", "csrf_token": token}
    )
    assert resp.status_code == 200
    text = _text(resp)
    assert "Moving vm-hr-db from esx-prod-03 to esx-prod-06" in text
    assert "The move breaks no hard constraint." in text
    assert "Findings that would disappear" in text and "ZONE-MIX-HOST" in text and "host esx-prod-03" in text
    assert re.search(r'<option selected value="vm-hr-db">', resp.get_data(as_text=True))  # the choice is kept
    # Onto the hosted lab workstation: the constraints it breaks.
    resp = consultant.post(
        f"/plans/{pid}/placement/what-if", data={"vm": "vm-hr-db", "host": "lab-ws-01", "csrf_token": token}
    )
    text = _text(resp)
    assert resp.status_code == 200 and "The move breaks 4 hard constraints" in text
    assert (
        "Cluster: lab-ws-01 is outside cluster cl-prod" in text and "Hosted hypervisor: lab-ws-01 is a type 2" in text
    )
    assert "Findings that would appear" in text and "HOST-MEMORY-OVERCOMMIT" in text
    assert _version(db, pid) == before and _proposals(db, pid) == proposals


def test_what_if_refuses_a_move_to_where_the_vm_is_beside_its_field(viewer, analysed_plan):
    pid = analysed_plan
    token = csrf(viewer, f"/plans/{pid}/placement")
    resp = viewer.post(
        f"/plans/{pid}/placement/what-if", data={"vm": "vm-hr-db", "host": "esx-prod-03", "csrf_token": token}
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="host-problem"' in page and "vm-hr-db is on esx-prod-03 already: choose another host" in page
    resp = viewer.post(f"/plans/{pid}/placement/what-if", data={"vm": "", "host": "esx-prod-03", "csrf_token": token})
    assert resp.status_code == 422 and 'id="vm-problem"' in resp.get_data(as_text=True)


def test_viewers_see_no_control_they_cannot_use(viewer, proposed):
    _client, pid, proposal_id = proposed
    page = viewer.get(f"/plans/{pid}/placement/{proposal_id}").get_data(as_text=True)
    assert "Proposal #" in page and 'name="vms"' not in page and "Compute a proposal" not in page
    assert 'value="all"' not in page and "Show what would change" in page  # what-if stores nothing
    token = csrf(viewer, f"/plans/{pid}/placement")
    assert viewer.post(f"/plans/{pid}/placement", data={"time_limit": "10", "csrf_token": token}).status_code == 403
    resp = viewer.post(f"/plans/{pid}/placement/{proposal_id}/accept", data={"scope": "all", "csrf_token": token})
    assert resp.status_code == 403


def test_another_organization_finds_nothing(stranger, proposed):
    _client, pid, proposal_id = proposed
    token = csrf(stranger, "/")
    assert stranger.get(f"/plans/{pid}/placement").status_code == 404
    assert stranger.get(f"/plans/{pid}/placement/{proposal_id}").status_code == 404
    assert stranger.post(f"/plans/{pid}/placement", data={"time_limit": "10", "csrf_token": token}).status_code == 404
    data = {"scope": "all", "version": '"x"', "csrf_token": token}
    assert stranger.post(f"/plans/{pid}/placement/{proposal_id}/accept", data=data).status_code == 404
    data = {"vm": "vm-hr-db", "host": "esx-prod-06", "csrf_token": token}
    assert stranger.post(f"/plans/{pid}/placement/what-if", data=data).status_code == 404


def test_every_form_needs_its_token(proposed, db):
    client, pid, proposal_id = proposed
    before = _proposals(db, pid)
    assert client.post(f"/plans/{pid}/placement", data={"time_limit": "10"}).status_code == 400
    assert client.post(f"/plans/{pid}/placement/{proposal_id}/accept", data={"scope": "all"}).status_code == 400
    data = {"vm": "vm-hr-db", "host": "esx-prod-06", "csrf_token": "forged"}
    assert client.post(f"/plans/{pid}/placement/what-if", data=data).status_code == 400
    assert _proposals(db, pid) == before


def test_a_budget_out_of_the_choices_is_refused(consultant, analysed_plan, db):
    token = csrf(consultant, f"/plans/{analysed_plan}/placement")
    resp = consultant.post(f"/plans/{analysed_plan}/placement", data={"time_limit": "600", "csrf_token": token})
    assert resp.status_code == 422 and 'id="time_limit-problem"' in resp.get_data(as_text=True)
    assert _proposals(db, analysed_plan) == 0


def test_a_large_plans_proposal_is_a_job_its_page_follows(consultant, analysed_plan, app, tenant):
    """Past VIRTPLAN_PLACEMENT_SYNC_VMS the proposal waits for a worker: its page says so and refreshes itself."""
    session = app.extensions["virtplan.sessions"]()
    row, queued = placement.request_proposal(session, _writer(tenant), analysed_plan, sync_vms=1)
    session.commit()
    proposal_id = row.id
    session.close()
    assert queued
    url = f"/plans/{analysed_plan}/placement/{proposal_id}"
    page = consultant.get(url).get_data(as_text=True)
    assert 'id="proposal" aria-labelledby="proposal-heading" data-poll' in page and "poll.js" in page
    assert f'href="{url}">Refresh now' in page  # without JavaScript
    assert "Waiting for a worker" in page and 'name="vms"' not in page
    assert app.extensions["virtplan.runner"].run("placement", proposal_id)  # a worker takes it
    page = consultant.get(url).get_data(as_text=True)
    assert "data-poll" not in page and "What the advice buys" in page and 'name="vms"' in page


def test_asking_for_a_large_plans_proposal_hands_it_to_the_queue(make_app, account, analysed_plan, db):
    client = make_app(job_queue="inline", placement_sync_vms=1).test_client()  # the demo has 34 VMs
    assert sign_in(client, account.username).status_code == 302
    resp = _ask(client, analysed_plan)
    assert resp.status_code == 302
    proposal_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert db.get(PlacementProposal, proposal_id).state == "succeeded"  # inline: run already
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "data-poll" not in page and "What the advice buys" in page


def test_the_demo_plan_shows_a_proposal(app, db):
    from planner.demo import load_demo

    session = app.extensions["virtplan.sessions"]()
    demo = load_demo(session)
    session.commit()
    session.close()
    client = app.test_client()
    assert sign_in(client, "demo", demo.password).status_code == 302
    text = _text(client.get(f"/plans/{demo.plan_id}/placement"))
    assert "Proposal #" in text and "What the advice buys" in text and "Proven optimal" in text
    assert "Accept all" in text


def test_a_plan_too_large_for_lists_asks_for_typed_ids(consultant, app, tenant):
    from synthetic import generate, shape

    from planner.web.placement import WHAT_IF_CHOICES

    vms = WHAT_IF_CHOICES + 1
    doc = generate(vms, *shape(vms))
    session = app.extensions["virtplan.sessions"]()
    plan = plans.create_plan(session, _writer(tenant), "Large")
    plans.put_inventory(session, _writer(tenant), plan.id, doc)
    session.commit()
    pid = plan.id
    session.close()
    page = consultant.get(f"/plans/{pid}/placement").get_data(as_text=True)
    assert (
        re.search(r'<input id="vm" maxlength="200" name="vm" required type="text"', page)
        and '<select id="vm"' not in page
    )
    token = csrf(consultant, f"/plans/{pid}/placement")
    resp = consultant.post(
        f"/plans/{pid}/placement/what-if", data={"vm": "no-such-vm", "host": doc["hosts"][0]["id"], "csrf_token": token}
    )
    assert resp.status_code == 422
    assert f"expected the id of one of the plan&#39;s {vms:,} VMs" in resp.get_data(as_text=True)
    assert 'value="no-such-vm"' in resp.get_data(as_text=True)  # what was typed is kept


def test_a_proposal_not_yet_made_cannot_be_accepted(consultant, analysed_plan, app, tenant, db):
    session = app.extensions["virtplan.sessions"]()
    row, _queued = placement.request_proposal(session, _writer(tenant), analysed_plan, sync_vms=1)
    session.commit()
    proposal_id = row.id
    session.close()
    version = db.scalar(select(Plan).where(Plan.id == analysed_plan))
    token = csrf(consultant, f"/plans/{analysed_plan}/placement")
    data = {"scope": "all", "version": plans.etag(version), "csrf_token": token}
    try:
        resp = consultant.post(f"/plans/{analysed_plan}/placement/{proposal_id}/accept", data=data)
        assert resp.status_code == 409
        assert f"Nothing was applied: placement proposal {proposal_id} is queued" in _text(resp)
    finally:  # no queued job is left for another test's worker to pick up
        app.extensions["virtplan.runner"].run("placement", proposal_id)
