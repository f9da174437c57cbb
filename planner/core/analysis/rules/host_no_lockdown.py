"""HOST-NO-LOCKDOWN (practitioner): a host allows direct local/remote logins
(metadata: host_no_lockdown.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        if host.settings is not None and host.settings.lockdown is False:
            yield Hit([ObjectRef("host", host.id)], {}, {}, ctx.vms_on_host[host.id], (), "on the host")


RULE = Rule.beside(__file__, detect)
