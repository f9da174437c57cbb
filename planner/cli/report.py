"""``virtplan report``: the security plan of an inventory file, no server or database.

Loads and validates the inventory (and the questionnaire answers, if given),
assesses it through the same core call the stored analysis runs use
(:func:`planner.core.assessment.assessment`: findings, then placement advice
counted with the answers), and writes the plan in one format: ``--format``,
else the one the ending of ``-o`` names (a mismatch, or an ending that names
none, exits 2). The plan is dated now, or ``SOURCE_DATE_EPOCH`` when set.
Exit codes: 0 written, 2 invalid inventory/answers/options, 1 rendering failed.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from planner.core.allocation import bulk_allocation
from planner.core.assessment import assessment
from planner.core.questionnaire import ORGANIZATION, SYSTEM_NAME, answered_text, as_answers

from .evidence import evidence_or_exit
from .inventory import load_or_exit
from .questionnaire import answers_or_exit, questionnaire_or_exit

#: Output file endings and the formats each one may hold, the one it implies first
#: (the first ending that matches wins: OSCAL is JSON too).
SUFFIXES = {
    ".oscal.json": ("oscal",),
    ".oscal": ("oscal",),
    ".pdf": ("pdf",),
    ".html": ("html",),
    ".htm": ("html",),
    ".json": ("json", "oscal"),
    ".csv": ("csv",),
    ".xlsx": ("xlsx",),
}


def generation_date() -> dt.datetime:
    """When the plan is generated: now, or ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) when set,
    the reproducible-builds convention for output that must not depend on the clock;
    exits 2 when it is not a whole number of seconds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return dt.datetime.fromtimestamp(int(epoch.strip(), 10), dt.UTC)
    except (ValueError, OverflowError, OSError):
        click.echo(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, not {epoch!r}", err=True)
        sys.exit(2)


def format_of(output: str, fmt: str | None) -> str:
    """The format to write: ``--format``, else the one ``output``'s ending names;
    exits 2 when they disagree or when neither says (no silent PDF in a .oscal file)."""
    name = output.lower()
    allowed = next((f for suffix, f in SUFFIXES.items() if name.endswith(suffix)), None)
    if output == "-":
        return fmt or "pdf"
    if allowed is None:
        if fmt is None:
            known = ", ".join(SUFFIXES)
            click.echo(
                f"{output}: cannot tell the format from the file name (known endings: {known}); add --format",
                err=True,
            )
            sys.exit(2)
        return fmt
    if fmt is None:
        return allowed[0]
    if fmt not in allowed:
        click.echo(f"{output}: the file name says {allowed[0]} but --format says {fmt}; make them agree", err=True)
        sys.exit(2)
    return fmt


@click.command("report")
@click.argument("inventory", type=click.Path(dir_okay=False))
@click.option(
    "--answers", "answers_path", type=click.Path(dir_okay=False), help="Questionnaire answers (YAML or JSON)."
)
@click.option("-o", "--output", required=True, help="File to write ('-' for standard output).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "html", "json", "csv", "xlsx", "oscal"]),
    help="Default: from the ending of --output (.pdf .html .json .csv .xlsx .oscal.json); pdf for '-'.",
)
@click.option("--name", help="Plan name (default: the system name answered, else the inventory file name).")
@click.option(
    "--organization",
    default=None,
    help="Organization responsible for the system (default: the one answered under system identification).",
)
@click.option("--plan-version", default="1", show_default=True, help="Version printed on the plan.")
@click.option(
    "--placement/--no-placement", default=True, show_default=True, help="Include the placement advisor's proposal."
)
@click.option(
    "--evidence",
    "evidence_paths",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A hardening baseline (VMware SCG .csv) or STIG checklist (.ckl, .cklb, XCCDF .xml); repeatable.",
)
def report_command(
    inventory: str,
    answers_path: str | None,
    output: str,
    fmt: str | None,
    name: str | None,
    organization: str | None,
    plan_version: str,
    placement: bool,
    evidence_paths: tuple[str, ...],
) -> None:
    """Write the security plan of the inventory in INVENTORY.

    Exits 2 with the problems if the inventory or the answers are invalid.
    """
    import reports

    fmt = format_of(output, fmt)
    generated = generation_date()
    with bulk_allocation():  # reading and assessing a large estate: see planner.core.allocation
        estate = load_or_exit(inventory)
        questionnaire, answers = (None, None)
        if answers_path:
            questionnaire, answers = questionnaire_or_exit(), answers_or_exit(answers_path, estate)
        answered = as_answers(answers)
        plan_name = name or answered_text(answered, SYSTEM_NAME) or Path(inventory).stem
        read = [(Path(p).name, evidence_or_exit(p)) for p in evidence_paths]
        assessed = assessment(
            estate,
            answers,
            questionnaire,
            plan_id=plan_name,
            placement=placement,
            baselines=[e.baseline for _, e in read if e.baseline is not None],
            checklists=[(name, c) for name, e in read for c in e.checklists],
        )
    plan = reports.PlanReport(
        name=plan_name,
        organization=organization or answered_text(answered, ORGANIZATION) or "",
        assessment=assessed,
        version=plan_version,
        generated=generated,
    )
    try:
        data = reports.render(plan, fmt)
    except reports.RenderError as exc:
        click.echo(f"cannot render the report: {exc}", err=True)
        sys.exit(1)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            click.echo(f"{output}: cannot write: {exc.strerror}", err=True)
            sys.exit(1)
        count = len(assessed.findings)
        click.echo(
            f"{output}: {fmt} security plan, {count} finding{'s' if count != 1 else ''}, {len(data):,} bytes", err=True
        )


COMMANDS = [report_command]
