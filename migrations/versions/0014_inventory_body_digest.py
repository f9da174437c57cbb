"""inventory versions: the SHA-256 of the request body a whole-document PUT made the version from

A PUT of the very bytes the plan's current version was made from is answered
without reading the document again (issue 11, target 3).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inventory_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inventory_versions", schema=None) as batch_op:
        batch_op.drop_column("body_digest")
