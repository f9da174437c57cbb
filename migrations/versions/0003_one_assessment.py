"""one assessment: the findings' order key, the run's answers version and
placement advice, the analysis run a report was made from

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 05:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from planner.core.analysis import Finding, ObjectRef, finding_order

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _backfill_order_keys() -> None:
    """Existing findings get the key of their stored content (the one order of findings)."""
    findings = sa.table(
        "findings",
        sa.column("id", sa.Integer),
        sa.column("rule", sa.String),
        sa.column("objects", _JSON),
        sa.column("likelihood", sa.String),
        sa.column("impact", sa.String),
        sa.column("risk", sa.String),
        sa.column("fingerprint", sa.String),
        sa.column("order_key", sa.LargeBinary),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            findings.c.id,
            findings.c.rule,
            findings.c.objects,
            findings.c.likelihood,
            findings.c.impact,
            findings.c.risk,
            findings.c.fingerprint,
        )
    ).all()
    keys = [
        {
            "row_id": r.id,
            "key": finding_order(
                Finding(
                    r.rule,
                    "",
                    [ObjectRef(o["kind"], o["id"]) for o in r.objects or []],
                    r.likelihood,
                    r.impact,
                    r.risk,
                    fingerprint=r.fingerprint,
                )
            ),
        }
        for r in rows
    ]
    if keys:
        conn.execute(
            findings.update().where(findings.c.id == sa.bindparam("row_id")).values(order_key=sa.bindparam("key")),
            keys,
        )


def upgrade() -> None:
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_version", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("placement", _JSON, nullable=True))

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_key", sa.LargeBinary(), nullable=True))
    _backfill_order_keys()
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.alter_column("order_key", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.create_index("ix_findings_plan_id_order_key", ["plan_id", "order_key"], unique=False)

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("analysis_run_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_analysis_run_id_analysis_runs"),
            "analysis_runs",
            ["analysis_run_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_analysis_run_id_analysis_runs"), type_="foreignkey")
        batch_op.drop_column("analysis_run_id")

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_plan_id_order_key")
        batch_op.drop_column("order_key")

    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.drop_column("placement")
        batch_op.drop_column("answers_version")
