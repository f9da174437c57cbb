"""``virtplan db``: create and upgrade the schema through Alembic migrations."""

from __future__ import annotations

import click
from alembic import command

from migrations import alembic_config
from models.database import normalize_url
from planner.config import Settings


def upgrade_database(url: str) -> None:
    """Run every migration not yet applied (the only way the schema is made)."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(normalize_url(url)), "head")


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
def upgrade() -> None:
    """Create or upgrade the schema of VIRTPLAN_DATABASE_URL to the latest version."""
    settings = Settings.from_env(env="development")
    upgrade_database(settings.database_url)
    click.echo(f"database at revision head: {_safe(settings.database_url)}", err=True)


@db.command()
def current() -> None:
    """Print the schema revision the database is at."""
    command.current(alembic_config(normalize_url(Settings.from_env(env="development").database_url)))


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


COMMANDS = [db]
