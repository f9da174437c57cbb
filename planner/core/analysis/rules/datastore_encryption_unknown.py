"""DATASTORE-ENCRYPTION-UNKNOWN (gap): a datastore with high-confidentiality disks does not say
whether it is encrypted (metadata: datastore_encryption_unknown.yaml)."""
from __future__ import annotations

from ..findings import ObjectRef
from .datastore_unencrypted_sensitive import high_confidentiality
from .rule import Hit, Rule


def detect(ctx):
    for ds in ctx.estate.datastores.values():
        if ds.encrypted is not None:
            continue
        sensitive = high_confidentiality(ctx.vms_on_datastore[ds.id])
        if sensitive:
            yield Hit([ObjectRef("datastore", ds.id)], {}, {"high_confidentiality_vms": [v.id for v in sensitive]},
                      sensitive, (), "with disks on the datastore")


RULE = Rule.beside(__file__, detect)
