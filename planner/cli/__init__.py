"""The ``virtplan`` command line.

Each module here contributes the commands of one domain through its
``COMMANDS`` list; this module only assembles them. Commands that analyse or
report on a file run the pure core and need no server or database; commands
that touch the database open it from ``VIRTPLAN_DATABASE_URL``.

Exit codes: 0 success (whatever an analysis finds), 2 invalid input or usage,
1 any other failure.
"""

from __future__ import annotations

from importlib import import_module

import click

#: Modules of this package that define commands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "inventory",
    "imports",
    "analysis",
    "placement",
    "questionnaire",
    "report",
    "database",
    "accounts",
    "server",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="virtplan")
def main() -> None:
    """VirtPlan: plan and assess virtualization deployments on NIST SP 800-125."""


for _name in COMMAND_MODULES:
    for _command in import_module(f"{__name__}.{_name}").COMMANDS:
        main.add_command(_command)
