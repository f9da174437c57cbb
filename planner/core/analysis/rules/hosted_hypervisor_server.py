"""HOSTED-HYPERVISOR-SERVER: a type 2 hypervisor runs a moderate- or high-impact VM
(metadata: hosted_hypervisor_server.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext, fips_level
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        hv = host.hypervisor
        if hv is None or hv.type != 2:
            continue
        serious = [v for v in ctx.vms_on_host[host.id] if fips_level(v, "any") in ("moderate", "high")]
        if serious:
            yield Hit(
                [ObjectRef("host", host.id)],
                {},
                {"product": hv.product, "vms": [v.id for v in serious]},
                serious,
                (),
                "on the host",
            )


RULE = Rule.beside(__file__, detect)
