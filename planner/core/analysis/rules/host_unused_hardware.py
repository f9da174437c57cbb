"""HOST-UNUSED-HARDWARE: a host has connected hardware it does not use (metadata: host_unused_hardware.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        unused = sorted({d.kind for d in host.devices if d.connected and not d.in_use})
        if unused:
            yield Hit(
                [ObjectRef("host", host.id)], {"devices": unused}, {}, ctx.vms_on_host[host.id], (), "on the host"
            )


RULE = Rule.beside(__file__, detect)
