"""HOST-SETTINGS-UNKNOWN (gap): a host hardening setting the rules judge is not given
(metadata: host_settings_unknown.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule

#: The settings some rule judges; ``introspection`` is advice (HV-12), not judged.
JUDGED = ("time_sync", "remote_logging", "lockdown")


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        s = host.settings
        unknown = list(JUDGED) if s is None else [name for name in JUDGED if getattr(s, name) is None]
        if unknown:
            yield Hit(
                [ObjectRef("host", host.id)], {"unknown": unknown}, {}, ctx.vms_on_host[host.id], (), "on the host"
            )


RULE = Rule.beside(__file__, detect)
