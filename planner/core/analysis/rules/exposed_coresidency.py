"""EXPOSED-CORESIDENCY: an internet-facing VM shares a host with a high-impact VM
(metadata: exposed_coresidency.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext, fips_level
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        vms = ctx.vms_on_host[host.id]
        exposed = [v for v in vms if v.internet_facing]
        if not exposed:
            continue
        sensitive = [v for v in vms if fips_level(v, "any") == "high"]
        # Co-residency needs two VMs: a lone internet-facing high VM shares nothing.
        if not sensitive or (len(sensitive) == 1 and len(exposed) == 1 and sensitive[0] is exposed[0]):
            continue
        zones = sorted({v.zone for v in exposed + sensitive if v.zone is not None})
        yield Hit(
            [ObjectRef("host", host.id)],
            {},
            {"internet_facing_vms": [v.id for v in exposed], "high_impact_vms": [v.id for v in sensitive]},
            sensitive,
            zones,
            "on the host",
            exposure=exposed,
        )


RULE = Rule.beside(__file__, detect)
