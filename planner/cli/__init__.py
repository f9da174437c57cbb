"""The ``virtplan`` command line.

Each module here contributes the commands of one domain through its
``COMMANDS`` list; this module only assembles them, lazily: a command's module
is imported when that command runs (or ``--help`` lists them all), so
``virtplan analyze`` on a file loads the pure core and nothing of the
database, the web or the migrations. Commands that analyse or report on a
file need no server or database; commands that touch the database open it
from ``VIRTPLAN_DATABASE_URL``.

Exit codes: 0 success (whatever an analysis finds), 2 invalid input or usage,
1 any other failure.
"""

from __future__ import annotations

from importlib import import_module

import click

#: Every command, in the order ``--help`` lists them, and the module of this
#: package whose ``COMMANDS`` define it (tests hold the two to agree).
COMMAND_MODULES = {
    "inventory": "inventory",
    "import": "imports",
    "analyze": "analysis",
    "graph": "analysis",
    "place": "placement",
    "questionnaire": "questionnaire",
    "report": "report",
    "evidence": "evidence",
    "db": "database",
    "org": "accounts",
    "user": "accounts",
    "token": "accounts",
    "serve": "server",
    "worker": "server",
    "demo": "server",
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        commands = import_module(f"{__name__}.{module}").COMMANDS
        return next((c for c in commands if c.name == cmd_name), None)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="virtplan")
def main() -> None:
    """VirtPlan: plan and assess virtualization deployments on NIST SP 800-125."""
