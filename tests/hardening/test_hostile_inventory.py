"""Issue 8, items 1, 4 and 9: hostile inventory writes get a precise 4xx with
the path at fault, never a 500, on SQLite and PostgreSQL alike, and change
nothing: the plan reads back byte-identical."""

from __future__ import annotations

import json

import pytest
from stored_state import problems, send, stored_state


@pytest.fixture()
def stocked(client, tenant, plan_id, demo_doc):
    """A plan holding the demo inventory, and its state before the hostile write."""
    resp = client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    assert resp.status_code == 200
    return plan_id, stored_state(client, tenant, plan_id)


def _inv(plan_id):
    return f"/api/v1/plans/{plan_id}/inventory"


VM = '{"id": "vm-new", "host": "esx-dmz-01", "vcpus": 2, "memory_gib": 4}'


@pytest.mark.parametrize(
    ("body", "path", "fragment"),
    [
        ('{"vms": [{"id": "vm-new"}]}', "vms[0].vcpus", "missing required field"),
        ('{"vms": [{"id": "vm-new", "vcpus": 0, "memory_gib": 1}]}', "vms[0].vcpus", "≥ 1 and ≤ 768, got 0"),
        ('{"vms": [{"id": "vm-new", "vcpus": 1, "memory_gib": NaN}]}', "vms[0].memory_gib", "finite number"),
        ('{"vms": [{"id": "vm-new", "vcpus": 1, "memory_gib": Infinity}]}', "vms[0].memory_gib", "finite number"),
        ('{"vms": [{"id": "vm-new", "vcpus": 1, "memory_gib": 1e999}]}', "vms[0].memory_gib", "finite number"),
        ('{"vms": [{"id": "vm\\u0000", "vcpus": 1, "memory_gib": 1}]}', "vms[0].id", "U+0000 (NUL)"),
        ('{"vms": [{"id": "' + "v" * 201 + '", "vcpus": 1, "memory_gib": 1}]}', "vms[0].id", "1 to 200 characters"),
        ('{"vms": [{"id": "vm-new", "name": "' + "n" * 501 + '", "vcpus": 1, "memory_gib": 1}]}', "vms[0].name", "500"),
        ('{"vms": [7, "vm-new", [], null]}', "vms[0]", "expected an object"),
        ('{"hosts": [{"id": "h", "cpu_cores": 2147483648, "memory_gib": 1}]}', "hosts[0].cpu_cores", "≤ 4096"),
        ('{"vms": [{"id": "vm-new", "vcpus": 100000000000000000000, "memory_gib": 1}]}', "vms[0].vcpus", "≤ 768"),
        ('{"policy": {"patch_max_age_days": 9223372036854775808}}', "policy.patch_max_age_days", "≤ 36500"),
        ('{"vms": [{"id": "vm-new", "name": "\\ud800", "vcpus": 1, "memory_gib": 1}]}', "vms[0].name", "surrogate"),
        ('{"vms": [' + VM + '], "vms": []}', "vms", "appears more than once"),
        ('{"vms": [{"id": "vm-new", "vcpus": ' + "9" * 5001 + ', "memory_gib": 1}]}', "vms[0].vcpus", "5,001"),
    ],
)
def test_patch_field_problems_are_422_with_their_path(client, tenant, stocked, body, path, fragment):
    plan_id, before = stocked
    resp = send(client, tenant, "PATCH", _inv(plan_id), body)
    assert resp.status_code == 422, resp.get_json()
    found = problems(resp)
    assert path in found and fragment in found[path], found
    assert stored_state(client, tenant, plan_id) == before


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (lambda d: d["hosts"][0].update(cpu_cores=2147483648), "hosts[0].cpu_cores", "≤ 4096"),
        (lambda d: d["vms"][0].update(vcpus=10**20), "vms[0].vcpus", "≤ 768"),
        (lambda d: d["vms"][0].update(memory_gib=2**40), "vms[0].memory_gib", "≤ 1,048,576"),
        (lambda d: d["policy"].update(patch_max_age_days=2**63), "policy.patch_max_age_days", "≤ 36500"),
        (lambda d: d["networks"][0].update(vlan=4095), "networks[0].vlan", "≤ 4094"),
        (lambda d: d["vms"][0]["disks"].extend([{"datastore": "x"}] * 257), "vms[0].disks", "at most 256 items"),
        (lambda d: d["vms"][0].update(name="web\x1b[31m"), "vms[0].name", "U+001B (ESC)"),
        (lambda d: d["zones"][0].update(name="dmz\u202e"), "zones[0].name", "bidirectional"),
        (lambda d: d["source"].update(exported_at="2026-11-01T10:00:00." + "1" * 100), "source.exported_at", "ISO"),
        (lambda d: d["vms"][0]["tags"].update(note="two\nlines\tok"), None, None),
    ],
)
def test_put_bounds_are_the_same_on_every_database(client, tenant, stocked, demo_doc, mutate, path, fragment):
    plan_id, before = stocked
    demo_doc.setdefault("source", {"system": "cmdb"})
    mutate(demo_doc)
    resp = send(client, tenant, "PUT", _inv(plan_id), json.dumps(demo_doc))
    if path is None:  # multi-line text is fine in a tag's value
        assert resp.status_code == 200, resp.get_json()
        return
    assert resp.status_code == 422, resp.get_json()
    found = problems(resp)
    assert path in found and fragment in found[path], found
    assert stored_state(client, tenant, plan_id) == before


def test_nan_in_a_put_says_what_was_expected(client, tenant, stocked, demo_doc):
    plan_id, before = stocked
    body = json.dumps(demo_doc).replace('"vcpus": 4', '"vcpus": NaN', 1)
    resp = send(client, tenant, "PUT", _inv(plan_id), body)
    assert resp.status_code == 422
    assert "expected a finite number, got NaN" in next(iter(problems(resp).values()))
    assert stored_state(client, tenant, plan_id) == before


def test_deeply_nested_arrays_are_refused_without_recursion(client, tenant, stocked):
    plan_id, before = stocked
    depth = 100_000
    for method, url in (("PUT", _inv(plan_id)), ("PATCH", _inv(plan_id)), ("POST", "/api/v1/plans")):
        body = '{"vms": ' + "[" * depth + "]" * depth + "}"
        resp = send(client, tenant, method, url, body)
        assert resp.status_code == 422, (method, url, resp.data[:300])
        assert "nested deeper than" in next(iter(problems(resp).values()))
    assert stored_state(client, tenant, plan_id) == before


def test_a_huge_integer_anywhere_is_422(client, tenant, stocked):
    plan_id, before = stocked
    huge = "9" * 5001
    for method, url, body in (
        ("PUT", _inv(plan_id), '{"schema": "virtplan.inventory/v1", "zones": [{"id": "z", "trust_level": %s}]}'),
        ("POST", "/api/v1/plans", '{"name": %s}'),
        ("PUT", f"/api/v1/plans/{plan_id}/answers", '{"answers": {"operations.patching.critical_days": %s}}'),
        ("PATCH", f"/api/v1/plans/{plan_id}/findings/1", '{"status": "open", "x": [%s]}'),
    ):
        resp = send(client, tenant, method, url, body % huge)
        assert resp.status_code == 422, (url, resp.data[:300])
        assert any("at most 100 digits" in m for m in problems(resp).values())
    assert stored_state(client, tenant, plan_id) == before


def test_ids_beyond_the_database_range_are_404_and_pages_422(client, tenant, stocked):
    plan_id, _before = stocked
    for url in (
        "/api/v1/plans/2147483648",
        "/api/v1/plans/99999999999999999999999/inventory",
        f"/api/v1/plans/{plan_id}/findings/217771257125703876608",
        f"/api/v1/plans/{plan_id}/reports/2147483648/content",
    ):
        resp = client.get(url, headers=tenant.headers("read"))
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json", url
    for url in ("/api/v1/plans?page=57384546228910604288", f"/api/v1/plans/{plan_id}/findings?page=1000001"):
        resp = client.get(url, headers=tenant.headers("read"))
        assert resp.status_code == 422, (url, resp.data)
        assert "page" in problems(resp)


def test_sixteen_megabytes_of_empty_arrays_are_refused_before_they_are_built(client, tenant, stocked):
    """Item 9: the structure check refuses the document from its text alone (the
    bench script measures that memory stays flat; see bench/README.md)."""
    from planner.core.inventory import limits
    from planner.core.json_input import JsonInputError, check_structure

    plan_id, before = stocked
    body = '{"schema": "virtplan.inventory/v1", "vms": [' + ",".join(["[]"] * 5_600_000) + "]}"
    assert len(body) > 16_000_000
    with pytest.raises(JsonInputError) as refused:
        check_structure(body, limits.DOCUMENT)
    assert [p.to_dict() for p in refused.value.problems] == [
        {"path": "vms", "message": "expected at most 200,000 items, got more"}
    ]
    for method in ("PUT", "PATCH"):
        resp = send(client, tenant, method, _inv(plan_id), body)
        assert resp.status_code == 422
        assert problems(resp) == {"vms": "expected at most 200,000 items, got more"}
    assert stored_state(client, tenant, plan_id) == before


def test_structure_check_counts_items_exactly_and_passes_real_documents(demo_doc):
    from planner.core.inventory import limits
    from planner.core.json_input import JsonInputError, check_structure

    check_structure(json.dumps(demo_doc), limits.DOCUMENT)  # the demo estate passes
    # Commas inside strings do not count as items.
    tags = {f"k{i}": "a,b,c,d" for i in range(100)}
    check_structure(json.dumps({"vms": [{"tags": tags}]}), limits.DOCUMENT)
    with pytest.raises(JsonInputError, match="at most 100 members, got 101"):
        check_structure(json.dumps({"vms": [{"tags": {**tags, "one": "more"}}]}), limits.DOCUMENT)
    # A path into an array counts the items before it.
    with pytest.raises(JsonInputError) as refused:
        check_structure(json.dumps({"vms": [{}, {"nics": [{}] * 65}]}), limits.DOCUMENT)
    assert refused.value.problems[0].path == "vms[1].nics"
