"""The demo organization and plan that ``make run`` loads: a mid-size
company's consolidation project (DMZ, internal services, a restricted
payments zone, management and storage networks), with the design faults a
review would find. What a newcomer sees first; keep it showing every
capability as it lands: the inventory, the answered lifecycle questionnaire,
the analysis with some findings triaged, placement advice (a proposal to
review and accept on the plan's placement tab, and the report's chapter) and a
generated PDF security plan."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import ApiToken, Organization, Plan, Report, User
from models.base import utcnow
from planner.services import accounts, analysis, answers, evidence, imports, placement, plans, report_jobs
from planner.services.accounts import Caller
from planner.services.errors import NotFound

#: Triage a consultant would record on the demo's findings: (rule, object, status, justification).
TRIAGE = (
    (
        "ZONE-MIX-HOST",
        "host:esx-prod-02",
        "accepted",
        "vm-web-03 runs here only during the DMZ host maintenance window (CHG-2307); moved back by 2026-12-15.",
    ),
    (
        "UNFILTERED-ZONE-PATH",
        "network:pg-office",
        "transferred",
        "The branch router is operated by the WAN provider under contract HL-NET-7; decommission tracked in CHG-2291.",
    ),
    (
        "VM-UNUSED-DEVICES",
        "vm:vm-print-01",
        "mitigated",
        "Optical drive disconnected in the VM template on 2026-11-20; inventory refresh pending.",
    ),
    (
        "HOST-NO-REMOTE-LOGGING",
        "host:lab-ws-01",
        "false-positive",
        "The lab workstation forwards logs through its endpoint agent, which the inventory does not see.",
    ),
    (
        "GUEST-ON-INFRA-NETWORK",
        "vm:vm-backup",
        "accepted",
        "The backup proxy reads VM backups over the backup VLAN by design; only the backup team administers it "
        "and its NIC there accepts backup traffic alone (BKP-STD-2).",
    ),
)

ORGANIZATION = "Harbor Logistics (demo)"
DEMO_TOKEN = "demo token"  # noqa: S105 -- the name the demo gives its API token, not a secret
USERNAME = "demo"
PLAN_NAME = "Datacenter consolidation 2027"
IMPORTED_PLAN_NAME = "Quay warehouse server room (RVTools import)"
IMPORTED_PLAN_DESCRIPTION = (
    "The Quay warehouse's own vSphere 7 room, to be consolidated: imported from its RVTools export "
    "(planner/demo/rvtools/) with the mapping planner/demo/rvtools-mapping.yaml."
)
PLAN_DESCRIPTION = (
    "Consolidate the web, application, payments and office workloads of two server rooms "
    "onto one vSphere 8 estate with a DMZ cluster, a production cluster and a lab."
)


def estate_document() -> dict:
    return json.loads(resources.files(__name__).joinpath("estate.json").read_text(encoding="utf-8"))


def rvtools_export() -> list[tuple[str, bytes]]:
    """The demo's RVTools export: one CSV per tab, as RVTools writes them."""
    folder = resources.files(__name__).joinpath("rvtools")
    return sorted((f.name, f.read_bytes()) for f in folder.iterdir() if f.name.endswith(".csv"))


def rvtools_mapping() -> str:
    return resources.files(__name__).joinpath("rvtools-mapping.yaml").read_text(encoding="utf-8")


#: Evidence the demo plan carries: Harbor's own ESXi baseline (in the VMware Security
#: Configuration Guide's CSV layout) and the STIG checklists of two assessed hosts.
EVIDENCE = ("harbor-esxi-baseline.csv", "esx-prod-04.ckl", "esx-prod-01.cklb")


def answers_path():
    """The demo plan's answered questionnaire (also the tests' worked example)."""
    return resources.files(__name__).joinpath("answers.yaml")


@dataclass(frozen=True)
class DemoAccess:
    organization: str
    plan_id: int
    username: str
    password: str
    token: str


def load_demo(session: Session) -> DemoAccess:
    """Create (or refresh) the demo organization, user, plan and a write token.

    Idempotent: a second run reuses what exists, re-applies the demo
    inventory, and issues a fresh password and token (shown once), revoking
    the demo tokens issued before.
    """
    org = session.scalar(select(Organization).where(Organization.name == ORGANIZATION)) or accounts.create_organization(
        session, ORGANIZATION
    )
    password = secrets.token_urlsafe(12)
    user = session.scalar(select(User).where(User.username == USERNAME))
    if user is None:
        user = accounts.create_user(session, USERNAME, password, org, "admin")
    else:
        accounts.set_password(session, USERNAME, password)  # ends the sessions of the last run
        for membership in user.memberships:
            membership.role = "admin"  # the demo shows everything, the organization's administration too
    caller = Caller(org.id, frozenset({"read", "write"}), user.id, USERNAME)
    plan = session.scalar(
        select(Plan).where(Plan.organization_id == org.id, Plan.name == PLAN_NAME)
    ) or plans.create_plan(session, caller, PLAN_NAME, PLAN_DESCRIPTION)
    plans.put_inventory(session, caller, plan.id, estate_document())
    with resources.as_file(answers_path()) as path:
        answers.load_answers_file(session, caller, plan.id, path)
    for name in EVIDENCE:  # attaching the same file again is a no-op
        data = resources.files(__name__).joinpath("evidence", name).read_bytes()
        evidence.attach_evidence(session, caller, plan.id, name, data)
    analysis.run_analysis(session, caller, plan.id)
    for rule, obj, status, justification in TRIAGE:
        found, _total = analysis.list_findings(session, caller, plan.id, rule=rule, object=obj)
        for finding in found:
            analysis.set_status(session, caller, plan.id, finding.id, status, justification)
    _propose(session, caller, plan.id)
    imported = session.scalar(
        select(Plan).where(Plan.organization_id == org.id, Plan.name == IMPORTED_PLAN_NAME)
    ) or plans.create_plan(session, caller, IMPORTED_PLAN_NAME, IMPORTED_PLAN_DESCRIPTION)
    # A sync: the second run finds the export unchanged and writes nothing.
    imports.import_into_plan(
        session, caller, imported.id, "rvtools", rvtools_export(), "rvtools-mapping.yaml", rvtools_mapping()
    )
    analysis.run_analysis(session, caller, imported.id)
    # Only the token printed now works: the demo's earlier ones are revoked
    # (a token shown once and lost is a token nobody can account for).
    session.execute(
        update(ApiToken)
        .where(ApiToken.organization_id == org.id, ApiToken.name == DEMO_TOKEN, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    _row, token = accounts.create_token(session, org, "write", DEMO_TOKEN, created_by=user)
    session.flush()
    return DemoAccess(org.name, plan.id, USERNAME, password, token)


def _propose(session: Session, caller: Caller, plan_id: int) -> None:
    """A placement proposal for the plan's inventory as it stands (made at once: the demo is small),
    unless the latest one is for it already."""
    try:
        latest = placement.latest_proposal(session, caller, plan_id)
    except NotFound:
        latest = None
    if latest is None or latest.accepted_at is not None or not placement.is_current(session, latest):
        placement.request_proposal(session, caller, plan_id)


def render_demo_report(session_factory, plan_id: int, organization_id: int) -> int:
    """Generate the demo plan's PDF security plan now (as a job would); its report id.

    A PDF already generated for the current inventory version is reused, so
    running the demo again does not pile up copies."""
    with session_factory() as session:
        caller = Caller(organization_id, frozenset({"read", "write"}), None, USERNAME)
        plan = plans.get_plan(session, caller, plan_id)
        done = session.scalar(
            select(Report.id).where(
                Report.plan_id == plan_id,
                Report.format == "pdf",
                Report.state == "succeeded",
                Report.inventory_version == plan.inventory_version,
            )
        )
        if done is not None:
            return done
        row = report_jobs.request_report(session, caller, plan_id, "pdf", "demo")
        session.commit()
        report_id = row.id
    report_jobs.run_report_job(session_factory, report_id)
    return report_id
