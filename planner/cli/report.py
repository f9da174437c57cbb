"""``virtplan report``: the security plan of an inventory file, no server or database.

Loads and validates the inventory (and the questionnaire answers, if given),
assesses it the way the API does (:func:`planner.core.assessment.assess`), and
writes the plan in one format. The
format follows ``--format``, else the extension of ``-o``, else PDF.
Exit codes: 0 written, 2 invalid inventory/answers/options, 1 rendering failed.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from planner.core.assessment import assess
from planner.core.placement import advise

from .inventory import load_or_exit
from .questionnaire import answers_or_exit, questionnaire_or_exit

_EXTENSIONS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}


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
    help="Default: from the extension of --output, else pdf.",
)
@click.option("--name", help="Plan name (default: the system name answered, else the inventory file name).")
@click.option("--organization", default=None, help="Organization the plan is for.")
@click.option("--plan-version", default="1", show_default=True, help="Version printed on the plan.")
@click.option(
    "--placement/--no-placement", default=True, show_default=True, help="Include the placement advisor's proposal."
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
) -> None:
    """Write the security plan of the inventory in INVENTORY.

    Exits 2 with the problems if the inventory or the answers are invalid.
    """
    import reports

    if fmt is None:
        fmt = "oscal" if output.endswith(".oscal.json") else _EXTENSIONS.get(Path(output).suffix.lower(), "pdf")
    estate = load_or_exit(inventory)
    questionnaire, answers = (None, None)
    if answers_path:
        questionnaire, answers = questionnaire_or_exit(), answers_or_exit(answers_path, estate)
    answer_values = {} if answers is None else answers.answers
    system_name = answer_values.get("initiation.identification.system_name")
    plan_name = (
        name
        or (system_name.value if system_name is not None and system_name.answered else None)
        or Path(inventory).stem
    )
    analysis = assess(estate, answers=answers, questionnaire=questionnaire, plan_id=plan_name)
    plan = reports.PlanReport(
        name=plan_name,
        organization=organization or "Organization not stated",
        estate=estate,
        analysis=analysis,
        version=plan_version,
        generated=dt.datetime.now(dt.UTC).replace(microsecond=0),
        questionnaire=questionnaire,
        answers=answers,
        placement=advise(estate).to_dict() if placement else None,
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
        click.echo(f"{output}: {fmt} security plan, {len(analysis.findings)} findings, {len(data):,} bytes", err=True)


COMMANDS = [report_command]
