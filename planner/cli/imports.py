"""``virtplan import``: an RVTools, NetBox or ServiceNow source as an
inventory document (``-o``), or synced into a stored plan (``--plan``).

    virtplan import rvtools export.xlsx --mapping map.yaml -o inventory.json
    virtplan import netbox saved/ --mapping map.yaml --plan 3 --dry-run
    virtplan import netbox --netbox-url https://netbox.example --token … --mapping map.yaml -o inv.json
    virtplan import rvtools export.xlsx --suggest-mapping map.yaml

Exit codes: 0 done, 2 bad input or usage (every problem named by file,
sheet, row or JSON path on stderr; nothing written), 1 any other failure.
Progress goes to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import click

from planner.importers import SOURCES, Imported, SourceError, Warnings, load_mapping, observe
from planner.importers.assemble import build_document
from planner.importers.suggest import suggest_mapping

SHOWN_PER_KIND = 3


def _fail(problems: list[Any]) -> NoReturn:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(2)


def _read_sources(paths: tuple[str, ...]) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                entries = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
                if not entries:
                    _fail([f"{raw}: the folder holds no files"])
                files.extend((str(p), p.read_bytes()) for p in entries)
            else:
                files.append((str(path), path.read_bytes()))
        except OSError as exc:
            _fail([f"{raw}: cannot read: {exc.strerror or exc}"])
    return files


def _write_atomically(path: str, text: str) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Progress:
    """A one-line status on a terminal's stderr; silent otherwise."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()

    def __call__(self, stage: str, count: int) -> None:
        if self.on:
            click.echo(f"\r\033[K{stage}: {count:,}", err=True, nl=False)

    def done(self) -> None:
        if self.on:
            click.echo("\r\033[K", err=True, nl=False)


def _print_warnings(warnings: Warnings) -> None:
    if not warnings.counts:
        return
    click.echo(f"{sum(warnings.counts.values()):,} warnings:", err=True)
    shown: dict[str, int] = {}
    for kind, count in warnings.summary().items():
        click.echo(f"  {kind}: {count:,}", err=True)
        for w in warnings.items:
            if w.kind == kind and shown.get(kind, 0) < SHOWN_PER_KIND:
                shown[kind] = shown.get(kind, 0) + 1
                click.echo(f"    {w}", err=True)
        if count > SHOWN_PER_KIND:
            click.echo(f"    … and {count - min(count, SHOWN_PER_KIND):,} more", err=True)


def _print_imported(imported: Imported) -> None:
    counts = ", ".join(f"{n:,} {c}" for c, n in imported.counts().items() if n)
    click.echo(f"imported: {counts or 'nothing'}", err=True)
    for collection, ids in imported.unmatched.items():
        click.echo(f"no {collection[:-1]} rule matched {len(ids):,} {collection} (listed among the warnings)", err=True)
    _print_warnings(imported.warnings)


@click.command("import")
@click.argument("source", type=click.Choice(SOURCES))
@click.argument("paths", nargs=-1)
@click.option("--mapping", "mapping_path", type=click.Path(dir_okay=False), help="The mapping rules (YAML).")
@click.option("--plan", "plan_id", type=int, help="Sync into this stored plan (VIRTPLAN_DATABASE_URL).")
@click.option("-o", "--output", help="Write the inventory document to this file instead.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--prune", is_flag=True, help="With --plan: remove objects of this source that it no longer has.")
@click.option("--suggest-mapping", "suggest_path", help="Write a starting mapping (one zone per network) to this file.")
@click.option("--netbox-url", help="Fetch from this NetBox instead of saved files (needs --token or NETBOX_TOKEN).")
@click.option("--token", envvar="NETBOX_TOKEN", help="The NetBox API token (default: $NETBOX_TOKEN).")
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    help="NetBox request timeout, seconds.",
)
def import_command(
    source: str,
    paths: tuple[str, ...],
    mapping_path: str | None,
    plan_id: int | None,
    output: str | None,
    dry_run: bool,
    prune: bool,
    suggest_path: str | None,
    netbox_url: str | None,
    token: str | None,
    timeout: float,
) -> None:
    """Import SOURCE (rvtools, netbox or servicenow) from PATHS (files or folders)."""
    if netbox_url and source != "netbox":
        raise click.UsageError("--netbox-url is for the netbox source only")
    if bool(netbox_url) == bool(paths):
        raise click.UsageError("give the source's files or folders, or (netbox) --netbox-url, not both")
    if mapping_path is None and suggest_path is None:
        raise click.UsageError("--mapping is required (or --suggest-mapping to write a starting one)")
    if mapping_path is not None and (plan_id is None) == (output is None):
        raise click.UsageError("give exactly one of --plan ID and -o FILE")
    if prune and plan_id is None:
        raise click.UsageError("--prune only makes sense with --plan")
    # A short-lived process building a few hundred thousand objects: the cyclic garbage collector
    # would re-scan them again and again (about a sixth of the CPU time at 100,000 VMs) and find
    # nothing to free. Reference counting still frees everything as usual.
    gc.disable()
    progress = _Progress()
    mapping = None
    if mapping_path is not None:
        try:
            mapping = load_mapping(mapping_path, Path(mapping_path).read_bytes())
        except OSError as exc:
            _fail([f"{mapping_path}: cannot read: {exc.strerror or exc}"])
        except SourceError as exc:
            _fail(exc.problems)
    if netbox_url:
        from planner.importers.netbox_api import NetboxError, fetch_netbox

        try:
            files = fetch_netbox(netbox_url, token or "", timeout=timeout, progress=progress)
        except NetboxError as exc:
            progress.done()
            _fail([str(exc)])
    else:
        files = _read_sources(paths)
    warnings = Warnings()
    try:
        observed = observe(source, files, warnings, progress=progress)
        if suggest_path:
            _write_atomically(suggest_path, suggest_mapping(observed))
            click.echo(f"{suggest_path}: starting mapping with {len(observed.networks):,} zones written", err=True)
        if mapping is None:
            progress.done()
            return
        progress("mapping and validating", len(observed.vms))
        imported = build_document(observed, mapping, warnings)
    except SourceError as exc:
        progress.done()
        _fail(exc.problems)
    progress.done()
    if output is not None:
        _print_imported(imported)
        if dry_run:
            click.echo(f"dry run: {output} not written", err=True)
            return
        try:
            _write_atomically(output, json.dumps(imported.document, ensure_ascii=False, separators=(",", ":")) + "\n")
        except OSError as exc:
            click.echo(f"{output}: cannot write: {exc.strerror or exc}", err=True)
            sys.exit(1)
        click.echo(f"{output}: written", err=True)
        return
    if plan_id is not None:
        _sync(plan_id, imported, prune=prune, dry_run=dry_run)


def _sync(plan_id: int, imported: Imported, *, prune: bool, dry_run: bool) -> None:
    from models import Plan
    from planner.services.accounts import Caller
    from planner.services.imports import sync_into_plan

    from .accounts import use_case

    with use_case() as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            click.echo(f"error: no plan {plan_id}", err=True)
            sys.exit(2)
        # The command line acts with database access, as the plan's own organization.
        caller = Caller(plan.organization_id, frozenset({"read", "write"}), None, "virtplan import")
        outcome = sync_into_plan(session, caller, plan_id, imported, prune=prune, dry_run=dry_run)
    _print_imported(imported)
    for collection, counts in outcome.diff.counts().items():
        if any(counts[k] for k in ("added", "updated", "gone", "removed")):
            shown = ", ".join(f"{v:,} {k}" for k, v in counts.items() if v and k != "unchanged")
            click.echo(f"  {collection}: {shown} ({counts['unchanged']:,} unchanged)", err=True)
    for collection, diff in outcome.diff.collections.items():
        if diff.gone and not prune:
            click.echo(
                f"  {collection} gone from the source (kept; --prune removes them): {', '.join(diff.gone[:10])}",
                err=True,
            )
    if dry_run:
        click.echo(f"dry run: plan {plan_id} not changed (inventory version {outcome.base_version})", err=True)
    elif outcome.changed:
        click.echo(f"plan {plan_id}: inventory version {outcome.base_version} -> {outcome.version}", err=True)
    else:
        click.echo(f"plan {plan_id}: nothing changed (inventory version {outcome.version})", err=True)


COMMANDS = [import_command]
