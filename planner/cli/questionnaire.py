"""``virtplan questionnaire``: the lifecycle questionnaire offline.

``export`` writes a blank answers file a consultant fills in away from the
server; ``validate`` checks a filled-in file (against an inventory, when given,
so inventory conditions decide which questions apply) and reports progress.
"""

from __future__ import annotations

import json
import sys

import click

from planner.core.questionnaire import (
    AnswersError,
    DefinitionError,
    carry_answers,
    default_questionnaire,
    progress,
    read_answers,
    validate_answers,
)
from planner.core.questionnaire.export import blank_answers_document, blank_answers_yaml

from .inventory import exit_unreadable, exit_with_problems, load_or_exit


def questionnaire_or_exit():
    """The packaged questionnaire, or exit 1: a broken definition is our failure, not the user's."""
    try:
        return default_questionnaire()
    except DefinitionError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def answers_or_exit(path: str, estate=None):
    """The valid answers in ``path`` (carried to the current questionnaire
    version if recorded against another), or exit 2 listing every problem."""
    questionnaire = questionnaire_or_exit()
    try:
        document = read_answers(path)
    except AnswersError as exc:
        exit_with_problems(path, exc.problems)
    except OSError as exc:
        exit_unreadable(path, exc)
    if document.version not in (None, questionnaire.version):
        carried = carry_answers(document, questionnaire)
        for dropped in carried.dropped:
            click.echo(f"{path}: answers.{dropped.id}: dropped ({dropped.reason})", err=True)
        document.answers, document.version = carried.answers, questionnaire.version
    problems = validate_answers(questionnaire, document, estate)
    if problems:
        exit_with_problems(path, problems)
    return document


@click.group("questionnaire")
def questionnaire_group() -> None:
    """The SP 800-125 lifecycle questionnaire (answers files)."""


@questionnaire_group.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="yaml: commented with each question's text and help; json: plain.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of stdout.",
)
def export_command(fmt: str, output: str | None) -> None:
    """Write a blank answers file to fill in offline."""
    questionnaire = questionnaire_or_exit()
    if fmt == "yaml":
        text = blank_answers_yaml(questionnaire)
    else:
        text = json.dumps(blank_answers_document(questionnaire), ensure_ascii=False, indent=2) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


@questionnaire_group.command("validate")
@click.argument("answers", type=click.Path(dir_okay=False))
@click.option(
    "--inventory",
    type=click.Path(dir_okay=False),
    default=None,
    help="Inventory document (JSON) the answers are for; its facts decide which questions apply.",
)
def validate_command(answers: str, inventory: str | None) -> None:
    """Check the answers file ANSWERS; print progress per phase.

    Exits 2 listing each problem (unknown question, wrong type or choice, an
    answer to a question that does not apply), 0 when valid.
    """
    estate = load_or_exit(inventory) if inventory else None
    document = answers_or_exit(answers, estate)
    state = progress(questionnaire_or_exit(), document, estate)
    click.echo(
        f"{answers}: valid answers for questionnaire {state.version}; "
        f"{state.answered}/{state.applicable} applicable questions answered"
    )
    for phase in state.phases:
        click.echo(f"  {phase.title}: {phase.answered}/{phase.applicable}")


COMMANDS = [questionnaire_group]
