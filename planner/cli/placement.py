"""``virtplan place``: the placement advisor on a file, no server.

``--format json`` prints the contract's JSON (``placement``, ``unplaced``,
``moves``, ``findings_before``, ``findings_after``, plus ``conflicts``,
``pinned_violations``, ``hosts_by_zone``, ``domains`` and the findings that
disappear, appear or change); the default table lists the moves with their
reasons, the VMs that cannot be placed, the hosts left mixing zones, each
migration domain's result (proven optimal or best found, with its bound),
the findings that disappear and appear, and the findings by rule before and
after — counted the way the plan's assessment counts them
(:func:`planner.core.assessment.placement_advice`), with ``--answers``
applied when given. ``--write-inventory OUT.json`` also writes the
inventory with the advice applied. Exit 0 whatever it advises, 2 for invalid
input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click
import msgspec

from planner.core.allocation import bulk_allocation
from planner.core.assessment import assess, placement_advice
from planner.core.inventory import read_document
from planner.core.placement import SolverOptions

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
    if result.get("domains"):
        lines += [
            "",
            "MIGRATION DOMAINS",
            *_columns(
                [("CLUSTERS", "VMS", "METHOD", "STATUS", "UNPLACED/CONFLICTS/MOVES/ON CONFLICTING/SPREAD", "BOUND")]
                + [
                    (
                        ",".join(c or "(no cluster)" for c in d["clusters"]) or "-",
                        str(d["vms"]),
                        d["method"],
                        d["status"],
                        "/".join(str(v) for v in d["result"].values()) if d["result"] else "-",
                        "/".join("?" if v is None else str(v) for v in d["bound"].values()),
                    )
                    for d in result["domains"]
                ]
            ),
        ]
    for title, key in (("FINDINGS THAT DISAPPEAR", "findings_removed"), ("FINDINGS THAT APPEAR", "findings_added")):
        if result.get(key):
            lines += [
                "",
                title,
                *_columns(
                    [("RULE", "RISK", "OBJECTS")]
                    + [
                        (f["rule"], f["risk"], ", ".join(f"{o['kind']} {o['id']}" for o in f["objects"]))
                        for f in result[key]
                    ]
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
@click.option(
    "--write-inventory",
    "out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write the inventory with the advice applied (every VM on its advised host) to this file.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0),
    default=SolverOptions().time_limit,
    show_default=True,
    help="The exact solver's budget for the whole inventory, in CP-SAT's deterministic seconds "
    "(the same answer on any machine); 0: the heuristic alone.",
)
def place_command(
    file: str, fmt: str, answers: str | None = None, out: str | None = None, time_limit: float = 10.0
) -> None:
    """Advise a host for every VM of the inventory in FILE.

    Keeps the hard constraints (overcommit ceilings, anti-affinity, dedicated
    zones, pinned VMs, moves within a VM's cluster, datastores attached to the
    target, no type 2 host), then, strictly in this order: fewest VMs without
    a host, fewest hosts mixing zones, fewest moves, most even load. Exits 0
    whatever it advises, 2 if FILE is not a valid inventory.
    """
    with bulk_allocation():
        estate = load_or_exit(file)
        questionnaire, document = (
            (questionnaire_or_exit(), answers_or_exit(answers, estate)) if answers else (None, None)
        )
        before = assess(estate, document, questionnaire)
        result = placement_advice(estate, before, document, questionnaire, options=SolverOptions(time_limit=time_limit))
        if out is not None:
            write_advised_inventory(file, out, result["placement"])
        if fmt == "json":
            # The same text as json.dumps(indent=1, ensure_ascii=False), encoded in C.
            sys.stdout.write(msgspec.json.format(msgspec.json.encode(result), indent=1).decode() + "\n")
        else:
            click.echo(render_table(result))


def write_advised_inventory(source: str, out: str, placement: dict[str, str]) -> None:
    """The inventory in ``source`` as given, each VM's ``host`` set to the advice (null when unplaced)."""
    document = read_document(source)
    for vm in document.get("vms") or []:
        vm["host"] = placement.get(vm["id"])
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")


COMMANDS: list = [place_command]
