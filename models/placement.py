"""Placement proposals: the placement advisor's advice for one inventory
version of a plan, kept so that it can be read, and accepted (all of it or
some of its moves) as it was proposed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType, UTCDateTime
from .jobs import JOB_STATE_CHECK, JOB_STATES, BackgroundJob

PROPOSAL_STATES = JOB_STATES


class PlacementProposal(BackgroundJob, Base):
    """One proposal: asked for, computed (in the request, or as a background job
    under the leases every job has), perhaps accepted."""

    __tablename__ = "placement_proposals"
    __table_args__ = (
        CheckConstraint(JOB_STATE_CHECK, name="state"),
        Index("ix_placement_proposals_plan_id_id", "plan_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    #: The inventory version the advice is for; accepting needs the plan still at it.
    inventory_version: Mapped[int] = mapped_column(Integer)
    #: The answers the findings before and after were counted with (their ETag).
    answers_version: Mapped[str | None] = mapped_column(String(80))
    #: The exact solver's budget, in CP-SAT's deterministic seconds.
    time_limit: Mapped[float] = mapped_column(Float)
    #: The advice as a plan keeps it (planner.core.assessment.kept_advice).
    advice: Mapped[dict | None] = mapped_column(JSONType, deferred=True)
    #: Every VM whose host the advice changes: [{"vm", "from", "to"}], "to" null when it is left without one.
    changes: Mapped[list | None] = mapped_column(JSONType, deferred=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    #: The VMs whose change was applied, in the proposal's order.
    accepted_vms: Mapped[list | None] = mapped_column(JSONType)
    #: The inventory version the acceptance wrote, and the analysis run made of it.
    accepted_version: Mapped[int | None] = mapped_column(Integer)
    analysis_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
