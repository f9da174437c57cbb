"""The inventory document through the REST API: replace, patch, read back,
ETags, and bad input that changes nothing."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import fields, validate
from sqlalchemy import select

import models
from planner.core.inventory import validate_document
from planner.core.inventory.schema import COLLECTIONS, InventorySchema

PROBLEM = "application/problem+json"


def inv(plan_id):
    return f"/api/v1/plans/{plan_id}/inventory"


def put(client, tenant, plan_id, doc, **headers):
    return client.put(
        inv(plan_id), data=json.dumps(doc), content_type="application/json", headers=tenant.headers(**headers)
    )


def get(client, tenant, plan_id):
    resp = client.get(inv(plan_id), headers=tenant.headers("read"))
    assert resp.status_code == 200
    return resp


def test_empty_plan_has_an_empty_valid_inventory(client, tenant, plan_id):
    resp = get(client, tenant, plan_id)
    doc = resp.get_json()
    assert validate_document(doc) == doc
    assert resp.headers["ETag"] == f'"inventory-{plan_id}-v0"'


def test_put_then_get_round_trips(client, tenant, plan_id, demo_doc):
    resp = put(client, tenant, plan_id, demo_doc)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["changed"] is True and body["inventory_version"] == 1
    assert body["counts"]["vms"] == len(demo_doc["vms"])
    back = get(client, tenant, plan_id)
    assert back.headers["ETag"] == resp.headers["ETag"]
    # Equal to what was sent, modulo the defaults filled in.
    assert back.get_json() == validate_document(demo_doc)
    # And what comes back is itself a valid document that round-trips.
    assert validate_document(back.get_json()) == back.get_json()


def test_put_is_idempotent(client, tenant, plan_id, demo_doc):
    first = put(client, tenant, plan_id, demo_doc)
    again = put(client, tenant, plan_id, demo_doc).get_json()
    assert again["changed"] is False and again["inventory_version"] == 1
    # The same document in another form (defaults spelled out, keys in another order,
    # whitespace) is the same inventory: nothing written, the ETag stays.
    normalized = get(client, tenant, plan_id).get_json()
    reordered = json.dumps(dict(reversed(list(normalized.items()))), indent=2)
    resp = client.put(inv(plan_id), data=reordered, content_type="application/json", headers=tenant.headers())
    assert resp.get_json()["changed"] is False and resp.headers["ETag"] == first.headers["ETag"]
    # Change one VM, drop another, reorder the rest: a new version holding exactly that.
    demo_doc["vms"][0]["vcpus"] = 16
    demo_doc["vms"].pop(1)
    demo_doc["vms"].reverse()
    third = put(client, tenant, plan_id, demo_doc).get_json()
    assert third["changed"] is True and third["inventory_version"] == 2
    assert get(client, tenant, plan_id).get_json() == validate_document(demo_doc)


def test_the_bytes_of_the_current_version_sent_again_change_nothing(client, tenant, make_tenant, plan_id, demo_doc):
    body = json.dumps(demo_doc, indent=1)

    def send(**headers):
        return client.put(inv(plan_id), data=body, content_type="application/json", headers=tenant.headers(**headers))

    first = send()
    assert first.get_json()["changed"] is True
    # The very bytes again: the same answer as any unchanged document, If-Match honoured.
    for again in (send(), send(**{"If-Match": first.headers["ETag"]})):
        assert again.status_code == 200 and again.headers["ETag"] == first.headers["ETag"]
        assert again.get_json() == dict(first.get_json(), changed=False)
    assert send(**{"If-Match": '"inventory-0-v9"'}).status_code == 412
    # Another organization sending them gets the plan's 404, not its answer.
    stranger = make_tenant()
    resp = client.put(inv(plan_id), data=body, content_type="application/json", headers=stranger.headers())
    assert resp.status_code == 404
    # Once the inventory has moved on, the same bytes are a change again: a new version holding them.
    edited = client.patch(inv(plan_id), json={"delete": {"vms": ["vm-reporting"]}}, headers=tenant.headers())
    assert edited.get_json()["inventory_version"] == 2
    third = send(**{"If-Match": edited.headers["ETag"]}).get_json()
    assert third["changed"] is True and third["inventory_version"] == 3
    assert get(client, tenant, plan_id).get_json() == validate_document(demo_doc)
    # The canonical JSON a GET sends is the current version's bytes too.
    canonical = get(client, tenant, plan_id).data
    resp = client.put(inv(plan_id), data=canonical, content_type="application/json", headers=tenant.headers())
    assert resp.get_json()["changed"] is False and resp.get_json()["inventory_version"] == 3


def test_patch_upserts_and_deletes(client, tenant, plan_id, demo_doc):
    put(client, tenant, plan_id, demo_doc)
    new_vm = {
        "id": "vm-new",
        "host": "esx-prod-01",
        "zone": "internal",
        "vcpus": 2,
        "memory_gib": 4,
        "nics": [{"network": "pg-app"}],
    }
    changed_vm = dict(demo_doc["vms"][2], vcpus=1)
    resp = client.patch(
        inv(plan_id),
        json={"vms": [new_vm, changed_vm], "delete": {"vms": ["vm-reporting"]}, "policy": {"zone_mixing": "adjacent"}},
        headers=tenant.headers(),
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["inventory_version"] == 2
    doc = get(client, tenant, plan_id).get_json()
    vms = {v["id"]: v for v in doc["vms"]}
    assert "vm-reporting" not in vms and vms["vm-new"]["nics"] == [{"network": "pg-app"}]
    assert vms[changed_vm["id"]]["vcpus"] == 1
    assert [v["id"] for v in doc["vms"]][2] == changed_vm["id"]  # replaced in place
    assert doc["policy"]["zone_mixing"] == "adjacent" and doc["policy"]["patch_max_age_days"] == 90


def test_patch_errors_point_into_the_patch(client, tenant, plan_id, demo_doc):
    put(client, tenant, plan_id, demo_doc)
    resp = client.patch(
        inv(plan_id),
        json={
            "vms": [{"id": "vm-x", "host": "esx-nope", "vcpus": 1, "memory_gib": 1}],
            "delete": {"hosts": ["esx-dmz-01", "esx-ghost"], "racks": ["r1"]},
        },
        headers=tenant.headers(),
    )
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    errors = {e["path"]: e["message"] for e in resp.get_json()["errors"]}
    assert errors == {
        "delete.hosts[1]": "no host with id 'esx-ghost' to delete",
        "delete.racks": "unknown collection (expected one of: zones, clusters, networks, hosts, "
        "datastores, vms, appliances)",
    }
    # Deleting a host that stored VMs still use names those VMs.
    resp = client.patch(inv(plan_id), json={"delete": {"hosts": ["esx-dmz-01"]}}, headers=tenant.headers())
    paths = {e["path"] for e in resp.get_json()["errors"]}
    assert "inventory.vms[id=vm-web-01].host" in paths
    assert "inventory.datastores[id=ds-dmz].hosts[0]" in paths
    resp = client.patch(
        inv(plan_id),
        json={"vms": [{"id": "vm-x", "host": "esx-nope", "vcpus": 1, "memory_gib": 1}]},
        headers=tenant.headers(),
    )
    assert {e["path"] for e in resp.get_json()["errors"]} == {"vms[0].host"}
    assert get(client, tenant, plan_id).headers["ETag"] == f'"inventory-{plan_id}-v1"'


def test_invalid_document_gets_every_problem_and_changes_nothing(client, tenant, plan_id, demo_doc):
    put(client, tenant, plan_id, demo_doc)
    before = get(client, tenant, plan_id).get_json()
    bad = copy.deepcopy(demo_doc)
    bad["vms"][3]["host"] = "esx-missing"
    bad["vms"][4]["vcpus"] = 0
    bad["zones"].append({"id": "dmz", "trust_level": 1})
    resp = put(client, tenant, plan_id, bad)
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    body = resp.get_json()
    assert body["status"] == 422 and body["title"] == "Unprocessable Entity"  # the same title marshmallow's 422s carry
    assert {e["path"] for e in body["errors"]} == {"vms[3].host", "vms[4].vcpus", f"zones[{len(bad['zones']) - 1}].id"}
    assert get(client, tenant, plan_id).get_json() == before


@pytest.mark.parametrize(
    "data, content_type, status, fragment",
    [
        (b'{"schema": "virtplan.inventory/v1",', "application/json", 400, "not valid JSON"),
        (b"\xff\xfe{}", "application/json", 400, "not UTF-8 text: the byte 0xFF at offset 0"),
        (b"", "application/json", 400, "the document is empty"),
        (b'{"schema": "virtplan.inventory/v1"}', "text/plain", 415, "application/json"),
        (b'{"schema": "virtplan.inventory/v1"}', None, 415, "application/json"),
        (b"[]", "application/json", 422, "expected an object"),
    ],
)
def test_bad_bodies_are_refused_precisely(client, tenant, plan_id, demo_doc, data, content_type, status, fragment):
    put(client, tenant, plan_id, demo_doc)
    headers = tenant.headers()
    resp = client.put(
        inv(plan_id), data=data, headers=headers, **({"content_type": content_type} if content_type else {})
    )
    assert resp.status_code == status and resp.mimetype == PROBLEM
    assert fragment in json.dumps(resp.get_json())
    assert get(client, tenant, plan_id).get_json()["vms"] == validate_document(demo_doc)["vms"]


def test_stale_if_match_is_refused(client, tenant, plan_id, demo_doc):
    first = put(client, tenant, plan_id, demo_doc)
    etag_v1 = first.headers["ETag"]
    demo_doc["vms"][0]["vcpus"] = 8
    second = put(client, tenant, plan_id, demo_doc, **{"If-Match": etag_v1})
    assert second.status_code == 200 and second.headers["ETag"] != etag_v1
    demo_doc["vms"][0]["vcpus"] = 2
    stale = put(client, tenant, plan_id, demo_doc, **{"If-Match": etag_v1})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert second.headers["ETag"] in stale.get_json()["detail"]
    stale_patch = client.patch(
        inv(plan_id), json={"delete": {"vms": ["vm-web-01"]}}, headers=tenant.headers(**{"If-Match": etag_v1})
    )
    assert stale_patch.status_code == 412
    assert get(client, tenant, plan_id).get_json()["vms"][0]["vcpus"] == 8


def test_body_over_the_limit_gets_413(database_url, tmp_path, make_tenant):
    from planner.app import create_app
    from planner.config import Settings

    small = create_app(
        Settings.from_env(
            {}, env="testing", database_url=database_url, instance_path=str(tmp_path), max_content_length=1024
        )
    )
    client = small.test_client()
    tenant = make_tenant()
    pid = client.post("/api/v1/plans", json={"name": "p"}, headers=tenant.headers()).get_json()["id"]
    big = {"schema": "virtplan.inventory/v1", "zones": [{"id": f"z{i}", "trust_level": 1} for i in range(200)]}
    resp = client.put(inv(pid), data=json.dumps(big), content_type="application/json", headers=tenant.headers())
    assert resp.status_code == 413 and resp.mimetype == PROBLEM
    assert client.get(inv(pid), headers=tenant.headers()).get_json()["zones"] == []
    small.extensions["virtplan.engine"].dispose()


def test_deleting_a_plan_deletes_its_inventory(client, tenant, plan_id, demo_doc, db):
    put(client, tenant, plan_id, demo_doc)
    assert client.delete(f"/api/v1/plans/{plan_id}", headers=tenant.headers()).status_code == 204
    assert db.scalar(select(models.InventoryVersion.id).where(models.InventoryVersion.plan_id == plan_id)) is None


def _sample(field):
    """A valid value for ``field`` that is not its default (every id and reference is "x", so
    every reference resolves: each collection holds one object, with id "x")."""
    if isinstance(field, fields.Nested):
        schema = field.nested if isinstance(field.nested, type) else type(field.nested)
        return {name: _sample(f) for name, f in schema._declared_fields.items()}
    if isinstance(field, fields.List):
        return [_sample(field.inner)]
    if isinstance(field, fields.Dict):
        return {_sample(field.key_field): _sample(field.value_field)}
    rules = {type(v): v for v in field.validators}
    if validate.OneOf in rules:
        choices = [c for c in rules[validate.OneOf].choices if c != field.load_default]
        return choices[-1]
    if validate.Equal in rules:
        return rules[validate.Equal].comparable
    if isinstance(field, fields.Boolean):
        return field.load_default is not True
    if isinstance(field, (fields.Integer, fields.Float)):
        bounds = rules.get(validate.Range)
        low = bounds.min if bounds and bounds.min is not None else 0
        value = low + 1 if isinstance(field, fields.Integer) else low + 1.5
        return value if value != field.load_default else value + 1
    if isinstance(field, fields.DateTime):
        return "2026-01-02T03:04:05Z"
    if isinstance(field, fields.Date):
        return "2026-01-02"
    if validate.Regexp in rules:
        return "9.1"
    return "x"


def test_every_field_of_the_contract_round_trips(client, tenant, plan_id):
    """Generated from the schema: a document stating every field of every object with a value
    other than its default reads back exactly, so storage carries any field the contract has."""
    doc = {name: _sample(field) for name, field in InventorySchema._declared_fields.items()}
    assert all(len(doc[c]) == 1 for c in COLLECTIONS)
    assert validate_document(doc) == doc  # nothing left to a default
    resp = put(client, tenant, plan_id, doc)
    assert resp.status_code == 200, resp.get_json()
    assert get(client, tenant, plan_id).get_json() == doc


# Documents of varied shape: hypothesis builds estates from small pools of ids.
ids = st.sampled_from(["a", "b", "c", "d"])
# Any text the text rule allows in a name (planner.core.text): no control
# characters, surrogates, line separators or bidirectional controls.
text = st.text(
    st.characters(
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
        exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    max_size=5,
)


@st.composite
def documents(draw):
    zones = [
        {
            "id": z,
            "trust_level": draw(st.integers(0, 4)),
            "purpose": draw(st.sampled_from(["workload", "management", "storage", "external"])),
            "tags": draw(st.dictionaries(text.filter(bool), text, max_size=2)),
        }
        for z in draw(st.lists(ids, unique=True, max_size=3))
    ]
    zone_ids = [z["id"] for z in zones]
    opt_zone = st.sampled_from([*zone_ids, None]) if zone_ids else st.none()
    networks = [
        {
            "id": f"n{n}",
            "kind": draw(st.sampled_from(["vlan", "portgroup", "overlay"])),
            "vlan": draw(st.none() | st.integers(1, 4094)),
            "zone": draw(opt_zone),
            # v1.1: a port group's security policy, any key possibly absent
            "security_policy": draw(
                st.none()
                | st.dictionaries(
                    st.sampled_from(["promiscuous", "mac_changes", "forged_transmits"]),
                    st.sampled_from([True, False, None]),
                )
            ),
        }
        for n in draw(st.lists(ids, unique=True, max_size=3))
    ]
    net_ids = [n["id"] for n in networks]
    hosts = [
        {
            "id": f"h{h}",
            "cpu_cores": draw(st.integers(1, 128)),
            "memory_gib": draw(st.floats(0, 4096)),
            "hypervisor": draw(
                st.none()
                | st.fixed_dictionaries(
                    {
                        "product": st.sampled_from(["esxi", "kvm"]),
                        "type": st.sampled_from([1, 2]),
                        "version": st.sampled_from(["8.0.3", "7.0"]),
                        "patched_on": st.sampled_from(["2026-01-01", None]),
                        "end_of_support": st.sampled_from(["2027-10-02", None]),
                    }
                )
            ),
            "management": draw(
                st.none()
                | st.fixed_dictionaries(
                    {
                        "network": st.sampled_from([*net_ids, None]) if net_ids else st.none(),
                        "encrypted": st.sampled_from([True, False, None]),
                    }
                )
            ),
            "devices": draw(
                st.lists(
                    st.fixed_dictionaries({"kind": st.sampled_from(["usb", "nic"]), "connected": st.booleans()}),
                    max_size=2,
                )
            ),
            "dedicated_zone": draw(opt_zone),
            # v1.1 hardening facts
            "settings": draw(
                st.none()
                | st.fixed_dictionaries(
                    {},
                    optional={
                        "lockdown": st.booleans(),
                        "shell": st.sampled_from([True, False, None]),
                        "inter_vm_page_sharing": st.booleans(),
                    },
                )
            ),
            "migration": draw(
                st.none()
                | st.fixed_dictionaries(
                    {},
                    optional={
                        "network": st.sampled_from([*net_ids, None]) if net_ids else st.none(),
                        "encrypted": st.booleans(),
                    },
                )
            ),
            "uplinks": draw(st.none() | st.integers(0, 8)),
        }
        for h in draw(st.lists(ids, unique=True, max_size=3))
    ]
    host_ids = [h["id"] for h in hosts]
    datastores = [
        {
            "id": f"d{d}",
            "kind": "nfs",
            "encrypted": draw(st.sampled_from([True, None])),
            "hosts": draw(st.lists(st.sampled_from(host_ids), unique=True)) if host_ids else [],
        }
        for d in draw(st.lists(ids, unique=True, max_size=2))
    ]
    ds_ids = [d["id"] for d in datastores]
    vms = [
        {
            "id": f"v{v}",
            "vcpus": draw(st.integers(1, 64)),
            "memory_gib": draw(st.integers(0, 512)),
            "host": draw(st.sampled_from([*host_ids, None])) if host_ids else None,
            "zone": draw(opt_zone),
            "nics": [{"network": n} for n in draw(st.lists(st.sampled_from(net_ids), max_size=3))] if net_ids else [],
            "disks": [{"datastore": d, "size_gib": 10} for d in draw(st.lists(st.sampled_from(ds_ids), max_size=2))]
            if ds_ids
            else [],
            "settings": draw(st.none() | st.fixed_dictionaries({"clipboard_sharing": st.sampled_from([True, None])})),
            # v1.1 hardening facts
            "snapshots": [
                {"id": f"s{i}", "created": created}
                for i, created in enumerate(draw(st.lists(st.sampled_from(["2026-10-01", "2025-01-31"]), max_size=2)))
            ],
            "firmware": draw(
                st.none() | st.fixed_dictionaries({}, optional={"secure_boot": st.booleans(), "vtpm": st.booleans()})
            ),
            "devices": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {"kind": st.sampled_from(["optical", "pci-passthrough"]), "connected": st.booleans()}
                    ),
                    max_size=2,
                )
            ),
        }
        for v in draw(st.lists(ids, unique=True, max_size=4))
    ]
    vm_ids = [v["id"] for v in vms]
    appliances = [
        {
            "id": f"a{a}",
            "kind": draw(st.sampled_from(["firewall", "router"])),
            "networks": draw(st.lists(st.sampled_from(net_ids), unique=True)) if net_ids else [],
            "vm": draw(st.sampled_from([*vm_ids, None])) if vm_ids else None,
        }
        for a in draw(st.lists(ids, unique=True, max_size=2))
    ]
    return {
        "schema": "virtplan.inventory/v1",
        "zones": zones,
        "networks": networks,
        "hosts": hosts,
        "datastores": datastores,
        "vms": vms,
        "appliances": appliances,
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=documents(), second=documents())
def test_any_sequence_of_documents_round_trips(client, tenant, plan_id, first, second):
    """Replacing one arbitrary estate by another always stores exactly the second."""
    for doc in (first, second):
        resp = put(client, tenant, plan_id, doc)
        assert resp.status_code == 200, resp.get_json()
        assert get(client, tenant, plan_id).get_json() == validate_document(doc)
    assert put(client, tenant, plan_id, second).get_json()["changed"] is False
