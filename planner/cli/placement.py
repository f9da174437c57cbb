"""``virtplan place``: the placement advisor on a file, no server.

``--format json`` prints the contract's JSON (``placement``, ``unplaced``,
``moves``, ``findings_before``, ``findings_after``, plus ``conflicts`` and
``pinned_violations``); the default table lists the moves, the VMs that
cannot be placed, the hosts left mixing zones, and the findings by rule
before and after — counted the way the plan's assessment counts them
(:func:`planner.core.assessment.placement_advice`), with ``--answers``
applied when given. Exit 0 whatever it advises, 2 for invalid input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click

from planner.core.assessment import assess, placement_advice

from .analysis import bulk_allocation
from .inventory import load_or_exit
from .questionnaire import answers_or_exit, questionnaire_or_exit


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Aligned columns; the last column is left ragged."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows]


def render_table(result: dict) -> str:
    n = {k: len(result[k]) for k in ("placement", "moves", "unplaced", "conflicts")}
    lines = [
        f"{n['placement']} VM{'s' if n['placement'] != 1 else ''} placed, "
        f"{n['moves']} move{'s' if n['moves'] != 1 else ''}, {n['unplaced']} unplaced, "
        f"{n['conflicts']} host{'s' if n['conflicts'] != 1 else ''} still mixing zones"
    ]
    if result["moves"]:
        lines += [
            "",
            "MOVES",
            *_columns(
                [("VM", "FROM", "TO", "REASON")]
                + [(m["vm"], m["from"] or "-", m["to"], m["reason"]) for m in result["moves"]]
            ),
        ]
    if result["unplaced"]:
        lines += ["", "UNPLACED", *_columns([("VM", "REASON")] + [(u["vm"], u["reason"]) for u in result["unplaced"]])]
    if result["conflicts"]:
        lines += [
            "",
            "HOSTS STILL MIXING ZONES",
            *_columns(
                [("HOST", "ZONES", "WHY")]
                + [(c["host"], ",".join(c["zones"]), c["reason"]) for c in result["conflicts"]]
            ),
        ]
    if result["pinned_violations"]:
        lines += [
            "",
            "PINNED VMS BREAKING A CONSTRAINT",
            *_columns(
                [("HOST", "VMS", "REASON")]
                + [(p["host"], ",".join(p["vms"]), p["reason"]) for p in result["pinned_violations"]]
            ),
        ]
    before, after = result["findings_before"]["by_rule"], result["findings_after"]["by_rule"]
    rules = sorted(set(before) | set(after))
    lines += [
        "",
        "FINDINGS",
        *_columns([("RULE", "BEFORE", "AFTER")] + [(r, str(before.get(r, 0)), str(after.get(r, 0))) for r in rules]),
    ]
    return "\n".join(lines)


@click.command("place")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: readable sections; json: the analysis-v1 contract.",
)
@click.option(
    "--answers",
    type=click.Path(dir_okay=False),
    default=None,
    help="Questionnaire answers (YAML or JSON): findings before and after are counted with them, as the plan does.",
)
def place_command(file: str, fmt: str, answers: str | None = None) -> None:
    """Advise a host for every VM of the inventory in FILE.

    Keeps the hard constraints (overcommit ceilings, anti-affinity, dedicated
    zones, pinned VMs), then avoids hosts mixing zones, then moves as few VMs
    as it can, then spreads the load. Exits 0 whatever it advises, 2 if FILE
    is not a valid inventory.
    """
    with bulk_allocation():
        estate = load_or_exit(file)
        questionnaire, document = (
            (questionnaire_or_exit(), answers_or_exit(answers, estate)) if answers else (None, None)
        )
        before = assess(estate, document, questionnaire)
        result = placement_advice(estate, before, document, questionnaire)
        if fmt == "json":
            sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        else:
            click.echo(render_table(result))


COMMANDS: list = [place_command]
