"""Findings through the REST API: analysis runs that store findings, triage
that survives re-analysis, resolution and reopening, history, filters,
pagination, scoping and input errors."""

from __future__ import annotations

import copy
import json

import pytest

from planner.core.analysis import SPEC_RULE_IDS
from planner.core.assessment import assess
from planner.core.inventory import load_estate

PROBLEM = "application/problem+json"
CONTRACT_KEYS = {
    "rule",
    "title",
    "objects",
    "likelihood",
    "impact",
    "risk",
    "factors",
    "evidence",
    "references",
    "remediation",
    "fingerprint",
}
STORED_KEYS = {"id", "status", "justification", "status_by", "status_at", "resolved", "first_seen_at", "last_seen_at"}
FIXED = ("MGMT-UNENCRYPTED", "esx-prod-03")  # a finding with one cause the tests remove and restore


def url(plan_id, tail=""):
    return f"/api/v1/plans/{plan_id}{tail}"


def put_inventory(client, tenant, plan_id, doc):
    resp = client.put(url(plan_id, "/inventory"), json=doc, headers=tenant.headers())
    assert resp.status_code == 200, resp.get_json()


def analyse(client, tenant, plan_id):
    resp = client.post(url(plan_id, "/analysis"), headers=tenant.headers())
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def findings(client, tenant, plan_id, query=""):
    resp = client.get(url(plan_id, f"/findings?page_size=500&{query}"), headers=tenant.headers("read"))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def triage(client, tenant, plan_id, finding_id, status, justification=None):
    body = {"status": status}
    if justification is not None:
        body["justification"] = justification
    return client.patch(url(plan_id, f"/findings/{finding_id}"), json=body, headers=tenant.headers())


def the_fixed(items):
    return next(f for f in items if f["rule"] == FIXED[0] and f["objects"] == [{"kind": "host", "id": FIXED[1]}])


def set_encrypted(client, tenant, plan_id, doc, encrypted: bool):
    host = copy.deepcopy(next(h for h in doc["hosts"] if h["id"] == FIXED[1]))
    host["management"]["encrypted"] = encrypted
    resp = client.patch(url(plan_id, "/inventory"), json={"hosts": [host]}, headers=tenant.headers())
    assert resp.status_code == 200 and resp.get_json()["changed"] is True


@pytest.fixture()
def analysed(client, tenant, plan_id, demo_doc):
    """The demo plan, analysed once; returns its findings."""
    put_inventory(client, tenant, plan_id, demo_doc)
    analyse(client, tenant, plan_id)
    return findings(client, tenant, plan_id)


def test_analysis_stores_the_analysis_v1_findings(client, tenant, plan_id, demo_doc):
    put_inventory(client, tenant, plan_id, demo_doc)
    run = analyse(client, tenant, plan_id)
    expected = assess(load_estate(demo_doc), plan_id=str(plan_id))
    assert run["inventory_version"] == 1 and run["plan_id"] == plan_id
    assert run["changes"] == {"new": len(expected.findings), "still": 0, "reopened": 0, "resolved": 0}
    assert run["summary"]["changes"] == run["changes"]
    assert run["summary"]["findings"] == len(expected.findings)
    assert run["summary"]["by_risk"] == expected.summary()["by_risk"]

    stored = findings(client, tenant, plan_id)
    assert all(set(f) == CONTRACT_KEYS | STORED_KEYS for f in stored)
    assert {"ZONE-MIX-HOST", "MGMT-UNENCRYPTED", "UNFILTERED-ZONE-PATH"} <= {f["rule"] for f in stored}
    assert len(set(SPEC_RULE_IDS) & {f["rule"] for f in stored}) >= 10
    # Exactly what the core says, field for field (JSON round trip on both sides).
    core = {f.fingerprint: json.loads(json.dumps(f.to_dict())) for f in expected.findings}
    assert {f["fingerprint"]: {k: f[k] for k in CONTRACT_KEYS} for f in stored} == core
    assert all(f["status"] == "open" and f["resolved"] is False and f["justification"] is None for f in stored)
    # Highest risk first.
    ranks = ["very-high", "high", "moderate", "low", "very-low"]
    assert [ranks.index(f["risk"]) for f in stored] == sorted(ranks.index(f["risk"]) for f in stored)

    latest = client.get(url(plan_id, "/analysis"), headers=tenant.headers("read"))
    assert latest.status_code == 200 and latest.get_json() == run


def test_no_analysis_yet_is_404(client, tenant, plan_id):
    resp = client.get(url(plan_id, "/analysis"), headers=tenant.headers("read"))
    assert resp.status_code == 404 and resp.mimetype == PROBLEM
    assert findings(client, tenant, plan_id) == []


def test_empty_inventory_analyses_to_no_findings(client, tenant, plan_id):
    run = analyse(client, tenant, plan_id)
    assert run["inventory_version"] == 0
    assert run["summary"]["findings"] == 0 and run["changes"]["new"] == 0
    assert findings(client, tenant, plan_id, "resolved=all") == []


def test_triage_survives_reanalysis(client, tenant, plan_id, analysed):
    target = analysed[0]
    resp = triage(client, tenant, plan_id, target["id"], "accepted", "  compensating control: host firewall  ")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "accepted" and body["justification"] == "compensating control: host firewall"
    assert body["status_by"].startswith("token ") and body["status_at"]

    run = analyse(client, tenant, plan_id)
    assert run["changes"] == {"new": 0, "still": len(analysed), "reopened": 0, "resolved": 0}
    after = {f["fingerprint"]: f for f in findings(client, tenant, plan_id)}
    assert set(after) == {f["fingerprint"] for f in analysed}
    again = after[target["fingerprint"]]
    assert again["id"] == target["id"]
    assert {k: again[k] for k in ("status", "justification", "status_by", "status_at")} == {
        k: body[k] for k in ("status", "justification", "status_by", "status_at")
    }
    assert again["first_seen_at"] == target["first_seen_at"]
    assert again["last_seen_at"] > target["last_seen_at"]


def test_fixing_the_cause_resolves_and_reintroducing_reopens(client, tenant, plan_id, analysed, demo_doc):
    fixed = the_fixed(analysed)
    assert triage(client, tenant, plan_id, fixed["id"], "mitigated", "VPN to the mgmt network").status_code == 200
    others = [f for f in analysed if f["id"] != fixed["id"]]

    set_encrypted(client, tenant, plan_id, demo_doc, True)
    run = analyse(client, tenant, plan_id)
    assert run["inventory_version"] == 2
    assert run["changes"] == {"new": 0, "still": len(others), "reopened": 0, "resolved": 1}
    current = findings(client, tenant, plan_id)
    assert [f["id"] for f in current] == [f["id"] for f in others]
    assert all(f["status"] == "open" and not f["resolved"] for f in current)
    resolved = findings(client, tenant, plan_id, "resolved=true")
    assert [f["id"] for f in resolved] == [fixed["id"]]
    assert resolved[0]["status"] == "mitigated" and resolved[0]["resolved"] is True
    assert len(findings(client, tenant, plan_id, "resolved=all")) == len(analysed)
    # Not deleted: still readable by id, with its history.
    one = client.get(url(plan_id, f"/findings/{fixed['id']}"), headers=tenant.headers("read"))
    assert one.status_code == 200 and one.get_json()["resolved"] is True

    # A resolved finding can still be triaged.
    assert (
        triage(client, tenant, plan_id, fixed["id"], "accepted", "accepted until the next refresh").status_code == 200
    )

    set_encrypted(client, tenant, plan_id, demo_doc, False)
    run = analyse(client, tenant, plan_id)
    assert run["changes"] == {"new": 0, "still": len(others), "reopened": 1, "resolved": 0}
    back = the_fixed(findings(client, tenant, plan_id))
    assert back["id"] == fixed["id"] and back["fingerprint"] == fixed["fingerprint"]
    assert back["resolved"] is False
    assert back["status"] == "accepted" and back["justification"] == "accepted until the next refresh"

    history = client.get(url(plan_id, f"/findings/{fixed['id']}"), headers=tenant.headers("read")).get_json()["history"]
    assert [(e["event"], e["from"], e["to"]) for e in history] == [
        ("created", None, "open"),
        ("status", "open", "mitigated"),
        ("resolved", None, None),
        ("status", "mitigated", "accepted"),
        ("reopened", None, None),
    ]
    assert [e["justification"] for e in history] == [
        None,
        "VPN to the mgmt network",
        None,
        "accepted until the next refresh",
        None,
    ]
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)
    assert all(e["by"] for e in history)
    assert [e["run_id"] is not None for e in history] == [True, False, True, False, True]


def test_setting_the_same_triage_records_nothing(client, tenant, plan_id, analysed):
    fid = analysed[0]["id"]
    for _ in range(2):
        assert triage(client, tenant, plan_id, fid, "false-positive", "VM is a template").status_code == 200
    # Back to open: no justification needed; a changed justification is an event of its own.
    assert triage(client, tenant, plan_id, fid, "false-positive", "VM is a powered-off template").status_code == 200
    reopened = triage(client, tenant, plan_id, fid, "open")
    assert reopened.status_code == 200 and reopened.get_json()["justification"] is None
    history = reopened.get_json()["history"]
    assert [(e["from"], e["to"]) for e in history[1:]] == [
        ("open", "false-positive"),
        ("false-positive", "false-positive"),
        ("false-positive", "open"),
    ]


def test_filters(client, tenant, plan_id, analysed):
    def ids(query):
        return [f["id"] for f in findings(client, tenant, plan_id, query)]

    def where(pred):
        return [f["id"] for f in analysed if pred(f)]

    assert ids("risk=high") == where(lambda f: f["risk"] == "high")
    assert ids("risk=high,low") == where(lambda f: f["risk"] in ("high", "low"))
    assert ids("risk=very-high") == []
    assert ids("rule=ZONE-MIX-HOST") == where(lambda f: f["rule"] == "ZONE-MIX-HOST")
    assert ids("rule=ZONE-MIX-HOST,VM-CLIPBOARD-SHARING") == where(
        lambda f: f["rule"] in ("ZONE-MIX-HOST", "VM-CLIPBOARD-SHARING")
    )
    assert ids("rule=NO-SUCH-RULE") == []
    on_host = where(lambda f: {"kind": "host", "id": "esx-prod-02"} in f["objects"])
    assert len(on_host) >= 2 and ids("object=host:esx-prod-02") == on_host
    assert ids("object=network:pg-pay") == where(lambda f: {"kind": "network", "id": "pg-pay"} in f["objects"])
    assert ids("object=vm:esx-prod-02") == []

    first, second = analysed[0]["id"], analysed[-1]["id"]
    triage(client, tenant, plan_id, first, "transferred", "the hosting provider owns this")
    triage(client, tenant, plan_id, second, "accepted", "lab only")
    assert ids("status=transferred") == [first]
    assert ids("status=transferred,accepted") == [f for f in where(lambda f: True) if f in (first, second)]
    assert ids("status=open") == where(lambda f: f["id"] not in (first, second))
    assert ids("status=accepted&risk=" + analysed[-1]["risk"]) == [second]
    assert ids("resolved=true") == []
    assert ids("resolved=all") == where(lambda f: True)


def test_filters_by_zone_host_and_text_and_sorts(client, tenant, plan_id, analysed):
    """The register's other filters: zone and host as the run's summary counts them, text, sort."""
    run = client.get(url(plan_id, "/analysis"), headers=tenant.headers("read")).get_json()
    for zone, n in run["summary"]["by_zone"].items():
        assert len(findings(client, tenant, plan_id, f"zone={zone}")) == n
    for host, n in run["summary"]["by_host"].items():
        assert len(findings(client, tenant, plan_id, f"host={host}")) == n
    by_text = findings(client, tenant, plan_id, "text=clipboard")
    assert by_text and by_text == findings(client, tenant, plan_id, "rule=VM-CLIPBOARD-SHARING")
    worst_last = findings(client, tenant, plan_id, "sort=-risk")
    assert [f["id"] for f in worst_last] == [f["id"] for f in reversed(analysed)]
    by_rule = findings(client, tenant, plan_id, "sort=rule")
    assert [f["rule"] for f in by_rule] == sorted(f["rule"] for f in analysed)


def test_pagination(client, tenant, plan_id, analysed):
    h = tenant.headers("read")
    pages, page = [], 1
    while True:
        resp = client.get(url(plan_id, f"/findings?page={page}&page_size=7"), headers=h)
        assert resp.status_code == 200
        meta = json.loads(resp.headers["X-Pagination"])
        assert meta["total"] == len(analysed)
        pages.append([f["id"] for f in resp.get_json()])
        if page == meta["total_pages"]:
            break
        page += 1
    assert all(len(p) == 7 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 7
    assert [i for p in pages for i in p] == [f["id"] for f in analysed]
    filtered = client.get(url(plan_id, "/findings?rule=MGMT-NETWORK-SHARED&page_size=2&page=2"), headers=h)
    assert json.loads(filtered.headers["X-Pagination"])["total"] == sum(
        f["rule"] == "MGMT-NETWORK-SHARED" for f in analysed
    )
    default = client.get(url(plan_id, "/findings"), headers=h)
    assert len(default.get_json()) == min(50, len(analysed))


def test_other_organizations_findings_do_not_exist(client, tenant, plan_id, analysed, make_tenant):
    other = make_tenant("intruder")
    fid = analysed[0]["id"]
    # The intruder's own plan, analysed, to try the finding id through it too.
    own = client.post("/api/v1/plans", json={"name": "mine"}, headers=other.headers()).get_json()["id"]
    client.post(url(own, "/analysis"), headers=other.headers())
    nonexistent = client.get(url(987654321, "/findings"), headers=other.headers())
    assert nonexistent.status_code == 404
    for resp in (
        client.get(url(plan_id, "/analysis"), headers=other.headers()),
        client.post(url(plan_id, "/analysis"), headers=other.headers()),
        client.get(url(plan_id, "/findings"), headers=other.headers()),
        client.get(url(plan_id, f"/findings/{fid}"), headers=other.headers()),
        client.get(url(own, f"/findings/{fid}"), headers=other.headers()),
        triage(client, other, plan_id, fid, "accepted", "pwned"),
        triage(client, other, own, fid, "accepted", "pwned"),
    ):
        assert resp.status_code == 404 and resp.mimetype == PROBLEM
    assert resp.get_json()["title"] == nonexistent.get_json()["title"]
    mine = client.get(url(plan_id, f"/findings/{fid}"), headers=tenant.headers("read")).get_json()
    assert mine["status"] == "open" and len(mine["history"]) == 1


def test_finding_of_another_plan_is_404(client, tenant, plan_id, analysed):
    second = client.post("/api/v1/plans", json={"name": "second"}, headers=tenant.headers()).get_json()["id"]
    resp = client.get(url(second, f"/findings/{analysed[0]['id']}"), headers=tenant.headers("read"))
    assert resp.status_code == 404
    assert client.get(url(plan_id, "/findings/987654321"), headers=tenant.headers("read")).status_code == 404


def test_read_token_cannot_analyse_or_triage(client, tenant, plan_id, analysed):
    h = tenant.headers("read")
    fid = analysed[0]["id"]
    for resp in (
        client.post(url(plan_id, "/analysis"), headers=h),
        client.patch(url(plan_id, f"/findings/{fid}"), json={"status": "accepted", "justification": "x"}, headers=h),
    ):
        assert resp.status_code == 403 and resp.mimetype == PROBLEM
    assert client.get(url(plan_id, f"/findings/{fid}"), headers=h).get_json()["status"] == "open"
    assert client.get(url(plan_id, "/analysis"), headers=h).status_code == 200


@pytest.mark.parametrize(
    "query, path",
    [
        ("risk=extreme", "risk"),
        ("risk=high,extreme", "risk"),
        ("risk=", "risk"),
        ("status=closed", "status"),
        ("status=Open", "status"),
        ("object=host", "object"),
        ("object=server:esx-01", "object"),
        ("object=host:", "object"),
        ("resolved=maybe", "resolved"),
        ("resolved=1", "resolved"),
        ("rule=" + "X" * 81, "rule"),
        ("rule=", "rule"),
        ("rule=A,,B", "rule"),
        ("risks=high", "risks"),
        ("page_size=0", "page_size"),
        ("page_size=501", "page_size"),
        ("page=0", "page"),
        ("sort=severity", "sort"),
        ("text=" + "x" * 201, "text"),
        ("zone=", "zone"),
    ],
)
def test_bad_filters_are_422_with_paths(client, tenant, plan_id, query, path):
    resp = client.get(url(plan_id, f"/findings?{query}"), headers=tenant.headers("read"))
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    errors = resp.get_json()["errors"]
    assert path in {e["path"] for e in errors}
    assert all(e["message"] for e in errors)


@pytest.mark.parametrize(
    "body, path",
    [
        ({}, "status"),
        ({"status": "closed"}, "status"),
        ({"status": None}, "status"),
        ({"status": 3}, "status"),
        ({"status": "accepted"}, "justification"),
        ({"status": "accepted", "justification": None}, "justification"),
        ({"status": "mitigated", "justification": "   "}, "justification"),
        ({"status": "transferred", "justification": 5}, "justification"),
        ({"status": "accepted", "justification": "x" * 10_001}, "justification"),
        ({"status": "accepted", "justification": "nul\x00byte"}, "justification"),
        ({"status": "open", "owner": "me"}, "owner"),
    ],
)
def test_bad_triage_is_422_with_paths(client, tenant, plan_id, analysed, body, path):
    fid = analysed[0]["id"]
    resp = client.patch(url(plan_id, f"/findings/{fid}"), json=body, headers=tenant.headers())
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    assert path in {e["path"] for e in resp.get_json()["errors"]}
    after = client.get(url(plan_id, f"/findings/{fid}"), headers=tenant.headers("read")).get_json()
    assert after["status"] == "open" and len(after["history"]) == 1


def test_not_json_body_is_refused(client, tenant, plan_id, analysed):
    resp = client.patch(
        url(plan_id, f"/findings/{analysed[0]['id']}"),
        data="status=accepted",
        content_type="text/plain",
        headers=tenant.headers(),
    )
    assert resp.status_code in (415, 422) and resp.mimetype == PROBLEM


def test_openapi_documents_the_findings_api(client, tenant):
    spec = client.get("/api/v1/openapi.json", headers=tenant.headers("read")).get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/plans/{plan_id}/analysis"])
    assert "get" in paths["/api/v1/plans/{plan_id}/findings"]
    assert {"get", "patch"} <= set(paths["/api/v1/plans/{plan_id}/findings/{finding_id}"])
    params = {p["name"] for p in paths["/api/v1/plans/{plan_id}/findings"]["get"]["parameters"]}
    assert {"risk", "rule", "status", "object", "resolved", "page", "page_size"} <= params
    schemas = spec["components"]["schemas"]
    assert set(schemas["Finding"]["properties"]) >= CONTRACT_KEYS | STORED_KEYS
    assert "history" in schemas["FindingDetail"]["properties"]
    assert schemas["Triage"]["required"] == ["status"]
