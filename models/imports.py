"""Import jobs: a CMDB source (its files and mapping) imported into a plan in
the background, with the diff and warnings it produced."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONType
from .jobs import JOB_STATE_CHECK, JOB_STATES, BackgroundJob

IMPORT_STATES = JOB_STATES


class ImportJob(BackgroundJob, Base):
    """One import (or dry run) of a source into a plan, and what came of it."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(JOB_STATE_CHECK, name="state"),
        Index("ix_import_jobs_plan_id_id", "plan_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    prune: Mapped[bool] = mapped_column(Boolean, default=False)
    mapping_name: Mapped[str] = mapped_column(String(300))
    mapping: Mapped[str] = mapped_column(Text)
    #: The job whose files this one imports (itself, or the dry run it applies).
    files_job_id: Mapped[int | None] = mapped_column(Integer)
    #: The dry run this job applies, and the inventory version that dry run saw.
    preview_of: Mapped[int | None] = mapped_column(Integer)
    expected_version: Mapped[int | None] = mapped_column(Integer)
    base_version: Mapped[int | None] = mapped_column(Integer)
    result_version: Mapped[int | None] = mapped_column(Integer)
    changed: Mapped[bool | None] = mapped_column(Boolean)
    #: counts, diff, unmatched objects and warnings (see planner.services.imports.Outcome.result)
    result: Mapped[dict | None] = mapped_column(JSONType, deferred=True)
    problems: Mapped[list | None] = mapped_column(JSONType)


class ImportJobFile(Base):
    """A file given to an import job, kept so a previewed import can be applied as previewed."""

    __tablename__ = "import_job_files"
    __table_args__ = (Index("ix_import_job_files_job_id_position", "job_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
