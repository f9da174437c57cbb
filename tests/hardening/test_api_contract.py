"""Issue 8, item 11: the API says what it does. Every operation documents its
problem+json errors and 401; X-Pagination is a JSON string; JSON reports are
documented as JSON; bodies are checked before If-Match; an empty PATCH is
refused; a body over the limit is a problem+json 413 from the real server."""

from __future__ import annotations

import contextlib
import http.client
import json
from urllib.parse import urlsplit

import pytest
from server_process import serving
from stored_state import PROBLEM, problems, send, stored_state

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture()
def spec(client, tenant):
    resp = client.get("/api/v1/openapi.json", headers=tenant.headers("read"))
    assert resp.status_code == 200
    return resp.get_json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _resolve(spec, response):
    if "$ref" in response:
        return spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def test_every_operation_documents_401_and_problem_json_errors(spec):
    operations = list(_operations(spec))
    assert len(operations) >= 24
    for path, method, operation in operations:
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        assert "default" not in responses, (method, path)
        if method != "get":
            assert "403" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        for status, response in responses.items():
            if int(status) >= 400:
                content = _resolve(spec, response)["content"]
                assert list(content) == [PROBLEM], (method, path, status)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_x_pagination_is_documented_as_the_string_it_is(client, tenant, plan_id, spec):
    for path in ("/api/v1/plans", "/api/v1/plans/{plan_id}/findings", "/api/v1/plans/{plan_id}/reports"):
        header = spec["paths"][path]["get"]["responses"]["200"]["headers"]["X-Pagination"]
        assert header["schema"]["type"] == "string", path
    sent = client.get("/api/v1/plans", headers=tenant.headers("read")).headers["X-Pagination"]
    assert isinstance(json.loads(sent), dict)


def test_report_content_is_documented_per_media_type(spec):
    content = spec["paths"]["/api/v1/plans/{plan_id}/reports/{report_id}/content"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["type"] == "object"
    assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert content["text/csv"]["schema"]["type"] == "string"


def test_patch_of_a_plan_needs_a_body(client, tenant, plan_id):
    before = stored_state(client, tenant, plan_id)
    url = f"/api/v1/plans/{plan_id}"
    resp = client.patch(url, headers=tenant.headers())
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    assert "send name, description or both" in problems(resp)[""]
    assert client.patch(url, json={}, headers=tenant.headers()).status_code == 422
    resp = client.patch(url, data="name=x", content_type="application/x-www-form-urlencoded", headers=tenant.headers())
    assert resp.status_code == 415 and resp.mimetype == PROBLEM
    assert stored_state(client, tenant, plan_id) == before


def test_patch_inventory_checks_the_body_before_if_match_like_put(client, tenant, plan_id, demo_doc):
    client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    before = stored_state(client, tenant, plan_id)
    stale = {"If-Match": '"inventory-0-v0"'}
    url = f"/api/v1/plans/{plan_id}/inventory"
    for method, body in (("PUT", '{"schema": "nope"}'), ("PATCH", '{"vms": [{"id": "vm-new"}]}')):
        resp = send(client, tenant, method, url, body, **stale)
        assert resp.status_code == 422, (method, resp.data)
    assert send(client, tenant, "PATCH", url, '{"delete": {"vms": []}}', **stale).status_code == 412
    assert stored_state(client, tenant, plan_id) == before


def test_duplicate_keys_are_refused_with_their_path(client, tenant, plan_id):
    before = stored_state(client, tenant, plan_id)
    resp = send(client, tenant, "PATCH", f"/api/v1/plans/{plan_id}", '{"name": "a", "name": "b"}')
    assert resp.status_code == 422 and problems(resp) == {"name": "this key appears more than once"}
    body = '{"schema": "virtplan.inventory/v1", "zones": [{"id": "z", "id": "y", "trust_level": 1}]}'
    resp = send(client, tenant, "PUT", f"/api/v1/plans/{plan_id}/inventory", body)
    assert resp.status_code == 422 and problems(resp) == {"zones[0].id": "this key appears more than once"}
    assert stored_state(client, tenant, plan_id) == before


@pytest.mark.slow
def test_the_server_answers_an_oversized_body_with_problem_json(database_url, tmp_path, make_tenant, app):
    tenant = make_tenant()
    client = app.test_client()
    plan_id = client.post("/api/v1/plans", json={"name": "limits"}, headers=tenant.headers()).get_json()["id"]
    before = stored_state(client, tenant, plan_id)
    with serving(database_url, tmp_path, VIRTPLAN_MAX_CONTENT_LENGTH="4096") as (_process, base):
        url = urlsplit(base)
        for size in (5_000, 10_000_000):
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            connection.putrequest("PUT", f"/api/v1/plans/{plan_id}/inventory")
            for name, value in {**tenant.headers(), "Content-Type": "application/json"}.items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(size))
            connection.endheaders()
            with contextlib.suppress(ConnectionError):  # the server may answer on the headers alone, and close
                connection.send(b"[" + b" " * (size - 2) + b"]")
            resp = connection.getresponse()
            assert resp.status == 413, size
            assert resp.getheader("Content-Type") == PROBLEM, size
            assert json.loads(resp.read())["status"] == 413
            connection.close()
    assert stored_state(client, tenant, plan_id) == before
