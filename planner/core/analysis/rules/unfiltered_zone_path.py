"""UNFILTERED-ZONE-PATH: non-filtering appliances join networks of conflicting zones
(metadata: unfiltered_zone_path.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from ..graph import join_path
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    networks = ctx.estate.networks
    for segment in ctx.segments:
        zoned = [(n, z) for n in segment if (z := networks[n].zone) is not None]
        for i, (a, za) in enumerate(zoned):
            for b, zb in zoned[i + 1 :]:
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
