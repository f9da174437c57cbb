"""Alembic migrations: the only way VirtPlan's schema is created or changed.

``virtplan db upgrade`` runs them; :func:`alembic_config` points Alembic at
this folder wherever the package is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    """The revision this code's schema is at (the newest migration)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: Any) -> str | None:
    """The revision the database behind ``connection`` is at; None if it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
