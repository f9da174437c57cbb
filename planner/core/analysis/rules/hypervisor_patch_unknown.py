"""HYPERVISOR-PATCH-UNKNOWN (gap): the facts HYPERVISOR-OUTDATED needs are not given
(metadata: hypervisor_patch_unknown.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    minimums = ctx.policy.min_hypervisor_versions
    for host in ctx.estate.hosts.values():
        hv = host.hypervisor
        if hv is None:
            unknown = ["hypervisor"]
        else:
            unknown = []
            if hv.patched_on is None:
                unknown.append("patched_on")
            if hv.version is None and hv.product in minimums:
                unknown.append("version")
        if unknown:
            yield Hit(
                [ObjectRef("host", host.id)], {"unknown": unknown}, {}, ctx.vms_on_host[host.id], (), "on the host"
            )


RULE = Rule.beside(__file__, detect)
