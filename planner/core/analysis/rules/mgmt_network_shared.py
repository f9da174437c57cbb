"""MGMT-NETWORK-SHARED: a host's management network is not dedicated to management
(metadata: mgmt_network_shared.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    networks, appliance_vms = ctx.estate.networks, ctx.appliance_vms
    for host in ctx.estate.hosts.values():
        m = host.management
        if m is None or m.network is None:
            continue
        net = networks[m.network]
        guests = [v for v in ctx.vms_on_network[net.id] if v.id not in appliance_vms]
        reasons = []
        if net.purpose != "management":
            reasons.append("purpose-not-management")
        if guests:
            reasons.append("guest-vms-attached")
        if not reasons:
            continue
        yield Hit(
            [ObjectRef("host", host.id)],
            {"network": net.id, "reasons": reasons},
            {"network_purpose": net.purpose, "guest_vms": [v.id for v in guests]},
            ctx.vms_on_host[host.id],
            (),
            "on the management network",
            exposure=guests,
        )


RULE = Rule.beside(__file__, detect)
