"""SEGMENT-MULTI-ZONE: one network carries VMs of conflicting zones (metadata: segment_multi_zone.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext, vm_ids_by_zone
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    filtering = ctx.filtering_vms
    for net in ctx.estate.networks.values():
        on_network = ctx.vms_on_network[net.id]
        vms = [v for v in on_network if v.id not in filtering] if filtering else on_network
        present = {v.zone for v in vms if v.zone is not None}
        if net.zone is not None:
            present.add(net.zone)
        if not ctx.conflict(present):
            continue
        zones = sorted(present)
        yield Hit(
            [ObjectRef("network", net.id)],
            {"zones": zones, "network_zone": net.zone},
            {"vms_by_zone": vm_ids_by_zone(vms, zones)},
            vms,
            zones,
            "on the network",
        )


RULE = Rule.beside(__file__, detect)
