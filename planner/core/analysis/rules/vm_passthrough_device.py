"""VM-PASSTHROUGH-DEVICE (v1.1): a VM has a physical PCI device handed to it
(metadata: vm_passthrough_device.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for vm in ctx.estate.vms.values():
        count = sum(1 for d in vm.devices if d.kind == "pci-passthrough" and d.connected)
        if not count:
            continue
        # Direct device access is a path towards the host: the VMs sharing it are at risk too.
        at_risk = ctx.vms_on_host[vm.host] if vm.host is not None else [vm]
        yield Hit([ObjectRef("vm", vm.id)], {}, {"passthrough_devices": count, "host": vm.host}, at_risk, (), "itself")


RULE = Rule.beside(__file__, detect)
