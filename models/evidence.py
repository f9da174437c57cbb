"""Evidence attached to a plan: hardening baselines and assessment checklists.

A row keeps what was read from the user's file (the parsed content, as
:mod:`planner.evidence` gives it), never the file's bytes; its SHA-256 makes
attaching the same file twice a no-op.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime, utcnow

EVIDENCE_KINDS = ("baseline", "checklist")


class PlanEvidence(Base):
    __tablename__ = "plan_evidence"
    __table_args__ = (
        UniqueConstraint("plan_id", "sha256"),
        CheckConstraint("kind IN ('baseline', 'checklist')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    #: What the file says, parsed: {"baseline": {...}} or {"checklists": [...]}.
    content: Mapped[dict] = mapped_column(JSONType)
    #: Counts and names for listing without loading the content.
    summary: Mapped[dict] = mapped_column(JSONType)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
