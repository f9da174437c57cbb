"""VM-SNAPSHOT-OLD (v1.1): a VM keeps a snapshot older than the policy allows
(metadata: vm_snapshot_old.yaml)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    max_age = ctx.policy.snapshot_max_age_days
    oldest_allowed = ctx.estate.as_of - dt.timedelta(days=max_age)
    for vm in ctx.estate.vms.values():
        stale = [s for s in vm.snapshots if s.created < oldest_allowed]
        if not stale:
            continue
        oldest = min(s.created for s in stale)
        yield Hit(
            [ObjectRef("vm", vm.id)],
            {"snapshots": sorted(s.id for s in stale)},
            {
                "oldest_created": oldest.isoformat(),
                "age_days": (ctx.estate.as_of - oldest).days,
                "max_age_days": max_age,
            },
            [vm],
            (),
            "itself",
        )


RULE = Rule.beside(__file__, detect)
