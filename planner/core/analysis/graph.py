"""The estate as a graph: typed nodes, typed edges, reachability, export.

Why a ``networkx.MultiDiGraph``: the relations are directed by meaning (a VM is
*placed on* a host, a host *mounts* a datastore, a network *belongs to* a
zone), and the same pair of objects may be related more than once (a VM with
two NICs on one network, two disks on one datastore). A multigraph keeps each
NIC and disk as its own edge, so exported graphs count them truly; a
direction-blind view is one ``to_undirected()`` away for path questions.

Node keys are ``"<kind>:<id>"`` (``zone:dmz``, ``host:esx-01``,
``management:esx-01`` for a host's management interface — the management
plane); every node carries ``kind`` and ``id`` attributes. Every edge carries
``kind``: placement, nic, appliance-link, appliance-vm, disk, mount,
management-interface, management-network, member-of-zone, dedicated-to-zone,
member-of-cluster.

Reachability between networks treats filtering appliances as boundaries and
non-filtering appliances as joins: two networks are in one *segment* when a
path of non-filtering appliances connects them. The rules need only this
small graph (networks and non-filtering appliances), so the analysis builds
that on its hot path, as a plain adjacency map (a few dozen nodes: networkx's
import alone would cost more than analysing a thousand VMs), and the full
networkx graph only for export.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from planner.core.inventory.estate import Estate

if TYPE_CHECKING:
    import networkx as nx

#: The joins graph: node key -> the keys of its neighbours (sorted when read).
Joins = dict[str, set[str]]


def node_key(kind: str, oid: str) -> str:
    return f"{kind}:{oid}"


def _kind_and_id(key: str) -> tuple[str, str]:
    kind, _, oid = key.partition(":")
    return kind, oid


def joins_graph(estate: Estate) -> Joins:
    """Networks joined through non-filtering appliances (filtering ones are left out)."""
    g: Joins = {}
    for a in estate.appliances.values():
        if a.filtering or not a.networks:
            continue
        ak = node_key("appliance", a.id)
        links = g.setdefault(ak, set())
        for nid in a.networks:
            nk = node_key("network", nid)
            links.add(nk)
            g.setdefault(nk, set()).add(ak)
    return g


def network_segments(estate: Estate, g: Joins | None = None) -> list[list[str]]:
    """Groups of two or more networks joined without crossing a filtering appliance.

    Each group lists network ids in document order; groups are ordered by
    their first network's position in the document. ``g`` is the estate's
    :func:`joins_graph` when the caller has it already.
    """
    g = joins_graph(estate) if g is None else g
    order = {nid: i for i, nid in enumerate(estate.networks)}
    groups: list[list[str]] = []
    seen: set[str] = set()
    for start in g:
        if start in seen:
            continue
        seen.add(start)
        component, stack = [start], [start]
        while stack:
            for nb in g[stack.pop()]:
                if nb not in seen:
                    seen.add(nb)
                    component.append(nb)
                    stack.append(nb)
        nets = sorted((oid for kind, oid in map(_kind_and_id, component) if kind == "network"), key=order.__getitem__)
        if len(nets) >= 2:
            groups.append(nets)
    groups.sort(key=lambda nets: order[nets[0]])
    return groups


def join_path(g: Joins, a: str, b: str) -> list[dict[str, str]]:
    """The shortest join path between networks ``a`` and ``b`` as object refs (deterministic)."""
    path = _shortest_path(g, node_key("network", a), node_key("network", b))
    return [dict(zip(("kind", "id"), _kind_and_id(k), strict=True)) for k in path]


def _shortest_path(g: Joins, source: str, target: str) -> list[str]:
    """Breadth-first shortest path visiting neighbours in sorted order, so ties resolve the same way."""
    parent: dict[str, str | None] = {source: None}
    frontier = [source]
    while frontier and target not in parent:
        nxt = []
        for node in frontier:
            for nb in sorted(g[node]):
                if nb not in parent:
                    parent[nb] = node
                    nxt.append(nb)
        frontier = nxt
    path: list[str] = []
    step: str | None = target
    while step is not None:
        path.append(step)
        step = parent[step]
    return path[::-1]


def _attrs(**values: object) -> dict[str, object]:
    """Node/edge attributes without absent values (GraphML has no null)."""
    return {k: v for k, v in values.items() if v is not None}


def build_graph(estate: Estate) -> nx.MultiDiGraph[str]:
    """The whole estate as a typed multigraph (see module docstring). Deterministic order."""
    import networkx as nx

    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    segment_of = {nid: i for i, nets in enumerate(network_segments(estate)) for nid in nets}
    for z in estate.zones.values():
        g.add_node(
            node_key("zone", z.id),
            **_attrs(kind="zone", id=z.id, label=z.name or z.id, trust_level=z.trust_level, purpose=z.purpose),
        )
    for c in estate.clusters.values():
        g.add_node(node_key("cluster", c.id), **_attrs(kind="cluster", id=c.id, label=c.name or c.id))
    for n in estate.networks.values():
        g.add_node(
            node_key("network", n.id),
            **_attrs(
                kind="network",
                id=n.id,
                label=n.name or n.id,
                network_kind=n.kind,
                purpose=n.purpose,
                vlan=n.vlan,
                segment=f"segment-{segment_of[n.id]}" if n.id in segment_of else None,
            ),
        )
        if n.zone is not None:
            g.add_edge(node_key("network", n.id), node_key("zone", n.zone), kind="member-of-zone")
    for h in estate.hosts.values():
        hk = node_key("host", h.id)
        hv = h.hypervisor
        g.add_node(
            hk,
            **_attrs(
                kind="host",
                id=h.id,
                label=h.name or h.id,
                cpu_cores=h.cpu_cores,
                memory_gib=h.memory_gib,
                hypervisor=hv.product if hv else None,
                hypervisor_type=hv.type if hv else None,
            ),
        )
        if h.cluster is not None:
            g.add_edge(hk, node_key("cluster", h.cluster), kind="member-of-cluster")
        if h.dedicated_zone is not None:
            g.add_edge(hk, node_key("zone", h.dedicated_zone), kind="dedicated-to-zone")
        if h.management is not None:
            mk = node_key("management", h.id)
            g.add_node(
                mk,
                **_attrs(kind="management", id=h.id, label=f"management of {h.id}", encrypted=h.management.encrypted),
            )
            g.add_edge(hk, mk, kind="management-interface")
            if h.management.network is not None:
                g.add_edge(mk, node_key("network", h.management.network), kind="management-network")
    for d in estate.datastores.values():
        dk = node_key("datastore", d.id)
        g.add_node(
            dk, **_attrs(kind="datastore", id=d.id, label=d.name or d.id, datastore_kind=d.kind, encrypted=d.encrypted)
        )
        for hid in d.hosts:
            g.add_edge(node_key("host", hid), dk, kind="mount")
    for v in estate.vms.values():
        vk = node_key("vm", v.id)
        g.add_node(vk, **_attrs(kind="vm", id=v.id, label=v.name or v.id, internet_facing=v.internet_facing))
        if v.host is not None:
            g.add_edge(vk, node_key("host", v.host), kind="placement")
        if v.zone is not None:
            g.add_edge(vk, node_key("zone", v.zone), kind="member-of-zone")
        for nic in v.nics:
            g.add_edge(vk, node_key("network", nic.network), kind="nic")
        for disk in v.disks:
            g.add_edge(vk, node_key("datastore", disk.datastore), **_attrs(kind="disk", size_gib=disk.size_gib))
    for a in estate.appliances.values():
        ak = node_key("appliance", a.id)
        g.add_node(
            ak, **_attrs(kind="appliance", id=a.id, label=a.name or a.id, appliance_kind=a.kind, filtering=a.filtering)
        )
        for nid in a.networks:
            g.add_edge(ak, node_key("network", nid), kind="appliance-link")
        if a.vm is not None:
            g.add_edge(ak, node_key("vm", a.vm), kind="appliance-vm")
    return g


def to_graphml(g: nx.MultiDiGraph[str]) -> str:
    """GraphML text; same graph, same bytes."""
    import networkx as nx

    out = io.StringIO()
    for line in nx.generate_graphml(g, prettyprint=True):
        out.write(line)
        out.write("\n")
    return out.getvalue()


def to_node_link_json(g: nx.MultiDiGraph[str]) -> str:
    """Node-link JSON (``nodes``, ``edges``), keys sorted; same graph, same bytes."""
    import networkx as nx

    data = nx.node_link_data(g, edges="edges")
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
