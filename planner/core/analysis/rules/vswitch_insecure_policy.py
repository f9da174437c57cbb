"""VSWITCH-INSECURE-POLICY (v1.1): a port group accepts promiscuous mode, MAC address
changes or forged transmits (metadata: vswitch_insecure_policy.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule

#: The security policy keys whose true value is permissive, in the contract's order.
PERMISSIVE_KEYS = ("promiscuous", "mac_changes", "forged_transmits")


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for net in ctx.estate.networks.values():
        policy = net.security_policy
        if policy is None:
            continue
        permissive = [key for key in PERMISSIVE_KEYS if getattr(policy, key) is True]
        if permissive:
            vms = ctx.vms_on_network[net.id]
            yield Hit(
                [ObjectRef("network", net.id)],
                {"permissive": permissive},
                {"vms": [v.id for v in vms]},
                vms,
                (),
                "on the network",
            )


RULE = Rule.beside(__file__, detect)
