"""HYPERVISOR-END-OF-SUPPORT (v1.1): a hypervisor version past its vendor's end of
general support (metadata: hypervisor_end_of_support.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    as_of = ctx.estate.as_of
    for host in ctx.estate.hosts.values():
        hv = host.hypervisor
        if hv is None or hv.end_of_support is None or not hv.end_of_support < as_of:
            continue
        yield Hit(
            [ObjectRef("host", host.id)],
            {"end_of_support": hv.end_of_support.isoformat()},
            {"product": hv.product, "version": hv.version, "days_past": (as_of - hv.end_of_support).days},
            ctx.vms_on_host[host.id],
            (),
            "on the host",
        )


RULE = Rule.beside(__file__, detect)
