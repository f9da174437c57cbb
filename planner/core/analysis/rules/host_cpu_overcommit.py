"""HOST-CPU-OVERCOMMIT: placed vCPUs exceed the host's cores times the ceiling
(metadata: host_cpu_overcommit.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    ceiling = ctx.policy.max_cpu_overcommit
    for host in ctx.estate.hosts.values():
        vms = ctx.vms_on_host[host.id]
        vcpus = sum(v.vcpus for v in vms)
        if vcpus / host.cpu_cores > ceiling:
            yield Hit(
                [ObjectRef("host", host.id)],
                {},
                {
                    "vcpus": vcpus,
                    "cpu_cores": host.cpu_cores,
                    "ratio": round(vcpus / host.cpu_cores, 2),
                    "ceiling": ceiling,
                },
                vms,
                (),
                "on the host",
            )


RULE = Rule.beside(__file__, detect)
