"""inventory v1.1: hardening facts of hosts, networks and VMs; snapshot age in the policy

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in ("hosts", "networks", "vms"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("hardening", _JSON, nullable=True))
    with op.batch_alter_table("plan_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_max_age_days", sa.Integer(), server_default="7", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("plan_policies", schema=None) as batch_op:
        batch_op.drop_column("snapshot_max_age_days")
    for table in ("vms", "networks", "hosts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("hardening")
