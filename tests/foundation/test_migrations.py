"""Alembic migrations are the only way the schema is made, and they agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import models
from models.database import make_engine
from planner.cli.database import upgrade_database


def test_upgrade_on_an_empty_database_matches_the_models(empty_database):
    upgrade_database(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert set(models.Base.metadata.tables) <= tables
            assert "alembic_version" in tables
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            assert compare_metadata(ctx, models.Base.metadata) == []
    finally:
        engine.dispose()
    # Upgrading again is a no-op.
    upgrade_database(empty_database)


def test_constraints_follow_the_naming_convention(empty_database):
    upgrade_database(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            fks = {fk["name"] for fk in insp.get_foreign_keys("vm_nics")}
            assert fks == {"fk_vm_nics_vm_id_vms", "fk_vm_nics_plan_id_plans"}
            uniques = {u["name"] for u in insp.get_unique_constraints("vms")}
            assert "uq_vms_plan_id_ext_id" in uniques
    finally:
        engine.dispose()
