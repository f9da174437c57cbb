"""PAGE-SHARING-MIXED-ZONES (v1.1): memory pages are shared between VMs of different
zones on one host (metadata: page_sharing_mixed_zones.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        if host.settings is None or host.settings.inter_vm_page_sharing is not True:
            continue
        vms = ctx.vms_on_host[host.id]
        zones = sorted({v.zone for v in vms if v.zone is not None})
        if len(zones) < 2:  # whatever the zone-mixing policy: any two zones
            continue
        yield Hit(
            [ObjectRef("host", host.id)],
            {"zones": zones},
            {"vms_by_zone": {z: [v.id for v in vms if v.zone == z] for z in zones}},
            vms,
            zones,
            "on the host",
        )


RULE = Rule.beside(__file__, detect)
