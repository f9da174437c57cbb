"""DATASTORE-DEDICATED-ZONE-MIX (practitioner): hosts dedicated to conflicting zones mount one datastore
(metadata: datastore_dedicated_zone_mix.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    hosts = ctx.estate.hosts
    for ds in ctx.estate.datastores.values():
        zones = sorted({z for h in ds.hosts if (z := hosts[h].dedicated_zone) is not None})
        if not ctx.conflict(zones):
            continue
        yield Hit(
            [ObjectRef("datastore", ds.id)],
            {"zones": zones},
            {"hosts_by_zone": {z: [h for h in ds.hosts if hosts[h].dedicated_zone == z] for z in zones}},
            ctx.vms_on_datastore[ds.id],
            zones,
            "with disks on the datastore",
        )


RULE = Rule.beside(__file__, detect)
