"""Test data for the report tests: a small estate full of design faults and of
hostile text (markup and URLs in names, tags, answers and triage), and a local
HTTP server that records any request (there must be none)."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

GENERATED = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
FILE_IMG = '<img src="file:///etc/passwd">'


class TrapServer:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                trap.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { background: red }")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hostile_strings(trap: TrapServer) -> dict[str, str]:
    return {
        "host_name": FILE_IMG,
        "host2_name": f'<img src="{trap.url("host.png")}">',
        "network_name": f'<link rel="stylesheet" href="{trap.url("net.css")}">',
        "zone_name": "DMZ <b>bold</b> & co",
        "vm_name": f'<script>alert(1)</script><img src="{trap.url("vm.png")}">',
        "vm_id": f'=HYPERLINK("{trap.url("xls")}")',
        "tag": f'<img src="{trap.url("tag.png")}">',
        "comment": f'<iframe src="{trap.url("comment")}"></iframe> url({trap.url("css")})',
        "system_name": "Payroll <i>platform</i>",
        "description": f"Payroll services {FILE_IMG}",
        "justification": "=1+2 accepted by the board",
        "triaged_by": "@evil",
    }


def hostile_document(trap: TrapServer) -> dict:
    s = hostile_strings(trap)
    cat_high = {"confidentiality": "high", "integrity": "high", "availability": "moderate"}
    cat_mod = {"confidentiality": "moderate", "integrity": "moderate", "availability": "low"}
    hv = {"product": "esxi", "type": 1, "version": "8.0.3", "patched_on": "2026-10-01"}
    settings = {"time_sync": True, "remote_logging": True, "lockdown": True, "introspection": False}
    return {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "zones": [
            {"id": "internet", "trust_level": 0, "purpose": "external"},
            {"id": "dmz", "name": s["zone_name"], "trust_level": 1},
            {"id": "internal", "trust_level": 2},
            {"id": "restricted", "trust_level": 3},
            {"id": "mgmt", "trust_level": 3, "purpose": "management"},
        ],
        "hosts": [
            {
                "id": "esx-01",
                "name": s["host_name"],
                "cpu_cores": 32,
                "memory_gib": 512,
                "hypervisor": hv,
                "management": {"network": "net-mgmt", "encrypted": True},
                "settings": settings,
            },
            {
                "id": "esx-02",
                "name": s["host2_name"],
                "cpu_cores": 32,
                "memory_gib": 512,
                "hypervisor": hv,
                "management": {"network": "net-mgmt", "encrypted": False},
                "settings": settings,
            },
            {
                "id": "esx-03",
                "cpu_cores": 8,
                "memory_gib": 64,
                "hypervisor": {**hv, "patched_on": "2025-01-01"},
                "management": {"network": "net-mgmt", "encrypted": True},
                "settings": {**settings, "time_sync": False},
            },
        ],
        "networks": [
            {"id": "net-inet", "kind": "internet", "zone": "internet", "purpose": "internet"},
            {"id": "net-dmz", "name": s["network_name"], "kind": "portgroup", "vlan": 110, "zone": "dmz"},
            {"id": "net-int", "kind": "portgroup", "vlan": 120, "zone": "internal"},
            {"id": "net-res", "kind": "portgroup", "vlan": 130, "zone": "restricted"},
            {"id": "net-mgmt", "kind": "vlan", "vlan": 10, "zone": "mgmt", "purpose": "management"},
        ],
        "appliances": [
            {"id": "fw-1", "kind": "firewall", "networks": ["net-inet", "net-dmz", "net-int"]},
            {"id": "rt-1", "kind": "router", "networks": ["net-int", "net-res"]},
        ],
        "datastores": [
            {"id": "ds-1", "kind": "vmfs", "encrypted": False, "hosts": ["esx-01", "esx-02"]},
            {"id": "ds-2", "kind": "vmfs", "encrypted": True, "hosts": ["esx-03"]},
        ],
        "vms": [
            {
                "id": "vm-web",
                "host": "esx-01",
                "zone": "dmz",
                "vcpus": 4,
                "memory_gib": 16,
                "categorization": cat_mod,
                "internet_facing": True,
                "nics": [{"network": "net-dmz"}],
                "disks": [{"datastore": "ds-1", "size_gib": 40}],
                "tags": {"owner": s["tag"]},
            },
            {
                "id": "vm-db",
                "host": "esx-01",
                "zone": "restricted",
                "vcpus": 8,
                "memory_gib": 64,
                "categorization": cat_high,
                "nics": [{"network": "net-res"}],
                "disks": [{"datastore": "ds-1", "size_gib": 200}],
            },
            {
                "id": s["vm_id"],
                "name": s["vm_name"],
                "host": "esx-02",
                "zone": "internal",
                "vcpus": 2,
                "memory_gib": 8,
                "categorization": cat_mod,
                "nics": [{"network": "net-int"}],
                "settings": {"clipboard_sharing": True, "file_sharing": False},
                "tags": {"note": s["tag"]},
            },
            {
                "id": "vm-app",
                "host": "esx-03",
                "zone": "internal",
                "vcpus": 2,
                "memory_gib": 8,
                "categorization": cat_mod,
                "nics": [{"network": "net-int"}],
                "disks": [{"datastore": "ds-2", "size_gib": 40}],
            },
            {"id": "vm-orphan", "host": "esx-03", "vcpus": 1, "memory_gib": 2},
        ],
    }


def hostile_answers(trap: TrapServer) -> dict:
    s = hostile_strings(trap)
    ident = "initiation.identification."
    return {
        ident + "system_name": {"value": s["system_name"]},
        ident + "system_owner": {"value": "Jane Owner"},
        ident + "authorizing_official": {"value": "Alex Official"},
        ident + "operational_status": {"value": "under-development"},
        ident + "system_type": {"value": "general-support-system"},
        ident + "description": {"value": s["description"], "comment": s["comment"]},
        ident + "environment": {"value": "Two data centres, vSphere 8"},
        ident + "interconnections": {"value": "Payment gateway (TLS)"},
        ident + "classification_marking": {"value": "CONFIDENTIAL // TEST"},
        ident + "prepared_by": {"value": "Sam Consultant, Example Consulting"},
    }
