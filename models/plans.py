"""Plans: one proposed (or existing) deployment of an organization, with its
inventory (see :mod:`models.inventory`) and, later, answers, findings and
reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Organization
from .base import Base, JSONType, UTCDateTime, utcnow


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
    #: Top-level fields of the inventory document.
    as_of: Mapped[str | None] = mapped_column(String(10))
    source_system: Mapped[str | None] = mapped_column(String(200))
    source_exported_at: Mapped[str | None] = mapped_column(String(40))
    #: The questionnaire version the plan's answers were last given against.
    questionnaire_version: Mapped[str | None] = mapped_column(String(40))

    organization: Mapped[Organization] = relationship()
    policy: Mapped[PlanPolicy | None] = relationship(cascade="all, delete-orphan", passive_deletes=True, uselist=False)


class PlanPolicy(Base):
    """The inventory document's ``policy`` object."""

    __tablename__ = "plan_policies"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    zone_mixing: Mapped[str] = mapped_column(String(20))
    max_cpu_overcommit: Mapped[float] = mapped_column(Float)
    max_memory_overcommit: Mapped[float] = mapped_column(Float)
    patch_max_age_days: Mapped[int] = mapped_column(Integer)
    min_hypervisor_versions: Mapped[dict] = mapped_column(JSONType)
    placement_scope: Mapped[str] = mapped_column(String(20), server_default="cluster")
    snapshot_max_age_days: Mapped[int] = mapped_column(Integer, server_default="7")
