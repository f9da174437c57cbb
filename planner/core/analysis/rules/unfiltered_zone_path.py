"""UNFILTERED-ZONE-PATH: non-filtering appliances join networks of conflicting zones
(metadata: unfiltered_zone_path.yaml)."""

from __future__ import annotations

from ..findings import ObjectRef
from ..graph import join_path
from .rule import Hit, Rule


def detect(ctx):
    networks = ctx.estate.networks
    for segment in ctx.segments:
        zoned = [n for n in segment if networks[n].zone is not None]
        for i, a in enumerate(zoned):
            za = networks[a].zone
            for b in zoned[i + 1 :]:
                zb = networks[b].zone
                if not ctx.conflict((za, zb)):
                    continue
                at_risk = ctx.vms_on_network[a] + ctx.vms_on_network[b]
                yield Hit(
                    [ObjectRef("network", a), ObjectRef("network", b)],
                    {"networks": [{"id": a, "zone": za}, {"id": b, "zone": zb}]},
                    {"path": join_path(ctx.joins, a, b)},
                    at_risk,
                    (za, zb),
                    "on the joined networks",
                )


RULE = Rule.beside(__file__, detect)
