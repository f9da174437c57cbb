"""HOST-SHELL-ENABLED (v1.1): a host runs a local or SSH shell service
(metadata: host_shell_enabled.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for host in ctx.estate.hosts.values():
        if host.settings is not None and host.settings.shell is True:
            yield Hit([ObjectRef("host", host.id)], {}, {}, ctx.vms_on_host[host.id], (), "on the host")


RULE = Rule.beside(__file__, detect)
