"""Persistence: SQLAlchemy 2 models, and the mapping of rows to and from the
core's objects. Imports the core, never the shells."""
from .assessment import (REPORT_STATES, TRIAGE_STATUSES, AnalysisRun, Answer, AnswerEvent, Finding, FindingEvent,
                         FindingObject, Report)
from .accounts import ROLES, SCOPES, ApiToken, Membership, Organization, User
from .base import Base
from .inventory import (Appliance, ApplianceNetwork, Cluster, Datastore, DatastoreHost, Host, HostDevice,
                        Network, Vm, VmDevice, VmDisk, VmNic, Zone)
from .plans import Plan, PlanPolicy

__all__ = ["REPORT_STATES", "TRIAGE_STATUSES", "AnalysisRun", "Answer", "AnswerEvent", "Finding", "FindingEvent",
           "FindingObject", "Report", "ROLES", "SCOPES", "ApiToken", "Appliance", "ApplianceNetwork", "Base", "Cluster", "Datastore",
           "DatastoreHost", "Host", "HostDevice", "Membership", "Network", "Organization", "Plan",
           "PlanPolicy", "User", "Vm", "VmDevice", "VmDisk", "VmNic", "Zone"]
