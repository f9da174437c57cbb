"""HOST-SINGLE-UPLINK (v1.1): a host running VMs has one physical uplink for guest
traffic (metadata: host_single_uplink.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        vms = ctx.vms_on_host[host.id]
        if host.uplinks == 1 and vms:
            yield Hit([ObjectRef("host", host.id)], {}, {"uplinks": 1, "vms": len(vms)}, vms, (), "on the host")


RULE = Rule.beside(__file__, detect)
