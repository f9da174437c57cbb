"""The architecture diagram: zones, their networks and hosts, and the appliances
between them, laid out by our own code as plain shapes (the SVG template draws them).

Why our own layout: a general graph layout of thousands of nodes is unreadable
on a page and slow; the plan's reader wants the zones side by side in trust
order, what sits in each, which appliances join them, and which hosts break the
separation. Above the ``*_LIMIT`` sizes a zone's networks or hosts become one
box with a count, so a 100,000-VM estate draws as few shapes as a small one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

WIDTH = 800
MARGIN = 10
GAP = 14
COLUMNS = 4
ITEM_H = 20
ITEM_GAP = 5
HEADER_H = 38
LABEL_H = 16
CHAR_W = 5.6  # average glyph width at font-size 10, for truncation

NETWORK_LIMIT = 8
HOST_LIMIT = 10
APPLIANCE_LIMIT = 16
SHARED_HOST_LIMIT = 12


#: Presentation attributes per shape kind (WeasyPrint's SVG renderer does not
#: apply the page's stylesheet to inline SVG, so the look travels with the shapes).
STYLES = {
    "network": {"fill": "#ffffff", "stroke": "#4a6a91", "stroke-width": "0.7"},
    "aggregate-net": {"fill": "#ffffff", "stroke": "#4a6a91", "stroke-width": "0.7", "stroke-dasharray": "3 2"},
    "aggregate": {"fill": "#dfe7f1", "stroke": "#4a6a91", "stroke-width": "0.7", "stroke-dasharray": "3 2"},
    "host": {"fill": "#dfe7f1", "stroke": "#4a6a91", "stroke-width": "0.7"},
    "filtering": {"fill": "#e3f1e6", "stroke": "#2d6a3e", "stroke-width": "1"},
    "appliance": {"fill": "#fff0e0", "stroke": "#d9480f", "stroke-width": "1"},
    "shared": {"fill": "#fde3d9", "stroke": "#d9480f", "stroke-width": "1.2"},
    "line-filtering": {"stroke": "#2d6a3e", "stroke-width": "0.8"},
    "line-joins": {"stroke": "#d9480f", "stroke-width": "1.1", "stroke-dasharray": "4 2"},
    "line-shared": {"stroke": "#d9480f", "stroke-width": "0.8"},
}
#: Zone background by trust level: warm for untrusted, cool for sensitive.
ZONE_FILLS = {0: "#fdecec", 1: "#fff4e0", 2: "#eef5ff", 3: "#e6f2ea", 4: "#ece6f7"}
FONT = "DejaVu Sans, sans-serif"


@dataclass(slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    label: str
    sub: str = ""
    kind: str = ""  # css class: zone, network, host, appliance, filtering, shared, aggregate
    trust: int | None = None


@dataclass(slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str = ""


@dataclass(slots=True)
class Diagram:
    width: int
    height: float
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    texts: list[Box] = field(default_factory=list)
    summarised: bool = False


def fit(text: str, width: float, char_w: float = CHAR_W) -> str:
    """Text cut to fit ``width`` user units, with an ellipsis when cut."""
    room = max(3, int(width / char_w))
    return text if len(text) <= room else text[: room - 1] + "…"


def layout(estate: Any) -> Diagram:
    zones = sorted(estate.zones.values(), key=lambda z: (z.trust_level, z.id))
    zone_ids = [z.id for z in zones]
    # Which zones each host serves (by the VMs on it, or its dedicated zone).
    served: dict[str, set[str]] = defaultdict(set)
    vms_on: Counter[str] = Counter()
    for vm in estate.vms.values():
        if vm.host is not None:
            vms_on[vm.host] += 1
            if vm.zone is not None:
                served[vm.host].add(vm.zone)
    zone_hosts: dict[str | None, list[Any]] = defaultdict(list)
    shared_hosts = []
    for h in estate.hosts.values():
        zs = served.get(h.id) or ({h.dedicated_zone} if h.dedicated_zone else set())
        if h.dedicated_zone and zs - {h.dedicated_zone}:
            shared_hosts.append((h, zs | {h.dedicated_zone}))
        elif len(zs) == 1:
            zone_hosts[next(iter(zs))].append(h)
        elif len(zs) > 1:
            shared_hosts.append((h, zs))
        else:
            zone_hosts[None].append(h)
    zone_nets: dict[str | None, list[Any]] = defaultdict(list)
    for n in estate.networks.values():
        zone_nets[n.zone].append(n)

    d = Diagram(WIDTH, 0)
    cols = max(1, min(COLUMNS, len(zone_ids) or 1))
    cw = (WIDTH - 2 * MARGIN - GAP * (cols - 1)) / cols
    appliances = list(estate.appliances.values())
    top = MARGIN
    appliance_y = top + LABEL_H
    if appliances:
        top = appliance_y + ITEM_H + 3 * GAP
    net_anchor: dict[str, tuple[float, float]] = {}
    zone_anchor: dict[str, tuple[float, float, float]] = {}
    row_y = top
    columns_of = [zone_ids[i : i + cols] for i in range(0, len(zone_ids), cols)] or [[]]
    unzoned_items = bool(zone_nets.get(None) or zone_hosts.get(None))
    if unzoned_items:
        columns_of[-1:] = [columns_of[-1] + [None]] if len(columns_of[-1]) < cols else [columns_of[-1], [None]]
    labels = {z.id: z for z in zones}
    for row in columns_of:
        row_h = 0
        placed = []
        for ci, zid in enumerate(row):
            x = MARGIN + ci * (cw + GAP)
            y = row_y + HEADER_H
            items = []
            nets = zone_nets.get(zid, [])
            if len(nets) > NETWORK_LIMIT:
                d.summarised = True
                items.append(("aggregate-net", f"{len(nets)} networks", _kinds(nets), nets))
            else:
                for n in nets:
                    sub = f"VLAN {n.vlan}" if n.vlan else n.kind
                    items.append(
                        ("network", n.name or n.id, sub if n.purpose == "guest" else f"{n.purpose} · {sub}", [n])
                    )
            hosts = zone_hosts.get(zid, [])
            if len(hosts) > HOST_LIMIT:
                d.summarised = True
                items.append(("aggregate", f"{len(hosts)} hosts", f"{sum(vms_on[h.id] for h in hosts)} VMs", hosts))
            else:
                for h in hosts:
                    items.append(
                        ("host", h.name or h.id, f"{vms_on[h.id]} VMs{' · dedicated' if h.dedicated_zone else ''}", [h])
                    )
            for kind, label, sub, objs in items:
                box = Box(
                    x + 8, y, cw - 16, ITEM_H, fit(label, (cw - 16) * 0.55), fit(sub, (cw - 16) * 0.45, 5.0), kind
                )
                d.boxes.append(box)
                if kind in ("network", "aggregate-net"):
                    for n in objs:
                        net_anchor[n.id] = (box.x + box.w / 2, box.y)
                y += ITEM_H + ITEM_GAP
            h = y - row_y + 6
            row_h = max(row_h, h)
            placed.append((zid, x))
        for zid, x in placed:
            z = labels.get(zid)
            title = z.label if z else "No zone"
            sub = f"trust level {z.trust_level} · {z.purpose}" if z else "objects without a zone"
            zone_box = Box(
                x,
                row_y,
                cw,
                row_h,
                fit(title, cw - 16, 6.6),
                fit(sub, cw - 16, 5.0),
                "zone",
                z.trust_level if z else None,
            )
            d.boxes.insert(0, zone_box)
            zone_anchor[zid] = (x + cw / 2, row_y, row_y + row_h)
        row_y += row_h + GAP

    # Appliances across the top, joined to the networks they connect.
    if appliances:
        d.texts.append(Box(MARGIN, MARGIN + 10, 0, 0, "Security appliances and routers", kind="caption"))
        if len(appliances) > APPLIANCE_LIMIT:
            d.summarised = True
            groups = Counter((a.kind, a.filtering) for a in appliances)
            shown = [
                (f"{n} {kind}{'s' if n > 1 else ''}", "filtering" if filt else "not filtering", filt, None)
                for (kind, filt), n in sorted(groups.items())
            ]
        else:
            shown = [
                (a.name or a.id, f"{a.kind}{'' if a.filtering else ' · joins'}", a.filtering, a) for a in appliances
            ]
        aw = min(150, (WIDTH - 2 * MARGIN - 8 * (len(shown) - 1)) / len(shown))
        for i, (label, sub, filt, a) in enumerate(shown):
            box = Box(
                MARGIN + i * (aw + 8),
                appliance_y,
                aw,
                ITEM_H,
                fit(label, aw * 0.55),
                fit(sub, aw * 0.45, 5.0),
                "filtering" if filt else "appliance",
            )
            d.boxes.append(box)
            if a is None:
                continue
            for nid in a.networks:
                target = net_anchor.get(nid)
                if target is None:
                    zid = estate.networks[nid].zone if nid in estate.networks else None
                    zx, zy, _ = zone_anchor.get(zid, (None, None, None))
                    if zx is None:
                        continue
                    target = (zx, zy)
                d.lines.append(
                    Line(
                        box.x + box.w / 2, box.y + box.h, target[0], target[1], "filtering" if a.filtering else "joins"
                    )
                )

    # Hosts that serve several zones: a band below, tied to each zone they serve.
    if shared_hosts:
        y = row_y + LABEL_H
        d.texts.append(Box(MARGIN, row_y + 10, 0, 0, "Hosts shared by zones of different trust", kind="caption"))
        if len(shared_hosts) > SHARED_HOST_LIMIT:
            d.summarised = True
            zs = set[str]().union(*(z for _, z in shared_hosts))
            shared_cards: list[tuple[str, str, set[str]]] = [
                (
                    f"{len(shared_hosts)} hosts serve several zones",
                    f"{sum(vms_on[h.id] for h, _ in shared_hosts)} VMs",
                    zs,
                )
            ]
        else:
            shared_cards = [(h.name or h.id, f"{vms_on[h.id]} VMs · {len(z)} zones", z) for h, z in shared_hosts]
        sw = min(170, (WIDTH - 2 * MARGIN - 8 * (min(len(shared_cards), 6) - 1)) / min(len(shared_cards), 6))
        for i, (label, sub, zs) in enumerate(shared_cards):
            bx = MARGIN + (i % 6) * (sw + 8)
            by = y + (i // 6) * (ITEM_H + 2 * GAP) + GAP
            box = Box(bx, by, sw, ITEM_H, fit(label, sw * 0.55), fit(sub, sw * 0.45, 5.0), "shared")
            d.boxes.append(box)
            for zid in sorted(z for z in zs if z in zone_anchor):
                zx, _, zbottom = zone_anchor[zid]
                d.lines.append(Line(box.x + box.w / 2, box.y, zx, zbottom, "shared"))
        row_y = y + ((len(shared_cards) - 1) // 6 + 1) * (ITEM_H + 2 * GAP) + GAP
    d.height = row_y + MARGIN
    return d


def _kinds(networks: list) -> str:
    kinds = Counter(n.kind for n in networks)
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
