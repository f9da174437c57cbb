"""The inventory pages (Flask test client): an upload stores a document or
lists its problems by object with nothing stored; an import is previewed,
then applied as previewed; tables sort, filter and page in the database; an
object's zone, categorization and placement are edited under If-Match; the
kept versions say what changed between two."""

from __future__ import annotations

import io
import json
import re

from workspace import client_of, demo_plan, fill, form_fields, text_of, token, writer

import models
from planner.demo import rvtools_export, rvtools_mapping
from planner.services import plans


def _version(db, plan_id: int) -> int:
    db.rollback()
    return db.get(models.Plan, plan_id).inventory_version


def _upload(client, plan_id: int, payload: bytes, name: str = "estate.json", version: str | None = None):
    page = client.get(f"/plans/{plan_id}/inventory").get_data(as_text=True)
    data = form_fields(page, "/inventory/upload")
    if version is not None:
        data["version"] = version
    data["document"] = (io.BytesIO(payload), name)
    return client.post(f"/plans/{plan_id}/inventory/upload", data=data, content_type="multipart/form-data")


def test_an_upload_stores_the_document_or_lists_its_problems_by_object(app, db, writer_db, account, tenant, demo_doc):
    plan_id = plans.create_plan(writer_db, writer(tenant.org_id), "Upload").id
    writer_db.commit()
    client = client_of(app, account)
    broken = json.loads(json.dumps(demo_doc))
    broken["vms"][0]["zone"] = "nowhere"
    broken["vms"][2]["vcpus"] = "four"
    broken["hosts"][1]["cpu_cores"] = 0
    resp = _upload(client, plan_id, json.dumps(broken).encode())
    text = text_of(resp.get_data(as_text=True))
    assert resp.status_code == 422 and _version(db, plan_id) == 0
    assert "The inventory was not changed" in text and "nothing was stored" in text
    # Each problem under the object it concerns, named by its id, in document order.
    host = text.index("host 'esx-dmz-02' (hosts[1])")
    vm0 = text.index("VM 'vm-web-01' (vms[0])")
    vm2 = text.index("VM 'vm-web-03' (vms[2])")
    assert host < vm0 < vm2
    assert "vms[0].zone" in text[vm0:vm2] and "vms[2].vcpus" in text[vm2:]
    resp = _upload(client, plan_id, b'{"schema": "virtplan.inventory/v1",\n "zones": [}')
    assert resp.status_code == 422 and "not valid JSON" in text_of(resp.get_data(as_text=True))
    assert "line 2" in text_of(resp.get_data(as_text=True)) and _version(db, plan_id) == 0
    resp = _upload(client, plan_id, json.dumps(demo_doc).encode(), "demo.json")
    assert resp.status_code == 302 and _version(db, plan_id) == 1
    assert "Inventory uploaded: now version 1." in text_of(
        client.get(f"/plans/{plan_id}/inventory").get_data(as_text=True)
    )
    # A page opened before that upload does not overwrite it.
    stale = _upload(
        client,
        plan_id,
        json.dumps(demo_doc | {"as_of": "2027-01-01"}).encode(),
        version=f'"inventory-{plan_id}-v0"',
    )
    assert stale.status_code == 409 and "changed since you opened this page" in text_of(stale.get_data(as_text=True))
    assert _version(db, plan_id) == 1
    versions = text_of(client.get(f"/plans/{plan_id}/inventory/versions").get_data(as_text=True))
    assert "uploaded demo.json" in versions and account.username in versions


def test_tables_sort_filter_and_page(app, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    base = f"/plans/{plan_id}/inventory/vms"

    def ids(query: str) -> list[str]:
        html = client.get(base + query).get_data(as_text=True)
        return re.findall(r'<td data-label="ID"><a href="[^"]+">([^<]+)</a>', html)

    everything = ids("")
    assert everything == [v["id"] for v in demo_doc["vms"]]  # document order
    by_cpus = ids("?sort=-vcpus")
    cpus = {v["id"]: v["vcpus"] for v in demo_doc["vms"]}
    assert [cpus[i] for i in by_cpus] == sorted(cpus.values(), reverse=True)
    dmz = ids("?zone=dmz")
    assert dmz and set(dmz) == {v["id"] for v in demo_doc["vms"] if v.get("zone") == "dmz"}
    assert ids("?q=WEB") == [
        v["id"]
        for v in demo_doc["vms"]
        if "web" in v["id"] or "web" in (v.get("name") or "") or "web" in (v.get("role") or "")
    ]
    assert ids("?q=%25") == []  # a LIKE wildcard is a character here
    exposed = [v["id"] for v in demo_doc["vms"] if v.get("internet_facing")]
    assert exposed and ids("?internet_facing=yes&size=250") == exposed
    uncategorized = [v["id"] for v in demo_doc["vms"] if not v.get("categorization")]
    assert ids("?confidentiality=-&size=250") == uncategorized
    by_memory = ids("?sort=memory_gib&size=250")
    memory = {v["id"]: v["memory_gib"] for v in demo_doc["vms"]}
    assert [memory[i] for i in by_memory] == sorted(memory.values())
    page1, page2 = ids("?size=25"), ids("?size=25&page=2")
    assert page1 + page2 == everything and len(page1) == 25
    text = text_of(client.get(base + "?size=25&page=2").get_data(as_text=True))
    assert "page 2 of 2" in text and "Previous" in text
    assert client.get(f"/plans/{plan_id}/inventory/nothing").status_code == 404


def test_edit_a_vms_zone_categorization_and_placement(app, db, account, tenant, demo_doc):
    plan_id = demo_plan(app, tenant.org_id, demo_doc)
    client = client_of(app, account)
    url = f"/plans/{plan_id}/inventory/vms/vm-web-01"
    opened = form_fields(client.get(url).get_data(as_text=True))
    assert opened["zone"] == "dmz" and opened["host"] == "esx-dmz-01" and opened["confidentiality"] == "low"
    # Not a host of this plan: refused beside the field, nothing stored.
    resp = client.post(url, data=fill(opened.copy(), {"host": "esx-elsewhere"}))
    assert resp.status_code == 422 and "Not a valid choice" in resp.get_data(as_text=True)
    assert _version(db, plan_id) == 1
    changed = fill(opened.copy(), {"zone": "internal", "host": "esx-prod-01", "confidentiality": "high"})
    resp = client.post(url, data=changed)
    assert resp.status_code == 302 and _version(db, plan_id) == 2
    page = text_of(client.get(url).get_data(as_text=True))
    assert "VM vm-web-01 saved: inventory version 2." in page
    vm = plans.get_inventory(db, writer(tenant.org_id), plan_id)[1]["vms"][0]
    assert (vm["zone"], vm["host"], vm["categorization"]["confidentiality"]) == ("internal", "esx-prod-01", "high")
    # The form opened before that save is stale: nothing written, the page says why.
    resp = client.post(url, data=fill(opened.copy(), {"zone": "restricted"}))
    assert resp.status_code == 409 and "changed since you opened this page" in text_of(resp.get_data(as_text=True))
    assert _version(db, plan_id) == 2
    # What changed, between the two versions.
    diff = text_of(client.get(f"/plans/{plan_id}/inventory/versions?from=1&to=2").get_data(as_text=True))
    assert "From version 1 to version 2" in diff, diff
    assert (
        'vm-web-01 categorization.confidentiality "low" "high" host "esx-dmz-01" "esx-prod-01" zone "dmz" "internal"'
        in diff
    )
    assert "VM vm-web-01 edited" in text_of(client.get(f"/plans/{plan_id}/inventory/versions").get_data(as_text=True))
    # Hosts and networks have their own forms; other collections are read-only.
    assert "Dedicated to zone" in client.get(f"/plans/{plan_id}/inventory/hosts/esx-dmz-01").get_data(as_text=True)
    zone_page = client.get(f"/plans/{plan_id}/inventory/zones/dmz").get_data(as_text=True)
    assert "Save" not in text_of(zone_page) and "vms name it as zone" in text_of(zone_page)


def test_an_import_is_previewed_then_applied_as_previewed(make_app, db, writer_db, account, tenant):
    app = make_app(job_queue="inline")
    plan_id = plans.create_plan(writer_db, writer(tenant.org_id), "Quay").id
    writer_db.commit()
    client = client_of(app, account)
    url = f"/plans/{plan_id}/inventory/imports"

    def start(mapping: str):
        data = form_fields(client.get(f"/plans/{plan_id}/inventory").get_data(as_text=True), "/inventory/imports")
        data["source"], data["mapping"] = "rvtools", mapping
        data.setlist("files", [(io.BytesIO(content), name) for name, content in rvtools_export()])
        return client.post(url, data=data, content_type="multipart/form-data")

    resp = start("mapping: virtplan.mapping/v1\nzones: [{id: dmz}]\nbogus: 1\n")
    assert resp.status_code == 422 and _version(db, plan_id) == 0
    assert "bogus" in text_of(resp.get_data(as_text=True))
    resp = start(rvtools_mapping())
    assert resp.status_code == 302
    preview = text_of(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert "State: succeeded" in preview and "Applying it would change the inventory" in preview
    assert re.search(r"VMs 9 0 0 0 0", preview)
    assert _version(db, plan_id) == 0  # a dry run writes nothing
    job_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    resp = client.post(f"{url}/{job_id}/apply", data={"csrf_token": token(client)})
    assert resp.status_code == 302
    applied = text_of(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert "The inventory is now version 1." in applied and _version(db, plan_id) == 1
    # The preview cannot be applied twice: it no longer shows the inventory as it is.
    again = text_of(client.get(f"{url}/{job_id}").get_data(as_text=True))
    assert "Apply these changes" not in again and "preview the import again" in again
    assert "imported from rvtools" in text_of(client.get(f"/plans/{plan_id}/inventory/versions").get_data(as_text=True))
