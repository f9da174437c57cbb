"""Evidence through the API: attach, list, read, detach; refused exactly; scoped to the organization."""

from __future__ import annotations

import io
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "hardening"
PROBLEM = "application/problem+json"


def url(plan_id, *rest):
    return "/".join([f"/api/v1/plans/{plan_id}/evidence", *map(str, rest)])


def upload(client, tenant, plan_id, name, data=None, fmt=None):
    data = (DATA / name).read_bytes() if data is None else data
    form = {"file": (io.BytesIO(data), name)}
    if fmt:
        form["format"] = fmt
    return client.post(url(plan_id), data=form, headers=tenant.headers(), content_type="multipart/form-data")


def _inventory(client, tenant, plan_id):
    doc = {
        "schema": "virtplan.inventory/v1",
        "hosts": [
            {"id": h, "cpu_cores": 8, "memory_gib": 64, "hypervisor": {"product": "esxi", "type": 1}}
            for h in ("esx-dmz", "esx-int", "esx-res")
        ],
    }
    assert client.put(f"/api/v1/plans/{plan_id}/inventory", json=doc, headers=tenant.headers()).status_code == 200


def test_attach_list_read_and_detach(client, tenant, plan_id):
    resp = upload(client, tenant, plan_id, "synthetic-scg.csv")
    assert resp.status_code == 201, resp.get_json()
    baseline = resp.get_json()
    assert (baseline["kind"], baseline["format"], baseline["filename"]) == (
        "baseline",
        "vmware-scg-csv",
        "synthetic-scg.csv",
    )
    assert baseline["summary"] == {"name": "synthetic-scg.csv (VMware SCG format)", "controls": 5}
    assert resp.headers["Location"] == url(plan_id, baseline["id"])
    # the raw body works too, with the name in the query
    raw = client.post(
        url(plan_id) + "?filename=host-esx-int.ckl",
        data=(DATA / "host-esx-int.ckl").read_bytes(),
        headers=tenant.headers(),
        content_type="application/octet-stream",
    )
    assert raw.status_code == 201 and raw.get_json()["summary"]["targets"] == ["esx-int"]
    again = upload(client, tenant, plan_id, "synthetic-scg.csv")  # the same file: the same evidence
    assert again.status_code == 200 and again.get_json()["id"] == baseline["id"]
    listed = client.get(url(plan_id), headers=tenant.headers("read")).get_json()
    assert [e["filename"] for e in listed] == ["synthetic-scg.csv", "host-esx-int.ckl"]
    detail = client.get(url(plan_id, baseline["id"]), headers=tenant.headers("read")).get_json()
    assert [c["id"] for c in detail["content"]["baseline"]["controls"]][:2] == [
        "host-1.shell-off",
        "host-1.direct-login",
    ]
    assert client.delete(url(plan_id, baseline["id"]), headers=tenant.headers()).status_code == 204
    assert [e["filename"] for e in client.get(url(plan_id), headers=tenant.headers("read")).get_json()] == [
        "host-esx-int.ckl"
    ]


def test_the_hardening_per_host(client, tenant, plan_id):
    _inventory(client, tenant, plan_id)
    empty = client.get(f"/api/v1/plans/{plan_id}/hardening", headers=tenant.headers("read")).get_json()
    assert empty["hosts"] == []
    for name in ("synthetic-scg.csv", "host-esx-int.ckl", "host-esx-res.cklb", "host-esx-dmz-xccdf.xml"):
        assert upload(client, tenant, plan_id, name).status_code == 201
    body = client.get(f"/api/v1/plans/{plan_id}/hardening", headers=tenant.headers("read")).get_json()
    hosts = {h["host"]: h for h in body["hosts"]}
    assert hosts["esx-int"]["counts"] == {"failed": 1, "unchecked": 2, "passed": 1, "not-applicable": 1}
    shell = next(c for c in hosts["esx-int"]["controls"] if c["id"] == "host-1.shell-off")
    assert shell["status"] == "failed" and shell["sp800_53"] == ["CM-7"]
    assert body["checklists"] == ["host-esx-int.ckl", "host-esx-res.cklb", "host-esx-dmz-xccdf.xml"]


def test_unreadable_evidence_is_refused_and_nothing_is_stored(client, tenant, plan_id):
    bad = (DATA / "host-esx-int.ckl").read_bytes().replace(b"<STATUS>Open</STATUS>", b"<STATUS>Done</STATUS>")
    resp = upload(client, tenant, plan_id, "host-esx-int.ckl", bad)
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    assert resp.get_json()["errors"] == [
        {
            "path": "CHECKLIST/STIGS/iSTIG[1]/VULN[1]/STATUS",
            "message": "expected one of NotAFinding, Open, Not_Applicable, Not_Reviewed; got 'Done'",
        }
    ]
    unnamed = client.post(url(plan_id), data=b"x", headers=tenant.headers(), content_type="application/octet-stream")
    assert unnamed.status_code == 422 and unnamed.get_json()["errors"][0]["path"] == "filename"
    newline = client.post(
        url(plan_id) + "?filename=host%0A.ckl",
        data=(DATA / "host-esx-int.ckl").read_bytes(),
        headers=tenant.headers(),
        content_type="application/octet-stream",
    )
    assert newline.status_code == 422 and newline.get_json()["errors"] == [
        {
            "path": "filename",
            "message": "expected a single line of text without control characters; found U+000A (LF) at character 5",
        }
    ]
    odd = upload(client, tenant, plan_id, "notes.txt", b"hello")
    assert odd.status_code == 422 and "cannot tell the format" in odd.get_json()["errors"][0]["message"]
    assert client.get(url(plan_id), headers=tenant.headers("read")).get_json() == []


def test_scoped_to_the_organization_and_to_write_tokens(client, tenant, plan_id, make_tenant):
    row = upload(client, tenant, plan_id, "synthetic-scg.csv").get_json()
    other = make_tenant()
    assert client.get(url(plan_id), headers=other.headers("read")).status_code == 404
    assert client.get(url(plan_id, row["id"]), headers=other.headers("read")).status_code == 404
    assert client.delete(url(plan_id, row["id"]), headers=other.headers()).status_code == 404
    assert upload(client, other, plan_id, "host-esx-int.ckl").status_code == 404
    read_only = client.post(
        url(plan_id),
        data={"file": (io.BytesIO(b"x"), "a.csv")},
        headers=tenant.headers("read"),
        content_type="multipart/form-data",
    )
    assert read_only.status_code == 403
    assert client.get(url(plan_id, row["id"] + 1000), headers=tenant.headers("read")).status_code == 404
