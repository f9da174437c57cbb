"""A plan's inventory, stored as one document per version.

The inventory contract (``planner.core.inventory.schema``) is the only place a
field is declared. Persistence keeps each version of a plan's inventory as its
*normalized* document, whole: its canonical JSON (keys in the contract's
order, no whitespace), compressed, in one :class:`InventoryVersion` row, with
what queries need beside it: the SHA-256 of that JSON (a write of an unchanged
document changes nothing), the header (the document without its collections:
schema, as_of, source, policy — what a plan's page shows) and the number of
objects in each collection. A new field in the contract needs no change here.

The plan's current inventory is the row whose ``version`` is the plan's
``inventory_version`` (version 0, no row, is the empty inventory every plan
starts with); the older rows are the versions kept for comparison. A read is
one fetch by that unique key, one decompression and one parse; a write adds
the next version in the caller's transaction (the plan row locked), so a
failing or killed write leaves the previous document as it was. Nothing
queries inside an inventory: the analysis, the reports, the API and the web
tables read it whole (see ``models.inventory_store``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow


class InventoryVersion(Base):
    """The inventory document of one plan at one version."""

    __tablename__ = "inventory_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who made this version (a user, a token, an import job); None for a version found already stored.
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    #: How it was made: upload, import, edit, copy, api… (free text, shown in the list).
    how: Mapped[str | None] = mapped_column(String(200))
    #: zlib-compressed canonical JSON of the normalized document (loaded only when asked for).
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: SHA-256 (hex) of the canonical JSON before compression.
    digest: Mapped[str] = mapped_column(String(64))
    #: SHA-256 (hex) of the request body a whole-document PUT made this version from (None when
    #: made otherwise): the same bytes sent again are this version, unchanged, without reading them.
    body_digest: Mapped[str | None] = mapped_column(String(64))
    #: Length of the canonical JSON in bytes.
    size: Mapped[int] = mapped_column(Integer)
    #: The document without its collections (schema, as_of, source, policy).
    header: Mapped[dict] = mapped_column(JSONType)
    #: Objects per collection, for lists and counts without unpacking the document.
    counts: Mapped[dict] = mapped_column(JSONType)
