"""NETWORK-ZONE-UNKNOWN (gap): a network belongs to no zone, so zone rules cannot judge it
(metadata: network_zone_unknown.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for net in ctx.estate.networks.values():
        if net.zone is None:
            yield Hit([ObjectRef("network", net.id)], {}, {}, ctx.vms_on_network[net.id], (), "on the network")


RULE = Rule.beside(__file__, detect)
