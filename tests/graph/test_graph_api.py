"""The estate graph through the REST API, equal to what the CLI writes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from planner.core.analysis import build_graph, to_graphml, to_node_link_json
from planner.core.inventory import load_estate


def test_graph_in_both_formats_equals_the_core_export(client, tenant, plan_id, demo_doc):
    client.put(f"/api/v1/plans/{plan_id}/inventory", json=demo_doc, headers=tenant.headers())
    graph = build_graph(load_estate(demo_doc))
    resp = client.get(f"/api/v1/plans/{plan_id}/graph", headers=tenant.headers("read"))
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_data(as_text=True) == to_node_link_json(graph)
    nodes = {n["id"] for n in json.loads(resp.data)["nodes"]}
    assert {"host:esx-prod-01", "vm:vm-web-01", "zone:dmz", "network:pg-app", "appliance:fw-edge"} <= nodes
    xml = client.get(f"/api/v1/plans/{plan_id}/graph?format=graphml", headers=tenant.headers("read"))
    assert xml.status_code == 200 and xml.mimetype == "application/graphml+xml"
    assert xml.get_data(as_text=True) == to_graphml(graph)
    ET.fromstring(xml.data)  # noqa: S314 -- our own output; well-formed


def test_graph_errors_and_scoping(client, tenant, plan_id, make_tenant):
    bad = client.get(f"/api/v1/plans/{plan_id}/graph?format=dot", headers=tenant.headers())
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "format"
    other = make_tenant("other")
    assert client.get(f"/api/v1/plans/{plan_id}/graph", headers=other.headers()).status_code == 404
    assert client.get(f"/api/v1/plans/{plan_id}/graph").status_code == 401
    empty = client.get(f"/api/v1/plans/{plan_id}/graph", headers=tenant.headers())
    assert empty.status_code == 200 and json.loads(empty.data)["nodes"] == []
