"""``virtplan inventory``: check inventory documents without a server."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from planner.core.inventory import InventoryError, load_estate_file


def exit_with_problems(path: str, problems) -> NoReturn:
    """Print each problem as ``FILE: path: message`` on stderr and exit 2."""
    for problem in problems:
        click.echo(f"{path}: {problem}", err=True)
    sys.exit(2)


def exit_unreadable(path: str, exc: OSError) -> NoReturn:
    click.echo(f"{path}: cannot read: {exc.strerror}", err=True)
    sys.exit(2)


def load_or_exit(path: str):
    """The estate in ``path``, or exit 2 with every problem on stderr."""
    try:
        return load_estate_file(path)
    except InventoryError as exc:
        exit_with_problems(path, exc.problems)
    except OSError as exc:
        exit_unreadable(path, exc)


@click.group()
def inventory() -> None:
    """Inventory documents (virtplan.inventory/v1)."""


@inventory.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check FILE against the inventory contract.

    Prints each problem with its JSON path on stderr and exits 2, or prints a
    one-line summary and exits 0.
    """
    estate = load_or_exit(file)
    counts = ", ".join(
        f"{len(getattr(estate, c))} {c}"
        for c in ("zones", "clusters", "hosts", "networks", "appliances", "datastores", "vms")
    )
    click.echo(f"{file}: valid virtplan.inventory/v1 ({counts})")


COMMANDS = [inventory]
