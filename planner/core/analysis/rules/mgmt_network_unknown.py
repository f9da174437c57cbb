"""MGMT-NETWORK-UNKNOWN (gap): a host's management network is not given (metadata: mgmt_network_unknown.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        if host.management is None or host.management.network is None:
            yield Hit([ObjectRef("host", host.id)], {}, {}, ctx.vms_on_host[host.id], (), "on the host")


RULE = Rule.beside(__file__, detect)
