"""``virtplan evidence``: hardening baselines and STIG checklists, attached to a
stored plan (``attach``, ``list``, ``detach``) or checked alone (``check``).

``virtplan report … --evidence FILE`` takes the same files for a plan made from
files. Exit codes: 0 done, 2 a file that is not readable evidence (every problem
listed with its place) or an unknown plan.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.evidence import FORMATS, Evidence, EvidenceError, read_evidence


def evidence_or_exit(path: str, fmt: str | None = None) -> Evidence:
    """Read one evidence file, or exit 2 with every problem."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        click.echo(f"{path}: cannot read: {exc.strerror or exc}", err=True)
        sys.exit(2)
    try:
        return read_evidence(Path(path).name, data, fmt)
    except EvidenceError as exc:
        click.echo(f"{path}: not readable evidence", err=True)
        for p in exc.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(2)


def _describe(e: Evidence) -> str:
    s = e.summary()
    if e.kind == "baseline":
        return f"baseline {s['name']}, {s['controls']} controls"
    return f"checklist of {', '.join(s['targets'])}: {s['results']} results ({'; '.join(s['benchmarks'])})"


@click.group("evidence")
def evidence() -> None:
    """Hardening baselines (VMware SCG CSV) and STIG checklists (CKL, CKLB, XCCDF)."""


_FORMAT = click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="Default: from the file name.")


@evidence.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_FORMAT
def check(files: tuple[str, ...], fmt: str | None) -> None:
    """Read FILES as evidence and say what each holds (nothing is stored)."""
    for path in files:
        click.echo(f"{path}: {_describe(evidence_or_exit(path, fmt))}")


def _plan_caller(session, plan_id: int):
    from models import Plan
    from planner.services.accounts import Caller

    plan = session.get(Plan, plan_id)
    if plan is None:
        click.echo(f"error: no plan {plan_id}", err=True)
        sys.exit(2)
    # The command line acts with database access, as the plan's own organization.
    return Caller(plan.organization_id, frozenset({"read", "write"}), None, "virtplan evidence")


@evidence.command("attach")
@click.option("--plan", "plan_id", type=int, required=True, help="The stored plan's id.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_FORMAT
def attach(plan_id: int, files: tuple[str, ...], fmt: str | None) -> None:
    """Attach FILES to plan --plan (all or none: one unreadable file stores nothing)."""
    from planner.services import evidence as service

    from .accounts import use_case

    for path in files:  # read them all first, so a bad one stops before anything is written
        evidence_or_exit(path, fmt)
    with use_case() as session:
        caller = _plan_caller(session, plan_id)
        for path in files:
            row, created = service.attach_evidence(
                session, caller, plan_id, Path(path).name, Path(path).read_bytes(), fmt
            )
            click.echo(f"{path}: evidence {row.id} ({row.kind}, {row.format}){'' if created else ', already attached'}")


@evidence.command("list")
@click.option("--plan", "plan_id", type=int, required=True, help="The stored plan's id.")
def list_command(plan_id: int) -> None:
    """The evidence attached to plan --plan."""
    from planner.services import evidence as service

    from .accounts import use_case

    with use_case() as session:
        for row in service.list_evidence(session, _plan_caller(session, plan_id), plan_id):
            click.echo(f"{row.id}\t{row.kind}\t{row.format}\t{row.filename}\t{row.uploaded_at:%Y-%m-%d}")


@evidence.command("detach")
@click.option("--plan", "plan_id", type=int, required=True, help="The stored plan's id.")
@click.argument("evidence_id", type=int)
def detach(plan_id: int, evidence_id: int) -> None:
    """Remove evidence EVIDENCE_ID from plan --plan."""
    from planner.services import evidence as service

    from .accounts import use_case

    with use_case() as session:
        service.delete_evidence(session, _plan_caller(session, plan_id), plan_id, evidence_id)
    click.echo(f"evidence {evidence_id} detached from plan {plan_id}", err=True)


COMMANDS = [evidence]
