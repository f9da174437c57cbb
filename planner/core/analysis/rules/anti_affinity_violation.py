"""ANTI-AFFINITY-VIOLATION: VMs of one anti-affinity group run on the same host
(metadata: anti_affinity_violation.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from planner.core.inventory.estate import Vm

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        groups: dict[str, list[Vm]] = {}
        for v in ctx.vms_on_host[host.id]:
            if v.anti_affinity_group is not None:
                groups.setdefault(v.anti_affinity_group, []).append(v)
        broken = {g: vms for g, vms in sorted(groups.items()) if len(vms) > 1}
        if broken:
            yield Hit(
                [ObjectRef("host", host.id)],
                {"groups": list(broken)},
                {"vms_by_group": {g: [v.id for v in vms] for g, vms in broken.items()}},
                [v for vms in broken.values() for v in vms],
                (),
                "on the host",
            )


RULE = Rule.beside(__file__, detect)
