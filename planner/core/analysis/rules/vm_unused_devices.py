"""VM-UNUSED-DEVICES: a VM has a connected removable or legacy device it does not use
(metadata: vm_unused_devices.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule

#: The device kinds the contract names for this rule.
RISKY_KINDS = frozenset({"optical", "floppy", "serial", "parallel", "usb"})


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for vm in ctx.estate.vms.values():
        if not vm.devices:
            continue
        unused = sorted({d.kind for d in vm.devices if d.kind in RISKY_KINDS and d.connected and not d.in_use})
        if unused:
            yield Hit([ObjectRef("vm", vm.id)], {"devices": unused}, {}, [vm], (), "itself")


RULE = Rule.beside(__file__, detect)
