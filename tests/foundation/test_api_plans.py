"""Plans through the REST API: CRUD, pagination, authentication, scopes, and
isolation between organizations."""

from __future__ import annotations

import json

import pytest

PROBLEM = "application/problem+json"


def test_create_get_rename_delete(client, tenant):
    h = tenant.headers()
    created = client.post("/api/v1/plans", json={"name": "  Consolidation  ", "description": "phase 1"}, headers=h)
    assert created.status_code == 201
    body = created.get_json()
    assert body["name"] == "Consolidation" and body["inventory_version"] == 0
    assert created.headers["Location"] == f"/api/v1/plans/{body['id']}"
    assert body["counts"] == {
        c: 0 for c in ("zones", "clusters", "networks", "hosts", "datastores", "vms", "appliances")
    }
    pid = body["id"]
    assert client.get(f"/api/v1/plans/{pid}", headers=h).get_json()["description"] == "phase 1"
    renamed = client.patch(f"/api/v1/plans/{pid}", json={"name": "Consolidation 2027"}, headers=h)
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Consolidation 2027"
    assert client.delete(f"/api/v1/plans/{pid}", headers=h).status_code == 204
    assert client.get(f"/api/v1/plans/{pid}", headers=h).status_code == 404


def test_list_is_paginated_and_scoped(client, make_tenant):
    mine, theirs = make_tenant("mine"), make_tenant("theirs")
    for i in range(5):
        client.post("/api/v1/plans", json={"name": f"p{i}"}, headers=mine.headers())
    client.post("/api/v1/plans", json={"name": "secret"}, headers=theirs.headers())
    page = client.get("/api/v1/plans?page=2&page_size=2", headers=mine.headers("read"))
    assert page.status_code == 200
    assert [p["name"] for p in page.get_json()] == ["p2", "p3"]
    meta = json.loads(page.headers["X-Pagination"])
    assert meta["total"] == 5 and meta["total_pages"] == 3
    everything = client.get("/api/v1/plans?page_size=100", headers=mine.headers("read")).get_json()
    assert "secret" not in {p["name"] for p in everything}
    bad = client.get("/api/v1/plans?page_size=0", headers=mine.headers())
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert bad.get_json()["errors"][0]["path"] == "page_size"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/plans"),
        ("post", "/api/v1/plans"),
        ("get", "/api/v1/plans/1"),
        ("put", "/api/v1/plans/1/inventory"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/api/v1/docs/assets/swagger-ui-bundle.js"),
    ],
)
def test_every_call_needs_a_token(client, method, path):
    resp = getattr(client, method)(path)
    assert resp.status_code == 401
    assert resp.mimetype == PROBLEM
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer vp_not-a-real-token", "Bearer ", "Basic dXNlcjpwdw==", "vp_abc"])
def test_bad_credentials_are_refused(client, header):
    resp = client.get("/api/v1/plans", headers={"Authorization": header})
    assert resp.status_code == 401 and resp.mimetype == PROBLEM


def test_read_token_cannot_write(client, tenant, plan_id):
    h = tenant.headers("read")
    assert client.get(f"/api/v1/plans/{plan_id}", headers=h).status_code == 200
    for resp in (
        client.post("/api/v1/plans", json={"name": "x"}, headers=h),
        client.patch(f"/api/v1/plans/{plan_id}", json={"name": "x"}, headers=h),
        client.delete(f"/api/v1/plans/{plan_id}", headers=h),
        client.put(f"/api/v1/plans/{plan_id}/inventory", json={"schema": "virtplan.inventory/v1"}, headers=h),
    ):
        assert resp.status_code == 403 and "write" in resp.get_json()["detail"]
    assert client.get(f"/api/v1/plans/{plan_id}", headers=h).get_json()["name"] == "Test plan"


def test_other_organizations_plans_do_not_exist(client, tenant, plan_id, make_tenant, demo_doc):
    other = make_tenant("intruder")
    h = other.headers()
    nonexistent = client.get("/api/v1/plans/987654321", headers=h)
    for resp in (
        client.get(f"/api/v1/plans/{plan_id}", headers=h),
        client.patch(f"/api/v1/plans/{plan_id}", json={"name": "pwned"}, headers=h),
        client.delete(f"/api/v1/plans/{plan_id}", headers=h),
        client.get(f"/api/v1/plans/{plan_id}/inventory", headers=h),
        client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=h),
        client.patch(f"/api/v1/plans/{plan_id}/inventory", json={"delete": {}}, headers=h),
    ):
        assert resp.status_code == 404
        # Indistinguishable from a plan that never existed.
        assert resp.get_json()["title"] == nonexistent.get_json()["title"]
    owner = client.get(f"/api/v1/plans/{plan_id}", headers=tenant.headers()).get_json()
    assert owner["name"] == "Test plan" and owner["inventory_version"] == 0


@pytest.mark.parametrize(
    "body, path",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5}, "name"),
        ({"name": "ok", "owner": "me"}, "owner"),
    ],
)
def test_plan_body_errors_are_precise(client, tenant, body, path):
    resp = client.post("/api/v1/plans", json=body, headers=tenant.headers())
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    assert path in {e["path"] for e in resp.get_json()["errors"]}


def test_openapi_describes_the_api(client, tenant):
    spec = client.get("/api/v1/openapi.json", headers=tenant.headers("read")).get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/plans", "/api/v1/plans/{plan_id}", "/api/v1/plans/{plan_id}/inventory"} <= set(spec["paths"])
    assert {"put", "patch", "get"} <= set(spec["paths"]["/api/v1/plans/{plan_id}/inventory"])
    inventory = spec["components"]["schemas"]["Inventory"]
    assert {"zones", "hosts", "vms", "policy"} <= set(inventory["properties"])
    # Swagger UI is a page for signed-in users (tests/web); its files also answer a token.
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js", headers=tenant.headers("read"))
    assert asset.status_code == 200


def test_an_expired_or_revoked_token_is_refused_like_an_unknown_one(app, client, tenant):
    """A token works until its expiry and not after; a revoked one stops at once. Either way the
    answer is the one an unknown token gets (401, nothing said about the token)."""
    import datetime as dt

    from models import Organization
    from planner.services import accounts, organization

    session = app.extensions["virtplan.sessions"]()
    try:
        org = session.get(Organization, tenant.org_id)
        now = dt.datetime.now(dt.UTC)
        _live, live = accounts.create_token(session, org, "read", expires_at=now + dt.timedelta(hours=1))
        _old, expired = accounts.create_token(session, org, "read", expires_at=now - dt.timedelta(seconds=1))
        revoked_row, revoked = accounts.create_token(session, org, "read")
        session.commit()
        revoked_id = revoked_row.id
    finally:
        session.close()

    def answer(secret):
        resp = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"})
        return resp.status_code, resp.mimetype, resp.headers.get("WWW-Authenticate"), resp.get_json()

    assert answer(live)[0] == answer(revoked)[0] == 200
    unknown = answer("vp_" + "x" * 43)
    assert unknown[:2] == (401, PROBLEM) and unknown[2].startswith("Bearer")
    assert answer(expired) == unknown

    session = app.extensions["virtplan.sessions"]()
    try:  # as the organization's administrator does it (Administration > API tokens)
        admin = accounts.Caller(tenant.org_id, frozenset({"read", "write", "admin"}), label="admin")
        organization.revoke_token(session, admin, revoked_id)
        session.commit()
    finally:
        session.close()
    assert answer(revoked) == unknown
    assert answer(live)[0] == 200
