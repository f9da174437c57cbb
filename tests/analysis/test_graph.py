"""The estate graph: typed nodes and edges, segments, deterministic export."""

from __future__ import annotations

import io
import json

import networkx as nx
from analysis_estates import clean_document

from planner.core.analysis import build_graph, network_segments, to_graphml, to_node_link_json
from planner.core.inventory import load_estate


def test_nodes_and_edges_are_typed():
    g = build_graph(load_estate(clean_document()))
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert kinds == {"zone", "cluster", "network", "host", "management", "datastore", "vm", "appliance"}
    assert g.nodes["host:esx-dmz"] == {**g.nodes["host:esx-dmz"], "kind": "host", "id": "esx-dmz"}
    edge_kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert edge_kinds == {
        "member-of-zone",
        "member-of-cluster",
        "dedicated-to-zone",
        "management-interface",
        "management-network",
        "mount",
        "placement",
        "nic",
        "disk",
        "appliance-link",
    }
    assert g.has_edge("vm:vm-web", "host:esx-dmz") and g.has_edge("management:esx-dmz", "network:net-mgmt")


def test_two_nics_on_one_network_are_two_edges():
    doc = clean_document()
    doc["vms"][0]["nics"].append({"network": "pg-dmz"})
    g = build_graph(load_estate(doc))
    assert g.number_of_edges("vm:vm-web", "network:pg-dmz") == 2


def test_filtering_appliances_bound_segments_and_routers_join():
    doc = clean_document()
    assert network_segments(load_estate(doc)) == []
    doc["appliances"].append({"id": "rt", "kind": "router", "networks": ["pg-int", "pg-dmz"]})
    doc["appliances"].append({"id": "lb", "kind": "load_balancer", "networks": ["pg-dmz", "net-internet"]})
    assert network_segments(load_estate(doc)) == [["net-internet", "pg-dmz", "pg-int"]]


def test_exports_parse_back_and_are_byte_identical():
    estate = load_estate(clean_document())
    graphml, node_link = to_graphml(build_graph(estate)), to_node_link_json(build_graph(estate))
    assert graphml == to_graphml(build_graph(load_estate(clean_document())))
    back = nx.read_graphml(io.StringIO(graphml))
    assert back.number_of_nodes() == build_graph(estate).number_of_nodes()
    data = json.loads(node_link)
    assert {"nodes", "edges"} <= set(data)
