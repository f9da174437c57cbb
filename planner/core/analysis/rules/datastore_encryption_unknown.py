"""DATASTORE-ENCRYPTION-UNKNOWN (gap): a datastore with high-confidentiality disks does not say
whether it is encrypted (metadata: datastore_encryption_unknown.yaml)."""

from __future__ import annotations

from .datastore_unencrypted_sensitive import sensitive_datastores
from .rule import Rule


def detect(ctx):
    return sensitive_datastores(ctx, None)


RULE = Rule.beside(__file__, detect)
