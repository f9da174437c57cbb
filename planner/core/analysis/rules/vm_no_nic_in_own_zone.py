"""VM-NO-NIC-IN-OWN-ZONE (practitioner): a VM's NICs all sit on networks of other zones
(metadata: vm_no_nic_in_own_zone.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    zone_of = ctx.network_zone
    for vm in ctx.estate.vms.values():
        if vm.zone is None or not vm.nics:
            continue
        zones = {zone_of[n.network] for n in vm.nics}
        # Only judged when every network's zone is known (NETWORK-ZONE-UNKNOWN reports the rest).
        if vm.zone in zones or None in zones:
            continue
        network_zones = sorted(z for z in zones if z is not None)
        yield Hit(
            [ObjectRef("vm", vm.id)],
            {"zone": vm.zone, "network_zones": network_zones},
            {"networks": list(dict.fromkeys(n.network for n in vm.nics))},
            [vm],
            [vm.zone, *network_zones],
            "itself",
        )


RULE = Rule.beside(__file__, detect)
