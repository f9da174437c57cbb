"""The architecture diagram: trust zones as boundaries, laid out by Graphviz ``dot``.

Each trust zone is a cluster (the way Threagile draws its trust boundaries)
holding its networks and the hosts dedicated to it; security appliances and
routers sit between the zones, joined to the networks they connect (solid
green: filtering, dashed orange: joins without filtering); hosts that run VMs
of several zones sit outside every zone, joined by red lines to each zone they
serve. Every object that has findings is outlined in the colour of its worst
risk and lists its register numbers; findings of VMs are marked on their host.
:data:`LEGEND` is printed beside it. Labels are full names: ``dot`` measures the
text with the real font, so nothing is cut and no line is routed over a label.

Above the ``*_LIMIT`` sizes, a zone's networks or hosts, the appliances and the
shared hosts become one node with their count (and their findings counted), so
a 100,000-VM estate draws about as many shapes as a small one.

Why Graphviz, and Debian's build of it: see ``docs/diagram.md``. The one SVG
serves the PDF and HTML reports and the web plan page.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.core.analysis.findings import LEVELS, level_index

NETWORK_LIMIT = 10
HOST_LIMIT = 12
APPLIANCE_LIMIT = 16
SHARED_HOST_LIMIT = 12
#: Objects stacked in one column of a zone before the next column starts.
ROWS = 4
#: References listed on one object before "+N".
REFS_SHOWN = 4
#: The largest drawing the page takes, in points: a fold-out page of its own
#: (A3 landscape), less the heading, legend and caption. Text stays at 6 pt or
#: more up to a few hundred VMs; larger estates are summarised first.
MAX_WIDTH_PT = 1080.0
MAX_HEIGHT_PT = 560.0
#: What dot says when it cannot get memory or a thread.
_OUT_OF_RESOURCES = ("resource temporarily unavailable", "cannot allocate memory", "out of memory")
#: Seconds ``dot`` may take before the report fails with a clear message.
DOT_TIMEOUT = 60

FONT = "DejaVu Sans"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: Zone fill by trust level: warm for untrusted, cool for sensitive.
ZONE_FILLS = {0: "#fdecec", 1: "#fff4e0", 2: "#eef5ff", 3: "#e6f2ea", 4: "#ece6f7"}
#: Outline by the worst risk of an object's findings (SP 800-30 levels).
RISK_COLOURS = {
    "very-high": "#7b1d1d",
    "high": "#d9480f",
    "moderate": "#b7791f",
    "low": "#4d7c2a",
    "very-low": "#6b8f5a",
}
INK = "#1d232b"
BLUE = "#4a6a91"
GREEN = "#2d6a3e"
ORANGE = "#d9480f"
RED = "#b42318"


#: Where a drawn object links to on a web page: (kind, id) -> URL, or None for no link. Kinds
#: are those of the objects (zone, network, host, appliance) and of the boxes that stand for
#: many (networks, hosts: the zone's id; appliances: "kind-filtering"; shared: "all").
Links = Callable[[str, str], str | None]


class DiagramError(RuntimeError):
    """The diagram cannot be drawn (Graphviz missing, or it failed); the message says what to do."""


@dataclass(slots=True)
class Diagram:
    """The drawing as SVG markup (parsed and re-serialised: well-formed, no scripts, no links)."""

    svg: str
    alt: str
    summarised: bool = False
    labels: list[str] = field(default_factory=list)


#: Characters XML 1.0 cannot carry (Graphviz would write them into the SVG as they are).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _quote(text: str, left: bool = False) -> str:
    """A DOT string literal; lines centred, or (``left``) each one left-justified.
    Characters XML cannot carry become U+FFFD."""
    text = _NOT_XML.sub("\ufffd", str(text))
    lines = [line.replace("\\", "\\\\").replace('"', '\\"') for line in text.splitlines() or [""]]
    if left:
        return '"' + "".join(line + "\\l" for line in lines) + '"'
    return '"' + "\\n".join(lines) + '"'


def _attrs(**attrs: Any) -> str:
    return "[" + ", ".join(f"{k}={_quote(v) if isinstance(v, str) else v}" for k, v in attrs.items()) + "]"


def _worst(refs: Sequence[tuple[str, str]]) -> str | None:
    return max((risk for _ref, risk in refs), key=level_index, default=None)


def _marks(refs: Sequence[tuple[str, str]], prefix: str = "") -> list[str]:
    """The register numbers of an object's findings, as a label line."""
    if not refs:
        return []
    shown = ", ".join(ref for ref, _risk in refs[:REFS_SHOWN])
    more = len(refs) - REFS_SHOWN
    return [f"{prefix}{shown}" + (f" +{more}" if more > 0 else "")]


def _count_mark(refs: Sequence[tuple[str, str]]) -> list[str]:
    if not refs:
        return []
    n, worst = len(refs), _worst(refs)
    return [f"{n:,} finding{'s' if n != 1 else ''}, worst {str(worst).replace('-', ' ')}"]


class _Graph:
    def __init__(self, links: Links | None = None) -> None:
        self.lines: list[str] = []
        self.labels: list[str] = []
        self.ids: dict[tuple[str, str], str] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self.links = links

    def node_id(self, kind: str, key: str) -> str:
        nid = self.ids.setdefault((kind, key), f"n{len(self.ids)}")
        self.keys[nid] = (kind, key)
        return nid

    def marks(self, refs: Sequence[tuple[str, str]], prefix: str = "") -> list[str]:
        """The object's findings as a label line: their register numbers in print; on a
        web page (with links), how many and the worst, since the link leads to them."""
        return _count_mark(refs) if self.links is not None else _marks(refs, prefix)

    def link(self, kind: str, key: str, title: str) -> dict[str, str]:
        """The DOT attributes that make the object a link (none without ``links`` or a URL)."""
        url = self.links(kind, key) if self.links is not None else None
        return {"URL": url, "tooltip": title} if url else {}

    def node(self, nid: str, label_lines: list[str], refs: Sequence[tuple[str, str]], **style: Any) -> None:
        worst = _worst(refs)
        if worst is not None:
            style.update(color=RISK_COLOURS[worst], penwidth=2.2)
        kind, key = self.keys.get(nid, ("", ""))
        style.update(self.link(kind, key, label_lines[0]))
        self.labels.append(label_lines[0])
        self.lines.append(f"  {nid} {_attrs(label=chr(10).join(label_lines), **style)};")

    def edge(self, a: str, b: str, **style: Any) -> None:
        self.lines.append(f"  {a} -> {b} {_attrs(**style)};")


#: The legend printed under the drawing: (swatch kind, colour, text).
LEGEND = (
    ("zone", ZONE_FILLS[2], "trust zone (boundary), shaded by trust level"),
    ("network", "#ffffff", "network (rounded box), with its VLAN or kind"),
    ("host", "#dfe7f1", "host dedicated to one zone (blue-grey box), with its VMs"),
    ("shared", "#fde3d9", "host running VMs of several zones (pink box), outside every zone"),
    ("filtering", "#e3f1e6", "filtering appliance, a firewall (green box)"),
    ("joins", "#fff0e0", "appliance or router that joins networks without filtering (orange box)"),
    ("line-filtering", GREEN, "green line: connection through a filtering appliance"),
    ("line-joins", ORANGE, "dashed orange line: connection without filtering"),
    ("line-shared", RED, "red line: a zone a shared host serves"),
    (
        "risk",
        RISK_COLOURS["high"],
        "outline: the worst risk of the object's findings; R-001: their numbers in the register",
    ),
)


def legend_css() -> str:
    """The legend's swatches, coloured from :data:`LEGEND` (the colours are declared once, here)."""
    rules = []
    for kind, colour, _text in LEGEND:
        if kind.startswith("line-"):
            style = "dashed" if kind == "line-joins" else "solid"
            rules.append(f".swatch-{kind} {{ border-top: 1.6pt {style} {colour}; height: 0; margin-bottom: 0.3em; }}")
        elif kind == "risk":
            rules.append(f".swatch-{kind} {{ border: 1.6pt solid {colour}; }}")
        else:
            rules.append(f".swatch-{kind} {{ background: {colour}; border: 0.6pt solid {BLUE}; }}")
    return "\n".join(rules)


def _index_findings(estate: Any, register: Iterable[Any]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(kind, id) of a drawn object -> [(register number, risk)], VM findings on the VM's host."""
    marks: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for entry in register:
        for o in entry.finding.objects:
            kind, oid = o.kind, o.id
            if kind == "vm":
                vm = estate.vms.get(oid)
                if vm is None or vm.host is None:
                    continue
                kind, oid = "host", vm.host
            if kind in ("zone", "host", "network", "appliance"):
                marks[(kind, oid)].append((entry.ref, entry.finding.risk))
    return marks


def dot_source(estate: Any, register: Iterable[Any] = (), links: Links | None = None) -> tuple[str, bool, list[str]]:
    """The DOT text of the diagram; whether parts are summarised; the label of every node.
    With ``links`` (a web page), each object links where ``links`` says."""
    marks = _index_findings(estate, register)
    g = _Graph(links)
    summarised = False

    zones = sorted(estate.zones.values(), key=lambda z: (z.trust_level, z.id))
    served: dict[str, set[str]] = defaultdict(set)
    vms_on: Counter[str] = Counter()
    for vm in estate.vms.values():
        if vm.host is not None:
            vms_on[vm.host] += 1
            if vm.zone is not None:
                served[vm.host].add(vm.zone)
    zone_hosts: dict[str | None, list[Any]] = defaultdict(list)
    shared: list[tuple[Any, set[str]]] = []
    for h in estate.hosts.values():
        zs = served.get(h.id) or ({h.dedicated_zone} if h.dedicated_zone else set())
        if h.dedicated_zone and zs - {h.dedicated_zone}:
            shared.append((h, zs | {h.dedicated_zone}))
        elif len(zs) > 1:
            shared.append((h, zs))
        else:
            zone_hosts[next(iter(zs)) if zs else None].append(h)
    zone_nets: dict[str | None, list[Any]] = defaultdict(list)
    for n in estate.networks.values():
        zone_nets[n.zone].append(n)

    net_node: dict[str, str] = {}
    zone_anchor: dict[str | None, str] = {}
    zone_columns: list[list[list[str]]] = []
    clusters = [(z.id, z) for z in zones]
    if zone_nets.get(None) or zone_hosts.get(None):
        clusters.append((None, None))
    for index, (zid, zone) in enumerate(clusters):
        title = (zone.name or zone.id) if zone is not None else "No zone"
        sub = f"trust level {zone.trust_level} · {zone.purpose}" if zone is not None else "objects without a zone"
        zone_refs = marks.get(("zone", zid), []) if zid is not None else []
        label = "\n".join([title, sub, *g.marks(zone_refs, "findings: ")])
        fill = ZONE_FILLS.get(zone.trust_level, "#f3f6f9") if zone is not None else "#f3f6f9"
        colour = RISK_COLOURS[w] if (w := _worst(zone_refs)) else "#14365d"
        link = g.link("zone", zid, title) if zid is not None else {}
        g.labels.append(title)
        g.lines.append(f"  subgraph cluster_{index} {{")
        g.lines.append(
            f"    graph [label={_quote(label, left=True)}, "
            f"{_attrs(style='filled,rounded', fillcolor=fill, color=colour, fontsize=10.5, margin=12, **link)[1:]};"
        )
        nodes = []
        nets = zone_nets.get(zid, [])
        if len(nets) > NETWORK_LIMIT:
            summarised = True
            refs = [r for n in nets for r in marks.get(("network", n.id), [])]
            nid = g.node_id("networks", str(zid))
            kinds = Counter(n.kind for n in nets)
            g.node(
                nid,
                [
                    f"{len(nets):,} networks",
                    ", ".join(f"{c:,} {k}" for k, c in sorted(kinds.items())),
                    *_count_mark(refs),
                ],
                refs,
                shape="box",
                style="rounded,dashed",
                color=BLUE,
            )
            for n in nets:
                net_node[n.id] = nid
            nodes.append(nid)
        else:
            for n in nets:
                nid = g.node_id("network", n.id)
                detail = f"VLAN {n.vlan}" if n.vlan is not None else n.kind
                if n.purpose != "guest":
                    detail = f"{n.purpose} · {detail}"
                refs = marks.get(("network", n.id), [])
                g.node(
                    nid,
                    [n.name or n.id, detail, *g.marks(refs)],
                    refs,
                    shape="box",
                    style="rounded,filled",
                    fillcolor="#ffffff",
                    color=BLUE,
                )
                net_node[n.id] = nid
                nodes.append(nid)
        hosts = zone_hosts.get(zid, [])
        host_nodes = []
        if len(hosts) > HOST_LIMIT:
            summarised = True
            refs = [r for h in hosts for r in marks.get(("host", h.id), [])]
            nid = g.node_id("hosts", str(zid))
            g.node(
                nid,
                [f"{len(hosts):,} hosts", f"{sum(vms_on[h.id] for h in hosts):,} VMs", *_count_mark(refs)],
                refs,
                shape="box",
                style="filled,dashed",
                fillcolor="#dfe7f1",
                color=BLUE,
            )
            host_nodes.append(nid)
        else:
            for h in hosts:
                nid = g.node_id("host", h.id)
                n_vms = vms_on[h.id]
                detail = f"{n_vms:,} VM{'s' if n_vms != 1 else ''}" + (" · dedicated" if h.dedicated_zone else "")
                refs = marks.get(("host", h.id), [])
                g.node(
                    nid,
                    [h.name or h.id, detail, *g.marks(refs)],
                    refs,
                    shape="box",
                    style="filled",
                    fillcolor="#dfe7f1",
                )
                host_nodes.append(nid)
        # Networks, then hosts, in columns of ROWS: a zone grows sideways, not only down.
        nodes += host_nodes
        columns = [nodes[i : i + ROWS] for i in range(0, len(nodes), ROWS)]
        for left, right in itertools.pairwise(columns):
            for nid in right:
                g.edge(left[0], nid, style="invis")
        if not nodes:
            nid = g.node_id("empty", str(zid))
            g.node(nid, ["no networks or hosts"], [], shape="plaintext", fontcolor="#5c6670")
            nodes.append(nid)
        # Where lines from hosts serving several zones end: a dot inside the zone.
        port = g.node_id("port", str(zid))
        g.lines.append(f'    {port} [shape=point, width=0.07, color={_quote(RED)}, label=""];')
        g.edge(nodes[0], port, style="invis")
        zone_anchor[zid] = port
        zone_columns.append(columns or [nodes])
        g.lines.append("  }")
    # Zones in two columns when there are more than three: the drawing stays
    # closer to the page's shape. A zone of the second column is placed to the
    # right of the zone beside it in the first.
    if len(zone_columns) > 3:
        per_column = (len(zone_columns) + 1) // 2
        for k in range(per_column, len(zone_columns)):
            west, east = zone_columns[k - per_column], zone_columns[k]
            for nid in east[0]:
                g.edge(west[-1][0], nid, style="invis", minlen=2)

    appliances = list(estate.appliances.values())
    if len(appliances) > APPLIANCE_LIMIT:
        summarised = True
        groups: dict[tuple[str, bool], list[Any]] = defaultdict(list)
        for a in appliances:
            groups[(a.kind, a.filtering)].append(a)
        for (kind, filtering), members in sorted(groups.items()):
            refs = [r for a in members for r in marks.get(("appliance", a.id), [])]
            nid = g.node_id("appliances", f"{kind}-{filtering}")
            _appliance_node(
                g, nid, [f"{len(members):,} {kind}s", _filtering(filtering), *_count_mark(refs)], refs, filtering
            )
            for target in sorted({net_node[n] for a in members for n in a.networks if n in net_node}):
                _link(g, nid, target, filtering)
    else:
        for a in appliances:
            refs = marks.get(("appliance", a.id), [])
            nid = g.node_id("appliance", a.id)
            _appliance_node(
                g, nid, [a.name or a.id, f"{a.kind} · {_filtering(a.filtering)}", *g.marks(refs)], refs, a.filtering
            )
            for target in dict.fromkeys(net_node[n] for n in a.networks if n in net_node):
                _link(g, nid, target, a.filtering)

    if len(shared) > SHARED_HOST_LIMIT:
        summarised = True
        refs = [r for h, _zs in shared for r in marks.get(("host", h.id), [])]
        nid = g.node_id("shared", "all")
        g.node(
            nid,
            [
                f"{len(shared):,} hosts serve several zones",
                f"{sum(vms_on[h.id] for h, _ in shared):,} VMs",
                *_count_mark(refs),
            ],
            refs,
            shape="box",
            style="filled,dashed",
            fillcolor="#fde3d9",
            color=RED,
        )
        for zid in sorted(
            {z for _h, zs in shared for z in zs},
            key=lambda z: (estate.zones[z].trust_level, z) if z in estate.zones else (99, z),
        ):
            _serve(g, zone_anchor, zid, nid)
    else:
        for h, zs in shared:
            nid = g.node_id("host", h.id)
            refs = marks.get(("host", h.id), [])
            n_vms = vms_on[h.id]
            g.node(
                nid,
                [h.name or h.id, f"{n_vms:,} VM{'s' if n_vms != 1 else ''} · {len(zs)} zones", *g.marks(refs)],
                refs,
                shape="box",
                style="filled",
                fillcolor="#fde3d9",
                color=RED,
            )
            for zid in sorted(zs, key=lambda z: (estate.zones[z].trust_level, z) if z in estate.zones else (99, z)):
                _serve(g, zone_anchor, zid, nid)

    head = [
        "digraph architecture {",
        f'  graph [rankdir=LR, nodesep=0.12, ranksep=0.35, fontname="{FONT}", '
        "labeljust=l, labelloc=t, margin=0.05, pad=0.1];",
        f'  node [fontname="{FONT}", fontsize=9, color="{BLUE}", fontcolor="{INK}", margin="0.1,0.04", height=0.3];',
        f'  edge [fontname="{FONT}", arrowhead=none, penwidth=1.1];',
    ]
    return "\n".join([*head, *g.lines, "}"]) + "\n", summarised, g.labels


def _filtering(filtering: bool) -> str:
    return "filtering" if filtering else "joins, no filtering"


def _appliance_node(g: _Graph, nid: str, lines: list[str], refs: Sequence[tuple[str, str]], filtering: bool) -> None:
    g.node(
        nid,
        lines,
        refs,
        shape="box",
        style="filled",
        fillcolor="#e3f1e6" if filtering else "#fff0e0",
        color=GREEN if filtering else ORANGE,
    )


def _link(g: _Graph, appliance: str, network: str, filtering: bool) -> None:
    g.edge(appliance, network, color=GREEN if filtering else ORANGE, style="solid" if filtering else "dashed")


def _serve(g: _Graph, ports: Mapping[str | None, str], zid: str, host: str) -> None:
    if zid in ports:
        g.edge(ports[zid], host, color=RED)


def render_svg(dot: str) -> str:
    """``dot -Tsvg`` of ``dot``; :class:`DiagramError` when Graphviz is missing or fails."""
    exe = shutil.which("dot")
    if exe is None:
        raise DiagramError(
            "the architecture diagram needs Graphviz's dot, which is not installed "
            "(Debian/Ubuntu: apt-get install graphviz; `make run` installs it)"
        )
    try:
        done = subprocess.run(  # noqa: S603 -- a fixed program, the DOT text on stdin
            [exe, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=DOT_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise DiagramError(f"Graphviz took longer than {DOT_TIMEOUT} s to lay out the diagram") from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace")
        if done.returncode < 0 or any(s in why.lower() for s in _OUT_OF_RESOURCES):
            # dot runs under the address-space limit of the process that renders
            # (reports.isolation): running out there is running out of that limit.
            raise MemoryError(f"Graphviz ran out of memory or threads laying out the diagram: {why.strip()[-200:]}")
        raise DiagramError(f"Graphviz failed to lay out the diagram: {why[:300]}")
    return done.stdout.decode("utf-8")


def _points(value: str | None) -> float:
    return float((value or "0").removesuffix("pt"))


def finish(svg: str, alt: str, linked: bool = False) -> str:
    """Graphviz's SVG made fit for the page: parsed (so it is well-formed and
    carries nothing but shapes and text), given the alternative text as its
    first ``<title>`` (what PDF/UA and screen readers read), sized to fit the
    text block, and serialised without the XML prolog.

    ``linked`` (a web page): the links Graphviz made of ``URL`` attributes
    stay, each named for assistive technology by its tooltip, and the drawing
    is a group of them rather than one image."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)  # noqa: S314 -- Graphviz's own output, from our DOT text
    dropped = (f"{{{SVG_NS}}}script", f"{{{SVG_NS}}}title") + (() if linked else (f"{{{SVG_NS}}}a",))
    for parent in root.iter():
        for child in list(parent):
            if child.tag in dropped or not isinstance(child.tag, str):
                parent.remove(child)
    for link in root.iter(f"{{{SVG_NS}}}a"):
        link.set("aria-label", link.attrib.pop(f"{{{XLINK_NS}}}title", ""))
        link.set("href", link.attrib.pop(f"{{{XLINK_NS}}}href", ""))
        link.attrib.pop("target", None)
    width, height = _points(root.get("width")), _points(root.get("height"))
    scale = min(1.0, MAX_WIDTH_PT / width if width else 1.0, MAX_HEIGHT_PT / height if height else 1.0)
    root.set("width", f"{width * scale:.1f}pt")
    root.set("height", f"{height * scale:.1f}pt")
    root.set("role", "group" if linked else "img")
    root.set("aria-label", alt)
    title = ET.Element(f"{{{SVG_NS}}}title")
    title.text = alt
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")


def describe(estate: Any, summarised: bool, register: Sequence[Any]) -> str:
    """The diagram in one paragraph: its alternative text (``register``: entries with ``ref`` and ``finding``)."""
    n_zones = len(estate.zones)
    zones = ", ".join(
        f"{z.name or z.id} (trust {z.trust_level})"
        for z in sorted(estate.zones.values(), key=lambda z: (z.trust_level, z.id))
    )
    marked = sum(
        1 for e in register if any(o.kind in ("zone", "host", "network", "appliance", "vm") for o in e.finding.objects)
    )
    return (
        f"Architecture diagram of {n_zones} trust zone{'s' if n_zones != 1 else ''}"
        + (f": {zones}" if zones else "")
        + f"; {len(estate.networks):,} networks, {len(estate.hosts):,} hosts and {len(estate.appliances):,} appliances"
        + (", large groups drawn as one box with their count" if summarised else "")
        + f". {marked:,} findings of the risk register are marked on the objects they concern."
    )


def alt_text(estate: Any, register: Sequence[Any] = ()) -> str:
    """The alternative text of :func:`draw`'s drawing, without drawing it."""
    _dot, summarised, _labels = dot_source(estate, register)
    return describe(estate, summarised, register)


def draw(estate: Any, register: Sequence[Any] = (), links: Links | None = None) -> Diagram:
    """The diagram of ``estate`` with the findings of ``register`` (entries with ``ref`` and ``finding``) marked.

    ``links`` makes it the web page's drawing: each object links where it says, and
    carries how many findings it has (the page's link leads to them) instead of the
    printed plan's register numbers."""
    dot, summarised, labels = dot_source(estate, register, links)
    alt = describe(estate, summarised, register)
    return Diagram(finish(render_svg(dot), alt, linked=links is not None), alt, summarised, labels)


__all__ = ["LEVELS", "Diagram", "DiagramError", "Links", "dot_source", "draw", "finish", "render_svg"]
