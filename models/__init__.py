"""Persistence: SQLAlchemy 2 models, and the mapping of rows to and from the
core's objects. Imports the core, never the shells."""

from .accounts import ROLES, SCOPES, ApiToken, Membership, Organization, User, UserSession
from .assessment import (
    REPORT_STATES,
    TRIAGE_STATUSES,
    AnalysisJob,
    AnalysisRun,
    Answer,
    AnswerEvent,
    Finding,
    FindingEvent,
    FindingObject,
    FindingScope,
    Report,
)
from .base import Base
from .evidence import EVIDENCE_KINDS, PlanEvidence
from .imports import IMPORT_STATES, ImportJob, ImportJobFile
from .inventory import InventoryVersion
from .placement import PROPOSAL_STATES, PlacementProposal
from .plans import Plan

__all__ = [
    "EVIDENCE_KINDS",
    "IMPORT_STATES",
    "PROPOSAL_STATES",
    "REPORT_STATES",
    "ROLES",
    "SCOPES",
    "TRIAGE_STATUSES",
    "AnalysisJob",
    "AnalysisRun",
    "Answer",
    "AnswerEvent",
    "ApiToken",
    "Base",
    "Finding",
    "FindingEvent",
    "FindingObject",
    "FindingScope",
    "ImportJob",
    "ImportJobFile",
    "InventoryVersion",
    "Membership",
    "Organization",
    "PlacementProposal",
    "Plan",
    "PlanEvidence",
    "Report",
    "User",
    "UserSession",
]
