"""DATASTORE-MULTI-ZONE: one datastore holds disks of conflicting zones (metadata: datastore_multi_zone.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext, vm_ids_by_zone
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for ds in ctx.estate.datastores.values():
        vms = ctx.vms_on_datastore[ds.id]
        present = {v.zone for v in vms if v.zone is not None}
        if not ctx.conflict(present):
            continue
        zones = sorted(present)
        yield Hit(
            [ObjectRef("datastore", ds.id)],
            {"zones": zones},
            {"vms_by_zone": vm_ids_by_zone(vms, zones)},
            vms,
            zones,
            "with disks on the datastore",
        )


RULE = Rule.beside(__file__, detect)
