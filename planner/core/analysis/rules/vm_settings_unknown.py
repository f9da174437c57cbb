"""VM-SETTINGS-UNKNOWN (gap): whether a VM shares clipboard or files is not given
(metadata: vm_settings_unknown.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule

JUDGED = ("clipboard_sharing", "file_sharing")


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    for vm in ctx.estate.vms.values():
        s = vm.settings
        if s is not None and s.clipboard_sharing is not None and s.file_sharing is not None:
            continue
        unknown = list(JUDGED) if s is None else [name for name in JUDGED if getattr(s, name) is None]
        yield Hit([ObjectRef("vm", vm.id)], {"unknown": unknown}, {}, [vm], (), "itself")


RULE = Rule.beside(__file__, detect)
