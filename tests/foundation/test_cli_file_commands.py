"""Commands that work on files load the pure core only: no database, web or
migration code is imported (a command that starts at once), and the lazy
command table agrees with the modules that define the commands."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

from planner import cli

DEMO = Path(cli.__file__).resolve().parents[1] / "demo" / "estate.json"

#: Top-level packages a file-only command must never import.
SERVER_SIDE = (
    "sqlalchemy",
    "flask",
    "flask_smorest",
    "alembic",
    "werkzeug",
    "waitress",
    "psycopg",
    "models",
    "migrations",
)

#: Each runs in one process, in turn; what each one imported is checked after it.
FILE_COMMANDS = {
    "inventory validate": ["inventory", "validate", "{estate}"],
    "analyze": ["analyze", "{estate}", "--format", "json"],
    "graph": ["graph", "{estate}", "--format", "json", "-o", "{tmp}/graph.json"],
    "place": ["place", "{estate}", "--format", "json"],
    "questionnaire export": ["questionnaire", "export", "--format", "yaml", "-o", "{tmp}/answers.yaml"],
    "report": ["report", "{estate}", "--format", "html", "-o", "{tmp}/plan.html"],
}

_PROBE = """
import contextlib, io, json, sys
from planner.cli import main
server_side, commands = json.loads(sys.argv[1])
seen = {}
for name, args in commands.items():
    with contextlib.redirect_stdout(io.StringIO()):
        main(args, standalone_mode=False)
    seen[name] = sorted({m.split(".")[0] for m in sys.modules} & set(server_side))
print(json.dumps(seen))
"""


def test_file_commands_import_no_database_web_or_migration_code(tmp_path):
    commands = {name: [a.format(estate=DEMO, tmp=tmp_path) for a in args] for name, args in FILE_COMMANDS.items()}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps([SERVER_SIDE, commands])],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    imported = json.loads(out.stdout.splitlines()[-1])
    assert imported == {name: [] for name in FILE_COMMANDS}


@pytest.mark.parametrize("module", sorted(set(cli.COMMAND_MODULES.values())))
def test_the_command_table_names_each_modules_commands(module):
    defined = [c.name for c in import_module(f"planner.cli.{module}").COMMANDS]
    assert defined == [name for name, where in cli.COMMAND_MODULES.items() if where == module]


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "planner", "--help"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(cli.COMMAND_MODULES)
