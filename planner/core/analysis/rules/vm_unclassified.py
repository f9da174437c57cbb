"""VM-UNCLASSIFIED: a VM has no zone or no FIPS 199 categorization (metadata: vm_unclassified.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for vm in ctx.estate.vms.values():
        if vm.zone is None or vm.categorization is None:
            missing = [
                name for name, value in (("zone", vm.zone), ("categorization", vm.categorization)) if value is None
            ]
            yield Hit([ObjectRef("vm", vm.id)], {"missing": missing}, {}, [vm], (), "itself")


RULE = Rule.beside(__file__, detect)
