"""Plans: one proposed (or existing) deployment of an organization, with its
inventory (its versions, one document each: see :mod:`models.inventory`),
answers, findings and reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Organization
from .base import Base, UTCDateTime, utcnow


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    #: Grows by one with every write that changes the inventory; the ETag of
    #: the inventory is derived from it (If-Match guards against lost updates).
    inventory_version: Mapped[int] = mapped_column(Integer, default=0)
    inventory_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The questionnaire version the plan's answers were last given against.
    questionnaire_version: Mapped[str | None] = mapped_column(String(40))
    #: Set while the plan is archived: kept whole, left out of the plans list until restored.
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
