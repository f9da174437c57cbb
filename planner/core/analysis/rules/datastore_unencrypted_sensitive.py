"""DATASTORE-UNENCRYPTED-SENSITIVE: an unencrypted datastore holds high-confidentiality disks
(metadata: datastore_unencrypted_sensitive.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from ..findings import ObjectRef
from .rule import Hit, Rule


def sensitive_datastores(ctx: AnalysisContext, encrypted: bool | None) -> Iterator[Hit]:
    """Hits for datastores whose ``encrypted`` is exactly ``encrypted`` (False, or None: unknown)
    and that hold a disk of a high-confidentiality VM."""
    for ds in ctx.estate.datastores.values():
        if ds.encrypted is not encrypted:
            continue
        sensitive = [
            v
            for v in ctx.vms_on_datastore[ds.id]
            if v.categorization is not None and v.categorization.confidentiality == "high"
        ]
        if sensitive:
            yield Hit(
                [ObjectRef("datastore", ds.id)],
                {},
                {"high_confidentiality_vms": [v.id for v in sensitive]},
                sensitive,
                (),
                "with disks on the datastore",
            )


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    return sensitive_datastores(ctx, False)


RULE = Rule.beside(__file__, detect)
