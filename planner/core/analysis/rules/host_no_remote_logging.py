"""HOST-NO-REMOTE-LOGGING: a host keeps its logs only locally (metadata: host_no_remote_logging.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        if host.settings is not None and host.settings.remote_logging is False:
            yield Hit([ObjectRef("host", host.id)], {}, {}, ctx.vms_on_host[host.id], (), "on the host")


RULE = Rule.beside(__file__, detect)
