"""The findings pages through the Flask test client: the register's filters,
sorting and pages; a finding's page; triage and bulk triage that refuse bad
input beside the field, keep what was typed and ticked, and write nothing;
a viewer sees no control and may change nothing; another organization's
user finds nothing; every form needs the CSRF token."""

from __future__ import annotations

import html
import re

import pytest
from signin_client import csrf
from sqlalchemy import func, select

from models import Finding, FindingEvent


def _page(client, path: str, status: int = 200) -> str:
    resp = client.get(path)
    assert resp.status_code == status, (path, resp.status_code)
    return resp.get_data(as_text=True)


def _ids(page: str) -> list[int]:
    """The finding ids the register lists, in its order."""
    return [int(i) for i in re.findall(r'<tr id="finding-(\d+)"', page)]


def _events(db, plan_id: int) -> int:
    db.rollback()
    return db.scalar(
        select(func.count())
        .select_from(FindingEvent)
        .join(Finding, Finding.id == FindingEvent.finding_id)
        .where(Finding.plan_id == plan_id, FindingEvent.event == "status")
    )


def _statuses(db, plan_id: int) -> dict[int, tuple[str, str | None]]:
    db.rollback()
    return {f.id: (f.status, f.justification) for f in db.scalars(select(Finding).where(Finding.plan_id == plan_id))}


def test_register_filters_sorts_and_pages_every_finding(consultant, analysed_plan, db):
    client, pid = consultant, analysed_plan
    total = db.scalar(select(func.count()).select_from(Finding).where(Finding.plan_id == pid))
    page = _page(client, f"/plans/{pid}/findings")
    assert f"{total} findings" in page and 'aria-current="page">Findings' in page.replace("\n", "")
    seen, n = [], 1
    while True:
        listed = _ids(_page(client, f"/plans/{pid}/findings?per_page=25&sort=rule&page={n}"))
        if not listed or (seen and listed[0] in seen):
            break
        seen += listed
        n += 1
    assert len(seen) == len(set(seen)) == total  # no cap: every finding, page by page

    high = _page(client, f"/plans/{pid}/findings?risk=high&risk=very-high&status=open")
    rows = db.scalars(
        select(Finding).where(Finding.plan_id == pid, Finding.risk.in_(("high", "very-high")), Finding.status == "open")
    ).all()
    assert set(_ids(high)) == {f.id for f in rows} and re.search(r'<input checked[^>]*value="high"', high)

    by_text = _page(client, f"/plans/{pid}/findings?text=clipboard")
    assert _ids(by_text) and all("CLIPBOARD" in f for f in re.findall(r"<code>([A-Z0-9-]+)</code>", by_text))
    assert 'value="clipboard"' in by_text  # the form keeps what was asked

    zone = _page(client, f"/plans/{pid}/findings?zone=dmz")
    assert 0 < len(_ids(zone)) < total
    # Links to other pages keep the filters.
    two = _page(client, f"/plans/{pid}/findings?per_page=25&zone=dmz&sort=-risk")
    for href in re.findall(r'href="([^"]*page=\d+[^"]*)"', two):
        assert "zone=dmz" in href and "sort=-risk" in html.unescape(href)
    # Past the last page: the last page.
    assert _ids(_page(client, f"/plans/{pid}/findings?per_page=200&page=99")) == _ids(
        _page(client, f"/plans/{pid}/findings?per_page=200")
    )


def test_bad_filters_are_shown_beside_their_field(consultant, analysed_plan):
    client, pid = consultant, analysed_plan
    page = _page(client, f"/plans/{pid}/findings?text={'x' * 201}&sort=severity")
    assert "The filters were not applied: 2 problems" in page
    assert re.search(r'id="text-problem"', page) and re.search(r'id="sort-problem"', page)
    assert _ids(page) == []
    page = _page(client, f"/plans/{pid}/findings?zone=%E2%80%AEdmz&object=server:x")
    assert 'id="zone-problem"' in page and "The filters were not applied" in page and _ids(page) == []


def test_finding_page_has_evidence_factors_references_remedy_and_history(consultant, analysed_plan, db):
    client, pid = consultant, analysed_plan
    f = db.scalar(select(Finding).where(Finding.plan_id == pid, Finding.rule == "ZONE-MIX-HOST"))
    page = html.unescape(_page(client, f"/plans/{pid}/findings/{f.id}"))
    assert f.title in page and f.remediation in page
    assert all(ref in page for ref in f.references)
    assert all(factor in page for factor in f.factors)
    assert "VMs by zone" in page  # the evidence in words, not JSON
    assert "How it is detected" in page and "false positive" in page  # the rule's own metadata
    assert "First found" in page  # history
    assert 'name="justification"' in page and 'name="csrf_token"' in page


def test_triage_without_justification_keeps_what_was_typed_and_writes_nothing(consultant, analysed_plan, db):
    client, pid = consultant, analysed_plan
    f = db.scalar(select(Finding).where(Finding.plan_id == pid, Finding.status == "open").limit(1))
    token = csrf(client, f"/plans/{pid}/findings/{f.id}")
    before = _events(db, pid)
    resp = client.post(
        f"/plans/{pid}/findings/{f.id}/triage",
        data={"status": "mitigated", "justification": "   ", "csrf_token": token},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "The status was not changed: 1 problem" in page
    assert re.search(r'<option selected value="mitigated">', page)
    assert 'id="justification-problem"' in page and "a justification is required" in page
    assert _events(db, pid) == before and _statuses(db, pid)[f.id] == ("open", None)

    resp = client.post(
        f"/plans/{pid}/findings/{f.id}/triage",
        data={"status": "mitigated", "justification": "Firewall rule FW-88 <b>blocks</b> it", "csrf_token": token},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/plans/{pid}/findings/{f.id}")
    page = _page(client, resp.headers["Location"])
    assert "Status set to mitigated." in page and "FW-88 &lt;b&gt;blocks&lt;/b&gt; it" in page
    assert _statuses(db, pid)[f.id] == ("mitigated", "Firewall rule FW-88 <b>blocks</b> it")


def test_bulk_triage_sets_the_ticked_findings_or_shows_why_not(consultant, analysed_plan, db):
    client, pid = consultant, analysed_plan
    path = f"/plans/{pid}/findings?risk=moderate&per_page=25"
    listed = _ids(_page(client, path))
    three = listed[:3]
    token = csrf(client, path)
    before = _events(db, pid)
    action = f"/plans/{pid}/findings/triage?risk=moderate&per_page=25"

    resp = client.post(action, data={"findings": three, "status": "accepted", "justification": "", "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "The selected findings were not changed" in page
    assert all(f'value="{i}" id="select-{i}" checked' in page for i in three)  # still ticked
    assert _ids(page) == listed  # the same filtered page
    assert _events(db, pid) == before

    resp = client.post(action, data={"status": "accepted", "justification": "why", "csrf_token": token})
    assert resp.status_code == 422 and "select at least one finding" in resp.get_data(as_text=True)

    resp = client.post(
        action, data={"findings": three, "status": "accepted", "justification": "CAB-12 accepts", "csrf_token": token}
    )
    assert resp.status_code == 302 and "risk=moderate" in resp.headers["Location"]
    assert "3 findings set to accepted." in _page(client, resp.headers["Location"])
    after = _statuses(db, pid)
    assert all(after[i] == ("accepted", "CAB-12 accepts") for i in three)
    assert _events(db, pid) == before + 3


def test_a_finding_of_another_plan_in_a_selection_changes_nothing(consultant, analysed_plan, other_plan, db):
    client, pid = consultant, analysed_plan
    mine = _ids(_page(client, f"/plans/{pid}/findings"))[:2]
    theirs = db.scalar(select(Finding.id).where(Finding.plan_id == other_plan).limit(1))
    token = csrf(client, f"/plans/{pid}/findings")
    resp = client.post(
        f"/plans/{pid}/findings/triage",
        data={"findings": [*mine, theirs], "status": "accepted", "justification": "x", "csrf_token": token},
    )
    assert resp.status_code == 404
    assert all(s == ("open", None) for s in _statuses(db, pid).values())


def test_a_viewer_sees_no_control_and_may_change_nothing(viewer, analysed_plan, db):
    client, pid = viewer, analysed_plan
    register = _page(client, f"/plans/{pid}/findings")
    fid = _ids(register)[0]
    finding = _page(client, f"/plans/{pid}/findings/{fid}")
    for page in (register, finding):
        main = page[page.index("<main") :]
        assert 'method="post"' not in main and 'name="findings"' not in main
    token = csrf(client, f"/plans/{pid}/findings")
    for path, data in (
        (f"/plans/{pid}/findings/{fid}/triage", {"status": "accepted", "justification": "x"}),
        (f"/plans/{pid}/findings/triage", {"findings": [fid], "status": "accepted", "justification": "x"}),
        (f"/plans/{pid}/analysis", {}),
    ):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403
    assert all(s == ("open", None) for s in _statuses(db, pid).values())


def test_another_organization_finds_nothing(stranger, analysed_plan, db):
    pid = analysed_plan
    fid = db.scalar(select(Finding.id).where(Finding.plan_id == pid).limit(1))
    token = csrf(stranger, "/")
    for path in (f"/plans/{pid}/findings", f"/plans/{pid}/findings/{fid}", f"/plans/{pid}/findings?zone=dmz"):
        assert stranger.get(path).status_code == 404
    for path, data in (
        (f"/plans/{pid}/findings/{fid}/triage", {"status": "accepted", "justification": "x"}),
        (f"/plans/{pid}/findings/triage", {"findings": [fid], "status": "accepted", "justification": "x"}),
        (f"/plans/{pid}/analysis", {}),
    ):
        assert stranger.post(path, data={**data, "csrf_token": token}).status_code == 404
    assert all(s == ("open", None) for s in _statuses(db, pid).values())


@pytest.mark.parametrize(
    "path, data",
    [
        ("/findings/{fid}/triage", {"status": "accepted", "justification": "x"}),
        ("/findings/triage", {"findings": ["{fid}"], "status": "accepted", "justification": "x"}),
        ("/analysis", {}),
    ],
)
def test_forms_without_the_csrf_token_are_refused(consultant, analysed_plan, db, path, data):
    pid = analysed_plan
    fid = db.scalar(select(Finding.id).where(Finding.plan_id == pid).limit(1))
    data = {k: [v.format(fid=fid) for v in vs] if isinstance(vs, list) else vs for k, vs in data.items()}
    resp = consultant.post(f"/plans/{pid}{path.format(fid=fid)}", data=data)
    assert resp.status_code == 400 and b"reload the page" in resp.data
    assert all(s == ("open", None) for s in _statuses(db, pid).values())


def test_a_consultant_analyses_the_plan_and_returns_only_to_a_page_of_this_site(consultant, app, tenant, demo_doc, db):
    """The overview's "Analyse" button: a stored run with the plan's findings, a message, and
    back to the page named in ``next`` when it is a path of this site, else to the overview."""
    from workspace import demo_plan

    from models import AnalysisRun
    from planner.core.analysis import analyze
    from planner.core.inventory import load_estate

    pid = demo_plan(app, tenant.org_id, demo_doc, "Not analysed yet")
    token = csrf(consultant, f"/plans/{pid}")
    resp = consultant.post(f"/plans/{pid}/analysis", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/plans/{pid}#findings"
    db.rollback()
    (run,) = db.scalars(select(AnalysisRun).where(AnalysisRun.plan_id == pid)).all()
    stored = db.scalar(select(func.count()).select_from(Finding).where(Finding.plan_id == pid))
    assert stored == run.summary["findings"] == len(analyze(load_estate(demo_doc)).findings) > 0
    assert "Analysed: the findings below are those of the plan as it stands." in _page(consultant, f"/plans/{pid}")

    back = f"/plans/{pid}/findings?risk=high"
    resp = consultant.post(f"/plans/{pid}/analysis", data={"csrf_token": token, "next": back})
    assert resp.status_code == 302 and resp.headers["Location"] == back
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        resp = consultant.post(f"/plans/{pid}/analysis", data={"csrf_token": token, "next": elsewhere})
        assert resp.status_code == 302 and resp.headers["Location"] == f"/plans/{pid}#findings", elsewhere
