"""VM-BRIDGES-ZONES: a VM (not a filtering appliance) has NICs in conflicting zones
(metadata: vm_bridges_zones.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    networks, filtering, zone_of = ctx.estate.networks, ctx.filtering_vms, ctx.network_zone
    for vm in ctx.estate.vms.values():
        if len(vm.nics) < 2:
            continue
        present = {z for n in vm.nics if (z := zone_of[n.network]) is not None}
        if len(present) < 2 or vm.id in filtering or not ctx.conflict(present):
            continue
        nets = list(dict.fromkeys(n.network for n in vm.nics))
        zones = sorted(present)
        at_risk = [vm] + [v for n in nets for v in ctx.vms_on_network[n] if v is not vm]
        yield Hit(
            [ObjectRef("vm", vm.id)],
            {"zones": zones},
            {"networks_by_zone": {z: [n for n in nets if networks[n].zone == z] for z in zones}},
            at_risk,
            zones,
            "bridging the zones",
            exposure=[vm],
        )


RULE = Rule.beside(__file__, detect)
