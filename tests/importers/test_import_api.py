"""``POST /api/v1/plans/{id}/imports/{source}``: multipart files or JSON, a
background job (202, poll), the diff and warnings; a dry run and its apply;
re-importing an unchanged source keeps the inventory version; bad input
fails the job with located problems and writes nothing; scoped and guarded
like every write (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json

import pytest
from cmdb_exports import Estate, netbox_pages, rvtools_xlsx
from importer_data import MAPPING

ESTATE = Estate(80)


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return rvtools_xlsx(ESTATE)


def post_rvtools(client, tenant, plan_id, data: bytes, mapping: str = MAPPING, **options):
    form = {
        "files": (io.BytesIO(data), "RVTools_export_all.xlsx"),
        "mapping": (io.BytesIO(mapping.encode()), "map.yaml"),
    }
    form.update({k: str(v).lower() for k, v in options.items()})
    return client.post(
        f"/api/v1/plans/{plan_id}/imports/rvtools",
        data=form,
        headers=tenant.headers(),
        content_type="multipart/form-data",
    )


def inventory(client, tenant, plan_id):
    resp = client.get(f"/api/v1/plans/{plan_id}/inventory", headers=tenant.headers("read"))
    return resp.headers["ETag"], resp.get_json()


def test_import_reimport_and_user_changes(import_client, tenant, plan_id, xlsx):
    resp = post_rvtools(import_client, tenant, plan_id, xlsx)
    assert resp.status_code == 202, resp.get_json()
    assert resp.headers["Location"] == f"/api/v1/plans/{plan_id}/imports/{resp.get_json()['id']}"
    job = import_client.get(resp.headers["Location"], headers=tenant.headers("read")).get_json()
    assert job["state"] == "succeeded" and job["changed"] is True, job
    counts = job["result"]["diff"]["counts"]
    assert counts["vms"]["added"] == job["result"]["imported"]["vms"] > 0
    assert job["result"]["warning_counts"]["guessed"] == 2  # vmk0 and vMotion port groups
    etag, doc = inventory(import_client, tenant, plan_id)
    assert job["inventory_version"] == 1 and etag.endswith('-v1"')

    # The user overrides a zone in VirtPlan; an unchanged source keeps it and the version.
    vm = doc["vms"][0]
    patched = import_client.patch(
        f"/api/v1/plans/{plan_id}/inventory", json={"vms": [{**vm, "zone": "internal"}]}, headers=tenant.headers()
    )
    assert patched.status_code == 200 and patched.get_json()["inventory_version"] == 2
    again = post_rvtools(import_client, tenant, plan_id, xlsx).get_json()
    assert again["state"] == "succeeded" and again["changed"] is False and again["inventory_version"] == 2
    assert again["result"]["diff"]["collections"]["vms"]["kept_user_values"] == [{"id": vm["id"], "fields": ["zone"]}]
    _etag, after = inventory(import_client, tenant, plan_id)
    assert after["vms"][0]["zone"] == "internal"

    listed = import_client.get(f"/api/v1/plans/{plan_id}/imports", headers=tenant.headers("read")).get_json()
    assert [j["id"] for j in listed] == [again["id"], job["id"]] and listed[0]["result"] is None


def test_dry_run_then_apply_as_previewed(import_client, tenant, plan_id, xlsx):
    preview = post_rvtools(import_client, tenant, plan_id, xlsx, dry_run=True).get_json()
    assert preview["state"] == "succeeded" and preview["dry_run"] and preview["changed"] is False
    assert preview["result"]["diff"]["counts"]["vms"]["added"] > 0
    assert inventory(import_client, tenant, plan_id)[1]["vms"] == []  # nothing written
    applied = import_client.post(f"/api/v1/plans/{plan_id}/imports/{preview['id']}/apply", headers=tenant.headers())
    assert applied.status_code == 202
    body = applied.get_json()
    assert body["state"] == "succeeded" and body["changed"] and body["preview_of"] == preview["id"]
    assert body["result"]["diff"] == preview["result"]["diff"]
    again = import_client.post(f"/api/v1/plans/{plan_id}/imports/{body['id']}/apply", headers=tenant.headers())
    assert again.status_code == 409


def test_a_stale_preview_is_not_applied(import_client, tenant, plan_id, xlsx):
    preview = post_rvtools(import_client, tenant, plan_id, xlsx, dry_run=True).get_json()
    import_client.put(
        f"/api/v1/plans/{plan_id}/inventory",
        json={"schema": "virtplan.inventory/v1", "zones": [{"id": "z", "trust_level": 1}]},
        headers=tenant.headers(),
    )
    applied = import_client.post(
        f"/api/v1/plans/{plan_id}/imports/{preview['id']}/apply", headers=tenant.headers()
    ).get_json()
    assert applied["state"] == "failed" and "changed since the preview" in applied["error"]
    assert [z["id"] for z in inventory(import_client, tenant, plan_id)[1]["zones"]] == ["z"]


def test_netbox_as_json_and_prune(import_client, tenant, plan_id):
    files = {name: json.loads(data) for name, data in netbox_pages(ESTATE, page_size=30)}
    body = {"files": files, "mapping": MAPPING}
    first = import_client.post(
        f"/api/v1/plans/{plan_id}/imports/netbox", json=body, headers=tenant.headers()
    ).get_json()
    assert first["state"] == "succeeded" and first["result"]["imported"]["vms"] > 0, first
    vm_page = next(n for n in files if n.startswith("virtual-machines-1"))
    dropped = files[vm_page]["results"].pop(0)["id"]
    second = import_client.post(
        f"/api/v1/plans/{plan_id}/imports/netbox", json={**body, "prune": True}, headers=tenant.headers()
    ).get_json()
    assert second["result"]["diff"]["collections"]["vms"]["removed"] == [f"vm-{dropped}"]
    ids = {v["id"] for v in inventory(import_client, tenant, plan_id)[1]["vms"]}
    assert f"vm-{dropped}" not in ids


def test_bad_input_fails_with_located_problems_and_writes_nothing(import_client, tenant, plan_id, xlsx):
    corrupt = post_rvtools(import_client, tenant, plan_id, xlsx[:5000]).get_json()
    assert corrupt["state"] == "failed" and corrupt["problems"][0]["path"] == "RVTools_export_all.xlsx"
    formula = post_rvtools(import_client, tenant, plan_id, b"PK\x03\x04garbage").get_json()
    assert formula["state"] == "failed"
    bad_map = post_rvtools(
        import_client,
        tenant,
        plan_id,
        xlsx,
        mapping="mapping: virtplan.mapping/v1\nvms: {rules: [{match: {x: 1}, zone: q}]}\n",
    )
    assert bad_map.status_code == 422
    paths = [p["path"] for p in bad_map.get_json()["errors"]]
    assert paths == ["map.yaml: vms.rules[0].match.x", "map.yaml: vms.rules[0].zone"]
    assert inventory(import_client, tenant, plan_id)[0].endswith('-v0"')
    unknown = import_client.post(f"/api/v1/plans/{plan_id}/imports/excel", json={}, headers=tenant.headers())
    assert unknown.status_code == 404
    no_files = import_client.post(
        f"/api/v1/plans/{plan_id}/imports/netbox", json={"mapping": MAPPING}, headers=tenant.headers()
    )
    assert no_files.status_code == 422 and no_files.get_json()["errors"][0]["path"] == "files"


def test_scoped_and_guarded(import_client, tenant, make_tenant, plan_id, xlsx):
    other = make_tenant("other")
    assert post_rvtools(import_client, other, plan_id, xlsx).status_code == 404
    read_only = import_client.post(
        f"/api/v1/plans/{plan_id}/imports/netbox",
        json={"files": {}, "mapping": MAPPING},
        headers=tenant.headers("read"),
    )
    assert read_only.status_code == 403
    job = post_rvtools(import_client, tenant, plan_id, xlsx, dry_run=True).get_json()
    assert (
        import_client.get(f"/api/v1/plans/{plan_id}/imports/{job['id']}", headers=other.headers("read")).status_code
        == 404
    )
