"""VM-CLIPBOARD-SHARING: clipboard or file sharing between guest and host is on
(metadata: vm_clipboard_sharing.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for vm in ctx.estate.vms.values():
        s = vm.settings
        if s is None:
            continue
        enabled = [
            name
            for name, on in (("clipboard_sharing", s.clipboard_sharing), ("file_sharing", s.file_sharing))
            if on is True
        ]
        if enabled:
            yield Hit([ObjectRef("vm", vm.id)], {"enabled": enabled}, {}, [vm], (), "itself")


RULE = Rule.beside(__file__, detect)
