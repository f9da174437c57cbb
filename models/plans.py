"""Plans: one proposed (or existing) deployment of an organization, with its
inventory (see :mod:`models.inventory`) and, later, answers, findings and
reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
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
    #: Set while the plan is archived: kept whole, left out of the plans list until restored.
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

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


class InventoryVersion(Base):
    """The inventory document as it stood at one version of the plan, kept so
    two versions can be compared (zlib-compressed JSON of the normalized
    document; written by every change, see planner.services.plans)."""

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
    #: Objects per collection, for the list without unpacking the document.
    counts: Mapped[dict] = mapped_column(JSONType)
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
