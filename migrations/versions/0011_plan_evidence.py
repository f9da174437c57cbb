"""plan evidence: hardening baselines and assessment checklists attached to a plan

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "plan_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", _JSON, nullable=False),
        sa.Column("summary", _JSON, nullable=False),
        sa.Column("uploaded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint("kind IN ('baseline', 'checklist')", name=op.f("ck_plan_evidence_kind")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_evidence_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_evidence")),
        sa.UniqueConstraint("plan_id", "sha256", name=op.f("uq_plan_evidence_plan_id_sha256")),
    )
    with op.batch_alter_table("plan_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_evidence_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_evidence_plan_id"))
    op.drop_table("plan_evidence")
