"""``virtplan analyze`` and ``virtplan graph``: the analysis of a file, no server.

``analyze`` prints a readable table by default, or the contract's JSON
(``{"findings": [...], "summary": {...}}``) with ``--format json``; it exits 0
whatever it finds and 2 for invalid input. :func:`emit_analysis` is the part
after loading, taking mitigations and questionnaire findings, so an
``--answers`` option only has to turn answers into those two and pass them on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click

from planner.core.allocation import bulk_allocation
from planner.core.analysis import Finding, Mitigation, analyze, build_graph, to_graphml, to_node_link_json

from .inventory import load_or_exit


def render_table(result) -> str:
    """Findings as aligned text columns, then the counts by risk."""
    rows = [("RISK", "RULE", "OBJECTS", "TITLE")]
    for f in result.findings:
        rows.append((f.risk, f.rule, ", ".join(f"{o.kind}:{o.id}" for o in f.objects), f.title))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    by_risk = result.summary()["by_risk"]
    lines.append("")
    lines.append(f"{len(result.findings)} findings: " + ", ".join(f"{n} {level}" for level, n in by_risk.items()))
    return "\n".join(lines)


def emit_analysis(
    estate, fmt: str, mitigations: Iterable[Mitigation] = (), extra_findings: Iterable[Finding] = ()
) -> None:
    """Analyse ``estate`` and print it in ``fmt`` (table or json)."""
    result = analyze(estate, mitigations, extra_findings)
    if fmt == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        click.echo(render_table(result))


@click.command("analyze")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: readable columns; json: the analysis-v1 contract.",
)
@click.option(
    "--answers",
    type=click.Path(dir_okay=False),
    default=None,
    help="Questionnaire answers (YAML or JSON): mitigations lower findings, weak answers add findings.",
)
def analyze_command(file: str, fmt: str, answers: str | None = None) -> None:
    """Analyse the inventory in FILE and list its findings.

    Exits 0 whatever it finds, 2 if FILE is not a valid inventory or ANSWERS
    not a valid answers file.
    """
    with bulk_allocation():
        estate = load_or_exit(file)
        if answers is None:
            emit_analysis(estate, fmt)
        else:
            from planner.core.assessment import answer_inputs

            from .questionnaire import answers_or_exit

            emit_analysis(estate, fmt, *answer_inputs(estate, answers_or_exit(answers, estate)))


@click.command("graph")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["graphml", "json"]), required=True, help="graphml, or json (node-link)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="-",
    show_default=True,
    help="File to write; - for stdout.",
)
def graph_command(file: str, fmt: str, output: str) -> None:
    """Export the estate in FILE as a typed graph (GraphML or node-link JSON)."""
    with bulk_allocation():
        graph = build_graph(load_or_exit(file))
        text = to_graphml(graph) if fmt == "graphml" else to_node_link_json(graph)
    with click.open_file(output, "w", encoding="utf-8") as out:
        out.write(text)


COMMANDS: list = [analyze_command, graph_command]
