"""HOST-NO-TIME-SYNC: a host does not synchronise its clock (metadata: host_no_time_sync.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        if host.settings is not None and host.settings.time_sync is False:
            yield Hit([ObjectRef("host", host.id)], {}, {}, ctx.vms_on_host[host.id], (), "on the host")


RULE = Rule.beside(__file__, detect)
