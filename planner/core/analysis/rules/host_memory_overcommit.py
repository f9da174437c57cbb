"""HOST-MEMORY-OVERCOMMIT: placed memory exceeds the host's memory times the ceiling
(metadata: host_memory_overcommit.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    ceiling = ctx.policy.max_memory_overcommit
    for host in ctx.estate.hosts.values():
        vms = ctx.vms_on_host[host.id]
        placed = sum(v.memory_gib for v in vms)
        # A host declaring 0 GiB is exceeded by any placed memory at all.
        if (placed / host.memory_gib > ceiling) if host.memory_gib else placed > 0:
            ratio = round(placed / host.memory_gib, 2) if host.memory_gib else None
            yield Hit(
                [ObjectRef("host", host.id)],
                {},
                {"memory_gib_placed": placed, "memory_gib": host.memory_gib, "ratio": ratio, "ceiling": ceiling},
                vms,
                (),
                "on the host",
            )


RULE = Rule.beside(__file__, detect)
