"""NetBox: saved API pages (envelopes or bare lists, endpoint told by url or by
file name), VLANs through interfaces or through the primary IP's prefix, and
the live fetch against a real local HTTP server serving saved pages."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from cmdb_exports import Estate, netbox_pages
from importer_data import json_file, mapping

from planner.importers import SourceError, import_source
from planner.importers.netbox_api import LISTS, NetboxError, fetch_netbox


@pytest.fixture(scope="module")
def estate() -> Estate:
    return Estate(120)


def test_saved_pages(estate):
    result = import_source("netbox", netbox_pages(estate, page_size=25), mapping())
    doc = result.document
    assert len(doc["vms"]) == sum(1 for i in range(estate.n_vms) if not estate.vm(i)["template"])
    vm = next(v for v in doc["vms"] if v["name"] == "vm-000000")
    assert vm["id"] == "vm-1" and vm["host"] == "host-1" and vm["vcpus"] == 1 and vm["memory_gib"] == 1.0
    assert vm["zone"] == "dmz" and vm["internet_facing"] is True  # cluster DMZ
    nets = {n["id"]: n for n in doc["networks"]}
    assert [nets[n["network"]]["name"] for n in vm["nics"]] == estate.vm(0)["networks"]
    host = doc["hosts"][0]
    assert host["cpu_cores"] == 64 and host["hypervisor"]["version"] == "8.0.3" and host["dedicated_zone"] == "dmz"
    assert doc["source"]["system"] == "netbox" and doc["source"]["exported_at"] == "2026-11-20T08:30:00Z"


def vm_obj(oid: int, **extra):
    return {"id": oid, "name": f"nb-vm-{oid}", "vcpus": 2.0, "memory": 4096, "status": {"value": "active"}, **extra}


def test_prefix_fallback_tenant_tags_custom_fields_and_file_names():
    vms = [
        vm_obj(1, primary_ip4={"address": "10.1.2.3/24"}, tenant={"name": "Payments", "slug": "payments"}),
        vm_obj(2, tags=[{"name": "PCI", "slug": "pci"}], vcpus=1.5),
        vm_obj(3, custom_fields={"zone_hint": "dmz"}, primary_ip4={"address": "192.0.2.9/24"}),
    ]
    files = [
        json_file("virtual-machines.json", vms),  # a bare list: the endpoint from the file name
        json_file("prefixes.json", {"count": 2, "next": None, "previous": None, "results": [
            {"id": 7, "prefix": "10.1.2.0/24", "vlan": {"id": 30, "vid": 30, "name": "pay-net"}},
            {"id": 8, "prefix": "192.0.2.0/24", "vlan": None},
        ]}),
    ]  # fmt: skip
    rules = """
mapping: virtplan.mapping/v1
zones: [{id: pci, trust_level: 3}, {id: dmz, trust_level: 1}]
vms:
  rules:
    - {match: {tenant: payments}, zone: pci}
    - {match: {tag: PCI}, zone: pci}
    - {match: {custom_field: {zone_hint: dmz}}, zone: dmz}
"""
    result = import_source("netbox", files, mapping(rules))
    vms_by = {v["id"]: v for v in result.document["vms"]}
    assert vms_by["vm-1"]["nics"] == [{"network": "vlan-30"}] and vms_by["vm-1"]["zone"] == "pci"
    assert vms_by["vm-2"]["zone"] == "pci" and vms_by["vm-2"]["vcpus"] == 2
    assert vms_by["vm-3"]["zone"] == "dmz" and vms_by["vm-3"]["nics"] == []
    kinds = {w.kind for w in result.warnings.items}
    assert {"rounded", "no-network", "unplaced"} <= kinds


def test_bad_files_are_named():
    with pytest.raises(SourceError, match=r"notes\.json: cannot tell which NetBox endpoint"):
        import_source("netbox", [json_file("notes.json", {"results": [{"id": 1}]})], mapping())
    with pytest.raises(SourceError, match=r"x.json: not valid JSON: .* line 1"):
        import_source("netbox", [("x.json", b"{oops")], mapping())
    with pytest.raises(SourceError, match=r"vms.json results\[0\]: expected a NetBox object"):
        import_source(
            "netbox",
            [json_file("vms.json", {"results": [{"url": "/api/virtualization/virtual-machines/1/"}]})],
            mapping(),
        )
    with pytest.raises(SourceError, match="no virtual machines"):
        import_source("netbox", [json_file("clusters.json", [{"id": 1, "name": "c"}])], mapping())


class Saved:
    """A NetBox stand-in: serves saved pages for /api/<endpoint>/, checks the token."""

    def __init__(self, estate: Estate):
        self.pages: dict[str, list] = {key: [] for key in (*LISTS, "dcim/devices")}  # NetBox has every endpoint
        for name, data in netbox_pages(estate, page_size=10**6):
            body = json.loads(data)
            endpoint = next(iter(body["results"]), {}).get("url", "")
            key = "/".join(urlsplit(endpoint).path.split("/")[2:4]) if endpoint else name
            self.pages[key] = body["results"]
        self.requests: list[str] = []
        self.mode = "ok"


@pytest.fixture()
def netbox(estate):
    saved = Saved(estate)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            saved.requests.append(self.path)
            if self.headers.get("Authorization") != "Token secret":
                return self._send(403, {"detail": "Invalid token"})
            if saved.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://elsewhere.invalid/api/")
                self.end_headers()
                return None
            if saved.mode == "html":
                return self._send(200, None, b"<html>login</html>")
            url = urlsplit(self.path)
            key = "/".join(url.path.split("/")[2:4])
            query = parse_qs(url.query)
            if key not in saved.pages:
                return self._send(404, {"detail": "Not found."})
            items = saved.pages[key]
            if key == "dcim/devices":
                wanted = {int(i) for i in query.get("cluster_id", [])}
                ids = {int(i) for i in query.get("id", [])}
                items = [d for d in items if d["cluster"]["id"] in wanted or d["id"] in ids]
            limit, offset = min(int(query["limit"][0]), 7), int(query.get("offset", ["0"])[0])
            rest = "&".join(f"{k}={v}" for k, vs in query.items() if k not in ("limit", "offset") for v in vs)
            host = f"http://127.0.0.1:{server.server_port}"
            nxt = (
                f"{host}/api/{key}/?limit={limit}&offset={offset + limit}&{rest}"
                if offset + limit < len(items)
                else None
            )
            if saved.mode == "escape" and nxt:
                nxt = nxt.replace("127.0.0.1", "localhost")
            return self._send(
                200, {"count": len(items), "next": nxt, "previous": None, "results": items[offset : offset + limit]}
            )

        def _send(self, code, body, raw=None):
            data = raw if raw is not None else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield saved, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_live_fetch_pages_through_every_endpoint(netbox, estate):
    saved, url = netbox
    files = fetch_netbox(url + "/", "secret", timeout=10)
    assert sum(1 for p in saved.requests if "offset=" in p) > 5  # paginated with next links
    live = import_source("netbox", files, mapping()).document
    offline = import_source("netbox", netbox_pages(estate), mapping()).document
    for collection in ("vms", "hosts", "networks", "clusters"):
        assert sorted(o["id"] for o in live[collection]) == sorted(o["id"] for o in offline[collection])


@pytest.mark.parametrize(
    ("mode", "token", "message"),
    [
        ("ok", "wrong", "NetBox refused the token (HTTP 403)"),
        ("redirect", "secret", "answered a redirect (302)"),
        ("html", "secret", "the answer is not JSON"),
        ("escape", "secret", "leads away from"),
    ],
)
def test_live_fetch_fails_clearly(netbox, mode, token, message):
    saved, url = netbox
    saved.mode = mode
    with pytest.raises(NetboxError, match=re.escape(message)):
        fetch_netbox(url, token, timeout=10)


def test_live_fetch_bad_url_unreachable_and_timeout():
    with pytest.raises(NetboxError, match="expected an http"):
        fetch_netbox("ftp://netbox", "t")
    with pytest.raises(NetboxError, match="token is needed"):
        fetch_netbox("http://127.0.0.1:9", "")
    with pytest.raises(NetboxError, match="cannot reach NetBox"):
        fetch_netbox("http://127.0.0.1:9", "t", timeout=5)
    silent = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # accepts, never answers
    try:
        with pytest.raises(NetboxError, match="cannot reach NetBox: timed out"):
            fetch_netbox(f"http://127.0.0.1:{silent.server_port}", "t", timeout=0.2)
    finally:
        silent.server_close()
