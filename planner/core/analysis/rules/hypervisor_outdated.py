"""HYPERVISOR-OUTDATED: a hypervisor patched too long ago or below the minimum version
(metadata: hypervisor_outdated.yaml)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def version_key(version: str) -> tuple[int, ...]:
    """Numeric parts, trailing zeros dropped, so 8.0 == 8.0.0 < 8.0.3 < 8.1."""
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    policy = ctx.policy
    oldest = ctx.estate.as_of - dt.timedelta(days=policy.patch_max_age_days)
    for host in ctx.estate.hosts.values():
        hv = host.hypervisor
        if hv is None:
            continue
        reasons: list[str] = []
        evidence: dict[str, Any] = {"product": hv.product, "version": hv.version}
        if hv.patched_on is not None and hv.patched_on < oldest:
            reasons.append("patch-age")
            evidence.update(
                patched_on=hv.patched_on.isoformat(),
                age_days=(ctx.estate.as_of - hv.patched_on).days,
                max_age_days=policy.patch_max_age_days,
            )
        minimum = policy.min_hypervisor_versions.get(hv.product)
        if minimum is not None and hv.version is not None and version_key(hv.version) < version_key(minimum):
            reasons.append("version")
            evidence["minimum_version"] = minimum
        if reasons:
            yield Hit(
                [ObjectRef("host", host.id)],
                {"reasons": reasons},
                evidence,
                ctx.vms_on_host[host.id],
                (),
                "on the host",
            )


RULE = Rule.beside(__file__, detect)
