"""GUEST-ON-INFRA-NETWORK (v1.1): a guest VM has a NIC on a storage, migration or
backup network (metadata: guest_on_infra_network.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule

#: Network purposes that carry the platform's own traffic (management stays MGMT-NETWORK-SHARED's).
INFRASTRUCTURE_PURPOSES = frozenset({"storage", "migration", "backup"})


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    networks, appliance_vms = ctx.estate.networks, ctx.appliance_vms
    # Only VMs with a NIC on such a network can be hit: found through the networks.
    on_infra = {
        vm.id
        for nid, net in networks.items()
        if net.purpose in INFRASTRUCTURE_PURPOSES
        for vm in ctx.vms_on_network[nid]
    }
    if not on_infra:
        return
    migrating_over: dict[str, list[str]] = {}
    for host in ctx.estate.hosts.values():
        if host.migration is not None and host.migration.network is not None:
            migrating_over.setdefault(host.migration.network, []).append(host.id)
    for vm in ctx.estate.vms.values():
        if vm.id not in on_infra or vm.id in appliance_vms:
            continue
        infra = [
            networks[nid]
            for nid in dict.fromkeys(n.network for n in vm.nics)
            if networks[nid].purpose in INFRASTRUCTURE_PURPOSES
        ]
        if not infra:
            continue
        # Whose traffic the guest can reach, as far as the inventory says: the VMs
        # of the hosts that live-migrate over one of these networks.
        hosts = [h for net in infra for h in migrating_over.get(net.id, ())]
        at_risk = [v for h in dict.fromkeys(hosts) for v in ctx.vms_on_host[h] if v.id != vm.id]
        yield Hit(
            [ObjectRef("vm", vm.id)],
            {"networks": sorted(net.id for net in infra)},
            {
                "network_purposes": {net.id: net.purpose for net in infra},
                "hosts_migrating_over_them": sorted(set(hosts)),
            },
            at_risk,
            (),
            "itself",
            exposure=[vm],
        )


RULE = Rule.beside(__file__, detect)
