"""VM-NO-SECURE-BOOT (v1.1): a moderate- or high-impact VM boots without Secure Boot
(metadata: vm_no_secure_boot.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext, fips_level
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for vm in ctx.estate.vms.values():
        if vm.firmware is None or vm.firmware.secure_boot is not False:
            continue
        level = fips_level(vm, "any")
        if level in ("moderate", "high"):
            yield Hit([ObjectRef("vm", vm.id)], {}, {"high_water_mark": level}, [vm], (), "itself")


RULE = Rule.beside(__file__, detect)
