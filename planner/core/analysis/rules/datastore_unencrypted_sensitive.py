"""DATASTORE-UNENCRYPTED-SENSITIVE: an unencrypted datastore holds high-confidentiality disks
(metadata: datastore_unencrypted_sensitive.yaml)."""
from __future__ import annotations

from ..findings import ObjectRef
from .rule import Hit, Rule


def high_confidentiality(vms):
    return [v for v in vms if v.categorization is not None and v.categorization.confidentiality == "high"]


def detect(ctx):
    for ds in ctx.estate.datastores.values():
        if ds.encrypted is not False:
            continue
        sensitive = high_confidentiality(ctx.vms_on_datastore[ds.id])
        if sensitive:
            yield Hit([ObjectRef("datastore", ds.id)], {}, {"high_confidentiality_vms": [v.id for v in sensitive]},
                      sensitive, (), "with disks on the datastore")


RULE = Rule.beside(__file__, detect)
