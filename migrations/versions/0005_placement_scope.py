"""policy.placement_scope (inventory v1.1)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("placement_scope", sa.String(length=20), server_default="cluster", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_policies", schema=None) as batch_op:
        batch_op.drop_column("placement_scope")
