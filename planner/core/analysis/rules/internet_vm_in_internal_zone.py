"""INTERNET-VM-IN-INTERNAL-ZONE: an internet-facing VM in a zone of trust 2 or more
(metadata: internet_vm_in_internal_zone.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    trust = ctx.trust
    for vm in ctx.estate.vms.values():
        if vm.internet_facing and vm.zone is not None and trust[vm.zone] >= 2:
            yield Hit(
                [ObjectRef("vm", vm.id)],
                {"zone": vm.zone},
                {"trust_level": trust[vm.zone]},
                ctx.vms_in_zone[vm.zone],
                (vm.zone,),
                "in the zone",
            )


RULE = Rule.beside(__file__, detect)
