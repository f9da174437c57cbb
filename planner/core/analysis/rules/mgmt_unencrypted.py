"""MGMT-UNENCRYPTED: a host's management traffic is not encrypted (metadata: mgmt_unencrypted.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        m = host.management
        if m is not None and m.encrypted is False:
            yield Hit(
                [ObjectRef("host", host.id)],
                {},
                {"management_network": m.network},
                ctx.vms_on_host[host.id],
                (),
                "on the host",
            )


RULE = Rule.beside(__file__, detect)
