"""placement proposals: the advisor's advice per inventory version, a background job like the others

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "placement_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("inventory_version", sa.Integer(), nullable=False),
        sa.Column("answers_version", sa.String(length=80), nullable=True),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("advice", JSON, nullable=True),
        sa.Column("changes", JSON, nullable=True),
        sa.Column("accepted_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=200), nullable=True),
        sa.Column("accepted_vms", JSON, nullable=True),
        sa.Column("accepted_version", sa.Integer(), nullable=True),
        sa.Column("analysis_run_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        sa.Column("requested_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')", name=op.f("ck_placement_proposals_state")
        ),
        sa.ForeignKeyConstraint(
            ["analysis_run_id"],
            ["analysis_runs.id"],
            name=op.f("fk_placement_proposals_analysis_run_id_analysis_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_placement_proposals_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_proposals")),
    )
    with op.batch_alter_table("placement_proposals", schema=None) as batch_op:
        batch_op.create_index("ix_placement_proposals_plan_id_id", ["plan_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_proposals_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("placement_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_proposals_state"))
        batch_op.drop_index("ix_placement_proposals_plan_id_id")
    op.drop_table("placement_proposals")
