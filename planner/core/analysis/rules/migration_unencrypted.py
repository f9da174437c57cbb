"""MIGRATION-UNENCRYPTED (v1.1): a host's live migration is not encrypted or runs on
a network not dedicated to migration (metadata: migration_unencrypted.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    networks = ctx.estate.networks
    for host in ctx.estate.hosts.values():
        m = host.migration
        if m is None:
            continue
        reasons: list[str] = []
        evidence: dict[str, Any] = {"network": m.network, "encrypted": m.encrypted}
        if m.encrypted is False:
            reasons.append("not-encrypted")
        if m.network is not None and networks[m.network].purpose != "migration":
            reasons.append("network-not-dedicated")
            evidence["network_purpose"] = networks[m.network].purpose
        if reasons:
            yield Hit(
                [ObjectRef("host", host.id)],
                {"network": m.network, "reasons": reasons},
                evidence,
                ctx.vms_on_host[host.id],
                (),
                "on the host",
            )


RULE = Rule.beside(__file__, detect)
