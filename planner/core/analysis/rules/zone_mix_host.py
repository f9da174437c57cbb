"""ZONE-MIX-HOST: VMs of conflicting zones share a host (metadata: zone_mix_host.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        vms = ctx.vms_on_host[host.id]
        if not vms:
            continue
        zones = sorted({v.zone for v in vms if v.zone is not None})
        dedicated = host.dedicated_zone
        strangers = [v.id for v in vms if dedicated is not None and v.zone is not None and v.zone != dedicated]
        if not strangers and not ctx.conflict(zones):
            continue
        identity: dict[str, Any] = {"zones": zones}
        evidence: dict[str, Any] = {"vms_by_zone": {z: [v.id for v in vms if v.zone == z] for z in zones}}
        if strangers:
            identity["dedicated_zone"] = dedicated
            evidence["vms_outside_dedicated_zone"] = strangers
        involved = [*zones, dedicated] if dedicated is not None else zones
        yield Hit([ObjectRef("host", host.id)], identity, evidence, vms, involved, "on the host")


RULE = Rule.beside(__file__, detect)
