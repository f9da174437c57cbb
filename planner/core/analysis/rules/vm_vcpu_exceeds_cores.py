"""VM-VCPU-EXCEEDS-CORES: a VM has more vCPUs than its host has cores
(metadata: vm_vcpu_exceeds_cores.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    hosts = ctx.estate.hosts
    for vm in ctx.estate.vms.values():
        if vm.host is not None and vm.vcpus > hosts[vm.host].cpu_cores:
            yield Hit(
                [ObjectRef("vm", vm.id)],
                {"host": vm.host},
                {"vcpus": vm.vcpus, "cpu_cores": hosts[vm.host].cpu_cores},
                [vm],
                (),
                "",
            )


RULE = Rule.beside(__file__, detect)
