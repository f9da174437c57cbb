"""What VirtPlan says about a plan and what people say back: analysis runs,
findings with their triage and its history, questionnaire answers with
their history, and generated reports.

A finding is keyed per plan by its fingerprint (stable while the situation
is unchanged), so a triage decision survives re-analysis. A finding that no
longer fires is marked resolved, never deleted; every status change is an
event in ``finding_events``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from planner.core.analysis.findings import TRIAGE_STATUSES

from .base import Base, JSONType, UTCDateTime, utcnow
from .jobs import JOB_STATE_CHECK, JOB_STATES, BackgroundJob

__all__ = [
    "REPORT_STATES",
    "TRIAGE_STATUSES",
    "AnalysisJob",
    "AnalysisRun",
    "Answer",
    "AnswerEvent",
    "Finding",
    "FindingEvent",
    "FindingObject",
    "FindingScope",
    "Report",
]

REPORT_STATES = JOB_STATES


class AnalysisRun(Base):
    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    inventory_version: Mapped[int] = mapped_column(Integer)
    questionnaire_version: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    requested_by: Mapped[str | None] = mapped_column(String(200))
    #: The answers the run assessed, as their ETag (changes with every answer change).
    answers_version: Mapped[str | None] = mapped_column(String(80))
    #: The analysis summary (by_risk, by_zone, by_host, by_rule) and change counts.
    summary: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: The placement advice made at the same time, counted with the same answers
    #: (planner.core.assessment.kept_advice); None for runs made before it was kept.
    placement: Mapped[dict | None] = mapped_column(JSONType)


class AnalysisJob(BackgroundJob, Base):
    """An analysis run asked for in the background (a plan too large to analyse
    within a request); once it succeeds, the run it made."""

    __tablename__ = "analysis_jobs"
    __table_args__ = (
        CheckConstraint(JOB_STATE_CHECK, name="state"),
        Index("ix_analysis_jobs_plan_id_id", "plan_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    #: The inventory version when the job was asked for (the run shows the version it read).
    inventory_version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
    #: What happened to the findings: new, still, reopened, resolved.
    changes: Mapped[dict | None] = mapped_column(JSONType)


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("plan_id", "fingerprint"),
        Index("ix_findings_plan_id_rule", "plan_id", "rule"),
        Index("ix_findings_plan_id_order_key", "plan_id", "order_key"),
        CheckConstraint("status IN ('open', 'accepted', 'mitigated', 'false-positive', 'transferred')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    objects: Mapped[list] = mapped_column(JSONType)
    likelihood: Mapped[str] = mapped_column(String(10))
    impact: Mapped[str] = mapped_column(String(10))
    risk: Mapped[str] = mapped_column(String(10))
    factors: Mapped[list] = mapped_column(JSONType)
    evidence: Mapped[dict] = mapped_column(JSONType)
    references: Mapped[list] = mapped_column(JSONType)
    remediation: Mapped[str] = mapped_column(Text)
    #: planner.core.analysis.finding_order of the content: every list of findings sorts by it.
    order_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: The zones and hosts the finding touches, ``{"zones": [...], "hosts": [...]}``, as the
    #: analysis summary counts them (``finding_scopes`` indexes them); None before analysis kept it.
    scope: Mapped[dict | None] = mapped_column(JSONType)
    #: Triage, set by people: survives re-analysis.
    status: Mapped[str] = mapped_column(String(20), default="open")
    justification: Mapped[str | None] = mapped_column(Text)
    status_by: Mapped[str | None] = mapped_column(String(200))
    status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Lifecycle, set by analysis: resolved when it stops firing, active again if it returns.
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_seen_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
    last_seen_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    object_links: Mapped[list[FindingObject]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    scope_links: Mapped[list[FindingScope]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    events: Mapped[list[FindingEvent]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="FindingEvent.id"
    )


class FindingObject(Base):
    """The inventory objects a finding names, for filtering by object."""

    __tablename__ = "finding_objects"
    __table_args__ = (Index("ix_finding_objects_plan_id_kind_ext_id", "plan_id", "kind", "ext_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    ext_id: Mapped[str] = mapped_column(String(200))


class FindingScope(Base):
    """The zones and hosts a finding touches (``Finding.scope``), for filtering the register by zone or host."""

    __tablename__ = "finding_scopes"
    __table_args__ = (
        Index("ix_finding_scopes_plan_id_kind_ext_id", "plan_id", "kind", "ext_id"),
        CheckConstraint("kind IN ('zone', 'host')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    ext_id: Mapped[str] = mapped_column(String(200))


class FindingEvent(Base):
    """One change in a finding's life: created, status set, resolved, reopened."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    justification: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))


class Answer(Base):
    """The current answer to one question of a plan's questionnaire."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("plan_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(200))
    value: Mapped[object] = mapped_column(JSONType)
    comment: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnswerEvent(Base):
    """Every answer ever given (or cleared), newest last."""

    __tablename__ = "answer_events"
    __table_args__ = (Index("ix_answer_events_plan_id_question_id", "plan_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(200))
    change: Mapped[str] = mapped_column(String(10))  # "set" or "cleared"
    value: Mapped[object | None] = mapped_column(JSONType)
    comment: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    questionnaire_version: Mapped[str | None] = mapped_column(String(40))


class Report(BackgroundJob, Base):
    """A report job and, once it succeeds, the report exactly as generated."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(JOB_STATE_CHECK, name="state"),
        Index("ix_reports_plan_id_id", "plan_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(10))
    inventory_version: Mapped[int] = mapped_column(Integer)
    #: The stored analysis run the report shows (its findings, triage and placement advice).
    analysis_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"))
    plan_version: Mapped[str | None] = mapped_column(String(40))
    media_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
