"""DATASTORE-ENCRYPTION-UNKNOWN (gap): a datastore with high-confidentiality disks does not say
whether it is encrypted (metadata: datastore_encryption_unknown.yaml)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import AnalysisContext
from .datastore_unencrypted_sensitive import sensitive_datastores
from .rule import Hit, Rule


def detect(ctx: AnalysisContext) -> Iterator[Hit]:
    return sensitive_datastores(ctx, None)


RULE = Rule.beside(__file__, detect)
